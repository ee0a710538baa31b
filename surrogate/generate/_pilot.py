"""Choosing a fidelity by measurement: intraclass correlation of seeds, per CPU-second.

The ICC used is ICC(1) of a one-way random-effects model (Shrout & Fleiss 1979): the share of
the variance of validation accuracy that lies between architectures rather than between seeds of
one architecture. An ICC of 0.8 means a surrogate can, in principle, rank architectures well; an
ICC near 0 means the data is mostly seed noise.
"""

from __future__ import annotations

import numpy as np


def icc1(groups: list[np.ndarray]) -> float:
    """ICC(1) from per-architecture arrays of repeated measurements (unequal sizes allowed).

    Uses the one-way ANOVA mean squares with the adjusted group size ``k0`` for unbalanced data.
    Returns ``nan`` with fewer than two architectures having two or more seeds.
    """
    groups = [np.asarray(g, dtype=float) for g in groups if len(g) >= 2]
    a = len(groups)
    if a < 2:
        return float("nan")
    n_i = np.array([len(g) for g in groups], dtype=float)
    n = n_i.sum()
    grand = np.concatenate(groups).mean()
    means = np.array([g.mean() for g in groups])
    ssb = float((n_i * (means - grand) ** 2).sum())
    ssw = float(sum(((g - g.mean()) ** 2).sum() for g in groups))
    msb = ssb / (a - 1)
    msw = ssw / (n - a)
    k0 = (n - (n_i**2).sum() / n) / (a - 1)
    denom = msb + (k0 - 1) * msw
    return float((msb - msw) / denom) if denom > 0 else float("nan")


def icc1_bootstrap(groups: list[np.ndarray], n_boot: int = 2000, rng: object = 0) -> tuple[float, float]:
    """A 90% percentile bootstrap interval for :func:`icc1`, resampling architectures."""
    groups = [np.asarray(g, dtype=float) for g in groups if len(g) >= 2]
    if len(groups) < 2:
        return float("nan"), float("nan")
    gen = np.random.default_rng(rng)
    stats = []
    for _ in range(n_boot):
        idx = gen.integers(0, len(groups), len(groups))
        v = icc1([groups[i] for i in idx])
        if np.isfinite(v):
            stats.append(v)
    lo, hi = np.percentile(stats, [5, 95])
    return float(lo), float(hi)


def summarise(records: list[dict]) -> dict:
    """ICC, seed std, architecture spread and cost from a list of result records of one fidelity."""
    by_arch: dict[str, list[dict]] = {}
    for r in records:
        by_arch.setdefault(r["arch_hash"], []).append(r)
    groups = [np.array([r["info"][0]["val_accuracy"] for r in rs]) for rs in by_arch.values()]
    multi = [g for g in groups if len(g) >= 2]
    cost = np.array([r["runtime"] + r["info"][0].get("eval_time", 0.0) for r in records])
    icc = icc1(multi)
    lo, hi = icc1_bootstrap(multi)
    seed_std = float(np.sqrt(np.mean([g.var(ddof=1) for g in multi]))) if multi else float("nan")
    means = np.array([g.mean() for g in groups])
    return {
        "evaluations": len(records),
        "architectures": len(by_arch),
        "multi_seed_architectures": len(multi),
        "icc": icc,
        "icc_90ci": [lo, hi],
        "seed_std": seed_std,
        "arch_std": float(means.std(ddof=1)) if len(means) > 1 else float("nan"),
        "mean_val_accuracy": float(np.concatenate(groups).mean()) if groups else float("nan"),
        "cpu_seconds_per_eval": float(cost.mean()) if len(cost) else float("nan"),
        "evals_per_hour_per_worker": float(3600.0 / cost.mean()) if len(cost) else float("nan"),
        "icc_per_cpu_second": icc / float(cost.mean()) if len(cost) else float("nan"),
    }
