"""LWL tracker (Bhat et al. ECCV 2020): video object segmentation with a target model learned online.

Algorithm (docs/reference-notes.md, "LWL tracker"; every step numerically as the reference unless noted):
* initialise: search area = 5x the target box at a fixed 480x832 crop; crop the frame and the initial mask (a given
  mask, or one predicted from the box); learn the target filter with 20 steepest-descent iterations; store the
  sample in the memory.
* each frame t: (t > 2) update the memory and the filter (3 iterations) with the PREVIOUS frame's features and its
  final (for several objects: merged) mask -- the one-frame delay; estimate the new position/size from the previous
  probability map ('var' mode), clip the scale change; crop, segment, paste the logits back into the image.

Differences from the reference, all in tracker code (the networks are unchanged):
* single-object mode with the VOS parameters crashed at frame 2 (``segmentation_raw`` missing from ``initialize``);
  here ``initialize`` always returns the initial probability map.
* box initialisation read the initial LOGITS as probabilities at frame 2 (their sum is negative, so the target
  state silently fell back to the init box); here the initial output is the probability, and the first frame's
  ``segmentation`` is the binary mask instead of the soft map.
* boxes handed to the box encoder are clipped to the image (its rasteriser mishandles negative starts).
* ``track(image)`` without ``info['previous_output']`` uses this tracker's own previous output.
* optional ``output_box_mode='extreme'``: the output box is the tightest box around the binary mask (the paper's
  tracking protocol) instead of the 'var' box -- also after the multi-object merge.
* a lost target (probability mass below ``min_mask_area``) reports the box of the tracker's current state, per
  object also after the merge (the reference applies one tracker's state to every object there).
* a box->mask initialiser's mask is this tracker's first-frame output, also with several objects (the wrapper would
  otherwise report the dataset's mask); an empty generated mask falls back to the filled box, with a warning.
"""
from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from typing import Any, Dict, Optional

import numpy as np
import torch

from pytracking.features.preprocessing import (numpy_to_torch, sample_patch, sample_patch_multiscale,
                                               sample_patch_transformed)
from pytracking.libs.sample_memory import SampleMemory
from pytracking.libs.segmentation import (extreme_point_box, paste_scores, soft_aggregate, state_to_box,
                                          var_target_state)
from pytracking.tracker.base.basetracker import BaseTracker
from pytracking.utils.debug_views import DebugViews, bar_chart

logger = logging.getLogger(__name__)


