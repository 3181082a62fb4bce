"""Loading the shared reference vectors (weights stored as int8 x 2^exp) and the tolerance rule of their README."""
from __future__ import annotations

import importlib

import torch

from tests.conftest import shared_path


def load_vector(name: str) -> dict:
    """The vector file ``ref/vectors/<name>`` (skips when the shared folder is missing)."""
    return torch.load(shared_path("ref", "vectors", name), map_location="cpu", weights_only=True)


def dequantised(d: dict) -> dict:
    """The stored state_dict entries of a vector file."""
    sd = {k: d["weights_q"][k].float() * 2.0 ** d["weights_exp"][k] for k in d["weights_q"]}
    sd.update(d["other_buffers"])
    return sd


def build(module: str, kwds: dict):
    """A network from a constructor module and the file's kwargs (backbone_pretrained off), in eval mode."""
    kw = dict(kwds)
    kw["backbone_pretrained"] = False
    return importlib.import_module(module).steepest_descent_resnet50(**kw).eval()


def assert_close(out: torch.Tensor, ref: torch.Tensor, rtol: float, factor: float, name: str = "") -> None:
    """README rule: |out - ref| <= factor * max|ref| + rtol * |ref| elementwise."""
    out, ref = out.double(), ref.double()
    atol = factor * ref.abs().max().item()
    err = (out - ref).abs().max().item()
    assert out.shape == ref.shape, f"{name}: shape {tuple(out.shape)} vs {tuple(ref.shape)}"
    assert torch.allclose(out, ref, rtol=rtol, atol=atol), f"{name}: max abs err {err:.3g} (atol {atol:.3g})"
