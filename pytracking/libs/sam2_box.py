"""Box prompts -> masks with a SAM 2 video model, one frame at a time: the engine behind box2mask's ``sam2`` method
and the first mask of the ``lwl_sam2`` tracker (:class:`SAM2Initializer`).

Per frame (in the order given; the frames are read one at a time, so the video is never held in memory):

1. the RGB frame is resized to the model's square input (bilinear, antialiased, as SAM 2's image predictor does) and
   normalised with the ImageNet mean / std; the image encoder runs once;
2. the frame's own box is the prompt (SAM 2's box encoding: the two corners with labels 2 and 3, in model pixels;
   the box is clipped to the image first);
3. with ``memory=True`` the frame is conditioned on SAM 2's memory of the frames before it (the first segmented frame
   as the conditioning frame, the last six frames' mask memories and the last 15 object pointers -- the model's own
   memory rule) and then decoded with the box prompt, like a box added on an already tracked frame in SAM 2's
   interactive mode; the first frame has no memory (SAM on the box). ``memory=False``: every frame from its box
   alone (no memory attention, no memory encoder: ~1.3-1.7x faster on a CPU at 1024x1024,
   where the image encoder dominates);
4. the mask is the decoder's low-resolution logits resized to the frame, thresholded at 0 and limited to the pixels
   the box covers (as STANet's masks are limited to the box);
5. its memory is encoded from the same box-limited mask (what SAM 2 remembers is what was output).

Empty masks: a box always holds some of the object, so when a frame's mask is empty after the box limit, the frame
is decoded again from its box alone (no memory); if that is empty too the result follows ``empty``: ``'filled_box'``
(default; a warning names the sequence and frame) or ``'empty'`` (for callers with their own fallback, e.g. LWL).
Frames whose mask is the filled box are not added to the memory.

Memory: independent of the video length. Only one frame's activations exist at a time, and the memory bank keeps
the conditioning frame plus the entries SAM 2 can still attend to (the last ``max(num_maskmem + 1,
max_obj_ptrs_in_encoder)`` = 16 frames: ~0.5 MB each at 1024x1024 in bf16) -- SAM 2's own ``init_state`` instead
loads every frame as a 1024x1024 float tensor (12 MB per frame) and keeps every frame's outputs.
``offload_memory=True`` stores the bank in CPU memory (only worth it for the large model on a small GPU). On CUDA the
model runs under bf16 autocast by default (``amp='auto'``), as SAM 2 is meant to run there.
"""
from __future__ import annotations

import contextlib
import logging
import math
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F

from pytracking.libs.sam2_model import build_sam2_model

logger = logging.getLogger(__name__)

__all__ = ["SAM2BoxSegmenter", "SAM2Initializer", "FrameResult", "box_region", "resolve_amp"]

NO_OBJECT_SCORE = -1024.0        # SAM 2's logit for "no object here"
IMAGE_MEAN = (0.485, 0.456, 0.406)
IMAGE_STD = (0.229, 0.224, 0.225)
EMPTY_MODES = ("filled_box", "empty")