class LWL(BaseTracker):
    """Learning-What-to-Learn VOS tracker; see the module docstring."""

    multiobj_mode = "parallel"
    predicts_segmentation_mask = True

    def initialize_features(self) -> None:
        """Load the network (once)."""
        if not getattr(self, "features_initialized", False):
            if not self.params.get("use_gpu", True):
                self.params.net.device = torch.device("cpu")
            self.params.net.initialize()
            generator = self.params.get("init_mask_generator", None)
            if hasattr(generator, "initialize"):
                generator.initialize(device=self.params.net.device)
        self.features_initialized = True

    # --------------------------------------------------------------------------------------------- initialise
    @torch.inference_mode()
    def initialize(self, image: np.ndarray, info: Dict[str, Any]) -> Dict[str, Any]:
        """First frame: ``info['init_bbox']`` [x, y, w, h] and/or ``info['init_mask']`` (uint8, 1 = target)."""
        tic = time.time()
        self.frame_num = 1
        self.initialize_features()
        self.net = self.params.net
        self.device = self.net.device
        self.object_id = info.get("object_ids", [None])[0]
        self.debug = DebugViews(self.params, logger, info.get("sequence_name"), self.object_id)
        im = numpy_to_torch(image)

        init_mask, init_logits, generated = self._initial_mask(image, im, info)
        state = info.get("init_bbox")
        if state is None:
            state = extreme_point_box(init_mask[0, 0].numpy() > 0.5)
            if state is None:
                raise ValueError("Empty initial mask and no init_bbox")
        state = [float(v) for v in state]
        if state[2] <= 0 or state[3] <= 0:
            raise ValueError(f"Initial box must have a positive size, got {state}")
        if generated and not bool((init_mask > 0.5).any()):
            init_mask, init_logits = self._filled_box_mask(image.shape[:2], state, info)

        self.pos = torch.tensor([state[1] + (state[3] - 1) / 2, state[0] + (state[2] - 1) / 2])
        self.target_sz = torch.tensor([state[3], state[2]])
        sz = self.params.image_sample_size
        self.img_sample_sz = torch.tensor([sz, sz] if isinstance(sz, int) else list(sz), dtype=torch.float32)
        self.img_support_sz = self.img_sample_sz
        search_area = torch.prod(self.target_sz * self.params.search_area_scale).item()
        self.target_scale = math.sqrt(search_area) / self.img_sample_sz.prod().sqrt()
        self.base_target_sz = self.target_sz / self.target_scale

        init_backbone_feat, init_masks = self.generate_init_samples(im, init_mask)
        self.init_target_model(init_backbone_feat, init_masks)

        prob = init_mask[0, 0].to(self.device)
        out: Dict[str, Any] = {"time": time.time() - tic, "target_bbox": state}
        if self.object_id is None:
            out["segmentation"] = (prob > 0.5).to(torch.uint8).cpu().numpy()
            out["segmentation_raw"] = prob
        elif generated:
            # Several objects: the merge needs this object's scores; never let the dataset's mask stand in for the
            # generated one (the wrapper's default for frame 0 is the given init_mask).
            out["segmentation"] = (prob > 0.5).to(torch.uint8).cpu().numpy()
            out["segmentation_raw"] = init_logits.to(self.device) if init_logits is not None else (prob - 0.5) * 200.0
        if self.params.get("output_box_mode", "var") == "extreme" and generated:
            out["target_bbox"] = extreme_point_box(out.get("segmentation", (prob > 0.5).cpu().numpy()),
                                                   previous=state)
        self.debug.state(0, pos=self.pos, size=self.target_sz, scale=float(self.target_scale),
                         mask_area=float(init_mask.sum()), generated=generated)
        self._last_output = out
        return out

    def _filled_box_mask(self, image_hw, box, info: Dict[str, Any]):
        """The documented fallback for an empty generated initial mask: the box itself, filled (clipped)."""
        name = info.get("sequence_name") or "<unnamed sequence>"
        obj = f" object {self.object_id}" if self.object_id is not None else ""
        logger.warning("%s%s: the box->mask step gave an empty initial mask for box %s; LWL starts from the "
                       "filled box instead", name, obj, [round(v, 2) for v in box])
        h, w = image_hw
        mask = torch.zeros(1, 1, h, w)
        x0, y0 = max(int(box[0]), 0), max(int(box[1]), 0)
        x1, y1 = min(int(math.ceil(box[0] + box[2])), w), min(int(math.ceil(box[1] + box[3])), h)
        mask[..., y0:max(y1, y0 + 1), x0:max(x1, x0 + 1)] = 1.0
        return mask, None

    def _initial_mask(self, image: np.ndarray, im: torch.Tensor, info: Dict[str, Any]):
        """(mask (1, 1, H, W) float on the CPU, logits or None, generated?). The given mask unless the parameters
        ask for box initialisation (``init_with_box``) or no mask is given."""
        mask = info.get("init_mask")
        if mask is not None and not self.params.get("init_with_box", False):
            mask = np.asarray(mask)
            if mask.shape != image.shape[:2]:
                raise ValueError(f"init_mask shape {mask.shape} differs from the image {image.shape[:2]}")
            return torch.from_numpy((mask > 0).astype(np.float32)).view(1, 1, *mask.shape), None, False
        box = info.get("init_bbox")
        if box is None:
            raise ValueError("Box initialisation needs info['init_bbox']")
        if float(box[2]) <= 0 or float(box[3]) <= 0:
            raise ValueError(f"Initial box must have a positive size, got {list(box)}")
        initializer = self.params.get("init_mask_generator", None)
        if initializer is not None:  # e.g. the box2mask (STANet) initialiser of the lwl_box2mask tracker
            prob = initializer(image, box)
            return torch.as_tensor(prob, dtype=torch.float32).view(1, 1, *image.shape[:2]), None, True
        if not hasattr(self.net, "box_label_encoder"):
            raise ValueError("No init_mask given and the network has no box encoder (use lwl_boxinit or lwl_box2mask)")
        h, w = image.shape[:2]
        x0, y0 = max(0.0, float(box[0])), max(0.0, float(box[1]))
        x1, y1 = min(float(w), float(box[0]) + float(box[2])), min(float(h), float(box[1]) + float(box[3]))
        if x1 <= x0 or y1 <= y0:
            raise ValueError(f"Initial box {list(box)} lies outside the image ({w}x{h})")
        clipped = torch.tensor([[x0, y0, max(x1 - x0, 1.0), max(y1 - y0, 1.0)]], device=self.device)
        with torch.no_grad():
            feat = self.net.extract_backbone(im)
            logits = self.net.net.predict_box_mask(feat, clipped, (h, w))[0, 0]
        return torch.sigmoid(logits).cpu().view(1, 1, h, w), logits, True

    def generate_init_samples(self, im: torch.Tensor, init_mask: torch.Tensor):
        """Initial crop of the image and mask (with the inside-the-image shift) and its backbone features."""
        mode = self.params.get("border_mode", "replicate")
        if "inside" in mode:
            im_sz = torch.tensor([im.shape[2], im.shape[3]], dtype=torch.float32)
            sample_sz = self.target_scale * self.img_sample_sz
            shrink = sample_sz.float() / im_sz
            shrink = shrink.max() if mode == "inside" else shrink.min()
            shrink = shrink.clamp(min=1, max=self.params.get("patch_max_scale_change", None))
            sample_sz = sample_sz.float() / shrink
            self.init_sample_scale = (sample_sz / self.img_sample_sz).prod().sqrt()
            tl = self.pos - (sample_sz - 1) / 2
            br = self.pos + sample_sz / 2 + 1
            global_shift = -((-tl).clamp(0) - (br - im_sz).clamp(0)) / self.init_sample_scale
        else:
            self.init_sample_scale = self.target_scale
            global_shift = torch.zeros(2)
        self.init_sample_pos = self.pos.round()

        expansion = self.params.get("augmentation_expansion_factor", None)
        aug_sz, out_sz = self.img_sample_sz.clone(), None
        if expansion is not None and expansion != 1:
            aug_sz = (self.img_sample_sz * expansion).long()
            aug_sz = (aug_sz + (aug_sz - self.img_sample_sz.long()) % 2).float()
            out_sz = self.img_sample_sz.long().tolist()
        shift = global_shift.long().tolist()
        im_patch = sample_patch_transformed(im, self.init_sample_pos, self.init_sample_scale, aug_sz, out_sz, shift)
        self.init_mask_crop = sample_patch_transformed(init_mask, self.init_sample_pos, self.init_sample_scale, aug_sz,
                                                       out_sz, shift, is_mask=True).to(self.device)
        with torch.no_grad():
            backbone_feat = self.net.extract_backbone(im_patch)
        return backbone_feat, self.init_mask_crop

    def init_target_model(self, backbone_feat, init_masks: torch.Tensor) -> None:
        """Learn the initial filter and fill the memory."""
        x = self.get_target_model_features(backbone_feat)
        self.feature_sz = torch.tensor(list(x.shape[-2:]), dtype=torch.float32)
        ksz = self.net.target_model.filter_size
        self.kernel_size = torch.tensor([ksz, ksz] if isinstance(ksz, (int, float)) else list(ksz), dtype=torch.float32)
        with torch.no_grad():
            label, sw = self.net.label_encoder(init_masks, x.unsqueeze(1))
            self.target_filter, _, _ = self.net.target_model.get_filter(
                x.unsqueeze(1), label, sw, num_iter=self.params.get("net_opt_iter", None))
        self.memory = SampleMemory(self.params.sample_memory_size, self.params.learning_rate,
                                   self.params.get("init_samples_minimum_weight", None),
                                   self.params.get("lower_init_weight", False))
        if self.params.get("update_target_model", True):
            self.memory.initialize(x, init_masks.view(-1, 1, *init_masks.shape[-2:]))

    # --------------------------------------------------------------------------------------------------- track
    @torch.inference_mode()
    def track(self, image: np.ndarray, info: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Segment the target in a new frame."""
        self.frame_num += 1
        prev = (info or {}).get("previous_output", self._last_output)
        prev_prob = prev["segmentation_raw"] if self.object_id is None else prev["segmentation_raw"][self.object_id]
        prev_prob = torch.as_tensor(prev_prob, dtype=torch.float32).to(self.device)

        if self.frame_num > 2 and self.params.get("update_target_model", True):
            crop, _ = sample_patch(prev_prob.view(1, 1, *prev_prob.shape[-2:]), self.prev_pos,
                                   self.prev_scale * self.img_sample_sz, self.img_sample_sz,
                                   mode=self.params.get("border_mode", "replicate"),
                                   max_scale_change=self.params.get("patch_max_scale_change", None), is_mask=True)
            self.update_target_model(self.prev_test_x, crop)

        self.pos, self.target_sz = self.get_target_state(prev_prob.squeeze())
        new_scale = torch.sqrt(self.target_sz.prod()) / torch.sqrt(self.base_target_sz.prod())
        if self.params.get("max_scale_change", None) is not None:
            new_scale = self.clip_scale_change(new_scale)
        self.target_scale = new_scale
        self.target_sz = self.base_target_sz * self.target_scale

        im = numpy_to_torch(image)
        self.sample_pos_arg = self.get_centered_sample_pos()
        self.sample_scale_arg = self.target_scale
        patches, coords = sample_patch_multiscale(im, self.sample_pos_arg, [self.target_scale], self.img_sample_sz,
                                                  mode=self.params.get("border_mode", "replicate"),
                                                  max_scale_change=self.params.get("patch_max_scale_change", None))
        self.sample_coords = coords[0]
        with torch.no_grad():
            backbone_feat = self.net.extract_backbone(patches)
            test_x = self.get_target_model_features(backbone_feat)
            scores, target_scores = self.net.segment_target(self.target_filter, test_x, backbone_feat)
        self.crop_scores = scores
        sample_pos, sample_scale = self.get_sample_location(self.sample_coords)
        scores_im = paste_scores(scores, image.shape[:2], sample_scale.item(), sample_pos)
        mask_im = (scores_im > 0.0)
        prob_im = torch.sigmoid(scores_im)
        segmentation = mask_im.to(torch.uint8).cpu().numpy()
        box = self.output_box(prob_im, segmentation, previous=self._last_output.get("target_bbox"))
        if self.object_id is None:
            out = {"segmentation": segmentation, "target_bbox": box, "segmentation_raw": prob_im}
        else:
            out = {"segmentation": segmentation, "target_bbox": box, "segmentation_raw": scores_im}
        self.prev_pos = self.sample_pos_arg
        self.prev_scale = self.target_scale
        self.prev_test_x = test_x
        self._debug_frame(patches, target_scores, scores, prob_im)
        self._last_output = out
        return out

    def _debug_frame(self, patches: torch.Tensor, target_scores: torch.Tensor, scores: torch.Tensor,
                     prob_im: torch.Tensor) -> None:
        """``debug`` >= 1: the frame's state in the log; >= 2: search crop, target-model score map (norm over the
        target model's channels), decoded probability of the crop and the memory weights as images."""
        f = self.frame_num - 1
        weights = self.memory.stored()[2] if self.params.get("update_target_model", True) else torch.ones(1)
        self.debug.state(f, pos=self.pos, size=self.target_sz, scale=float(self.target_scale),
                         mass=float(prob_im.sum()), samples=int(weights.numel()))
        if self.debug.level >= 2:
            crop = patches[0].permute(1, 2, 0).clamp(0, 255).round().to(torch.uint8).cpu().numpy()
            self.debug.image(f, "crop", crop)
            self.debug.map(f, "target_scores", target_scores.reshape(-1, *target_scores.shape[-2:]).norm(dim=0))
            self.debug.map(f, "probability", torch.sigmoid(scores[0, 0]))
            self.debug.image(f, "memory", bar_chart(weights.cpu().tolist()))

    # ------------------------------------------------------------------------------------------------ helpers
    def get_target_model_features(self, backbone_feat) -> torch.Tensor:
        """Target-model features of backbone features ``(1, C, h, w)``."""
        with torch.no_grad():
            return self.net.target_model.extract_target_model_features(
                self.net.get_backbone_target_model_features(backbone_feat))

    def get_centered_sample_pos(self) -> torch.Tensor:
        """Crop centre: ``pos`` shifted by half a feature cell when the score map has an even size."""
        return self.pos + ((self.feature_sz + self.kernel_size) % 2) * self.target_scale * \
            self.img_support_sz / (2 * self.feature_sz)

    def get_sample_location(self, sample_coord: torch.Tensor):
        """Centre and scale of a crop from its coordinates ``[y0, x0, y1, x1]``."""
        sample_coord = sample_coord.float()
        pos = 0.5 * (sample_coord[:2] + sample_coord[2:] - 1)
        scale = ((sample_coord[2:] - sample_coord[:2]) / self.img_sample_sz).prod().sqrt()
        return pos, scale

    def get_target_state(self, prob: torch.Tensor):
        """New (pos, size) from a probability map; the previous state when its mass < ``min_mask_area``."""
        if prob.sum() < self.params.get("min_mask_area", -10):
            return self.pos, self.target_sz
        mode = self.params.get("seg_to_bb_mode", "var")
        if mode != "var":
            raise ValueError(f"Unknown seg_to_bb_mode {mode!r}")
        return var_target_state(prob, self.params.get("seg_to_bb_sz_factor", 4))

    def output_box(self, prob: torch.Tensor, segmentation: np.ndarray, previous=None) -> list:
        """The reported box ``[x, y, w, h]`` of a probability map / its binary mask.

        'var' (the reference): :meth:`get_target_state` of the probabilities -- with too little mass
        (``min_mask_area``) the tracker's current state, i.e. the box the search area was placed on, instead of a
        meaningless box of the near-empty map. 'extreme': the tightest box of the mask, ``previous`` when empty."""
        if self.params.get("output_box_mode", "var") == "extreme":
            return extreme_point_box(segmentation, previous=previous)
        return state_to_box(*self.get_target_state(prob))

    def clip_scale_change(self, new_scale: torch.Tensor) -> torch.Tensor:
        """Limit the per-frame scale change to ``max_scale_change`` = (min factor, max factor)."""
        limits = self.params.max_scale_change
        if not isinstance(limits, (tuple, list)):
            limits = (limits, limits)
        change = new_scale / self.target_scale
        if change < limits[0]:
            return self.target_scale * limits[0]
        if change > limits[1]:
            return self.target_scale * limits[1]
        return new_scale

    def update_target_model(self, train_x: torch.Tensor, mask: torch.Tensor) -> None:
        """Add the sample to the memory and run ``net_opt_update_iter`` filter iterations over the memory."""
        if self.frame_num % self.params.get("train_sample_interval", 1) == 0:
            self.memory.update(train_x, mask, self.params.learning_rate)
        num_iter = 0
        if (self.frame_num - 1) % self.params.train_skipping == 0:
            num_iter = self.params.get("net_opt_update_iter", None) or 0
        if num_iter > 0:
            samples, masks, weights = self.memory.stored()
            with torch.no_grad():
                label, sw = self.net.label_encoder(masks, samples.unsqueeze(1))
                sw = sw * weights.view(-1, 1, 1, 1, 1) if sw is not None else weights.view(-1, 1, 1, 1, 1)
                self.target_filter, _, _ = self.net.target_model.filter_optimizer(
                    self.target_filter, num_iter=num_iter, feat=samples.unsqueeze(1), label=label, sample_weight=sw)

    # ------------------------------------------------------------------------------------------ multi-object
    @staticmethod
    def merge_results(out_all: "OrderedDict[str, Dict[str, Any]]",
                      trackers: Optional[Dict[str, "LWL"]] = None) -> "OrderedDict[str, Any]":
        """Soft aggregation of the objects' logits; boxes re-estimated from the merged probabilities.

        Objects in their initial frame without logits use ``(mask - 0.5) * 200`` computed in float64, and then
        (as the reference, whose init masks are float64 numpy arrays) the whole merge of that frame runs in
        float64. ``trackers`` (object id -> its LWL) gives each object's box rule (:meth:`output_box`: the
        ``min_mask_area`` fallback to the object's own current state, or extreme points of its merged label);
        without them the boxes are plain 'var' boxes."""
        scores = OrderedDict()
        for obj_id, out in out_all.items():
            if out.get("segmentation_raw") is not None:
                scores[obj_id] = torch.as_tensor(out["segmentation_raw"])
            else:
                seg = np.asarray(out["segmentation"], dtype=np.float64)
                scores[obj_id] = torch.from_numpy((seg - 0.5) * 200.0)
        dtype = torch.float64 if any(v.dtype == torch.float64 for v in scores.values()) else torch.float32
        device = next(iter(scores.values())).device
        labels, probs = soft_aggregate({k: v.to(device=device, dtype=dtype) for k, v in scores.items()})
        merged = OrderedDict(segmentation=labels, segmentation_raw=probs)
        first = next(iter(out_all.values()))
        for key in first:
            if key in ("segmentation", "segmentation_raw"):
                continue
            if key == "target_bbox":
                boxes = OrderedDict()
                for k, p in probs.items():
                    tracker = (trackers or {}).get(k)
                    if tracker is None:
                        boxes[k] = state_to_box(*var_target_state(p))
                    else:
                        boxes[k] = tracker.output_box(p, labels == int(k), previous=out_all[k].get("target_bbox"))
                merged[key] = boxes
            else:
                merged[key] = OrderedDict((k, out.get(key)) for k, out in out_all.items())
        return merged
