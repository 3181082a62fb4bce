"""``pytracking vot-workspace``: write a VOT toolkit workspace that runs a tracker through the project's TraX server."""
from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path


def register(subparsers) -> None:
    """Add the ``vot-workspace`` sub-command."""
    p = subparsers.add_parser(
        "vot-workspace", help="write a VOT workspace (config.yaml, trackers.ini, stack) for a tracker",
        description="Write (or add a tracker to) a VOT toolkit workspace on local sequences; nothing is downloaded.")
    p.add_argument("--workspace", required=True, help="workspace folder (created if missing)")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--tracker", help="tracker name (pytracking/tracker/<name>); needs --param")
    who.add_argument("--tracker-class", help="tracker class module:Class (your own tracker)")
    p.add_argument("--param", help="parameter set name")
    p.add_argument("--region", choices=("mask", "rectangle"), default=None,
                   help="region format (default: mask for mask-predicting trackers, else rectangle)")
    p.add_argument("--param-override", action="append", default=[], metavar="KEY=VALUE",
                   help="tracker parameter override passed to the server; repeatable")
    p.add_argument("--tracker-id", default=None, help="identifier in trackers.ini (default: <tracker>_<param>[_region])")
    p.add_argument("--label", default=None, help="display label (default: the identifier)")
    p.add_argument("--sequences", default=None, help="local VOT sequences folder with list.txt (default: WS/sequences)")
    p.add_argument("--stack", default="vot2020",
                   help="vot2020 (built-in vot2020/shortterm, run through the launcher), custom (stack.yaml "
                        "template with the fixed experiments), another built-in stack name or a stack .yaml")
    p.add_argument("--timeout", type=int, default=120, help="seconds the toolkit waits for each tracker reply")
    p.add_argument("--eao-low", type=int, default=2, help="EAO interval low bound (custom stack)")
    p.add_argument("--eao-high", type=int, default=15, help="EAO interval high bound (custom stack)")
    p.add_argument("--python", default=sys.executable, help="interpreter that runs the tracker (default: this one)")
    p.add_argument("--paths", default=None,
                   help="extra import paths for the tracker process, e.g. for your own tracker module "
                        "(os.pathsep-separated, made absolute; the toolkit sets PYTHONPATH to exactly these)")
    p.add_argument("--force", action="store_true", help="replace an existing config.yaml/stack.yaml that differs")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the workspace and print the commands to run next."""
    from pytracking.vot_integration.workspace import TrackerEntry, WorkspaceConfigError, write_workspace

    if args.tracker and not args.param:
        print("error: --tracker needs --param", file=sys.stderr)
        return 2
    paths = None
    if args.paths:  # absolute, so that they do not depend on the workspace folder (the toolkit's reference)
        paths = os.pathsep.join(str(Path(p).resolve()) for p in args.paths.split(os.pathsep) if p)
    try:
        entry = TrackerEntry.for_tracker(
            tracker=args.tracker, param=args.param, tracker_class=args.tracker_class, region=args.region,
            overrides=args.param_override, identifier=args.tracker_id, label=args.label, python=args.python,
            timeout=args.timeout, paths=paths)
        ws = write_workspace(Path(args.workspace), entry, Path(args.sequences) if args.sequences else None,
                             stack=args.stack, eao_low=args.eao_low, eao_high=args.eao_high, force=args.force)
    except WorkspaceConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    py = shlex.quote(sys.executable)
    w = shlex.quote(str(ws))
    vot = f"{py} -m pytracking.vot_integration.vot_cli"
    print(f"Workspace ready: {ws} (tracker '{entry.identifier}')")
    print(f"  evaluate: {vot} evaluate {entry.identifier} --workspace {w}")
    print(f"  check:    {py} -m pytracking.vot_integration.check {w} {entry.identifier}")
    print(f"  analysis: {vot} analysis {entry.identifier} --workspace {w} --name {entry.identifier} --format json")
    print(f"  report:   {vot} report {entry.identifier} --workspace {w} --format html")
    return 0
