"""Run trackers over datasets: resumable, atomic result files, optional worker processes.

Result files (pytracking's per-sequence formats, one folder per dataset)::

    <results_root>/<tracker>/<param>[_%03d run_id]/<dataset>/<seq>.txt          boxes, one 'x<TAB>y<TAB>w<TAB>h' line
                                                                                 per frame incl. frame 0
    <results_root>/<tracker>/<param>[_%03d]/<dataset>/<seq>_<obj>.txt            multi-object: one file per object
                                                                                 (NaN rows before it appears)
    <results_root>/<tracker>/<param>[_%03d]/<dataset>/<seq>_time.txt             seconds per frame
    <segmentation_root>/<tracker>/<param>[_%03d]/<dataset>/<seq>/<frame>.png     indexed PNG, DAVIS palette

Differences from the reference (docs/reference-notes.md, "Benchmark formats"), on purpose:

* boxes are written as floats (``%.3f``) instead of being truncated to int: truncation biases every box by up
  to one pixel towards the origin, which costs measurable IoU on small targets; readers accept both. The GOT-10k and
  TrackingNet packers format them for the servers.
* results sit in a ``<dataset>`` sub-folder: DAVIS 2016 and 2017 share sequence names, and a finished
  ``blackswan.txt`` of one must not make a resumed run of the other skip it.
* a sequence that raises is reported (traceback in the log, listed in the summary; the CLI exits non-zero), never
  silently skipped.

Resume: a sequence whose box file(s) exist is skipped. All files of a sequence are written after it finished, each
atomically (temp file + rename), box files last, so a killed or failed sequence never leaves a box file behind.
Segmentations go to a hidden temp folder that is renamed into place.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import shutil
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence as Seq, Tuple, Union

import numpy as np
from tqdm import tqdm

from ltr.admin.environment import env_settings
from ltr.admin.fileio import atomic_write_text
from ltr.data.image_io import read_image, write_indexed_png
from ltr.dataset.layouts import mask_bbox

from .data import BaseDataset, Sequence, SequenceList
from .tracker import Tracker
from .tracking_loop import tracker_outputs
from pytracking.utils.params import use_device

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]
VOS_FAMILIES = ("davis", "youtubevos")


# ------------------------------------------------------------------------------------------------------ paths
def results_dir(tracker: Tracker, dataset_name: str, results_root: Optional[PathLike] = None) -> Path:
    """``<results_root>/<tracker>/<param>[_%03d]/<dataset>`` (root default: the ``results_path`` setting)."""
    root = Path(results_root) if results_root is not None else env_settings().path("results_path")
    return tracker.results_dir(root) / dataset_name


def segmentation_dir(tracker: Tracker, dataset_name: str, segmentation_root: Optional[PathLike] = None) -> Path:
    """``<segmentation_root>/<tracker>/<param>[_%03d]/<dataset>`` (default: the ``segmentation_path`` setting)."""
    root = Path(segmentation_root) if segmentation_root is not None else env_settings().path("segmentation_path")
    return tracker.results_dir(root) / dataset_name


def box_files(seq: Sequence, out_dir: Path) -> List[Path]:
    """The box file(s) of ``seq``; their existence marks the sequence as finished."""
    if seq.object_ids is None:
        return [out_dir / f"{seq.name}.txt"]
    return [out_dir / f"{seq.name}_{oid}.txt" for oid in seq.object_ids]


def results_exist(seq: Sequence, out_dir: Path) -> bool:
    """Whether every box file of ``seq`` exists."""
    return all(p.is_file() for p in box_files(seq, out_dir))


def format_boxes(boxes: np.ndarray) -> str:
    """Tab-separated ``%.3f`` lines (``nan`` for unknown)."""
    return "".join("\t".join("nan" if not np.isfinite(v) else f"{v:.3f}" for v in row) + "\n"
                   for row in np.asarray(boxes, dtype=np.float64).reshape(-1, 4))


def read_result_boxes(path: PathLike) -> np.ndarray:
    """Read a box result file (tab, comma or space separated; ints or floats) as ``(N, 4)`` float64."""
    from ltr.dataset.layouts import read_boxes

    return read_boxes(path, what="result file")


# ------------------------------------------------------------------------------------------------------ tracking
@dataclass
class SequenceOutput:
    """Per-frame outputs of one run: boxes (single ``(N, 4)`` or per object), times, optional label maps."""

    boxes: Union[np.ndarray, Dict[str, np.ndarray]]
    times: np.ndarray
    segmentation: Optional[List[np.ndarray]] = None


def _as_box(value: Any) -> np.ndarray:
    box = np.asarray(value, dtype=np.float64).reshape(-1)
    if box.shape != (4,):
        raise ValueError(f"target_bbox must have 4 values, got {value!r}")
    return box


def track_sequence(tracker: Any, seq: Sequence, keep_segmentation: bool = False) -> SequenceOutput:
    """Run an initialised-per-sequence tracker object over ``seq`` and collect its outputs (no file IO).

    Frame 0 reports the tracker's ``initialize`` output where given, else the initial box / mask.
    """
    n = len(seq)
    multi = seq.multiobj_mode
    boxes: Any = {oid: np.full((n, 4), np.nan) for oid in seq.object_ids} if multi else np.full((n, 4), np.nan)
    times = np.zeros(n)
    segs: Optional[List[np.ndarray]] = [] if keep_segmentation else None

    def store(frame: int, out: Dict[str, Any], default: Dict[str, Any]) -> None:
        bbox = out.get("target_bbox", default.get("target_bbox"))
        seg = out.get("segmentation", default.get("segmentation"))
        if bbox is None and seg is not None and not multi:
            bbox = mask_bbox(seg)
        if bbox is None:
            raise ValueError(f"{seq.name}: frame {frame}: tracker output has neither 'target_bbox' nor 'segmentation'")
        if multi:
            for oid, b in bbox.items():
                if str(oid) not in boxes:
                    raise ValueError(f"{seq.name}: frame {frame}: unknown object id {oid!r}")
                if b is None:  # no box for this object: its extent in the label map, else unknown
                    b = mask_bbox(np.asarray(seg) == int(oid)) if seg is not None else np.full(4, np.nan)
                boxes[str(oid)][frame] = _as_box(b)
        else:
            boxes[frame] = _as_box(bbox)
        if segs is not None:
            if seg is None:
                raise ValueError(f"{seq.name}: frame {frame}: no 'segmentation' in the tracker output (box-only "
                                 f"trackers: run with save_segmentation=False / --no-save-segmentation)")
            segs.append(np.asarray(seg).astype(np.uint8))

    def info_for(frame: int) -> Dict[str, Any]:
        info = seq.frame_info(frame)
        if frame == 0:
            info.setdefault("sequence_name", seq.name)
        return info

    images = (read_image(path, context=f"sequence '{seq.name}', frame {f}") for f, path in enumerate(seq.frames))
    for f, _, info, out, seconds in tracker_outputs(tracker, images, info_for):
        times[f] = seconds
        default: Dict[str, Any] = {}
        if f == 0:
            default["target_bbox"] = info.get("init_bbox")
            if "init_mask" in info:
                default["segmentation"] = info["init_mask"]  # multi-object: already a label map
        store(f, out, default)
    return SequenceOutput(boxes=boxes, times=times, segmentation=segs)


def save_sequence_output(seq: Sequence, output: SequenceOutput, out_dir: Path,
                         seg_dir: Optional[Path] = None) -> None:
    """Write one sequence's files: segmentations (temp folder renamed), times, then the box file(s) last."""
    if output.segmentation is not None and seg_dir is not None:
        final = seg_dir / seq.name
        seg_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{seq.name}.partial-", dir=seg_dir))
        try:
            for name, lab in zip(seq.frame_names(), output.segmentation):
                write_indexed_png(tmp / f"{name}.png", lab)
            if final.exists():
                shutil.rmtree(final)
            tmp.rename(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / f"{seq.name}_time.txt", "".join(f"{t:.6f}\n" for t in output.times))
    if isinstance(output.boxes, dict):
        for oid, b in output.boxes.items():
            atomic_write_text(out_dir / f"{seq.name}_{oid}.txt", format_boxes(b))
    else:
        atomic_write_text(out_dir / f"{seq.name}.txt", format_boxes(output.boxes))


