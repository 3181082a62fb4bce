"""The box2mask speed benchmark runs end to end on a tiny input and reports what docs/benchmarks.md quotes."""
import re
import sys

from benchmarks import box2mask_speed


def test_box2mask_speed_tiny_run_reports_rounds_passes_and_identical_masks(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["box2mask_speed", "--frames", "3", "--size", "96", "160", "--iterations", "2",
                                      "--rounds", "2", "--device", "cpu", "--threads", "1"])
    box2mask_speed.main()
    out = capsys.readouterr().out
    rows = dict(re.findall(r"^\| (cached|cache off|naive) \| [\d.]+ \| [\d.]+ \| ([\d.]+) \|$", out, re.M))
    assert rows == {"cached": "1.00", "cache off": "3.00", "naive": "3.00"}
    assert "2 round(s)" in out
    assert re.search(r"cached vs naive: [\d.]+x \(rounds: [\d.]+, [\d.]+\)", out)
    assert "identical masks in all modes: True" in out
