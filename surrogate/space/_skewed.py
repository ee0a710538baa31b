"""Skewed sampling: architectures from the corners of the space that uniform sampling rarely draws.

Uniform samples are almost all "mixed" cells: 3 of 7 operations are parameter-free, so a cell with
six or more skip/pool edges comes up in about 1 of 200 draws, and deep chains are rare too. NAS
optimizers visit exactly those corners (one-shot methods collapse to skip-heavy cells), so a
surrogate must see them. Each architecture here draws its own biases first:

- ``p_free ~ Beta(a, b)``: the probability that an edge carries a parameter-free op (skip or a
  pooling); the default Beta(0.6, 0.6) is U-shaped, putting many architectures near all-free and
  near all-convolution;
- a Dirichlet mix over the parameter-free ops and another over the convolutions, so a cell leans
  to one kind (skip-heavy, pool-heavy, 5x5-heavy, ...);
- ``depth ~ Uniform(-5, 5)``: node k takes input j with weight ``exp(depth * j / k)`` among its
  predecessors, so ``depth > 0`` favours chains (deep cells), ``depth < 0`` favours the cell
  inputs (wide, parallel cells).

The normal and the reduction cell draw their biases independently.
"""

from __future__ import annotations

import numpy as np

from ._genotype import Genotype
from ._ops import N_INPUTS, N_NODES, OPS
from ._sample import check_count

FREE_OPS = ("skip_connect", "max_pool_3x3", "avg_pool_3x3")
CONV_OPS = tuple(op for op in OPS if op not in FREE_OPS)


def _cell(gen: np.random.Generator, beta: tuple[float, float], depth_range: float) -> tuple:
    p_free = gen.beta(*beta)
    free_mix = gen.dirichlet(np.full(len(FREE_OPS), 0.7))
    conv_mix = gen.dirichlet(np.full(len(CONV_OPS), 0.7))
    depth = gen.uniform(-depth_range, depth_range)
    cell = []
    for k in range(N_INPUTS, N_INPUTS + N_NODES):
        weights = np.exp(depth * np.arange(k) / k)
        a, b = gen.choice(k, size=2, replace=False, p=weights / weights.sum())
        for inp in sorted((int(a), int(b))):
            if gen.random() < p_free:
                op = FREE_OPS[gen.choice(len(FREE_OPS), p=free_mix)]
            else:
                op = CONV_OPS[gen.choice(len(CONV_OPS), p=conv_mix)]
            cell.append((op, inp))
    return tuple(cell)


def sample_skewed(
    n: int, rng: object = None, *, beta: tuple[float, float] = (0.6, 0.6), depth_range: float = 5.0
) -> list[Genotype]:
    """``n`` architectures with per-architecture biases of operations and topology (see above).

    Examples
    --------
    >>> from surrogate.space import sample_skewed
    >>> sample_skewed(3, rng=0) == sample_skewed(3, rng=0)
    True
    """
    check_count(n)
    if min(beta) <= 0 or depth_range < 0:
        raise ValueError(f"beta parameters must be > 0 and depth_range >= 0, got {beta}, {depth_range}")
    gen = np.random.default_rng(rng)
    return [Genotype(normal=_cell(gen, beta, depth_range), reduce=_cell(gen, beta, depth_range)) for _ in range(n)]
