"""Pseudo-mask datasets reading masks written the way ``box2mask annotate`` writes them."""
from __future__ import annotations

import logging

import numpy as np
import pytest
from PIL import Image

import ltr.dataset.pseudo_mask as pseudo_module
from ltr.data.image_io import ImageReadError, write_indexed_png
from ltr.dataset import (Got10kPseudoMask, LasotPseudoMask, MissingSequencesError, PseudoMaskDataset,
                         TrackingNetPseudoMask, YouTubeVOS, pseudo_mask_dataset)
from ltr.dataset.layouts import AnnotationError, MissingFileError
from tests.ltr.dataset_fixtures import (labels, make_got10k, make_lasot, make_trackingnet, make_ytvos_train, moving,
                                        write_pseudo_masks)

GOT = ["GOT-10k_Train_000001", "GOT-10k_Train_000002", "GOT-10k_Train_000003"]
ABSENT = [0, 0, 1, 1, 0, 0]
OTHER = (30, 22, 4, 4)  # a label-2 blob in every mask: not the object


def shrink(box):
    """The pseudo mask's box: one pixel inside the annotated box on each side (so the two sources differ)."""
    x, y, w, h = box
    return (int(x) + 1, int(y) + 1, int(w) - 2, int(h) - 2)


@pytest.fixture
def got10k(tmp_path):
    boxes = {name: moving(6, start=(2 + k, 3)) for k, name in enumerate(GOT)}
    root = make_got10k(tmp_path / "got10k", boxes, absence={GOT[1]: ABSENT})
    masks = tmp_path / "masks"
    for name in GOT:  # the annotator: every frame except the absent ones
        ids = [i for i in range(6) if not (name == GOT[1] and ABSENT[i])]
        write_pseudo_masks(masks, name, [f"{i + 1:08d}" for i in ids], [shrink(boxes[name][i]) for i in ids],
                           other_label_box=OTHER)
    return root, masks, boxes


def _rect(box, w=40, h=30):
    return labels({1: box}, w, h).astype(np.float32)


