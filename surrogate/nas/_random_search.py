"""Random search: architectures drawn uniformly from the space, evaluated in batches."""

from __future__ import annotations

import numpy as np

from ._base import Optimizer
from ._evaluator import Evaluator


class RandomSearch(Optimizer):
    """Uniform random sampling, the baseline every NAS method must beat.

    Parameters
    ----------
    batch_size : int, default 100
        Architectures drawn and evaluated per benchmark call (only speed depends on it, and
        which architectures a given seed draws).
    seed, name
        See :class:`Optimizer`.

    Examples
    --------
    >>> RandomSearch(seed=0)
    RandomSearch(seed=0, batch_size=100)
    """

    short_name = "rs"
    label = "random search"

    def __init__(self, batch_size: int = 100, *, seed=None, name: str | None = None) -> None:
        super().__init__(seed=seed, name=name)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.batch_size = int(batch_size)

    def _search(self, evaluator: Evaluator, rng: np.random.Generator) -> None:
        while not evaluator.exhausted:
            evaluator.evaluate(evaluator.space.sample(self.batch_size, rng=rng))
