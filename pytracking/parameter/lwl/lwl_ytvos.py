"""LWL with the stage-2 network, for VOS (DAVIS, YouTube-VOS) and VOT2020 (mask initialisation)."""
from pytracking.parameter.lwl.base import lwl_parameters


def parameters():
    """Reference lwl_ytvos parameters."""
    return lwl_parameters("lwl_stage2.pth")
