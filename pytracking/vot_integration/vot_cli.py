"""``vot`` launcher with the project's fixes for vot-toolkit 0.9.0 (runs the built-in VOT2020 stack unchanged).

    python -m pytracking.vot_integration.vot_cli evaluate|analysis|report|pack|test|initialize ...  (vot's arguments)

On top of the plain ``vot`` command it

* applies :func:`pytracking.vot_integration.compat.apply_patches` (working multistart and realtime experiments);
* defaults ``VOT_PERSISTENT_CACHE=0`` (the toolkit's analysis cache is keyed without the result contents and
  returns stale numbers after ``evaluate -f``) and, after ``evaluate``, deletes ``WORKSPACE/cache/analysis`` so a
  later plain ``vot analysis`` cannot read stale numbers either;
* exits 1 (naming the missing experiment / sequence / anchor, and the tracker's last error line from its log, e.g. a
  missing checkpoint where the toolkit only says "Unable to connect to tracker") when ``evaluate`` left results
  incomplete, or when ``analysis``/``report`` is asked for trackers with incomplete results -- the plain toolkit
  exits 0 then;
* exits 1 naming every failed analysis task (analysis, experiment, cause) when ``analysis`` fails -- the plain
  toolkit logs "Failed task ..." and exits 0 without writing anything (e.g. vot-toolkit 0.9.0's division by zero in
  the multistart AR analysis when a tracker's robustness is 0 on every sequence);
* skips the toolkit's online update check (set ``PYTRACKING_VOT_UPDATE_CHECK=1`` to keep it).
"""
from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Callable, List, Optional, Sequence

logger = logging.getLogger(__name__)


class IncompleteResultsError(RuntimeError):
    """Tracker results are missing after an evaluation, or before an analysis."""


class AnalysisFailedError(RuntimeError):
    """One or more analysis tasks of ``vot analysis`` failed."""


_FAILED_TASK = re.compile(r"^Failed task \('(?:[\w.]*\.)?(\w+)@\w*', '([^']*)'.*?\): (.*)$", re.S)


class _FailedTasks(logging.Handler):
    """Collects the toolkit's "Failed task ..." log records (its only report of failed analysis tasks)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.failures: List[str] = []
        self.zero_robustness = False

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith("Failed task"):
            return
        m = _FAILED_TASK.match(message)
        text = f"{m.group(1)} on experiment '{m.group(2)}': {m.group(3)}" if m else message
        if m and m.group(3) == "division by zero" and m.group(1) == "AverageAccuracyRobustness":
            self.zero_robustness = True
        if text not in self.failures:
            self.failures.append(text)


def _failing_analysis(original: Callable) -> Callable:
    """``process_stack_analyses`` that raises :class:`AnalysisFailedError` naming the failed tasks (the original
    returns None, so the toolkit writes nothing and exits 0), and KeyboardInterrupt when it was interrupted."""

    @functools.wraps(original)
    def process(*args, **kwargs):
        collector = _FailedTasks()
        vot_logger = logging.getLogger("vot")
        vot_logger.addHandler(collector)
        try:
            results = original(*args, **kwargs)
        finally:
            vot_logger.removeHandler(collector)
        if results is None:
            if not collector.failures:
                raise KeyboardInterrupt
            hint = (" (vot-toolkit 0.9.0 divides by zero there when the tracker's robustness is 0 on every sequence, "
                    "i.e. it fails right after every initialisation)" if collector.zero_robustness else "")
            raise AnalysisFailedError(f"analysis failed, nothing written: {len(collector.failures)} task(s) failed: "
                                      + "; ".join(collector.failures) + hint)
        return results

    return process


def _require_complete(config, action: str) -> None:
    from pytracking.vot_integration.check import find_missing, report_missing

    experiments = config.experiments.split(",") if getattr(config, "experiments", None) else None
    sequences = config.sequences.split(",") if getattr(config, "sequences", None) else None
    checked, missing = find_missing(config.workspace, config.trackers or None, experiments, sequences)
    if missing:
        raise IncompleteResultsError(f"{action}: {report_missing(config.workspace, checked, missing)}")


def _clear_analysis_cache(workspace: str) -> None:
    cache = Path(workspace) / "cache" / "analysis"
    if cache.is_dir():
        shutil.rmtree(cache)
        logger.info("Removed the (now stale) analysis cache %s", cache)


def _after_evaluate(original: Callable) -> Callable:
    @functools.wraps(original)
    def do_evaluate(config):
        try:
            original(config)
        finally:
            _clear_analysis_cache(config.workspace)
        _require_complete(config, "evaluation incomplete")

    return do_evaluate


def _checked_first(original: Callable, action: str) -> Callable:
    @functools.wraps(original)
    def wrapper(config):
        _require_complete(config, f"refusing to run {action}")
        return original(config)

    return wrapper


def prepare() -> None:
    """Environment defaults and patches, before vot's CLI runs (idempotent)."""
    os.environ.setdefault("VOT_PERSISTENT_CACHE", "0")
    from pytracking.vot_integration.compat import apply_patches

    apply_patches()
    import vot.utilities.cli as cli

    if getattr(cli, "_pytracking_wrapped", False):
        return
    if os.environ.get("PYTRACKING_VOT_UPDATE_CHECK", "0") != "1":
        cli.check_updates = lambda: (False, None)
    cli.do_evaluate = _after_evaluate(cli.do_evaluate)
    cli.do_analysis = _checked_first(cli.do_analysis, "the analysis")
    cli.do_report = _checked_first(cli.do_report, "the report")
    import vot.analysis as analysis

    analysis.process_stack_analyses = _failing_analysis(analysis.process_stack_analyses)
    cli._pytracking_wrapped = True


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run vot's command-line interface with ``argv``; returns its exit status."""
    args: List[str] = list(sys.argv[1:] if argv is None else argv)
    prepare()
    import vot.utilities.cli as cli

    saved = sys.argv
    sys.argv = ["vot"] + args
    try:
        cli.main()
    except SystemExit as e:
        code = e.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    finally:
        sys.argv = saved
    return 0


if __name__ == "__main__":
    sys.exit(main())
