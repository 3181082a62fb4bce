"""The data of :mod:`benchmarks.synthetic_ablation`: the seeded videos of each split, written once in the DAVIS
layout with a manifest, and the per-frame facts the report needs (is the frame ambiguous, and what single-frame
oracles score on it)."""
from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Sequence, Tuple

import numpy as np

from box2mask.synthetic import GENERATORS, MOTIONS, SyntheticVideo, box_twins, write_davis_layout
from ltr.admin.fileio import atomic_write_text

if TYPE_CHECKING:  # only a few fields of the experiment's configuration are read
    from benchmarks.synthetic_ablation import Config

logger = logging.getLogger("synthetic_ablation")

AMBIGUOUS_FRACTION = 0.05  # distractor pixels inside the target's box, relative to the target's area
FACT_KEYS = ("ambiguous", "intruded", "twins", "J_box", "J_blind", "J_fit", "J_random")
FACTS_VERSION = 2  # bump when frame_facts changes: reused manifests get their facts recomputed


def videos(cfg: Config, split: str) -> List[SyntheticVideo]:
    """The seeded videos of ``split`` ('train' or 'test'); video i has seed ``<split seed> + i``."""
    seed, count = (cfg.train_seed, cfg.train_videos) if split == "train" else (cfg.test_seed, cfg.test_videos)
    make = GENERATORS[cfg.generator]
    return [make(seed + i, name=f"{split}{seed + i:06d}", motion=MOTIONS[i % len(MOTIONS)], **cfg.video_options())
            for i in range(count)]


def box_region(box: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """Bool ``(H, W)`` mask of the box ``[x, y, w, h]`` (integer pixel box)."""
    x, y, w, h = (int(round(v)) for v in box)
    region = np.zeros(shape, dtype=bool)
    region[max(y, 0):max(y + h, 0), max(x, 0):max(x + w, 0)] = True
    return region


def jaccard(gt: np.ndarray, pred: np.ndarray) -> float:
    """Intersection over union of two bool masks (1 when both are empty)."""
    union = np.logical_or(gt, pred).sum()
    return 1.0 if union == 0 else float(np.logical_and(gt, pred).sum() / union)


def frame_facts(video: SyntheticVideo, generator: str = "distractor") -> Dict[str, list]:
    """Per frame of ``video``:

    * ``intruded``: distractor pixels inside the target's box cover >= 5 % of the target's area;
    * ``twins``: distractors one frame cannot tell from the target (:func:`box2mask.synthetic.box_twins`: inside the
      box, touching all four of its sides);
    * ``ambiguous``: the frame's class in the report -- ``intruded`` for the 'distractor' generator (the original
      benchmark's definition), ``twins >= 1`` for 'ambiguous';
    * single-frame oracles, J against the target mask, each segmenting perfectly: ``J_box`` the filled box,
      ``J_blind`` every object pixel inside the box (blind to which object is the target), ``J_fit`` one object
      among those that fit the box as well as the target (the target and its twins; expected J of a random choice),
      ``J_random`` one object among all with >= 5 % of the target's area inside the box (expected J of a random
      choice). Picking the best object with the ground truth would score 1 in every frame: the target is always one
      of them.
    """
    twins = box_twins(video)
    out: Dict[str, list] = {k: [] for k in FACT_KEYS}
    for i in range(len(video)):
        target = video.masks[i].astype(bool)
        region = box_region(video.boxes[i], target.shape)
        inside = [d & region & ~target for d in video.distractor_masks[:, i].astype(bool)]
        intruders = np.logical_or.reduce(inside) if inside else np.zeros_like(target)
        area = target.sum()
        present = [d for d in inside if d.sum() >= AMBIGUOUS_FRACTION * area]
        intruded = bool(intruders.sum() >= AMBIGUOUS_FRACTION * area)
        out["intruded"].append(intruded)
        out["twins"].append(len(twins[i]))
        out["ambiguous"].append(intruded if generator == "distractor" else bool(twins[i]))
        out["J_box"].append(jaccard(target, region))
        out["J_blind"].append(jaccard(target, target | intruders))
        out["J_fit"].append(float(np.mean([1.0] + [jaccard(target, inside[k]) for k in twins[i]])))
        out["J_random"].append(float(np.mean([1.0] + [jaccard(target, d) for d in present])))
    return out


def digest_of(vids: Sequence[SyntheticVideo]) -> str:
    """SHA-256 of the generated frames and masks (identifies the generator's output)."""
    digest = hashlib.sha256()
    for v in vids:
        digest.update(v.frames.tobytes())
        digest.update(v.masks.tobytes())
    return digest.hexdigest()


def prepare_split(cfg: Config, split: str) -> Dict:
    """Write the ``split`` videos in the DAVIS layout under ``<workspace>/data/<split>`` (once) and return its
    manifest: options, seeds, a digest of the generated arrays and the per-frame facts."""
    root = Path(cfg.workspace) / "data" / split
    manifest_path = root / "manifest.json"
    wanted = {"options": {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.video_options().items()},
              "count": cfg.train_videos if split == "train" else cfg.test_videos,
              "seed": cfg.train_seed if split == "train" else cfg.test_seed, "motions": list(MOTIONS)}
    if cfg.generator != "distractor":  # workspaces of the original benchmark keep their manifests
        wanted["generator"] = cfg.generator
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        if {k: manifest.get(k) for k in wanted} != wanted:
            raise SystemExit(f"error: {root} holds another data configuration ({manifest_path}); use a new "
                             f"--workspace")
        vids = videos(cfg, split)
        if digest_of(vids) != manifest["sha256"]:
            raise SystemExit(f"error: box2mask.synthetic now generates other videos than those in {root} (the "
                             "generator changed since they were written); use a new --workspace")
        if manifest.get("facts_version") != FACTS_VERSION:  # written by an older version
            manifest["facts"] = {v.name: frame_facts(v, cfg.generator) for v in vids}
            manifest["target_in_front"] = sum(bool(v.info.get("target_in_front")) for v in vids)
            manifest["facts_version"] = FACTS_VERSION
            atomic_write_text(manifest_path, json.dumps(manifest) + "\n")
        logger.info("data/%s: reusing %d videos", split, manifest["count"])
        return manifest
    start = time.perf_counter()
    vids = videos(cfg, split)
    write_davis_layout(root, vids, year="2016", split="train" if split == "train" else "val")
    manifest = dict(wanted, sha256=digest_of(vids), names=[v.name for v in vids],
                    facts={v.name: frame_facts(v, cfg.generator) for v in vids},
                    target_in_front=sum(bool(v.info.get("target_in_front")) for v in vids),
                    facts_version=FACTS_VERSION,
                    seconds=time.perf_counter() - start)
    atomic_write_text(manifest_path, json.dumps(manifest) + "\n")  # written last: marks the split as done
    logger.info("data/%s: %d videos in %.1f s", split, len(vids), manifest["seconds"])
    return manifest
