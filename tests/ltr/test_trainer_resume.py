"""--resume continues bit-for-bit on CPU: 2 epochs + resume + 2 epochs == 4 epochs straight."""
from __future__ import annotations

import logging
import random

import numpy as np
import pytest
import torch

from ltr.run_training import main, run_training
from ltr.trainers import load_training_checkpoint


def toy(root, epochs, resume=False, workers=2):
    overrides = dict(checkpoint_dir=str(root / "ckpt"), tensorboard_dir=str(root / "tb"), device="cpu",
                     num_epochs=epochs, num_workers=workers, progress_bar=False)
    # random sampling from the workers' global RNGs, shuffled order, dropout in the main process, a learning-rate
    # drop after epoch 3 and validation every 2nd epoch: every piece of state the resume must restore
    hparams = {"sampling": "random", "samples_per_epoch": 32, "milestones": [3], "val_interval": 2, "dropout": 0.2}
    return run_training("examples", "toy", resume=resume, overrides=overrides, hparams=hparams)


def assert_same_state(a, b):
    sa, sb = a.net.state_dict(), b.net.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k
    oa, ob = a.optimizer.state_dict(), b.optimizer.state_dict()
    assert oa["param_groups"] == ob["param_groups"]
    assert oa["state"].keys() == ob["state"].keys()
    for i in oa["state"]:
        for k in oa["state"][i]:
            assert torch.equal(oa["state"][i][k], ob["state"][i][k]), (i, k)
    assert a.lr_scheduler.state_dict() == b.lr_scheduler.state_dict()


@pytest.mark.parametrize("workers", [0, 2])
def test_two_plus_two_epochs_equal_four(tmp_path, workers):
    straight = toy(tmp_path / "straight", 4, workers=workers)
    first = toy(tmp_path / "split", 2, workers=workers)
    halfway = {k: v.clone() for k, v in first.net.state_dict().items()}
    # a different process state before resuming: the checkpoint must restore it
    random.seed(1234)
    np.random.seed(4321)
    torch.manual_seed(999)
    resumed = toy(tmp_path / "split", 4, resume=True, workers=workers)
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3, 4] and resumed.iteration == straight.iteration == 16
    assert_same_state(resumed, straight)
    for h_res, h_str in zip(resumed.history, straight.history):  # identical losses, except the timing statistic
        for loader in ("train", "val"):
            if loader in h_str:
                assert {k: v for k, v in h_res[loader].items() if not k.startswith("Time")} == \
                       {k: v for k, v in h_str[loader].items() if not k.startswith("Time")}
    # the comparison is not vacuous: epochs 3 and 4 changed the weights
    assert any(not torch.equal(halfway[k], v) for k, v in straight.net.state_dict().items())


def test_cli_resume_from_latest_and_from_a_path(tmp_path, caplog, capsys):
    args = ["examples", "toy", "--device", "cpu", "--workers", "0", "--set", f"checkpoint_dir={tmp_path / 'c'}",
            "--set", f"tensorboard_dir={tmp_path / 't'}", "--set", "progress_bar=False", "--set", "val_interval=0"]
    assert main(args + ["--epochs", "1"]) == 0
    assert main(args + ["--epochs", "1"]) == 2  # refuses to overwrite epoch 1 without --resume
    assert main(args + ["--epochs", "2", "--resume"]) == 0
    folder = tmp_path / "c" / "examples" / "toy"
    ep2 = load_training_checkpoint(folder / "ToySegNet_ep0002.pth.tar")
    assert ep2["epoch"] == 2 and ep2["stats"]["iteration"] == 16
    assert [h["epoch"] for h in ep2["stats"]["history"]] == [1, 2]
    # resuming explicitly from epoch 1 recomputes epoch 2 identically
    ep1 = folder / "ToySegNet_ep0001.pth.tar"
    assert main(args + ["--epochs", "2", "--resume", str(ep1)]) == 0
    again = load_training_checkpoint(folder / "ToySegNet_ep0002.pth.tar")
    for k, v in ep2["net"].items():
        assert torch.equal(v, again["net"][k])
    # a changed schedule cannot silently replace the restored one
    with caplog.at_level(logging.WARNING):
        assert main(args + ["--epochs", "3", "--resume", "--set", "milestones=[1]"]) == 0
    assert "differs from the setting's in ['milestones']" in caplog.text
    capsys.readouterr()
    assert main(args + ["--epochs", "3", "--resume", str(tmp_path / "missing.pth.tar")]) == 1   # one error line
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "missing.pth.tar" in errors[0]
    with pytest.raises(FileNotFoundError, match="missing.pth.tar"):     # the exception itself with --debug
        main(args + ["--epochs", "3", "--resume", str(tmp_path / "missing.pth.tar"), "--debug"])


def test_cli_rejects_unknown_setting_and_bad_assignment(tmp_path, caplog):
    assert main(["examples", "nosuch", "--device", "cpu"]) == 2
    assert "examples/toy" in caplog.text  # the error lists the available settings
    assert main(["examples", "toy", "--set", "noequals"]) == 2
