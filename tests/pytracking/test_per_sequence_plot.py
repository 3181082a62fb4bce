"""Per-sequence bar plot of ``pytracking analyze``: one bar per tracker and sequence, hardest sequences on top."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ltr.data.image_io import read_image
from pytracking.analysis.plots import per_sequence_table, plot_per_sequence


def _table(n_seq: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [{"tracker": t, "sequence": f"s{i}", "ao": float(rng.random())} for t in ("a", "b") for i in range(n_seq)]
    return pd.DataFrame(rows)


def test_rows_sorted_by_mean_over_trackers():
    table = _table(6)
    pivot = per_sequence_table(table, "ao")
    means = table.groupby("sequence")["ao"].mean()
    assert list(pivot.index) == list(means.sort_values(ascending=False).index)
    assert list(pivot.columns) == ["a", "b"]
    with pytest.raises(ValueError, match="no column"):
        per_sequence_table(table, "J_mean")


def test_plot_grows_with_the_number_of_sequences(tmp_path):
    small = read_image(plot_per_sequence(_table(5), "ao", tmp_path / "small.png"))
    large = read_image(plot_per_sequence(_table(40), "ao", tmp_path / "large.png"))
    assert large.shape[0] > small.shape[0] and large.shape[1] == small.shape[1]
