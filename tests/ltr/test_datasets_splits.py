"""The split files of ltr/data_specs: facts of the copied pytracking lists, properties of our own splits, and their
reproducibility by make_splits.py."""
from __future__ import annotations

import collections
import subprocess
import sys
from pathlib import Path

import pytest

from ltr.dataset import MissingSequencesError, youtubevos_split_videos
from ltr.dataset.layouts import AnnotationError, MissingFileError
from ltr.dataset.splits import data_spec_path, read_split_file, select_present

SPECS = Path(__file__).resolve().parents[2] / "ltr" / "data_specs"
SCRIPT = SPECS / "make_splits.py"


def lines(name):
    """A split file's entries, read here without the library."""
    return (SPECS / name).read_text().split()


def test_spec_files_are_package_data():
    assert data_spec_path("lasot_train_split.txt").resolve() == (SPECS / "lasot_train_split.txt").resolve()
    assert read_split_file("youtubevos_jjvalid.txt") == lines("youtubevos_jjvalid.txt")


def test_pytracking_youtubevos_lists():
    jjtrain, jjvalid = lines("youtubevos_jjtrain.txt"), lines("youtubevos_jjvalid.txt")
    assert len(jjtrain) == len(set(jjtrain)) == 3171 and len(jjvalid) == len(set(jjvalid)) == 300
    assert not set(jjtrain) & set(jjvalid)  # together: the 3471 videos of YouTube-VOS 2019 train
    assert all(len(n) == 10 and all(c in "0123456789abcdef" for c in n) for n in jjtrain + jjvalid)


def test_pytracking_got10k_and_lasot_lists():
    train, val = lines("got10k_train_split.txt"), lines("got10k_val_split.txt")
    vot = lines("got10k_vot_train_split.txt")
    t, v = [int(x) for x in train], [int(x) for x in val]
    assert len(t) == len(set(t)) == 7934 and len(v) == len(set(v)) == 1401
    assert sorted(t + v) == list(range(9335))  # a partition of the 9335 GOT-10k train sequences
    it = iter(t)
    assert len(vot) == 7086 and all(int(x) in it for x in vot)  # vottrain: a subsequence of the train part
    lasot = lines("lasot_train_split.txt")
    per_class = collections.Counter(n.rsplit("-", 1)[0] for n in lasot)
    assert len(lasot) == len(set(lasot)) == 1120 and len(per_class) == 70 and set(per_class.values()) == {16}


def test_our_youtubevos_splits():
    yt300, a, b = (set(lines(f"youtubevos2019_{s}.txt")) for s in ("yt300", "weak_a", "weak_b"))
    everything = set(lines("youtubevos_jjtrain.txt")) | set(lines("youtubevos_jjvalid.txt"))
    assert len(yt300) == len(lines("youtubevos2019_yt300.txt")) == 300
    assert not a & b and not yt300 & a and not yt300 & b
    assert yt300 | a | b == everything
    assert len(a) == round((len(a) + len(b)) / 10) and (len(a), len(b)) == (317, 2854)  # 1:9 within rounding
    assert set(youtubevos_split_videos("train_minus_yt300")) == a | b
    assert youtubevos_split_videos("yt300") == sorted(yt300)


def test_make_splits_reproduces_committed_files(tmp_path):
    out = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    for s in ("yt300", "weak_a", "weak_b"):
        name = f"youtubevos2019_{s}.txt"
        assert (tmp_path / name).read_bytes() == (SPECS / name).read_bytes()
    assert subprocess.run([sys.executable, str(SCRIPT), "--check"]).returncode == 0
    other = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path), "--seed", "7"], capture_output=True)
    assert other.returncode == 0
    assert (tmp_path / "youtubevos2019_yt300.txt").read_text() != (SPECS / "youtubevos2019_yt300.txt").read_text()
    assert subprocess.run([sys.executable, str(SCRIPT), "--check", "--out", str(tmp_path)],
                          capture_output=True).returncode == 1


def test_split_file_errors(tmp_path):
    with pytest.raises(MissingFileError, match="no_such_split.txt"):
        read_split_file("no_such_split.txt")
    dup = tmp_path / "dup.txt"
    dup.write_text("a\nb\na\n")
    with pytest.raises(AnnotationError, match="more than once"):
        read_split_file(dup)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n# only a comment\n")
    with pytest.raises(AnnotationError, match="Empty"):
        read_split_file(empty)


def test_select_present_names_first_missing(caplog):
    names = ["a", "b", "c", "d", "e", "f", "g", "h"]
    with pytest.raises(MissingSequencesError, match=r"7 of 8 .*first: b, c, d, e, f, \.\.\."):
        select_present(names, {"a"}, what="x", where="/data")
    assert select_present(names, lambda n: n in "aceg", what="x", where="/data", skip_missing=True) == list("aceg")
    assert "4 remain" in caplog.text
    with pytest.raises(MissingSequencesError, match="none of the split"):
        select_present(names, set(), what="x", where="/data", skip_missing=True)
