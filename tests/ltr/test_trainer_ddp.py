"""DistributedDataParallel on CPU (gloo, 2 processes): identical replicas, equivalence with one process on the
combined batch, rank-0-only outputs, and detection of replicas that diverge.

Equivalence: with 'indexed' toy data (sample i is a fixed function of i), no shuffling and no dropout, process r of
2 loads samples r, r+2, ... in batches of 4, so each optimiser step sees the same 8 samples as the single-process
run's batch of 8. DDP averages the two per-process mean gradients, which equals the gradient of the mean over the 8
samples up to float rounding, so weights and losses are compared with tight tolerances (SGD, which does not amplify
rounding the way Adam's normalisation does for near-zero gradients); the two replicas must be bit-identical.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp
import torch.nn as nn

from ltr.run_training import run_training

HPARAMS = {"sampling": "indexed", "shuffle": False, "dropout": 0.0, "optimizer": "sgd", "lr": 0.05,
           "samples_per_epoch": 32, "val_interval": 2}
EPOCHS = 2


def overrides(root: Path, workers: int = 0) -> dict:
    return dict(checkpoint_dir=str(root / "ckpt"), tensorboard_dir=str(root / "tb"), device="cpu",
                num_epochs=EPOCHS, num_workers=workers, progress_bar=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _set_dist_env(rank: int, world: int, port: int) -> None:
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    torch.set_num_threads(1)


def _toy_worker(rank: int, world: int, port: int, root: str) -> None:
    _set_dist_env(rank, world, port)
    # no DataLoader workers here: inside a spawned process they would be spawned too (slow); see test_torchrun_cli
    trainer = run_training("examples", "toy", overrides=overrides(Path(root)), hparams=HPARAMS)
    loader = trainer.loaders[0]
    torch.save({"net": trainer.net.state_dict(), "history": trainer.history, "batch_size": loader.batch_size,
                "world_size": loader.world_size}, Path(root) / f"rank{rank}.pt")


def _bypass_worker(rank: int, world: int, port: int, root: str) -> None:
    """An actor that calls the wrapped module directly: DDP never sees the forward, gradients are not averaged."""
    from ltr.admin import multigpu
    from ltr.admin.settings import Settings
    from ltr.data.loader import LTRLoader
    from ltr.train_settings.examples.toy import ToySegActor, ToySequences, toy_segnet
    from ltr.trainers import LTRTrainer, build_adam

    class BypassActor(ToySegActor):
        def __call__(self, data):
            images = data["images"].flatten(0, 1)
            loss = self.objective(self.net.module(images), data["masks"].flatten(0, 1))
            return loss, {"Loss/total": loss.detach()}

    _set_dist_env(rank, world, port)
    multigpu.init_distributed("cpu")
    try:
        net = toy_segnet(channels=4, dropout=0.0)
        settings = Settings(module_name="tests", script_name="bypass").override(
            checkpoint_dir=str(Path(root) / "ckpt"), device="cpu", progress_bar=False, use_tensorboard=False)
        loader = LTRLoader("train", ToySequences(16, sampling="indexed"), batch_size=8, stack_dim=1)
        LTRTrainer(BypassActor(net, nn.BCEWithLogitsLoss()), [loader], build_adam(net, lr=1e-2), settings).train()
    finally:
        multigpu.cleanup_distributed()


@pytest.fixture(scope="module")
def single_process(tmp_path_factory):
    """The reference: one process, global batch 8."""
    trainer = run_training("examples", "toy", overrides=overrides(tmp_path_factory.mktemp("single")),
                           hparams=HPARAMS)
    return {"net": {k: v.clone() for k, v in trainer.net.state_dict().items()}, "history": trainer.history}


def assert_close_to_reference(net: dict, history: list, ref: dict) -> None:
    for k, v in ref["net"].items():
        assert torch.allclose(net[k], v, rtol=1e-5, atol=1e-6), k
    for mine, theirs in zip(history, ref["history"]):
        for loader in ("train", "val"):
            if loader in theirs:
                # the loss is a per-sample mean, so its sample-weighted average does not depend on how the batch
                # is split; the per-batch IoU ratio does, and is not compared
                assert mine[loader]["Loss/total"] == pytest.approx(theirs[loader]["Loss/total"], rel=1e-5, abs=1e-7)


@pytest.mark.slow
def test_two_gloo_processes_match_each_other_and_one_process(tmp_path, single_process):
    mp.spawn(_toy_worker, args=(2, free_port(), str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2))
    assert r0["world_size"] == 2 and r0["batch_size"] == 4  # global batch 8 split over 2 processes
    for k in r0["net"]:
        assert torch.equal(r0["net"][k], r1["net"][k]), k
    assert r0["history"] == r1["history"]  # statistics are merged over both processes
    assert_close_to_reference(r0["net"], r0["history"], single_process)
    # training moved the weights away from the initial ones (not a vacuous comparison)
    assert r0["history"][-1]["train"]["Loss/total"] < r0["history"][0]["train"]["Loss/total"]
    # rank 0 alone wrote the checkpoints
    ckpts = sorted(p.name for p in (tmp_path / "ckpt").rglob("*.pth.tar"))
    assert ckpts == ["ToySegNet_ep0001.pth.tar", "ToySegNet_ep0002.pth.tar"]


@pytest.mark.slow
def test_torchrun_cli(tmp_path, single_process):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           "-m", "ltr.run_training", "examples", "toy", "--device", "cpu", "--epochs", str(EPOCHS), "--workers", "1"]
    for k, v in {**HPARAMS, "checkpoint_dir": tmp_path / "ckpt", "tensorboard_dir": tmp_path / "tb",
                 "progress_bar": False}.items():
        cmd += ["--set", f"{k}={v}"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    folder = tmp_path / "ckpt" / "examples" / "toy"
    assert sorted(p.name for p in folder.iterdir()) == ["ToySegNet_ep0001.pth.tar", "ToySegNet_ep0002.pth.tar",
                                                       "settings.json"]
    described = json.loads((folder / "settings.json").read_text())
    assert described["settings"]["world_size"] == 2 and described["loaders"][0]["global_batch_size"] == 8
    # workers of a process-group member never fork (a fork could copy a held interpreter lock and hang the job)
    assert [ld["worker_start_method"] for ld in described["loaders"]] == ["forkserver", "forkserver"]
    assert len(list((tmp_path / "tb").rglob("events.out.tfevents.*"))) == 1  # TensorBoard from rank 0 only
    assert "[rank 0]" in proc.stderr and "Epoch 2 [train]" in proc.stderr
    assert "INFO [rank 1]" not in proc.stderr  # other ranks log warnings only
    ckpt = torch.load(folder / "ToySegNet_ep0002.pth.tar", weights_only=True)
    assert len(ckpt["rng_state"]["per_rank"]) == 2
    assert_close_to_reference(ckpt["net"], ckpt["stats"]["history"], single_process)


@pytest.mark.slow
def test_diverging_replicas_are_detected(tmp_path):
    with pytest.raises(mp.ProcessRaisedException, match="differs between rank 0 and rank 1"):
        mp.spawn(_bypass_worker, args=(2, free_port(), str(tmp_path)), nprocs=2, join=True)