def test_got10k_pseudo_exposes_mask_frames_with_mask_boxes(got10k):
    root, masks, boxes = got10k
    ds = Got10kPseudoMask(masks, root)
    assert ds.get_name() == "got10k_pseudo" and ds.has_mask() and len(ds) == 3
    assert [ds.get_sequence_name(i) for i in range(3)] == GOT
    assert [p.stem for p in ds.get_frame_paths(1)] == ["00000001", "00000002", "00000005", "00000006"]
    info = ds.get_sequence_info(1)
    kept = [0, 1, 4, 5]
    assert info["bbox"].tolist() == [list(shrink(boxes[GOT[1]][i])) for i in kept] and info["valid"].all()
    frames, anno, meta = ds.get_frames(1, [2, 3])
    for t, i in enumerate(kept[2:]):
        assert np.array_equal(anno["mask"][t].numpy(), _rect(shrink(boxes[GOT[1]][i])))  # label 2 is excluded
        x, y, w, h = boxes[GOT[1]][i]
        assert frames[t][y + h // 2, x + w // 2, 0] > 200  # the base frame of that mask
    assert meta["object_class_name"] == "cat"


def test_got10k_pseudo_annotation_boxes(got10k):
    root, masks, boxes = got10k
    ds = Got10kPseudoMask(masks, root, bbox_source="annotation")
    info = ds.get_sequence_info(1)
    assert info["bbox"].tolist() == boxes[GOT[1]][[0, 1, 4, 5]].tolist() and info["valid"].all()
    with pytest.raises(ValueError, match="bbox_source"):
        Got10kPseudoMask(masks, root, bbox_source="box")


def test_pseudo_is_lazy(got10k, monkeypatch):
    root, masks, _ = got10k
    reads = []
    monkeypatch.setattr(pseudo_module, "read_mask", lambda p: reads.append(p.name) or np.array(Image.open(p)))
    ds = Got10kPseudoMask(masks, root)
    assert len(ds) == 3 and reads == []
    ds.get_sequence_info(1)
    assert sorted(reads) == ["00000001.png", "00000002.png", "00000005.png", "00000006.png"]
    ds.get_sequence_info(1)
    assert len(reads) == 4
    ds_ann = Got10kPseudoMask(masks, root, bbox_source="annotation")
    ds_ann.get_sequence_info(0)
    assert len(reads) == 4  # annotation boxes need no mask reads


def test_pseudo_missing_sequence_and_bad_masks(got10k, caplog):
    root, masks, boxes = got10k
    for png in (masks / GOT[2]).glob("*.png"):
        png.unlink()
    (masks / GOT[2]).rmdir()
    with pytest.raises(MissingSequencesError, match=GOT[2]):
        Got10kPseudoMask(masks, root)
    with caplog.at_level(logging.WARNING):
        ds = Got10kPseudoMask(masks, root, skip_missing=True)
    assert [ds.get_sequence_name(i) for i in range(len(ds))] == GOT[:2] and GOT[2] in caplog.text
    with pytest.raises(MissingFileError, match="pseudo-mask root"):
        Got10kPseudoMask(masks / "nowhere", root)

    stray = masks / GOT[0] / "00000099.png"
    write_indexed_png(stray, labels({1: (1, 1, 3, 3)}))
    with pytest.raises(AnnotationError, match=str(stray)):
        Got10kPseudoMask(masks, root, skip_missing=True).get_sequence_info(0)
    stray.unlink()

    corrupt = masks / GOT[1] / "00000005.png"
    corrupt.write_bytes(b"broken")
    with pytest.raises(ImageReadError, match=str(corrupt)):
        Got10kPseudoMask(masks, root, skip_missing=True).get_sequence_info(1)
    write_indexed_png(corrupt, labels({1: (1, 1, 3, 3)}, w=10, h=10))  # size differs from the 40x30 frame
    ds = Got10kPseudoMask(masks, root, skip_missing=True, bbox_source="annotation")
    with pytest.raises(ValueError, match="00000005.jpg"):
        ds.get_frames(1, [2])
    write_indexed_png(corrupt, np.zeros((30, 40), np.uint8))  # empty mask: the frame is not usable
    info = Got10kPseudoMask(masks, root, skip_missing=True).get_sequence_info(1)
    assert info["valid"].tolist() == [True, True, False, True] and info["bbox"][2].tolist() == [0, 0, 0, 0]

    empty = masks / GOT[0]
    for png in empty.glob("*.png"):
        png.unlink()
    with pytest.raises(MissingFileError, match="No pseudo-mask PNGs"):
        Got10kPseudoMask(masks, root, skip_missing=True).get_sequence_info(0)


def test_lasot_pseudo_every_fifth_frame(tmp_path):
    n = 23
    boxes = moving(n, start=(1, 1), step=(1, 0), size=(8, 8))
    occ = [0] * n
    occ[10] = 1
    root = make_lasot(tmp_path / "lasot", {"airplane-2": boxes}, occlusion={"airplane-2": occ})
    ids = [i for i in range(0, n, 5) if not occ[i]]  # the annotator: every 5th frame, skipping occluded ones
    write_pseudo_masks(tmp_path / "m", "airplane-2", [f"{i + 1:08d}" for i in ids], [shrink(boxes[i]) for i in ids])
    ds = LasotPseudoMask(tmp_path / "m", root, sequences=["airplane-2"])
    assert ds.get_name() == "lasot_pseudo"
    assert [p.stem for p in ds.get_frame_paths(0)] == ["00000001", "00000006", "00000016", "00000021"]
    assert ds.get_sequence_info(0)["bbox"].tolist() == [list(shrink(boxes[i])) for i in ids]
    assert ds.mask_coverage(0).nonzero()[0].tolist() == ids
    with pytest.raises(MissingSequencesError, match="airplane-10"):  # train split: the first missing name
        LasotPseudoMask(tmp_path / "m", root)


@pytest.mark.parametrize("mask_folder", ["TRAIN_2/clip", "clip"])  # nested, or flat as `box2mask annotate` writes
def test_trackingnet_pseudo_names(tmp_path, mask_folder):
    boxes = moving(11)
    root = make_trackingnet(tmp_path / "tn", "TRAIN_2", {"clip": boxes})
    ids = [0, 5, 10]
    write_pseudo_masks(tmp_path / "m", mask_folder, [str(i) for i in ids], [shrink(boxes[i]) for i in ids])
    ds = TrackingNetPseudoMask(tmp_path / "m", root)
    assert ds.get_sequence_name(0) == "TRAIN_2/clip"
    assert [p.name for p in ds.get_frame_paths(0)] == ["0.jpg", "5.jpg", "10.jpg"]
    _, anno, _ = ds.get_frames(0, [2])
    assert np.array_equal(anno["mask"][0].numpy(), _rect(shrink(boxes[10])))


def test_generic_pseudo_over_a_vos_dataset(tmp_path):
    frames = [{1: (5, 5, 10, 10)}, {1: (6, 6, 10, 10)}, {1: (7, 7, 10, 10)}]
    root = make_ytvos_train(tmp_path / "yt", {"abcdef0123": frames})
    base = YouTubeVOS(root, sequences=["abcdef0123"])
    write_pseudo_masks(tmp_path / "m", "abcdef0123/1", ["00000", "00010"], [(4, 4, 3, 3), (8, 8, 3, 3)])
    ds = PseudoMaskDataset(base, tmp_path / "m")
    assert ds.get_name() == "youtubevos_pseudo" and [p.stem for p in ds.get_frame_paths(0)] == ["00000", "00010"]
    assert ds.get_sequence_info(0)["bbox"].tolist() == [[4, 4, 3, 3], [8, 8, 3, 3]]
    assert PseudoMaskDataset(base, tmp_path / "m", bbox_source="annotation").get_sequence_info(0)["bbox"].tolist() \
        == [[5, 5, 10, 10], [7, 7, 10, 10]]
    built = pseudo_mask_dataset("youtubevos", tmp_path / "m", root, sequences=["abcdef0123"])
    assert built.get_name() == "youtubevos_pseudo" and built.get_sequence_info(0)["bbox"].tolist() == \
        [[4, 4, 3, 3], [8, 8, 3, 3]]
    with pytest.raises(ValueError, match="pseudo-mask source"):
        pseudo_mask_dataset("coco", tmp_path / "m", root)


def test_factory_builds_the_named_variants(got10k):
    root, masks, _ = got10k
    ds = pseudo_mask_dataset("got10k", masks, root, split="all")
    assert isinstance(ds, PseudoMaskDataset) and ds.get_name() == "got10k_pseudo" and len(ds) == 3
    with pytest.raises(ValueError, match="GOT-10k split"):
        pseudo_mask_dataset("got10k", masks, root, split="train")  # ambiguous in pytracking: not accepted
