"""The one frame-listing rule: natural order and refused ambiguous folders, identical in every reader."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from box2mask.annotate import dataset_jobs
from box2mask.video import VideoFrames
from ltr.data.image_io import write_image
from ltr.dataset.layouts import AnnotationError, MissingFileError, TrackingNetLayout, list_frames, natural_key
from pytracking.vot_integration.sequences import convert_folder


def _touch(folder: Path, names) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        (folder / n).write_bytes(b"x")


def _names(paths):
    return [p.name for p in paths]


def test_natural_order_numbers_as_numbers(tmp_path):
    _touch(tmp_path / "tn", [f"{i}.jpg" for i in (11, 2, 0, 10, 1, 9)])
    assert _names(list_frames(tmp_path / "tn")) == ["0.jpg", "1.jpg", "2.jpg", "9.jpg", "10.jpg", "11.jpg"]
    _touch(tmp_path / "mixed", ["frame_10.png", "frame_2.png", "Frame_1.png", "frame_02b.png"])
    assert _names(list_frames(tmp_path / "mixed")) == ["Frame_1.png", "frame_2.png", "frame_02b.png", "frame_10.png"]
    assert natural_key("img_0010") == ("img_", 10, "")


def test_hidden_and_other_files_are_not_frames(tmp_path):
    _touch(tmp_path, ["00001.jpg", "00002.jpg", "._00001.jpg", ".DS_Store", "groundtruth.txt", "Thumbs.db"])
    assert _names(list_frames(tmp_path)) == ["00001.jpg", "00002.jpg"]


@pytest.mark.parametrize("names,match", [
    (["00004.jpg", "00005.jpg", "00005.png", "00006.jpg"], r"several files for one frame \(00005.jpg and 00005.png\)"),
    (["1.jpg", "01.jpg", "2.jpg"], r"several files for one frame \(01.jpg and 1.jpg\)"),
    (["00001.jpg", "00002.jpg", "00003.png"], r"mixes image types \(2 .jpg, 1 .png; not .jpg: 00003.png\)"),
])
def test_ambiguous_folders_are_errors_naming_the_files(tmp_path, names, match):
    _touch(tmp_path / "seq", names)
    with pytest.raises(AnnotationError, match=match):
        list_frames(tmp_path / "seq")
    with pytest.raises(AnnotationError, match=match):   # box2mask predict / evaluate read frames the same way
        VideoFrames.from_folder(tmp_path / "seq")


def test_missing_or_empty_folder(tmp_path):
    with pytest.raises(MissingFileError, match="nothere"):
        list_frames(tmp_path / "nothere")
    _touch(tmp_path / "empty", ["notes.txt"])
    with pytest.raises(MissingFileError, match="No frames"):
        list_frames(tmp_path / "empty")


def test_every_reader_gives_the_same_order(tmp_path):
    """TrackingNet-style names through box2mask predict's reader, annotate's folder layout, the TrackingNet layout
    and the VOT converter: one order, numeric."""
    n = 12
    names = [f"{i}.jpg" for i in range(n)]
    rng = np.random.default_rng(0)
    tn = tmp_path / "TRAIN_0"
    frames = tmp_path / "folder" / "seqA"
    for folder in (tn / "frames" / "seqA", frames):
        for name in names:
            write_image(folder / name, (rng.random((8, 10, 3)) * 255).astype(np.uint8))
    boxes = "".join(f"{i},1,3,3\n" for i in range(n))
    (tn / "anno").mkdir(parents=True)
    (tn / "anno" / "seqA.txt").write_text(boxes)
    (frames / "groundtruth.txt").write_text(boxes)

    expected = names
    assert _names(VideoFrames.from_folder(frames).paths) == expected
    _, job = dataset_jobs("folder", tmp_path / "folder")
    assert _names(job("seqA").frames) == expected
    assert _names(TrackingNetLayout(tmp_path, "TRAIN_0").sequence("seqA").frames) == expected
    out = convert_folder(tmp_path / "vot", frames, boxes_file=frames / "groundtruth.txt", name="seqA")
    copied = sorted((out / "color").iterdir())
    assert [p.read_bytes() for p in copied] == [(frames / n).read_bytes() for n in expected]
    assert (out / "groundtruth.txt").read_text().splitlines()[10] == "10,1,3,3"
