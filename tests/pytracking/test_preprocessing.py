"""``sample_patch``: crop coordinates, sizes and pixels for odd and even sizes, inside the image and across each
border. Expected values are derived by hand from the rule in the module docstring:
tl = p - (n - 1) / 2, br = p + n / 2 + 1; pixels int(tl) .. int(br) - 1 (each corner truncated toward zero)."""
from __future__ import annotations

import pytest
import torch

from pytracking.features.preprocessing import sample_patch

H, W = 60, 80


def _index_image() -> torch.Tensor:
    """Pixel value = 1000 * row + column (exact in float32), so a patch tells which pixels it holds."""
    rows = torch.arange(H, dtype=torch.float32).view(H, 1)
    cols = torch.arange(W, dtype=torch.float32).view(1, W)
    return (1000 * rows + cols).view(1, 1, H, W)


def _rows_cols(patch: torch.Tensor):
    p = patch[0, 0]
    return (p[:, 0] // 1000).long().tolist(), (p[0, :] % 1000).long().tolist()


def _clamped(lo: int, hi: int, n: int):
    """Indices lo..hi-1 clamped into [0, n) (replicate padding)."""
    return [min(max(i, 0), n - 1) for i in range(lo, hi)]


@pytest.mark.parametrize("pos, size, coords, rows, cols", [
    # even size inside: tl = 30 - 4.5 = 25.5 -> 25, br = 30 + 5 + 1 = 36 -> n + 1 = 11 pixels
    ((30, 40), (10, 10), [25.5, 35.5, 36.0, 46.0], (25, 36), (35, 46)),
    # odd size inside: tl = 30 - 5 = 25, br = 30 + 5.5 + 1 = 36.5 -> 36: n = 11 pixels (not 12)
    ((30, 40), (11, 11), [25.0, 35.0, 36.5, 46.5], (25, 36), (35, 46)),
    # mixed: 7 rows (odd), 8 columns (even)
    ((20, 50), (7, 8), [17.0, 46.5, 24.5, 55.0], (17, 24), (46, 55)),
    # across the top/left border, even: tl = 2 - 4.5 = -2.5 -> -2 (toward zero), br = 8
    ((2, 3), (10, 10), [-2.5, -1.5, 8.0, 9.0], (-2, 8), (-1, 9)),
    # across the top/left border, odd: tl = 2 - 5 = -3, br = 8.5 -> 8
    ((2, 3), (11, 11), [-3.0, -2.0, 8.5, 9.5], (-3, 8), (-2, 9)),
    # across the bottom/right border, odd: br = 57 + 6.5 = 63.5 -> 63 > H, replicated rows 60..62
    ((57, 77), (11, 11), [52.0, 72.0, 63.5, 83.5], (52, 63), (72, 83)),
    # across the bottom/right border, even: tl = 52.5 -> 52, br = 63
    ((57, 77), (10, 10), [52.5, 72.5, 63.0, 83.0], (52, 63), (72, 83)),
    # far edge exactly on the border (odd): br = 53 + 5.5 + 1 = 59.5 -> 59, inside
    ((53, 73), (11, 11), [48.0, 68.0, 59.5, 79.5], (48, 59), (68, 79)),
])
def test_replicate_crop(pos, size, coords, rows, cols):
    im = _index_image()
    patch, c = sample_patch(im, torch.tensor(pos, dtype=torch.float32), torch.tensor(size, dtype=torch.float32))
    assert c.tolist() == [coords]
    assert tuple(patch.shape[-2:]) == (rows[1] - rows[0], cols[1] - cols[0])
    r, cc = _rows_cols(patch)
    assert r == _clamped(*rows, H) and cc == _clamped(*cols, W)


def test_fractional_position_is_truncated():
    im = _index_image()
    a, ca = sample_patch(im, torch.tensor([30.9, 40.7]), torch.tensor([11.0, 11.0]))
    b, cb = sample_patch(im, torch.tensor([30.0, 40.0]), torch.tensor([11.0, 11.0]))
    assert torch.equal(a, b) and torch.equal(ca, cb)


def test_mask_is_zero_padded():
    m = torch.ones(1, 1, H, W)
    patch, _ = sample_patch(m, torch.tensor([2.0, 3.0]), torch.tensor([11.0, 11.0]), is_mask=True)
    assert patch.shape[-2:] == (11, 11)
    assert patch[0, 0, :3].sum() == 0 and patch[0, 0, :, :2].sum() == 0   # rows -3..-1, columns -2..-1
    assert patch[0, 0, 3:, 2:].min() == 1


def test_inside_major_shifts_and_keeps_odd_sizes():
    # 41x41 at the right border, inside_major: shrink = min(41/60, 41/80) < 1 -> clamped to 1, size kept.
    # tl = 70 - 20 = 50, br = 70 + 20.5 + 1 = 91.5 on columns; shifted left by 11.5: [38.5, 80]; pixels 38..79
    im = _index_image()
    patch, c = sample_patch(im, torch.tensor([30.0, 70.0]), torch.tensor([41.0, 41.0]), mode="inside_major")
    assert c.tolist() == [[10.0, 38.5, 51.5, 80.0]]
    assert tuple(patch.shape[-2:]) == (41, 42)
    r, cc = _rows_cols(patch)
    assert r == list(range(10, 51)) and cc == list(range(38, 80))


def test_inside_major_larger_than_image_splits_overflow():
    # 70x100 > 60x80: shrink = min(70/60, 100/80) = 1.1667 -> 60 x 85 (int of 85.71);
    # columns: tl = 40 - 42 = -2, br = 40 + 42.5 + 1 = 83.5 -> shift +2 -> [0, 85.5] -> overflow 5.5 // 2 = 2
    # -> shift -2 -> [-2, 83.5]: pixels -2..82 (85), replicated at both ends.
    # rows (60, even): tl = 30 - 29.5 = 0.5, br = 61 -> shift -1 -> [-0.5, 60] (no overflow left): pixels 0..59
    im = _index_image()
    patch, c = sample_patch(im, torch.tensor([30.0, 40.0]), torch.tensor([70.0, 100.0]), mode="inside_major")
    assert c.tolist() == [[-0.5, -2.0, 60.0, 83.5]]
    assert tuple(patch.shape[-2:]) == (60, 85)
    r, cc = _rows_cols(patch)
    assert r == list(range(60)) and cc == _clamped(-2, 83, W)


def test_resize_to_output_size_and_stride():
    im = _index_image()
    patch, c = sample_patch(im, torch.tensor([30.0, 40.0]), torch.tensor([11.0, 11.0]), torch.tensor([22.0, 22.0]))
    assert patch.shape[-2:] == (22, 22) and c.tolist() == [[25.0, 35.0, 36.5, 46.5]]
    # a crop ~3x larger than the output is subsampled by df = 2 first (plain strided subsampling)
    patch, c = sample_patch(im, torch.tensor([30.0, 40.0]), torch.tensor([31.0, 31.0]), torch.tensor([10.0, 10.0]))
    assert patch.shape[-2:] == (10, 10)
    # df = 2: position 15, 20 on the subsampled grid, size round(15.5) = 16 -> tl = 7.5, br = 24 -> x2
    assert c.tolist() == [[15.0, 25.0, 48.0, 58.0]]
