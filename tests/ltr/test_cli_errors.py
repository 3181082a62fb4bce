"""The command-line error rule shared by every console script: one ``error: ...`` line and a non-zero exit, the
traceback only with --debug / B2M_DEBUG=1, 130 for Ctrl-C."""
from __future__ import annotations

import pytest

from ltr.admin.cli import error_message, guarded
from ltr.admin.environment import main as env_main
from ltr.run_training import main as train_main


def _stderr_lines(capsys) -> list:
    return capsys.readouterr().err.strip().splitlines()


def test_guarded_one_line_interrupt_and_debug(capsys):
    def missing():
        raise KeyError("Unknown dataset 'x'")

    assert guarded(missing) == 1
    assert _stderr_lines(capsys) == ["error: Unknown dataset 'x'"]          # no quotes around a KeyError's text

    def interrupted():
        raise KeyboardInterrupt

    assert guarded(interrupted) == 130
    assert _stderr_lines(capsys)[-1].startswith("error: interrupted (Ctrl-C); finished outputs are kept")
    with pytest.raises(KeyError):
        guarded(missing, debug=True)


def test_unexpected_errors_are_named_and_point_at_debug():
    assert error_message(ValueError("bad\n  value")) == "bad value"                  # always one line
    text = error_message(TypeError("unsupported operand"))
    assert text.startswith("unexpected TypeError: unsupported operand") and "--debug" in text


def test_ltr_train_and_pytracking_env(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("B2M_DAVIS_DIR", str(tmp_path / "empty_davis"))
    monkeypatch.setenv("B2M_WORKSPACE_DIR", str(tmp_path / "ws"))
    (tmp_path / "empty_davis").mkdir()
    assert train_main(["box2mask", "tiny", "--epochs", "1", "--device", "cpu"]) == 1
    errors = [line for line in _stderr_lines(capsys) if line.startswith("error: ")]
    assert errors == [f"error: Missing DAVIS split file: {tmp_path / 'empty_davis' / 'ImageSets' / '2016' / 'val.txt'}"]
    settings = tmp_path / "settings.json"
    settings.write_text("{not json")
    monkeypatch.setenv("B2M_SETTINGS", str(settings))
    assert env_main(["show"]) == 1
    lines = _stderr_lines(capsys)
    assert len(lines) == 1 and lines[0].startswith(f"error: Cannot read settings file {settings}")
