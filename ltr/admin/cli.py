"""A tiny shared dispatcher for the project's console scripts (``box2mask``, ``pytracking``), and their error rule.

Each sub-command lives in its own module exposing ``register(subparsers)``; it adds its parser and sets
``func`` (called with the parsed args, returns an exit code). Modules are imported lazily by name, so a
sub-command's heavy imports (torch, vot) only happen when it runs.

Errors (:func:`cli_main`, :func:`guarded`): an exception ends the command with one line ``error: <message>`` on
stderr and exit status 1 (2 for a bad command line, 130 for Ctrl-C, after which every finished output is kept and the
same command resumes); the traceback is shown only with ``--debug`` (anywhere on the command line) or
``B2M_DEBUG=1``. :func:`run_cli` itself lets exceptions through (for tests and callers that handle them).
"""
from __future__ import annotations

import argparse
import ast
import importlib
import logging
import os
import sys
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

DEBUG_ENV = "B2M_DEBUG"
#: Exceptions that mean bad input or environment (files, values, names, settings, checkpoints): message only.
EXPECTED_ERRORS = (OSError, ValueError, LookupError, RuntimeError)
INTERRUPTED = "interrupted (Ctrl-C); finished outputs are kept, run the same command again to resume"


def setup_logging(verbose: bool = False) -> None:
    """Plain logging to stderr for command-line use."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")


class OneLineParser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line ``error: <prog>: <message>`` (exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


_DEBUG_HELP = f"show the traceback of an error (also: {DEBUG_ENV}=1)"


def run_cli(prog: str, description: str, modules: Sequence[str], argv: Optional[Iterable[str]] = None) -> int:
    """Build the parser from ``modules`` (each with ``register(subparsers)``), parse ``argv`` and run."""
    parser = OneLineParser(prog=prog, description=description)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in modules:
        importlib.import_module(name).register(sub)
    for command in sub.choices.values():  # --debug is accepted after the sub-command too
        try:
            command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
        except argparse.ArgumentError:
            pass  # the sub-command has its own --debug (e.g. ``pytracking run``: stop at the first exception)
    args = parser.parse_args(None if argv is None else list(argv))
    setup_logging(args.verbose)
    return int(args.func(args) or 0)


def debug_requested(argv: Sequence[str]) -> bool:
    """Whether tracebacks are wanted: ``--debug`` among the options (before a ``--``) or ``B2M_DEBUG`` set."""
    options = list(argv)[:list(argv).index("--")] if "--" in argv else list(argv)
    return "--debug" in options or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def error_message(error: BaseException) -> str:
    """One line for an exception: its message (a KeyError's without quotes); unexpected exception types are named
    and point at ``--debug``."""
    if isinstance(error, KeyError) and len(error.args) == 1 and isinstance(error.args[0], str):
        text = error.args[0]
    else:
        text = str(error)
    text = " ".join(text.split()) or type(error).__name__
    if not isinstance(error, EXPECTED_ERRORS):
        text = f"unexpected {type(error).__name__}: {text} (rerun with --debug or {DEBUG_ENV}=1 for the traceback)"
    return text


def guarded(fn: Callable[[], Optional[int]], debug: bool = False) -> int:
    """Run ``fn()`` and return its exit status; an exception becomes one ``error: ...`` line on stderr and status 1,
    Ctrl-C one line and 130 (with ``debug`` both are raised instead: full traceback)."""
    try:
        return int(fn() or 0)
    except KeyboardInterrupt:
        if debug:
            raise
        sys.stderr.write(f"error: {INTERRUPTED}\n")
        return 130
    except Exception as e:  # noqa: BLE001 -- the command line's last resort: one line, never a traceback
        if debug:
            raise
        logging.getLogger(__name__).debug("error", exc_info=True)
        sys.stderr.write(f"error: {error_message(e)}\n")
        return 1


def cli_main(prog: str, description: str, modules: Sequence[str], argv: Optional[Iterable[str]] = None) -> int:
    """:func:`run_cli` under the command line's error rule (see the module docstring); returns the exit status."""
    args: List[str] = list(sys.argv[1:] if argv is None else argv)
    try:
        return guarded(lambda: run_cli(prog, description, modules, args), debug_requested(args))
    except SystemExit as e:  # argparse (--help, usage errors) and commands that exit with a message
        if isinstance(e.code, str):
            sys.stderr.write(e.code + "\n")
            return 1
        return int(e.code or 0)


def main_wrapper(fn) -> None:
    """Run ``fn()`` and exit with its code; a KeyboardInterrupt exits 130 without a traceback."""
    try:
        sys.exit(fn())
    except KeyboardInterrupt:
        sys.stderr.write(f"error: {INTERRUPTED}\n")
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
