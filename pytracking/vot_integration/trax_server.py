"""TraX server: runs any pytracking-contract tracker under the VOT toolkit (``protocol = traxpython``).

    python -m pytracking.vot_integration.trax_server --tracker NAME --param PARAM [--region mask|rectangle]
                                                     [--param-override k=v ...]
    python -m pytracking.vot_integration.trax_server --tracker-class package.module:Class [--param-override k=v ...]

The same arguments can come from the environment variable ``PYTRACKING_VOT_ARGS`` (shell syntax; command-line
arguments are appended after it), which is how ``trackers.ini`` files written by ``pytracking vot-workspace``
configure the server: the toolkit starts ``<python> -m pytracking.vot_integration.trax_server`` with
``env_PYTRACKING_VOT_ARGS = ...``.

Behaviour the VOT toolkit relies on:

* the parameters (and, through ``params.net.initialize()`` when present, the network) are loaded *before* the TraX
  handshake, where the toolkit applies no timeout;
* repeated ``initialize`` requests in one process are served, each by a fresh tracker instance (multistart
  anchors reuse the process); the parameters, hence a network held in ``params.net``, are shared;
* no ``vot`` metadata is announced (it would make the toolkit restart the process for every initialisation);
* initial regions: a mask arrives as ``trax.Mask`` whose array is padded only top/left by its offset -- it is
  padded/cropped to the image size and passed as ``init_mask`` together with its tight box ``init_bbox``; a
  rectangle (or polygon) is passed as ``init_bbox`` only;
* replies: ``--region mask`` reports ``trax.Mask.create(crop, x0, y0)`` of the bounding-box crop of
  ``segmentation`` (a box-only tracker's ``target_bbox`` is rasterised); ``--region rectangle`` reports
  ``trax.Rectangle`` of ``target_bbox`` (or the tight box of ``segmentation``);
* a tracker exception is logged with its traceback on stderr, the TraX session is terminated with the error as
  reason and the process exits with status 1, so the toolkit fails at once instead of waiting for a timeout; an
  unreadable frame (missing, truncated, corrupt) is such an error, naming the file and the frame;
* a failure before the handshake (unknown tracker, missing checkpoint, bad arguments) ends the process with one last
  stderr line ``error: <message>`` (the traceback above it in the log), which the launcher
  (:mod:`pytracking.vot_integration.vot_cli`) shows instead of the toolkit's bare "Unable to connect to tracker".

stdout is the TraX channel: Python-level ``sys.stdout`` is redirected to stderr, logging goes to stderr.
"""
from __future__ import annotations

import argparse
import logging
import math
import os
import shlex
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ltr.data.image_io import read_image
from ltr.admin.cli import import_class, parse_overrides  # noqa: F401  (re-exported)
from pytracking.utils.params import TrackerParams
from pytracking.vot_integration.regions import box_to_mask, crop_to_bounds, fit_to_image, tight_box

logger = logging.getLogger("pytracking.vot_integration.trax_server")

ENV_ARGS = "PYTRACKING_VOT_ARGS"
REGION_FORMATS = ("mask", "rectangle")


class TrackerOutputError(RuntimeError):
    """The tracker's output lacks the keys needed for the requested region format."""


class TrackerFactory:
    """Creates fresh tracker instances that share one parameter object (and thus one network)."""

    def __init__(self, tracker_class: type, params: TrackerParams, description: str):
        self.tracker_class = tracker_class
        self.params = params
        self.description = description

    @classmethod
    def from_name(cls, name: str, parameter_name: str, overrides: Optional[Dict[str, Any]] = None) -> "TrackerFactory":
        """Tracker ``pytracking/tracker/<name>`` with parameter set ``pytracking/parameter/<name>/<param>.py``."""
        from pytracking.evaluation.tracker import Tracker

        spec = Tracker(name, parameter_name)
        params = spec.get_parameters(**(overrides or {}))
        return cls(spec.tracker_class(), params, f"{name}/{parameter_name}")

    @classmethod
    def from_class_path(cls, path: str, overrides: Optional[Dict[str, Any]] = None) -> "TrackerFactory":
        """Any class ``module:Class`` constructed as ``Class(TrackerParams(**overrides))``."""
        return cls(import_class(path), TrackerParams(**(overrides or {})), path)

    @property
    def predicts_mask(self) -> bool:
        """Whether the tracker outputs ``segmentation`` masks."""
        return bool(getattr(self.tracker_class, "predicts_segmentation_mask", False))

    def preload(self) -> None:
        """Load the network now (``params.net.initialize()``, pytracking's lazy network wrapper), if there is one,
        and a box->mask initialiser (``params.init_mask_generator``: STANet, SAM 2) on the network's device -- both
        before the TraX handshake, outside the toolkit's timeouts; only the first call loads."""
        if getattr(self, "_preloaded", False):
            return
        net = getattr(self.params, "net", None)
        init = getattr(net, "initialize", None)
        if callable(init):
            t0 = time.time()
            init()
            logger.info("Loaded the network of %s in %.1f s", self.description, time.time() - t0)
        generator = getattr(self.params, "init_mask_generator", None)
        if callable(getattr(generator, "initialize", None)):
            t0 = time.time()
            generator.initialize(device=getattr(net, "device", None))
            logger.info("Loaded the initial-mask model of %s in %.1f s", self.description, time.time() - t0)
        self._preloaded = True

    def create(self) -> Any:
        """A new tracker instance."""
        return self.tracker_class(self.params)


