"""LWL tracker package."""
from pytracking.tracker.lwl.lwl import LWL


def get_tracker_class():
    """The tracker class (name-based lookup)."""
    return LWL
