"""``box2mask predict``: masks for one folder of frames from a box file.

Example::

    box2mask predict --frames seq/img --boxes seq/groundtruth.txt --out masks/seq

Frames: the folder's images in natural order (``2.jpg`` before ``10.jpg``; see ``ltr.dataset.layouts.list_frames``);
two files for one frame or mixed image types are an error. Box file: one ``x,y,w,h`` per line (commas, semicolons,
tabs or spaces); a ``nan`` line marks the object absent there, as does ``--absent`` (one 0/1 per line); absent frames
get an empty mask. Writes one indexed PNG (DAVIS palette, object = 1) per frame, named like the frame (``00012.jpg``
-> ``00012.png``), atomically; ``--overlay`` adds ``<out>/overlay/overlay.mp4`` and ``sheet.png``. The settings are recorded in ``<out>/predict_config.json``: a re-run with the same
settings skips frames whose PNG exists (resume); other settings (method, options, box file) are refused unless
``--overwrite``, which recomputes every frame.
"""
from __future__ import annotations

import argparse
import hashlib
import logging
from pathlib import Path

from box2mask.boxfile import read_box_file, read_flag_file
from box2mask.commands.method_args import add_method_arguments, method_config, method_from_args
from box2mask.overlays import write_mask_overlay
from box2mask.predictor import Box2MaskPredictor
from box2mask.run_config import record_settings
from box2mask.video import BoxError, VideoFrames
from ltr.data.image_io import write_indexed_png

logger = logging.getLogger(__name__)

CONFIG_FILE = "predict_config.json"


def register(subparsers) -> None:
    """Add the ``predict`` sub-command."""
    p = subparsers.add_parser("predict", help="masks for a folder of frames from a box file",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--frames", required=True, help="folder of frames (.jpg/.png, natural order: 2 before 10)")
    p.add_argument("--boxes", required=True, help="box file: x,y,w,h per line; 'nan' = absent")
    p.add_argument("--absent", help="optional file with one 0/1 absent flag per frame")
    p.add_argument("--out", required=True, help="output folder for the PNG masks")
    add_method_arguments(p)
    p.add_argument("--on-bad-box", choices=("skip", "error"), default="skip",
                   help="invalid box (NaN value, zero/negative size, outside the image): treat the frame as "
                        "absent with a warning (skip, default) or stop with an error")
    p.add_argument("--overwrite", action="store_true",
                   help="recompute every frame (also when --out holds masks of other settings)")
    p.add_argument("--overlay", action="store_true",
                   help="also write <out>/overlay/overlay.mp4 (masks tinted, boxes drawn) and a contact sheet")
    p.add_argument("--overlay-every", type=int, default=1, metavar="N", help="overlay every N-th frame (long videos)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _digest(path: str) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def run(args: argparse.Namespace) -> int:
    """Predict and write the masks; returns 0."""
    video = VideoFrames.from_folder(args.frames)
    boxes, absent = read_box_file(args.boxes)
    if len(boxes) != len(video):
        raise BoxError(f"{args.boxes} has {len(boxes)} boxes for {len(video)} frames in {args.frames} (one line per "
                       f"frame, 'nan' where the object is absent)")
    if args.absent:
        absent = absent | read_flag_file(args.absent, expected=len(boxes))
    if args.overlay_every < 1:
        raise ValueError(f"--overlay-every must be >= 1, got {args.overlay_every}")
    method = method_from_args(args)  # before the settings are recorded: a bad checkpoint must not lock --out
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    settings = dict(method_config(args), on_bad_box=args.on_bad_box, boxes_sha1=_digest(args.boxes),
                    absent_sha1=_digest(args.absent) if args.absent else None)
    record_settings(out / CONFIG_FILE, settings, replace=args.overwrite,
                    how_to_replace="--overwrite to recompute every mask with the new settings")
    targets = [i for i in range(len(video))
               if args.overwrite or not (out / f"{video.frame_name(i)}.png").is_file()]
    if not targets:
        logger.info("All %d masks already exist in %s (use --overwrite to recompute)", len(video), out)
    else:
        logger.info("%s: %d of %d frames to do", video.name, len(targets), len(video))
        predictor = Box2MaskPredictor(method)
        for index, mask in predictor.propagate(video, boxes, absent=absent, targets=targets, seq_name=video.name,
                                               progress=not args.quiet, on_bad_box=args.on_bad_box):
            write_indexed_png(out / f"{video.frame_name(index)}.png", mask)
    if args.overlay:
        written = write_mask_overlay(video.paths, [out / f"{video.frame_name(i)}.png" for i in range(len(video))],
                                     boxes, ~absent, out / "overlay" / "overlay.mp4", out / "overlay" / "sheet.png",
                                     every=args.overlay_every)
        logger.info("Overlay: %s", ", ".join(str(p) for p in written.values()))
    return 0
