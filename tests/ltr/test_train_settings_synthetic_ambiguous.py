"""The m_t-drop settings of the ambiguous synthetic benchmark: the actor runs training batches without the
single-frame encoding exactly as often as asked and always restores it; ``synthetic_ambiguous_long`` trains with
T = 5 frames per sample and 5 learner iterations through that actor."""
from __future__ import annotations

import random

import pytest
import torch

from box2mask.synthetic import make_videos, write_davis_layout
from ltr.actors.box2mask import Box2MaskActor
from ltr.run_training import run_training
from ltr.train_settings.box2mask import synthetic_ambiguous_long, synthetic_ambiguous_mdrop
from ltr.train_settings.box2mask.synthetic_ambiguous_mdrop import SingleFrameDropActor


class FakeNet(torch.nn.Module):
    single_frame_encoding = True


@pytest.mark.parametrize("drop,training,expected", [(1.0, True, False), (0.0, True, True), (1.0, False, True)])
def test_drop_actor_switches_m_t_only_in_training_and_restores_it(monkeypatch, drop, training, expected):
    seen = []

    def forward(self, data):
        seen.append(self.net.single_frame_encoding)
        if data.get("fail"):
            raise RuntimeError("boom")
        return torch.zeros(()), {}

    monkeypatch.setattr(Box2MaskActor, "__call__", forward)
    net = FakeNet().train(training)
    actor = SingleFrameDropActor(net, drop=drop)
    actor({})
    assert seen == [expected] and net.single_frame_encoding is True
    with pytest.raises(RuntimeError):
        actor({"fail": True})
    assert net.single_frame_encoding is True  # restored after an error too


def test_drop_actor_drops_about_the_asked_share(monkeypatch):
    seen = []
    monkeypatch.setattr(Box2MaskActor, "__call__",
                        lambda self, data: seen.append(self.net.single_frame_encoding) or (torch.zeros(()), {}))
    random.seed(0)
    actor = SingleFrameDropActor(FakeNet().train(), drop=synthetic_ambiguous_mdrop.DROP_PROBABILITY)
    for _ in range(400):
        actor({})
    assert 0.42 < seen.count(False) / len(seen) < 0.58


def test_long_setting_trains_with_five_frames_and_five_learner_steps(tmp_path, monkeypatch):
    assert synthetic_ambiguous_long.GENERATOR == "ambiguous"
    write_davis_layout(tmp_path / "data", make_videos(2, seed=0, generator="ambiguous", size=(96, 72), num_frames=12),
                       split="train")
    monkeypatch.setenv("B2M_DAVIS_DIR", str(tmp_path / "data"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        trainer = run_training("box2mask", "synthetic_ambiguous_long", overrides=dict(
            device="cpu", num_workers=0, batch_size=2, progress_bar=False, checkpoint_dir=str(tmp_path / "ckpt"),
            use_tensorboard=False), hparams=dict(output_size=[64, 48], iterations=1, iterations_per_epoch=1))
    finally:
        torch.set_num_threads(threads)
    assert isinstance(trainer.actor, SingleFrameDropActor) and trainer.actor.num_iter == 5
    assert trainer.loaders[0].dataset.num_frames == 5
    assert trainer.lr_scheduler.milestones == {1800: 1, 2400: 1}
    assert trainer.iteration == 1 and trainer.history[0]["train"]["Loss/total"] > 0
