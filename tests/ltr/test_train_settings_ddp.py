"""The box2mask and lwl settings under torchrun (2 CPU processes, gloo): every trained parameter takes part in the
loss, as DistributedDataParallel requires, and the samplers work with sharded indices and DataLoader workers."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ltr.train_settings.box2mask.tiny import TINY_NET
from tests.ltr.train_fixtures import write_training_data


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_training_data(tmp_path_factory.mktemp("ddp_data"))


@pytest.mark.slow
@pytest.mark.parametrize("method,setting,extra", [
    ("box2mask", "tiny", ["iterations=4", "iterations_per_epoch=2"]),
    ("lwl", "stage1", ["num_epochs=2", "iterations_per_epoch=1", "mrcnn_weights=None", "val_interval=1",
                       "val_iterations=1", "skip_missing_sequences=True",
                       "net=" + repr({**TINY_NET, "label_encoder_dims": [8, 16, 16],
                                      "frozen_backbone_layers": "all"})]),
])
def test_torchrun_two_processes(data, tmp_path, method, setting, extra):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m",
           "ltr.run_training", method, setting, "--device", "cpu", "--workers", "1"]
    for item in [f"checkpoint_dir={tmp_path / 'ckpt'}", f"tensorboard_dir={tmp_path / 'tb'}", "progress_bar=False",
                 "batch_size=2", "output_size=[48, 32]"] + extra:
        cmd += ["--set", item]
    env = dict(os.environ, OMP_NUM_THREADS="1", **{f"B2M_{k.upper()}": str(v) for k, v in data.items()})
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    folder = tmp_path / "ckpt" / method / setting
    described = json.loads((folder / "settings.json").read_text())
    assert described["settings"]["world_size"] == 2
    # the real samplers reach fork-server workers intact (picklable), as torchrun requires
    assert {ld["worker_start_method"] for ld in described["loaders"]} == {"forkserver"}
    assert len(list(folder.glob("*_ep0002.pth.tar"))) == 1
