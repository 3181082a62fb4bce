"""The one box-file reader: what real box files contain (BOM, CRLF, separators, nan rows) reads the same through
every command; anything else is an error naming the file and the line."""
from __future__ import annotations

import numpy as np
import pytest

from box2mask.boxfile import read_box_file
from ltr.dataset.layouts import AnnotationError, FolderLayout, Got10kLayout, read_boxes

EXPECTED = np.array([[1, 2, 3, 4], [5.5, 6, 7, 8], [np.nan] * 4, [9, 10, 11, 12], [np.nan] * 4, [13, 14, 15, 16]])


def _messy() -> bytes:
    """A BOM, CRLF line ends, commas, semicolons, tabs, spaces, both nan spellings and trailing blank lines."""
    lines = ["1,2,3,4", "5.5;6;7;8", "nan", "9\t10\t11\t12", "NaN,NaN,NaN,NaN", " 13, 14 ,15 ,16 ", "", "  "]
    return b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n"


def test_messy_file_reads_the_same_everywhere(tmp_path):
    path = tmp_path / "groundtruth.txt"
    path.write_bytes(_messy())
    np.testing.assert_array_equal(read_boxes(path), EXPECTED)
    boxes, absent = read_box_file(path)                               # box2mask predict
    np.testing.assert_array_equal(boxes, EXPECTED)
    assert absent.tolist() == [False, False, True, False, True, False]
    # a dataset layout and annotate's folder layout read the very same file the same way
    seq_dir = tmp_path / "data" / "val" / "seq"
    seq_dir.mkdir(parents=True)
    (tmp_path / "data" / "val" / "list.txt").write_text("seq\n")
    for i in range(6):
        (seq_dir / f"{i + 1:08d}.jpg").write_bytes(b"x")
    (seq_dir / "groundtruth.txt").write_bytes(_messy())
    np.testing.assert_array_equal(Got10kLayout(tmp_path / "data", "val", require_flags=False).sequence("seq").boxes,
                                  EXPECTED)
    np.testing.assert_array_equal(FolderLayout(seq_dir).sequence("seq").boxes, EXPECTED)


@pytest.mark.parametrize("content,match", [
    (b"1,2,3,4\n\n5,6,7,8\n", r"line 2: empty line between boxes .*write 'nan'"),
    (b"1,2,3,4\n1,2,3\n", r"line 2: expected 4 values x,y,w,h, got 3 values"),
    (b"1,2,3,4\n1,2,3,4,5,6,7,8\n", r"line 2: expected 4 values .*8 values \(a polygon"),
    (b"1,2,3,4\nx,2,3,4\n", r"line 2: not numbers: 'x,2,3,4'"),
    (b"1,2,3,4\n1,2,3,4\n5,6,\xff7,8\n", r"line 3: box file is not UTF-8 text \(undecodable bytes b'\\xff7,8"),
])
def test_bad_lines_name_file_and_line(tmp_path, content, match):
    path = tmp_path / "gt.txt"
    path.write_bytes(content)
    with pytest.raises(AnnotationError, match=r"gt.txt, " + match):
        read_box_file(path)


def test_counts_and_missing_file(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_text("1,2,3,4\n")
    with pytest.raises(AnnotationError, match="has 1 boxes but the sequence has 2 frames"):
        read_boxes(path, 2)
    path.write_text("\n\n")
    with pytest.raises(AnnotationError, match="Empty box file"):
        read_box_file(path)
    with pytest.raises(FileNotFoundError, match="none.txt"):
        read_box_file(tmp_path / "none.txt")
