"""Profile cached box2mask STANet annotation (torch.profiler): which operators take the time, on CPU or CUDA.

    python benchmarks/profile_box2mask.py [--device cuda] [--frames 12] [--window-batch N] [--rows 25]

Same random-weight network and synthetic video as ``benchmarks/box2mask_speed.py``; prints the operator table sorted
by device time (CUDA) or CPU time.
"""
from __future__ import annotations

import argparse

import torch
from torch.profiler import ProfilerActivity, profile

from benchmarks.box2mask_speed import centre_logits, video
from box2mask.predictor import Box2MaskPredictor
from box2mask.stanet_method import STANetMethod
from ltr.admin.loading import CONSTRUCTOR_ALIASES, build_network
from ltr.admin.model_constructor import NetConstructor


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--frames", type=int, default=12)
    ap.add_argument("--window-batch", type=int, default=None)
    ap.add_argument("--rows", type=int, default=25)
    args = ap.parse_args()
    torch.manual_seed(0)
    net = build_network(NetConstructor.from_dict(CONSTRUCTOR_ALIASES["sta"])).eval()
    frames, boxes = video(args.frames)
    centre_logits(net, frames, boxes, (480, 832), args.device)
    method = STANetMethod(net, num_frames=5, interval=3, iterations=15, device=args.device,
                          input_format="bgr255_mrcnn", window_batch=args.window_batch)
    Box2MaskPredictor(method).predict(frames[:6], boxes[:6])  # warm-up
    cuda = args.device.startswith("cuda")
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with profile(activities=activities) as prof:
        Box2MaskPredictor(method).predict(frames, boxes)
        if cuda:
            torch.cuda.synchronize()
    key = "self_cuda_time_total" if cuda else "self_cpu_time_total"
    print(prof.key_averages().table(sort_by=key, row_limit=args.rows))


if __name__ == "__main__":
    main()
