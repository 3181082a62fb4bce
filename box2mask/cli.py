"""``box2mask`` console script: boxes -> masks for videos and datasets, evaluation, demo, the weak-supervision chain."""
from __future__ import annotations

from typing import Iterable, Optional

from ltr.admin.cli import cli_main, main_wrapper

COMMANDS = (
    "box2mask.commands.predict",
    "box2mask.commands.annotate",
    "box2mask.commands.evaluate",
    "box2mask.commands.demo",
    "box2mask.commands.weak",
)


def main(argv: Optional[Iterable[str]] = None) -> int:
    """Entry point: the command's exit status; errors are one ``error: ...`` line (traceback with ``--debug``)."""
    return cli_main("box2mask", __doc__.split("\n")[0].strip("`"), COMMANDS, argv)


if __name__ == "__main__":  # python -m ... (e.g. under torchrun)
    main_wrapper(main)
