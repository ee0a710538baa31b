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


def reliability(icc: float, k: int) -> float:
    """Reliability of the mean of ``k`` seeds (Spearman-Brown): ``k·ICC / (1 + (k - 1)·ICC)``."""
    return k * icc / (1 + (k - 1) * icc)


def seeds_needed(icc: float, target: float = 0.8, max_k: int = 10) -> int | None:
    """The fewest seeds whose mean reaches ``target`` reliability, or None within ``max_k``."""
    if not np.isfinite(icc) or icc <= 0:
        return None
    for k in range(1, max_k + 1):
        if reliability(icc, k) >= target:
            return k
    return None


def seed_reliability(hashes: np.ndarray, val: np.ndarray, params: np.ndarray) -> dict:
    """How far one fidelity's evaluations separate architectures: the figures of the data issue.

    ``hashes``, ``val`` and ``params`` are per evaluation (architecture hash, validation accuracy,
    parameter count). Architectures are taken in order of first appearance (the bootstrap interval
    depends on it). Returns the ICC over architectures with two or more seeds with its 90%
    bootstrap interval, the pooled seed std, the std of per-architecture means, Spearman(mean
    validation accuracy, params) over every architecture, the seeds per architecture (min, max),
    the reliability of each architecture's mean of its ``k`` seeds (:func:`reliability`) averaged
    over architectures (what a surrogate fit on the means gets), and the seeds a mean needs for 0.8.

    ``split_half`` checks the ICC-based reliability without the ICC: over architectures with four
    or more seeds, the Pearson correlation of the mean of their first two rows with the mean of the
    next two, stepped up to the mean of four (``2r / (1 + r)``), with a 90% interval (Fisher z);
    ``None`` with fewer than 3 such.
    """
    from scipy.stats import spearmanr

    hashes, val, params = np.asarray(hashes), np.asarray(val, dtype=float), np.asarray(params, dtype=float)
    _, first, inverse, counts = np.unique(hashes, return_index=True, return_inverse=True, return_counts=True)
    order = np.argsort(first, kind="stable")  # architectures by first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    rows = np.argsort(rank[inverse], kind="stable")  # one sort, rows kept in order within each
    groups = np.split(val[rows], np.cumsum(counts[order])[:-1]) if len(val) else []
    arch_params = params[first[order]]
    multi = [g for g in groups if len(g) >= 2]
    icc = icc1(multi)
    lo, hi = icc1_bootstrap(multi)
    means = np.array([g.mean() for g in groups])
    sizes = np.array([len(g) for g in groups])
    four = [g[:4] for g in groups if len(g) >= 4]
    split_half = None
    if len(four) >= 3:
        r = float(np.corrcoef([g[:2].mean() for g in four], [g[2:4].mean() for g in four])[0, 1])
        half = 1.645 / np.sqrt(len(four) - 3) if len(four) > 3 else np.inf  # Fisher z, 90%
        r_lo, r_hi = (float(np.tanh(np.arctanh(r) + d)) for d in (-half, half))
        split_half = {
            "architectures": len(four),
            "r": r,
            "reliability_of_4_seed_mean": 2 * r / (1 + r),
            "reliability_90ci": [2 * r_lo / (1 + r_lo), 2 * r_hi / (1 + r_hi)],
        }
    return {
        "architectures": len(groups),
        "multi_seed_architectures": len(multi),
        "seeds_per_architecture": [int(sizes.min()), int(sizes.max())] if len(sizes) else [0, 0],
        "icc": icc,
        "icc_90ci": [lo, hi],
        "reliability_of_means": float(np.mean([reliability(icc, k) for k in sizes])) if len(sizes) else float("nan"),
        "seed_std": float(np.sqrt(np.mean([g.var(ddof=1) for g in multi]))) if multi else float("nan"),
        "arch_std": float(means.std(ddof=1)) if len(means) > 1 else float("nan"),
        "spearman_val_params": float(spearmanr(means, arch_params).statistic) if len(means) > 2 else float("nan"),
        "seeds_for_reliability_0.8": seeds_needed(icc),
        "split_half": split_half,
    }


