"""Checkpoint loading: official ltr files (zip + legacy, written by a stand-in ltr package in a subprocess), our own
format, bare state_dicts, pretrained backbone converters, and every error case."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from ltr.admin import loading
from ltr.admin.loading import CheckpointError, load_network, save_network
from ltr.models.lwl import lwl_net, sta_net

SMALL = dict(filter_size=3, num_filters=4, optim_iter=2, out_feature_dim=16, clf_feat_blocks=0, final_conv=True,
             backbone_type="resnet18", backbone_width=8, decoder_mdim=8, use_bn_in_label_enc=False,
             label_encoder_dims=(4, 8, 8), frozen_backbone_layers=["conv1", "bn1", "layer1"])
RECORDED = dict(SMALL, backbone_pretrained=True)  # what a training run records; the loader must force it off

FAKE_LTR = {
    "ltr/__init__.py": "",
    "ltr/admin/__init__.py": "",
    "ltr/admin/model_constructor.py": """
        class NetConstructor:
            def __init__(self, fun_name, fun_module, args, kwds):
                self.fun_name = fun_name; self.fun_module = fun_module; self.args = args; self.kwds = kwds
    """,
    "ltr/admin/local.py": """
        class EnvironmentSettings:
            def __init__(self):
                self.workspace_dir = '/nonexistent/ws'; self.lasot_dir = ''
    """,
    "ltr/admin/settings.py": """
        from ltr.admin.local import EnvironmentSettings
        class Settings:
            def __init__(self):
                self.env = EnvironmentSettings(); self.batch_size = 20; self.print_interval = 1
    """,
    "ltr/admin/stats.py": """
        class AverageMeter:
            def __init__(self):
                self.val = 0.5; self.avg = 0.25; self.sum = 1.0; self.count = 4
        class StatValue:
            def __init__(self):
                self.val = 1.5; self.history = [1.0, 1.5]
    """,
}

WRITER = """
import os, sys, collections, torch
from ltr.admin.model_constructor import NetConstructor
from ltr.admin.settings import Settings
from ltr.admin.stats import AverageMeter, StatValue
sd, fun_module, kwds, out, legacy, full = torch.load(sys.argv[1], weights_only=False)
ckpt = {'epoch': 3, 'actor_type': 'LWLActor', 'net_type': 'LWTLNet', 'net': sd, 'net_info': None,
        'constructor': NetConstructor('steepest_descent_resnet50', fun_module, (), kwds)}
if full:
    ckpt['optimizer'] = {'state': {}, 'param_groups': []}
    ckpt['stats'] = collections.OrderedDict(train=collections.OrderedDict(Loss=AverageMeter(), Hist=StatValue()))
    ckpt['settings'] = Settings()
    if full == 'evil':
        class Evil:
            def __reduce__(self):
                return (os.system, ('touch ' + out + '.pwned',))
        ckpt['settings'].payload = Evil()
torch.save(ckpt, out, _use_new_zipfile_serialization=not legacy)
"""


@pytest.fixture(scope="module")
def fake_ltr(tmp_path_factory):
    root = tmp_path_factory.mktemp("fake_ltr")
    for rel, text in FAKE_LTR.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    (root / "writer.py").write_text(WRITER)
    return root


def write_official(fake_ltr: Path, tmp_path: Path, net, fun_module: str, kwds: dict, legacy=False, full=False,
                   name="ckpt.pth") -> Path:
    """Save ``net`` the way ltr's trainer does, from a process that imports a stand-in ``ltr`` package."""
    args = tmp_path / "args.pt"
    out = tmp_path / name
    torch.save((net.state_dict(), fun_module, kwds, str(out), legacy, full), args)
    env = dict(os.environ, PYTHONPATH=str(fake_ltr))
    subprocess.run([sys.executable, str(fake_ltr / "writer.py"), str(args)], check=True, env=env, cwd=tmp_path)
    return out


def _same_outputs(a, b):
    torch.manual_seed(0)
    x = torch.randn(1, 3, 64, 96) * 50
    with torch.no_grad():
        fa, fb = a.extract_backbone_features(x), b.extract_backbone_features(x)
    return all(torch.equal(fa[k], fb[k]) for k in fa)


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
@pytest.mark.parametrize("full", [False, True], ids=["stripped", "trainer"])
def test_official_checkpoint_loads_without_ltr_pickles(fake_ltr, tmp_path, legacy, full):
    torch.manual_seed(3)
    net = lwl_net.steepest_descent_resnet50(**SMALL)
    path = write_official(fake_ltr, tmp_path, net, "ltr.models.lwl.lwl_net", dict(RECORDED), legacy, full)
    loaded = load_network(path)
    assert not loaded.training
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in net.state_dict().items())
    assert loaded.constructor.kwds["backbone_pretrained"] is False  # forced off
    assert loaded.constructor.kwds["num_filters"] == 4
    assert _same_outputs(net.eval(), loaded)


