"""How much a NAS run may spend: simulated training seconds, queries, or both."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real


@dataclass(frozen=True)
class Budget:
    """The limit of one NAS run.

    A run stops before the evaluation that would take it past either limit, so the recorded
    cumulative time and query count never exceed them.

    Parameters
    ----------
    seconds : float, optional
        Simulated training time: the sum of ``bench.predict_runtime`` over every architecture
        evaluated.
    queries : int, optional
        Number of architectures evaluated (each evaluation counts, repeats included).

    Raises
    ------
    ValueError
        When neither limit is given, or one is not a positive finite number.

    Examples
    --------
    >>> Budget(queries=100)
    Budget(seconds=None, queries=100)
    >>> Budget(seconds=3600 * 24).describe()
    '86400 simulated seconds'
    """

    seconds: float | None = None
    queries: int | None = None

    def __post_init__(self) -> None:
        if self.seconds is None and self.queries is None:
            raise ValueError("a budget needs a limit: give seconds= (simulated training time) and/or queries=")
        if self.seconds is not None:
            s = self.seconds
            if isinstance(s, bool) or not isinstance(s, Real) or not math.isfinite(s) or s <= 0:
                raise ValueError(f"budget seconds must be a positive finite number, got {s!r}")
            object.__setattr__(self, "seconds", float(s))
        if self.queries is not None:
            q = self.queries
            if isinstance(q, bool) or not isinstance(q, Integral) or q <= 0:
                raise ValueError(f"budget queries must be a positive int, got {q!r}")
            object.__setattr__(self, "queries", int(q))

    def describe(self) -> str:
        """A short human-readable form, e.g. ``'200 queries'``."""
        parts = []
        if self.seconds is not None:
            parts.append(f"{self.seconds:g} simulated seconds")
        if self.queries is not None:
            parts.append(f"{self.queries} queries")
        return " or ".join(parts)

    def to_dict(self) -> dict[str, float | int | None]:
        """``{"seconds": ..., "queries": ...}`` (JSON-ready)."""
        return {"seconds": self.seconds, "queries": self.queries}