def summarise(records: list[dict], corners: dict[str, str] | None = None) -> dict:
    """ICC, seed std, architecture spread, size correlation, corner ranks and cost of one fidelity.

    Parameters
    ----------
    records : list of dict
        Result records of one fidelity.
    corners : dict, optional
        ``arch_hash -> name`` of corner cells. Their records are kept out of the ICC, the spread
        and the size correlation (extreme cells would inflate them) and reported on their own:
        mean validation accuracy and the share of the other (uniform) architectures they beat.
    """
    corners = corners or {}
    by_arch: dict[str, list[dict]] = {}
    for r in records:
        by_arch.setdefault(r["arch_hash"], []).append(r)
    uniform = [r for r in records if r["arch_hash"] not in corners]
    fig = seed_reliability(
        np.array([r["arch_hash"] for r in uniform]),
        np.array([r["info"][0]["val_accuracy"] for r in uniform]),
        np.array([r["info"][0]["model_parameters"] for r in uniform]),
    )
    means = np.array(
        [np.mean([r["info"][0]["val_accuracy"] for r in rs]) for h, rs in by_arch.items() if h not in corners]
    )
    cost = np.array(
        [r["runtime"] + r["info"][0].get("eval_time", 0.0) + r["info"][0].get("curve_eval_time", 0.0) for r in records]
    )
    icc = fig["icc"]
    corner_rows = {}
    for h, name in corners.items():
        if h in by_arch:
            acc = np.array([r["info"][0]["val_accuracy"] for r in by_arch[h]])
            corner_rows[name] = {
                "seeds": len(acc),
                "mean_val_accuracy": float(acc.mean()),
                "beats_share_of_uniform": float((means < acc.mean()).mean()) if len(means) else float("nan"),
                "params": int(by_arch[h][0]["info"][0]["model_parameters"]),
            }
    per_eval = float(cost.mean()) if len(cost) else float("nan")
    k = fig["seeds_for_reliability_0.8"]
    return {
        "evaluations": len(records),
        "architectures": fig["architectures"],
        "multi_seed_architectures": fig["multi_seed_architectures"],
        "icc": icc,
        "icc_90ci": fig["icc_90ci"],
        "seed_std": fig["seed_std"],
        "arch_std": fig["arch_std"],
        "spearman_val_params": fig["spearman_val_params"],
        "mean_val_accuracy": float(np.mean([r["info"][0]["val_accuracy"] for r in uniform]))
        if uniform
        else float("nan"),
        "cpu_seconds_per_eval": per_eval,
        "evals_per_hour_per_worker": 3600.0 / per_eval if len(cost) else float("nan"),
        "icc_per_cpu_second": icc / per_eval if len(cost) else float("nan"),
        "seeds_for_reliability_0.8": k,
        "cpu_seconds_per_architecture_at_0.8": k * per_eval if k else None,
        "corners": corner_rows,
    }


def choose(rows: dict[str, dict], min_icc: float = 0.75, min_spearman: float = 0.3, target: float = 0.8) -> dict:
    """The pilot's pick among summarised candidates.

    First choice: the cheapest candidate whose single run reaches ``min_icc`` and
    ``min_spearman``. Else the k-seed design: the candidate whose k-seed mean reaches ``target``
    reliability at the least CPU per architecture, among those reaching ``min_spearman``. Else the
    highest ICC, marked as reaching neither bar.
    """
    single = {k: v for k, v in rows.items() if v["icc"] >= min_icc and v["spearman_val_params"] >= min_spearman}
    if single:
        pick = min(single, key=lambda k: single[k]["cpu_seconds_per_eval"])
        return {"pick": pick, "design": "single seed", "seeds": 1, "reaches_bar": True}
    multi = {
        k: v
        for k, v in rows.items()
        if v["seeds_for_reliability_0.8"]
        and v["seeds_for_reliability_0.8"] <= 3
        and v["spearman_val_params"] >= min_spearman
    }
    if multi:
        pick = min(multi, key=lambda k: multi[k]["cpu_seconds_per_architecture_at_0.8"])
        return {
            "pick": pick,
            "design": "k-seed mean",
            "seeds": multi[pick]["seeds_for_reliability_0.8"],
            "reaches_bar": True,
        }
    pick = max(rows, key=lambda k: rows[k]["icc"] if np.isfinite(rows[k]["icc"]) else -np.inf)
    return {
        "pick": pick,
        "design": "best available",
        "seeds": rows[pick]["seeds_for_reliability_0.8"],
        "reaches_bar": False,
    }
