"""K-fold cross-validation by architecture: one member per fold, scored on the held-out fold.

A benchmark's validation split is small when the data holds a few hundred architectures (about
20 at 200), so choosing a family or hyperparameters on it is a coin toss. :func:`cross_validate`
cuts the given rows into ``k`` folds by architecture (every seed of an architecture in one fold);
fold ``f`` is held out, fold ``f + 1`` early-stops the member, the rest trains it. Scores are the
mean over folds of Kendall tau against the held-out architectures' seed means (what a NAS run
ranks by) and against single-seed rows. A member that predicts one value for every held-out
architecture (a collapsed network) ranks nothing: it scores 0 and is counted.

Examples
--------
>>> from surrogate.crossval import cross_validate
>>> # cross_validate(dataset, "lgb", {"num_leaves": 4}, rows=train_and_val)["tau_seed_mean"]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .data import Dataset
from .fit import encode, fit_surrogate
from .metrics import kendall_tau


def folds_by_arch(hashes: np.ndarray, k: int, seed: int = 0) -> list[np.ndarray]:
    """Positions into ``hashes`` of ``k`` folds, every architecture's rows in one fold (seeded)."""
    if k < 2:
        raise ValueError(f"folds need k >= 2, got {k}")
    uniq, inv = np.unique(np.asarray(hashes), return_inverse=True)
    if len(uniq) < k:
        raise ValueError(f"{len(uniq)} architectures cannot fill {k} folds")
    fold_of = np.empty(len(uniq), dtype=np.int64)
    fold_of[np.random.default_rng(seed).permutation(len(uniq))] = np.arange(len(uniq)) % k
    return [np.flatnonzero(fold_of[inv] == f) for f in range(k)]


def seed_mean_tau(hashes: np.ndarray, y: np.ndarray, pred: np.ndarray) -> float:
    """Kendall tau between per-architecture means of ``y`` and of ``pred`` (one pair per architecture)."""
    _, inv = np.unique(np.asarray(hashes), return_inverse=True)
    n = np.bincount(inv)
    return kendall_tau(np.bincount(inv, y) / n, np.bincount(inv, pred) / n)


def cross_validate(
    dataset: Dataset,
    family: str,
    params: Mapping[str, Any] | None = None,
    *,
    rows: np.ndarray | None = None,
    target: str = "val_accuracy",
    k: int = 5,
    seed: int = 0,
    repeats: int = 1,
) -> dict[str, Any]:
    """``k``-fold CV of one ``family`` member with ``params`` on ``rows`` of ``dataset`` (default all).

    Returns ``tau_seed_mean`` (mean over folds) with its fold ``tau_seed_mean_sd``, ``tau_rows``,
    ``collapsed_folds`` and the per-fold ``folds_tau_seed_mean``. With ``repeats`` > 1 the CV is
    run again on other fold assignments (fold seeds ``seed``, ``seed + 1``, ...): the figures are
    over every fold of every repeat, and ``repeats_tau_seed_mean`` (each repeat's mean) with its sd
    ``tau_seed_mean_repeat_sd`` say how much the choice of folds moves the result.
    """
    if k < 3:
        raise ValueError(f"cross-validation needs k >= 3 folds (train, early stopping, held out), got {k}")
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    part = dataset if rows is None else dataset.take(np.sort(np.asarray(rows, dtype=np.int64)))
    hashes, y = part.column("arch_hash"), part.column(target).astype(float)
    mean_tau, row_tau, collapsed = [], [], 0
    for fold_seed in range(seed, seed + repeats):
        folds = folds_by_arch(hashes, k, fold_seed)
        for f, hold in enumerate(folds):
            stop = (f + 1) % k
            train = np.concatenate([folds[g] for g in range(k) if g not in (f, stop)])
            res = fit_surrogate(
                part,
                family=family,
                target=target,
                split=(train, folds[stop], hold[:0]),
                n_members=1,
                params=dict(params or {}),
                seed=fold_seed + f,
                progress=False,
            )
            X = encode(res.space, part.take(hold).architectures(), res.ensemble.model_class.input_kind)
            pred = res.ensemble.predict(X)[0]
            if np.ptp(pred) < 1e-9:
                collapsed += 1
                mean_tau.append(0.0)
                row_tau.append(0.0)
                continue
            mean_tau.append(seed_mean_tau(hashes[hold], y[hold], pred))
            row_tau.append(kendall_tau(y[hold], pred))
    out = {
        "tau_seed_mean": float(np.mean(mean_tau)),
        "tau_seed_mean_sd": float(np.std(mean_tau, ddof=1)),
        "tau_rows": float(np.mean(row_tau)),
        "collapsed_folds": collapsed,
        "folds_tau_seed_mean": [float(t) for t in mean_tau],
    }
    if repeats > 1:
        per_repeat = np.mean(np.reshape(mean_tau, (repeats, k)), axis=1)
        out["repeats_tau_seed_mean"] = [float(t) for t in per_repeat]
        out["tau_seed_mean_repeat_sd"] = float(np.std(per_repeat, ddof=1))
    return out
