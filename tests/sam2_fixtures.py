"""Helpers for the SAM 2 tests: the optional package, small random-weight models and checkpoints.

Models come from the package's own SAM 2.1 tiny config with random weights (no download). They run at a small input
resolution (``IMAGE_SIZE``; the image size is a config value) so that a frame costs ~0.1 s on one CPU thread.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import numpy as np
import pytest
import torch

IMAGE_SIZE = 128
CONFIG = "sam2.1_hiera_t"


def require_sam2() -> None:
    """Skip when the ``sam2`` extra is not installed -- except under CI (``CI`` set), where that is a failure."""
    try:
        import sam2  # noqa: F401
    except ImportError as e:
        message = f"the optional sam2 package is not installed ({e}); scripts/setup_env.sh installs it"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set: the SAM 2 tests must run in CI)", pytrace=False)
        pytest.skip(message)


def random_model(seed: int = 0, image_size: int = IMAGE_SIZE) -> torch.nn.Module:
    """SAM 2.1 tiny with random weights (fixed seed) on the CPU."""
    require_sam2()
    from pytracking.libs.sam2_model import build_sam2_model

    torch.manual_seed(seed)
    return build_sam2_model(None, CONFIG, device="cpu", image_size=image_size, random_weights=True)


def random_checkpoint(folder: Path, model: Optional[torch.nn.Module] = None) -> Path:
    """An official-format checkpoint (``{"model": state_dict}``) of ``model`` (default: :func:`random_model`),
    written once per ``folder`` and named like the official tiny file (so that its config is implied by the name)."""
    path = Path(folder) / "sam2.1_hiera_tiny.pt"
    if not path.is_file():
        model = model if model is not None else random_model()
        tmp = path.with_suffix(".tmp")
        torch.save({"model": model.state_dict()}, tmp)
        tmp.replace(path)
    return path


def session_checkpoint(tmp_path_factory, model: Optional[torch.nn.Module] = None) -> Path:
    """:func:`random_checkpoint` (of the seed-0 random model) in the session's base temp folder, shared by every
    module that asks."""
    return random_checkpoint(tmp_path_factory.getbasetemp(), model)


def textured_frames(n: int = 4, height: int = 48, width: int = 64, seed: int = 0) -> list:
    """``n`` random RGB uint8 frames with a bright rectangle moving right (the target)."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n):
        im = rng.integers(0, 80, (height, width, 3), dtype=np.uint8)
        im[12:32, 10 + 2 * i:34 + 2 * i] = (230, 200, 40)
        frames.append(im)
    return frames


def moving_boxes(n: int = 4) -> np.ndarray:
    """The boxes ``[x, y, w, h]`` of :func:`textured_frames`' target."""
    return np.array([[10 + 2 * i, 12, 24, 20] for i in range(n)], dtype=np.float64)
