"""Shared fixtures for the encoder tests: a pool of genotypes rich in near misses and twins."""

from __future__ import annotations

import numpy as np
import pytest

from surrogate.space import OPS, Genotype, arch_hash, neighbours, sample
from surrogate.testing import relabel_cell


def random_topological_order(cell, rng: np.random.Generator) -> tuple[int, ...]:
    """A random order of nodes 2..5 that the cell's DAG allows."""
    placed, remaining, order = {0, 1}, [2, 3, 4, 5], []
    while remaining:
        ready = [n for n in remaining if {cell[2 * n - 4][1], cell[2 * n - 3][1]} <= placed]
        nxt = ready[int(rng.integers(len(ready)))]
        order.append(nxt)
        placed.add(nxt)
        remaining.remove(nxt)
    return tuple(order)


def random_isomorph(g: Genotype, rng: np.random.Generator) -> Genotype:
    """``g`` with each cell's nodes relabelled in a random admissible order and pairs swapped."""
    cells = []
    for cell in (g.normal, g.reduce):
        swaps = tuple(bool(s) for s in rng.integers(0, 2, size=4))
        cells.append(relabel_cell(cell, random_topological_order(cell, rng), swaps))
    return Genotype(normal=cells[0], reduce=cells[1])


def narrow(g: Genotype, rng: np.random.Generator, ops=("sep_conv_3x3", "max_pool_3x3")) -> Genotype:
    """``g`` with every op redrawn from a small alphabet, so isomorphic twins become common."""

    def cell(c):
        return tuple((ops[int(rng.integers(len(ops)))], inp) for _, inp in c)

    return Genotype(normal=cell(g.normal), reduce=cell(g.reduce))


@pytest.fixture(scope="session")
def pool() -> tuple[list[Genotype], list[str]]:
    """About 2700 genotypes (about 1900 isomorphism classes) and their hashes.

    Random ones, all neighbours of a few (one op or input apart), narrow-alphabet ones (many
    isomorphic pairs that are not identical), and random relabellings of many of them.
    """
    rng = np.random.default_rng(2024)
    base = sample(200, rng=rng)
    gs = list(base)
    for g in base[:8]:
        gs += neighbours(g)
    gs += [narrow(g, rng) for g in sample(600, rng=rng)]
    gs += [narrow(g, rng, ops=("skip_connect",)) for g in sample(100, rng=rng)]
    gs += [random_isomorph(gs[int(i)], rng) for i in rng.integers(len(gs), size=800)]
    assert set(OPS) == {op for g in gs for c in (g.normal, g.reduce) for op, _ in c}
    return gs, [arch_hash(g) for g in gs]


def assert_same_partition(hashes: list[str], keys: list[bytes]) -> None:
    """Equal keys exactly when equal hashes: the encoding is a complete isomorphism invariant."""
    n_hashes, n_keys, n_both = len(set(hashes)), len(set(keys)), len(set(zip(hashes, keys)))
    assert n_both == n_hashes, f"{n_both - n_hashes} isomorphic architectures got different encodings"
    assert n_both == n_keys, f"{n_both - n_keys} non-isomorphic architectures share an encoding"
    assert n_hashes < len(hashes), "the pool should contain isomorphic repeats"


@pytest.fixture(scope="session")
def isomorph():
    """``isomorph(g, rng)``: a random genotype isomorphic to ``g``."""
    return random_isomorph


@pytest.fixture(scope="session")
def same_partition():
    """``same_partition(hashes, keys)``: assert keys are equal exactly when hashes are."""
    return assert_same_partition
