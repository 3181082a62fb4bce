"""The project's image decoder gives the reference's pixels: the reference trackers read frames with
``cv2.imread`` + BGR->RGB, so any decoding difference would change every tracker result (docs/reference-notes.md)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from ltr.data.image_io import read_image
from tests.conftest import shared_path


def _cv2_rgb(path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def test_real_frames_decode_like_cv2():
    frames = sorted(shared_path("data", "davis2016-dev", "JPEGImages", "480p").glob("*/*.jpg"))[::25]
    frames += sorted(shared_path("data", "otb-crossing", "img").glob("*.jpg"))[::40]
    assert len(frames) > 5
    for f in frames:
        np.testing.assert_array_equal(read_image(f), _cv2_rgb(f), err_msg=str(f))


@pytest.mark.parametrize("kind", ["cv2_420", "cv2_444", "cv2_progressive", "pil_default", "pil_progressive",
                                  "pil_grey", "png", "bmp"])
def test_encodings_decode_like_cv2(tmp_path, kind):
    rng = np.random.default_rng(0)
    img = (cv2.GaussianBlur(rng.random((61, 83, 3)).astype(np.float32), (0, 0), 2) * 255).clip(0, 255)
    img = img.astype(np.uint8)
    path = tmp_path / ("x.png" if kind == "png" else "x.bmp" if kind == "bmp" else "x.jpg")
    if kind.startswith("cv2") or kind in ("png", "bmp"):
        flags = {"cv2_444": [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444],
                 "cv2_progressive": [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]}.get(kind, [])
        cv2.imwrite(str(path), img, flags)
    elif kind == "pil_grey":
        Image.fromarray(img[..., 0]).save(path, quality=85)
    else:
        Image.fromarray(img).save(path, quality=85, progressive=kind == "pil_progressive")
    np.testing.assert_array_equal(read_image(path), _cv2_rgb(path))
