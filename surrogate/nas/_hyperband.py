"""Successive halving and Hyperband: multi-fidelity search with budgets in epochs and simulated seconds.

They need a benchmark that answers per-epoch queries (``bench.epochs``, ``predict(..., epoch=k)``,
``resume_cost``; :class:`surrogate.Benchmark` built from evaluations with learning curves). A
trial is one architecture trained once with the run's noise seed: promoting it to a higher rung
*continues* that run (its cost is ``resume_cost(arch, from_epoch, to_epoch)``), and the accuracy
it shows at epoch ``k`` is the same run's value at ``k``, so rungs are prefixes of one curve, as
in a real training job.

The trajectory records the evaluations at the last epoch only (the ones a NAS method would report
as trained architectures), each at the cumulative simulated seconds spent so far, lower rungs
included; so its incumbent and regret compare with the single-fidelity optimizers' at equal time.
A ``Budget(queries=...)`` counts every rung evaluation.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._base import Optimizer
from ._budget import Budget
from ._evaluator import _space_of, _values
from ._trajectory import Trajectory


class EpochEvaluator:
    """Evaluates (architecture, epoch) pairs within a budget, resuming trials; records last-epoch results."""

    def __init__(self, bench: Any, budget: Budget, noise_seed: int) -> None:
        if not isinstance(budget, Budget):
            raise ValueError(f"budget must be a surrogate.nas.Budget, got {budget!r}")
        epochs = getattr(bench, "epochs", None)
        if not epochs:
            raise ValueError(
                "multi-fidelity optimizers need a benchmark with learning curves (bench.epochs); "
                "this one answers the final epoch only"
            )
        if budget.seconds is not None and not getattr(bench, "has_runtime", True):
            raise ValueError("this benchmark has no runtime model, so a budget in seconds cannot be kept")
        self.bench, self.budget, self.noise_seed = bench, budget, int(noise_seed)
        self.epochs = int(epochs)
        self.space = _space_of(bench)
        self.n_queries = 0
        self.seconds = 0.0
        self.exhausted = False
        self._archs: list = []
        self._time: list[float] = []
        self._acc: list[float] = []
        self._mean: list[float] = []

    def evaluate(self, archs: list, epoch: int, from_epochs: list[int]) -> np.ndarray:
        """Noisy accuracies after ``epoch`` of the first ``k <= len(archs)`` trials that fit the budget."""
        if self.exhausted or not archs:
            return np.zeros(0)
        if self.budget.queries is not None:
            left = self.budget.queries - self.n_queries
            if len(archs) >= left:
                archs, from_epochs = archs[:left], from_epochs[:left]
                self.exhausted = True
        cost = np.zeros(len(archs))
        for start in sorted(set(from_epochs)):
            idx = [i for i, f in enumerate(from_epochs) if f == start]
            cost[idx] = _values(self.bench.resume_cost([archs[i] for i in idx], start, epoch), len(idx), "resume_cost")
        time = self.seconds + np.cumsum(cost)
        if self.budget.seconds is not None:
            fits = int(np.searchsorted(time, self.budget.seconds, side="right"))
            if fits < len(archs) or (fits and time[fits - 1] == self.budget.seconds):
                self.exhausted = True
            archs, time = archs[:fits], time[:fits]
            if not archs:
                return np.zeros(0)
        both = getattr(self.bench, "predict_sample_and_mean", None)
        last = epoch == self.epochs
        if last and both is not None:  # the last epoch is predict(): one model pass for both values
            acc, mean = both(archs, seed=self.noise_seed)
        else:
            acc = self.bench.predict(archs, epoch=epoch, with_noise=True, seed=self.noise_seed)
            mean = self.bench.predict(archs) if last else None
        acc = _values(acc, len(archs), "predict(epoch=..., with_noise=True)")
        if last:
            self._archs += list(archs)
            self._time += time.tolist()
            self._acc += acc.tolist()
            self._mean += _values(mean, len(archs), "predict").tolist()
        self.n_queries += len(archs)
        self.seconds = float(time[-1])
        return acc

    def trajectory(self, optimizer: str, repeat: int = 0) -> Trajectory:
        return Trajectory(
            optimizer=optimizer,
            repeat=repeat,
            noise_seed=self.noise_seed,
            budget=self.budget,
            archs=tuple(self._archs),
            time=np.asarray(self._time, dtype=float),
            accuracy=np.asarray(self._acc, dtype=float),
            mean=np.asarray(self._mean, dtype=float),
        )


def _check_eta(eta: Any) -> int:
    if isinstance(eta, bool) or not isinstance(eta, (int, np.integer)) or eta < 2:
        raise ValueError(f"eta must be an int >= 2, got {eta!r}")
    return int(eta)


class Hyperband(Optimizer):
    """Hyperband (Li et al., 2018): brackets of successive halving from many short runs to few long ones.

    Parameters
    ----------
    eta : int, default 3
        Keep the best ``1/eta`` of a rung and train them ``eta`` times longer.
    min_epoch : int, default 1
        The shortest rung, in epochs.
    seed, name
        See :class:`Optimizer`.

    Examples
    --------
    >>> Hyperband(eta=3, seed=0)
    Hyperband(seed=0, eta=3, min_epoch=1)
    """

    short_name = "hb"
    label = "Hyperband"
    _one_bracket = False

    def __init__(self, eta: int = 3, min_epoch: int = 1, *, seed=None, name: str | None = None) -> None:
        super().__init__(seed=seed, name=name)
        self.eta = _check_eta(eta)
        if isinstance(min_epoch, bool) or not isinstance(min_epoch, (int, np.integer)) or min_epoch < 1:
            raise ValueError(f"min_epoch must be a positive int, got {min_epoch!r}")
        self.min_epoch = int(min_epoch)

    def run(self, bench: Any, budget: Budget, *, noise_seed: int = 0, repeat: int = 0) -> Trajectory:
        evaluator = EpochEvaluator(bench, budget, noise_seed)
        self.rng_ = np.random.default_rng(self.seed)
        self._search(evaluator, self.rng_)
        return evaluator.trajectory(self.name, repeat)

    def brackets(self, epochs: int) -> list[list[tuple[int, int]]]:
        """Each bracket's rungs as (trials, epoch), most exploratory first (integer epochs, last = ``epochs``)."""
        if self.min_epoch > epochs:
            raise ValueError(f"min_epoch {self.min_epoch} is more than the benchmark's {epochs} epochs")
        s_max = int(math.floor(math.log(epochs / self.min_epoch, self.eta) + 1e-9))
        out = []
        for s in [s_max] if self._one_bracket else range(s_max, -1, -1):
            n = int(math.ceil((s_max + 1) / (s + 1) * self.eta**s))
            rungs = []
            for i in range(s + 1):
                epoch = epochs if i == s else max(self.min_epoch, int(round(epochs * self.eta ** (i - s))))
                rungs.append((max(1, int(n * self.eta**-i)), epoch))
            out.append(rungs)
        return out

    def _search(self, evaluator: EpochEvaluator, rng: np.random.Generator) -> None:
        plan = self.brackets(evaluator.epochs)
        while not evaluator.exhausted:
            for rungs in plan:
                archs = list(evaluator.space.sample(rungs[0][0], rng=rng))
                reached = [0] * len(archs)
                for i, (_, epoch) in enumerate(rungs):
                    acc = evaluator.evaluate(archs, epoch, reached)
                    if evaluator.exhausted or len(acc) < len(archs):
                        return
                    if i + 1 == len(rungs):
                        break
                    keep = rungs[i + 1][0]
                    order = np.argsort(-acc, kind="stable")[:keep]
                    archs, reached = [archs[j] for j in order], [epoch] * keep


class SuccessiveHalving(Hyperband):
    """Successive halving: Hyperband's most exploratory bracket, repeated until the budget is spent.

    Examples
    --------
    >>> SuccessiveHalving(eta=2, seed=0)
    SuccessiveHalving(seed=0, eta=2, min_epoch=1)
    """

    short_name = "sh"
    label = "successive halving"
    _one_bracket = True
