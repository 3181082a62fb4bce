"""A tiny shared dispatcher for the project's console scripts (``box2mask``, ``pytracking``).

Each sub-command lives in its own module exposing ``register(subparsers)``; it adds its parser and sets
``func`` (called with the parsed args, returns an exit code). Modules are imported lazily by name, so a
sub-command's heavy imports (torch, vot) only happen when it runs.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Iterable, Optional, Sequence


def setup_logging(verbose: bool = False) -> None:
    """Plain logging to stderr for command-line use."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")


def run_cli(prog: str, description: str, modules: Sequence[str], argv: Optional[Iterable[str]] = None) -> int:
    """Build the parser from ``modules`` (each with ``register(subparsers)``), parse ``argv`` and run."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in modules:
        importlib.import_module(name).register(sub)
    args = parser.parse_args(None if argv is None else list(argv))
    setup_logging(args.verbose)
    return int(args.func(args) or 0)


def main_wrapper(fn) -> None:
    """Run ``fn()`` and exit with its code; a KeyboardInterrupt exits 130 without a traceback."""
    try:
        sys.exit(fn())
    except KeyboardInterrupt:
        sys.exit(130)
