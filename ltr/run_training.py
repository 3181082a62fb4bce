"""``ltr-train METHOD SETTING``: run ``ltr/train_settings/<METHOD>/<SETTING>.py::run(settings)``.

Single process::

    ltr-train lwl stage2 --workers 8
    ltr-train lwl stage2 --resume                # continue from the newest checkpoint of this setting
    ltr-train examples toy --epochs 2 --device cpu --set lr=0.01 --set grad_clip=1.0

Several processes (one per GPU, or CPU processes with gloo), DistributedDataParallel::

    torchrun --nproc-per-node 4 -m ltr.run_training lwl stage2 --workers 4
    torchrun --nproc-per-node 2 --no-python ltr-train examples toy --device cpu

``--set NAME=VALUE`` sets a Settings field (``grad_clip``, ``keep_last_checkpoints``, ``checkpoint_dir``, ...) or,
for any other name, a hyper-parameter that the setting reads with ``settings.hparam(NAME, default)``. VALUE is a
Python literal (``1e-4``, ``[30, 60]``, ``True``) or else a string. Command-line values override the setting's own.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import random
import sys
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np
import torch

from ltr.admin import multigpu
from ltr.admin.environment import MissingSettingError
from ltr.admin.cli import debug_requested, guarded, parse_value
from ltr.admin.settings import Settings, SettingsError
from ltr.data.loader import derive_seed

logger = logging.getLogger("ltr.run_training")

SETTINGS_PACKAGE = "ltr.train_settings"


class UnknownSettingError(LookupError):
    """``ltr-train METHOD SETTING`` names no module under ltr/train_settings."""


def seed_everything(seed: int) -> None:
    """Seed python ``random``, numpy's global RNG and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def parse_assignments(items: Iterable[str]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Split ``NAME=VALUE`` strings into (Settings field overrides, hyper-parameters)."""
    fields, hparams = {}, {}
    known = set(Settings.field_names())
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise SettingsError(f"--set expects NAME=VALUE, got {item!r}")
        (fields if name in known else hparams)[name] = parse_value(text)
    return fields, hparams


def import_setting(method: str, setting: str):
    """Import ``ltr.train_settings.<method>.<setting>``; an unknown name lists what exists."""
    for part in (method, setting):
        if not part.isidentifier():
            raise UnknownSettingError(f"Invalid method/setting name {part!r}")
    name = f"{SETTINGS_PACKAGE}.{method}.{setting}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name not in (name, f"{SETTINGS_PACKAGE}.{method}"):
            raise
        raise UnknownSettingError(f"No train setting {method}/{setting}. Available: "
                                  f"{', '.join(available_settings()) or 'none'}") from e
    if not callable(getattr(module, "run", None)):
        raise UnknownSettingError(f"{name} has no run(settings) function")
    return module


def available_settings() -> List[str]:
    """``METHOD/SETTING`` names found under ltr/train_settings."""
    package = importlib.import_module(SETTINGS_PACKAGE)
    out = []
    for method in pkgutil.iter_modules(package.__path__):
        if method.ispkg:
            sub = importlib.import_module(f"{SETTINGS_PACKAGE}.{method.name}")
            for m in pkgutil.iter_modules(sub.__path__):
                if m.name.startswith("_"):
                    continue
                module = importlib.import_module(f"{SETTINGS_PACKAGE}.{method.name}.{m.name}")
                if callable(getattr(module, "run", None)):
                    out.append(f"{method.name}/{m.name}")
    return sorted(out)


def run_training(method: str, setting: str, *, resume: Union[bool, str] = False,
                 overrides: Optional[Dict[str, Any]] = None, hparams: Optional[Dict[str, Any]] = None) -> Any:
    """Build the Settings, start the process group under torchrun, seed, and call the setting's ``run``.

    ``overrides`` are locked Settings fields, ``hparams`` hyper-parameter values. The RNGs are seeded with
    ``derive_seed(seed, rank)`` before ``run`` (network initialisation; DDP then copies rank 0's weights).
    Returns what ``run`` returns.
    """
    module = import_setting(method, setting)
    settings = Settings(module_name=method, script_name=setting)
    settings.override(**(overrides or {}))
    if resume:
        settings.override(resume=resume)
    settings.set_hparams(**(hparams or {}))
    device = settings.resolved_device()
    started = multigpu.init_distributed(str(device))
    # seed and device are fixed before run(): the RNGs are seeded and the process group runs on this device
    settings.override(seed=settings.seed, device=str(device))
    seed_everything(derive_seed(settings.seed, multigpu.get_rank()))
    try:
        logger.info("Training %s/%s on %s (%d process%s)", method, setting, device, multigpu.get_world_size(),
                    "es" if multigpu.get_world_size() > 1 else "")
        return module.run(settings)
    finally:
        if started:
            multigpu.cleanup_distributed()


def build_parser() -> argparse.ArgumentParser:
    """The ``ltr-train`` argument parser."""
    p = argparse.ArgumentParser(prog="ltr-train", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("method", help="sub-package of ltr/train_settings (e.g. lwl, box2mask, examples)")
    p.add_argument("setting", help="module inside it (e.g. stage2)")
    p.add_argument("--resume", nargs="?", const=True, default=False, metavar="PATH",
                   help="continue from the newest checkpoint of this setting, or from PATH")
    p.add_argument("--workers", type=int, default=None, help="DataLoader workers per process")
    p.add_argument("--seed", type=int, default=None, help="base random seed (default 1)")
    p.add_argument("--epochs", type=int, default=None, help="number of epochs (overrides the setting)")
    p.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: cuda when available)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="set a Settings field or a hyper-parameter of the setting (repeatable)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.add_argument("--debug", action="store_true", help="show the traceback of an error (also: B2M_DEBUG=1)")
    return p


def _setup_logging(verbose: bool) -> None:
    rank = int(os.environ.get("RANK", "0"))
    level = logging.DEBUG if verbose else logging.INFO
    # ranks other than 0 only report problems, so a multi-process run prints each line once
    logging.basicConfig(level=level if rank == 0 else logging.WARNING,
                        format=f"%(asctime)s %(levelname)s [rank {rank}] %(name)s: %(message)s", datefmt="%H:%M:%S")


def _cli(argv: Optional[Iterable[str]] = None) -> int:
    args = build_parser().parse_args(None if argv is None else list(argv))
    _setup_logging(args.verbose)
    try:
        overrides, hparams = parse_assignments(args.set)
    except SettingsError as e:
        logger.error("%s", e)
        return 2
    for name, value in (("num_workers", args.workers), ("seed", args.seed), ("num_epochs", args.epochs),
                        ("device", args.device)):
        if value is not None:
            overrides[name] = value
    try:
        run_training(args.method, args.setting, resume=args.resume, overrides=overrides, hparams=hparams)
    except (UnknownSettingError, MissingSettingError, SettingsError, FileExistsError) as e:
        logger.error("%s", e)
        return 2
    return 0


def main(argv: Optional[Iterable[str]] = None) -> int:
    """Console entry point ``ltr-train``: exit code 0 on success, 2 on a usage / configuration error, 1 with one
    ``error: ...`` line for any other error (traceback with ``--debug``), 130 on Ctrl-C (the last complete epoch's
    checkpoint is kept; rerun with ``--resume``)."""
    args = list(sys.argv[1:] if argv is None else argv)

    def train() -> int:
        try:
            return _cli(args)
        except KeyboardInterrupt:
            logger.warning("Interrupted; continue later with --resume")
            return 130

    return guarded(train, debug_requested(args))


if __name__ == "__main__":
    sys.exit(main())
