"""Score a saved checkpoint on data and draw its predicted-vs-true scatter plot.

:func:`evaluate_checkpoint` loads a checkpoint (checksums verified), rebuilds the encoder it was
fit with (space and encoder state from the manifest), picks the rows to score and returns the
metrics of :func:`surrogate.fit.evaluate` with the predictions. On the checkpoint's own data,
``rows="test"`` (or ``"val"``) rebuilds the split recorded in the manifest
(:func:`surrogate.split_spec.rebuild_split`), so the metrics equal the manifest's exactly; on other
data use ``rows="all"``. :func:`plot_predictions` writes the scatter plot (PNG, matplotlib's Agg
canvas through a bare Figure, no display needed) with the calibrated ±1 std as error bars.

Examples
--------
>>> from surrogate.evaluation import evaluate_checkpoint, plot_predictions
>>> # ev = evaluate_checkpoint("checkpoints/my-xgb", dataset, rows="test")
>>> # ev.metrics["kendall_tau"], ev.matches_manifest()
>>> # plot_predictions(ev.y, ev.mean, ev.std, "my-xgb-test.png", title="my-xgb, test split")
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .checkpoint import space_of
from .data import Dataset
from .fit import evaluate
from .metrics import report_from_json

__all__ = ["ROWS", "CheckpointEvaluation", "evaluate_checkpoint", "plot_predictions", "space_of"]

#: Which rows :func:`evaluate_checkpoint` scores.
ROWS = ("test", "val", "train", "all")


@dataclass
class CheckpointEvaluation:
    """Metrics and predictions of a checkpoint on some rows of a dataset.

    Attributes
    ----------
    metrics : dict
        :func:`surrogate.metrics.regression_report` (plus ``kl_to_seeds`` where rows repeat
        architectures).
    y, mean, std : numpy.ndarray
        Truth, ensemble mean and calibrated std per scored row.
    rows : str
        ``"test"``, ``"val"``, ``"train"`` or ``"all"``.
    indices : numpy.ndarray
        The scored rows of the dataset.
    manifest : dict
        The checkpoint's manifest.
    """

    metrics: dict[str, float]
    y: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    rows: str
    indices: np.ndarray
    manifest: dict[str, Any]

    def recorded(self) -> dict[str, Any] | None:
        """The manifest's metrics for the same rows (``None`` for ``train``/``all``), non-finite
        values restored from the manifest's ``not_finite`` notes."""
        if self.rows not in ("val", "test"):
            return None
        report = (self.manifest.get("metrics") or {}).get(self.rows)
        return report_from_json(report) if isinstance(report, dict) else report

    def differences(self) -> dict[str, tuple[Any, Any]]:
        """``{metric: (recorded, now)}`` for every recorded metric that is not reproduced exactly.

        Non-finite metrics compare as what they are (``inf`` equals ``inf``, NaN equals NaN); a
        recorded ``None`` without a ``not_finite`` note (format 1 manifests wrote every
        non-finite value so) matches any non-finite value.
        """
        recorded = self.recorded() or {}
        out = {}
        for key, old in recorded.items():
            new = self.metrics.get(key)
            if old is None:
                same = new is None or (isinstance(new, float) and not math.isfinite(new))
            elif isinstance(new, float) and math.isnan(new):
                same = isinstance(old, float) and math.isnan(old)
            else:
                same = old == new
            if not same:
                out[key] = (old, new)
        return out

    def matches_manifest(self) -> bool | None:
        """Whether every recorded metric is reproduced exactly (``None`` when nothing is recorded)."""
        return None if self.recorded() is None else not self.differences()