def initial_info(region: Any, width: int, height: int) -> Dict[str, Any]:
    """The ``info`` dict for ``tracker.initialize`` from a TraX region (mask, rectangle or polygon)."""
    import trax

    if region.type == trax.Region.MASK:
        mask = fit_to_image(region.array(True), width, height)
        box = tight_box(mask)
        if box is None:
            raise ValueError("The initial mask is empty")
        return {"init_mask": mask, "init_bbox": box}
    if region.type == trax.Region.RECTANGLE:
        return {"init_bbox": [float(v) for v in region.bounds()]}
    if region.type == trax.Region.POLYGON:
        pts = np.array(list(region), dtype=np.float64)
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        return {"init_bbox": [float(x0), float(y0), float(x1 - x0), float(y1 - y0)]}
    raise ValueError(f"Unsupported initial region type {region.type!r}")


def output_region(out: Dict[str, Any], region_format: str, width: int, height: int) -> Any:
    """The TraX region to report for a tracker output dict."""
    import trax

    seg = out.get("segmentation")
    box = out.get("target_bbox")
    if region_format == "mask":
        if seg is not None:
            seg = np.asarray(seg)
            if seg.shape != (height, width):
                raise TrackerOutputError(f"'segmentation' has shape {seg.shape}, the image is {(height, width)}")
            mask = seg
        elif box is not None:
            mask = box_to_mask(box, width, height)
        else:
            raise TrackerOutputError(f"Tracker output has neither 'segmentation' nor 'target_bbox' (keys: {sorted(out)})")
        crop, x0, y0 = crop_to_bounds(mask)
        return trax.Mask.create(crop, x0, y0)
    if box is None and seg is not None:
        box = tight_box(np.asarray(seg)) or [0.0, 0.0, 0.0, 0.0]
    if box is None:
        raise TrackerOutputError(f"Tracker output has neither 'target_bbox' nor 'segmentation' (keys: {sorted(out)})")
    box = [float(v) for v in box]
    if len(box) != 4:
        raise TrackerOutputError(f"'target_bbox' must have 4 values, got {box}")
    if not all(math.isfinite(v) for v in box):
        logger.warning("Non-finite box %s reported as an empty rectangle", box)
        box = [0.0, 0.0, 0.0, 0.0]
    return trax.Rectangle.create(*box)


def output_properties(out: Dict[str, Any]) -> Dict[str, str]:
    """Per-frame properties for the toolkit (``confidence`` when the tracker gives one)."""
    conf = out.get("confidence")
    return {} if conf is None else {"confidence": str(float(conf))}


class Session:
    """One tracker at a time, re-created on every ``initialize`` request."""

    def __init__(self, factory: TrackerFactory, region_format: str):
        self.factory = factory
        self.region_format = region_format
        self._spare = factory.create()  # instantiated before the handshake (imports, parameter checks)
        self.tracker: Any = None
        self.size: Tuple[int, int] = (0, 0)
        self.inits = 0
        self.frame = 0  # index of the current frame since the last initialisation

    def initialize(self, image_path: str, region: Any) -> None:
        """Start a fresh tracker on the image at ``image_path``."""
        self.frame = 0
        image = read_image(image_path, context=f"initialisation {self.inits + 1}, frame 0")
        height, width = image.shape[:2]
        info = initial_info(region, width, height)
        tracker = self._spare if self._spare is not None else self.factory.create()
        self._spare = None
        self.tracker, self.size = None, (width, height)
        tracker.initialize(image, info)
        self.tracker = tracker
        self.inits += 1
        logger.debug("Initialisation %d on %s with box %s", self.inits, image_path, info["init_bbox"])

    def track(self, image_path: str) -> Tuple[Any, Dict[str, str]]:
        """Track into the image at ``image_path``; returns the TraX region and properties."""
        if self.tracker is None:
            raise RuntimeError("Frame request before a successful initialize")
        self.frame += 1
        image = read_image(image_path, context=f"initialisation {self.inits}, frame {self.frame}")
        if (image.shape[1], image.shape[0]) != self.size:
            raise ValueError(f"Frame {image_path} is {image.shape[1]}x{image.shape[0]}, the sequence is "
                             f"{self.size[0]}x{self.size[1]}")
        out = self.tracker.track(image, {})
        if not isinstance(out, dict):
            raise TrackerOutputError(f"track() must return a dict, got {type(out).__name__}")
        return output_region(out, self.region_format, *self.size), output_properties(out)


