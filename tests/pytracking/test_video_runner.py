"""``pytracking video`` and the Python API (``pytracking.api.track``) with the real LWL parameter sets on small
random-weight checkpoints, on a short video the test writes with OpenCV."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

import evalkit_fixtures as fx
from lwl_fixtures import save_small_checkpoints
from ltr.data.image_io import read_image, read_mask
from pytracking.evaluation.running import read_result_boxes
from pytracking.utils.visualization import label_area, object_colour

N, H, W = 10, 96, 128
BOX = [40.0, 30.0, 30.0, 25.0]
SMALL = ["--param", "image_sample_size=(64,112)"]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    return save_small_checkpoints(tmp_path_factory.mktemp("nets"))


@pytest.fixture()
def nets_env(checkpoints, monkeypatch):
    monkeypatch.setenv("B2M_LWL_NETWORK", str(checkpoints["boxinit"]))
    monkeypatch.setenv("B2M_DEVICE", "cpu")
    return checkpoints


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """A 10-frame 128x96 video with a moving red rectangle (mp4v) and its decoded frames."""
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    rng = np.random.default_rng(0)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 12.0, (W, H))
    for t in range(N):
        frame = (rng.random((H, W, 3)) * 40 + 90).astype(np.uint8)
        frame[30 + t:55 + t, 40 + 2 * t:70 + 2 * t] = (40, 40, 200)  # BGR: red
        writer.write(frame)
    writer.release()
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(f, cv2.COLOR_BGR2RGB))
    return path, frames


def pytracking(*args) -> int:
    from pytracking.cli import main

    return main([str(a) for a in args])


def _outline(box, shape) -> np.ndarray:
    canvas = np.zeros(shape[:2], np.uint8)
    x, y, w, h = box
    cv2.rectangle(canvas, (int(round(x)), int(round(y))), (int(round(x + w)) - 1, int(round(y + h)) - 1), 1, 1)
    return canvas.astype(bool)


def test_video_runner_writes_masks_boxes_and_an_exact_overlay(tmp_path, nets_env, video):
    path, frames = video
    out = tmp_path / "out"
    assert pytracking("video", "lwl", "lwl_boxinit", "--input", path, "--box", ",".join(map(str, BOX)), "--out", out,
                      "--overlay-format", "mkv", "--no-progress", *SMALL) == 0
    boxes = read_result_boxes(out / "boxes_1.txt")
    assert boxes.shape == (N, 4)                                     # one line per frame
    masks = sorted((out / "masks").glob("*.png"))
    assert len(masks) == N
    cap = cv2.VideoCapture(str(out / "overlay.mkv"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == N
    assert (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))) == (W, H)
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(12.0)
    tinted_somewhere = False
    for i in range(N):
        ok, bgr = cap.read()
        assert ok
        overlay = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32)
        mask = read_mask(masks[i]) > 0
        skip = _outline(boxes[i], (H, W)) if np.isfinite(boxes[i]).all() else np.zeros((H, W), bool)
        lh, lw = label_area((H, W), f"#{i}")
        skip[:lh, :lw] = True
        src = frames[i].astype(np.float32)
        expected = np.rint(0.5 * src + 0.5 * object_colour(1))
        np.testing.assert_array_equal(overlay[mask & ~skip], expected[mask & ~skip])   # tinted where the mask is
        np.testing.assert_array_equal(overlay[~mask & ~skip], src[~mask & ~skip])      # and nowhere else
        tinted_somewhere |= bool((mask & ~skip).any())
    assert tinted_somewhere
    sheet = read_image(out / "contact_sheet.png")
    assert sheet.shape[1] == 4 * W and sheet.shape[0] % H == 0


def test_video_runner_mp4_and_frame_folder(tmp_path, nets_env, video):
    path, frames = video
    folder = tmp_path / "frames"
    for i, f in enumerate(frames):
        fx.write_jpg(folder / f"{i}.jpg", f)                              # TrackingNet-style names: 0 .. 9
    out = tmp_path / "out"
    assert pytracking("video", "lwl", "lwl_boxinit", "--input", folder, "--box", "40 30 30 25", "--out", out,
                      "--no-progress", "--max-frames", 7, *SMALL) == 0
    cap = cv2.VideoCapture(str(out / "overlay.mp4"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 7
    assert (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))) == (W, H)
    assert sorted(p.stem for p in (out / "masks").glob("*.png")) == sorted(str(i) for i in range(7))
    assert read_result_boxes(out / "boxes_1.txt").shape == (7, 4)


def test_api_yields_what_pytracking_run_writes(tmp_path, nets_env, video, monkeypatch):
    from pytracking.api import track
    from pytracking.evaluation.datasets import get_dataset
    from pytracking.evaluation.running import RunOptions, run_dataset
    from pytracking.evaluation.tracker import Tracker

    _, frames = video
    gt = np.array([BOX] * N)
    root = tmp_path / "got"
    fx.make_got10k(root, "val", {"GOT-10k_Val_000001": gt})
    seq_dir = root / "val" / "GOT-10k_Val_000001"
    for i, f in enumerate(frames):                                       # the video's frames as the sequence
        fx.write_jpg(seq_dir / f"{i + 1:08d}.jpg", f)
    overrides = {"image_sample_size": (64, 112)}
    run_dataset(get_dataset("got10k_val", root=root), Tracker("lwl", "lwl_boxinit"), progress=False,
                opts=RunOptions(results_root=tmp_path / "res", segmentation_root=tmp_path / "seg",
                                save_segmentation=True, overrides=overrides))
    written = read_result_boxes(tmp_path / "res" / "lwl" / "lwl_boxinit" / "got10k_val" / "GOT-10k_Val_000001.txt")
    results = list(track("lwl", "lwl_boxinit", sorted(seq_dir.glob("*.jpg")), init_boxes=BOX, device="cpu",
                         overrides=overrides))
    assert len(results) == N
    np.testing.assert_allclose(np.array([r.boxes["1"] for r in results]), written, atol=1e-3)
    seg = sorted((tmp_path / "seg" / "lwl" / "lwl_boxinit" / "got10k_val" / "GOT-10k_Val_000001").glob("*.png"))
    for r, png in zip(results, seg):
        np.testing.assert_array_equal(r.labels, read_mask(png))


def test_api_several_boxes_run_the_multi_object_wrapper(nets_env, video):
    from pytracking.api import track

    _, frames = video
    results = list(track("lwl", "lwl_boxinit", frames[:4], init_boxes={"1": BOX, "3": [5, 5, 20, 15]},
                         device="cpu", overrides={"image_sample_size": (64, 112)}))
    assert [sorted(r.boxes) for r in results] == [["1", "3"]] * 4
    assert set(np.unique(results[-1].labels)) <= {0, 1, 3}


@pytest.mark.parametrize("case, message", [
    ("unreadable", "Cannot open video"),
    ("outside", "lies outside the first frame"),
    ("needs_mask", "no box encoder"),
    ("nothing", "--box"),
])
def test_video_runner_errors_are_one_line(tmp_path, nets_env, video, capsys, monkeypatch, case, message):
    path, _ = video
    args = ["video", "lwl", "lwl_boxinit", "--input", path, "--box", "40,30,30,25", "--out", tmp_path / "o",
            "--no-progress", *SMALL]
    if case == "unreadable":
        bad = tmp_path / "broken.mp4"
        bad.write_text("not a video")
        args[4] = bad
    elif case == "outside":
        args[6] = "500,30,30,25"
    elif case == "needs_mask":
        monkeypatch.setenv("B2M_LWL_NETWORK", str(nets_env["lwl"]))   # a mask-initialised network ...
        args[2] = "lwl_ytvos"                                          # ... and parameters, given only a box
    else:
        del args[5:7]
    assert pytracking(*args) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err


def test_pytracking_run_saves_overlays(tmp_path, nets_env, video):
    _, frames = video
    root = tmp_path / "got"
    fx.make_got10k(root, "val", {"GOT-10k_Val_000001": np.array([BOX] * N)})
    for i, f in enumerate(frames):
        fx.write_jpg(root / "val" / "GOT-10k_Val_000001" / f"{i + 1:08d}.jpg", f)
    res = tmp_path / "res"
    assert pytracking("run", "lwl", "lwl_boxinit", "--dataset", "got10k_val", "--dataset-root", root, "--results", res,
                      "--save-overlay", "--overlay-every", 2, "--no-progress", "--device", "cpu", *SMALL) == 0
    cap = cv2.VideoCapture(str(res / "lwl" / "lwl_boxinit" / "got10k_val" / "overlays" / "GOT-10k_Val_000001.mp4"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == N // 2
    assert (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))) == (W, H)
    assert not (tmp_path / "seg").exists()        # overlays need the masks, but they are not saved unless asked


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="checks the CPU-only error messages")
@pytest.mark.parametrize("flags, message", [(["--device", "cuda"], "CUDA is not available"),
                                            (["--gpus", "0,1"], "not present"),
                                            (["--gpus", "a"], "GPU indices")])
def test_run_device_errors_without_cuda(tmp_path, nets_env, capsys, flags, message):
    root = tmp_path / "got"
    fx.make_got10k(root, "val", {"GOT-10k_Val_000001": np.array([BOX] * 3)})
    assert pytracking("run", "lwl", "lwl_boxinit", "--dataset", "got10k_val", "--dataset-root", root,
                      "--results", tmp_path / "res", "--no-progress", *flags) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err


def test_workers_take_the_gpus_in_turn(monkeypatch):
    import multiprocessing as mp

    from pytracking.evaluation.running import bind_worker_gpu

    counter = mp.get_context("spawn").Value("i", 0)
    seen = []
    for _ in range(5):
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
        seen.append((bind_worker_gpu([2, 5], counter), __import__("os").environ["CUDA_VISIBLE_DEVICES"]))
    assert seen == [(2, "2"), (5, "5"), (2, "2"), (5, "5"), (2, "2")]
