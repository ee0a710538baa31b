"""Best-improvement local search with random restarts (White et al., "Local Search is State of
the Art for Neural Architecture Search Benchmarks", 2020)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import Optimizer
from ._evaluator import Evaluator

#: Restarts in a row that evaluate nothing new before a run stops early (its space is searched out).
_MAX_IDLE_RESTARTS = 1000


class LocalSearch(Optimizer):
    """Hill climbing over the one-change neighbourhood, restarting at local optima.

    Starting from a random architecture, evaluate all its neighbours
    (the space's ``neighbours``; DARTS: one op or one input changed, isomorphic repeats
    removed) in one batch and move to the best one if it beats the current architecture
    (by observed accuracy). When none does, the current architecture is a local optimum: record
    it and restart from a new random architecture. Architectures already evaluated in this run
    (up to isomorphism) are not evaluated again; their observed accuracy is reused, so in a small
    space every restart may come to evaluate nothing new: after 1,000 such restarts in a row the
    run stops before its budget is spent.

    Parameters
    ----------
    seed, name
        See :class:`Optimizer`.

    Attributes
    ----------
    local_optima_ : list of (architecture, float)
        After :meth:`run`: each local optimum reached, with its observed accuracy.

    Examples
    --------
    >>> LocalSearch(seed=3)
    LocalSearch(seed=3)
    """

    short_name = "ls"
    label = "local search"

    def __init__(self, *, seed=None, name: str | None = None) -> None:
        super().__init__(seed=seed, name=name)

    def _search(self, evaluator: Evaluator, rng: np.random.Generator) -> None:
        space = evaluator.space
        seen: dict[str, float] = {}
        self.local_optima_: list[tuple[Any, float]] = []
        idle = 0  # restarts in a row that evaluated nothing new
        while not evaluator.exhausted:
            if idle >= _MAX_IDLE_RESTARTS:
                return  # every architecture a restart reaches was seen: a small space, searched out
            n_before = evaluator.n_queries
            current = space.sample(1, rng=rng)[0]
            key = space.arch_hash(current)
            if key in seen:
                current_acc = seen[key]
            else:
                got = evaluator.evaluate([current])
                if not got.size:
                    return
                current_acc = seen[key] = float(got[0])
            while True:
                nbrs = space.neighbours(current)
                keys = [space.arch_hash(g) for g in nbrs]
                new = [i for i, k in enumerate(keys) if k not in seen]
                new = [new[i] for i in rng.permutation(len(new))]
                got = evaluator.evaluate([nbrs[i] for i in new])
                for i, a in zip(new, got.tolist()):
                    seen[keys[i]] = a
                if got.size < len(new):
                    return  # budget spent mid-neighbourhood
                best = max(range(len(nbrs)), key=lambda i: seen[keys[i]], default=None)
                if best is None or seen[keys[best]] <= current_acc:
                    idle = idle + 1 if evaluator.n_queries == n_before else 0
                    if not idle:
                        self.local_optima_.append((current, current_acc))
                    break
                current, current_acc = nbrs[best], seen[keys[best]]
                if evaluator.exhausted:
                    return
