"""The Sec. 4.2 training settings on tiny datasets in the official layouts, on CPU (the driver that chains them with
``box2mask annotate`` is tested in tests/box2mask/test_weak.py)."""
from __future__ import annotations

from ltr.run_training import run_training
from tests.ltr.train_fixtures import training_env_fixtures, youtubevos_names

SMALL = {"output_size": [48, 32], "skip_missing_sequences": True}


data, _env = training_env_fixtures("weak_data")


def _step(setting, **hparams):
    overrides = dict(device="cpu", num_workers=0, batch_size=2, num_epochs=1, progress_bar=False)
    return run_training("weak", setting, overrides=overrides, hparams={**SMALL, **hparams})


def test_weak_settings_one_step(data):
    names = youtubevos_names()
    b2m = _step("box2mask_a", iterations=1, iterations_per_epoch=1)
    seqs = {d.get_sequence_name(i) for d in b2m.loaders[0].dataset.datasets for i in range(d.get_num_sequences())}
    assert seqs == {f"{names['a']}/1", f"{names['a']}/2"}  # set A only
    lwl = _step("lwl_a_pseudo_b", iterations_per_epoch=1, val_iterations=1, val_interval=1)
    train_sets = lwl.loaders[0].dataset.datasets
    assert [d.get_name() for d in train_sets] == ["youtubevos", "youtubevos_weak_b_pseudo"]
    assert train_sets[1].get_num_sequences() == 4 and set(lwl.history[0]) >= {"train", "val"}
    assert lwl.loaders[1].dataset.datasets[0].split == "yt300"
    only_a = _step("lwl_a_only", iterations_per_epoch=1, val_interval=5)
    assert len(only_a.loaders[0].dataset.datasets) == 1