def test_official_full_size_lwl_stage2(fake_ltr, tmp_path):
    kw = dict(loading.CONSTRUCTOR_ALIASES["lwl"]["kwds"], backbone_pretrained=True)
    torch.manual_seed(0)
    net = lwl_net.steepest_descent_resnet50(**kw)
    path = write_official(fake_ltr, tmp_path, net, "dlframework.ltr.models.lwl.lwl_net".replace("dlframework.", ""), kw)
    loaded = load_network(path)
    assert type(loaded).__name__ == "LWTLNet"
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in net.state_dict().items())


def test_pickled_code_is_never_executed(fake_ltr, tmp_path):
    net = lwl_net.steepest_descent_resnet50(**SMALL)
    path = write_official(fake_ltr, tmp_path, net, "ltr.models.lwl.lwl_net", dict(RECORDED), full="evil")
    loaded = load_network(path)  # falls back to the restricted reader; os.system is replaced by an inert stand-in
    assert not Path(str(path) + ".pwned").exists()
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in net.state_dict().items())


def test_constructor_overrides_and_unknown_override(fake_ltr, tmp_path):
    net = lwl_net.steepest_descent_resnet50(**SMALL)
    path = write_official(fake_ltr, tmp_path, net, "ltr.models.lwl.lwl_net", dict(RECORDED))
    assert load_network(path, optim_iter=9).target_model.filter_optimizer.num_iter == 9
    with pytest.raises(TypeError, match="no_such_kwarg"):
        load_network(path, no_such_kwarg=1)


def test_unknown_constructor_is_refused(fake_ltr, tmp_path):
    net = lwl_net.steepest_descent_resnet50(**SMALL)
    path = write_official(fake_ltr, tmp_path, net, "os", dict(RECORDED))
    with pytest.raises(CheckpointError, match="not allow-listed"):
        load_network(path)


def test_weights_of_another_network_are_listed(tmp_path):
    lwl = lwl_net.steepest_descent_resnet50(**SMALL)
    sta = sta_net.steepest_descent_resnet50(**dict(SMALL, label_encoder_dims=(4, 8, 8, 16)))
    path = tmp_path / "sd.pth"
    torch.save(lwl.state_dict(), path)
    with pytest.raises(CheckpointError) as e:
        load_network(path, constructor=sta.constructor)
    msg = str(e.value)
    assert "missing" in msg and "target_model_segm" in msg and "unexpected" in msg and "shape mismatches" in msg


def test_our_format_roundtrip_with_weights_only(tmp_path):
    net = sta_net.steepest_descent_resnet50(**dict(SMALL, label_encoder_dims=(4, 8, 8, 16)))
    path = save_network(net, tmp_path / "sta_small.pth", info={"trained_on": "synthetic"})
    raw = torch.load(path, weights_only=True)  # plain tensors + JSON text only
    assert raw["format"] == loading.NET_FORMAT and json.loads(raw["config"])["net_type"] == "STANet"
    loaded = load_network(path)
    assert loaded.info == {"trained_on": "synthetic"}
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in net.state_dict().items())
    assert not list(tmp_path.glob("*.tmp"))


def test_bare_state_dict_with_alias_sidecar_or_missing_constructor(tmp_path):
    net = lwl_net.steepest_descent_resnet50(**SMALL)
    path = tmp_path / "bare.pth"
    torch.save(net.state_dict(), path)
    with pytest.raises(CheckpointError, match="no constructor"):
        load_network(path)
    (tmp_path / "bare.json").write_text(json.dumps({"constructor": net.constructor.to_dict()}))
    assert torch.equal(load_network(path).state_dict()["decoder.project.conv2.weight"],
                       net.state_dict()["decoder.project.conv2.weight"])
    with pytest.raises(CheckpointError):  # the 'lwl' alias means the full-size official network
        load_network(path, constructor="lwl")


def test_relative_name_found_in_network_path(tmp_path, monkeypatch):
    net = lwl_net.steepest_descent_resnet50(**SMALL)
    save_network(net, tmp_path / "nets" / "mine.pth")
    monkeypatch.setenv("B2M_NETWORK_PATH", str(tmp_path / "other") + os.pathsep + str(tmp_path / "nets"))
    assert load_network("mine.pth") is not None
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        load_network("nope.pth")


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_network(tmp_path / "missing.pth")
    net = lwl_net.steepest_descent_resnet50(**SMALL)
    good = save_network(net, tmp_path / "good.pth")
    data = good.read_bytes()
    (tmp_path / "trunc.pth").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="trunc.pth"):
        load_network(tmp_path / "trunc.pth")
    (tmp_path / "image.pth").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(200))
    with pytest.raises(CheckpointError, match="image.pth"):
        load_network(tmp_path / "image.pth")
    torch.save([1, 2, 3], tmp_path / "list.pth")
    with pytest.raises(CheckpointError, match="not a network checkpoint"):
        load_network(tmp_path / "list.pth")
    torch.save({"net": net.state_dict(), "constructor": "garbage"}, tmp_path / "badcons.pth")
    with pytest.raises(CheckpointError, match="constructor"):
        load_network(tmp_path / "badcons.pth")


