"""Write a VOT toolkit workspace (config.yaml, trackers.ini, optional custom stack) for a pytracking tracker.

The workspace points at a *local* sequences folder (absolute path in ``config.yaml``) and is never downloaded.
The tracker entry uses ``protocol = traxpython`` with ``python = <interpreter>`` (default: the current one, where
the project is pip-installed, so nothing relies on ``PYTHONPATH`` -- which the toolkit replaces by ``paths``) and
``command = pytracking.vot_integration.trax_server``; the server's arguments travel in
``env_PYTRACKING_VOT_ARGS``. Several trackers can be added to the same workspace (one section each).
"""
from __future__ import annotations

import configparser
import io
import json
import logging
import re
import shlex
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from ltr.admin.fileio import atomic_write_text

logger = logging.getLogger(__name__)

SERVER_MODULE = "pytracking.vot_integration.trax_server"
STACK_ALIASES = {"vot2020": "vot2020/shortterm"}
TEMPLATE = Path(__file__).resolve().parent / "templates" / "stack.yaml"
_IDENT = re.compile(r"^[a-zA-Z0-9-_]+$")


class WorkspaceConfigError(ValueError):
    """The requested workspace conflicts with an existing one or its inputs are unusable."""


@dataclass
class TrackerEntry:
    """One ``trackers.ini`` section: how the toolkit starts the TraX server for a tracker."""

    identifier: str
    server_args: List[str]
    label: Optional[str] = None
    python: str = field(default_factory=lambda: sys.executable)
    timeout: int = 120
    paths: Optional[str] = None

    @classmethod
    def for_tracker(cls, tracker: Optional[str] = None, param: Optional[str] = None,
                    tracker_class: Optional[str] = None, region: Optional[str] = None,
                    overrides: Optional[List[str]] = None, identifier: Optional[str] = None,
                    **kwargs) -> "TrackerEntry":
        """Entry for ``--tracker NAME --param PARAM`` or ``--tracker-class module:Class`` (+ region, overrides)."""
        if tracker_class:
            args = ["--tracker-class", tracker_class]
            default_id = tracker_class.rpartition(":")[2]
        elif tracker and param:
            args = ["--tracker", tracker, "--param", param]
            default_id = f"{tracker}_{param}"
        else:
            raise WorkspaceConfigError("Give a tracker name and parameter set, or a tracker class module:Class")
        if region:
            args += ["--region", region]
        for item in overrides or []:
            args += ["--param-override", item]
        ident = identifier or re.sub(r"[^a-zA-Z0-9-_]", "_", default_id + (f"_{region}" if region else ""))
        if not _IDENT.match(ident):
            raise WorkspaceConfigError(f"Tracker identifier must match [a-zA-Z0-9-_]+, got {ident!r}")
        return cls(ident, args, **kwargs)

    def options(self) -> Dict[str, str]:
        """The section's key/value pairs."""
        opts = {
            "label": self.label or self.identifier,
            "protocol": "traxpython",
            "command": SERVER_MODULE,
            "python": self.python,
            "timeout": str(int(self.timeout)),
            "env_PYTRACKING_VOT_ARGS": " ".join(shlex.quote(a) for a in self.server_args),
        }
        if self.paths:
            opts["paths"] = self.paths
        return opts


def _escape(value: str) -> str:
    # the toolkit reads trackers.ini with configparser's default (%-)interpolation
    return value.replace("%", "%%")


def write_trackers_ini(path: Path, entry: TrackerEntry) -> None:
    """Add or replace ``entry``'s section in ``trackers.ini`` (other sections kept), atomically."""
    config = configparser.ConfigParser(interpolation=None)
    config.optionxform = str  # keep the case of env_ keys readable (the toolkit upper-cases them anyway)
    if path.is_file():
        config.read(path)
    if config.has_section(entry.identifier):
        config.remove_section(entry.identifier)
    config.add_section(entry.identifier)
    for key, value in entry.options().items():
        config.set(entry.identifier, key, _escape(value))
    buf = io.StringIO()
    config.write(buf)
    atomic_write_text(path, buf.getvalue())


def render_custom_stack(title: str = "VOT2020-style short-term (local sequences)", eao_low: int = 2,
                        eao_high: int = 15) -> str:
    """The custom stack template with its EAO interval filled in."""
    if not 0 <= eao_low < eao_high:
        raise WorkspaceConfigError(f"EAO interval must satisfy 0 <= low < high, got {eao_low}..{eao_high}")
    return string.Template(TEMPLATE.read_text()).substitute(title=json.dumps(title), eao_low=int(eao_low),
                                                            eao_high=int(eao_high))


def resolve_stack_name(stack: str) -> str:
    """``vot2020`` -> ``vot2020/shortterm``; other built-in names and stack files are checked to exist."""
    name = STACK_ALIASES.get(stack, stack)
    if name == "custom":
        return name
    from vot.stack import resolve_stack

    if resolve_stack(name) is None:
        raise WorkspaceConfigError(f"Unknown VOT stack {stack!r} (built-in name such as vot2020/shortterm, "
                                   "'custom', or a stack .yaml file)")
    return str(Path(name).resolve()) if Path(name).is_file() else name


def write_workspace(workspace: Path, entry: TrackerEntry, sequences: Optional[Path] = None, stack: str = "vot2020",
                    eao_low: int = 2, eao_high: int = 15, force: bool = False) -> Path:
    """Create (or extend) a workspace: ``config.yaml`` (stack, registry, absolute sequences path),
    ``trackers.ini`` with ``entry``, ``stack.yaml`` for ``stack='custom'``, and ``results/``.

    The sequences folder must already hold a ``list.txt`` (nothing is downloaded). Returns the workspace path.
    """
    workspace = Path(workspace).resolve()
    sequences = Path(sequences).resolve() if sequences else workspace / "sequences"
    if not (sequences / "list.txt").is_file():
        raise WorkspaceConfigError(f"No list.txt in the sequences folder {sequences}: convert sequences first "
                                   "(python -m pytracking.vot_integration.sequences ...); nothing is downloaded")
    stack_name = resolve_stack_name(stack)
    files = {}
    if stack_name == "custom":
        files[workspace / "stack.yaml"] = render_custom_stack(eao_low=eao_low, eao_high=eao_high)
        stack_name = "./stack.yaml"
    files[workspace / "config.yaml"] = "".join([
        "registry:\n- ./trackers.ini\n",
        f"stack: {json.dumps(stack_name)}\n",
        f"sequences: {json.dumps(str(sequences))}\n",
    ])
    changed = {p: t for p, t in files.items() if not p.is_file() or p.read_text() != t}
    conflicts = [str(p) for p in changed if p.is_file()]
    if conflicts and not force:
        raise WorkspaceConfigError(f"{', '.join(conflicts)} exist(s) with different content; use --force to replace")
    workspace.mkdir(parents=True, exist_ok=True)
    for path, text in changed.items():
        atomic_write_text(path, text)
    (workspace / "results").mkdir(exist_ok=True)
    write_trackers_ini(workspace / "trackers.ini", entry)
    logger.info("Workspace %s: tracker %s, stack %s, sequences %s", workspace, entry.identifier, stack_name, sequences)
    return workspace

