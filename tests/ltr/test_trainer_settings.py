"""Settings: checked field names, command-line locking, hyper-parameters, plain-data export; meters; CLI parsing."""
from __future__ import annotations

import json
import logging
import math

import pytest
import torch

from ltr.admin.environment import MissingSettingError
from ltr.admin.settings import Settings, SettingsError
from ltr.admin.stats import AverageMeter, MeterGroup
from ltr.run_training import parse_assignments


def test_unknown_field_is_rejected_with_a_hint():
    s = Settings(module_name="lwl", script_name="stage2")
    assert s.project_path == "lwl/stage2"
    with pytest.raises(AttributeError, match=r"no field 'num_epoch'.*settings.hparam\('num_epoch'"):
        s.num_epoch = 3


def test_command_line_values_win_over_the_setting(caplog):
    s = Settings().override(num_epochs=2)
    with caplog.at_level(logging.INFO):
        s.num_epochs = 80  # what a train setting's run() does
    assert s.num_epochs == 2 and "num_epochs = 80 ignored" in caplog.text
    s.batch_size = 20  # not locked
    assert s.batch_size == 20 and s.locked() == {"num_epochs"}


def test_hyper_parameters_default_given_typed_and_unused():
    s = Settings().set_hparams(lr=1, milestones=[30, 60], typo=3)
    assert s.hparam("lr", 1e-4) == 1.0 and isinstance(s.hparam("lr", 1e-4), float)  # int given for a float
    assert s.hparam("milestones", (25,)) == (30, 60)  # list / tuple follow the default's type
    assert s.hparam("milestones", [25]) == [30, 60]
    assert s.hparam("frames", 3) == 3  # default
    assert s.unused_hparams() == ["typo"]
    with pytest.raises(SettingsError, match="Hyper-parameter 'milestones': expected str"):
        s.hparam("milestones", "x")
    assert s.hparams() == {"lr": 1.0, "milestones": [30, 60], "frames": 3, "typo": 3}


def test_to_dict_is_plain_json_and_paths_resolve(tmp_path, monkeypatch):
    s = Settings(module_name="m", script_name="s").override(grad_clip=1.5)
    s.set_hparams(dims=(16, 32))
    s.hparam("dims", (8,))
    d = s.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["grad_clip"] == 1.5 and d["hparams"] == {"dims": [16, 32]} and d["world_size"] == 1
    assert d["resolved_checkpoint_path"] is None  # no settings file in tests
    with pytest.raises(MissingSettingError, match="checkpoint_dir"):
        s.checkpoint_path()
    monkeypatch.setenv("B2M_CHECKPOINT_DIR", str(tmp_path))
    assert Settings(module_name="m", script_name="s").checkpoint_path() == tmp_path / "m" / "s"


@pytest.mark.parametrize("field,value", [("num_epochs", 0), ("grad_clip", -1.0), ("keep_last_checkpoints", 0),
                                         ("project_path", "/abs"), ("batch_size", 2.5)])
def test_validate_names_the_field(field, value):
    s = Settings(module_name="m", script_name="s")
    setattr(s, field, value)
    with pytest.raises(SettingsError, match=f"settings.{field} must be"):
        s.validate()


def test_cpu_device_when_asked_and_cuda_error_when_missing():
    assert Settings(device="cpu").resolved_device() == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            Settings(device="cuda").resolved_device()


def test_parse_assignments_splits_fields_and_hparams():
    fields, hparams = parse_assignments(["grad_clip=0.5", "milestones=[30, 60]", "sampling=indexed",
                                         "checkpoint_dir=/tmp/x y", "shuffle=False"])
    assert fields == {"grad_clip": 0.5, "checkpoint_dir": "/tmp/x y"}
    assert hparams == {"milestones": [30, 60], "sampling": "indexed", "shuffle": False}
    with pytest.raises(SettingsError, match="NAME=VALUE"):
        parse_assignments(["lr"])


def test_meters_weight_by_samples_and_merge_over_processes():
    m = AverageMeter()
    m.update(torch.tensor(2.0), n=3)
    m.update(4.0, n=1)
    assert m.avg == pytest.approx((2 * 3 + 4) / 4) and m.val == 4.0
    a, b = MeterGroup(), MeterGroup()
    a.update({"loss": 1.0}, n=2)
    b.update({"loss": 4.0, "iou": 0.5}, n=6)
    merged = MeterGroup()
    merged.merge([a.state(), b.state()])
    assert merged.averages() == {"iou": 0.5, "loss": pytest.approx((2 + 24) / 8)}
    assert math.isnan(AverageMeter().avg)
    with pytest.raises(ValueError, match="scalar"):
        m.update(torch.zeros(2))


def test_worker_start_method_reaches_every_loader_of_a_setting(tmp_path):
    from ltr.run_training import run_training
    overrides = dict(checkpoint_dir=str(tmp_path / "ckpt"), tensorboard_dir=str(tmp_path / "tb"), device="cpu",
                     num_epochs=1, num_workers=1, worker_start_method="fork", progress_bar=False)
    trainer = run_training("examples", "toy", overrides=overrides,
                           hparams={"samples_per_epoch": 8, "val_interval": 1})
    assert [(ld.name, ld.num_workers, ld.start_method) for ld in trainer.loaders] == [("train", 1, "fork"),
                                                                                      ("val", 1, "fork")]
    described = json.loads((trainer.checkpoint_dir / "settings.json").read_text())
    assert [ld["worker_start_method"] for ld in described["loaders"]] == ["fork", "fork"]
