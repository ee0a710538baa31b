"""Metrics for surrogate models: accuracy of the mean, ranking, and quality of the uncertainty.

Every function takes plain arrays (any array-like of numbers) and returns a Python ``float``.
The ranking metrics are the ones NAS-Bench-301 reports; the uncertainty metrics judge the
``(mean, std)`` of an :class:`~surrogate.ensemble.Ensemble`.

Examples
--------
>>> import numpy as np
>>> from surrogate.metrics import regression_report
>>> y = np.array([90.0, 91.0, 92.0, 93.0])
>>> report = regression_report(y, y + 0.1, std=np.full(4, 0.2))
>>> round(report["mae"], 6), report["kendall_tau"], report["coverage_95"]
(0.1, 1.0, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "coverage",
    "gaussian_nll",
    "kendall_tau",
    "kl_to_seeds",
    "mae",
    "r2",
    "regression_report",
    "report_from_json",
    "report_to_json",
    "rmse",
    "sparse_kendall_tau",
    "spearman",
]


def _vectors(*named: tuple[str, object]) -> list[np.ndarray]:
    """Turn each named input into a 1-D float64 array, checking equal lengths and finiteness."""
    out = []
    for name, value in named:
        a = np.asarray(value, dtype=np.float64)
        if a.ndim == 0:
            a = a.reshape(1)
        if a.ndim != 1:
            raise ValueError(f"{name} must be 1-D (one value per architecture), got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            bad = int(np.flatnonzero(~np.isfinite(a))[0])
            raise ValueError(f"{name} has a non-finite value ({a[bad]}) at index {bad}; drop or fix it first")
        out.append(a)
    lengths = {len(a) for a in out}
    if len(lengths) > 1:
        desc = ", ".join(f"{n}: {len(a)}" for (n, _), a in zip(named, out))
        raise ValueError(f"inputs must have the same length, got {desc}")
    if out and len(out[0]) == 0:
        raise ValueError("inputs are empty; a metric needs at least one value")
    return out


def _std(name: str, value: object) -> np.ndarray:
    (s,) = _vectors((name, value))
    if np.any(s < 0):
        raise ValueError(f"{name} must be non-negative, got {s.min()}")
    return s


def r2(y_true: object, y_pred: object) -> float:
    """Coefficient of determination, ``1 - SS_res / SS_tot``.

    ``nan`` when ``y_true`` is constant (the ratio is undefined).
    """
    y, p = _vectors(("y_true", y_true), ("y_pred", y_pred))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    if ss_tot == 0.0:
        return math.nan
    return 1.0 - float(np.sum((y - p) ** 2)) / ss_tot


def mae(y_true: object, y_pred: object) -> float:
    """Mean absolute error."""
    y, p = _vectors(("y_true", y_true), ("y_pred", y_pred))
    return float(np.mean(np.abs(y - p)))


def rmse(y_true: object, y_pred: object) -> float:
    """Root mean squared error."""
    y, p = _vectors(("y_true", y_true), ("y_pred", y_pred))
    return float(np.sqrt(np.mean((y - p) ** 2)))


def kendall_tau(y_true: object, y_pred: object) -> float:
    """Kendall's tau-b rank correlation (:func:`scipy.stats.kendalltau`); ``nan`` if either is constant."""
    y, p = _vectors(("y_true", y_true), ("y_pred", y_pred))
    if len(y) < 2:
        return math.nan
    return float(stats.kendalltau(y, p).statistic)


def sparse_kendall_tau(y_true: object, y_pred: object, resolution: float = 0.1, round_truth: bool = False) -> float:
    """Kendall tau that ignores rank changes finer than ``resolution`` (NAS-Bench-301's sparse tau).

    The predictions are rounded to the nearest multiple of ``resolution`` before Kendall's tau-b
    is computed, so two architectures predicted within 0.1 percentage points of each other count
    as a tie rather than as a (meaningless) ordering.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Targets and predictions, **in percent** for the default resolution of 0.1 percentage
        points (pass ``resolution=0.001`` for accuracies given as fractions).
    resolution : float, default 0.1
        The rounding step.
    round_truth : bool, default False
        Also round ``y_true``. NAS-Bench-301's code (``kendall_tau_1_dec`` in its
        ``evaluate_metrics``) rounds only the predictions, which is the default here.
    """
    if not resolution > 0:
        raise ValueError(f"resolution must be positive, got {resolution!r}")
    y, p = _vectors(("y_true", y_true), ("y_pred", y_pred))
    p = np.round(p / resolution)
    if round_truth:
        y = np.round(y / resolution)
    return kendall_tau(y, p)


