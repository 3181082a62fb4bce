"""One CPU training step of every LWL setting on tiny datasets in the official layouts, chained as in practice
(stage 1 -> stage 2 -> box-init, stage 1 -> LWL-Ours), at a small input size."""
from __future__ import annotations

import pytest
import torch

from ltr.run_training import main, run_training
from ltr.trainers import load_training_checkpoint
from tests.ltr.train_fixtures import use_settings, write_training_data

SMALL = {"output_size": [64, 48], "iterations_per_epoch": 1, "val_iterations": 1, "val_interval": 1,
         "skip_missing_sequences": True}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_training_data(tmp_path_factory.mktemp("lwl_data"))


@pytest.fixture(autouse=True)
def _env(monkeypatch, data):
    use_settings(monkeypatch, data)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def step(setting, **hparams):
    overrides = dict(device="cpu", num_workers=0, batch_size=2, num_epochs=1, progress_bar=False)
    return run_training("lwl", setting, overrides=overrides, hparams={**SMALL, **hparams})


def _same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


@pytest.mark.slow
def test_lwl_settings_chain(data):
    stage1 = step("stage1")
    net1 = stage1.net
    assert stage1.iteration == 1 and set(stage1.history[0]) >= {"train", "val"}
    assert {"Loss/total", "J"} <= set(stage1.history[0]["train"])
    assert not any(p.requires_grad for p in net1.feature_extractor.parameters())  # backbone fixed
    # the backbone holds the Mask R-CNN file's weights (maskrcnn-benchmark layout; frozen BN: var - eps stored)
    weights = torch.load(data["network_path"] / "e2e_mask_rcnn_R_50_FPN_1x.pth", weights_only=True)["model"]
    assert torch.equal(net1.feature_extractor.layer3[0].conv2.weight,
                       weights["module.backbone.body.layer3.0.conv2.weight"])
    lrs = [g["lr"] for g in stage1.optimizer.param_groups]
    assert lrs == [5e-5, 1e-4, 2e-5, 1e-4, 2e-4]
    assert (data["checkpoint_dir"] / "lwl" / "stage1" / "LWTLNet_ep0001.pth.tar").is_file()

    stage2 = step("stage2")  # starts from the newest stage-1 checkpoint
    net2 = stage2.net
    assert _same(net2.feature_extractor.layer1, net1.feature_extractor.layer1)  # frozen, from stage 1
    assert not _same(net2.feature_extractor.layer3, net1.feature_extractor.layer3)  # fine-tuned
    assert [g["name"] for g in stage2.optimizer.param_groups][-3:] == [
        "feature_extractor.layer2", "feature_extractor.layer3", "feature_extractor.layer4"]

    boxinit = step("boxinit")  # copies stage 2, trains only the box encoder
    net3 = boxinit.net
    for name in ("feature_extractor", "target_model", "decoder", "label_encoder"):
        assert _same(getattr(net3, name), getattr(net2, name)), name
    assert [p.requires_grad for p in net3.parameters()].count(True) == \
        len(list(net3.box_label_encoder.parameters()))
    assert {"Loss/segm_box", "J"} <= set(boxinit.history[0]["train"])

    pseudo = step("pseudo")  # LWL-Ours: stage 1 + YouTube-VOS, DAVIS, pseudo-masked GOT-10k and LaSOT
    assert _same(pseudo.net.feature_extractor.layer1, net1.feature_extractor.layer1)
    loader = pseudo.loaders[0]
    kinds = [(type(d).__name__, getattr(d, "split", None)) for d in loader.dataset.datasets]
    assert kinds == [("YouTubeVOS", "jjtrain"), ("Davis", "train"), ("Got10kPseudoMask", None),
                     ("LasotPseudoMask", None)]
    assert loader.dataset.p_datasets == pytest.approx([6 / 15, 1 / 15, 6 / 15, 2 / 15])
    ckpt = load_training_checkpoint(data["checkpoint_dir"] / "lwl" / "pseudo" / "LWTLNet_ep0001.pth.tar")
    assert ckpt["settings"]["hparams"]["datasets"][2][0] == "got10k_pseudo"


def test_missing_dataset_path_is_named(monkeypatch, caplog, tmp_path):
    monkeypatch.delenv("B2M_LASOT_DIR")
    assert main(["lwl", "pseudo", "--device", "cpu", "--set", f"checkpoint_dir={tmp_path}"]) == 2
    assert "'lasot_dir' is not set" in caplog.text


def test_unknown_init_checkpoint_is_named(tmp_path, caplog):
    args = ["lwl", "stage2", "--device", "cpu", "--workers", "0", "--set", f"checkpoint_dir={tmp_path / 'empty'}",
            "--set", "skip_missing_sequences=True"]
    assert main(args) == 2
    assert "init_checkpoint: no training checkpoint in" in caplog.text
    assert main(args + ["--set", "init_checkpoint='nothing.pth'"]) == 2
    assert "Checkpoint not found: nothing.pth" in caplog.text
