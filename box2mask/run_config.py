"""The settings record of an output folder: one run's settings per folder, a different run is refused.

``predict``, ``annotate`` and ``evaluate`` write their settings (method, options, inputs) as JSON into their output
folder; a later run into the same folder with other settings is refused with :class:`SettingsMismatchError` (masks or
scores of two settings would otherwise be mixed silently), unless the caller replaces the record (``--overwrite`` /
``--force``). Reading, comparing and writing happen under a lock file, so concurrent processes cannot interleave.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Union

from ltr.admin.fileio import atomic_write_text, hold_lock

__all__ = ["SettingsMismatchError", "record_settings"]


class SettingsMismatchError(ValueError):
    """The output folder holds results of other settings."""


def _normalised(settings: Dict[str, Any]) -> Dict[str, Any]:
    return json.loads(json.dumps(settings, sort_keys=True))  # tuples -> lists, as read back


def record_settings(path: Union[str, Path], settings: Dict[str, Any], replace: bool = False,
                    how_to_replace: str = "") -> None:
    """Write ``settings`` to ``path`` (JSON, atomically); when ``path`` holds other settings, raise
    :class:`SettingsMismatchError` naming both (``how_to_replace`` is added to the message), or overwrite the record
    when ``replace``."""
    path = Path(path)
    new = _normalised(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with hold_lock(path.parent):
        if path.is_file() and not replace:
            try:
                old = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, OSError) as e:
                raise SettingsMismatchError(f"{path} is unreadable ({e}); remove it or use another output folder") \
                    from e
            if old == new:
                return
            changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            detail = "; ".join(f"{k}: {old.get(k)!r} there, {new.get(k)!r} now" for k in changed[:4])
            raise SettingsMismatchError(f"{path.parent} holds results of other settings ({detail}); use another "
                                        f"output folder{', or ' + how_to_replace if how_to_replace else ''}")
        atomic_write_text(path, json.dumps(new, indent=2, sort_keys=True) + "\n")
