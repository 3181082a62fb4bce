"""Shared test fixtures: paths to the read-only shared material, deterministic torch settings."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()


def shared_path(*parts: str) -> Path:
    """Path inside ../shared. When the material is absent the test is skipped -- except under CI (the ``CI``
    environment variable set), where it fails: CI must never pass with the fidelity checks silently skipped."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        message = f"shared material not available: {p}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set: the reference-fidelity tests must run in CI)", pytrace=False)
        pytest.skip(message)
    return p


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Tests never read the user's settings file."""
    monkeypatch.setenv("B2M_SETTINGS", str(tmp_path_factory.getbasetemp() / "no-settings.json"))
    for k in list(os.environ):
        if k.startswith("B2M_") and k != "B2M_SETTINGS":
            monkeypatch.delenv(k)


def pytest_configure(config):
    # One thread: the test networks are tiny, where intra-op threading costs more than it gives (and a second
    # thread contends badly on a shared 2-core machine). Results do not depend on it beyond float rounding.
    torch.set_num_threads(1)
