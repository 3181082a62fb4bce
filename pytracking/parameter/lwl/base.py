"""Shared LWL parameters (lwl_ytvos values); variants override only their differences."""
from __future__ import annotations

import os

from pytracking.features.net_wrappers import NetWithBackbone
from pytracking.utils.params import TrackerParams


def lwl_parameters(network: str, **overrides) -> TrackerParams:
    """The lwl_ytvos parameter set with ``network`` (a checkpoint path or name in ``network_path``).

    The checkpoint can be replaced without editing files by the environment variable ``B2M_LWL_NETWORK``.
    """
    params = TrackerParams(
        debug=0,                                 # 1: log each frame's state; 2: also debug images (debug_dir)
        debug_dir=None,                          # folder of the debug images (None: ./pytracking_debug)
        use_gpu=True,
        image_sample_size=(30 * 16, 52 * 16),    # (H, W) of the search-area crop
        search_area_scale=5.0,
        border_mode="inside_major",
        patch_max_scale_change=None,
        augmentation_expansion_factor=2,        # the initial crop is cut from a 2x patch (replicate padding)
        seg_to_bb_mode="var",
        seg_to_bb_sz_factor=4,
        max_scale_change=(0.95, 1.1),
        min_mask_area=100,
        sample_memory_size=32,
        learning_rate=0.1,
        init_samples_minimum_weight=0.25,
        train_skipping=1,
        train_sample_interval=1,
        update_target_model=True,
        net_opt_iter=20,
        net_opt_update_iter=3,
        lower_init_weight=False,
        init_with_box=False,
        output_box_mode="var",                   # 'var' (reference) or 'extreme' (tightest box of the mask)
        init_mask_generator=None,
    )
    params.override(**overrides)
    device = os.environ.get("B2M_DEVICE") or None
    params.net = NetWithBackbone(net_path=os.environ.get("B2M_LWL_NETWORK", network), image_format="bgr255",
                                 mean=(102.9801, 115.9465, 122.7717), std=(1.0, 1.0, 1.0), device=device)
    return params
