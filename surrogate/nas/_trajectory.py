"""The record of one NAS run: what was evaluated, when, what was seen, and how good it really was."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from surrogate.space import Genotype, parse

from ._budget import Budget


def _frozen(values: object, dtype: type) -> np.ndarray:
    arr = np.array(values, dtype=dtype).reshape(-1)
    arr.setflags(write=False)
    return arr


def _incumbent_index(accuracy: np.ndarray) -> np.ndarray:
    """For each step, the index of the best accuracy so far (the first one on ties)."""
    n = accuracy.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    best = np.maximum.accumulate(accuracy)
    improved = np.ones(n, dtype=bool)
    improved[1:] = accuracy[1:] > best[:-1]
    return np.maximum.accumulate(np.where(improved, np.arange(n), 0))


def _parse(space: Any, archs: list) -> list:
    if space is None:
        return parse(archs)
    if isinstance(space, str):
        from surrogate.spaces import get_space

        space = get_space(space)
    return space.parse(archs)


def _json_float(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One NAS run, one entry per evaluation, in the order the optimizer made them.

    The optimizer sees only the noisy accuracy; the incumbent is the best architecture so far by
    that noisy accuracy, as it would be in a real search. The regret judges the incumbent by its
    noiseless mean: ``regret = reference - incumbent_mean``, where ``reference`` is the best
    mean known for the study (set with :meth:`with_reference`; NaN until then).

    Parameters
    ----------
    optimizer : str
        Short name of the optimizer (``"rs"``, ``"re"``, ``"ls"``, ``"tpe"`` or a user's name).
    repeat : int
        Index of the repeat within a study.
    noise_seed : int
        The ``seed`` passed to ``bench.predict(..., with_noise=True)``.
    budget : Budget
        The limit the run stopped at.
    archs : sequence of Genotype
        The evaluated architectures.
    time : array of float, shape (n,)
        Cumulative simulated training seconds after each evaluation.
    accuracy : array of float, shape (n,)
        Noisy validation accuracy (%) observed at each evaluation.
    mean : array of float, shape (n,)
        Noiseless mean validation accuracy (%) of each evaluated architecture.
    reference : float, default NaN
        Best noiseless mean known for the study.

    Attributes
    ----------
    queries : array of int, shape (n,)
        Number of evaluations made so far: ``1, 2, ..., n``.
    incumbent_index : array of int, shape (n,)
        Index into ``archs`` of the incumbent after each evaluation.
    incumbent : array of float, shape (n,)
        Best noisy accuracy so far (non-decreasing).
    incumbent_mean : array of float, shape (n,)
        Noiseless mean of the incumbent.
    regret : array of float, shape (n,)
        ``reference - incumbent_mean``.
    """

    optimizer: str
    repeat: int
    noise_seed: int
    budget: Budget
    archs: tuple[Genotype, ...]
    time: np.ndarray
    accuracy: np.ndarray
    mean: np.ndarray
    reference: float = math.nan
    queries: np.ndarray = field(init=False, repr=False)
    incumbent_index: np.ndarray = field(init=False, repr=False)
    incumbent: np.ndarray = field(init=False, repr=False)
    incumbent_mean: np.ndarray = field(init=False, repr=False)
    regret: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "archs", tuple(self.archs))
        n = len(self.archs)
        for name in ("time", "accuracy", "mean"):
            arr = _frozen(getattr(self, name), np.float64)
            if arr.size != n:
                raise ValueError(
                    f"Trajectory.{name} has {arr.size} values but there are {n} architectures; "
                    "give one value per evaluation"
                )
            set_(self, name, arr)
        if not np.all(np.isfinite(self.accuracy)) or not np.all(np.isfinite(self.mean)):
            raise ValueError("Trajectory accuracies must be finite; the benchmark returned NaN or inf")
        if np.any(np.diff(self.time) < 0):
            raise ValueError("Trajectory.time must be cumulative (non-decreasing)")
        set_(self, "reference", float(self.reference))
        idx = _incumbent_index(self.accuracy)
        idx.setflags(write=False)
        set_(self, "queries", _frozen(np.arange(1, n + 1), np.int64))
        set_(self, "incumbent_index", idx)
        set_(self, "incumbent", _frozen(self.accuracy[idx], np.float64))
        set_(self, "incumbent_mean", _frozen(self.mean[idx], np.float64))
        set_(self, "regret", _frozen(self.reference - self.incumbent_mean, np.float64))

    def __len__(self) -> int:
        return len(self.archs)

    def with_reference(self, reference: float) -> Trajectory:
        """A copy whose regret is measured from ``reference``."""
        return replace(self, reference=reference)

    @property
    def best_arch(self) -> Genotype | None:
        """The final incumbent (``None`` for a run that evaluated nothing)."""
        return self.archs[int(self.incumbent_index[-1])] if len(self) else None

    def final(self, name: str) -> float:
        """The last value of the array attribute ``name`` (NaN for an empty run).

        Examples
        --------
        >>> t = Trajectory("rs", 0, 0, Budget(queries=2), (), [], [], [])
        >>> t.final("incumbent")
        nan
        """
        arr = getattr(self, name)
        return float(arr[-1]) if arr.size else math.nan

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per evaluation (the CSV rows), with the architecture as its string."""
        rows = []
        for i, g in enumerate(self.archs):
            rows.append(
                {
                    "optimizer": self.optimizer,
                    "repeat": self.repeat,
                    "noise_seed": self.noise_seed,
                    "query": int(self.queries[i]),
                    "time": float(self.time[i]),
                    "accuracy": float(self.accuracy[i]),
                    "mean": float(self.mean[i]),
                    "incumbent": float(self.incumbent[i]),
                    "incumbent_mean": float(self.incumbent_mean[i]),
                    "regret": _json_float(float(self.regret[i])),
                    "arch": str(g),
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of lists; :meth:`from_dict` reads it back."""
        return {
            "optimizer": self.optimizer,
            "repeat": self.repeat,
            "noise_seed": self.noise_seed,
            "budget": self.budget.to_dict(),
            "reference": _json_float(self.reference),
            "archs": [str(g) for g in self.archs],
            "time": [_json_float(x) for x in self.time.tolist()],  # NaN: no runtime model
            "accuracy": self.accuracy.tolist(),
            "mean": self.mean.tolist(),
            "incumbent": self.incumbent.tolist(),
            "incumbent_mean": self.incumbent_mean.tolist(),
            "regret": [_json_float(x) for x in self.regret.tolist()],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], space: Any = None) -> Trajectory:
        """Rebuild a Trajectory from :meth:`to_dict`'s output (derived fields are recomputed);
        ``space`` (a :class:`~surrogate.spaces.Space` or its name, default DARTS) parses the
        architectures."""
        try:
            ref = data.get("reference")
            archs: Sequence[Any] = _parse(space, list(data["archs"])) if data["archs"] else []
            return cls(
                optimizer=str(data["optimizer"]),
                repeat=int(data["repeat"]),
                noise_seed=int(data["noise_seed"]),
                budget=Budget(**data["budget"]),
                archs=tuple(archs),
                time=[math.nan if t is None else t for t in data["time"]],
                accuracy=data["accuracy"],
                mean=data["mean"],
                reference=math.nan if ref is None else float(ref),
            )
        except KeyError as err:
            raise ValueError(f"trajectory record lacks the field {err.args[0]!r}") from None
