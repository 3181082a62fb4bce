"""The one image decoder: truncated/corrupt files are errors naming file (and frame), EXIF orientation is applied
everywhere (decoder and size probe agree, and agree with cv2.imread), masks are read strictly."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from ltr.data.image_io import (ImageReadError, MaskValueError, davis_palette, image_size, probe_image, read_image,
                               read_mask)

EXIF_ORIENTATION = 0x0112


def _picture(h: int = 20, w: int = 30) -> np.ndarray:
    """An image whose every pixel differs from its mirror images (so each orientation is distinguishable)."""
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack([xx * 8, yy * 12, (xx * 3 + yy * 5) % 256], -1).astype(np.uint8)


def _save(path: Path, rgb: np.ndarray, orientation: int = 1, **kwargs) -> Path:
    exif = Image.Exif()
    if orientation != 1:
        exif[EXIF_ORIENTATION] = orientation
    Image.fromarray(rgb).save(path, exif=exif, **kwargs)
    return path


def truncated_jpeg(path: Path, keep: float = 0.8) -> Path:
    """A real JPEG whose end is cut off (header intact: only a full decode can tell)."""
    rgb = (np.random.default_rng(1).random((96, 128, 3)) * 255).astype(np.uint8)
    _save(path, rgb, quality=90)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    return path


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_like_cv2_and_size_probe_agrees(tmp_path, orientation, suffix):
    path = _save(tmp_path / f"o{orientation}{suffix}", _picture(), orientation, quality=95)
    ours = read_image(path)
    reference = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)   # an independent EXIF implementation
    np.testing.assert_array_equal(ours, reference)
    assert image_size(path) == (ours.shape[1], ours.shape[0])
    assert image_size(path) == ((20, 30) if orientation >= 5 else (30, 20))


def test_truncated_jpeg_is_an_error_naming_the_file(tmp_path):
    path = truncated_jpeg(tmp_path / "00001.jpg")
    with Image.open(path) as im:
        assert im.size == (128, 96)           # the header reads fine
    with pytest.raises(ImageReadError, match=r"Truncated or corrupt image file .*00001.jpg"):
        read_image(path)
    with pytest.raises(ImageReadError, match=r"sequence 'cat', frame 7: Truncated .*00001.jpg"):
        read_image(path, context="sequence 'cat', frame 7")
    with pytest.raises(ImageReadError, match="00001.jpg"):
        probe_image(path)                     # the cheap check (end marker) catches it without a full decode
    assert image_size(path) == (128, 96)      # header-only size stays available


def test_truncated_png_and_non_images(tmp_path):
    png = tmp_path / "f.png"
    Image.fromarray(_picture()).save(png)
    png.write_bytes(png.read_bytes()[:-30])
    with pytest.raises(ImageReadError, match="f.png"):
        read_image(png)
    (tmp_path / "x.jpg").write_bytes(b"not an image")
    with pytest.raises(ImageReadError, match=r"Cannot read frame .*x.jpg: not an image"):
        read_image(tmp_path / "x.jpg")
    with pytest.raises(ImageReadError, match="not found"):
        read_image(tmp_path / "none.jpg")


def test_data_after_the_end_marker_is_fine(tmp_path):
    path = _save(tmp_path / "cam.jpg", _picture(), quality=95)
    expected = read_image(path)
    path.write_bytes(path.read_bytes() + b"\0" * 300)   # some cameras append data after the JPEG end
    assert probe_image(path).width == 30
    np.testing.assert_array_equal(read_image(path), expected)


# --------------------------------------------------------------------------------------------------------- masks
def _png(path: Path, arr: np.ndarray, mode: str = None, palette: bool = False) -> Path:
    im = Image.fromarray(arr, mode=mode) if mode else Image.fromarray(arr)
    if palette:
        im = im.convert("L").convert("P")
        im.putpalette(davis_palette().reshape(-1).tolist())
    im.save(path)
    return path


def test_binary_and_palette_masks_read_as_before(tmp_path):
    m = np.zeros((10, 12), np.uint8)
    m[2:5, 3:9] = 1
    np.testing.assert_array_equal(read_mask(_png(tmp_path / "a.png", m * 255)), m)        # DAVIS-2016 0/255
    np.testing.assert_array_equal(read_mask(_png(tmp_path / "b.png", m)), m)              # 0/1
    labels = m * 2
    labels[7:9, :4] = 1
    np.testing.assert_array_equal(read_mask(_png(tmp_path / "c.png", labels, palette=True)), labels)  # palette
    rgb = davis_palette()[labels]                                                       # palette colours as RGB
    np.testing.assert_array_equal(read_mask(_png(tmp_path / "d.png", rgb)), labels)
    np.testing.assert_array_equal(read_mask(_png(tmp_path / "e.png", np.repeat(m[..., None] * 255, 3, 2))), m)


def test_anti_aliased_mask_is_an_error_naming_values_unless_thresholded(tmp_path):
    grey = np.zeros((40, 50), np.uint8)
    cv2.circle(grey, (25, 20), 12, 255, -1, lineType=cv2.LINE_AA)
    levels = np.unique(grey)
    assert len(levels) > 3
    path = _png(tmp_path / "aa.png", grey)
    with pytest.raises(MaskValueError, match=rf"aa.png has {len(levels)} grey levels \(0, {levels[1]}, .*threshold"):
        read_mask(path)
    np.testing.assert_array_equal(read_mask(path, threshold=128), (grey >= 128).astype(np.uint8))
    rgb = np.stack([grey, grey // 2, grey], -1)                           # coloured and soft: neither rule applies
    with pytest.raises(MaskValueError, match="not DAVIS-palette colours"):
        read_mask(_png(tmp_path / "rgb.png", rgb))


def test_training_dataset_names_sequence_and_frame(tmp_path):
    from ltr.dataset import Got10k
    from tests.ltr.dataset_fixtures import make_got10k, moving

    root = make_got10k(tmp_path / "got10k", {"GOT-10k_Train_000002": moving(4)})
    truncated_jpeg(root / "train" / "GOT-10k_Train_000002" / "00000003.jpg")
    ds = Got10k(root)
    ds.get_frames(0, [0, 1])
    with pytest.raises(ImageReadError, match=r"'GOT-10k_Train_000002', frame 2: Truncated .*00000003.jpg"):
        ds.get_frames(0, [1, 2])


def test_16_bit_greyscale_like_cv2(tmp_path):
    grey = (np.arange(20 * 30).reshape(20, 30) * 97 % 65536).astype(np.uint16)
    assert cv2.imwrite(str(tmp_path / "g16.png"), grey)
    reference = cv2.cvtColor(cv2.imread(str(tmp_path / "g16.png")), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(read_image(tmp_path / "g16.png"), reference)


def test_pil_images_from_a_toolkit_are_made_upright(tmp_path):
    from pytracking.evaluation.got10k_adapter import pil_to_rgb

    path = _save(tmp_path / "o6.jpg", _picture(), 6, quality=95)
    with Image.open(path) as im:                       # what got10k's toolkit hands to a tracker
        np.testing.assert_array_equal(pil_to_rgb(im.convert("RGB")), read_image(path))
