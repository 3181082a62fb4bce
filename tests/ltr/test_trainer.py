"""LTRTrainer on CPU: learning, frozen layers, schedules, clipping, non-finite losses, checkpoints, TensorBoard."""
from __future__ import annotations

import json
import logging
import math

import pytest
import torch
import torch.nn as nn
from torch.utils.data import Dataset

from ltr.actors.base_actor import BaseActor
from ltr.admin.loading import load_network, register_constructor
from ltr.admin.settings import Settings, SettingsError
from ltr.data.loader import LTRLoader
from ltr.run_training import run_training
from ltr.train_settings.examples.toy import ToySegActor, ToySequences, toy_segnet
from ltr.trainers import CHECKPOINT_FORMAT, LTRTrainer, build_adam, list_checkpoints

CKPT_KEYS = {"format", "epoch", "net_type", "net", "net_info", "constructor", "optimizer", "lr_scheduler", "rng_state", "stats",
             "settings"}


def toy(tmp_path, epochs=4, resume=False, hparams=None, **fields):
    overrides = dict(checkpoint_dir=str(tmp_path / "ckpt"), tensorboard_dir=str(tmp_path / "tb"), device="cpu",
                     num_epochs=epochs, progress_bar=False, num_workers=0)
    overrides.update(fields)
    return run_training("examples", "toy", resume=resume, overrides=overrides, hparams=hparams or {})


def plain_settings(tmp_path, **fields) -> Settings:
    s = Settings(module_name="tests", script_name="plain")
    s.override(checkpoint_dir=str(tmp_path / "ckpt"), device="cpu", progress_bar=False, use_tensorboard=False,
               **fields)
    return s


class Pairs(Dataset):
    """Fixed regression pairs y = x @ w_true."""

    def __init__(self, n: int = 8):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(n, 3, generator=g)
        self.y = self.x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 3.0

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int):
        return {"x": self.x[i], "y": self.y[i]}


class MSEActor(BaseActor):
    def __init__(self, net, nan_at=None):
        super().__init__(net, nn.MSELoss())
        self.calls, self.nan_at = 0, nan_at

    def __call__(self, data):
        self.calls += 1
        loss = self.objective(self.net(data["x"]), data["y"])
        if self.calls == self.nan_at:
            loss = loss * float("nan")
        return loss, {"Loss/total": loss.detach()}


def test_toy_learns_and_logs(tmp_path):
    trainer = toy(tmp_path, epochs=4)
    hist = {h["epoch"]: h for h in trainer.history}
    assert sorted(hist) == [1, 2, 3, 4]
    assert "val" in hist[2] and "val" in hist[4] and "val" not in hist[3]  # val_interval 2
    assert hist[4]["train"]["Loss/total"] < 0.6 * hist[1]["train"]["Loss/total"]
    # the all-foreground prediction has IoU = mean target area / 256 < 0.2; a trained net segments the rectangle
    assert hist[4]["val"]["IoU"] > 0.6
    # MultiStepLR [3] x0.2 stepped per epoch: epochs 1-3 at the base rate, epoch 4 at 0.2 x
    assert [h["lr"][1] for h in trainer.history] == pytest.approx([1e-2, 1e-2, 1e-2, 2e-3])
    assert trainer.iteration == 4 * 8
    # TensorBoard: epoch scalars per loader and learning rate, written by rank 0
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(tmp_path / "tb" / "examples" / "toy"))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    assert {"train/Loss/total", "train/IoU", "val/IoU", "LearningRate/group1", "train_iter/Loss/total"} <= tags
    assert [e.step for e in acc.Scalars("train/Loss/total")] == [1, 2, 3, 4]
    assert acc.Scalars("val/IoU")[-1].value == pytest.approx(hist[4]["val"]["IoU"], rel=1e-6)