def spearman(y_true: object, y_pred: object) -> float:
    """Spearman's rank correlation (:func:`scipy.stats.spearmanr`); ``nan`` if either is constant."""
    y, p = _vectors(("y_true", y_true), ("y_pred", y_pred))
    if len(y) < 2 or np.all(y == y[0]) or np.all(p == p[0]):
        return math.nan
    return float(stats.spearmanr(y, p).statistic)


def gaussian_nll(y_true: object, mean: object, std: object) -> float:
    """Mean negative log-likelihood of ``y_true`` under independent ``N(mean, std**2)``.

    ``inf`` when some ``std`` is zero (a point prediction assigns no density to any other value):
    calibrate the ensemble (which adds a noise floor) before judging it by likelihood.
    """
    y, m = _vectors(("y_true", y_true), ("mean", mean))
    s = _std("std", std)
    if len(s) != len(y):
        raise ValueError(f"std must have one value per target, got {len(s)} for {len(y)}")
    if np.any(s == 0):
        return math.inf
    z = (y - m) / s
    return float(np.mean(0.5 * math.log(2 * math.pi) + np.log(s) + 0.5 * z**2))


def coverage(y_true: object, mean: object, std: object, level: float = 0.95) -> float:
    """Fraction of ``y_true`` inside the central ``level`` interval of ``N(mean, std**2)``.

    A calibrated model covers about ``level`` of the targets: 0.68 for ``mean ± 0.994 std``
    (the 68% interval), 0.95 for ``mean ± 1.96 std``.

    Examples
    --------
    >>> coverage([0.0, 1.0, 3.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0], level=0.95)
    0.6666666666666666
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), e.g. 0.68 or 0.95; got {level!r}")
    y, m = _vectors(("y_true", y_true), ("mean", mean))
    s = _std("std", std)
    if len(s) != len(y):
        raise ValueError(f"std must have one value per target, got {len(s)} for {len(y)}")
    half = stats.norm.ppf(0.5 + level / 2) * s
    return float(np.mean(np.abs(y - m) <= half))


def kl_to_seeds(
    mean: object,
    std: object,
    seed_mean: object,
    seed_std: object,
    direction: str = "seeds||pred",
) -> float:
    """KL divergence between the Gaussian of the seeds and the predicted Gaussian, averaged.

    For every architecture with several training seeds, ``N(seed_mean, seed_std**2)`` is the
    distribution of its result over seeds and ``N(mean, std**2)`` is the prediction; the closed
    form ``log(s_q / s_p) + (s_p**2 + (m_p - m_q)**2) / (2 s_q**2) - 1/2`` of ``KL(p || q)`` is
    averaged over architectures.

    Parameters
    ----------
    mean, std : array-like of shape (n,)
        The predicted Gaussian per architecture.
    seed_mean, seed_std : array-like of shape (n,)
        Mean and standard deviation of the architecture's results over its seeds.
    direction : {"seeds||pred", "pred||seeds"}, default "seeds||pred"
        ``"seeds||pred"`` is ``KL(seeds || prediction)``: the information lost when the prediction
        stands in for the seeds' distribution, which punishes an overconfident prediction
        hardest. ``"pred||seeds"`` is the reverse.

    Examples
    --------
    >>> kl_to_seeds([1.0, 2.0], [0.5, 0.5], [1.0, 2.0], [0.5, 0.5])
    0.0
    """
    m, sm = _vectors(("mean", mean), ("seed_mean", seed_mean))
    s, ss = _std("std", std), _std("seed_std", seed_std)
    if not len(s) == len(ss) == len(m):
        raise ValueError(
            f"mean, std, seed_mean and seed_std must have the same length, got {len(m)}, {len(s)}, {len(sm)}, {len(ss)}"
        )
    if np.any(s == 0) or np.any(ss == 0):
        raise ValueError(
            "std and seed_std must be positive everywhere: KL to a point mass is infinite "
            "(drop architectures with a single seed, calibrate the prediction's std)"
        )
    if direction == "seeds||pred":
        mp, sp, mq, sq = sm, ss, m, s
    elif direction == "pred||seeds":
        mp, sp, mq, sq = m, s, sm, ss
    else:
        raise ValueError(f"direction must be 'seeds||pred' or 'pred||seeds', got {direction!r}")
    kl = np.log(sq / sp) + (sp**2 + (mp - mq) ** 2) / (2 * sq**2) - 0.5
    return float(np.mean(kl))


def regression_report(
    y_true: object,
    mean: object,
    std: object = None,
    *,
    seed_mean: object = None,
    seed_std: object = None,
    resolution: float = 0.1,
) -> dict[str, float]:
    """Every metric of this module in one dict (JSON-ready floats; ``nan`` where undefined).

    Keys: ``n``, ``r2``, ``mae``, ``rmse``, ``kendall_tau``, ``sparse_kendall_tau``, ``spearman``;
    with ``std`` also ``gaussian_nll``, ``coverage_68``, ``coverage_95``, ``mean_std``; with
    ``seed_mean`` and ``seed_std`` (and ``std``) also ``kl_to_seeds``.
    """
    y, m = _vectors(("y_true", y_true), ("mean", mean))
    out: dict[str, float] = {
        "n": len(y),
        "r2": r2(y, m),
        "mae": mae(y, m),
        "rmse": rmse(y, m),
        "kendall_tau": kendall_tau(y, m),
        "sparse_kendall_tau": sparse_kendall_tau(y, m, resolution=resolution),
        "spearman": spearman(y, m),
    }
    if std is not None:
        s = _std("std", std)
        out["gaussian_nll"] = gaussian_nll(y, m, s)
        out["coverage_68"] = coverage(y, m, s, 0.68)
        out["coverage_95"] = coverage(y, m, s, 0.95)
        out["mean_std"] = float(np.mean(s))
        if seed_mean is not None or seed_std is not None:
            if seed_mean is None or seed_std is None:
                raise ValueError("pass both seed_mean and seed_std (or neither)")
            out["kl_to_seeds"] = kl_to_seeds(m, s, seed_mean, seed_std)
    elif seed_mean is not None or seed_std is not None:
        raise ValueError("kl_to_seeds needs the predicted std: pass std as well as seed_mean/seed_std")
    return out


#: Why a metric of :func:`regression_report` can be infinite or NaN; a checkpoint's manifest
#: records the reason next to the metric (JSON has no inf or NaN).
NOT_FINITE_WHY = {
    "r2": "the targets of these rows are all equal, so R² is undefined",
    "kendall_tau": "the targets or the predictions are constant on these rows (or there are fewer than two)",
    "sparse_kendall_tau": "the targets or the rounded predictions are constant on these rows (or there are fewer than two)",
    "spearman": "the targets or the predictions are constant on these rows (or there are fewer than two)",
    "gaussian_nll": "some predicted std is 0: the members agree exactly (a single member, or an "
    "uncalibrated ensemble), so the likelihood of any other value is 0",
    "kl_to_seeds": "undefined for these rows' multi-seed architectures",
}


def report_to_json(report: Mapping[str, Any]) -> dict[str, Any]:
    """A report as JSON data: each non-finite value becomes ``null`` and ``not_finite`` records it.

    ``not_finite`` maps the metric to ``{"value": "inf" | "-inf" | "nan", "why": ...}``;
    :func:`report_from_json` turns it back into the float.

    Examples
    --------
    >>> report_to_json({"n": 3, "gaussian_nll": math.inf})["not_finite"]["gaussian_nll"]["value"]
    'inf'
    """
    out: dict[str, Any] = {}
    notes: dict[str, dict[str, str]] = {}
    for key, value in report.items():
        if key == "not_finite":
            continue
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            text = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
            notes[str(key)] = {"value": text, "why": NOT_FINITE_WHY.get(str(key), "not finite on these rows")}
            value = None
        out[str(key)] = value
    if notes:
        out["not_finite"] = notes
    return out


def report_from_json(data: Mapping[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`report_to_json`: ``null`` values recorded in ``not_finite`` become their float."""
    out = {k: v for k, v in data.items() if k != "not_finite"}
    notes = data.get("not_finite") or {}
    if not isinstance(notes, Mapping):
        raise ValueError(f"not_finite must map metric names to {{'value': ..., 'why': ...}}, got {notes!r:.80}")
    for key, note in notes.items():
        value = note.get("value") if isinstance(note, Mapping) else None
        if value not in ("inf", "-inf", "nan"):
            raise ValueError(f"not_finite.{key}.value must be 'inf', '-inf' or 'nan', got {value!r:.40}")
        out[key] = float(value)
    return out
