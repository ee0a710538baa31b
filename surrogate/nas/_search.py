"""One NAS study end to end: run the optimizers, summarise, write JSON, CSV and a plot.

This is ``surrogate search`` without the argument parsing and printing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._base import Optimizer
from ._budget import Budget
from ._io import write_csv, write_json
from ._plot import plot_trajectories
from ._protocol import BenchmarkLike
from ._run_many import run_many
from ._trajectory import Trajectory

#: The optimizers ``search`` runs by default.
DEFAULT_OPTIMIZERS = ("rs", "re", "ls", "tpe")


@dataclass(frozen=True)
class OptimizerSummary:
    """Final figures of one optimizer over its repeats (NaN where nothing was evaluated).

    Attributes
    ----------
    optimizer : str
    runs : int
    final_accuracy_mean, final_accuracy_std : float
        Observed accuracy of the final incumbent: mean and sample standard deviation.
    final_mean_accuracy : float
        Noiseless mean accuracy of the final incumbent, averaged over runs.
    final_regret_mean : float
    queries_mean : float
        Evaluations per run.
    seconds_mean : float
        Simulated training seconds per run.
    """

    optimizer: str
    runs: int
    final_accuracy_mean: float
    final_accuracy_std: float
    final_mean_accuracy: float
    final_regret_mean: float
    queries_mean: float
    seconds_mean: float


def _nanstat(values: list[float], fn: Any, **kw: Any) -> float:
    arr = np.array([v for v in values if math.isfinite(v)], dtype=np.float64)
    return float(fn(arr, **kw)) if arr.size > kw.get("ddof", 0) else math.nan


def summarise(trajectories: Sequence[Trajectory]) -> list[OptimizerSummary]:
    """One :class:`OptimizerSummary` per optimizer, in order of first appearance."""
    out = []
    for name in dict.fromkeys(t.optimizer for t in trajectories):
        group = [t for t in trajectories if t.optimizer == name]
        final = [t.final("incumbent") for t in group]
        out.append(
            OptimizerSummary(
                optimizer=name,
                runs=len(group),
                final_accuracy_mean=_nanstat(final, np.mean),
                final_accuracy_std=_nanstat(final, np.std, ddof=1) if len(group) > 1 else 0.0,
                final_mean_accuracy=_nanstat([t.final("incumbent_mean") for t in group], np.mean),
                final_regret_mean=_nanstat([t.final("regret") for t in group], np.mean),
                queries_mean=float(np.mean([len(t) for t in group])),
                seconds_mean=float(np.mean([t.final("time") if len(t) else 0.0 for t in group])),
            )
        )
    return out


def _json_ready(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _json_ready(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_ready(v) for v in x]
    return x


@dataclass(frozen=True)
class SearchResult:
    """What :func:`search` ran and wrote.

    Attributes
    ----------
    trajectories : list of Trajectory
    summary : list of OptimizerSummary
    budget : Budget
    seed : int or None
    reference : float
        The regret reference used.
    files : dict of str to Path
        ``"json"``, ``"csv"`` and ``"plot"`` when an output folder was given, else empty.
    """

    trajectories: list[Trajectory]
    summary: list[OptimizerSummary]
    budget: Budget
    seed: int | None
    reference: float
    files: dict[str, Path] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (without the per-evaluation arrays; those are in ``files``)."""
        return _json_ready(
            {
                "budget": self.budget.to_dict(),
                "seed": self.seed,
                "reference": self.reference,
                "summary": [asdict(s) for s in self.summary],
                "files": {k: str(v) for k, v in self.files.items()},
            }
        )


def search(
    bench: BenchmarkLike,
    optimizers: Sequence[str | Optimizer] = DEFAULT_OPTIMIZERS,
    *,
    budget: Budget,
    repeats: int = 5,
    seed: int | None = 0,
    reference: float | None = None,
    out: str | Path | None = None,
    x: str | None = None,
    progress: bool = True,
) -> SearchResult:
    """Run a NAS study on ``bench`` and, given ``out``, write its files.

    Parameters
    ----------
    bench : BenchmarkLike
        The benchmark (e.g. ``surrogate.load()``).
    optimizers : sequence of str or Optimizer, default ("rs", "re", "ls", "tpe")
        See :func:`run_many`.
    budget : Budget
        Limit of each run.
    repeats : int, default 5
        Runs per optimizer.
    seed : int or None, default 0
        Root seed of the study.
    reference : float, optional
        Regret reference (default: best noiseless mean evaluated in the study).
    out : str or Path, optional
        Folder for ``trajectories.json``, ``trajectories.csv`` and ``trajectories.png``.
    x : {"time", "queries"}, optional
        Horizontal axis of the plot (default: time for a seconds budget).
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    SearchResult
    """
    trajs = run_many(bench, optimizers, repeats, budget, seed, reference=reference, progress=progress)
    ref = trajs[0].reference
    summary = summarise(trajs)
    files: dict[str, Path] = {}
    if out is not None:
        out = Path(out)
        meta = _json_ready({"budget": budget.to_dict(), "repeats": repeats, "seed": seed, "reference": ref})
        files["json"] = write_json(trajs, out / "trajectories.json", meta=meta)
        files["csv"] = write_csv(trajs, out / "trajectories.csv")
        if any(len(t) for t in trajs):
            files["plot"] = plot_trajectories(
                trajs,
                out / "trajectories.png",
                x=x,
                title=f"NAS on the benchmark: {repeats} repeats, budget {budget.describe()} per run",
            )
    return SearchResult(trajs, summary, budget, seed, ref, files)