def save_sequence_overlay(seq: Sequence, output: SequenceOutput, path: Path, every: int = 1) -> Path:
    """Overlay video of a finished sequence (frames re-read; masks tinted, boxes drawn), written atomically."""
    from pytracking.utils.visualization import overlay_sequence

    n = len(seq)
    if isinstance(output.boxes, dict):
        boxes = [{k: b[f] for k, b in output.boxes.items()} for f in range(n)]
    else:
        boxes = [{"1": output.boxes[f]} for f in range(n)]
    labels = output.segmentation if output.segmentation is not None else [None] * n
    frames = (read_image(p, context=f"sequence '{seq.name}', frame {f}") for f, p in enumerate(seq.frames))
    return overlay_sequence(frames, labels, boxes, path, fps=25.0, every=every)["video"]


# ------------------------------------------------------------------------------------------------------ one sequence
@dataclass
class SequenceResult:
    """Outcome of one (tracker, sequence): ``status`` is ``done``, ``skipped`` (results existed) or ``failed``."""

    tracker: str
    sequence: str
    status: str
    n_frames: int = 0
    seconds: float = 0.0
    error: Optional[str] = None


@dataclass
class RunOptions:
    """Settings shared by all sequences of a run (picklable: sent to worker processes)."""

    results_root: Optional[PathLike] = None
    segmentation_root: Optional[PathLike] = None
    save_segmentation: Optional[bool] = None  # None: for VOS datasets only
    overrides: Dict[str, Any] = field(default_factory=dict)
    multiobj_wrapper: Optional[Callable] = None
    debug: bool = False
    device: Optional[str] = None          # 'cpu' / 'cuda' / 'cuda:N' for the tracker's network (None: its params)
    gpus: Optional[List[int]] = None      # worker processes take these GPUs in turn (one GPU per worker)
    save_overlay: bool = False            # overlay video per sequence in <results dir>/overlays/<seq>.mp4
    overlay_every: int = 1


