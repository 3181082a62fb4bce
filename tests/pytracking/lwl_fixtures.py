"""Helpers for LWL tracker tests: the reference tracker vector and small random-weight networks."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

from tests.conftest import shared_path

SMALL = dict(filter_size=3, num_filters=4, optim_iter=2, out_feature_dim=16, clf_feat_blocks=0, final_conv=True,
             backbone_type="resnet18", backbone_width=8, decoder_mdim=8, use_bn_in_label_enc=False,
             label_encoder_dims=(4, 8, 8))


def shared_file(*parts: str) -> Path:
    """A path inside ../shared (skipped when absent; a failure under CI, see tests/conftest.py)."""
    return shared_path(*parts)


def tracker_vector():
    """(vector dict, LWTLNet with the regenerated weights) of ``tracker_lwl_vos_seed4.pt``."""
    d = torch.load(shared_file("ref", "vectors", "tracker_lwl_vos_seed4.pt"), map_location="cpu", weights_only=True)
    spec = importlib.util.spec_from_file_location("seeded_weights", shared_file("ref", "tools", "seeded_weights.py"))
    sw = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sw)
    rec = d["meta"]["seeded_weights"]
    entries = [tuple(s) for s in rec["spec"]]
    gen = sw.seeded_state_dict(entries, rec["seed"])
    assert sw.weights_sha256(gen, sw.generated_keys(entries)) == rec["sha256"]
    sd = {k: d["weights_q"][k].float() * 2.0 ** d["weights_exp"][k] for k in d["weights_q"]}
    sd.update(d["other_buffers"])
    sd.update(gen)
    from ltr.models.lwl import lwl_net

    kw = dict(d["meta"]["constructor"]["kwds"], backbone_pretrained=False)
    net = lwl_net.steepest_descent_resnet50(**kw)
    net.load_state_dict({k: sd[k] for k in d["meta"]["state_dict_keys"]}, strict=True)
    return d, net.eval()


def small_lwl(seed: int = 0, boxinit: bool = False):
    """A small random-weight LWL (or LWL box-init) network whose decoder bias gives mixed-sign logits."""
    from ltr.models.lwl import lwl_box_net, lwl_net

    torch.manual_seed(seed)
    if boxinit:
        net = lwl_box_net.steepest_descent_resnet50(**SMALL, box_label_encoder_dims=(8, 8), final_bn=False)
    else:
        net = lwl_net.steepest_descent_resnet50(**SMALL)
    return net.eval()


def small_params(net, **overrides):
    """lwl parameters around ``net`` with a small crop (fast on the CPU)."""
    from pytracking.features.net_wrappers import NetWithBackbone
    from pytracking.parameter.lwl.base import lwl_parameters

    params = lwl_parameters("unused.pth", image_sample_size=(96, 160), use_gpu=False, **overrides)
    params.net = NetWithBackbone(net=net, device="cpu")
    return params


SMALL_STA = dict(SMALL, label_encoder_dims=(4, 8, 8, 16))


def save_small_checkpoints(root: Path) -> dict:
    """Small random-weight LWL, LWL box-init and STANet checkpoints in our file format (what the registered
    parameter sets load through ``B2M_LWL_NETWORK`` / ``B2M_STA_NETWORK``)."""
    from ltr.admin.loading import save_network
    from ltr.models.lwl import sta_net

    torch.manual_seed(11)
    sta = sta_net.steepest_descent_resnet50(**SMALL_STA)
    with torch.no_grad():
        sta.decoder.project.conv2.bias.fill_(1.0)
    return {"lwl": save_network(small_lwl(7), root / "lwl_small.pth"),
            "boxinit": save_network(small_lwl(8, boxinit=True), root / "lwl_boxinit_small.pth"),
            "sta": save_network(sta, root / "sta_small.pth", info={"input_format": "bgr255_mrcnn"})}
