"""``box2mask`` console script: boxes -> masks for videos and datasets, evaluation, demo."""
from __future__ import annotations

from typing import Iterable, Optional

from ltr.admin.cli import run_cli

COMMANDS = (
    "box2mask.commands.predict",
    "box2mask.commands.annotate",
    "box2mask.commands.evaluate",
    "box2mask.commands.demo",
)


def main(argv: Optional[Iterable[str]] = None) -> int:
    """Entry point."""
    return run_cli("box2mask", __doc__.split("\n")[0].strip("`"), COMMANDS, argv)
