"""Reading frames and masks, writing indexed (DAVIS-palette) PNGs -- with errors that name the file.

Conventions: images are returned as RGB uint8 arrays ``(H, W, 3)``, upright; label maps as uint8 ``(H, W)``
(0 = background, k = object k). DAVIS-2016 binary masks (0/255) and DAVIS-2017 palette PNGs both read as label maps.

This is the project's one decoder path (box2mask, datasets and training, evaluation, the TraX server, the VOT
sequence converter): frames are decoded completely by Pillow, so a truncated or corrupt file is an
:class:`ImageReadError` naming it, never a silently grey image; the EXIF orientation tag is always applied (as image
viewers, ``cv2.imread`` and vot-toolkit do), and :func:`image_size` reports the size after orientation, so size
checks and decoded frames agree. Masks are checked: grey levels that are neither a binary mask nor a palette label map
are an error unless a threshold is given (:func:`read_mask`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple, Optional, Tuple, Union

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
    """A frame or mask file is missing, truncated, corrupt or not an image (the message names the file)."""


class MaskValueError(ImageReadError, ValueError):
    """A mask PNG holds values that are neither a label map nor a binary mask (e.g. anti-aliased grey levels)."""


# EXIF orientation -> PIL transpose that shows the image upright (what viewers, cv2.imread and the VOT toolkit do).
_EXIF_ORIENTATION = 0x0112
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}


def _orientation(im: Image.Image) -> int:
    try:
        value = int(im.getexif().get(_EXIF_ORIENTATION, 1))
    except (ValueError, TypeError, OSError, SyntaxError):  # unreadable EXIF block: treat as upright
        return 1
    return value if value in _TRANSPOSE else 1


def _open_image(path: PathLike, what: str) -> Image.Image:
    path = str(path)
    if not os.path.isfile(path):
        raise ImageReadError(f"{what.capitalize()} not found: {path}")
    try:
        return Image.open(path)
    except (OSError, ValueError, SyntaxError) as e:
        raise ImageReadError(f"Cannot read {what} {path}: not an image or a corrupt header ({e})") from e


class ImageInfo(NamedTuple):
    """What :func:`probe_image` reads from a file without decoding it: upright size, EXIF orientation, format."""

    width: int
    height: int
    orientation: int
    format: str


# the last bytes of a complete file of these formats contain their end marker
_END_MARKERS = {"JPEG": b"\xff\xd9", "PNG": b"IEND"}
_TAIL_BYTES = 64


def _has_end_marker(path: PathLike, fmt: str) -> bool:
    marker = _END_MARKERS.get(fmt)
    if marker is None:
        return True
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(f.tell() - _TAIL_BYTES, 0))
        return marker in f.read()


def probe_image(path: PathLike, verify: bool = True) -> ImageInfo:
    """Size (as :func:`read_image` returns the image: EXIF orientation applied), orientation and format of an image
    from its header. With ``verify`` a JPEG/PNG must also end with its end marker -- a cheap check that catches
    files cut off in a copy; a file without it is decoded completely, so only a really truncated or corrupt file
    raises :class:`ImageReadError` (naming it)."""
    with _open_image(path, "frame") as im:
        width, height = im.size
        orientation = _orientation(im)
        fmt = str(im.format or "")
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    if verify and not _has_end_marker(path, fmt):
        read_image(path)  # raises for a truncated file; some cameras append data after the end marker
    return ImageInfo(width, height, orientation, fmt)


def image_size(path: PathLike) -> Tuple[int, int]:
    """``(width, height)`` of an image as :func:`read_image` returns it (header only; EXIF orientation applied)."""
    info = probe_image(path, verify=False)
    return info.width, info.height


def read_image(path: PathLike, context: str = "") -> np.ndarray:
    """Read an image file as RGB uint8 ``(H, W, 3)``, upright (EXIF orientation applied).

    The whole file is decoded: a truncated or corrupt file raises :class:`ImageReadError` naming it (instead of a
    partly grey image), as does a missing file or one that is not an image; ``context`` (e.g. ``"sequence 'cat',
    frame 12"``) starts the message. Greyscale and palette images are expanded to RGB, alpha is dropped, 16-bit
    images are scaled to 8 bits (as ``cv2.imread(IMREAD_COLOR)``).
    """
    try:
        return _decode_rgb(path)
    except ImageReadError as e:
        if not context:
            raise
        raise ImageReadError(f"{context}: {e}") from e


def _decode_rgb(path: PathLike) -> np.ndarray:
    with _open_image(path, "frame") as im:
        try:
            im.load()
        except (OSError, ValueError, SyntaxError) as e:
            raise ImageReadError(f"Truncated or corrupt image file {path} ({e})") from e
        return pil_to_rgb(im)


def pil_to_rgb(im: Image.Image) -> np.ndarray:
    """An opened PIL image as :func:`read_image` returns it: RGB uint8 ``(H, W, 3)``, upright (EXIF orientation
    applied), 16-bit greyscale reduced to its high byte (e.g. for images handed over by a toolkit as PIL images)."""
    orientation = _orientation(im)
    if im.mode.startswith("I"):  # 16-bit greyscale: keep the high byte, as cv2.imread(IMREAD_COLOR)
        arr = np.asarray(im)
        if arr.dtype != np.uint8:
            arr = (arr.astype(np.int64) >> 8).clip(0, 255).astype(np.uint8)
        im = Image.fromarray(arr)
    if orientation != 1:
        im = im.transpose(_TRANSPOSE[orientation])
    rgb = np.asarray(im.convert("RGB") if im.mode != "RGB" else im)
    return np.array(rgb, dtype=np.uint8, copy=True)


_PALETTE_INDEX = {tuple(int(v) for v in c): i for i, c in reversed(list(enumerate(_PALETTE)))}


def _values_text(values: np.ndarray, limit: int = 8) -> str:
    shown = ", ".join(str(v) for v in values[:limit].tolist())
    return f"{shown}, ... ({len(values)} values)" if len(values) > limit else shown


def _binary_levels(arr: np.ndarray, path: str, threshold: Optional[float]) -> np.ndarray:
    """A greyscale mask with one foreground level (0/255, 0/1, ...) -> 0/1; more grey levels raise unless
    ``threshold`` is given (then ``grey >= threshold``)."""
    if threshold is not None:
        return (arr >= threshold).astype(np.uint8)
    values = np.unique(arr)
    if len(values[values != 0]) <= 1:
        return (arr > 0).astype(np.uint8)
    raise MaskValueError(f"Mask {path} has {len(values)} grey levels ({_values_text(values)}): not a binary "
                         f"(0/255, 0/1) mask nor a palette label map (anti-aliased or soft mask?); binarise it with a "
                         f"threshold (read_mask(path, threshold=128), box2mask evaluate --mask-threshold 128)")


def read_mask(path: PathLike, threshold: Optional[float] = None) -> np.ndarray:
    """Read a mask PNG as a uint8 label map ``(H, W)`` (0 background, k object k).

    * palette PNGs (DAVIS 2017, YouTube-VOS, our pseudo masks) give their indices;
    * greyscale masks with one foreground level (0/255 as in DAVIS 2016, 0/1) give 0/1; RGB(A) masks whose three channels are equal are read as
      greyscale, and RGB masks whose colours are all DAVIS-palette colours give the palette indices;
    * anything else (e.g. anti-aliased grey levels) raises :class:`MaskValueError` naming the file and the values,
      unless ``threshold`` is given: then the mask is ``grey >= threshold`` (0/1) for greyscale and RGB masks.
    """
    path = str(path)
    with _open_image(path, "mask") as im:
        try:
            im.load()
        except (OSError, ValueError, SyntaxError) as e:
            raise ImageReadError(f"Truncated or corrupt mask file {path} ({e})") from e
        mode = im.mode
        arr = np.array(im)
    if mode == "P":
        return arr.astype(np.uint8)
    if arr.ndim == 3:
        rgb = arr[..., :3]
        if rgb.shape[2] == 1 or (np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 0], rgb[..., 2])):
            arr = rgb[..., 0]
        elif threshold is not None:
            return (rgb.astype(np.float32).mean(axis=2) >= threshold).astype(np.uint8)
        else:
            return _palette_indices(rgb, path)
    if arr.ndim != 2:
        raise ImageReadError(f"Unsupported mask mode {mode!r}: {path}")
    if arr.dtype == bool:
        return arr.astype(np.uint8)
    return _binary_levels(arr, path, threshold)


def _palette_indices(rgb: np.ndarray, path: str) -> np.ndarray:
    """Palette indices of an RGB mask drawn with DAVIS-palette colours; other colours raise."""
    colours, inverse = np.unique(rgb.reshape(-1, 3), axis=0, return_inverse=True)
    index = [_PALETTE_INDEX.get(tuple(int(v) for v in c)) for c in colours]
    unknown = [tuple(int(v) for v in c) for c, i in zip(colours, index) if i is None]
    if unknown:
        raise MaskValueError(f"Mask {path} is an RGB image with colours {unknown[:6]}"
                             f"{' ...' if len(unknown) > 6 else ''} that are not DAVIS-palette colours; save masks as "
                             f"palette or 0/255 greyscale PNGs, or binarise it with a threshold")
    return np.asarray(index, dtype=np.uint8)[inverse.reshape(-1)].reshape(rgb.shape[:2])


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
