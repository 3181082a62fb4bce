"""CUDA-path checks (same numbers as the CPU path) for the networks, the learner, the box2mask method and the tracker.

    python benchmarks/device_checks.py [--device cuda] [--quick]

Each check runs the same random-weight computation on the CPU and on ``--device`` (TF32 disabled for the
comparison) and prints the relative deviation; bf16 autocast is compared by mask agreement. Exits 1 when a check
fails. ``--quick`` uses small sizes (for trying the script on a CPU-only machine with ``--device cpu``).
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

from ltr.admin.loading import CONSTRUCTOR_ALIASES, build_network
from ltr.admin.model_constructor import NetConstructor

RESULTS = []


def report(name: str, value: float, limit: float, lower_is_better: bool = True) -> None:
    ok = value <= limit if lower_is_better else value >= limit
    RESULTS.append(ok)
    print(f"| {name} | {value:.3g} | {'<=' if lower_is_better else '>='} {limit:g} | {'ok' if ok else 'FAIL'} |")


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.detach().double().cpu(), b.detach().double().cpu()
    return ((a - b).abs().max() / b.abs().max().clamp(min=1e-12)).item()


def net(alias: str, quick: bool):
    kw = dict(CONSTRUCTOR_ALIASES[alias]["kwds"])
    if quick:
        kw.update(backbone_type="resnet18", backbone_width=8, out_feature_dim=16, decoder_mdim=8, num_filters=4)
        kw["label_encoder_dims"] = (4, 8, 8, 16) if alias == "sta" else (4, 8, 8)
        kw.pop("frozen_backbone_layers", None)
    torch.manual_seed(0)
    return build_network(NetConstructor(CONSTRUCTOR_ALIASES[alias]["fun_name"],
                                        CONSTRUCTOR_ALIASES[alias]["fun_module"], (), kw)).eval()


def check_lwl(dev: str, quick: bool) -> None:
    h, w = (64, 112) if quick else (480, 832)
    cpu = net("lwl", quick)
    gpu = net("lwl", quick).to(dev)
    img = torch.randn(1, 3, h, w) * 50
    mask = (torch.rand(1, 1, h, w) > 0.7).float()
    outs = []
    for model, d in ((cpu, "cpu"), (gpu, dev)):
        with torch.inference_mode():
            f = model.extract_backbone_features(img.to(d))
            x = model.extract_target_model_features(f)
            lab, sw = model.label_encoder(mask.to(d), x.unsqueeze(1))
            filt, _, _ = model.target_model.get_filter(x.unsqueeze(1), lab, sw, num_iter=20)
            outs.append((filt, model.segment_target(filt, x, f)[0]))
    report("LWL filter (20 it.) CPU vs device", rel(outs[1][0], outs[0][0]), 1e-3)
    report("LWL logits CPU vs device", rel(outs[1][1], outs[0][1]), 1e-3)


def check_learner(dev: str) -> None:
    from ltr.models.lwl.loss_residual_modules import LWTLResidual
    from ltr.models.meta.steepestdescent import GNSteepestDescent

    g = torch.Generator().manual_seed(1)
    x, y, v = (torch.randn(4, 2, 64, 30, 52, generator=g).to(dev), torch.randn(4, 2, 16, 30, 52, generator=g).to(dev),
               torch.rand(4, 2, 16, 30, 52, generator=g).to(dev))
    res = []
    for closed in (True, False):
        opt = GNSteepestDescent(LWTLResidual(0.1), num_iter=10, residual_batch_dim=1, use_closed_form=closed).to(dev)
        with torch.no_grad():
            res.append(opt(torch.zeros(2, 16, 64, 3, 3, device=dev), feat=x, label=y, sample_weight=v)[0])
    report("learner closed form vs autograd on device", rel(res[0], res[1]), 1e-4)


def check_box2mask(dev: str, quick: bool) -> None:
    from box2mask.predictor import Box2MaskPredictor
    from box2mask.stanet_method import STANetMethod
    from benchmarks.box2mask_speed import centre_logits, video

    size = (64, 112) if quick else (480, 832)
    frames, boxes = video(6)
    sta = net("sta", quick)
    centre_logits(sta, frames, boxes, size)
    sta = sta.cpu()
    masks = {}
    for name, kw in (("cpu", dict(device="cpu")), ("dev", dict(device=dev)), ("dev_naive", dict(device=dev, naive=True)),
                     ("dev_bf16", dict(device=dev, amp="bf16") if dev.startswith("cuda") else dict(device=dev))):
        m = STANetMethod(sta, num_frames=3, interval=2, iterations=5, input_size=size, input_format="bgr255_mrcnn", **kw)
        masks[name] = Box2MaskPredictor(m).predict(frames, boxes)
        sta = sta.cpu()

    def differing(a, b):
        return max(float((masks[a][t] != masks[b][t]).mean()) for t in masks[a])

    report("box2mask mean foreground fraction (non-trivial masks)",
           float(np.mean([m.mean() for m in masks["cpu"].values()])), 1e-3, lower_is_better=False)
    report("box2mask masks: device cached vs device naive (pixel fraction)", differing("dev", "dev_naive"), 1e-4)
    report("box2mask masks: device vs CPU (pixel fraction)", differing("dev", "cpu"), 1e-3)
    report("box2mask masks: bf16 autocast vs fp32 (pixel fraction)", differing("dev_bf16", "dev"), 0.05)


def check_tracker(dev: str, quick: bool) -> None:
    from benchmarks.tracker_speed import synthetic_video
    from pytracking.features.net_wrappers import NetWithBackbone
    from pytracking.parameter.lwl.lwl_ytvos import parameters
    from pytracking.tracker.lwl import LWL

    frames, masks = synthetic_video(5)
    outs = {}
    for d in ("cpu", dev):
        params = parameters()
        if quick:
            params.override(image_sample_size=(64, 112))
        model = net("lwl", quick)
        if d == "cpu":  # centre the random logits (computed once on the CPU, reused on the device)
            tracker = LWL(params)
            params.net = NetWithBackbone(net=model, device="cpu")
            tracker.initialize(frames[0], {"init_mask": masks[0]})
            with torch.no_grad():
                model.decoder.project.conv2.bias -= tracker.track(frames[1])["segmentation_raw"].logit(1e-6).median()
            bias = model.decoder.project.conv2.bias.detach().clone()
        with torch.no_grad():
            model.decoder.project.conv2.bias.copy_(bias)
        params.net = NetWithBackbone(net=model, device=d)
        tracker = LWL(params)
        ys, xs = np.nonzero(masks[0])
        tracker.initialize(frames[0], {"init_mask": masks[0], "init_bbox": [xs.min(), ys.min(), np.ptp(xs) + 1,
                                                                             np.ptp(ys) + 1]})
        outs[d] = [tracker.track(f)["segmentation"] for f in frames[1:]]
    report("LWL tracker mean foreground fraction (non-trivial masks)",
           float(np.mean([o.mean() for o in outs["cpu"]])), 1e-3, lower_is_better=False)
    diff = max(float((a != b).mean()) for a, b in zip(outs["cpu"], outs[dev]))
    report("LWL tracker label maps CPU vs device, 4 frames (pixel fraction)", diff, 1e-3)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"
    print(f"Device checks on {name}, torch {torch.__version__} (TF32 off)\n")
    print("| check | value | limit | |\n|---|---:|---:|---|")
    check_learner(args.device)
    check_lwl(args.device, args.quick)
    check_box2mask(args.device, args.quick)
    check_tracker(args.device, args.quick)
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
