"""``pytracking`` console script: run trackers on datasets, analyse, pack submissions, VOT workspaces."""
from __future__ import annotations

from typing import Iterable, Optional

from ltr.admin.cli import cli_main, main_wrapper

COMMANDS = (
    "pytracking.commands.run",
    "pytracking.commands.video",
    "pytracking.commands.analyze",
    "pytracking.commands.pack",
    "pytracking.commands.vot_workspace",
)


def main(argv: Optional[Iterable[str]] = None) -> int:
    """Entry point: the command's exit status; errors are one ``error: ...`` line (traceback with ``--debug``)."""
    return cli_main("pytracking", __doc__.split("\n")[0].strip("`"), COMMANDS, argv)


if __name__ == "__main__":  # python -m ... (e.g. under torchrun)
    main_wrapper(main)
