"""Box-to-mask methods that need no learned weights: the multi-frame default and single-frame baselines."""
from box2mask.classic.baselines import FilledBoxMethod, GrabCutMethod
from box2mask.classic.method import ClassicMethod

__all__ = ["ClassicMethod", "FilledBoxMethod", "GrabCutMethod"]
