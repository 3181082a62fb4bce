"""End to end with the REAL vot-toolkit 0.9.0 CLI (subprocesses, offline) on tiny synthetic VOT2020-style sequences:
``vot evaluate`` / ``vot analysis`` through the project's launcher, the custom stack with the plain ``vot``, the
completeness check and the fail-fast path. Expected accuracies are hand-computed (see vot_fixtures)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

pytest.importorskip("vot")
pytest.importorskip("trax")

from ltr.admin.cli import run_cli  # noqa: E402
from pytracking.vot_integration import check  # noqa: E402
from vot_fixtures import HERE, expected_echo_accuracy, make_dataset, run_vot  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seqs(tmp_path_factory):
    root = tmp_path_factory.mktemp("vot_e2e_seqs")
    make_dataset(root)   # 'static' and 'moving', 15 frames of 48x40, mask ground truth, anchors 0 / 7 fwd, 14 bwd
    return root


def _add_tracker(ws: Path, seqs: Path, tracker_class: str, ident: str, *extra: str, stack: str = "vot2020",
                 timeout: int = 20) -> None:
    argv = ["vot-workspace", "--workspace", str(ws), "--sequences", str(seqs), "--stack", stack,
            "--tracker-class", tracker_class, "--tracker-id", ident, "--paths", str(HERE), "--timeout", str(timeout)]
    assert run_cli("pytracking", "test", ["pytracking.commands.vot_workspace"], argv + list(extra)) == 0


def _analysis(tmp_path: Path, ws: Path, name: str, *args: str, launcher: bool = True) -> dict:
    res = run_vot(["analysis", *args, "--workspace", str(ws), "--name", name, "--format", "json"], tmp_path,
                  launcher=launcher)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads((ws / "analysis" / f"{name}.json").read_text())


def _values(report: dict, experiment: str, analysis: int, tracker: int = 0) -> list:
    return report["results"][experiment]["results"][analysis][tracker]


def test_builtin_vot2020_stack_through_the_launcher(tmp_path, seqs):
    ws = tmp_path / "ws"
    _add_tracker(ws, seqs, "vot_fixtures:EchoMaskTracker", "echo_mask")
    _add_tracker(ws, seqs, "vot_fixtures:EchoBoxTracker", "echo_rect", "--region", "rectangle")

    # the plain toolkit crashes on the built-in multistart experiments (bug 1)
    plain = run_vot(["evaluate", "echo_mask", "--workspace", str(ws)], tmp_path, launcher=False)
    assert "ObjectQuery.state must be a Region" in plain.stdout + plain.stderr
    assert check.main([str(ws), "echo_mask"]) == 1

    res = run_vot(["evaluate", "echo_mask", "echo_rect", "--workspace", str(ws)], tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert check.main([str(ws), "echo_mask", "echo_rect"]) == 0
    for tracker in ("echo_mask", "echo_rect"):
        for exp in ("baseline", "realtime"):
            for seq in ("static", "moving"):
                names = sorted(p.name for p in (ws / "results" / tracker / exp / seq).glob("*.bin"))
                assert names == [f"{seq}_{a:08d}.bin" for a in (0, 7, 14)]

    report = _analysis(tmp_path, ws, "all", "echo_mask", "echo_rect")
    assert set(report["trackers"]) == {"echo_mask", "echo_rect"}
    expected = expected_echo_accuracy()
    for t in (0, 1):
        # unsupervised accuracy: hand-computed mean IoU of an echo tracker (mask and rectangle output agree)
        assert _values(report, "unsupervised", 0, t)[0] == pytest.approx(expected, abs=1e-9)
        for exp in ("baseline", "realtime"):
            eao = _values(report, exp, 0, t)[0]
            accuracy, robustness = _values(report, exp, 2, t)[:2]
            assert 0 <= eao <= 1 and 0 < accuracy < 1 and 0 <= robustness <= 1


def test_custom_stack_plain_vot_hand_computed_and_fresh_analysis(tmp_path, seqs):
    ws = tmp_path / "ws"
    _add_tracker(ws, seqs, "vot_fixtures:EchoMaskTracker", "echo", stack="custom")
    res = run_vot(["evaluate", "echo", "--workspace", str(ws)], tmp_path, launcher=False)   # plain vot works here
    assert res.returncode == 0 and check.main([str(ws), "echo"]) == 0

    # On 'static' the echo tracker overlaps the ground truth perfectly: EAO and robustness are 1. The toolkit's
    # multistart accuracy sums overlaps over each fragment *including* its initialisation frame (overlap 0) and
    # divides by the total fragment length: anchors 0 and 7 forward, 14 backward -> fragments of 15, 8, 15 frames,
    # accuracy = (14 + 7 + 14) / 38.
    report = _analysis(tmp_path, ws, "s1", "echo", "--sequences", "static", launcher=False)  # persistent cache on
    for exp in ("baseline", "realtime"):
        assert _values(report, exp, 0)[0] == pytest.approx(1.0)
        assert _values(report, exp, 2)[:2] == pytest.approx([35 / 38, 1.0])
    assert _values(report, "unsupervised", 0)[0] == pytest.approx(1.0)

    # the tracker now reports the square moved 5 px: IoU = (10 - 5) * 10 / (200 - 50) = 1/3 on every frame.
    # Re-evaluate with -f through the launcher, which also removes the stale analysis cache, so that even the plain
    # `vot analysis` (persistent cache) shows the new numbers instead of the cached 1.0 (toolkit bug 4).
    _add_tracker(ws, seqs, "vot_fixtures:EchoMaskTracker", "echo", "--param-override", "shift=5", stack="custom")
    res = run_vot(["evaluate", "echo", "-f", "--workspace", str(ws)], tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert not (ws / "cache" / "analysis").exists()
    for launcher, name in ((False, "s2"), (True, "s3")):
        report = _analysis(tmp_path, ws, name, "echo", "--sequences", "static", launcher=launcher)
        assert _values(report, "unsupervised", 0)[0] == pytest.approx(1 / 3)
        assert _values(report, "baseline", 2)[:2] == pytest.approx([35 / 38 / 3, 1.0])


def test_failing_tracker_fails_fast_and_is_reported(tmp_path, seqs, capsys):
    ws = tmp_path / "ws"
    _add_tracker(ws, seqs, "vot_fixtures:EchoMaskTracker", "failing", "--param-override", "fail_at=3", timeout=40)
    t0 = time.time()
    res = run_vot(["evaluate", "failing", "--workspace", str(ws)], tmp_path)
    elapsed = time.time() - t0
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert elapsed < 40, f"took {elapsed:.1f} s: the toolkit waited for the 40 s reply timeout"
    assert "synthetic tracker failure at frame 3" in out
    assert "missing anchor 00000000 (forward)" in out
    logs = list((ws / "logs").glob("failing_*.log"))
    assert logs and "Traceback" in logs[0].read_text()

    capsys.readouterr()
    assert check.main([str(ws), "failing"]) == 1
    report = capsys.readouterr().out
    assert "failing: experiment 'baseline', sequence 'static': missing anchor 00000000 (forward)" in report
    assert "experiment 'unsupervised', sequence 'moving': missing repetition 001" in report
    assert "last tracker log of failing" in report

    res = run_vot(["analysis", "failing", "--workspace", str(ws), "--name", "x"], tmp_path)
    assert res.returncode == 1 and "refusing to run the analysis" in res.stdout + res.stderr
    assert not (ws / "analysis" / "x.json").exists()