def evaluate_checkpoint(
    checkpoint: str | Path | tuple[Any, dict[str, Any]],
    dataset: Dataset,
    rows: str = "test",
    target: str | None = None,
) -> CheckpointEvaluation:
    """Score ``checkpoint`` on ``rows`` of ``dataset``.

    Parameters
    ----------
    checkpoint : path or (Ensemble, manifest)
        A checkpoint directory, or what :func:`surrogate.checkpoint.load_fitted` (or
        ``load_checkpoint``) returned.
    dataset : Dataset
        For ``rows`` other than ``"all"``, the data the checkpoint was fit on (same fingerprint).
    rows : {"test", "val", "train", "all"}, default "test"
    target : str, optional
        Default: the manifest's target.

    Raises
    ------
    ValueError
        For another search space, a missing target column, or a split requested on other data.
    """
    from .checkpoint import load_fitted
    from .split_spec import rebuild_split

    if rows not in ROWS:
        raise ValueError(f"rows must be one of {', '.join(ROWS)}, got {rows!r}")
    if isinstance(checkpoint, (str, Path)):
        ensemble, manifest, space = load_fitted(checkpoint)
    else:
        ensemble, manifest = checkpoint[:2]
        space = space_of(manifest, ensemble.model_class.input_kind)
    if dataset.space != space.name:
        raise ValueError(
            f"the checkpoint was fit on the {space.name!r} space but the data is {dataset.space!r}; "
            f"read the data with --space {space.name}"
        )
    target = target or manifest.get("target")
    if not target or target not in dataset.columns:
        raise ValueError(f"target {target!r} is not a column of the data; columns: {', '.join(dataset.columns)}")
    if rows == "all":
        idx = np.arange(len(dataset), dtype=np.int64)
    else:
        recorded = manifest.get("data_fingerprint")
        if recorded is not None and recorded != dataset.fingerprint():
            raise ValueError(
                f"this is not the data the checkpoint was fit on (fingerprint {dataset.fingerprint()[:12]}…, "
                f"manifest {recorded[:12]}…), so its {rows} split cannot be rebuilt; evaluate on all rows "
                "(--split all) or pass the original data"
            )
        idx = rebuild_split(dataset, manifest.get("split") or {})[("train", "val", "test").index(rows)]
    y_all = dataset.column(target).astype(float)
    idx = idx[np.isfinite(y_all[idx])]
    metrics, mean, std = evaluate(ensemble, space, dataset, target, idx)
    return CheckpointEvaluation(metrics, y_all[idx], mean, std, rows, idx, manifest)


def plot_predictions(
    y: Any,
    mean: Any,
    std: Any,
    path: str | Path,
    *,
    title: str = "",
    label: str = "accuracy (%)",
    max_points: int = 5000,
    seed: int = 0,
) -> Path:
    """Write a predicted-vs-true scatter plot with ±1 std error bars (PNG) to ``path``.

    At most ``max_points`` points are drawn (a seeded random subset) so large splits stay legible;
    the identity line and the metrics in the title are computed from every point.
    """
    from matplotlib.figure import Figure  # no pyplot: no global backend or figure state

    from .metrics import kendall_tau, r2

    y, mean, std = (np.asarray(a, dtype=float).reshape(-1) for a in (y, mean, std))
    if not (len(y) == len(mean) == len(std)) or len(y) == 0:
        raise ValueError(
            f"y, mean and std must be non-empty and of equal length, got {len(y)}, {len(mean)}, {len(std)}"
        )
    show = np.arange(len(y))
    if len(y) > max_points:
        show = np.sort(np.random.default_rng(seed).choice(len(y), max_points, replace=False))
    fig = Figure(figsize=(5.5, 5.5), dpi=120)
    ax = fig.subplots()
    ax.errorbar(
        y[show],
        mean[show],
        yerr=std[show],
        fmt="o",
        ms=2.5,
        alpha=0.5,
        elinewidth=0.6,
        color="tab:blue",
        ecolor="tab:gray",
        label="ensemble mean ± 1 std",
    )
    lo = float(np.nanmin([y.min(), (mean - std).min()]))
    hi = float(np.nanmax([y.max(), (mean + std).max()]))
    pad = 0.02 * (hi - lo or 1.0)
    ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], "k--", lw=0.8, label="y = x")
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel(f"true {label}")
    ax.set_ylabel(f"predicted {label}")
    stats = f"n={len(y)}  R²={r2(y, mean):.3f}  τ={kendall_tau(y, mean):.3f}"
    ax.set_title(f"{title}\n{stats}" if title else stats, fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path
