"""LWL initialised from a box with its own box encoder (``lwl_boxinit.pth``); boxes out = extreme points."""
from pytracking.parameter.lwl.base import lwl_parameters


def parameters():
    """Reference lwl_boxinit parameters (+ extreme-point output boxes)."""
    return lwl_parameters("lwl_boxinit.pth", learning_rate=0.2, init_samples_minimum_weight=0.0, train_skipping=5,
                          net_opt_update_iter=5, init_with_box=True, lower_init_weight=True,
                          output_box_mode="extreme")
