"""bench/benchmark_quality.py's seed-noise figures tell a right noise model from a wrong one."""

from __future__ import annotations

import numpy as np
import pytest

from surrogate.data import Dataset
from surrogate.noise import standard_normal
from surrogate.space import arch_hash, sample

TRUE_SD = 0.5


@pytest.fixture(scope="module")
def quality(load_bench):
    with load_bench("benchmark_quality") as module:
        yield module


class _Bench:
    """What noise_figures reads of a benchmark: a split, the seed std it adds, and predict()."""

    def __init__(self, means: dict[str, float], seed_std: float):
        self.means = means
        self.spec = {
            "split": {"fractions": [0.5, 0.1, 0.4], "seed": 0},
            "noise": {"val_accuracy": {"seed_std": seed_std}},
        }

    def predict(self, archs, with_noise=False, seed=None):
        mean = np.array([self.means[arch_hash(g)] for g in archs])
        if not with_noise:
            return mean
        sd = self.spec["noise"]["val_accuracy"]["seed_std"]
        keys = np.array([int(arch_hash(g)[:16], 16) for g in archs], dtype=np.uint64)
        return mean + sd * standard_normal(keys, seed)


@pytest.fixture(scope="module")
def data():
    """300 architectures x 3 seeds with a true seed std of 0.5 around known means."""
    archs = sample(300, rng=0)
    rng = np.random.default_rng(1)
    means = {arch_hash(g): float(80 + rng.standard_normal()) for g in archs}
    rows = [
        {"arch": g, "val_accuracy": means[arch_hash(g)] + TRUE_SD * float(rng.standard_normal()), "seed": s}
        for g in archs
        for s in range(3)
    ]
    return Dataset.from_records(rows), means


def test_the_right_noise_covers_real_seeds_at_its_nominal_rates(quality, data):
    ds, means = data
    out = quality.noise_figures(_Bench(means, TRUE_SD), ds, n_draws=100)
    assert out["architectures"] > 80 and out["runs"] == 3 * out["architectures"]
    assert out["seed_model"]["real_seed_std"] == pytest.approx(TRUE_SD, rel=0.15)
    assert out["seed_model"]["within_1"] == pytest.approx(0.68, abs=0.07)
    assert out["seed_model"]["within_1.96"] == pytest.approx(0.95, abs=0.04)
    assert out["noisy_predictions"]["within_95"] == pytest.approx(0.95, abs=0.05)


def test_too_little_noise_shows_as_undercoverage(quality, data):
    ds, means = data
    out = quality.noise_figures(_Bench(means, TRUE_SD / 2), ds, n_draws=100)
    assert out["seed_model"]["within_1.96"] < 0.8
    assert out["noisy_predictions"]["within_95"] < 0.8
