"""What a NAS optimizer needs from a benchmark: two batched queries.

:class:`surrogate.benchmark.Benchmark` satisfies it; so does any object with these two methods
(a tabular benchmark wrapper, or the small fake one the unit tests use).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from surrogate.space import Genotype


@runtime_checkable
class BenchmarkLike(Protocol):
    """A benchmark that NAS optimizers can run against.

    Both methods take a list of architectures and return one value per architecture.
    """

    def predict(self, archs: Sequence[Genotype], with_noise: bool = False, seed: int | None = None) -> np.ndarray:
        """Validation accuracy in percent, shape ``(len(archs),)``.

        ``with_noise=True`` draws what one training run would give; with ``seed=k`` the draw
        for an architecture depends only on ``(architecture, k)``, like reading seed ``k`` of
        a tabular benchmark.
        """
        ...

    def predict_runtime(self, archs: Sequence[Genotype]) -> np.ndarray:
        """Training time in seconds, shape ``(len(archs),)``."""
        ...
