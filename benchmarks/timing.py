"""Timing helpers shared by the benchmark scripts (device-synchronised wall-clock medians)."""
from __future__ import annotations

import statistics
import time
from typing import Callable


def sync(device: str) -> None:
    """Wait for queued CUDA work, so that wall-clock time covers it (no-op on the CPU)."""
    if str(device).startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def median_seconds(fn: Callable[[], object], repeats: int, device: str, warmup: bool = True) -> float:
    """Median wall-clock seconds of ``repeats`` calls of ``fn`` (after one untimed call when ``warmup``)."""
    if warmup:
        fn()
    times = []
    for _ in range(repeats):
        sync(device)
        t0 = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
