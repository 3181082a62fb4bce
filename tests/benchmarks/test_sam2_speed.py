"""The SAM 2 speed benchmark runs end to end on a tiny input and reports what docs/benchmarks.md quotes."""
import re

from benchmarks import sam2_speed
from tests import sam2_fixtures as fx


def test_sam2_speed_tiny_run_reports_seconds_per_frame_and_the_memory_path(capsys):
    fx.require_sam2()
    sam2_speed.main(["--frames", "2", "--methods", "sam2", "sam2-no-memory", "--sam2-size", "64", "--device", "cpu",
                     "--threads", "1"])
    out = capsys.readouterr().out
    rows = re.findall(r"^\| (sam2|sam2-no-memory) \| 64x64 \| ([\d.]+) \| ([\d.]+) \| [\d.]+ \| (.*) \|$", out, re.M)
    assert [r[0] for r in rows] == ["sam2", "sam2-no-memory"]
    for _, spf, fps, notes in rows:
        assert float(spf) > 0 and abs(float(spf) * float(fps) - 1) < 0.01
        assert "no object: 0" in notes and "masks inside boxes: True" in notes
    assert "2 frames 854x480, same boxes" in out
