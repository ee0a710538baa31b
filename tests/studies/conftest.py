"""Synthetic multi-seed evaluations for the study tests (synthetic targets, tests only).

An architecture's true accuracy is a learnable function of its op counts (more separable
convolutions and fewer pooling ops in the normal cell is better); each seed adds independent
Gaussian noise of a known standard deviation, so the studies' figures can be checked against
the noise model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from surrogate.data import Dataset
from surrogate.encode import feature_names, features
from surrogate.space import arch_hash, sample

#: Small, fast, single-threaded forests (the test machine has 2 busy cores).
RF = {"n_estimators": 30, "n_jobs": 1}
_WEIGHTS = {
    "normal_count_sep_conv_3x3": 0.8,
    "normal_count_sep_conv_5x5": 0.6,
    "normal_count_max_pool_3x3": -0.7,
    "normal_count_avg_pool_3x3": -0.7,
    "normal_count_skip_connect": -0.4,
}


def true_accuracy(archs: Sequence) -> np.ndarray:
    """The synthetic noiseless accuracy (%) of ``archs``."""
    names = feature_names()
    w = np.zeros(len(names))
    for name, value in _WEIGHTS.items():
        w[names.index(name)] = value
    return 90.0 + features(list(archs)).astype(np.float64) @ w


def distinct_archs(n: int, rng: int) -> list:
    """``n`` architectures with distinct hashes."""
    out, seen = [], set()
    for g in sample(3 * n, rng=rng):
        h = arch_hash(g)
        if h not in seen:
            seen.add(h)
            out.append(g)
        if len(out) == n:
            return out
    raise AssertionError("sampling gave too many isomorphic duplicates")


def multi_seed_records(
    n_archs: int,
    k: int,
    sigma: float,
    *,
    rng: int = 0,
    sources: Sequence[str] = ("rs",),
    epochs: int = 10,
    first_arch: int = 0,
) -> list[dict]:
    """``k`` seeds (0..k-1) of ``n_archs`` architectures, Gaussian seed noise ``sigma``; sources
    assigned round-robin by architecture."""
    gen = np.random.default_rng(rng)
    archs = distinct_archs(first_arch + n_archs, rng=rng)[first_arch:]
    mu = true_accuracy(archs)
    return [
        {
            "arch": g,
            "val_accuracy": float(m + sigma * gen.standard_normal()),
            "seed": s,
            "source": sources[a % len(sources)],
            "epochs": epochs,
        }
        for a, (g, m) in enumerate(zip(archs, mu))
        for s in range(k)
    ]


@pytest.fixture(scope="session")
def noisy_dataset() -> Dataset:
    """300 architectures × 3 seeds, seed noise σ = 1.0."""
    return Dataset.from_records(multi_seed_records(300, 3, 1.0, rng=1))
