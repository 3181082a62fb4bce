"""Tiny training datasets in the official on-disk layouts, written by the tests (GOT-10k train, LaSOT, TrackingNet,
YouTube-VOS 2019 train, DAVIS 2017) and pseudo masks written the way ``box2mask annotate`` writes them.

Frames are small JPEGs: a dark background with the target's box filled in a bright colour, so boxes and colours can
be checked by hand. Label maps are filled rectangles, so the tight box of a mask is the rectangle itself.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

from ltr.data.image_io import write_indexed_png

W, H = 40, 30
Box = Optional[Sequence[int]]


def frame(box: Box = None, colour=(230, 30, 30), w: int = W, h: int = H) -> np.ndarray:
    """RGB uint8 frame, dark grey with ``box`` (x, y, w, h) filled with ``colour``."""
    im = np.full((h, w, 3), 20, np.uint8)
    if box is not None:
        x, y, bw, bh = box
        im[y:y + bh, x:x + bw] = colour
    return im


def write_jpg(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 100])


def labels(objects: Dict[int, Box], w: int = W, h: int = H) -> np.ndarray:
    """uint8 label map with each object's rectangle filled with its id (later ids drawn on top)."""
    lab = np.zeros((h, w), np.uint8)
    for oid, box in sorted(objects.items()):
        if box is not None:
            x, y, bw, bh = box
            lab[y:y + bh, x:x + bw] = oid
    return lab


def write_lines(path: Path, rows, fmt=lambda r: ",".join(str(v) for v in r)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(fmt(r) + "\n" for r in rows))


def moving(n: int, start=(2, 3), size=(8, 6), step=(2, 1)) -> np.ndarray:
    """``n`` integer boxes of a target moving by ``step`` per frame."""
    return np.array([[start[0] + i * step[0], start[1] + i * step[1], size[0], size[1]] for i in range(n)])


# ---------------------------------------------------------------------------------------------------- box datasets
def make_got10k(root: Path, seqs: Dict[str, np.ndarray], absence: Optional[Dict[str, List[int]]] = None,
                cover: Optional[Dict[str, List[int]]] = None, classes: Optional[Dict[str, str]] = None) -> Path:
    """GOT-10k ``<root>/train`` with list.txt, frames ``00000001.jpg``, groundtruth and the three label files."""
    train = root / "train"
    for name, boxes in seqs.items():
        d = train / name
        n = len(boxes)
        for i, b in enumerate(boxes):
            write_jpg(d / f"{i + 1:08d}.jpg", frame(b))
        write_lines(d / "groundtruth.txt", boxes)
        absent = (absence or {}).get(name, [0] * n)
        write_lines(d / "absence.label", absent, fmt=str)
        write_lines(d / "cover.label", (cover or {}).get(name, [0 if a else 8 for a in absent]), fmt=str)
        write_lines(d / "cut_by_image.label", [0] * n, fmt=str)
        cls = (classes or {}).get(name, "cat")
        (d / "meta_info.ini").write_text(f"[METAINFO]\nobject_class: {cls}\nmotion_class: running\n"
                                         f"major_class: animal\nroot_class: object\nresolution: ({W}, {H})\n")
    write_lines(train / "list.txt", sorted(seqs), fmt=str)
    return root


def make_lasot(root: Path, seqs: Dict[str, np.ndarray], occlusion: Optional[Dict[str, List[int]]] = None,
               out_of_view: Optional[Dict[str, List[int]]] = None) -> Path:
    """LaSOT ``<root>/<class>/<seq>/{img/00000001.jpg, groundtruth.txt, full_occlusion.txt, out_of_view.txt}``."""
    for name, boxes in seqs.items():
        d = root / name.rsplit("-", 1)[0] / name
        n = len(boxes)
        for i, b in enumerate(boxes):
            write_jpg(d / "img" / f"{i + 1:08d}.jpg", frame(b))
        write_lines(d / "groundtruth.txt", boxes)
        (d / "full_occlusion.txt").write_text(",".join(str(v) for v in (occlusion or {}).get(name, [0] * n)))
        (d / "out_of_view.txt").write_text(",".join(str(v) for v in (out_of_view or {}).get(name, [0] * n)))
    return root


