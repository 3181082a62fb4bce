"""Forward-pass timings of the networks (random weights, official architectures).

    python benchmarks/network_speed.py [--device cpu|cuda] [--repeats 3] [--threads 2] [--json out.json]

Measures, at the reference input size 480x832:
* LWL, one frame: backbone + target-model features + ``segment_target`` with a learned filter (what the tracker
  does per frame, minus the crop);
* the LWL filter update (3 iterations on 2 memory samples) and initial fit (20 iterations), closed-form vs autograd;
* STANet, T=3 frames: one ``net(images, boxes)`` with 5 learner iterations (the constructor's), and with 15.
Prints a markdown table (median of ``--repeats`` runs after one warm-up).
"""
from __future__ import annotations

import argparse
import json
import platform
from datetime import date

import torch

from benchmarks.timing import median_seconds
from ltr.admin.loading import CONSTRUCTOR_ALIASES
from ltr.models.lwl import lwl_net, sta_net


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = args.device
    torch.manual_seed(0)
    h, w = 480, 832
    rows = []

    lwl = lwl_net.steepest_descent_resnet50(**CONSTRUCTOR_ALIASES["lwl"]["kwds"]).to(dev).eval()
    img = torch.randn(1, 3, h, w, device=dev) * 50
    with torch.no_grad():  # not inference_mode: the autograd learner below reuses these tensors
        feat = lwl.extract_backbone_features(img)
        x = lwl.extract_target_model_features(feat)
        mask = (torch.rand(1, 1, h, w, device=dev) > 0.7).float()
        label, sw = lwl.label_encoder(mask, x.unsqueeze(1))
        filt, _, _ = lwl.target_model.get_filter(x.unsqueeze(1), label, sw, num_iter=20)

        def lwl_frame():
            f = lwl.extract_backbone_features(img)
            lwl.segment_target(filt, lwl.extract_target_model_features(f), f)

        rows.append(("LWL, 1 frame 480x832 (backbone + target model + decoder)", median_seconds(lwl_frame, args.repeats, dev)))
        rows.append(("LWL backbone only, 1 frame 480x832", median_seconds(lambda: lwl.extract_backbone_features(img),
                                                               args.repeats, dev)))
    opt = lwl.target_model.filter_optimizer
    x2, lab2, sw2 = torch.cat([x, x]).unsqueeze(1), torch.cat([label, label]), torch.cat([sw, sw])
    for closed in (True, False):
        opt.use_closed_form = closed
        ctx = torch.inference_mode if closed else torch.no_grad
        with ctx():
            rows.append((f"LWL initial fit, 20 iterations ({'closed form' if closed else 'autograd'})",
                         median_seconds(lambda: lwl.target_model.get_filter(x.unsqueeze(1), label, sw, num_iter=20),
                               args.repeats, dev)))
            rows.append((f"LWL update, 3 iterations on 2 samples ({'closed form' if closed else 'autograd'})",
                         median_seconds(lambda: opt(filt, num_iter=3, feat=x2, label=lab2, sample_weight=sw2),
                               args.repeats, dev)))
    opt.use_closed_form = True
    lwl = opt = None  # free the LWL network before building STANet

    sta = sta_net.steepest_descent_resnet50(**CONSTRUCTOR_ALIASES["sta"]["kwds"]).to(dev).eval()
    imgs = torch.randn(3, 1, 3, h, w, device=dev) * 50
    boxes = torch.tensor([[300.0, 150.0, 200.0, 180.0]], device=dev).expand(3, 1, 4).contiguous()
    with torch.inference_mode():
        for it in (5, 15):
            rows.append((f"STANet, T=3 frames 480x832, {it} learner iterations",
                         median_seconds(lambda: sta(imgs, boxes, num_iter=it), args.repeats, dev)))

    machine = (torch.cuda.get_device_name() if dev == "cuda" else
               f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads")
    print(f"Network forward times -- {date.today()}, device {dev} ({machine}), torch {torch.__version__}, "
          f"median of {args.repeats}\n")
    print("| what | seconds |\n|---|---:|")
    for name, sec in rows:
        print(f"| {name} | {sec:.3f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": dev, "machine": machine, "date": str(date.today()), "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
