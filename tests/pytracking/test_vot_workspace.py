"""``pytracking vot-workspace``: the files it writes, read back by vot-toolkit itself."""
from __future__ import annotations

import shlex
import sys

import numpy as np
import pytest

pytest.importorskip("vot")

import yaml  # noqa: E402
from vot.workspace import Workspace  # noqa: E402

from ltr.admin.cli import run_cli  # noqa: E402
from pytracking.vot_integration.compat import MultiStartExperiment  # noqa: E402
from pytracking.vot_integration.sequences import write_sequence  # noqa: E402
from pytracking.vot_integration.trax_server import build_parser  # noqa: E402


def _cli(argv):
    return run_cli("pytracking", "test", ["pytracking.commands.vot_workspace"], ["vot-workspace"] + list(argv))


@pytest.fixture()
def seqs(tmp_path):
    frames = [np.zeros((20, 24, 3), np.uint8) for _ in range(5)]
    write_sequence(tmp_path / "seqs", "a", frames, boxes=[[2, 2, 5, 5]] * 5, anchor_spacing=3)
    return tmp_path / "seqs"


def test_builtin_stack_workspace_for_a_named_tracker(tmp_path, seqs, capsys):
    ws = tmp_path / "ws"
    rc = _cli(["--workspace", str(ws), "--tracker", "lwl", "--param", "boxinit", "--region", "mask",
               "--param-override", "a=1", "--param-override", "note=50% off", "--timeout", "77",
               "--sequences", str(seqs)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "pytracking.vot_integration.vot_cli evaluate lwl_boxinit_mask" in out
    config = yaml.load((ws / "config.yaml").read_text(), Loader=yaml.BaseLoader)
    assert config == {"registry": ["./trackers.ini"], "stack": "vot2020/shortterm", "sequences": str(seqs.resolve())}
    workspace = Workspace.load(str(ws))                   # built-in stack, local sequences: no download
    assert [s.name for s in workspace.dataset] == ["a"]
    assert list(workspace.stack.experiments) == ["baseline", "realtime", "unsupervised"]
    tracker = workspace.registry["lwl_boxinit_mask"]
    runtime = tracker.runtime()                            # lazily started: no process yet
    assert runtime._command == f"{sys.executable} -m pytracking.vot_integration.trax_server"
    assert runtime._timeout == 77
    args = shlex.split(runtime._envvars["PYTRACKING_VOT_ARGS"])
    assert args == ["--tracker", "lwl", "--param", "boxinit", "--region", "mask",
                    "--param-override", "a=1", "--param-override", "note=50% off"]
    parsed = build_parser().parse_args(args)
    assert (parsed.tracker, parsed.param, parsed.region) == ("lwl", "boxinit", "mask")


def test_custom_stack_and_several_trackers(tmp_path, seqs):
    ws = tmp_path / "ws"
    common = ["--workspace", str(ws), "--sequences", str(seqs), "--stack", "custom", "--eao-low", "3",
              "--eao-high", "12", "--paths", str(tmp_path)]
    assert _cli(common + ["--tracker-class", "mypkg.mod:MyTracker", "--region", "rectangle"]) == 0
    assert _cli(common + ["--tracker-class", "mypkg.mod:MyTracker", "--tracker-id", "second"]) == 0
    workspace = Workspace.load(str(ws))
    assert sorted(workspace.registry.identifiers()) == ["MyTracker_rectangle", "second"]
    assert workspace.registry["second"]._args["paths"] == str(tmp_path)
    stack = workspace.stack.experiments
    assert list(stack) == ["baseline", "realtime", "unsupervised"]
    assert isinstance(stack["baseline"], MultiStartExperiment) and isinstance(stack["realtime"], MultiStartExperiment)
    assert stack["realtime"].realtime.grace == 3 and stack["baseline"].realtime is None
    eao = stack["baseline"].analyses[0]
    assert (eao.low, eao.high) == (3, 12)


def test_conflicts_and_bad_inputs(tmp_path, seqs, capsys):
    ws = tmp_path / "ws"
    base = ["--workspace", str(ws), "--tracker-class", "m:C", "--sequences", str(seqs)]
    assert _cli(base) == 0
    before = (ws / "config.yaml").read_text()
    assert _cli(base + ["--stack", "custom"]) == 2
    assert "different content" in capsys.readouterr().err
    assert (ws / "config.yaml").read_text() == before and not (ws / "stack.yaml").exists()
    assert _cli(base + ["--stack", "custom", "--force"]) == 0
    assert '"./stack.yaml"' in (ws / "config.yaml").read_text()
    assert _cli(["--workspace", str(tmp_path / "ws2"), "--tracker-class", "m:C",
                 "--sequences", str(tmp_path / "nothing")]) == 2
    assert "No list.txt" in capsys.readouterr().err and not (tmp_path / "ws2").exists()
    assert _cli(base + ["--stack", "vot1999/none"]) == 2
    assert "Unknown VOT stack" in capsys.readouterr().err
    assert _cli(["--workspace", str(ws), "--tracker", "lwl", "--sequences", str(seqs)]) == 2
    assert _cli(base + ["--tracker-id", "bad id"]) == 2