def make_trackingnet(root: Path, chunk: str, seqs: Dict[str, np.ndarray]) -> Path:
    """TrackingNet ``<root>/<chunk>/{anno/<seq>.txt, frames/<seq>/<i>.jpg}`` (frames numbered from 0)."""
    for name, boxes in seqs.items():
        for i, b in enumerate(boxes):
            write_jpg(root / chunk / "frames" / name / f"{i}.jpg", frame(b))
        write_lines(root / chunk / "anno" / f"{name}.txt", boxes)
    return root


# ---------------------------------------------------------------------------------------------------- VOS datasets
def make_ytvos_train(root: Path, videos: Dict[str, List[Dict[int, Box]]], categories: Optional[Dict[int, str]] = None,
                     extra_unannotated: Sequence[str] = ()) -> Path:
    """YouTube-VOS 2019 ``<root>/train``: frames ``00000, 00005, ...`` (every 5th), a palette PNG for each, and
    meta.json listing each object with the frames where it appears. ``extra_unannotated`` videos also get a JPEG
    without annotation between the first two annotated frames."""
    meta: dict = {"videos": {}}
    for vid, per_frame in videos.items():
        objects: Dict[str, dict] = {}
        for t, objs in enumerate(per_frame):
            stem = f"{5 * t:05d}"
            box = next((b for b in objs.values() if b is not None), None)
            write_jpg(root / "train" / "JPEGImages" / vid / f"{stem}.jpg", frame(box))
            write_indexed_png(root / "train" / "Annotations" / vid / f"{stem}.png", labels(objs))
            for oid, b in objs.items():
                entry = objects.setdefault(str(oid), {"category": (categories or {}).get(oid, f"class{oid}"),
                                                      "frames": []})
                if b is not None:
                    entry["frames"].append(stem)
        if vid in extra_unannotated:
            write_jpg(root / "train" / "JPEGImages" / vid / "00002.jpg", frame(None))
        meta["videos"][vid] = {"objects": objects}
    (root / "train").mkdir(parents=True, exist_ok=True)
    (root / "train" / "meta.json").write_text(json.dumps(meta))
    return root


def make_davis(root: Path, videos: Dict[str, List[Dict[int, Box]]], version: str = "2017",
               split: str = "train") -> Path:
    """DAVIS ``JPEGImages/480p/<v>/00000.jpg``, ``Annotations/480p/<v>/00000.png`` (palette) and the split file."""
    for vid, per_frame in videos.items():
        for t, objs in enumerate(per_frame):
            box = next((b for b in objs.values() if b is not None), None)
            write_jpg(root / "JPEGImages" / "480p" / vid / f"{t:05d}.jpg", frame(box))
            write_indexed_png(root / "Annotations" / "480p" / vid / f"{t:05d}.png", labels(objs))
    write_lines(root / "ImageSets" / version / f"{split}.txt", list(videos), fmt=str)
    return root


# ---------------------------------------------------------------------------------------------------- pseudo masks
def write_pseudo_masks(mask_root: Path, sequence: str, stems: Sequence[str], boxes: Sequence[Box],
                       w: int = W, h: int = H, other_label_box: Box = None) -> None:
    """Masks as ``box2mask annotate`` writes them: ``<mask_root>/<sequence>/<stem>.png``, indexed PNG (DAVIS palette),
    0 background, 1 object. ``other_label_box`` also paints label 2 there (must not count as the object)."""
    for stem, box in zip(stems, boxes):
        lab = labels({1: box}, w, h)
        if other_label_box is not None:
            x, y, bw, bh = other_label_box
            lab[y:y + bh, x:x + bw] = 2
        write_indexed_png(mask_root / sequence / f"{stem}.png", lab)