_PARAMS_CACHE: Dict[Tuple, Any] = {}


def _params_for(tracker: Tracker, overrides: Dict[str, Any], device: Optional[str] = None):
    """Parameters, built once per process (a network they hold is then loaded once per worker). Parameter files
    read ``B2M_*`` environment variables (checkpoint paths, device), so those are part of the key."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("B2M_")))
    key = (tracker.name, tracker.parameter_name, tracker.tracker_class(), repr(sorted(overrides.items())), device, env)
    if key not in _PARAMS_CACHE:
        _PARAMS_CACHE[key] = use_device(tracker.get_parameters(**overrides), device)
    return _PARAMS_CACHE[key]


def _build_tracker(tracker: Tracker, seq: Sequence, opts: RunOptions) -> Any:
    params = _params_for(tracker, opts.overrides, opts.device)
    if not seq.multiobj_mode:
        return tracker.create_tracker(params)
    wrapper = opts.multiobj_wrapper
    if wrapper is None:
        from pytracking.evaluation.multi_object_wrapper import MultiObjectWrapper  # lazy: VOS runs only

        wrapper = MultiObjectWrapper
    return wrapper(tracker.tracker_class(), params)


def run_sequence(seq: Sequence, tracker: Tracker, opts: Optional[RunOptions] = None) -> SequenceResult:
    """Run ``tracker`` on ``seq`` unless its results exist; failures are returned (traceback), not raised,
    unless ``opts.debug``."""
    opts = opts or RunOptions()
    out_dir = results_dir(tracker, seq.dataset, opts.results_root)
    if results_exist(seq, out_dir):
        return SequenceResult(tracker.display_name, seq.name, "skipped", len(seq))
    save_seg = seq.family in VOS_FAMILIES if opts.save_segmentation is None else opts.save_segmentation
    seg_dir = segmentation_dir(tracker, seq.dataset, opts.segmentation_root) if save_seg else None
    t0 = time.perf_counter()
    try:
        output = track_sequence(_build_tracker(tracker, seq, opts), seq,
                                keep_segmentation=save_seg or opts.save_overlay)
        if opts.save_overlay:
            save_sequence_overlay(seq, output, out_dir / "overlays" / f"{seq.name}.mp4", opts.overlay_every)
        if not save_seg:
            output.segmentation = None
        save_sequence_output(seq, output, out_dir, seg_dir)
    except Exception:  # reported to the caller with its traceback; the run goes on with the next sequence
        if opts.debug:
            raise
        return SequenceResult(tracker.display_name, seq.name, "failed", len(seq), time.perf_counter() - t0,
                              traceback.format_exc())
    return SequenceResult(tracker.display_name, seq.name, "done", len(seq), time.perf_counter() - t0)


# ------------------------------------------------------------------------------------------------------ datasets
@dataclass
class RunSummary:
    """All sequence outcomes of a run."""

    results: List[SequenceResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        """Number of sequences with ``status``."""
        return sum(r.status == status for r in self.results)

    @property
    def failed(self) -> List[SequenceResult]:
        """The failed (tracker, sequence) pairs."""
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed

    def report(self) -> str:
        """A short human-readable summary."""
        lines = [f"{self.count('done')} sequence(s) run, {self.count('skipped')} skipped (results existed), "
                 f"{self.count('failed')} failed"]
        lines += [f"  FAILED {r.tracker} / {r.sequence}: {(r.error or '').strip().splitlines()[-1]}"
                  for r in self.failed]
        return "\n".join(lines)


def run_dataset(dataset: Union[BaseDataset, SequenceList, Iterable[Sequence]], trackers: Union[Tracker, Seq[Tracker]],
                threads: int = 0, opts: Optional[RunOptions] = None, sequences: Optional[Seq[str]] = None,
                progress: bool = True) -> RunSummary:
    """Run every tracker on every sequence (skipping finished ones).

    Args:
        dataset: a dataset object or a list of sequences.
        trackers: one or several :class:`Tracker`.
        threads: number of worker processes (``multiprocessing`` spawn; each builds its own tracker); 0 or 1 runs in
            this process.
        opts: result folders, parameter overrides, multi-object wrapper, debug mode.
        sequences: restrict to these sequence names.
        progress: show a tqdm bar.
    """
    opts = opts or RunOptions()
    if opts.gpus and opts.device not in (None, "cuda"):
        raise ValueError(f"give either --gpus or a device ({opts.device}), not both")
    trackers = [trackers] if isinstance(trackers, Tracker) else list(trackers)
    if isinstance(dataset, BaseDataset):
        seqs = dataset.get_sequence_list(sequences)
    else:
        seqs = SequenceList(dataset)
        if sequences is not None:
            seqs = seqs[list(sequences)]
    summary = RunSummary()
    tasks = []
    for tr in trackers:
        for seq in seqs:
            if results_exist(seq, results_dir(tr, seq.dataset, opts.results_root)):
                summary.results.append(SequenceResult(tr.display_name, seq.name, "skipped", len(seq)))
            else:
                tasks.append((seq, tr, opts))
    in_process = threads <= 1 or len(tasks) <= 1
    if opts.gpus:  # one process: the first listed GPU; workers: each sees its own GPU as 'cuda'
        opts = replace(opts, device=f"cuda:{opts.gpus[0]}" if in_process else "cuda")
        tasks = [(seq, tr, opts) for seq, tr, _ in tasks]
    logger.info("%d (tracker, sequence) pair(s) to run, %d already done", len(tasks), len(summary.results))
    bar = tqdm(total=len(tasks), desc="tracking", unit="seq", disable=not progress or not tasks)

    def collect(res: SequenceResult) -> None:
        summary.results.append(res)
        bar.update(1)
        if res.status == "failed":
            logger.error("%s failed on %s:\n%s", res.tracker, res.sequence, res.error)
        else:
            logger.debug("%s %s %s: %d frames in %.1f s", res.tracker, res.status, res.sequence, res.n_frames,
                         res.seconds)

    try:
        if in_process:
            for task in tasks:
                collect(run_sequence(*task))
        else:
            _run_in_processes(tasks, min(threads, len(tasks)), opts.debug, collect, opts.gpus)
    finally:
        bar.close()
    return summary


def bind_worker_gpu(gpus: Seq[int], counter) -> int:
    """Worker-process initialiser: the k-th worker started sees only GPU ``gpus[k % len(gpus)]`` (as its 'cuda')."""
    with counter.get_lock():
        index = counter.value
        counter.value += 1
    gpu = int(gpus[index % len(gpus)])
    os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu)
    return gpu


def _run_in_processes(tasks: List[Tuple[Sequence, Tracker, RunOptions]], workers: int, debug: bool,
                      collect: Callable[[SequenceResult], None], gpus: Optional[Seq[int]] = None) -> None:
    """Spawned worker processes; a worker that dies (e.g. killed for memory) fails its sequences, never hangs.
    With ``gpus`` the workers take them in turn (one GPU each)."""
    ctx = mp.get_context("spawn")
    extra: Dict[str, Any] = {}
    if gpus:
        extra = {"initializer": bind_worker_gpu, "initargs": (list(gpus), ctx.Value("i", 0))}
    ex = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, **extra)
    try:
        futures = {ex.submit(run_sequence, *task): task for task in tasks}
        for fut in as_completed(futures):
            seq, tr, _ = futures[fut]
            try:
                res = fut.result()
            except Exception:  # the worker process itself failed (crash, unpicklable task)
                if debug:
                    raise
                res = SequenceResult(tr.display_name, seq.name, "failed", len(seq), error=traceback.format_exc())
            collect(res)
    except BaseException:
        ex.shutdown(wait=False, cancel_futures=True)
        raise
    ex.shutdown(wait=True)
