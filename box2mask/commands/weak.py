"""``box2mask weak``: the paper's Sec. 4.2 experiment in one resumable command (see :mod:`box2mask.weak`)."""
from __future__ import annotations

import argparse

from box2mask import weak


def register(subparsers) -> None:
    """Add the ``weak`` sub-command."""
    p = subparsers.add_parser("weak", help="Box2Mask on set A -> pseudo masks for set B -> LWL on A + pseudo B",
                              description=weak.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    weak.add_arguments(p)
    p.set_defaults(func=weak.run)
