"""VOT side of bad input: the sequence converter reads VOT polygon ground truth (to masks exactly as the toolkit
rasterises them, or to boxes) and keeps the first N frames; its errors are one line; tracker logs yield the tracker's
own last error line."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("vot")

from vot.dataset import load_dataset  # noqa: E402
from vot.region.shapes import Mask, Polygon, Rectangle  # noqa: E402

from ltr.data.image_io import write_image  # noqa: E402
from pytracking.vot_integration.check import last_error_line  # noqa: E402
from pytracking.vot_integration.regions import polygon_to_mask  # noqa: E402
from pytracking.vot_integration.sequences import main  # noqa: E402

W, H = 40, 30


def _toolkit_full_mask(region) -> np.ndarray:
    assert isinstance(region, Mask)
    out = np.zeros((H, W), np.uint8)
    m, (x0, y0) = region.mask, region.offset
    out[y0:y0 + m.shape[0], x0:x0 + m.shape[1]] = m
    return out


def test_polygon_raster_is_the_toolkits(tmp_path):
    rng = np.random.default_rng(0)
    for k in range(60):
        pts = rng.uniform(-8, 48, (int(rng.integers(3, 8)), 2))
        if k % 3 == 0:
            pts = np.round(pts)  # integer vertices: horizontal edges and vertices on pixel rows
        expected = Polygon([tuple(p) for p in pts]).rasterize((0, 0, W - 1, H - 1))
        np.testing.assert_array_equal(polygon_to_mask(pts, W, H), expected)


@pytest.fixture
def vot2016_style(tmp_path):
    """Frames 1.jpg .. 12.jpg (natural order) and VOT polygon ground truth (a rotated square moving right)."""
    frames = tmp_path / "src"
    lines = []
    for i in range(12):
        write_image(frames / f"{i + 1}.jpg", np.full((H, W, 3), 40 + 10 * i, np.uint8))
        cx, cy = 12 + i, 14
        pts = [(cx, cy - 7.3), (cx + 7.1, cy), (cx, cy + 6.8), (cx - 7.4, cy)]
        lines.append(",".join(f"{v:.2f}" for p in pts for v in p))
    gt = tmp_path / "groundtruth.txt"
    gt.write_text("\n".join(lines) + "\n")
    return frames, gt, lines


def test_polygons_to_masks_and_first_frames(tmp_path, vot2016_style):
    frames, gt, lines = vot2016_style
    out = tmp_path / "vot"
    assert main([str(out), str(frames), "--groundtruth", str(gt), "--name", "rot", "--max-frames", "5",
                 "--anchor-spacing", "2"]) == 0
    seq = load_dataset(str(out))["rot"]
    assert len(seq) == 5
    for i in range(5):
        polygon = Polygon([tuple(float(v) for v in pair) for pair in np.reshape(lines[i].split(","), (-1, 2))])
        np.testing.assert_array_equal(_toolkit_full_mask(seq.groundtruth(i)),
                                      polygon.rasterize((0, 0, W - 1, H - 1)))
    assert np.asarray(seq.frame(4).image())[0, 0, 0] == pytest.approx(80, abs=2)   # 5.jpg, natural order


def test_polygons_to_boxes(tmp_path, vot2016_style):
    frames, gt, lines = vot2016_style
    out = tmp_path / "vot"
    assert main([str(out), str(frames), "--groundtruth", str(gt), "--to", "box", "--name", "rotbox"]) == 0
    seq = load_dataset(str(out))["rotbox"]
    assert len(seq) == 12
    r = seq.groundtruth(3)
    pts = np.reshape([float(v) for v in lines[3].split(",")], (-1, 2))
    assert isinstance(r, Rectangle)
    assert (r.x, r.y, r.width, r.height) == pytest.approx((*pts.min(0), *(pts.max(0) - pts.min(0))), abs=1e-6)


def test_converter_errors_are_one_line(tmp_path, vot2016_style, capsys):
    frames, gt, _ = vot2016_style
    assert main([str(tmp_path / "vot"), str(frames), "--boxes", str(gt)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "groundtruth.txt, line 1: expected 4 values x,y,w,h, got 8 values (a polygon" in err[0]
    assert main([str(tmp_path / "vot"), str(tmp_path / "none"), "--groundtruth", str(gt)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: Missing frame folder") and "none" in err[0]
    assert not (tmp_path / "vot").exists()


def test_last_error_line_of_a_tracker_log(tmp_path):
    log = tmp_path / "t_2024.log"
    log.write_text("INFO loading\nTraceback (most recent call last):\n  File \"x.py\", line 1\n"
                   "FileNotFoundError: Checkpoint not found: lwl_stage2.pth\n"
                   "error: FileNotFoundError: Checkpoint not found: lwl_stage2.pth (looked at: /n)\n"
                   "Process not alive anymore, unable to retrieve return code\n")
    assert last_error_line(log) == "FileNotFoundError: Checkpoint not found: lwl_stage2.pth (looked at: /n)"
    log.write_text("Traceback (most recent call last):\nRuntimeError: synthetic tracker failure at frame 3\n"
                   "\x1b[31mProcess not alive anymore\x1b[0m\n")
    assert last_error_line(log) == "RuntimeError: synthetic tracker failure at frame 3"
    log.write_text("all fine\n")
    assert last_error_line(log) is None
