"""Annotate whole tracking datasets with pseudo masks (paper Sec. 4.3, App. D), resumably and in shards.

Output layout (read back by ``ltr.dataset.pseudo_mask``)::

    <out>/annotate_config.json                  # method, options and frame-selection rules of the run
    <out>/<sequence name>/<frame stem>.png      # indexed PNG, DAVIS palette, 0 background, 1 object
    <out>/<sequence name>/.done                 # written when every selected frame of the sequence has a mask

Frame selection per dataset:

* GOT-10k (train / val): every frame, skipping frames flagged in ``absence.label``;
* LaSOT (train): every 5th frame, at most 200 frames per video, skipping full-occlusion / out-of-view frames;
* TrackingNet (TRAIN_k): every frame with a box; sequence names ``TRAIN_k/<name>``;
* YouTube-VOS / DAVIS (e.g. set B of the weak-supervision experiment, paper 4.2): one job per (video, object),
  named ``<video>/<object id>``, boxes = tight boxes of the ground-truth masks, every frame where the object is
  present (the datasets expose only annotated frames);
* folder (:class:`ltr.dataset.layouts.FolderLayout`): ``<root>/<sequence>/`` with ``groundtruth.txt`` (0-based
  x, y, w, h per line; 'nan' lines = absent) and the frames in the folder or in its ``img/``, or OTB folders
  (``img/`` + ``groundtruth_rect.txt``, 1-based); ``root`` may itself be one such folder: every frame with a box.
  A root without any sequence is an error naming the layouts looked for.

Frames that are not targets but have a valid box are still used as context by multi-frame methods.
Resume: finished sequences (``.done``) are skipped; inside an unfinished one, frames whose PNG exists are skipped;
PNGs are written atomically and durably (temp file, fsync, rename), so a killed run never leaves a half-written mask.
Several processes may share one output folder: each sequence is annotated under a lock (``<out>/.locks/``, released
when its process ends, even when killed), and a sequence locked by another process is left to it (reported as busy).
Sharding: sequences sorted by name, shard i of N takes every N-th starting at i (``--shard i/N``, or torchrun's
RANK / WORLD_SIZE).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
from tqdm import tqdm

from box2mask.overlays import write_mask_overlay
from box2mask.predictor import Box2MaskPredictor, MaskMethod
from box2mask.run_config import record_settings
from ltr.admin.fileio import atomic_write_text, try_lock
from ltr.data.image_io import write_indexed_png
from ltr.dataset.layouts import BoxSequence, FolderLayout, Got10kLayout, LasotLayout, TrackingNetLayout

logger = logging.getLogger(__name__)

DATASETS = ("got10k", "lasot", "trackingnet", "youtubevos", "davis", "folder")


@dataclass
class AnnotationJob:
    """One sequence to annotate: its frames, boxes, context validity and the frames to write."""

    name: str
    frames: List[Path]
    boxes: np.ndarray
    valid: np.ndarray
    targets: List[int]


@dataclass
class AnnotateSummary:
    """Counts of an annotation run."""

    done: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    busy: List[str] = field(default_factory=list)
    failed: Dict[str, str] = field(default_factory=dict)
    frames_written: int = 0
    seconds: float = 0.0


# ------------------------------------------------------------------------------------------------ frame selection
def _box_valid(boxes: np.ndarray) -> np.ndarray:
    return np.isfinite(boxes).all(axis=1) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)


def got10k_job(seq: BoxSequence) -> AnnotationJob:
    """Every frame except those flagged absent (and those without a usable box)."""
    valid = _box_valid(seq.boxes)
    if "absence" in seq.flags:
        valid &= seq.flags["absence"] == 0
    return AnnotationJob(seq.name, seq.frames, seq.boxes, valid, [int(i) for i in np.flatnonzero(valid)])


def lasot_job(seq: BoxSequence, step: int = 5, max_frames: int = 200) -> AnnotationJob:
    """Every ``step``-th frame, at most ``max_frames``, skipping fully occluded / out-of-view frames."""
    valid = _box_valid(seq.boxes)
    if seq.visible is not None:
        valid &= seq.visible
    targets = [i for i in range(0, len(seq), step) if valid[i]][:max_frames]
    return AnnotationJob(seq.name, seq.frames, seq.boxes, valid, targets)


def all_box_frames_job(seq: BoxSequence) -> AnnotationJob:
    """Every frame with a usable box."""
    valid = _box_valid(seq.boxes)
    return AnnotationJob(seq.name, seq.frames, seq.boxes, valid, [int(i) for i in np.flatnonzero(valid)])


def vos_jobs(dataset: str, root: Path, split: Optional[str]) -> Tuple[List[str], callable]:
    """Jobs for the objects of a VOS dataset (``ltr.dataset`` YouTube-VOS / DAVIS), boxes from the GT masks."""
    from ltr.dataset import Davis, YouTubeVOS

    ds = YouTubeVOS(root, split=split or "train") if dataset == "youtubevos" else Davis(root, split=split or "train")
    index = {ds.get_sequence_name(i): i for i in range(ds.get_num_sequences())}

    def job(name: str) -> AnnotationJob:
        seq_id = index[name]
        info = ds.get_sequence_info(seq_id)
        valid = info["valid"].numpy().astype(bool)
        return AnnotationJob(name, list(ds.get_frame_paths(seq_id)), info["bbox"].numpy().astype(np.float64), valid,
                             [int(i) for i in np.flatnonzero(valid)])

    return list(index), job


def _lasot_split_file(root: Path, split: str) -> Optional[Path]:
    """LaSOT's own split file when present, else the copy in ``ltr/data_specs`` (train only)."""
    if split != "train" or (Path(root) / "training_set.txt").is_file():
        return None
    from ltr.dataset.splits import data_spec_path

    return data_spec_path("lasot_train_split.txt")