# --------------------------------------------------------------------------------------- pretrained backbones
def _mrcnn_backbone():
    from ltr.models.backbone.resnet_mrcnn import resnet50

    torch.manual_seed(5)
    bb = resnet50()
    for m in bb.modules():  # non-trivial BN statistics
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)
    return bb.eval()


def _to_detectron2(bb) -> dict:
    out = {}
    for k, v in bb.state_dict().items():
        if k.endswith("num_batches_tracked"):
            continue
        parts = k.split(".")
        if parts[0] in ("conv1", "bn1"):
            name = "stem.conv1." + ("weight" if parts[0] == "conv1" else "norm." + parts[1])
        else:
            stage, blk, rest = int(parts[0][5:]) + 1, parts[1], ".".join(parts[2:])
            rest = (rest.replace("downsample.0.", "shortcut.").replace("downsample.1.", "shortcut.norm.")
                    .replace("bn1.", "conv1.norm.").replace("bn2.", "conv2.norm.").replace("bn3.", "conv3.norm."))
            name = f"res{stage}.{blk}.{rest}"
        out["backbone.bottom_up." + name] = v.numpy().copy()
    out["roi_heads.box_predictor.cls_score.weight"] = np.zeros((2, 2), np.float32)  # ignored
    return {"model": out, "__author__": "test"}


def test_detectron2_pkl_to_mrcnn_backbone(tmp_path):
    from ltr.admin.loading import load_mrcnn_backbone
    from ltr.models.backbone.resnet_mrcnn import resnet50

    src = _mrcnn_backbone()
    with open(tmp_path / "R-50.pkl", "wb") as f:
        pickle.dump(_to_detectron2(src), f)
    dst = load_mrcnn_backbone(resnet50(), tmp_path / "R-50.pkl").eval()
    x = torch.randn(1, 3, 64, 80)
    with torch.no_grad():
        assert torch.allclose(src(x)["layer4"], dst(x)["layer4"], atol=1e-5)


def test_maskrcnn_benchmark_and_caffe2_frozen_bn_semantics(tmp_path):
    from ltr.admin.backbone_weights import convert_mrcnn_weights
    from ltr.models.backbone.resnet_mrcnn import resnet50

    src = _mrcnn_backbone()
    sd = {k: v for k, v in src.state_dict().items() if not k.endswith("num_batches_tracked")}
    mb = {"module.backbone.body." + k.replace("conv1.", "stem.conv1.", 1).replace("bn1.", "stem.bn1.", 1)
          if k.startswith(("conv1.", "bn1.")) else "module.backbone.body." + k: v for k, v in sd.items()}
    conv = convert_mrcnn_weights({"model": mb})
    # maskrcnn-benchmark's FrozenBatchNorm has no eps: y = x * w / sqrt(var) + (b - mean * w / sqrt(var))
    dst = resnet50()
    dst.load_state_dict({**dst.state_dict(), **conv})
    x = torch.randn(2, 64, 5, 5)
    w, b, m, v = (sd["bn1." + n] for n in ("weight", "bias", "running_mean", "running_var"))
    expect = (x - m.view(1, -1, 1, 1)) * (w / v.sqrt()).view(1, -1, 1, 1) + b.view(1, -1, 1, 1)
    assert torch.allclose(dst.eval().bn1(x), expect, atol=1e-5)
    # Caffe2 Detectron blobs: scale/bias only -> an exact affine map
    blobs = {"conv1_w": sd["conv1.weight"].numpy(), "res_conv1_bn_s": w.numpy(), "res_conv1_bn_b": b.numpy(),
             "res2_0_branch2a_w": sd["layer1.0.conv1.weight"].numpy()}
    conv2 = convert_mrcnn_weights({"blobs": blobs})
    assert set(conv2) == {"conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                          "layer1.0.conv1.weight"}
    bn = torch.nn.BatchNorm2d(64).eval()
    bn.load_state_dict({**bn.state_dict(), **{k[4:]: v for k, v in conv2.items() if k.startswith("bn1.")}})
    assert torch.allclose(bn(x), x * w.view(1, -1, 1, 1) + b.view(1, -1, 1, 1), atol=1e-5)
