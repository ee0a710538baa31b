"""The budget-keeping go-between of an optimizer and the benchmark; it records every evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from surrogate.space import Genotype
from surrogate.spaces import Space, get_space

from ._budget import Budget
from ._protocol import BenchmarkLike
from ._trajectory import Trajectory


def _values(out: object, n: int, what: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(out, dtype=np.float64)).reshape(-1)
    if arr.size != n:
        raise ValueError(f"the benchmark's {what} returned {arr.size} values for {n} architectures")
    return arr


def _space_of(bench: Any) -> Space:
    space = getattr(bench, "space", None)
    return space if isinstance(space, Space) else get_space("darts")


class Evaluator:
    """Evaluates architectures on a benchmark within a budget and records what it saw.

    Each evaluation "trains" an architecture: it costs ``bench.predict_runtime`` simulated
    seconds and one query, and returns the noisy accuracy ``bench.predict(..., with_noise=True,
    seed=noise_seed)``. The noiseless mean is recorded beside it, for the regret, but never shown
    to the optimizer; a benchmark with ``predict_sample_and_mean`` (:class:`~surrogate.Benchmark`)
    gives both from one model pass. A batch is cut at the first architecture that does not fit in the budget;
    from then on the evaluator is :attr:`exhausted` and evaluates nothing.

    Parameters
    ----------
    bench : BenchmarkLike
        The benchmark.
    budget : Budget
        The run's limit.
    noise_seed : int
        Seed of the noisy draws: re-evaluating an architecture in this run sees the same value.
    space : Space, optional
        The search space optimizers draw from (:attr:`space`); default the benchmark's ``space``
        attribute (:attr:`surrogate.Benchmark.space`), else DARTS.

    A benchmark without a runtime model (``bench.has_runtime`` false) takes budgets in queries
    only; its evaluations record NaN times.
    """

    def __init__(self, bench: BenchmarkLike, budget: Budget, noise_seed: int, space: Space | None = None) -> None:
        if not isinstance(budget, Budget):
            raise ValueError(f"budget must be a surrogate.nas.Budget, got {budget!r}")
        self.has_runtime = bool(getattr(bench, "has_runtime", True))
        if budget.seconds is not None and not self.has_runtime:
            raise ValueError(
                f"this benchmark has no runtime model, so a budget of {budget.describe()} cannot be kept; "
                "give the budget in queries"
            )
        self.space: Space = space if space is not None else _space_of(bench)
        self.bench = bench
        self.budget = budget
        self.noise_seed = int(noise_seed)
        self._archs: list[Genotype] = []
        self._time: list[np.ndarray] = []
        self._acc: list[np.ndarray] = []
        self._mean: list[np.ndarray] = []
        self._seconds = 0.0
        self._exhausted = False

    @property
    def exhausted(self) -> bool:
        """True once the budget refused an evaluation or is used up exactly."""
        return self._exhausted

    @property
    def n_queries(self) -> int:
        """Evaluations made so far."""
        return len(self._archs)

    @property
    def seconds(self) -> float:
        """Simulated training seconds spent so far."""
        return self._seconds

    def evaluate(self, archs: Sequence[Genotype]) -> np.ndarray:
        """Evaluate a batch, in order, as far as the budget allows.

        Parameters
        ----------
        archs : sequence of Genotype

        Returns
        -------
        ndarray of float, shape (k,)
            Noisy accuracies of the first ``k <= len(archs)`` architectures; ``k < len(archs)``
            only when the budget ran out (then :attr:`exhausted` is true).
        """
        archs = list(archs)
        if self._exhausted or not archs:
            return np.zeros(0)
        budget = self.budget
        if budget.queries is not None:
            left = budget.queries - self.n_queries
            if len(archs) >= left:
                archs = archs[:left]
                self._exhausted = True
        if not self.has_runtime:
            runtime = np.full(len(archs), np.nan)
        else:
            runtime = _values(self.bench.predict_runtime(archs), len(archs), "predict_runtime")
        bad = ~(np.isfinite(runtime) & (runtime >= 0)) & self.has_runtime
        if np.any(bad):
            raise ValueError(
                "the benchmark's predict_runtime returned a negative or non-finite training time "
                f"({float(runtime[bad][0])!r}); check the runtime model of the checkpoint"
            )
        time = self._seconds + np.cumsum(runtime)
        if budget.seconds is not None:
            fits = int(np.searchsorted(time, budget.seconds, side="right"))
            if fits < len(archs) or fits and time[fits - 1] == budget.seconds:
                self._exhausted = True
            archs, time = archs[:fits], time[:fits]
            if not archs:
                return np.zeros(0)
        both = getattr(self.bench, "predict_sample_and_mean", None)
        if both is not None:  # one model pass for the noisy value and the mean (Benchmark)
            acc, mean = both(archs, seed=self.noise_seed)
            acc = _values(acc, len(archs), "predict_sample_and_mean")
            mean = _values(mean, len(archs), "predict_sample_and_mean")
        else:
            acc = _values(
                self.bench.predict(archs, with_noise=True, seed=self.noise_seed), len(archs), "predict(with_noise=True)"
            )
            mean = _values(self.bench.predict(archs, with_noise=False), len(archs), "predict")
        self._archs += archs
        self._time.append(time)
        self._acc.append(acc)
        self._mean.append(mean)
        self._seconds = float(time[-1])
        return acc

    def trajectory(self, optimizer: str, repeat: int = 0) -> Trajectory:
        """Everything evaluated so far as a :class:`Trajectory` (reference not yet set)."""

        def cat(parts: list[np.ndarray]) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(0)

        return Trajectory(
            optimizer=optimizer,
            repeat=repeat,
            noise_seed=self.noise_seed,
            budget=self.budget,
            archs=tuple(self._archs),
            time=cat(self._time),
            accuracy=cat(self._acc),
            mean=cat(self._mean),
        )
