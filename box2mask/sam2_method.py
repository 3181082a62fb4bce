"""The SAM 2 box2mask method: SAM 2.1's video model with every valid frame's box as a prompt on that frame.

Why this design (the engine is :mod:`pytracking.libs.sam2_box`; its docstring has the per-frame steps):

* **A box on every frame, not only the first.** The toolkit's input is one box per frame, and SAM 2 is promptable on
  any frame. Prompting only the first frame and propagating would throw the other boxes away and let errors drift;
  prompting every frame keeps each mask anchored to its own box.
* **Memory of the frames before it** (``memory=True``, default). Each frame is decoded from its box AND SAM 2's
  memory of the earlier frames (their masks and object pointers), which is what tells the target apart from other
  things inside the box -- the same question STANet answers by mining the other frames. ``memory=False`` segments
  every frame from its box alone (SAM 2 as an image segmenter; ~1.3-1.7x faster on a CPU, where the image encoder
  dominates).
* **Forward only, in frame order.** Memory runs over the valid frames from the first one up to the last target
  (``context='all'``, default), so a frame's mask does not depend on which frames are targets: a resumed ``predict``
  or ``annotate`` writes the same masks as an uninterrupted run (the frames before the first missing mask are
  recomputed for their memory, not written). ``context='targets'`` runs the memory over the target frames only --
  faster with sparse targets (``evaluate --frame-step``), and results then depend on the target set. Absent frames
  (flagged, or with an invalid box) are never used.
* **Masks limited to the box** (the pixels the box covers), like STANet's; the memory is encoded from the same limited
  mask. An empty mask inside a valid box is decoded again without memory, then replaced by the filled box with a
  warning naming the sequence and frame -- never silently empty.
* **Long videos**: memory use does not grow with the video (frames are read one at a time, the memory bank keeps only
  what SAM 2 can still attend to); ``offload_memory=True`` keeps the bank in CPU memory. CUDA runs use bf16 autocast
  (``amp='auto'``).

Cost: the image encoder runs at 1024x1024 on every processed frame. SAM 2.1 tiny on an 854x480 video on a 2-core CPU
(docs/benchmarks.md, ``benchmarks/sam2_speed.py``): ~13 s per frame with memory, ~7 s without, against ~16 s for
STANet (T=5) in the same run. ``image_size`` lowers the resolution (faster, coarser; the official weights were trained
at 1024).
"""
from __future__ import annotations

import logging
from typing import Iterator, Optional, Sequence, Tuple

import numpy as np
import torch

from box2mask.video import VideoFrames
from pytracking.libs.sam2_box import SAM2BoxSegmenter
from pytracking.libs.sam2_model import build_sam2_model

logger = logging.getLogger(__name__)

__all__ = ["SAM2Method", "build_sam2_method", "CONTEXT_MODES"]

CONTEXT_MODES = ("all", "targets")


class SAM2Method:
    """MaskMethod running a SAM 2 video model on box prompts; see the module docstring for the design.

    Args:
        model: a SAM 2 video model (``pytracking.libs.sam2_model.build_sam2_model``).
        memory: condition each frame on the earlier frames (True) or use the box alone (False).
        context: ``'all'`` (memory over every valid frame up to the last target) or ``'targets'``.
        device, amp, offload_memory: see :class:`pytracking.libs.sam2_box.SAM2BoxSegmenter`.
    """

    name = "sam2"

    def __init__(self, model: torch.nn.Module, memory: bool = True, context: str = "all",
                 device: Optional[str] = None, amp: Optional[str] = "auto", offload_memory: bool = False):
        if context not in CONTEXT_MODES:
            raise ValueError(f"SAM 2 context must be one of {CONTEXT_MODES}, got {context!r}")
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.segmenter = SAM2BoxSegmenter(model, device=device, amp=amp, offload_memory=offload_memory)
        self.memory, self.context = bool(memory), context

    @property
    def stats(self) -> dict:
        """Counters of the engine: frames run, frames retried without memory, frames without object."""
        return self.segmenter.stats

    def frames_to_run(self, valid: np.ndarray, targets: Sequence[int]) -> list:
        """The frames segmented for ``targets``, in order (targets plus, with memory and ``context='all'``, every
        valid frame from the first one up to the last target)."""
        targets = sorted(int(t) for t in targets)
        if not targets or not self.memory or self.context == "targets":
            return targets
        return [int(i) for i in np.flatnonzero(valid) if i <= targets[-1]]

    def predict_video(self, video: VideoFrames, boxes: np.ndarray, valid: np.ndarray,
                      targets: Sequence[int]) -> Iterator[Tuple[int, np.ndarray]]:
        """Yield ``(t, mask)`` for every target frame, in order (see :class:`box2mask.predictor.MaskMethod`)."""
        wanted = {int(t) for t in targets}
        order = self.frames_to_run(valid, targets)
        if len(order) > len(wanted):
            logger.debug("%s: %d context frame(s) run for SAM 2's memory", video.name, len(order) - len(wanted))
        # told the number of valid frames, so that a run over a prefix (a resumed run) matches a full run
        results = self.segmenter.run(lambda i: video[i], boxes, order, memory=self.memory, name=video.name,
                                     num_frames=int(np.count_nonzero(valid)))
        for result in results:
            if result.index in wanted:
                yield result.index, result.mask


def build_sam2_method(checkpoint: str, config: Optional[str] = None, image_size: Optional[int] = None,
                      memory: bool = True, context: str = "all", device: Optional[str] = None,
                      amp: Optional[str] = "auto", offload_memory: bool = False) -> SAM2Method:
    """Load a SAM 2 checkpoint (official ``sam2.1_hiera_*.pt``) with its config (``sam2.1_hiera_t`` | ``_s`` |
    ``_b+`` | ``_l``; default: implied by the official file name) and wrap it as a MaskMethod."""
    model = build_sam2_model(checkpoint, config, device="cpu", image_size=image_size)
    return SAM2Method(model, memory=memory, context=context, device=device, amp=amp, offload_memory=offload_memory)
