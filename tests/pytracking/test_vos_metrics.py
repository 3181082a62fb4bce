"""J and F against values worked out by hand on small squares (see the comments for the counting)."""
import numpy as np
import pytest

from pytracking.analysis.vos_metrics import (boundary_f_measure, boundary_map, boundary_tolerance, region_similarity,
                                             sequence_scores)


def square(top, left, side, shape=(40, 40)):
    m = np.zeros(shape, np.uint8)
    m[top:top + side, left:left + side] = 1
    return m


def test_region_similarity_shifted_squares():
    # 10x10 squares shifted by 3 columns: intersection 7*10, union 100 + 100 - 70.
    assert region_similarity(square(10, 10, 10), square(10, 13, 10)) == pytest.approx(70 / 130)
    assert region_similarity(square(10, 10, 10), square(10, 10, 10)) == 1.0
    assert region_similarity(square(0, 0, 5), square(20, 20, 5)) == 0.0


def test_region_similarity_empty_masks():
    empty = np.zeros((8, 8), np.uint8)
    assert region_similarity(empty, empty) == 1.0
    assert region_similarity(empty, square(1, 1, 2, (8, 8))) == 0.0
    assert region_similarity(square(1, 1, 2, (8, 8)), empty) == 0.0


def test_boundary_map_is_outer_ring_offset_towards_origin():
    # A square of side n at rows/cols [a, a+n) has its boundary on the perimeter of the (n+1)-square that starts
    # one pixel up-left: 4n pixels.
    b = boundary_map(square(10, 10, 10))
    assert b.sum() == 40
    ring = np.zeros((40, 40), bool)
    ring[9:20, 9:20] = True
    ring[10:19, 10:19] = False
    assert np.array_equal(b, ring)


def test_boundary_map_ignores_image_border():
    assert boundary_map(np.ones((6, 7), np.uint8)).sum() == 0
    # A mask covering the left half has a boundary only along its right side (column 2, all rows but the last
    # row's diagonal rule: the last row compares only to its right neighbour, which also differs).
    m = np.zeros((5, 6), np.uint8)
    m[:, :3] = 1
    b = boundary_map(m)
    assert b[:, 2].all() and b.sum() == 5


def test_tolerance_is_rounded_up_fraction_of_diagonal():
    assert boundary_tolerance((480, 854)) == 8  # 0.008 * 979.6 = 7.84 -> 8
    assert boundary_tolerance((40, 40)) == 1  # 0.008 * 56.6 = 0.45 -> 1
    assert boundary_tolerance((40, 40), bound_th=3) == 3  # >= 1 means pixels


def test_f_measure_within_tolerance_is_perfect():
    # Shift by one column: every boundary pixel has a partner at distance 1 = the tolerance on a 40x40 image.
    assert boundary_f_measure(square(10, 10, 10), square(10, 11, 10)) == pytest.approx(1.0)


def test_f_measure_shift_by_three():
    # Boundary rings of 40 pixels (11 top, 11 bottom, 9 left, 9 right). With the prediction 3 columns to the right
    # and tolerance 1: top row 8 overlapping + 1 adjacent = 9 matched, bottom row 9, left column only its two
    # pixels next to the GT's top/bottom rows = 2, right column 0 -> P = 20/40; the mirrored count gives R = 20/40.
    assert boundary_f_measure(square(10, 10, 10), square(10, 13, 10)) == pytest.approx(0.5)
    # Tolerance 2 pixels: rows 10 + 10, left column 4 (two rows at each end) -> P = R = 24/40.
    assert boundary_f_measure(square(10, 10, 10), square(10, 13, 10), bound_th=2) == pytest.approx(0.6)


def test_f_measure_empty_boundaries():
    empty = np.zeros((40, 40), np.uint8)
    full = np.ones((40, 40), np.uint8)
    sq = square(10, 10, 10)
    assert boundary_f_measure(empty, empty) == 1.0
    assert boundary_f_measure(full, full) == 1.0  # no boundary in either
    assert boundary_f_measure(sq, empty) == 0.0  # P = 1, R = 0
    assert boundary_f_measure(empty, sq) == 0.0  # P = 0, R = 1
    assert boundary_f_measure(full, sq) == 0.0


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="different sizes"):
        region_similarity(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="different sizes"):
        boundary_f_measure(np.zeros((4, 4)), np.zeros((5, 4)))


def test_sequence_scores_two_objects():
    gt0 = square(2, 2, 10) + 2 * square(25, 10, 10)
    pred0 = square(2, 2, 10) + 2 * square(25, 13, 10)     # object 2 shifted by 3: J 70/130, F 0.5
    gt1 = 2 * square(25, 20, 10)                           # object 1 absent in frame 1 (in both)
    pred1 = 2 * square(25, 20, 10)
    table = sequence_scores([gt0, gt1], [pred0, pred1], [1, 2])
    assert list(table.columns) == ["object", "J_mean", "F_mean", "JF_mean", "J_recall", "F_recall", "n_frames"]
    o1 = table[table.object == 1].iloc[0]
    assert o1.J_mean == pytest.approx(1.0) and o1.F_mean == pytest.approx(1.0) and o1.n_frames == 2
    o2 = table[table.object == 2].iloc[0]
    assert o2.J_mean == pytest.approx((70 / 130 + 1) / 2)
    assert o2.F_mean == pytest.approx(0.75)
    assert o2.JF_mean == pytest.approx(((70 / 130 + 1) / 2 + 0.75) / 2)
    assert o2.J_recall == pytest.approx(1.0)  # 0.538 > 0.5 and 1.0
    assert o2.F_recall == pytest.approx(0.5)  # 0.5 is not > 0.5


def test_sequence_scores_frame_subset_and_errors():
    gt = [square(2, 2, 10), square(2, 2, 10)]
    pred = [square(2, 2, 10), np.zeros((40, 40), np.uint8)]
    assert sequence_scores(gt, pred, [1], frames=[0]).iloc[0].J_mean == pytest.approx(1.0)
    assert sequence_scores(gt, pred, [1], frames=[1]).iloc[0].J_mean == pytest.approx(0.0)
    with pytest.raises(ValueError, match="2 ground-truth frames but 1"):
        sequence_scores(gt, pred[:1], [1])
    with pytest.raises(IndexError, match="Frame index 5"):
        sequence_scores(gt, pred, [1], frames=[5])