def test_checkpoint_format_is_weights_only_and_loadable_for_inference(tmp_path):
    trainer = toy(tmp_path, epochs=2, hparams={"val_interval": 0}, keep_last_checkpoints=1)
    folder = tmp_path / "ckpt" / "examples" / "toy"
    assert [p.name for _, p in list_checkpoints(folder, "ToySegNet")] == ["ToySegNet_ep0002.pth.tar"]
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    ckpt = torch.load(folder / "ToySegNet_ep0002.pth.tar", map_location="cpu", weights_only=True)
    assert set(ckpt) == CKPT_KEYS
    assert ckpt["format"] == CHECKPOINT_FORMAT and ckpt["epoch"] == 2 and ckpt["net_type"] == "ToySegNet"
    assert not any(k.startswith("module.") for k in ckpt["net"])
    assert ckpt["constructor"] == {"fun_module": "ltr.train_settings.examples.toy", "fun_name": "toy_segnet",
                                   "args": [], "kwds": {"channels": 8, "dropout": 0.1}}
    assert {"torch", "numpy", "python"} <= set(ckpt["rng_state"])
    assert ckpt["stats"]["iteration"] == 16
    json.dumps(ckpt["settings"])  # plain data only
    assert ckpt["settings"]["hparams"]["val_interval"] == 0
    for k, v in trainer.net.state_dict().items():
        assert torch.equal(ckpt["net"][k], v)
    # the settings file next to the checkpoints
    saved = json.loads((folder / "settings.json").read_text())
    assert saved["settings"]["num_epochs"] == 2 and saved["net_type"] == "ToySegNet"
    assert saved["optimizer"]["param_groups"][0]["num_params"] == 0  # the frozen backbone group
    # the inference loader rebuilds the network from the constructor record
    register_constructor("ltr.train_settings.examples.toy", "toy_segnet")
    net = load_network(folder / "ToySegNet_ep0002.pth.tar")
    for k, v in net.state_dict().items():
        assert torch.equal(v, ckpt["net"][k])


def test_existing_checkpoints_are_not_overwritten_without_resume(tmp_path):
    toy(tmp_path, epochs=1, hparams={"val_interval": 0})
    with pytest.raises(FileExistsError, match="--resume"):
        toy(tmp_path, epochs=1, hparams={"val_interval": 0})


def test_misspelt_hyper_parameter_is_an_error(tmp_path):
    with pytest.raises(SettingsError, match="milestone"):
        toy(tmp_path, epochs=1, hparams={"milestone": [2]})


def test_frozen_backbone_untouched_and_kept_in_eval_mode(tmp_path):
    torch.manual_seed(0)
    net = toy_segnet(channels=8, dropout=0.0)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    data = ToySequences(32, sampling="indexed")
    opt = build_adam([{"params": net.backbone.parameters(), "lr": 1e-2}, {"params": net.head.parameters()},
                      {"params": net.classifier.parameters()}], lr=1e-2)
    assert [len(g["params"]) for g in opt.param_groups] == [0, 4, 2]
    actor = ToySegActor(net, nn.BCEWithLogitsLoss())
    seen_modes = []
    net.backbone.register_forward_pre_hook(lambda m, _: seen_modes.append((m.training, net.head.training)))
    trainer = LTRTrainer(actor, [LTRLoader("train", data, batch_size=8, stack_dim=1)], opt,
                         plain_settings(tmp_path, num_epochs=2))
    trainer.train()
    after = net.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(not k.startswith("backbone.") for k in changed)  # incl. BN running stats
    assert any(k.startswith("head.") for k in changed)
    assert set(seen_modes) == {(False, True)}  # backbone in eval while the head trains


def test_optimiser_holding_frozen_parameters_is_reported(tmp_path, caplog):
    net = toy_segnet(channels=4)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    with caplog.at_level(logging.WARNING):
        LTRTrainer(ToySegActor(net, nn.BCEWithLogitsLoss()),
                   [LTRLoader("train", ToySequences(8), batch_size=4, stack_dim=1)], opt, plain_settings(tmp_path))
    assert "frozen parameters" in caplog.text and "backbone.0.weight" in caplog.text


