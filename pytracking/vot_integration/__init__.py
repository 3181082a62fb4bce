"""VOT toolkit integration (vot-toolkit 0.9.0 + vot-trax), offline, for any tracker following pytracking's contract.

* :mod:`.trax_server` -- TraX server process (``python -m pytracking.vot_integration.trax_server``);
* :mod:`.compat` / :mod:`.vot_cli` -- fixes for the toolkit's multistart/realtime bugs and a ``vot`` launcher;
* :mod:`.check` -- completeness check of a workspace's results;
* :mod:`.workspace` -- workspace writer (``pytracking vot-workspace``);
* :mod:`.sequences` -- VOT sequence folders from frames + masks/boxes; :mod:`.regions` -- region conversions.

(Never name a module ``vot`` or ``trax``: it would shadow the toolkit's packages.)
"""
