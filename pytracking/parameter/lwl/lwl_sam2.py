"""Box-initialised LWL started from SAM 2: first box -> SAM 2 mask (the box prompt alone) -> LWL with the VOS
parameters; boxes out = extreme points of the mask. Same initial-mask interface as ``lwl_box2mask`` (STANet)."""
import os

from pytracking.libs.sam2_box import SAM2Initializer
from pytracking.libs.sam2_model import require_sam2, resolve_config
from pytracking.parameter.lwl.base import lwl_parameters


def parameters():
    """lwl_ytvos tracking + SAM 2 initial mask. Needs the optional ``sam2`` package (checked here, so that a missing
    extra stops a run before its first sequence). Checkpoints: ``lwl_stage2.pth`` (or B2M_LWL_NETWORK) and
    ``sam2.1_hiera_tiny.pt`` (or B2M_SAM2_CHECKPOINT, with B2M_SAM2_CONFIG when the file name is not an official
    one), looked up in the ``network_path`` setting; SAM 2 is loaded with the tracker's first frame.
    B2M_SAM2_IMAGE_SIZE lowers SAM 2's input resolution (default 1024: faster, coarser)."""
    require_sam2()
    checkpoint = os.environ.get("B2M_SAM2_CHECKPOINT") or "sam2.1_hiera_tiny.pt"
    config = os.environ.get("B2M_SAM2_CONFIG") or None
    resolve_config(config, checkpoint)   # an unknown or missing config fails now, not at the first frame
    size = os.environ.get("B2M_SAM2_IMAGE_SIZE") or None
    if size is not None and not size.isdigit():
        raise ValueError(f"B2M_SAM2_IMAGE_SIZE must be a whole number of pixels, got {size!r}")
    params = lwl_parameters("lwl_stage2.pth", init_with_box=True, output_box_mode="extreme")
    params.init_mask_generator = SAM2Initializer(checkpoint=checkpoint, config=config,
                                                 image_size=int(size) if size else None)
    # device: the tracker's (use_gpu, B2M_DEVICE); bf16 autocast on CUDA
    return params
