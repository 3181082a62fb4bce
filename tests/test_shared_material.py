"""Shared reference material: skipped when absent on a developer machine, a failure under CI."""
from __future__ import annotations

import pytest

import tests.conftest as conftest


def test_missing_shared_material_fails_under_ci(tmp_path, monkeypatch):
    monkeypatch.setattr(conftest, "SHARED", tmp_path / "no-shared")
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        conftest.shared_path("ref", "vectors", "tracker_lwl_real_seed4.pt")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        conftest.shared_path("ref", "vectors", "tracker_lwl_real_seed4.pt")


def test_shared_material_is_found_here():
    assert conftest.shared_path("ref", "vectors").is_dir()
