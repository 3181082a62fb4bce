"""Reading frames and masks, writing indexed (DAVIS-palette) PNGs -- with errors that name the file.

Conventions: images are returned as RGB uint8 arrays ``(H, W, 3)``; label maps as uint8 ``(H, W)`` (0 = background,
k = object k). DAVIS-2016 binary masks (0/255) and DAVIS-2017 palette PNGs both read as label maps.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Union

import cv2
import numpy as np
from PIL import Image

from ltr.admin.fileio import atomic_path, atomic_write_bytes

PathLike = Union[str, os.PathLike]


def davis_palette() -> np.ndarray:
    """The DAVIS / PASCAL VOC colour palette, ``(256, 3)`` uint8 (index 1 = dark red, 2 = green, ...)."""
    pal = np.zeros((256, 3), dtype=np.uint8)
    for i in range(256):
        c, r, g, b = i, 0, 0, 0
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        pal[i] = (r, g, b)
    return pal


_PALETTE = davis_palette()


class ImageReadError(IOError):
    """A frame or mask file is missing or cannot be decoded."""


def read_image(path: PathLike) -> np.ndarray:
    """Read an image file as RGB uint8 ``(H, W, 3)``; raises :class:`ImageReadError` naming the file."""
    path = str(path)
    if not os.path.isfile(path):
        raise ImageReadError(f"Frame not found: {path}")
    im = cv2.imread(path, cv2.IMREAD_COLOR)
    if im is None:
        raise ImageReadError(f"Cannot decode image (corrupt or not an image): {path}")
    return cv2.cvtColor(im, cv2.COLOR_BGR2RGB)


def read_mask(path: PathLike) -> np.ndarray:
    """Read a mask PNG as a uint8 label map ``(H, W)``.

    Palette PNGs give their indices; grayscale 0/255 (DAVIS-2016) gives 0/1; RGB masks use the first channel
    (> 0 -> 1), as the tracking pseudo-mask readers of the reference do.
    """
    path = str(path)
    if not os.path.isfile(path):
        raise ImageReadError(f"Mask not found: {path}")
    try:
        with Image.open(path) as im:
            mode = im.mode
            arr = np.array(im)
    except (OSError, ValueError) as e:
        raise ImageReadError(f"Cannot decode mask {path}: {e}") from e
    if mode == "P":
        return arr.astype(np.uint8)
    if arr.ndim == 3:
        arr = arr[..., 0]
    if mode in ("L", "1", "I", "I;16") or arr.ndim == 2:
        vals = np.unique(arr)
        if vals.size <= 2 and vals.max(initial=0) > 1:  # binary 0/255 (DAVIS-2016 style)
            return (arr > 0).astype(np.uint8)
        return arr.astype(np.uint8)
    raise ImageReadError(f"Unsupported mask mode {mode!r}: {path}")


def write_indexed_png(path: PathLike, labels: np.ndarray) -> None:
    """Write a label map as an indexed PNG with the DAVIS palette, atomically (temp file + rename)."""
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"Label map for {path} must be 2-D, got shape {labels.shape}")
    if labels.dtype != np.uint8:
        if labels.min(initial=0) < 0 or labels.max(initial=0) > 255:
            raise ValueError(f"Label values for {path} must lie in 0..255")
        labels = labels.astype(np.uint8)
    labels = np.ascontiguousarray(labels)
    im = Image.frombytes("P", (labels.shape[1], labels.shape[0]), labels.tobytes())
    im.putpalette(_PALETTE.reshape(-1).tolist())
    with atomic_path(path, suffix=".png") as tmp:
        im.save(tmp, format="PNG")


def write_image(path: PathLike, rgb: np.ndarray, quality: int = 95) -> None:
    """Write an RGB uint8 image (format from the extension: .jpg/.png), atomically."""
    path = Path(path)
    bgr = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if path.suffix.lower() in (".jpg", ".jpeg") else []
    ok, buf = cv2.imencode(path.suffix.lower() or ".png", bgr, params)
    if not ok:
        raise IOError(f"cv2 could not encode {path}")
    atomic_write_bytes(path, buf.tobytes())
