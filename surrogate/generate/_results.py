"""Result files on disk: one JSON file per evaluation, named for resume.

Files are written with :func:`surrogate.data.write_result` (checked by the reader's own rules,
then written atomically).

Layout: ``<out>/<source>/results_<arch_hash>_s<seed>.json`` — the official NAS-Bench-301 tree shape
(``<root>/<optimizer>/results_*.json``), so the same reader reads our data and the official data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from surrogate.space import Genotype, arch_hash


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


def done_keys(out: Path) -> set[str]:
    """Keys (``<hash>_s<seed>``) of the evaluations already on disk under ``out``."""
    out = Path(out)
    if not out.exists():
        return set()
    return {p.stem[len("results_") :] for p in out.glob("*/results_*.json")}


def pending(jobs: list[Job], out: Path) -> list[Job]:
    """The jobs whose result file is not yet written (resume)."""
    done = done_keys(out)
    seen: set[str] = set()
    todo = []
    for job in jobs:
        if job.key not in done and job.key not in seen:
            seen.add(job.key)
            todo.append(job)
    return todo
