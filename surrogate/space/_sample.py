"""Uniform sampling, single mutations and neighbourhoods in the DARTS space.

Every function takes an ``rng`` that :func:`numpy.random.default_rng` accepts (a seed, a
``Generator`` or ``None``) and touches no global random state.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from ._canonical import arch_hash
from ._genotype import Cell, Genotype
from ._ops import CELLS, N_INPUTS, N_NODES, OPS

#: For node k, every unordered pair of distinct inputs, sorted.
_INPUT_PAIRS = {k: list(combinations(range(k), 2)) for k in range(N_INPUTS, N_INPUTS + N_NODES)}


def check_count(n: object) -> None:
    """A ValueError unless ``n`` is a non-negative int (how many architectures to draw)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")


def sample(n: int, rng: object = None) -> list[Genotype]:
    """``n`` architectures drawn uniformly from the space (pairs of a node ordered by input).

    Examples
    --------
    >>> from surrogate.space import sample
    >>> sample(2, rng=0) == sample(2, rng=0)
    True
    """
    check_count(n)
    gen = np.random.default_rng(rng)
    ops = gen.integers(0, len(OPS), size=(n, 2, 2 * N_NODES))
    choice = {k: gen.integers(0, len(p), size=(n, 2)) for k, p in _INPUT_PAIRS.items()}
    out = []
    for i in range(n):
        cells = []
        for c in range(2):
            cell = []
            for k, pairs in _INPUT_PAIRS.items():
                a, b = pairs[choice[k][i, c]]
                j = 2 * (k - N_INPUTS)
                cell.append((OPS[ops[i, c, j]], a))
                cell.append((OPS[ops[i, c, j + 1]], b))
            cells.append(tuple(cell))
        out.append(Genotype._trusted(cells[0], cells[1]))
    return out


def _replace(genotype: Genotype, cell_name: str, index: int, pair: tuple[str, int]) -> Genotype:
    cell = list(genotype.cell(cell_name))
    cell[index] = pair
    new: Cell = tuple(cell)
    if cell_name == "normal":
        return Genotype._trusted(new, genotype.reduce)
    return Genotype._trusted(genotype.normal, new)


def _moves(genotype: Genotype) -> list[Genotype]:
    """Every genotype one op change or one input change away (may contain isomorphic repeats)."""
    out = []
    for cell_name in CELLS:
        cell = genotype.cell(cell_name)
        for i, (op, inp) in enumerate(cell):
            for other in OPS:
                if other != op:
                    out.append(_replace(genotype, cell_name, i, (other, inp)))
            node = N_INPUTS + i // 2
            partner = cell[i ^ 1][1]
            for new_inp in range(node):
                if new_inp not in (inp, partner):
                    out.append(_replace(genotype, cell_name, i, (op, new_inp)))
    return out


def neighbours(genotype: Genotype) -> list[Genotype]:
    """All architectures one op or one input change away, de-duplicated up to isomorphism.

    Neighbours isomorphic to ``genotype`` itself are left out.
    """
    seen = {arch_hash(genotype)}
    out = []
    for g in _moves(genotype):
        h = arch_hash(g)
        if h not in seen:
            seen.add(h)
            out.append(g)
    return out


def mutate(genotype: Genotype, rng: object = None) -> Genotype:
    """One random op or input change (uniform over the moves of :func:`neighbours`'s kind)."""
    gen = np.random.default_rng(rng)
    moves = _moves(genotype)
    return moves[int(gen.integers(len(moves)))]
