"""The paper's box-initialised tracker: first box -> mask with the box2mask network (STANet, one frame), then LWL
with the VOS parameters; boxes out = extreme points of the mask (paper 4.3)."""
import os

from pytracking.libs.box_to_mask import STAInitializer
from pytracking.parameter.lwl.base import lwl_parameters


def parameters():
    """lwl_ytvos tracking + STANet initial mask. Checkpoints: ``lwl_stage2.pth`` (or B2M_LWL_NETWORK) and
    ``sta.pth.tar`` (or B2M_STA_NETWORK), looked up in the ``network_path`` setting."""
    params = lwl_parameters("lwl_stage2.pth", init_with_box=True, output_box_mode="extreme")
    params.init_mask_generator = STAInitializer(checkpoint=os.environ.get("B2M_STA_NETWORK", "sta.pth.tar"),
                                                scale=4.0)   # device: the tracker's (use_gpu)
    return params
