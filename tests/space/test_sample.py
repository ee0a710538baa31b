"""Uniform sampling, single mutations and neighbourhoods."""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from surrogate.space import OPS, Genotype, arch_hash, mutate, neighbours, sample
from surrogate.space._sample import _moves
from surrogate.testing import genotypes

from ._brute import relabellings

#: A genotype with no symmetries: every one of its moves is a different network.
GENERIC = Genotype(
    normal=[
        ("sep_conv_3x3", 0),
        ("max_pool_3x3", 1),
        ("dil_conv_3x3", 0),
        ("skip_connect", 2),
        ("sep_conv_5x5", 1),
        ("avg_pool_3x3", 3),
        ("dil_conv_5x5", 2),
        ("sep_conv_3x3", 4),
    ],
    reduce=[
        ("max_pool_3x3", 0),
        ("avg_pool_3x3", 1),
        ("sep_conv_5x5", 1),
        ("dil_conv_3x3", 2),
        ("skip_connect", 0),
        ("sep_conv_3x3", 3),
        ("dil_conv_5x5", 4),
        ("max_pool_3x3", 1),
    ],
)


def _brute_key(g: Genotype) -> tuple:
    """A brute-force canonical key: the smallest relabelling of each cell."""
    return (min(relabellings(g.normal)), min(relabellings(g.reduce)))


def _differences(a: Genotype, b: Genotype) -> list[tuple[str, int, str]]:
    """Which (cell, pair, component) differ between two genotypes, position by position."""
    out = []
    for name in ("normal", "reduce"):
        for i, (p, q) in enumerate(zip(a.cell(name), b.cell(name))):
            if p[0] != q[0]:
                out.append((name, i, "op"))
            if p[1] != q[1]:
                out.append((name, i, "input"))
    return out


@pytest.fixture
def global_rngs_untouched():
    np_state = np.random.get_state()
    py_state = random.getstate()
    yield
    after = np.random.get_state()
    assert np_state[0] == after[0] and np.array_equal(np_state[1], after[1]) and np_state[2:] == after[2:]
    assert random.getstate() == py_state


# --- sample ----------------------------------------------------------------------------------


def test_sample_is_deterministic_given_a_seed(global_rngs_untouched):
    assert sample(20, rng=7) == sample(20, rng=7)
    assert sample(20, rng=7) == sample(20, rng=np.random.default_rng(7))
    assert sample(20, rng=7) != sample(20, rng=8)
    gen = np.random.default_rng(3)
    first, second = sample(5, rng=gen), sample(5, rng=gen)
    assert first != second  # a Generator passed in is advanced, not reseeded


def test_sample_ignores_the_global_rngs():
    state = np.random.get_state(), random.getstate()
    try:
        np.random.seed(1)
        random.seed(1)
        a = sample(10, rng=0)
        np.random.seed(2)
        random.seed(2)
        assert sample(10, rng=0) == a
    finally:
        np.random.set_state(state[0])
        random.setstate(state[1])


def test_sample_without_a_seed_leaves_the_global_rngs(global_rngs_untouched):
    assert len(sample(3)) == 3


def test_sample_all_valid_and_sizes():
    out = sample(300, rng=1)
    assert len(out) == 300 and sample(0, rng=1) == []
    for g in out:
        assert Genotype(*g) == g  # passes validation
        for name in ("normal", "reduce"):
            cell = g.cell(name)
            for k in range(4):
                assert cell[2 * k][1] < cell[2 * k + 1][1]  # pairs come ordered by input


@pytest.mark.parametrize("n", [-1, 2.5, True, "3", None])
def test_sample_rejects_a_bad_n(n):
    with pytest.raises(ValueError, match="n must be a non-negative int"):
        sample(n, rng=0)


