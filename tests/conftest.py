"""Shared test fixtures: paths to the read-only shared material, deterministic torch settings."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()


def shared_path(*parts: str) -> Path:
    """Path inside ../shared (skips the test when the material is absent)."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared material not available: {p}")
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
