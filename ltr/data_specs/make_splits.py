"""Write our own YouTube-VOS 2019 train splits: YT300 and the 1:9 A/B split of the rest (paper 4.1 / 4.2).

The 3471 training videos are ``youtubevos_jjtrain.txt`` + ``youtubevos_jjvalid.txt`` (pytracking's lists). Videos are
ranked by SHA-256 of ``"<seed>/<purpose>/<video>"`` -- a seeded random order that does not depend on the Python or
NumPy version -- and

* ``youtubevos2019_yt300.txt``: the first 300 videos in the ``yt300`` order (validation, never trained on);
* ``youtubevos2019_weak_a.txt``: of the remaining 3171, the first round(3171 / 10) = 317 in the ``weak_a`` order
  (set A: trained with its ground-truth masks);
* ``youtubevos2019_weak_b.txt``: the other 2854 (set B: box annotations only, pseudo masks).

Each file lists names sorted alphabetically. Regenerate with ``python ltr/data_specs/make_splits.py``; check that
the committed files match with ``python ltr/data_specs/make_splits.py --check``.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Dict, List, Sequence

HERE = Path(__file__).resolve().parent
SEED = 2021
YT300_SIZE = 300
A_FRACTION = 0.1  # A : B = 1 : 9
SOURCES = ("youtubevos_jjtrain.txt", "youtubevos_jjvalid.txt")
OUTPUTS = {"yt300": "youtubevos2019_yt300.txt", "weak_a": "youtubevos2019_weak_a.txt",
           "weak_b": "youtubevos2019_weak_b.txt"}


def read_names(folder: Path) -> List[str]:
    """All YouTube-VOS 2019 training videos (the union of the source lists), sorted; duplicates are an error."""
    names: List[str] = []
    for filename in SOURCES:
        names.extend(line.strip() for line in (folder / filename).read_text().splitlines() if line.strip())
    if len(set(names)) != len(names):
        raise SystemExit(f"duplicate video names in {SOURCES}")
    return sorted(names)


def seeded_order(names: Sequence[str], seed: int, purpose: str) -> List[str]:
    """``names`` in a random order fixed by ``seed`` and ``purpose``."""
    return sorted(names, key=lambda n: hashlib.sha256(f"{seed}/{purpose}/{n}".encode()).hexdigest())


def make_splits(names: Sequence[str], seed: int = SEED, yt300_size: int = YT300_SIZE,
                a_fraction: float = A_FRACTION) -> Dict[str, List[str]]:
    """``{'yt300', 'weak_a', 'weak_b'}`` -> sorted video names (see the module docstring)."""
    if yt300_size >= len(names):
        raise ValueError(f"cannot take {yt300_size} validation videos out of {len(names)}")
    yt300 = seeded_order(names, seed, "yt300")[:yt300_size]
    rest = sorted(set(names) - set(yt300))
    n_a = int(round(len(rest) * a_fraction))
    weak_a = seeded_order(rest, seed, "weak_a")[:n_a]
    weak_b = sorted(set(rest) - set(weak_a))
    return {"yt300": sorted(yt300), "weak_a": sorted(weak_a), "weak_b": weak_b}


def render(names: Sequence[str]) -> str:
    return "".join(n + "\n" for n in names)


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write the split files to (default: here)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--check", action="store_true", help="only compare with the files in --out; exit 1 if they "
                        "differ")
    args = parser.parse_args(list(argv))
    splits = make_splits(read_names(HERE), args.seed)
    differ = []
    for key, filename in OUTPUTS.items():
        target = args.out / filename
        text = render(splits[key])
        if args.check:
            if not target.is_file() or target.read_text() != text:
                differ.append(str(target))
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text)
        tmp.replace(target)  # atomic: never a half-written split file
        print(f"{target}: {len(splits[key])} videos")
    if differ:
        print("differ from the generated splits: " + ", ".join(differ), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
