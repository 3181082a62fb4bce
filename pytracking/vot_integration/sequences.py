"""Write VOT sequence folders (the layout vot-toolkit's ``load_dataset`` reads) from frames and masks or boxes.

Layout written under a sequences root::

    <root>/list.txt                       one sequence name per line (merged, order kept)
    <root>/<seq>/sequence                 channels.color=color/%08d.jpg, fps, format=default, width, height, name
    <root>/<seq>/color/00000001.jpg ...   1-based, 8 digits (JPEG sources are copied byte for byte)
    <root>/<seq>/groundtruth.txt          one region per frame: VOT mask string (m<x0>,<y0>,<w>,<h>,<rle>) or x,y,w,h
    <root>/<seq>/anchor.value             one float per frame: 1 forward anchor, -1 backward anchor, 0 none

Each sequence is assembled in a hidden temporary folder, flushed to disk and renamed into place, so an existing
``<seq>`` folder is always complete; conversions of many sequences resume by skipping the existing ones.

Frames are read through the project's validating decoder: a truncated or corrupt frame is an error naming it, and
a JPEG with an EXIF orientation tag is re-encoded upright (the toolkit and the TraX server then see the same pixels).

Command line (one sequence per call)::

    python -m pytracking.vot_integration.sequences OUT_ROOT FRAMES_DIR
        (--masks MASK_DIR | --boxes FILE | --groundtruth VOT_FILE [--to mask|box])
        [--max-frames N] [--name NAME] [--object-id K] [--mask-threshold T] [--anchor-spacing 50] [--fps 30]
        [--overwrite]

``--groundtruth`` reads VOT region lines (rectangles ``x,y,w,h``, polygons ``x1,y1,...,xn,yn``, masks ``m...``;
e.g. the ``groundtruth.txt`` of VOT2013-2019 sequences) and writes them as masks (``--to mask``: rectangles and
polygons rasterised as vot-toolkit does) or as boxes (``--to box``: the axis-aligned bounding box of each region).
``--max-frames N`` keeps the first N frames (and their ground truth).
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import List, Optional, Sequence, Union

import cv2
import numpy as np

from ltr.admin.cli import OneLineParser, debug_requested, guarded
from ltr.admin.fileio import atomic_write_text, sync_tree
from ltr.data.image_io import ImageInfo, ImageReadError, probe_image, read_image, read_mask
from ltr.dataset.layouts import (VotMask, VotRegion, encode_vot_mask, list_frames, read_boxes, read_vot_regions,
                                 vot_region_bbox)
from pytracking.vot_integration.regions import box_to_mask, mask_bounds, polygon_to_mask

logger = logging.getLogger(__name__)

PathLike = Union[str, os.PathLike]
FrameSource = Union[PathLike, np.ndarray]


class SequenceWriteError(ValueError):
    """Inputs for a VOT sequence are inconsistent (counts, sizes, missing files)."""


def default_anchors(visible: Sequence[bool], spacing: int = 50) -> List[float]:
    """VOT2020-style anchors: one about every ``spacing`` frames, each on the first frame at or after the slot
    where the target is visible; direction forward (1) when at least as many frames follow as precede it,
    else backward (-1). Frame 0 (if visible) is always a forward anchor."""
    if spacing < 1:
        raise ValueError("Anchor spacing must be >= 1")
    n = len(visible)
    anchors = [0.0] * n
    for start in range(0, n, spacing):
        frame = next((i for i in range(start, min(n, start + spacing)) if visible[i]), None)
        if frame is None:
            continue
        anchors[frame] = 1.0 if n - frame >= frame + 1 else -1.0
    if not any(anchors):
        raise SequenceWriteError("The target is never visible: no anchor frame")
    return anchors


def _format_box(box: Sequence[float]) -> str:
    values = [float(v) for v in box]
    if len(values) != 4:
        raise SequenceWriteError(f"A box needs 4 values [x, y, w, h], got {list(box)}")
    return ",".join(str(int(v)) if v.is_integer() else repr(v) for v in values)


def _frame_info(frame: FrameSource, index: int) -> ImageInfo:
    """Size (upright) and EXIF orientation of an array or an image file; a truncated file raises naming it."""
    if isinstance(frame, np.ndarray):
        return ImageInfo(frame.shape[1], frame.shape[0], 1, "array")
    try:
        return probe_image(frame)
    except ImageReadError as e:
        raise ImageReadError(f"frame {index}: {e}") from e


def _write_jpeg(rgb: np.ndarray, target: Path, quality: int = 95) -> None:
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise SequenceWriteError(f"Frame for {target.name} must be RGB uint8 (H, W, 3), got {rgb.dtype} {rgb.shape}")
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise IOError(f"cv2 could not encode {target}")
    target.write_bytes(buf.tobytes())  # inside the sequence's temporary folder, renamed as a whole


def _write_frame(frame: FrameSource, info: ImageInfo, target: Path, index: int) -> None:
    """Upright JPEGs are copied byte for byte; arrays, other formats and EXIF-rotated JPEGs are (re-)encoded."""
    if isinstance(frame, np.ndarray):
        _write_jpeg(frame, target)
    elif info.format == "JPEG" and info.orientation == 1:
        shutil.copyfile(frame, target)
    else:
        _write_jpeg(read_image(frame, context=f"frame {index}"), target)


def write_list(root: PathLike, names: Sequence[str]) -> None:
    """Add ``names`` to ``<root>/list.txt`` (existing entries and their order kept), atomically."""
    path = Path(root) / "list.txt"
    current = path.read_text().split() if path.is_file() else []
    merged = list(dict.fromkeys(current + list(names)))
    atomic_write_text(path, "".join(n + "\n" for n in merged))


def write_sequence(root: PathLike, name: str, frames: Sequence[FrameSource],
                   masks: Optional[Sequence[np.ndarray]] = None, boxes: Optional[Sequence[Sequence[float]]] = None,
                   anchors: Optional[Sequence[float]] = None, anchor_spacing: int = 50, fps: int = 30,
                   overwrite: bool = False) -> Path:
    """Write one VOT sequence folder ``<root>/<name>`` and register it in ``list.txt``.

    ``frames``: image paths or RGB uint8 arrays. Ground truth: ``masks`` (2-D, non-zero = target, image size) or
    ``boxes`` (``[x, y, w, h]``), one per frame. ``anchors`` defaults to :func:`default_anchors`. An existing
    folder is kept unless ``overwrite``. Returns the sequence folder.
    """
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name or ""):
        raise SequenceWriteError(f"Sequence name must be [A-Za-z0-9_.-]+, got {name!r}")
    root = Path(root)
    target = root / name
    if target.exists() and not overwrite:
        logger.info("Sequence %s exists, skipped", target)
        write_list(root, [name])
        return target
    if (masks is None) == (boxes is None):
        raise SequenceWriteError(f"Sequence {name}: give exactly one of masks or boxes")
    gt = masks if masks is not None else boxes
    if len(frames) == 0 or len(gt) != len(frames):
        raise SequenceWriteError(f"Sequence {name}: {len(frames)} frames but {len(gt)} ground-truth regions")
    first = _frame_info(frames[0], 0)
    width, height = first.width, first.height
    if masks is not None:
        lines, visible = [], []
        for i, m in enumerate(masks):
            m = np.asarray(m)
            if m.shape != (height, width):
                raise SequenceWriteError(f"Sequence {name}, frame {i}: mask shape {m.shape} != image {(height, width)}")
            lines.append(encode_vot_mask(m))
            visible.append(mask_bounds(m) is not None)
    else:
        lines = [_format_box(b) for b in boxes]
        visible = [float(b[2]) > 0 and float(b[3]) > 0 for b in boxes]
    if anchors is None:
        anchors = default_anchors(visible, anchor_spacing)
    elif len(anchors) != len(frames):
        raise SequenceWriteError(f"Sequence {name}: {len(anchors)} anchor values for {len(frames)} frames")

    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=root))
    try:
        (tmp / "color").mkdir()
        for i, frame in enumerate(frames):
            info = first if i == 0 else _frame_info(frame, i)
            if (info.width, info.height) != (width, height):
                raise SequenceWriteError(f"Sequence {name}, frame {i}: size {(info.width, info.height)} != first "
                                         f"frame's {(width, height)}")
            _write_frame(frame, info, tmp / "color" / f"{i + 1:08d}.jpg", i)
        (tmp / "groundtruth.txt").write_text("".join(line + "\n" for line in lines))
        (tmp / "anchor.value").write_text("".join(f"{float(a):g}\n" for a in anchors))
        (tmp / "sequence").write_text(f"channels.color=color/%08d.jpg\nfps={int(fps)}\nformat=default\n"
                                      f"height={height}\nname={name}\nwidth={width}\n")
        sync_tree(tmp)  # complete on disk before it appears under its name
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    write_list(root, [name])
    logger.info("Wrote VOT sequence %s (%d frames, %dx%d)", target, len(frames), width, height)
    return target


def region_to_mask(region: VotRegion, width: int, height: int) -> np.ndarray:
    """0/1 ``(height, width)`` mask of a parsed VOT region (rectangle, polygon, mask; unknown -> empty)."""
    if region is None:
        return np.zeros((height, width), dtype=np.uint8)
    if isinstance(region, VotMask):
        return region.to_full(width, height)
    r = np.asarray(region, dtype=np.float64)
    return box_to_mask(r, width, height) if r.ndim == 1 else polygon_to_mask(r, width, height)


def convert_folder(out_root: PathLike, frames_dir: PathLike, masks_dir: Optional[PathLike] = None,
                   boxes_file: Optional[PathLike] = None, name: Optional[str] = None, object_id: Optional[int] = None,
                   anchor_spacing: int = 50, fps: int = 30, overwrite: bool = False,
                   groundtruth_file: Optional[PathLike] = None, to: str = "mask", max_frames: Optional[int] = None,
                   mask_threshold: Optional[float] = None) -> Path:
    """Convert a folder of frames (natural order, see :func:`ltr.dataset.layouts.list_frames`) plus one ground truth
    into a VOT sequence: a folder of mask PNGs (matched by file stem; DAVIS style; ``object_id`` selects one label of
    palette masks, default any non-zero label; ``mask_threshold`` binarises grey-level masks), a box file (one
    ``x,y,w,h`` line per frame) or a VOT region file (``groundtruth_file``: rectangles, polygons, masks), written as
    masks (``to='mask'``) or bounding boxes (``to='box'``). ``max_frames`` keeps the first N frames."""
    if to not in ("mask", "box"):
        raise ValueError(f"to must be 'mask' or 'box', got {to!r}")
    if max_frames is not None and max_frames < 1:
        raise ValueError(f"max_frames must be >= 1, got {max_frames}")
    frames = list_frames(frames_dir)
    name = name or Path(frames_dir).resolve().name
    keep = slice(0, max_frames)
    masks = boxes = None
    if masks_dir is not None:
        masks = []
        for f in frames[keep]:
            mpath = Path(masks_dir) / (f.stem + ".png")
            if not mpath.is_file():
                raise SequenceWriteError(f"No mask for frame {f.name}: {mpath} missing")
            labels = read_mask(mpath, threshold=mask_threshold)
            masks.append((labels == object_id) if object_id is not None else (labels > 0))
    elif boxes_file is not None:
        boxes = read_boxes(boxes_file, len(frames)).tolist()[keep]
    elif groundtruth_file is not None:
        regions = read_vot_regions(groundtruth_file, len(frames))[keep]
        if to == "box":
            boxes = [vot_region_bbox(r).tolist() for r in regions]
        else:
            first = _frame_info(frames[0], 0)
            masks = [region_to_mask(r, first.width, first.height) for r in regions]
    return write_sequence(out_root, name, frames[keep], masks=masks, boxes=boxes, anchor_spacing=anchor_spacing,
                          fps=fps, overwrite=overwrite)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point (see the module docstring); errors are one ``error: ...`` line (exit 1)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    p = OneLineParser(prog="python -m pytracking.vot_integration.sequences",
                      description="Convert a folder of frames + masks/boxes/VOT regions into a VOT sequence folder.")
    p.add_argument("out_root", help="sequences root (list.txt is updated)")
    p.add_argument("frames_dir", help="folder of frames (natural order: 2.jpg before 10.jpg)")
    gt = p.add_mutually_exclusive_group(required=True)
    gt.add_argument("--masks", help="folder of mask PNGs named like the frames")
    gt.add_argument("--boxes", help="text file with one x,y,w,h box per frame")
    gt.add_argument("--groundtruth", help="VOT region file: one rectangle, polygon or mask per frame")
    p.add_argument("--to", choices=("mask", "box"), default="mask",
                   help="with --groundtruth: write masks (default) or bounding boxes")
    p.add_argument("--max-frames", type=int, default=None, help="keep only the first N frames")
    p.add_argument("--name", help="sequence name (default: frame folder name)")
    p.add_argument("--object-id", type=int, default=None, help="label of the target in palette masks")
    p.add_argument("--mask-threshold", type=float, default=None,
                   help="binarise grey-level (e.g. anti-aliased) masks at this level")
    p.add_argument("--anchor-spacing", type=int, default=50)
    p.add_argument("--fps", type=int, default=30)
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--debug", action="store_true", help="show the traceback of an error")
    args = p.parse_args(args_list)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    def convert() -> int:
        path = convert_folder(args.out_root, args.frames_dir, masks_dir=args.masks, boxes_file=args.boxes,
                              name=args.name, object_id=args.object_id, anchor_spacing=args.anchor_spacing,
                              fps=args.fps, overwrite=args.overwrite, groundtruth_file=args.groundtruth, to=args.to,
                              max_frames=args.max_frames, mask_threshold=args.mask_threshold)
        print(path)
        return 0

    return guarded(convert, debug_requested(args_list))


if __name__ == "__main__":
    raise SystemExit(main())