def dataset_jobs(dataset: str, root: Path, split: Optional[str] = None,
                 lasot_step: int = 5, lasot_max_frames: int = 200) -> Tuple[List[str], callable]:
    """(sequence names, name -> AnnotationJob) for a dataset layout; jobs are built lazily (one sequence at a time)."""
    if dataset == "got10k":
        layout = Got10kLayout(root, split or "train")
        return layout.sequence_names(), lambda n: got10k_job(layout.sequence(n))
    if dataset == "lasot":
        layout = LasotLayout(root, split or "train", split_file=_lasot_split_file(root, split or "train"))
        return layout.sequence_names(), lambda n: lasot_job(layout.sequence(n), lasot_step, lasot_max_frames)
    if dataset == "trackingnet":
        splits = [s.strip() for s in (split or "TRAIN_0").split(",")]
        layout = TrackingNetLayout(root, splits)

        def tn_job(full: str) -> AnnotationJob:
            job = all_box_frames_job(layout.sequence(full.split("/", 1)[1]))
            job.name = full
            return job

        return [f"{layout.split_of(n)}/{n}" for n in layout.sequence_names()], tn_job
    if dataset in ("youtubevos", "davis"):
        return vos_jobs(dataset, root, split)
    if dataset == "folder":
        layout = FolderLayout(root)
        return layout.sequence_names(), lambda n: all_box_frames_job(layout.sequence(n))
    raise ValueError(f"Unknown dataset {dataset!r}; choose one of {DATASETS}")


def shard(names: Sequence[str], index: int, count: int) -> List[str]:
    """Shard ``index`` of ``count`` of the sorted names."""
    if not 0 <= index < count:
        raise ValueError(f"Shard {index}/{count} is out of range")
    return sorted(names)[index::count]


# ------------------------------------------------------------------------------------------------------- running
def write_run_config(out: Path, config: dict, force: bool = False) -> None:
    """Record the run's method and options; refuse to mix runs with different settings in one folder."""
    out.mkdir(parents=True, exist_ok=True)
    record_settings(out / "annotate_config.json", config, replace=force,
                    how_to_replace="--force to continue with the new settings")


def _lock_path(out: Path, name: str) -> Path:
    return out / ".locks" / (name.replace("/", "__") + ".lock")