def test_sample_is_uniform_over_topologies_and_ops():
    archs = sample(4500, rng=12345)
    cells = [g.cell(name) for g in archs for name in ("normal", "reduce")]
    topo = Counter(tuple(inp for _, inp in cell) for cell in cells)
    # 1 * 3 * 6 * 10 input pairs per cell: every topology appears, and evenly
    assert len(topo) == 180
    assert stats.chisquare(list(topo.values())).pvalue > 1e-4
    ops = Counter(op for cell in cells for op, _ in cell)
    assert set(ops) == set(OPS)
    assert stats.chisquare([ops[o] for o in OPS]).pvalue > 1e-4
    # op choice is independent of the position in the cell
    table = np.array([[sum(cell[i][0] == o for cell in cells) for o in OPS] for i in range(8)])
    assert stats.chi2_contingency(table).pvalue > 1e-4
    # and the test has the power to see a plausible bug: a sampler that draws the first input
    # uniformly and the second above it (so pairs with a high first input are over-drawn)
    gen = np.random.default_rng(0)
    biased = Counter()
    for _ in range(len(cells)):
        topology = []
        for node in range(2, 6):
            a = int(gen.integers(node - 1))
            topology += [a, int(gen.integers(a + 1, node))]
        biased[tuple(topology)] += 1
    assert stats.chisquare([biased[t] for t in topo]).pvalue < 1e-4


# --- mutate ----------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(genotypes(), st.integers(0, 2**32 - 1))
def test_mutate_changes_exactly_one_op_or_one_input(g, seed):
    m = mutate(g, rng=seed)
    assert Genotype(*m) == m
    assert len(_differences(g, m)) == 1
    assert mutate(g, rng=seed) == m


def test_mutate_leaves_the_global_rngs(global_rngs_untouched):
    mutate(GENERIC, rng=0)
    mutate(GENERIC)


def test_mutate_reaches_every_move():
    gen = np.random.default_rng(0)
    seen = {mutate(GENERIC, rng=gen) for _ in range(3000)}
    assert seen == set(_moves(GENERIC))


# --- neighbours ------------------------------------------------------------------------------


def test_neighbour_count_of_a_generic_architecture():
    # per cell: 8 pairs * 6 other ops, plus input changes: a pair of node k may move to any of
    # its k inputs except its own and its partner's, k - 2 choices: 2*(0 + 1 + 2 + 3) = 12
    per_cell = 8 * (len(OPS) - 1) + 12
    assert len(neighbours(GENERIC)) == 2 * per_cell == 120
    assert len(_moves(GENERIC)) == 120


def _check_neighbourhood(g: Genotype) -> None:
    out = neighbours(g)
    keys = [_brute_key(n) for n in out]
    own = _brute_key(g)
    for n in out:
        assert len(_differences(g, n)) == 1  # one op or one input changed
    assert own not in keys  # none is the original network again
    assert len(set(keys)) == len(keys)  # no two are the same network
    assert len({arch_hash(n) for n in out}) == len(out)
    # nothing was lost: every move's network is represented
    assert {_brute_key(m) for m in _moves(g)} - {own} == set(keys)


def test_neighbours_of_a_symmetric_architecture_are_deduplicated():
    # all nodes alike: many moves give the same network, and the original comes back
    g = Genotype(
        normal=[("sep_conv_3x3", 0), ("sep_conv_3x3", 1)] * 4, reduce=[("max_pool_3x3", 0), ("max_pool_3x3", 1)] * 4
    )
    assert len(neighbours(g)) < len(_moves(g))
    _check_neighbourhood(g)


@settings(max_examples=8, deadline=None)
@given(genotypes(ops=st.sampled_from(("sep_conv_3x3", "max_pool_3x3", "skip_connect"))))
def test_neighbours_differ_by_one_change_and_are_distinct_networks(g):
    _check_neighbourhood(g)


def test_neighbours_dedup_on_random_archs():
    for g in sample(5, rng=99):
        _check_neighbourhood(g)
        pairs = combinations(neighbours(g), 2)
        assert all(a != b for a, b in pairs)
