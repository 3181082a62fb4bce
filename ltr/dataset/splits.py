"""Split lists of the training datasets, kept as data files in ``ltr/data_specs/`` (package data).

Files taken from the public pytracking repository (``youtubevos_jjtrain.txt`` / ``youtubevos_jjvalid.txt``,
``lasot_train_split.txt``, ``got10k_*_split.txt``) and our own splits written by ``ltr/data_specs/make_splits.py``
(``youtubevos2019_yt300.txt``, ``youtubevos2019_weak_a.txt``, ``youtubevos2019_weak_b.txt``); see
``ltr/data_specs/README.md``. Files are read on first use and cached.

:func:`select_present` turns a requested list of sequence names into the list present on disk: missing names raise
:class:`MissingSequencesError` naming the first few (or, with ``skip_missing=True``, are dropped with a warning).
"""
from __future__ import annotations

import functools
import logging
from importlib import resources
from pathlib import Path
from typing import Callable, Collection, List, Sequence, Union

from ltr.dataset.layouts import AnnotationError, LayoutError, MissingFileError

logger = logging.getLogger(__name__)

#: How many missing names an error message lists.
SHOW_MISSING = 5


class MissingSequencesError(LayoutError):
    """A split names sequences that are not on disk (the message names the first ones)."""


def data_spec_path(filename: str) -> Path:
    """Path of ``ltr/data_specs/<filename>`` inside the installed package."""
    return Path(str(resources.files("ltr").joinpath("data_specs", filename)))


@functools.lru_cache(maxsize=None)
def _read_lines(path: str) -> tuple:
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"Missing split file: {p} (ltr/data_specs is package data; reinstall the package "
                               f"or regenerate our own splits with ltr/data_specs/make_splits.py)")
    lines = [line.strip() for line in p.read_text(encoding="utf-8").splitlines()]
    names = tuple(line for line in lines if line and not line.startswith("#"))
    if not names:
        raise AnnotationError(f"Empty split file: {p}")
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})[:SHOW_MISSING]
        raise AnnotationError(f"Split file {p} lists names more than once: {dup}")
    return names


def read_split_file(filename_or_path: Union[str, Path]) -> List[str]:
    """Names listed in a split file (a bare file name is looked up in ``ltr/data_specs``); ``#`` lines skipped."""
    p = Path(filename_or_path)
    if not p.is_absolute() and p.parent == Path("."):
        p = data_spec_path(str(p))
    return list(_read_lines(str(p)))


def read_index_split(filename: str, fmt: Callable[[int], str]) -> List[str]:
    """A split file of integer indices (pytracking's GOT-10k splits) mapped to names with ``fmt(index)``."""
    path = data_spec_path(filename)
    out = []
    for lineno, tok in enumerate(read_split_file(path), 1):
        try:
            idx = int(tok)
        except ValueError:
            raise AnnotationError(f"{path}: entry {lineno} is not an integer index: {tok!r}") from None
        if idx < 0:
            raise AnnotationError(f"{path}: entry {lineno} is a negative index: {idx}")
        out.append(fmt(idx))
    return out


def select_present(requested: Sequence[str], present: Union[Collection[str], Callable[[str], bool]], *, what: str,
                   where: Union[str, Path], skip_missing: bool = False) -> List[str]:
    """The names of ``requested`` that are present, in the requested order.

    Args:
        requested: names the split asks for.
        present: the names available on disk, or a predicate telling whether one is.
        what: wording for messages (e.g. ``"GOT-10k split 'vottrain'"``).
        where: the dataset root (named in messages).
        skip_missing: drop missing names with a warning instead of raising :class:`MissingSequencesError`.
    """
    is_present = present if callable(present) else set(present).__contains__
    missing = [n for n in requested if not is_present(n)]
    if not missing:
        return list(requested)
    first = ", ".join(missing[:SHOW_MISSING]) + (", ..." if len(missing) > SHOW_MISSING else "")
    msg = f"{what}: {len(missing)} of {len(requested)} sequences are missing under {where} (first: {first})"
    if not skip_missing:
        raise MissingSequencesError(msg + "; pass skip_missing=True to use only the present ones")
    kept = [n for n in requested if is_present(n)]
    if not kept:
        raise MissingSequencesError(msg + "; none of the split is present")
    logger.warning("%s; skipping them, %d remain", msg, len(kept))
    return kept
