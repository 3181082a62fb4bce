"""Probes of :mod:`benchmarks.synthetic_ablation`: which decoder input a trained STANet uses, and whether its
multi-frame encoding s_t can tell the target from a twin (a distractor lying exactly on the target's box).

* :func:`probe_network` -- for every ``step``-th test frame, the share of box pixels whose first-pass mask flips when
  s_t or m_t is zeroed or s_t is aggregated from the target frame alone; and, on every frame with a twin, whether
  s_t ranks the target's cells above the twin's (T = 1 and T = 5), and whether a ridge filter on the network's own
  learner features x, fitted to the plain box labels of the window, does;
* :func:`colour_separation` -- the same ridge filter on hand-made colour features (mean colour and a saturation-
  weighted hue histogram per 16x16 cell): how well the data let the aggregation separate target and twin at the
  learner's resolution, without any learning.

A cell is a target cell when >= 15 % of it is target and < 3 % twin (and conversely); a frame counts when it has
both kinds; 'ranks above' compares the mean score over the target cells with the mean over the twin cells.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from box2mask.evaluation import load_sequence, object_boxes
from box2mask.synthetic import SyntheticVideo, box_twins
from box2mask.windows import window_frames
from pytracking.features.preprocessing import numpy_to_torch
from pytracking.libs.box_to_mask import BoxCrop, crop_around_box

if TYPE_CHECKING:  # only a few fields of the experiment's configuration are read
    from benchmarks.synthetic_ablation import Config

STRIDE = 16  # the learner's feature stride
RIDGE = 0.1


def above(mine: float, other: float) -> float:
    """1 when the target's score is above the twin's, 0 below, 1/2 on a tie (a constant score ranks at chance)."""
    mine, other = float(mine), float(other)
    return 1.0 if mine > other else 0.5 if mine == other else 0.0


def cell_fraction(mask: np.ndarray, box: np.ndarray, scale: float, size: Tuple[int, int]) -> np.ndarray:
    """Share of each ``STRIDE`` x ``STRIDE`` cell of the network crop (``size`` = (H, W)) covered by ``mask``."""
    image = torch.from_numpy(mask.astype(np.float32))[None, None].repeat(1, 3, 1, 1)
    crop = crop_around_box(image, box, scale, size)
    return torch.nn.functional.avg_pool2d(crop.image[:, :1], STRIDE)[0, 0].numpy()


def box_cells(crop: BoxCrop, size: Tuple[int, int]) -> np.ndarray:
    """Share of each cell inside the crop's box: the plain box label of the ridge filters."""
    x, y, w, h = (float(v) for v in crop.box)
    region = np.zeros(size, np.float32)
    region[int(max(y, 0)):max(int(y + h), 0), int(max(x, 0)):max(int(x + w), 0)] = 1.0
    return cv2.resize(region, (size[1] // STRIDE, size[0] // STRIDE), interpolation=cv2.INTER_AREA)


def ridge_scores(features: Sequence[np.ndarray], labels: Sequence[np.ndarray], window: Sequence[int],
                 target: int) -> np.ndarray:
    """Fit a linear filter (1x1, with bias) to ``labels`` on the window's frames, score frame ``target``."""
    a = np.concatenate([features[j].reshape(-1, features[j].shape[-1]) for j in window])
    a = np.c_[a, np.ones(len(a))]
    y = np.concatenate([labels[j].ravel() for j in window])
    z = np.linalg.solve(a.T @ a + RIDGE * np.eye(a.shape[1]), a.T @ y)
    f = features[target]
    return (np.c_[f.reshape(-1, f.shape[-1]), np.ones(f.shape[0] * f.shape[1])] @ z).reshape(f.shape[:2])


def twin_cells(video: SyntheticVideo, t: int, twin: int, box: np.ndarray, scale: float,
               size: Tuple[int, int]) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Bool target cells and twin cells of frame ``t`` (None when either kind is missing)."""
    ct = cell_fraction(video.masks[t], box, scale, size)
    cd = cell_fraction(video.distractor_masks[twin, t], box, scale, size)
    mine, other = (ct > 0.15) & (cd < 0.03), (cd > 0.15) & (ct < 0.03)
    return (mine, other) if mine.any() and other.any() else None


def colour_features(image: np.ndarray) -> np.ndarray:
    """Hand-made cell features of an RGB crop: mean colour (0-1) and a 12-bin hue histogram weighted by saturation."""
    hsv = cv2.cvtColor(np.clip(image, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV).astype(np.float32)
    bins = (hsv[..., 0] / 180.0 * 12).astype(int) % 12
    hist = np.zeros(image.shape[:2] + (12,), np.float32)
    np.put_along_axis(hist, bins[..., None], (hsv[..., 1] / 255.0)[..., None], axis=-1)
    feats = np.concatenate([image.astype(np.float32) / 255.0, hist], axis=-1)
    h, w = image.shape[0] // STRIDE, image.shape[1] // STRIDE
    return cv2.resize(feats, (w, h), interpolation=cv2.INTER_AREA)


def colour_separation(cfg: Config, root: Path, vids: Sequence[SyntheticVideo], scale: float,
                      num_frames: Sequence[int] = (1, 5)) -> Dict[str, float]:
    """Share of the twin frames in which the ridge filter on colour features ranks the target above the twin, per T
    (window of T frames spaced by the evaluation's delta)."""
    size = (cfg.crop[1], cfg.crop[0])
    hits: Dict[int, List[float]] = {t: [] for t in num_frames}
    for video in vids:
        seq = load_sequence(root, video.name)
        boxes, _ = object_boxes(seq.labels, 1)
        crops = [crop_around_box(numpy_to_torch(seq.video[j]), boxes[j], scale, size) for j in range(len(video))]
        feats = [colour_features(c.image[0].permute(1, 2, 0).numpy()) for c in crops]
        labels = [box_cells(c, size) for c in crops]
        for t, twins in enumerate(box_twins(video)):
            cells = twin_cells(video, t, twins[0], boxes[t], scale, size) if twins else None
            if cells is None:
                continue
            for n in num_frames:
                s = ridge_scores(feats, labels, window_frames(t, range(len(video)), n, cfg.interval), t)
                hits[n].append(above(s[cells[0]].mean(), s[cells[1]].mean()))
    return {f"colour_ridge_T{n}": float(np.mean(v)) if v else float("nan") for n, v in hits.items()} | \
        {"twin_frames": len(hits[num_frames[0]])}


def probe_network(cfg: Config, checkpoint: Path, manifest: Dict, vids: Sequence[SyntheticVideo], scale: float,
                  num_frames: int = 5, step: int = 5) -> Dict:
    """Decoder-input flips (every ``step``-th frame, window of ``num_frames``) and twin separation of a trained
    STANet on the test videos (see the module docstring). ``vids``: the generated test videos, for the twins."""
    from ltr.admin.loading import load_network
    from pytracking.libs.box_to_mask import normalise, resolve_input_format

    net = load_network(str(checkpoint)).eval()
    size, fmt = (cfg.crop[1], cfg.crop[0]), resolve_input_format(net)
    root = Path(cfg.workspace) / "data" / "test"
    flips: Dict[str, List[float]] = {"s_zeroed": [], "m_zeroed": [], "s_from_T1": []}
    ratio, ambiguous = [], []
    ranks: Dict[str, List[float]] = {"s_T1": [], f"s_T{num_frames}": [], "x_ridge_T1": [],
                                     f"x_ridge_T{num_frames}": []}
    by_name = {v.name: v for v in vids}
    with torch.inference_mode():
        for name in manifest["names"]:
            seq = load_sequence(root, name)
            boxes, _ = object_boxes(seq.labels, 1)
            n = len(seq.labels)
            crops = [crop_around_box(numpy_to_torch(seq.video[j]), boxes[j], scale, size) for j in range(n)]
            feat = net.extract_backbone_features(normalise(torch.cat([c.image for c in crops]), fmt))
            enc = net.encode_frames(feat, torch.stack([c.box for c in crops]).view(-1, 1, 4), size)

            def aggregate(t: int, count: int) -> torch.Tensor:
                win = window_frames(t, range(n), count, cfg.interval)
                x, e, w = (enc[key][win] for key in ("x", "e", "w"))
                return net.aggregate(x, e, w, num_iter=cfg.learner_iterations)[win.index(t):win.index(t) + 1]

            for t in range(0, n, step):
                m, s, s1 = enc["m"][t:t + 1], aggregate(t, num_frames), aggregate(t, 1)
                f_t = {key: v[t:t + 1] for key, v in feat.items()}
                y = net.decode(m, s, f_t, size) > 0
                bx, by, bw, bh = (int(v) for v in crops[t].box.round())
                inside = (slice(max(by, 0), max(by + bh, 0)), slice(max(bx, 0), max(bx + bw, 0)))
                for key, (mm, ss) in {"s_zeroed": (m, torch.zeros_like(s)), "m_zeroed": (torch.zeros_like(m), s),
                                      "s_from_T1": (m, s1)}.items():
                    other = net.decode(mm, ss, f_t, size) > 0
                    flips[key].append(float((y != other)[0, 0][inside].float().mean()))
                ratio.append(float(s.abs().mean() / m.abs().mean().clamp_min(1e-12)))
                ambiguous.append(bool(manifest["facts"][name]["ambiguous"][t]))
            video = by_name.get(name)
            if video is None:
                continue
            x_cells = enc["x"][:, 0].permute(0, 2, 3, 1).numpy()
            labels = [box_cells(c, size) for c in crops]
            for t, twins in enumerate(box_twins(video)):
                cells = twin_cells(video, t, twins[0], boxes[t], scale, size) if twins else None
                if cells is None:
                    continue
                inside = torch.from_numpy(labels[t] > 0.5)
                direction = enc["e"][t, 0][:, inside].mean(dim=1)  # the label inside the box: what s_t fits
                for count in (1, num_frames):
                    score = (aggregate(t, count)[0, 0] * direction[:, None, None]).sum(0).numpy()
                    ranks[f"s_T{count}"].append(above(score[cells[0]].mean(), score[cells[1]].mean()))
                    window = window_frames(t, range(n), count, cfg.interval)
                    score = ridge_scores(x_cells, labels, window, t)
                    ranks[f"x_ridge_T{count}"].append(above(score[cells[0]].mean(), score[cells[1]].mean()))
    amb = np.array(ambiguous, dtype=bool)
    out = dict({k: float(np.mean(v)) for k, v in flips.items()}, s_over_m=float(np.mean(ratio)),
               windows=len(ratio), num_frames=num_frames, windows_ambiguous=int(amb.sum()))
    for k, v in flips.items():
        out[f"{k}_ambiguous"] = float(np.mean(np.array(v)[amb])) if amb.any() else float("nan")
    out.update({f"rank_{k}": float(np.mean(v)) if v else float("nan") for k, v in ranks.items()})
    out["twin_frames"] = len(ranks["s_T1"])
    return out
