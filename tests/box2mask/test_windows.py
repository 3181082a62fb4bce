"""Window selection (paper Sec. 3.5): T frames spaced by delta around the target, on the frames that have a box."""
import numpy as np
import pytest

from box2mask.windows import window_frames


def test_centred_in_the_middle():
    assert window_frames(50, range(100), 5, 5) == [40, 45, 50, 55, 60]
    assert window_frames(50, range(100), 3, 15) == [35, 50, 65]


def test_even_length_has_one_more_frame_after():
    assert window_frames(50, range(100), 4, 5) == [45, 50, 55, 60]


def test_shifted_at_the_ends_keeping_the_target():
    assert window_frames(0, range(100), 5, 5) == [0, 5, 10, 15, 20]
    assert window_frames(99, range(100), 5, 5) == [79, 84, 89, 94, 99]
    assert window_frames(3, range(100), 5, 5) == [3, 8, 13, 18, 23]  # grid through 3 cannot reach back
    assert window_frames(7, range(100), 5, 5) == [2, 7, 12, 17, 22]


def test_spacing_shrinks_when_the_video_is_short():
    assert window_frames(2, range(6), 5, 5) == [0, 1, 2, 3, 4]
    assert window_frames(5, range(6), 5, 5) == [1, 2, 3, 4, 5]
    assert window_frames(4, range(9), 3, 5) == [0, 4, 8]  # interval 4 still fits
    # 10 frames, T = 5: spacing 2 fits (0..8 or 1..9) but the grid through 3 needs the target second.
    assert window_frames(3, range(10), 5, 5) == [1, 3, 5, 7, 9]


def test_fewer_frames_than_window():
    assert window_frames(1, [0, 1, 2], 5, 5) == [0, 1, 2]
    assert window_frames(7, [7], 5, 5) == [7]


def test_single_frame_window():
    assert window_frames(12, range(30), 1, 5) == [12]


def test_absent_frames_are_skipped():
    valid = [0, 1, 2, 5, 6, 7, 8, 9, 10, 11, 12]   # frames 3 and 4 have no box
    # Target 5 is position 3 in the valid list; spacing 2 in that list -> positions 1, 3, 5.
    assert window_frames(5, valid, 3, 2) == [1, 5, 7]
    assert window_frames(5, [9, 5, 1, 5], 3, 1) == [1, 5, 9]  # unsorted, duplicated input


def test_errors():
    with pytest.raises(ValueError, match="Target frame 3 has no box"):
        window_frames(3, [0, 1, 2, 4], 3, 1)
    with pytest.raises(ValueError, match="num_frames"):
        window_frames(0, range(5), 0, 1)
    with pytest.raises(ValueError, match="interval"):
        window_frames(0, range(5), 3, 0)


@pytest.mark.parametrize("seed", range(20))
def test_invariants_on_random_inputs(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    valid = sorted(rng.choice(200, size=n, replace=False).tolist())
    T, delta = int(rng.integers(1, 10)), int(rng.integers(1, 20))
    for target in valid:
        w = window_frames(target, valid, T, delta)
        assert target in w and w == sorted(w) and set(w) <= set(valid)
        assert len(w) == min(T, n)
        pos = [valid.index(f) for f in w]
        steps = set(np.diff(pos).tolist())
        assert len(steps) <= 1 and (not steps or 1 <= steps.pop() <= delta)
