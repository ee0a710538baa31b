"""Pictures of the studies (matplotlib's object API on the Agg canvas: no pyplot, no global rc)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._leave_one_out import LeaveOneOutResult
    from ._tabular_vs_surrogate import TabularVsSurrogateResult

_SURROGATE, _TABLE = "C0", "C1"


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path


def _nan_to_zero(values: list[float]) -> np.ndarray:
    return np.asarray([0.0 if v is None or not math.isfinite(v) else v for v in values], dtype=np.float64)


def plot_tabular_vs_surrogate(result: TabularVsSurrogateResult, path: str | Path) -> Path:
    """Two panels of grouped bars per seed (surrogate vs table): MAE against the mean of the
    other seeds, with the noise model's expected table MAE and the perfect-surrogate floor as
    lines; and Kendall τ. The last group is the mean ± std (error bar) over seeds."""
    fig = _figure(10, 4)
    ax_mae, ax_tau = fig.subplots(1, 2)
    labels = [f"seed {s.seed}" for s in result.seeds] + ["mean"]
    x = np.arange(len(labels), dtype=np.float64)
    w = 0.38
    summ = result.summary
    for ax, metric, ylabel in (
        (ax_mae, "mae", f"MAE vs mean of other seeds ({result.target})"),
        (ax_tau, "tau", "Kendall τ vs mean of other seeds"),
    ):
        for offset, who, color in ((-w / 2, "surrogate", _SURROGATE), (w / 2, "table", _TABLE)):
            key = f"{who}_{metric}"
            vals = [getattr(s, key) for s in result.seeds] + [summ[key][0]]
            label = (
                f"surrogate ({result.family}, fit on that seed)" if who == "surrogate" else "table (that seed's run)"
            )
            ax.bar(x + offset, _nan_to_zero(vals), w, color=color, label=label)
            mean, std = summ[key]
            if math.isfinite(mean) and math.isfinite(std):
                ax.errorbar(x[-1] + offset, mean, yerr=std, fmt="none", ecolor="0.1", capsize=3)
        ax.set_xticks(x, labels)
        ax.set_ylabel(ylabel)
        ax.grid(True, axis="y", alpha=0.3)
    for value, style, label in (
        (result.expected_table_mae, "--", "noise model: table"),
        (result.oracle_mae, ":", "noise model: perfect surrogate"),
    ):
        if math.isfinite(value):
            ax_mae.axhline(value, color="0.3", linestyle=style, linewidth=1, label=label)
    ax_mae.set_title("error (lower is better)")
    ax_tau.set_title("ranking (higher is better)")
    ax_mae.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize="small")
    n = max((s.n_test for s in result.seeds), default=0)
    fig.suptitle(
        f"surrogate vs tabular benchmark: {n} of {result.n_archs} architectures × {result.n_seeds} seeds scored"
    )
    return _save(fig, path)


def plot_leave_one_out(result: LeaveOneOutResult, path: str | Path) -> Path:
    """Two panels of bars per held-out value: R² and Kendall τ, the random-split baseline as a
    dashed line."""
    fig = _figure(max(6.0, 1.2 * len(result.rows) + 3), 4)
    ax_r2, ax_tau = fig.subplots(1, 2)
    names = [r.held_out for r in result.rows]
    x = np.arange(len(names), dtype=np.float64)
    for ax, metric, title in (
        (ax_r2, "r2", "R² on the held-out rows"),
        (ax_tau, "kendall_tau", "Kendall τ on the held-out rows"),
    ):
        ax.bar(x, _nan_to_zero([getattr(r, metric) for r in result.rows]), 0.6, color=_SURROGATE)
        if result.baseline is not None and math.isfinite(getattr(result.baseline, metric)):
            ax.axhline(
                getattr(result.baseline, metric),
                color="0.3",
                linestyle="--",
                linewidth=1,
                label="random split of all rows",
            )
            ax.legend(loc="lower right", fontsize="small")
        ax.axhline(0.0, color="0.0", linewidth=0.8)
        ax.set_xticks(x, names, rotation=30 if len(names) > 4 else 0, ha="right" if len(names) > 4 else "center")
        ax.set_xlabel(f"held-out {result.column}")
        ax.set_title(title)
        ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle(f"leave one {result.column} out: {result.family} ensemble of {result.n_members}")
    return _save(fig, path)
