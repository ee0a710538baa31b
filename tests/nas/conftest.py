"""A small deterministic fake benchmark for the NAS tests (synthetic targets, tests only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from surrogate.encode import feature_names, features
from surrogate.space import OPS, Genotype, arch_hash, sample


class FakeBenchmark:
    """Accuracy: a fixed random linear function of the tree features (smooth in the one-change
    neighbourhood) plus Gaussian noise seeded by (architecture hash, seed); runtime from op counts.

    Counts its calls so tests can check that optimizers batch their queries.
    """

    def __init__(self, noise_sd: float = 0.3, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.w = rng.normal(size=len(feature_names()))
        spread = np.std(features(sample(2000, rng=rng)) @ self.w)
        self.w *= 1.5 / spread  # accuracy spread about 1.5 % points over random architectures
        names = feature_names()
        cost = {
            "sep_conv_5x5": 120.0,
            "sep_conv_3x3": 80.0,
            "dil_conv_5x5": 70.0,
            "dil_conv_3x3": 50.0,
            "max_pool_3x3": 10.0,
            "avg_pool_3x3": 10.0,
            "skip_connect": 2.0,
        }
        self.cost = np.zeros(len(names))
        for cell, factor in (("normal", 1.0), ("reduce", 0.5)):
            for op in OPS:
                self.cost[names.index(f"{cell}_count_{op}")] = factor * cost[op]
        self.noise_sd = noise_sd
        self.own_rng = np.random.default_rng(seed + 1)
        self.calls = {"predict": 0, "predict_runtime": 0}
        self._rows: dict[Genotype, np.ndarray] = {}

    def _features(self, archs: Sequence[Genotype]) -> np.ndarray:
        """Feature rows, encoded once per architecture (single-architecture calls dominate
        regularized evolution and TPE, and encoding one architecture costs milliseconds)."""
        archs = list(archs)
        new = list(dict.fromkeys(g for g in archs if g not in self._rows))
        if new:
            self._rows.update(zip(new, features(new).astype(np.float64)))
        return np.stack([self._rows[g] for g in archs]) if archs else np.zeros((0, len(self.w)))

    def predict(self, archs: Sequence[Genotype], with_noise: bool = False, seed: int | None = None) -> np.ndarray:
        self.calls["predict"] += 1
        mean = 90.0 + self._features(archs) @ self.w
        if not with_noise:
            return mean
        if seed is None:
            eps = self.own_rng.normal(size=len(mean))
        else:
            eps = np.array([np.random.default_rng([int(arch_hash(g), 16), seed]).normal() for g in archs])
        return mean + self.noise_sd * eps

    def predict_runtime(self, archs: Sequence[Genotype]) -> np.ndarray:
        self.calls["predict_runtime"] += 1
        return 500.0 + self._features(archs) @ self.cost


@pytest.fixture
def bench() -> FakeBenchmark:
    """A fresh fake benchmark (noise sd 0.3 % points)."""
    return FakeBenchmark()


@pytest.fixture
def exact_bench() -> FakeBenchmark:
    """The same landscape without noise."""
    return FakeBenchmark(noise_sd=0.0)
