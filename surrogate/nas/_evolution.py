"""Regularized (aging) evolution, Real et al., "Regularized Evolution for Image Classifier
Architecture Search", AAAI 2019."""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from ._base import Optimizer
from ._evaluator import Evaluator


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


class RegularizedEvolution(Optimizer):
    """Tournament selection with aging: the oldest member dies, not the worst.

    The population starts as ``population_size`` random architectures (evaluated as one batch).
    Each step draws ``sample_size`` members without replacement, mutates the best of them
    (by the accuracy observed when it was evaluated) with the space's ``mutate``,
    evaluates the child, adds it and removes the oldest member.

    Parameters
    ----------
    population_size : int, default 100
    sample_size : int, default 25
        Tournament size; at most ``population_size``.
    seed, name
        See :class:`Optimizer`.

    Attributes
    ----------
    population_ : list of (architecture, float)
        After :meth:`run`: the final population, oldest first, with observed accuracies.

    Examples
    --------
    >>> RegularizedEvolution(population_size=50, sample_size=10, seed=1)
    RegularizedEvolution(seed=1, population_size=50, sample_size=10)
    """

    short_name = "re"
    label = "regularized evolution"

    def __init__(
        self, population_size: int = 100, sample_size: int = 25, *, seed=None, name: str | None = None
    ) -> None:
        super().__init__(seed=seed, name=name)
        self.population_size = _positive_int("population_size", population_size)
        self.sample_size = _positive_int("sample_size", sample_size)
        if self.sample_size > self.population_size:
            raise ValueError(f"sample_size ({sample_size}) must not exceed population_size ({population_size})")

    def _search(self, evaluator: Evaluator, rng: np.random.Generator) -> None:
        space = evaluator.space
        first = space.sample(self.population_size, rng=rng)
        acc = evaluator.evaluate(first)
        population: deque[tuple[Any, float]] = deque(zip(first, acc.tolist()), maxlen=self.population_size)
        while not evaluator.exhausted:
            size = min(self.sample_size, len(population))
            contenders = rng.choice(len(population), size=size, replace=False)
            parent = max(contenders.tolist(), key=lambda i: population[i][1])
            child = space.mutate(population[parent][0], rng=rng)
            got = evaluator.evaluate([child])
            if got.size:
                population.append((child, float(got[0])))  # maxlen drops the oldest
        self.population_ = list(population)
