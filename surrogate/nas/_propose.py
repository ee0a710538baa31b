"""Architectures an optimizer would train: proposals for new evaluations in the good region.

NAS-Bench-301 did not only train uniform samples: it also trained the architectures that NAS
optimizers evaluated, so the surrogate sees the high-accuracy region those optimizers reach.
:func:`propose` does the same against an interim benchmark fit on the data so far: it runs an
optimizer and returns the architectures it evaluated last (its evolved, best-region candidates),
new to the data, without duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from surrogate.space import Genotype

from ._base import Optimizer
from ._budget import Budget
from ._evaluator import _space_of
from ._protocol import BenchmarkLike
from ._run_many import resolve_optimizers


def propose(
    bench: BenchmarkLike,
    optimizer: str | Optimizer,
    n: int,
    *,
    exclude: Iterable[str] = (),
    queries: int | None = None,
    repeats: int = 1,
    seed: int = 0,
) -> list[Genotype]:
    """The last ``n`` distinct new architectures evaluated by ``repeats`` runs of ``optimizer``.

    Parameters
    ----------
    bench : BenchmarkLike
        The benchmark the optimizer searches (an interim surrogate of the data so far).
    optimizer : str or Optimizer
        ``"re"``, ``"ls"``, ``"rs"``, ``"tpe"`` or an optimizer instance.
    n : int
        How many architectures to return.
    exclude : iterable of str
        Canonical hashes (the benchmark space's ``arch_hash``) already evaluated; never returned.
    queries : int, optional
        Query budget of each run (default ``4 * n / repeats``, at least 50).
    repeats : int, default 1
        Independent runs (seeds derived from ``seed``); their proposals are interleaved.
    seed : int, default 0
        Root seed: the same arguments give the same proposals.

    Returns
    -------
    list of Genotype
        At most ``n`` architectures (fewer only when the runs did not evaluate enough new ones),
        the latest evaluations of each run first.
    """
    if int(n) < 1 or int(repeats) < 1:
        raise ValueError(f"n and repeats must be positive integers, got n={n!r}, repeats={repeats!r}")
    n, repeats = int(n), int(repeats)
    q = int(queries) if queries is not None else max(50, -(-4 * n // repeats))
    if q < 1:
        raise ValueError(f"queries must be a positive integer, got {queries!r}")
    (opt,) = resolve_optimizers([optimizer])
    arch_hash = _space_of(bench).arch_hash
    seen = set(exclude)
    runs: list[list[Genotype]] = []
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(repeats)):
        traj = opt.with_seed(child).run(bench, Budget(queries=q), noise_seed=seed * 1000 + i)
        runs.append(list(reversed(traj.archs)))
    out: list[Genotype] = []
    for step in range(max(map(len, runs))):
        for archs in runs:
            if step < len(archs) and len(out) < n:
                h = arch_hash(archs[step])
                if h not in seen:
                    seen.add(h)
                    out.append(archs[step])
    return out
