"""Result files on disk: one JSON file per evaluation, named for resume.

Files are written with :func:`surrogate.data.write_result` (checked by the reader's own rules,
then written atomically).

Layout: ``<out>/<source>/results_<arch_hash>_s<seed>.json`` — the official NAS-Bench-301 tree shape
(``<root>/<optimizer>/results_*.json``), so the same reader reads our data and the official data.
A file counts as done only when the fidelity it records is the fidelity being run: the name alone
does not say it, so a folder of another fidelity's results is never mistaken for finished work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from surrogate.space import Genotype, arch_hash

from ._fidelity import Fidelity


@dataclass(frozen=True)
class Job:
    """One evaluation to run: an architecture, a training seed, and who proposed it."""

    genotype: Genotype
    seed: int
    source: str

    @property
    def key(self) -> str:
        return f"{arch_hash(self.genotype)}_s{self.seed}"

    def path(self, out: Path) -> Path:
        return Path(out) / self.source / f"results_{self.key}.json"


def same_fidelity(recorded: object, fidelity: Fidelity) -> bool:
    """Whether a file's recorded ``fidelity`` object is ``fidelity``.

    Every setting the file records must equal the run's (settings added to :class:`Fidelity`
    after the file was written are not in it and are not compared).
    """
    if not isinstance(recorded, dict):
        return False
    mine = fidelity.to_dict()
    return all(key in mine and mine[key] == value for key, value in recorded.items())


def recorded_fidelity(path: Path) -> object:
    """The ``fidelity`` object a result file records (``None`` when unreadable)."""
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("fidelity")
    except (OSError, ValueError, AttributeError):
        return None


@dataclass(frozen=True)
class Inventory:
    """The result files under a root, split by whether they hold the run's fidelity."""

    done: frozenset[str]
    other: dict[str, str]  # key -> the other fidelity's name (or "unreadable")

    def other_names(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name in self.other.values():
            counts[name] = counts.get(name, 0) + 1
        return counts


def inventory(out: Path, fidelity: Fidelity) -> Inventory:
    """Keys (``<hash>_s<seed>``) of the results under ``out`` at ``fidelity``, and of the others."""
    out = Path(out)
    done, other = set(), {}
    if out.exists():
        for p in out.glob("*/results_*.json"):
            key = p.stem[len("results_") :]
            recorded = recorded_fidelity(p)
            if same_fidelity(recorded, fidelity):
                done.add(key)
            else:
                other[key] = str(recorded.get("name", "unnamed")) if isinstance(recorded, dict) else "unreadable"
    return Inventory(frozenset(done), other)


def done_keys(out: Path, fidelity: Fidelity) -> set[str]:
    """Keys (``<hash>_s<seed>``) of the evaluations already on disk under ``out`` at ``fidelity``."""
    return set(inventory(out, fidelity).done)


def pending(jobs: list[Job], out: Path, fidelity: Fidelity) -> list[Job]:
    """The jobs whose result file at ``fidelity`` is not yet written (resume), first of each key."""
    done = done_keys(out, fidelity)
    seen: set[str] = set()
    todo = []
    for job in jobs:
        if job.key not in done and job.key not in seen:
            seen.add(job.key)
            todo.append(job)
    return todo