def serve(factory: TrackerFactory, region_format: str) -> int:
    """Run the TraX loop until the client quits; 0 on a clean quit, 1 after a tracker error."""
    import trax

    if region_format not in REGION_FORMATS:
        raise ValueError(f"Region format must be one of {REGION_FORMATS}, got {region_format!r}")
    factory.preload()
    session = Session(factory, region_format)
    # accept both: libtrax then passes mask ground truth as a mask and rectangles as rectangles (the reply format
    # is ``region_format``); polygons are converted by libtrax
    formats = [trax.Region.MASK, trax.Region.RECTANGLE]
    server = trax.Server(formats, [trax.Image.PATH], ["color"], tracker_name=factory.description)
    logger.info("TraX server ready: %s, region format %s", factory.description, region_format)
    frames = 0
    while True:
        request = server.wait()
        if request.type != "initialize" and request.type != "frame":
            server.quit()
            logger.info("Client quit after %d initialisations, %d frames", session.inits, frames)
            return 0
        try:
            path = request.image["color"].path()
            if request.type == "initialize":
                if len(request.objects) != 1:
                    raise ValueError(f"Single-object tracker got {len(request.objects)} objects")
                session.initialize(path, request.objects[0][0])
                server.status(request.objects)
            else:
                region, props = session.track(path)
                server.status([(region, props)])
                frames += 1
        except Exception as e:  # report any tracker failure to the toolkit instead of hanging
            logger.exception("Tracker %s failed on %s request", factory.description, request.type)
            server.quit(reason=f"{type(e).__name__}: {e}"[:500])
            return 1


def build_parser() -> argparse.ArgumentParser:
    """Command-line options (also read from $PYTRACKING_VOT_ARGS)."""
    p = argparse.ArgumentParser(prog="python -m pytracking.vot_integration.trax_server",
                                description="TraX server for a pytracking tracker (VOT toolkit, traxpython).")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--tracker", help="tracker name (pytracking/tracker/<name>)")
    who.add_argument("--tracker-class", help="tracker class as module:Class, built as Class(TrackerParams(**overrides))")
    p.add_argument("--param", help="parameter set name (with --tracker)")
    p.add_argument("--region", choices=REGION_FORMATS, default=None,
                   help="region format to speak (default: mask for trackers that predict masks, else rectangle)")
    p.add_argument("--param-override", action="append", default=[], metavar="KEY=VALUE",
                   help="override a tracker parameter (Python literal or string); repeatable")
    p.add_argument("--log-level", default="INFO", help="logging level on stderr")
    return p


def make_factory(args: argparse.Namespace) -> TrackerFactory:
    """Tracker factory from parsed arguments."""
    overrides = parse_overrides(args.param_override)
    if args.tracker_class:
        return TrackerFactory.from_class_path(args.tracker_class, overrides)
    if not args.tracker or not args.param:
        raise ValueError("Give --tracker NAME --param PARAM, or --tracker-class module:Class")
    return TrackerFactory.from_name(args.tracker, args.param, overrides)


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point; returns the exit status."""
    argv = shlex.split(os.environ.get(ENV_ARGS, "")) + list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, str(args.log_level).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    sys.stdout = sys.stderr  # keep stray prints off the TraX channel (libtrax writes to fd 1 directly)
    try:
        factory = make_factory(args)
        factory.preload()
    except Exception as e:  # before the handshake: the toolkit only sees "Unable to connect to tracker"
        logger.exception("The tracker could not start")
        message = " ".join(str(e).split()) or type(e).__name__
        sys.stderr.write(f"error: {type(e).__name__}: {message}\n")
        sys.stderr.flush()
        return 1
    region_format = args.region or ("mask" if factory.predicts_mask else "rectangle")
    return serve(factory, region_format)


if __name__ == "__main__":
    sys.exit(main())
