"""A tiny shared dispatcher for the project's console scripts (``box2mask``, ``pytracking``).

Each sub-command lives in its own module exposing ``register(subparsers)``; it adds its parser and sets
``func`` (called with the parsed args, returns an exit code). Modules are imported lazily by name, so a
sub-command's heavy imports (torch, vot) only happen when it runs.
"""
from __future__ import annotations

import argparse
import ast
import importlib
import logging
import sys
from typing import Any, Dict, Iterable, Optional, Sequence


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


def parse_value(text: str) -> Any:
    """A command-line value: a Python literal when it parses as one (``3``, ``(64, 112)``, ``True``), else the text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_overrides(items: Sequence[str]) -> Dict[str, Any]:
    """``["a=1", "name=foo", "flag=True"]`` -> ``{"a": 1, "name": "foo", "flag": True}``."""
    out: Dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"Override must look like key=value, got {item!r}")
        out[key.strip()] = parse_value(text)
    return out


def import_class(path: str) -> Any:
    """Import ``package.module:Name`` (a class or a function)."""
    module_name, sep, attr = path.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"Expected module:Name, got {path!r}")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError as e:
        raise ValueError(f"Module {module_name} has no attribute {attr!r}") from e
