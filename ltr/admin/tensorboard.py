"""TensorBoard scalars of a training run (written by rank 0 only)."""
from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Mapping, Optional

logger = logging.getLogger(__name__)


class TensorboardWriter:
    """Scalars under ``<directory>``: per-epoch averages as ``<loader>/<stat>`` (x = epoch) and, optionally,
    per-iteration values as ``<loader>_iter/<stat>`` (x = global iteration)."""

    def __init__(self, directory: Path):
        from torch.utils.tensorboard import SummaryWriter  # deferred: TensorBoard is slow to import

        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._writer: Optional[SummaryWriter] = SummaryWriter(log_dir=str(self.directory))

    def write_scalars(self, prefix: str, values: Mapping[str, float], step: int) -> None:
        """Write ``prefix/name = value`` at ``step`` (NaN values are skipped)."""
        if self._writer is None:
            raise RuntimeError("TensorboardWriter is closed")
        for name, value in values.items():
            if not math.isnan(value):
                self._writer.add_scalar(f"{prefix}/{name}", value, step)

    def write_text(self, tag: str, text: str) -> None:
        """Write a text entry (e.g. the resolved settings)."""
        if self._writer is not None:
            self._writer.add_text(tag, text)

    def flush(self) -> None:
        """Push pending events to disk."""
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
