"""Name-based lookup of trackers and their parameter files (lazy: only the requested modules are imported).

A tracker ``<name>`` lives in ``pytracking/tracker/<name>/`` whose ``__init__`` defines ``get_tracker_class()``;
its parameter sets are modules ``pytracking/parameter/<name>/<param>.py`` defining ``parameters() -> TrackerParams``.
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any, Callable, Optional

from pytracking.utils.params import TrackerParams


class UnknownTrackerError(LookupError):
    """No tracker or parameter module with that name."""


class Tracker:
    """A (tracker, parameter set, run id) triple: creates tracker instances and names result folders.

    ``tracker_class`` / ``params_factory`` bypass the name lookup (tests, experiments with an unregistered class):
    both must be importable module-level objects when the tracker is run in several processes.
    """

    def __init__(self, name: str, parameter_name: str, run_id: Optional[int] = None,
                 display_name: Optional[str] = None, tracker_class: Optional[type] = None,
                 params_factory: Optional[Callable[[], TrackerParams]] = None):
        self.name = name
        self.parameter_name = parameter_name
        self.run_id = run_id
        self.display_name = display_name or (name + "_" + parameter_name + ("" if run_id is None else f"_{run_id:03d}"))
        self._tracker_class = tracker_class
        self._params_factory = params_factory

    def __repr__(self) -> str:
        return f"Tracker({self.name!r}, {self.parameter_name!r}, run_id={self.run_id!r})"

    def tracker_class(self):
        """The tracker class (imports ``pytracking.tracker.<name>``)."""
        if self._tracker_class is not None:
            return self._tracker_class
        try:
            module = importlib.import_module(f"pytracking.tracker.{self.name}")
        except ModuleNotFoundError as e:
            if e.name and e.name.startswith(f"pytracking.tracker.{self.name}"):
                raise UnknownTrackerError(f"Unknown tracker '{self.name}' (no package pytracking/tracker/{self.name})") from e
            raise
        return module.get_tracker_class()

    def get_parameters(self, **overrides: Any) -> TrackerParams:
        """Load ``pytracking.parameter.<name>.<parameter_name>.parameters()`` and apply strict overrides."""
        if self._params_factory is not None:
            params = self._params_factory()
            if overrides:
                params.override(**overrides)
            return params
        modname = f"pytracking.parameter.{self.name}.{self.parameter_name}"
        try:
            module = importlib.import_module(modname)
        except ModuleNotFoundError as e:
            if e.name and modname.startswith(e.name):
                raise UnknownTrackerError(
                    f"Unknown parameter set '{self.parameter_name}' for tracker '{self.name}' (no module {modname})") from e
            raise
        params = module.parameters()
        if overrides:
            params.override(**overrides)
        return params

    def create_tracker(self, params: Optional[TrackerParams] = None, **overrides: Any):
        """A fresh tracker instance (parameters loaded if not given)."""
        if params is None:
            params = self.get_parameters(**overrides)
        return self.tracker_class()(params)

    def results_dir(self, results_root: os.PathLike) -> Path:
        """``<results_root>/<name>/<param>[_%03d run_id]`` -- pytracking's layout."""
        sub = self.parameter_name if self.run_id is None else f"{self.parameter_name}_{self.run_id:03d}"
        return Path(results_root) / self.name / sub
