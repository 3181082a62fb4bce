"""The learned box2mask method: STANet over a sliding window of frames (paper Sec. 3.5).

For target frame t, the window is T frames spaced by delta around t (:func:`box2mask.windows.window_frames`). Each
frame is cropped around ITS OWN box (area ``sample_scale**2`` x box area, 480x832), the network runs both passes
(aggregation over the T frames, decoder, refinement) with ``iterations`` learner steps, and the refined logits of t
are pasted back into the image, set to background outside t's box and thresholded at 0.

Cached mode (default): everything that depends on one frame only -- its crop, backbone features, target-model
features, both box encodings and the decoder's per-frame share (``LWTLDecoder.precompute``: its feature reductions
and the first convolution of each level's response to them and to the box encoding) -- is computed once per frame and
kept while a later window still needs it. Each frame therefore passes the backbone once per video (``stats``). Memory
bound: at most ``(T - 1) * delta + window_batch`` frames are cached at a time (frames are dropped after their last
window), about 19 MB each at 480x832 in float32 (15 MB decoder maps, 3 MB 512-d features), so ~1.2 GB for T=5,
delta=15; set ``max_cached_frames`` to cap it (evicted frames are recomputed when needed again). Only the target
frame's refined mask is decoded (the refinement learner still uses all T first-pass masks). Several windows run as one batch
(``window_batch``; the learners solve them as separate sequences): 4 on CUDA by default; 1 on the CPU, where the
larger batches' full-resolution decoder maps cost more in memory traffic than batching saves (``docs/benchmarks.md``);
for the same reason the CPU also runs the backbone and the first-pass decoder one frame per call (``frame_batch``).

What caching cannot save: per window, the first-pass masks of ALL T frames are decoded at full resolution (the
refinement encoder reads them, and they depend on the window's filter), so each target frame costs two learner passes
and T + 1 decoder runs however much is cached: caching alone gives (T per-frame parts + head) / (1 + head), ~2x at
T = 5 on the CPU, not T (``benchmarks/stanet_breakdown.py``; ``max_cached_frames=0`` turns the cache off).

Naive mode (``naive=True``): every window recomputes its frames with one plain ``net(images, boxes)`` call -- the
reference usage, kept for comparison and as the test oracle (same masks). That call also decodes the refined masks
of all T frames (2T decoder runs per window) and batches the T frames in every call.
"""
from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch

from box2mask.video import VideoFrames
from box2mask.windows import window_frames
from pytracking.features.preprocessing import numpy_to_torch
from pytracking.libs.box_to_mask import (BoxCrop, box_limited_scores, crop_around_box, normalise,
                                         resolve_input_format)

logger = logging.getLogger(__name__)


