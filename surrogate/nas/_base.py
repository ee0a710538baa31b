"""The shape every NAS optimizer shares: configured at construction, seeded, run on a benchmark."""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from typing import ClassVar, TypeVar

import numpy as np

from ._budget import Budget
from ._evaluator import Evaluator
from ._protocol import BenchmarkLike
from ._trajectory import Trajectory

_O = TypeVar("_O", bound="Optimizer")


class Optimizer(ABC):
    """Base class of the NAS optimizers.

    A subclass stores its hyperparameters in ``__init__`` and implements :meth:`_search`, which
    asks an :class:`Evaluator` for accuracies until it is exhausted, drawing architectures from
    ``evaluator.space`` (the benchmark's :class:`~surrogate.spaces.Space`: ``sample``, ``mutate``,
    ``neighbours``, ``arch_hash``, ``categorical_params``), so every optimizer runs on every space. Randomness comes only from
    the generator :meth:`run` builds from ``seed`` (kept as ``rng_``), so running the same
    optimizer with an int seed twice gives the same trajectory.

    Parameters
    ----------
    seed : int, numpy.random.SeedSequence or None
        Seed of the optimizer's own generator; ``None`` draws fresh entropy each run.
    name : str, optional
        Name recorded in trajectories (defaults to the class's short name, e.g. ``"re"``); give
        distinct names to compare two settings of one optimizer.
    """

    #: Short name, as the CLI spells it.
    short_name: ClassVar[str] = ""
    #: Long name for plots and tables.
    label: ClassVar[str] = ""

    def __init__(self, *, seed: int | np.random.SeedSequence | None = None, name: str | None = None):
        self.seed = seed
        self.name = self.short_name if name is None else str(name)

    def run(self, bench: BenchmarkLike, budget: Budget, *, noise_seed: int = 0, repeat: int = 0) -> Trajectory:
        """Search ``bench`` until ``budget`` is spent.

        Parameters
        ----------
        bench : BenchmarkLike
            Anything with batched ``predict`` and ``predict_runtime``.
        budget : Budget
            Simulated seconds and/or queries.
        noise_seed : int, default 0
            Seed of the noisy accuracy the optimizer observes.
        repeat : int, default 0
            Recorded in the trajectory.

        Returns
        -------
        Trajectory
            With ``reference`` unset (NaN); see :meth:`Trajectory.with_reference`.
        """
        evaluator = Evaluator(bench, budget, noise_seed)  # its space: the benchmark's
        self.rng_ = np.random.default_rng(self.seed)
        self._search(evaluator, self.rng_)
        return evaluator.trajectory(self.name, repeat)

    @abstractmethod
    def _search(self, evaluator: Evaluator, rng: np.random.Generator) -> None:
        """Evaluate architectures through ``evaluator`` until ``evaluator.exhausted``."""

    def with_seed(self: _O, seed: int | np.random.SeedSequence | None) -> _O:
        """A copy with the same hyperparameters and another seed (no state from past runs)."""
        new = copy.copy(self)
        new.__dict__ = {k: v for k, v in self.__dict__.items() if not k.endswith("_")}
        new.seed = seed
        return new

    def _params(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if not k.endswith("_") and k != "name"}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"
