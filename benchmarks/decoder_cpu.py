"""The segmentation decoder's faster forms against the plain ones, in one process, same inputs.

    python benchmarks/decoder_cpu.py [--frames 5] [--size 480 832] [--repeats 5] [--threads 2] [--device cpu]

Official STANet architecture with random weights. Rows: PyTorch's bicubic 2x against the two-pass CPU form
(``ltr/models/layers/upsample.py``) at the decoder's two sizes; the upsampler in the plain order (resize the C/2
channels, then the last convolution) against the reordered one (mix the channels per tap first); the whole decoder
from backbone features against its per-frame ``precompute`` cache (box2mask's cached mode), with the plain upsampler
and with ours. Each line also gives the largest difference to the plain result, relative to its largest value.
"""
from __future__ import annotations

import argparse
import platform
import time
from datetime import date
from typing import Callable, Tuple

import torch
import torch.nn.functional as F

from ltr.admin.loading import CONSTRUCTOR_ALIASES, build_network
from ltr.admin.model_constructor import NetConstructor
from ltr.models.layers.upsample import upsample2x_bicubic_cpu
from ltr.models.lwl.decoder import Upsampler


def timed(fn: Callable[[], torch.Tensor], repeats: int) -> Tuple[float, torch.Tensor]:
    """Median seconds of ``repeats`` calls after one warm-up call, and the last result."""
    out = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        if out.is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2], out


def plain_upsampler(up: Upsampler, x: torch.Tensor, size) -> torch.Tensor:
    """The reference order: bicubic 2x, conv1, ReLU, bicubic to ``size``, conv2 (PyTorch's kernels)."""
    x = F.interpolate(x, (2 * x.shape[-2], 2 * x.shape[-1]), mode="bicubic", align_corners=False)
    x = F.relu(up.conv1(x))
    return up.conv2(F.interpolate(x, tuple(size), mode="bicubic", align_corners=False))


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).abs().max() / b.abs().max()).item()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=5, help="batch of frames decoded together (a STANet window)")
    ap.add_argument("--size", type=int, nargs=2, default=(480, 832), metavar=("H", "W"))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dev, n, size = torch.device(args.device), args.frames, tuple(args.size)
    net = build_network(NetConstructor.from_dict(CONSTRUCTOR_ALIASES["sta"])).eval().to(dev)
    up = net.decoder.project
    rows = []
    with torch.inference_mode():
        for c, h, w in ((up.conv1.in_channels, size[0] // 4, size[1] // 4), (9, size[0] // 2, size[1] // 2)):
            x = torch.randn(n, c, h, w, device=dev)
            base, ref = timed(lambda: F.interpolate(x, (2 * h, 2 * w), mode="bicubic", align_corners=False),
                              args.repeats)
            if dev.type == "cpu":
                fast, out = timed(lambda: upsample2x_bicubic_cpu(x), args.repeats)
                rows.append((f"bicubic 2x, {c} channels {h}x{w}", base, fast, rel(out, ref)))
        x = torch.randn(n, up.conv1.in_channels, size[0] // 4, size[1] // 4, device=dev)
        base, ref = timed(lambda: plain_upsampler(up, x, size), args.repeats)
        fast, out = timed(lambda: up(x, size), args.repeats)
        rows.append(("upsampler (plain order vs reordered)", base, fast, rel(out, ref)))

        images = torch.randn(n, 3, *size, device=dev)
        boxes = torch.tensor([[size[1] * 0.35, size[0] * 0.3, size[1] * 0.25, size[0] * 0.4]],
                             device=dev).repeat(n, 1).view(n, 1, 4)
        feat = net.extract_backbone_features(images)
        enc = net.encode_frames(feat, boxes, size)
        s1 = net.aggregate(enc["x"], enc["e"], enc["w"], num_iter=5)
        cache = net.precompute_decoder(feat, enc["m"])
        ours = up.forward
        up.forward = lambda x, image_size: plain_upsampler(up, x, image_size)  # the plain decoder, for the baseline
        base, ref = timed(lambda: net.decode(enc["m"], s1, feat, size), args.repeats)
        base_cached, _ = timed(lambda: net.decode(enc["m"], s1, None, size, cache=cache), args.repeats)
        up.forward = ours
        fast_full, out_full = timed(lambda: net.decode(enc["m"], s1, feat, size), args.repeats)
        fast, out = timed(lambda: net.decode(enc["m"], s1, None, size, cache=cache), args.repeats)
        rows.append(("decoder from features (plain vs our upsampler)", base, fast_full, rel(out_full, ref)))
        rows.append(("decoder, plain vs cached + our upsampler", base, fast, rel(out, ref)))
        rows.append(("decoder, cached: plain vs our upsampler", base_cached, fast, rel(out, ref)))
    name = (platform.processor() or platform.machine()) if dev.type == "cpu" else torch.cuda.get_device_name(dev)
    print(f"Decoder forms -- {date.today()}, {dev.type} ({name}, {torch.get_num_threads()} threads), "
          f"{n} frames of {size[0]}x{size[1]}, median of {args.repeats}, milliseconds per frame\n")
    print("| part | plain | ours | speed-up | max rel. difference |\n|---|---:|---:|---:|---:|")
    for label, b, f, d in rows:
        print(f"| {label} | {1e3 * b / n:.1f} | {1e3 * f / n:.1f} | {b / f:.2f}x | {d:.1e} |")


if __name__ == "__main__":
    main()