class STANetMethod:
    """MaskMethod running a STANet network; see the module docstring for the options."""

    name = "stanet"

    def __init__(self, net: torch.nn.Module, num_frames: int = 5, interval: int = 15, iterations: Optional[int] = 15,
                 sample_scale: float = 4.0, input_size: Tuple[int, int] = (480, 832), naive: bool = False,
                 device: Optional[str] = None, amp: Optional[str] = None, input_format: str = "auto",
                 window_batch: Optional[int] = None, max_cached_frames: Optional[int] = None, refine: bool = True,
                 frame_batch: Optional[int] = None):
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        # frames per backbone / first-pass decoder call in cached mode: one at a time on the CPU, where a batch of
        # full-resolution maps runs ~25 % slower per frame (docs/benchmarks.md); all together on a GPU
        if frame_batch is not None and frame_batch < 1:
            raise ValueError("frame_batch must be >= 1")
        self.frame_batch = frame_batch if frame_batch is not None else (None if self.device.type == "cuda" else 1)
        if window_batch is None:
            window_batch = 4 if self.device.type == "cuda" else 1
        if num_frames < 1 or interval < 1 or window_batch < 1:
            raise ValueError("num_frames, interval and window_batch must be >= 1")
        if amp not in (None, "bf16", "fp16"):
            raise ValueError(f"amp must be None, 'bf16' or 'fp16', got {amp!r}")
        if amp is not None and self.device.type != "cuda":
            raise ValueError("amp (bf16/fp16 autocast) is only used on CUDA")
        self.net = net.to(self.device).eval()
        self.num_frames, self.interval, self.iterations = int(num_frames), int(interval), iterations
        self.sample_scale, self.input_size = float(sample_scale), tuple(int(s) for s in input_size)
        self.naive, self.amp, self.window_batch = naive, amp, int(window_batch)
        self.max_cached_frames = max_cached_frames
        self.refine = bool(refine)
        self.input_format = resolve_input_format(net, input_format)
        self.stats = {"frames": 0, "backbone_passes": 0, "windows": 0}

    # -------------------------------------------------------------------------------------------------- helpers
    def _autocast(self):
        if self.amp is None:
            return contextlib.nullcontext()
        return torch.autocast("cuda", dtype=torch.bfloat16 if self.amp == "bf16" else torch.float16)

    def _crop(self, video: VideoFrames, boxes: np.ndarray, j: int) -> BoxCrop:
        # cropping on the device: on a GPU the CPU-side resampling would otherwise dominate the run time
        image = numpy_to_torch(video[j]).to(self.device)
        return crop_around_box(image, boxes[j], self.sample_scale, self.input_size)

    def _encode(self, crops: List[BoxCrop]) -> List[Dict[str, torch.Tensor]]:
        """Per-frame cache entries for a batch of frames (one backbone pass each)."""
        if self.frame_batch is not None and len(crops) > self.frame_batch:
            return [entry for i in range(0, len(crops), self.frame_batch)
                    for entry in self._encode(crops[i:i + self.frame_batch])]
        images = normalise(torch.cat([c.image for c in crops]).to(self.device), self.input_format)
        boxes = torch.stack([c.box for c in crops]).to(self.device).view(-1, 1, 4)
        with self._autocast():
            feat = self.net.extract_backbone_features(images)
            enc = self.net.encode_frames(feat, boxes, self.input_size)
            decoder_cache = self.net.precompute_decoder(feat, enc["m"])
        self.stats["backbone_passes"] += len(crops)
        return [{"x": enc["x"][i], "m": enc["m"][i], "e": enc["e"][i], "w": enc["w"][i],
                 "decoder": OrderedDict((k, v[i:i + 1]) for k, v in decoder_cache.items())}
                for i in range(len(crops))]

    def _refined_logits(self, windows: List[List[int]], positions: List[int],
                        entries: Dict[int, Dict[str, torch.Tensor]]) -> torch.Tensor:
        """Refined logits ``(S, H, W)`` of each window's target from cached per-frame entries."""
        net = self.net

        def stack(key):  # (T, S, ...)
            return torch.stack([torch.stack([entries[j][key][0] for j in win]) for win in windows], dim=1)

        x, m, e, w = stack("x"), stack("m"), stack("e"), stack("w")
        t, s = x.shape[:2]
        frames = [windows[k][i] for i in range(t) for k in range(s)]  # the (T, S) grid, flattened as networks batch it
        cols = torch.arange(s, device=x.device)
        rows = torch.as_tensor(positions, device=x.device)
        cache_t = self._decoder_cache(entries, [win[pos] for win, pos in zip(windows, positions)])
        with self._autocast():
            s1 = net.aggregate(x, e, w, num_iter=self.iterations)
            if not self.refine:  # first pass only: the target frame's mask is all that is needed
                return net.decode(m[rows, cols].unsqueeze(0), s1[rows, cols].unsqueeze(0), None, self.input_size,
                                  cache=cache_t)[0].float()
            first = self._decode_frames(m, s1, entries, frames)
            segm_e, segm_w = net.segm_encoder(torch.sigmoid(first), x)
            s2 = net.aggregate(x, segm_e, segm_w, second_pass=True, num_iter=self.iterations)
            refined = net.decode(m[rows, cols].unsqueeze(0), s2[rows, cols].unsqueeze(0), None, self.input_size,
                                 cache=cache_t)
        return refined[0].float()

    @staticmethod
    def _decoder_cache(entries: Dict[int, Dict[str, torch.Tensor]], frames: List[int]) -> Dict[str, torch.Tensor]:
        """The cached decoder shares of ``frames``, batched in that order."""
        if len(frames) == 1:
            return entries[frames[0]]["decoder"]
        return {k: torch.cat([entries[j]["decoder"][k] for j in frames]) for k in entries[frames[0]]["decoder"]}

    def _decode_frames(self, m: torch.Tensor, s: torch.Tensor, entries: Dict[int, Dict[str, torch.Tensor]],
                       frames: List[int]) -> torch.Tensor:
        """``net.decode`` of ``(T, S, ...)`` encodings of ``frames`` (flattened grid), ``frame_batch`` per call."""
        t, n = m.shape[0], m.shape[0] * m.shape[1]
        step = self.frame_batch or n
        m, s = m.reshape(n, 1, *m.shape[-3:]), s.reshape(n, 1, *s.shape[-3:])
        parts = [self.net.decode(m[i:i + step], s[i:i + step], None, self.input_size,
                                 cache=self._decoder_cache(entries, frames[i:i + step]))
                 for i in range(0, n, step)]
        return torch.cat(parts).reshape(t, n // t, *parts[0].shape[-2:])

    def _naive_logits(self, video, boxes, windows, positions) -> Tuple[torch.Tensor, List[BoxCrop]]:
        out, crops_t = [], []
        for win, pos in zip(windows, positions):
            crops = [self._crop(video, boxes, j) for j in win]
            images = normalise(torch.cat([c.image for c in crops]).to(self.device), self.input_format)
            bb = torch.stack([c.box for c in crops]).to(self.device).view(-1, 1, 4)
            with self._autocast():
                first, refined = self.net(images.unsqueeze(1), bb, num_iter=self.iterations, refine=self.refine)
            self.stats["backbone_passes"] += len(win)
            out.append((refined if self.refine else first)[pos, 0].float())
            crops_t.append(crops[pos])
        return torch.stack(out), crops_t

    # ---------------------------------------------------------------------------------------------------- main
    def predict_video(self, video: VideoFrames, boxes: np.ndarray, valid: np.ndarray,
                      targets: Sequence[int]) -> Iterator[Tuple[int, np.ndarray]]:
        """Yield ``(t, mask)`` for every target frame, in order."""
        valid_idx = [int(i) for i in np.flatnonzero(valid)]
        targets = [int(t) for t in targets]
        windows = {t: window_frames(t, valid_idx, self.num_frames, self.interval) for t in targets}
        last_use: Dict[int, int] = {}
        for k, t in enumerate(targets):
            for j in windows[t]:
                last_use[j] = k
        cache: "OrderedDict[int, Dict[str, torch.Tensor]]" = OrderedDict()
        crops: Dict[int, BoxCrop] = {}
        h, w = video[targets[0]].shape[:2] if targets else (0, 0)
        with torch.inference_mode():
            for start in range(0, len(targets), self.window_batch):
                batch = targets[start:start + self.window_batch]
                wins = [windows[t] for t in batch]
                positions = [win.index(t) for t, win in zip(batch, wins)]
                if self.naive:
                    logits, target_crops = self._naive_logits(video, boxes, wins, positions)
                else:
                    needed = sorted({j for win in wins for j in win} - set(cache))
                    new_crops = [self._crop(video, boxes, j) for j in needed]
                    for j, c, entry in zip(needed, new_crops, self._encode(new_crops) if needed else []):
                        cache[j] = entry
                        crops[j] = BoxCrop(None, c.box, c.sample_pos, c.sample_scale)
                    for j in {j for win in wins for j in win}:
                        cache.move_to_end(j)
                    logits = self._refined_logits(wins, positions, cache)
                    target_crops = [crops[t] for t in batch]
                    self._evict(cache, crops, last_use, start + len(batch) - 1)
                self.stats["windows"] += len(batch)
                for t, crop, lg in zip(batch, target_crops, logits):
                    scores = box_limited_scores(lg.view(1, 1, *lg.shape), (h, w), crop, boxes[t])
                    self.stats["frames"] += 1
                    yield t, (scores > 0).to(torch.uint8).cpu().numpy()

    def _evict(self, cache, crops, last_use, done_index: int) -> None:
        for j in [j for j in cache if last_use.get(j, -1) <= done_index]:
            del cache[j]
            crops.pop(j, None)
        if self.max_cached_frames is not None:
            while len(cache) > self.max_cached_frames:
                j, _ = cache.popitem(last=False)
                crops.pop(j, None)

    @property
    def backbone_passes_per_frame(self) -> float:
        """Backbone passes divided by segmented frames so far (1.0 in cached mode without a cache cap)."""
        return self.stats["backbone_passes"] / max(self.stats["frames"], 1)


def build_stanet_method(checkpoint: str, num_frames: int = 5, interval: int = 15, iterations: Optional[int] = 15,
                        sample_scale: float = 4.0, naive: bool = False, device: Optional[str] = None,
                        amp: Optional[str] = None, input_format: str = "auto", window_batch: Optional[int] = None,
                        max_cached_frames: Optional[int] = None, input_size: Tuple[int, int] = (480, 832),
                        refine: bool = True, frame_batch: Optional[int] = None) -> STANetMethod:
    """Load a STANet checkpoint (official ``sta.pth.tar``, or one trained here) and wrap it as a MaskMethod.

    Defaults follow the paper: T = 5 frames (App. D), delta = 15 (use 5 for DAVIS-like fast motion), 15 learner
    iterations and sample scale 4 (App. C). ``refine=False`` returns the first-pass masks (no refinement pass).
    """
    from ltr.admin.loading import load_network

    net = load_network(checkpoint)
    if type(net).__name__ != "STANet":
        raise ValueError(f"{checkpoint} holds a {type(net).__name__}, not a STANet (box2mask) network")
    return STANetMethod(net, num_frames=num_frames, interval=interval, iterations=iterations,
                        sample_scale=sample_scale, naive=naive, device=device, amp=amp, input_format=input_format,
                        window_batch=window_batch, max_cached_frames=max_cached_frames, input_size=input_size,
                        refine=refine, frame_batch=frame_batch)
