"""``ReadReport``: what a reader read, skipped and why."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import ClassVar

logger = logging.getLogger("surrogate.data")


@dataclass
class ReadReport:
    """Counts and reasons from one read.

    Attributes
    ----------
    n_seen : int
        Items looked at (files for the NAS-Bench-301 tree, rows for tables, entries for split
        files).
    n_read : int
        Items that became rows of the dataset (after de-duplication).
    n_duplicates : int
        Valid items dropped because an earlier one had the same architecture and seed.
    problems : list of (str, str)
        ``(where, reason)`` for every item skipped as bad: a path, ``path:line`` or a split entry.
    fidelities : dict of str to int
        Rows per training fidelity read (result trees; empty where not counted).
    warnings : list of str
        Things that read but look wrong (dropped duplicates, a constant target, accuracies
        that look like fractions); each is also logged.

    Examples
    --------
    >>> r = ReadReport(n_seen=3, n_read=2)
    >>> r.skip("rs/results_7.json", "val_accuracy is NaN")
    >>> r.n_skipped, r.summary()
    (1, '3 seen, 2 read, 1 skipped, 0 duplicates dropped')
    """

    n_seen: int = 0
    n_read: int = 0
    n_duplicates: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    fidelities: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def n_skipped(self) -> int:
        """How many items were skipped as bad."""
        return len(self.problems)

    @property
    def ok(self) -> bool:
        """``True`` when nothing was skipped."""
        return not self.problems

    #: Skipped items logged one by one; past these, :meth:`finish` logs one summary line.
    LOGGED: ClassVar[int] = 3

    def skip(self, where: str, reason: str, strict: bool = False) -> None:
        """Record a skipped item (the first :attr:`LOGGED` are logged); with ``strict`` raise
        ``ValueError`` instead."""
        if strict:
            raise ValueError(f"{where}: {reason} (strict=True; drop strict to skip bad items)")
        self.problems.append((str(where), reason))
        if len(self.problems) <= self.LOGGED:
            logger.warning("skipped %s: %s", where, reason)

    def finish(self) -> ReadReport:
        """Log one line for the skipped items not logged one by one; returns the report."""
        rest = len(self.problems) - self.LOGGED
        if rest > 0:
            reasons: dict[str, int] = {}
            for _, reason in self.problems:
                reasons[reason] = reasons.get(reason, 0) + 1
            common = "; ".join(f"{n} x {r}" for r, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:3])
            logger.warning(
                "skipped %d more (%d in all; most common: %s); the report's problems list every one",
                rest,
                len(self.problems),
                common,
            )
        return self

    def warn(self, message: str) -> None:
        """Record (and log) something that was read but looks wrong."""
        self.warnings.append(message)
        logger.warning("%s", message)

    def summary(self) -> str:
        """One line of counts, e.g. for a CLI or a log."""
        return (
            f"{self.n_seen} seen, {self.n_read} read, {self.n_skipped} skipped, {self.n_duplicates} duplicates dropped"
        )
