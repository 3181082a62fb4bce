"""Settings: one file created by a command, environment overrides, clear errors, never rewritten."""
from __future__ import annotations

import json

import pytest

from ltr.admin import environment as env


def test_init_show_and_env_override(tmp_path, monkeypatch, capsys):
    path = tmp_path / "cfg" / "settings.json"
    monkeypatch.setenv("B2M_SETTINGS", str(path))
    assert env.main(["init", "--data-root", str(tmp_path / "data"), "--workspace", str(tmp_path / "ws")]) == 0
    values = json.loads(path.read_text())
    assert values["got10k_dir"] == str(tmp_path / "data" / "GOT-10k")
    assert values["checkpoint_dir"] == str(tmp_path / "ws" / "checkpoints")
    s = env.env_settings()
    assert s.got10k_dir == str(tmp_path / "data" / "GOT-10k")
    monkeypatch.setenv("B2M_GOT10K_DIR", "/elsewhere")
    assert env.env_settings().got10k_dir == "/elsewhere"
    env.main(["show", "got10k_dir"])
    assert "/elsewhere" in capsys.readouterr().out
    # a second init refuses to overwrite the user's file
    before = path.read_text()
    assert env.main(["init", "--data-root", "/x"]) == 1
    assert path.read_text() == before


def test_missing_key_error_names_key_and_remedies(tmp_path, monkeypatch):
    monkeypatch.setenv("B2M_SETTINGS", str(tmp_path / "none.json"))
    with pytest.raises(env.MissingSettingError) as e:
        env.env_settings().lasot_dir
    msg = str(e.value)
    assert "lasot_dir" in msg and "pytracking-env init" in msg and "B2M_LASOT_DIR" in msg
    assert env.env_settings().get("lasot_dir", required=False) is None


def test_malformed_file_is_reported_not_rewritten(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    path.write_text("{not json")
    monkeypatch.setenv("B2M_SETTINGS", str(path))
    with pytest.raises(ValueError, match=str(path)):
        env.env_settings()
    assert path.read_text() == "{not json"


def test_settings_are_read_only(tmp_path, monkeypatch):
    monkeypatch.setenv("B2M_SETTINGS", str(tmp_path / "none.json"))
    with pytest.raises(AttributeError):
        env.env_settings().got10k_dir = "/x"
