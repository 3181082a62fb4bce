"""Atomic, durable file writing and per-item locks shared by every writer of results.

Writes go to a temporary file in the target folder, which is flushed to disk (``fsync``) and then renamed over the
target (the folder is synced too). A killed process or a power loss therefore leaves either the old file, the
complete new file, or a stray ``*.tmp`` file that no reader ever opens -- never a half-written or empty output.

:func:`try_lock` gives exclusive, non-blocking per-item locks (``flock`` on a lock file; released by the kernel
when the process ends, even when it is killed), so several processes can share one output folder.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Union

PathLike = Union[str, os.PathLike]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(target: PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success rename it to ``target``, on error delete it.

    ``suffix`` lets writers that pick the format from the extension (cv2.imwrite, torch.save, zip) see the right one.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + target.name + ".", suffix=suffix + ".tmp", dir=str(target.parent))
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp creates 0600; give the file the usual permissions
        _fsync_path(tmp_path)
        os.replace(tmp_path, target)
        _fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def _fsync_path(path: Path) -> None:
    """Flush a written file's data to disk (whatever library wrote it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every platform/file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sync_tree(folder: PathLike) -> None:
    """Flush every file and folder under ``folder`` to disk (before renaming a folder assembled in a temp place)."""
    folder = Path(folder)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            _fsync_path(path)
    for path in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
        _fsync_dir(path)
    _fsync_dir(folder)


def atomic_write_bytes(target: PathLike, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


def atomic_write_text(target: PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    atomic_write_bytes(target, text.encode("utf-8"))


def atomic_write_with(target: PathLike, writer: Callable[[Path], None], suffix: str = "") -> None:
    """Call ``writer(tmp_path)`` and move the result to ``target`` atomically."""
    with atomic_path(target, suffix=suffix) as tmp:
        writer(tmp)


@contextlib.contextmanager
def try_lock(path: PathLike) -> Iterator[bool]:
    """Hold an exclusive lock on the lock file ``path`` (created if needed) while the block runs.

    Yields True when the lock was acquired, False at once when another process holds it (never blocks). The lock
    disappears with the process that holds it (Ctrl-C, kill), so a stale lock file is harmless.
    """
    import fcntl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def hold_lock(path: PathLike) -> Iterator[None]:
    """Wait for and hold an exclusive lock on ``path`` (short critical sections): a lock file, created if needed, or
    an existing folder, which is locked itself (no file is added to it)."""
    import fcntl

    path = Path(path)
    if path.is_dir():
        fd = os.open(path, os.O_RDONLY)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