def test_iteration_based_schedule(tmp_path):
    # 8 iterations per epoch; milestones 5 and 12 iterations -> lr x0.2 after step 5, x0.04 after step 12
    trainer = toy(tmp_path, epochs=2, hparams={"lr_step": "iteration", "milestones": [5, 12], "val_interval": 0})
    assert trainer.lr_scheduler.last_epoch == 16
    assert [g["lr"] for g in trainer.optimizer.param_groups] == pytest.approx([4e-4, 4e-4, 2e-4])
    assert [h["lr"][1] for h in trainer.history] == pytest.approx([1e-2, 2e-3])  # rate at each epoch's start


def test_gradient_clipping_matches_hand_computation(tmp_path):
    torch.manual_seed(0)
    net = nn.Linear(3, 1)
    w0, b0 = net.weight.detach().clone(), net.bias.detach().clone()
    data = Pairs(8)
    # the full-batch gradient of the mean squared error, by hand
    err = data.x @ w0.T + b0 - data.y
    grad_w, grad_b = 2 * (err * data.x).mean(0, keepdim=True), 2 * err.mean(0)
    norm = torch.sqrt((grad_w ** 2).sum() + (grad_b ** 2).sum())
    clip = 0.25 * float(norm)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    trainer = LTRTrainer(MSEActor(net), [LTRLoader("train", data, batch_size=8)], opt,
                         plain_settings(tmp_path, num_epochs=1, grad_clip=clip))
    trainer.train()
    scale = clip / float(norm)
    assert torch.allclose(net.weight.detach(), w0 - 0.1 * scale * grad_w, atol=1e-6)
    assert torch.allclose(net.bias.detach(), b0 - 0.1 * scale * grad_b, atol=1e-6)
    assert trainer.history[0]["train"]["GradNorm"] == pytest.approx(float(norm), rel=1e-5)
    ckpt = torch.load(next((tmp_path / "ckpt").rglob("*.pth.tar")), weights_only=True)
    assert ckpt["net_type"] == "Linear" and ckpt["constructor"] is None and ckpt["lr_scheduler"] is None


def test_non_finite_loss_names_epoch_and_iteration(tmp_path):
    net = nn.Linear(3, 1)
    trainer = LTRTrainer(MSEActor(net, nan_at=7), [LTRLoader("train", Pairs(8), batch_size=2)],
                         torch.optim.SGD(net.parameters(), lr=0.01), plain_settings(tmp_path, num_epochs=3))
    with pytest.raises(FloatingPointError, match="loader 'train', epoch 2, iteration 3"):
        trainer.train()
    assert [e for e, _ in list_checkpoints(tmp_path / "ckpt" / "tests" / "plain", "Linear")] == [1]


def test_amp_is_only_used_on_cuda(tmp_path, caplog):
    net = nn.Linear(3, 1)
    with caplog.at_level(logging.WARNING):
        trainer = LTRTrainer(MSEActor(net), [LTRLoader("train", Pairs(4), batch_size=2)],
                             torch.optim.SGD(net.parameters(), lr=0.01),
                             plain_settings(tmp_path, num_epochs=1, use_amp=True))
    assert not trainer.use_amp and "use_amp ignored" in caplog.text
    trainer.train()
    ckpt = torch.load(next((tmp_path / "ckpt").rglob("*.pth.tar")), weights_only=True)
    assert "amp_scaler" not in ckpt
    assert math.isfinite(trainer.history[0]["train"]["Loss/total"])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_amp_on_cuda_trains_and_saves_the_scaler(tmp_path):
    trainer = toy(tmp_path, epochs=2, device="cuda", use_amp=True, hparams={"val_interval": 0})
    assert trainer.use_amp
    ckpt = torch.load(next((tmp_path / "ckpt").rglob("*ep0002.pth.tar")), weights_only=True)
    assert "amp_scaler" in ckpt and ckpt["amp_scaler"]["scale"] > 0
    assert all(v.device.type == "cpu" for v in ckpt["net"].values())
    assert trainer.history[1]["train"]["Loss/total"] < trainer.history[0]["train"]["Loss/total"]
