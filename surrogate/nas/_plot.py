"""Plot mean ± standard error of NAS trajectories per optimizer (matplotlib, Agg, no pyplot)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._trajectory import Trajectory

_N_GRID = 200


def _label(name: str) -> str:
    from ._registry import MULTI_FIDELITY, OPTIMIZERS

    cls = OPTIMIZERS.get(name) or MULTI_FIDELITY.get(name)
    return f"{cls.label} [{name}]" if cls is not None else name


def _grid(trajs: Sequence[Trajectory], x: str) -> np.ndarray:
    if x == "queries":
        last = max(int(t.queries[-1]) for t in trajs)
        return np.arange(1, last + 1, dtype=np.float64)
    first = min(float(t.time[0]) for t in trajs)
    last = max(float(t.time[-1]) for t in trajs)
    return np.linspace(first, last, _N_GRID) if last > first else np.array([first])


def on_grid(traj: Trajectory, values: np.ndarray, x: str, grid: np.ndarray) -> np.ndarray:
    """A per-evaluation array of ``traj`` as a step function of ``x`` sampled at ``grid``.

    NaN before the first evaluation; the last value carries on after the run ended.
    """
    xs = traj.queries if x == "queries" else traj.time
    idx = np.searchsorted(xs, grid, side="right") - 1
    out = np.where(idx >= 0, values[np.clip(idx, 0, None)], np.nan) if xs.size else np.full(grid.shape, np.nan)
    return out.astype(np.float64)


def _mean_se(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = np.sum(np.isfinite(rows), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        filled = np.where(np.isfinite(rows), rows, 0.0)
        mean = np.where(n > 0, filled.sum(axis=0) / np.maximum(n, 1), np.nan)
        var = np.where(n > 1, ((filled - mean) ** 2 * np.isfinite(rows)).sum(axis=0) / np.maximum(n - 1, 1), 0.0)
        se = np.sqrt(var / np.maximum(n, 1))
    return mean, se


def plot_trajectories(
    trajectories: Sequence[Trajectory],
    path: str | Path,
    *,
    x: str | None = None,
    title: str | None = None,
) -> Path:
    """Write a two-panel PNG: best-so-far accuracy and regret (log scale) against the budget.

    One line per optimizer: the mean over its repeats, with a band of ± one standard error.
    Trajectories are step functions (the incumbent changes only at evaluations), sampled on a
    common grid of simulated time or of queries.

    Parameters
    ----------
    trajectories : sequence of Trajectory
        Runs of one or more optimizers (grouped by ``Trajectory.optimizer``). The regret panel
        needs a reference (:func:`run_many` sets it); without one it is left empty.
    path : str or Path
        Where to write the PNG (parent folders are created).
    x : {"time", "queries"}, optional
        The horizontal axis; default ``"time"`` when the budget has a seconds limit, else
        ``"queries"``.
    title : str, optional
        Figure title.

    Returns
    -------
    Path
        ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    runs = [t for t in trajectories if len(t)]
    if not runs:
        raise ValueError("nothing to plot: no trajectory evaluated any architecture")
    if x is None:
        x = "time" if runs[0].budget.seconds is not None else "queries"
    if x not in ("time", "queries"):
        raise ValueError(f"x must be 'time' or 'queries', got {x!r}")
    grid = _grid(runs, x)
    names = list(dict.fromkeys(t.optimizer for t in runs))

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax_acc, ax_reg = fig.subplots(1, 2)
    colors = [f"C{i % 10}" for i in range(len(names))]
    regret_positive: list[float] = []
    for name, color in zip(names, colors):
        group = [t for t in runs if t.optimizer == name]
        label = f"{_label(name)} (n={len(group)})"
        acc = np.stack([on_grid(t, t.incumbent, x, grid) for t in group])
        mean, se = _mean_se(acc)
        ax_acc.plot(grid, mean, color=color, label=label, drawstyle="steps-post")
        ax_acc.fill_between(grid, mean - se, mean + se, color=color, alpha=0.2, step="post", linewidth=0)
        if all(math.isfinite(t.reference) for t in group):
            reg = np.stack([on_grid(t, t.regret, x, grid) for t in group])
            mean, se = _mean_se(reg)
            regret_positive += [v for v in (mean - se).tolist() + mean.tolist() if v > 0]
            ax_reg.plot(grid, mean, color=color, label=label, drawstyle="steps-post")
            ax_reg.fill_between(grid, mean - se, mean + se, color=color, alpha=0.2, step="post", linewidth=0)
    xlabel = "simulated training time (s)" if x == "time" else "queries (architectures evaluated)"
    ax_acc.set(
        xlabel=xlabel, ylabel="best-so-far validation accuracy (%, observed)", title="incumbent accuracy (mean ± s.e.)"
    )
    ax_reg.set(xlabel=xlabel, ylabel="regret of the incumbent (% points, noiseless)", title="regret (mean ± s.e.)")
    if regret_positive:
        ax_reg.set_yscale("log", nonpositive="mask")
        ax_reg.set_ylim(bottom=min(regret_positive) / 2)
    else:
        ax_reg.text(0.5, 0.5, "no positive regret to show", ha="center", va="center", transform=ax_reg.transAxes)
    for ax in (ax_acc, ax_reg):
        ax.grid(True, alpha=0.3)
    ax_acc.legend(loc="lower right", fontsize="small")
    if title:
        fig.suptitle(title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path