def box_region(box: Sequence[float], height: int, width: int) -> Tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)``: the pixel columns ``x0:x1`` and rows ``y0:y1`` that the box ``[x, y, w, h]`` covers
    (also partly), clipped to the image."""
    x, y, w, h = (float(v) for v in box)
    x0, y0 = min(max(math.floor(x), 0), width), min(max(math.floor(y), 0), height)
    x1, y1 = min(max(math.ceil(x + w), 0), width), min(max(math.ceil(y + h), 0), height)
    return x0, y0, max(x1, x0), max(y1, y0)


def resolve_amp(amp: Optional[str], device: torch.device) -> Optional[torch.dtype]:
    """The autocast dtype: ``'auto'`` -> bf16 on CUDA, none on the CPU; ``'bf16'`` (CUDA only); ``None`` -> off."""
    if amp in (None, "off", "none"):
        return None
    if amp == "auto":
        return torch.bfloat16 if device.type == "cuda" else None
    if amp == "bf16":
        if device.type != "cuda":
            raise ValueError("amp (bf16 autocast) is only used on CUDA")
        return torch.bfloat16
    raise ValueError(f"SAM 2 amp (--amp) must be 'auto', 'bf16' or None, got {amp!r} (SAM 2 runs in bf16 on CUDA)")


@dataclass
class FrameResult:
    """One frame's mask (uint8 ``(H, W)`` 0/1) and how it was made: ``'memory'`` (box prompt + memory), ``'box'``
    (box prompt alone), ``'filled_box'`` or ``'empty'`` (SAM 2 found nothing in the box, see ``empty``)."""

    index: int
    mask: np.ndarray
    source: str


class SAM2BoxSegmenter:
    """Runs a SAM 2 video model (``pytracking.libs.sam2_model.build_sam2_model``) on box-prompted frames; see the
    module docstring for the steps, the memory rule and the empty-mask rule.

    Args:
        model: a ``sam2`` ``SAM2VideoPredictor`` (any config, weights loaded).
        device: where it runs (default: the model's device). amp: ``'auto'`` | ``'bf16'`` | ``None``.
        offload_memory: keep the memory bank in CPU memory. empty: ``'filled_box'`` | ``'empty'``.
    """

    def __init__(self, model: torch.nn.Module, device: Optional[Union[str, torch.device]] = None,
                 amp: Optional[str] = "auto", offload_memory: bool = False, empty: str = "filled_box"):
        if empty not in EMPTY_MODES:
            raise ValueError(f"empty must be one of {EMPTY_MODES}, got {empty!r}")
        self.device = torch.device(device) if device is not None else next(model.parameters()).device
        self.model = model.to(self.device).eval()
        self.amp = resolve_amp(amp, self.device)
        self.storage = torch.device("cpu") if offload_memory else self.device
        self.empty = empty
        self.size = int(model.image_size)
        stride = max(int(getattr(model, "memory_temporal_stride_for_eval", 1)), 1)
        # how far back (in processed frames) SAM 2's memory rule looks: mask memories and object pointers
        self.reach = max(int(model.num_maskmem) * stride + 1, int(model.max_obj_ptrs_in_encoder))
        self._mean = torch.tensor(IMAGE_MEAN, device=self.device).view(1, 3, 1, 1)
        self._std = torch.tensor(IMAGE_STD, device=self.device).view(1, 3, 1, 1)
        self._pos_enc: Optional[List[torch.Tensor]] = None
        self.stats = {"frames": 0, "retried_without_memory": 0, "no_object": 0, "max_memory_entries": 0}

    # ---------------------------------------------------------------------------------------------- helpers
    def _autocast(self):
        if self.amp is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp)

    def _features(self, image: np.ndarray):
        x = torch.from_numpy(np.array(image, dtype=np.uint8)).to(self.device).permute(2, 0, 1)[None].float() / 255.0
        x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False, antialias=True)
        backbone = self.model.forward_image((x - self._mean) / self._std)
        _, feats, pos, sizes = self.model._prepare_backbone_features(backbone)
        return feats, pos, sizes

    def _prompt(self, box: Sequence[float], height: int, width: int) -> Dict[str, torch.Tensor]:
        x, y, w, h = (float(v) for v in box)
        corners = [[min(max(x, 0.0), width), min(max(y, 0.0), height)],
                   [min(max(x + w, 0.0), width), min(max(y + h, 0.0), height)]]
        scale = torch.tensor([self.size / width, self.size / height])
        coords = torch.tensor([corners], dtype=torch.float32) * scale
        return {"point_coords": coords.to(self.device),
                "point_labels": torch.tensor([[2, 3]], dtype=torch.int32, device=self.device)}

    def _step(self, k: int, init: bool, feats, pos, sizes, prompt, bank, n: int) -> Dict[str, torch.Tensor]:
        return self.model.track_step(frame_idx=k, is_init_cond_frame=init, current_vision_feats=feats,
                                     current_vision_pos_embeds=pos, feat_sizes=sizes, point_inputs=prompt,
                                     mask_inputs=None, output_dict=bank, num_frames=n, run_mem_encoder=False)

    @staticmethod
    def _frame_mask(out: Dict[str, torch.Tensor], box: Sequence[float], height: int, width: int) -> np.ndarray:
        x0, y0, x1, y1 = box_region(box, height, width)
        mask = np.zeros((height, width), dtype=np.uint8)
        if x1 > x0 and y1 > y0:
            logits = F.interpolate(out["pred_masks"].float(), size=(height, width), mode="bilinear",
                                   align_corners=False)[0, 0]
            mask[y0:y1, x0:x1] = (logits[y0:y1, x0:x1] > 0).cpu().numpy()
        return mask

    def _remember(self, bank, k: int, out, feats, sizes, box, height: int, width: int, cond: bool) -> None:
        """Encode the box-limited mask into the memory bank and drop entries SAM 2 can no longer reach."""
        high = out["pred_masks_high_res"].float()
        sx, sy = self.size / width, self.size / height
        x0, y0, x1, y1 = box_region([box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy], self.size, self.size)
        inside = torch.zeros_like(high, dtype=torch.bool)
        inside[..., y0:y1, x0:x1] = True
        limited = high.masked_fill(~inside, NO_OBJECT_SCORE)
        features, pos_enc = self.model._encode_new_memory(
            current_vision_feats=feats, feat_sizes=sizes, pred_masks_high_res=limited,
            object_score_logits=out["object_score_logits"], is_mask_from_pts=True)
        if self._pos_enc is None:  # the same for every frame: one copy
            self._pos_enc = [p[:1].clone() for p in pos_enc]
        entry = {"maskmem_features": features.to(torch.bfloat16).to(self.storage),
                 "maskmem_pos_enc": self._pos_enc, "obj_ptr": out["obj_ptr"]}
        bank["cond_frame_outputs" if cond else "non_cond_frame_outputs"][k] = entry
        old = bank["non_cond_frame_outputs"]
        for j in [j for j in old if j <= k - self.reach]:
            del old[j]
        self.stats["max_memory_entries"] = max(self.stats["max_memory_entries"], len(old))

    def _segment(self, k: int, t: int, image: np.ndarray, box: Sequence[float], bank, n: int, memory: bool,
                 name: str) -> FrameResult:
        height, width = image.shape[:2]
        with torch.inference_mode(), self._autocast():
            feats, pos, sizes = self._features(image)
            prompt = self._prompt(box, height, width)
            use_memory = memory and bool(bank["cond_frame_outputs"])
            out = self._step(k, not use_memory, feats, pos, sizes, prompt, bank, n)
            mask, source = self._frame_mask(out, box, height, width), "memory" if use_memory else "box"
            if not mask.any() and use_memory:
                self.stats["retried_without_memory"] += 1
                out = self._step(k, True, feats, pos, sizes, prompt, bank, n)
                mask, source = self._frame_mask(out, box, height, width), "box"
            if mask.any():
                if memory:
                    self._remember(bank, k, out, feats, sizes, box, height, width,
                                   cond=not bank["cond_frame_outputs"])
            else:
                self.stats["no_object"] += 1
                source = self.empty
                if self.empty == "filled_box":
                    x0, y0, x1, y1 = box_region(box, height, width)
                    mask[y0:y1, x0:x1] = 1
                    logger.warning("Sequence '%s': frame %d: SAM 2 found no object in box %s (with and without "
                                   "memory); the mask is the filled box", name, t, [round(float(v), 2) for v in box])
        self.stats["frames"] += 1
        return FrameResult(t, mask, source)

    # ------------------------------------------------------------------------------------------------- main
    def run(self, frame: Callable[[int], np.ndarray], boxes: np.ndarray, order: Sequence[int], memory: bool = True,
            name: str = "video", num_frames: Optional[int] = None) -> Iterator[FrameResult]:
        """Segment frames ``order`` (in that order) from their boxes ``boxes[t]`` (``[x, y, w, h]``); ``frame(t)``
        returns frame ``t`` as RGB uint8. Memory (``memory=True``) runs over ``order``: frame positions in it, not
        frame numbers, decide what is remembered, so skipped frames leave no gap. ``num_frames``: the length SAM 2
        is told the video has (it caps the object pointers at short videos; default ``len(order)``): pass the same
        value for runs that must give the same masks on a shared prefix of frames."""
        bank: Dict[str, Dict[int, dict]] = {"cond_frame_outputs": {}, "non_cond_frame_outputs": {}}
        order = [int(t) for t in order]
        n = max(int(num_frames if num_frames is not None else len(order)), len(order))
        for k, t in enumerate(order):
            # the work runs inside inference mode / autocast; the caller's code between frames does not
            yield self._segment(k, t, frame(t), boxes[t], bank, n, memory, name)


class SAM2Initializer:
    """First-frame box -> mask with SAM 2 (the box prompt alone: only the first box is known), for LWL's
    ``init_mask_generator`` (the interface of :class:`pytracking.libs.box_to_mask.STAInitializer`).

    Args:
        checkpoint / config / image_size: see ``pytracking.libs.sam2_model.build_sam2_model`` (loaded on the first
            :meth:`initialize`); or ``model``: a built SAM 2 model.
        device: None (default) follows the tracker (LWL passes its network's device to :meth:`initialize`); used on
            its own, CUDA when available. amp: see :func:`resolve_amp`.
    Returns from ``__call__(image, box)``: the mask ``(H, W)`` float32 (1 = target), limited to the box; all zero
    when SAM 2 finds nothing (LWL then starts from the filled box, with a warning).
    """

    def __init__(self, checkpoint: Optional[str] = None, config: Optional[str] = None,
                 image_size: Optional[int] = None, device: Optional[str] = None, amp: Optional[str] = "auto",
                 model: Optional[torch.nn.Module] = None):
        if (model is None) == (checkpoint is None):
            raise ValueError("SAM2Initializer needs exactly one of model / checkpoint")
        self.checkpoint, self.config, self.image_size, self.amp = checkpoint, config, image_size, amp
        self.model = model
        self.device = torch.device(device) if device is not None else None
        self._follows = device is None
        self._segmenter: Optional[SAM2BoxSegmenter] = None

    def initialize(self, device: Optional[Union[str, torch.device]] = None) -> "SAM2Initializer":
        """Build the model (once) and place it on the device (``device`` when this initialiser follows the
        tracker)."""
        if self._follows:
            new = torch.device(device) if device is not None else self.device
            if new is None:
                new = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            if new != self.device:
                self.device, self._segmenter = new, None
        if self.model is None:
            self.model = build_sam2_model(self.checkpoint, self.config, device="cpu", image_size=self.image_size)
        if self._segmenter is None:
            self._segmenter = SAM2BoxSegmenter(self.model, device=self.device, amp=self.amp, empty="empty")
        return self

    def __call__(self, image: np.ndarray, box: Sequence[float]) -> np.ndarray:
        self.initialize()
        boxes = np.asarray([box], dtype=np.float64)
        result = next(iter(self._segmenter.run(lambda _: image, boxes, [0], memory=False, name="init")))
        return result.mask.astype(np.float32)
