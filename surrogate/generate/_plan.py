"""Which architectures to evaluate: a deterministic, prefix-stable plan of jobs.

Architectures are drawn in chunks of 100, chunk ``c`` from the generator seeded ``[seed, c]``, so
the first N architectures of a plan do not change when N grows: extending a run re-uses every
result already on disk. Every ``multi_seed_every``-th architecture is trained with ``n_seeds``
seeds (the rest with seed 0): the subset that measures seed noise, ICC and the
tabular-vs-surrogate study.
"""

from __future__ import annotations

import numpy as np

from surrogate.space import Genotype, sample, sample_skewed

from ._results import Job

CHUNK = 100


SAMPLERS = {"uniform": sample, "skewed": sample_skewed}


def sampled_archs(n: int, seed: int = 0, sampler: str = "uniform") -> list[Genotype]:
    """The first ``n`` architectures of ``sampler``'s stream for ``seed`` (prefix-stable).

    ``sampler`` is ``"uniform"`` (:func:`surrogate.space.sample`) or ``"skewed"``
    (:func:`surrogate.space.sample_skewed`: per-architecture biases towards parameter-free or
    convolution-heavy, deep or wide cells). The skewed stream is seeded apart from the uniform one.
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {sorted(SAMPLERS)}")
    draw = SAMPLERS[sampler]
    salt = [] if sampler == "uniform" else [1]  # the uniform stream is as it always was
    out: list[Genotype] = []
    chunk = 0
    while len(out) < n:
        out.extend(draw(CHUNK, rng=np.random.default_rng([seed, chunk, *salt])))
        chunk += 1
    return out[:n]


def uniform_archs(n: int, seed: int = 0) -> list[Genotype]:
    """The first ``n`` architectures of the uniform stream for ``seed`` (prefix-stable)."""
    return sampled_archs(n, seed, "uniform")


def plan_jobs(archs: list[Genotype], source: str, *, multi_seed_every: int = 5, n_seeds: int = 3) -> list[Job]:
    """Jobs for ``archs`` in order; every ``multi_seed_every``-th one gets seeds ``0..n_seeds-1``."""
    if multi_seed_every < 1 or n_seeds < 1:
        raise ValueError("multi_seed_every and n_seeds must be >= 1")
    jobs = []
    for i, g in enumerate(archs):
        seeds = range(n_seeds) if i % multi_seed_every == 0 else range(1)
        jobs.extend(Job(g, s, source) for s in seeds)
    return jobs
