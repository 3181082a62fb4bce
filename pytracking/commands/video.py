"""``pytracking video TRACKER PARAM --input VIDEO|FRAMES_DIR (--box x,y,w,h ... | --mask PNG) --out DIR``: run a
tracker on a video file or a frame folder and look at the result.

Box-initialised trackers (e.g. ``lwl lwl_box2mask``, ``lwl lwl_boxinit``) start from one object per ``--box``;
mask-initialised ones (``lwl lwl_ytvos``) from a label-map PNG of the first frame (``--mask``; pixel value = object
id; boxes are then optional). Writes into ``--out``:

* ``masks/<frame>.png``: the label map of every frame (indexed PNG, DAVIS palette) -- for trackers that segment;
* ``boxes_<id>.txt``: one ``x<TAB>y<TAB>w<TAB>h`` line per frame and object;
* ``overlay.mp4`` (``--overlay-format mkv``: lossless FFV1): masks tinted per object, boxes drawn, frame index,
  at the input's frame rate; ``contact_sheet.png``: evenly spaced overlay frames.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ltr.admin.fileio import atomic_write_text
from ltr.data.image_io import read_mask, write_indexed_png

logger = logging.getLogger(__name__)


def parse_box(text: str) -> list:
    """``x,y,w,h`` (commas or spaces) -> 4 floats."""
    parts = [p for p in text.replace(",", " ").split() if p]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"a box is x,y,w,h numbers, got {text!r}") from None
    if len(values) != 4:
        raise argparse.ArgumentTypeError(f"a box is 4 numbers x,y,w,h, got {text!r}")
    return values


def register(subparsers) -> None:
    """Add the ``video`` sub-command."""
    p = subparsers.add_parser("video", help="run a tracker on a video file or frame folder; overlay video, masks, "
                              "boxes", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("tracker", help="tracker name, or module:Class")
    p.add_argument("param", help="parameter set name, or module:function")
    p.add_argument("--input", required=True, help="video file (mp4, avi, mkv, ...) or folder of frames")
    p.add_argument("--box", type=parse_box, action="append", default=[], metavar="X,Y,W,H",
                   help="first-frame box of one object (repeat for several objects)")
    p.add_argument("--mask", default=None, help="label-map PNG of the first frame (mask-initialised trackers)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: the parameter file's choice)")
    p.add_argument("--param", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="tracker parameter override (unknown names are an error); repeatable")
    p.add_argument("--max-frames", type=int, default=None, help="only the first N frames")
    p.add_argument("--overlay-format", choices=("mp4", "mkv"), default="mp4",
                   help="overlay video: mp4 (small, lossy) or mkv (lossless FFV1)")
    p.add_argument("--sheet-frames", type=int, default=8, help="frames in the contact sheet (0: none)")
    p.add_argument("--no-overlay", action="store_true", help="no overlay video")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Track, write masks / boxes / overlay, print where they are."""
    from pytracking.api import build_tracker, first_frame_info, frame_result, init_objects
    from pytracking.commands.run import make_tracker, parse_param_overrides
    from pytracking.evaluation.running import format_boxes
    from pytracking.evaluation.tracking_loop import tracker_outputs
    from pytracking.utils.frame_source import open_frames
    from pytracking.utils.visualization import OverlayVideoWriter, draw_overlay, sheet_indices, write_contact_sheet

    if not args.box and args.mask is None:
        raise ValueError("give the first frame's object(s): --box x,y,w,h (repeatable) or --mask LABELS.png")
    source = open_frames(args.input, args.max_frames)
    labels0 = read_mask(args.mask) if args.mask is not None else None
    objects = init_objects(args.box or None, labels0, source.size)
    tracker = build_tracker(make_tracker(args.tracker, args.param), len(objects), args.device,
                            parse_param_overrides(args.overrides))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    params = getattr(tracker, "params", None)
    if params is not None and params.has("debug_dir") and params.get("debug_dir") is None:
        params.debug_dir = str(out / "debug")      # debug >= 2 images go next to the other outputs
    writer = None if args.no_overlay else OverlayVideoWriter(out / f"overlay.{args.overlay_format}", source.fps)
    picks = set(sheet_indices(source.num_frames, args.sheet_frames)) if args.sheet_frames > 0 else set()
    boxes = {k: np.full((source.num_frames, 4), np.nan) for k in objects}
    sheet, segmented = [], False
    first = first_frame_info(objects, source.name)
    bar = tqdm(total=source.num_frames, desc=f"{args.tracker} {args.param}", unit="frame",
               disable=args.no_progress)
    try:
        for i, image, _, output, seconds in tracker_outputs(tracker, source, lambda f: first if f == 0 else {}):
            res = frame_result(i, source.names[i], output, objects, seconds)
            for k, b in res.boxes.items():
                if b is not None:
                    boxes[k][i] = b
            if res.labels is not None:
                segmented = True
                write_indexed_png(out / "masks" / f"{res.name}.png", res.labels)
            if writer is not None or i in picks:
                overlay = draw_overlay(image, res.labels, res.boxes, index=i)
                if writer is not None:
                    writer.write(overlay)
                if i in picks:
                    sheet.append(overlay)
            bar.update(1)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        bar.close()
    for k, b in boxes.items():
        atomic_write_text(out / f"boxes_{k}.txt", format_boxes(b))
    written = [f"boxes: {', '.join(str(out / f'boxes_{k}.txt') for k in boxes)}"]
    if segmented:
        written.append(f"masks: {out / 'masks'}")
    if writer is not None:
        written.append(f"overlay video: {writer.close()}")
    if sheet:
        written.append(f"contact sheet: {write_contact_sheet(out / 'contact_sheet.png', sheet)}")
    sys.stdout.write(f"{source.num_frames} frames of {args.input} tracked with {args.tracker} {args.param}\n")
    sys.stdout.write("".join(f"  {line}\n" for line in written))
    return 0