def annotate_sequence(predictor: Box2MaskPredictor, job: AnnotationJob, out: Path, overwrite: bool = False,
                      bar: Optional[tqdm] = None) -> int:
    """Write the missing masks of one sequence; returns the number written. ``.done`` is written at the end."""
    seq_out = out / job.name
    todo = [t for t in job.targets if overwrite or not (seq_out / f"{job.frames[t].stem}.png").is_file()]
    if bar is not None:
        bar.update(len(job.targets) - len(todo))
    written = 0
    if todo:
        absent = ~job.valid
        for t, mask in predictor.propagate([str(p) for p in job.frames], np.where(job.valid[:, None], job.boxes, 0.0),
                                           absent=absent, targets=todo, seq_name=job.name):
            write_indexed_png(seq_out / f"{job.frames[t].stem}.png", (mask > 0).astype(np.uint8))
            written += 1
            if bar is not None:
                bar.update(1)
    seq_out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(seq_out / ".done", json.dumps({"frames": len(job.targets)}) + "\n")
    return written


def overlay_path(out: Path, name: str) -> Path:
    """``<out>/overlays/<sequence>.mp4`` (outside the sequence's mask folder)."""
    return out / "overlays" / f"{name}.mp4"


def write_sequence_overlay(job: AnnotationJob, out: Path, every: int) -> Path:
    """Overlay video + contact sheet of one annotated sequence (masks read back from its folder)."""
    video = overlay_path(out, job.name)
    targets = set(job.targets)
    masks = [out / job.name / f"{f.stem}.png" if t in targets else None for t, f in enumerate(job.frames)]
    write_mask_overlay(job.frames, masks, job.boxes, job.valid, video, video.with_suffix(".png"), every=every)
    return video


def annotate_dataset(method: MaskMethod, dataset: str, root: Path, out: Path, split: Optional[str] = None,
                     sequences: Optional[Iterable[str]] = None, shard_index: int = 0, shard_count: int = 1,
                     overwrite: bool = False, config: Optional[dict] = None, force: bool = False,
                     progress: bool = True, lasot_step: int = 5, lasot_max_frames: int = 200,
                     overlay_every: Optional[int] = None) -> AnnotateSummary:
    """Annotate (a shard of) a dataset; failures of single sequences are logged and reported, not fatal.

    ``overlay_every``: also write ``<out>/overlays/<sequence>.mp4`` (every N-th frame of the sequence, masks of the
    annotated frames tinted, boxes drawn) and ``<sequence>.png`` (contact sheet) for every sequence of the shard that
    is done and has none yet."""
    out = Path(out)
    names, make_job = dataset_jobs(dataset, Path(root), split, lasot_step, lasot_max_frames)
    if sequences is not None:
        wanted = list(sequences)
        missing = sorted(set(wanted) - set(names))
        if missing:
            raise KeyError(f"Sequences not in the dataset: {missing[:10]}")
        names = wanted
    names = shard(names, shard_index, shard_count)
    write_run_config(out, dict(config or {}, dataset=dataset, split=split, lasot_step=lasot_step,
                               lasot_max_frames=lasot_max_frames), force=force)
    predictor = Box2MaskPredictor(method)
    summary = AnnotateSummary()
    t0 = time.perf_counter()
    started = time.time()
    bar = tqdm(desc=f"annotate {dataset} [{shard_index}/{shard_count}]", unit="frame", disable=not progress)
    try:
        for name in names:
            done = out / name / ".done"
            if done.is_file() and not overwrite:
                summary.skipped.append(name)
                if overlay_every and not overlay_path(out, name).is_file():
                    write_sequence_overlay(make_job(name), out, overlay_every)
                continue
            with try_lock(_lock_path(out, name)) as acquired:
                if not acquired:  # another process is annotating it
                    logger.info("Sequence %s is being annotated by another process; left to it", name)
                    summary.busy.append(name)
                    continue
                if done.is_file() and (not overwrite or done.stat().st_mtime >= started):
                    summary.skipped.append(name)  # finished by another process meanwhile
                    continue
                try:
                    job = make_job(name)
                    bar.total = (bar.total or 0) + len(job.targets)
                    summary.frames_written += annotate_sequence(predictor, job, out, overwrite, bar)
                    summary.done.append(name)
                    if overlay_every:
                        write_sequence_overlay(job, out, overlay_every)
                except (OSError, ValueError, KeyError, RuntimeError) as e:
                    logger.error("Sequence %s failed: %s", name, e)
                    summary.failed[name] = f"{type(e).__name__}: {e}"
    finally:
        bar.close()
    summary.seconds = time.perf_counter() - t0
    return summary
