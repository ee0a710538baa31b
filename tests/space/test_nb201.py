"""The NAS-Bench-201 space: forms, validation, canonical form and hash, sampling."""

from __future__ import annotations

import random
from collections import Counter
from itertools import product

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from surrogate.space import InvalidArchitectureError, nb201
from surrogate.space.nb201 import EDGES, OPS, Cell201
from surrogate.testing import arbitrary_nb201_inputs, cells201, isomorphic_cells201

FAST = settings(max_examples=150, deadline=None)
BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
ALL_CELLS = [nb201.from_index(i) for i in range(nb201.SPACE_SIZE)]


# --- forms -----------------------------------------------------------------------------------


def test_every_cell_round_trips_through_every_form():
    assert len(set(ALL_CELLS)) == nb201.SPACE_SIZE == 5**6
    for i, c in enumerate(ALL_CELLS):
        assert nb201.to_index(c) == i
        assert nb201.parse(c.to_string()) == c
        assert nb201.parse(c.indices) == c
        assert nb201.parse(c.ops) == c
        assert Cell201.from_naslib(c.to_naslib()) == c
    assert nb201.parse([str(c) for c in ALL_CELLS[:50]]) == ALL_CELLS[:50]


def test_string_form_and_edge_order():
    text = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"
    c = nb201.parse(text)
    assert c.ops == ("nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "skip_connect", "none", "nor_conv_3x3")
    assert c.edge(2, 1) == "avg_pool_3x3" and c.edge(3, 0) == "skip_connect"
    assert str(c) == nb201.to_string(c) == text
    # whitespace around the string and around tokens is tolerated; the output is canonical
    assert nb201.parse(f"  {text.replace('|+|', '| + |')}\n") == c


def test_op_indices_are_into_nb201s_own_op_order():
    assert OPS == ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    c = nb201.parse((0, 1, 2, 3, 4, 0))
    assert c.ops == ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "none")
    assert c.indices == (0, 1, 2, 3, 4, 0)


def test_naslib_form_has_its_own_edge_and_op_order():
    # NASLib: edges by source (1<-0, 2<-0, 3<-0, 2<-1, 3<-1, 3<-2); ops (skip, none, conv3, conv1, pool)
    assert str(Cell201.from_naslib((2, 2, 0, 2, 2, 2))) == BEST
    asym = Cell201.from_naslib((0, 1, 2, 3, 4, 0))
    assert str(asym) == "|skip_connect~0|+|none~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|skip_connect~2|"
    assert asym.to_naslib() == (0, 1, 2, 3, 4, 0)
    with pytest.raises(InvalidArchitectureError, match=r"edge 2<-1: op index 5 out of range"):
        Cell201.from_naslib((0, 0, 0, 5, 0, 0))


def test_parse_shapes_one_in_one_out_list_in_list_out():
    c = nb201.parse(BEST)
    assert nb201.parse(list(c.indices)) == c  # a list of 6 ints is one cell
    assert nb201.parse(list(c.ops)) == c  # so is a list of 6 op names
    assert nb201.parse(np.array(c.indices)) == c
    assert nb201.parse(np.array([c.indices, c.indices])) == [c, c]
    assert nb201.parse([c.indices, BEST, c]) == [c, c, c]
    assert nb201.parse(x for x in [BEST]) == [c]
    assert nb201.parse([]) == []


def test_cell_is_immutable_and_hashable():
    c = nb201.parse(BEST)
    with pytest.raises(AttributeError):
        c.ops = ("none",) * 6  # type: ignore[misc]
    assert {c: 1}[nb201.parse(BEST)] == 1


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "pattern"),
    [
        ((0, 1, 2, 3, 4), r"expected 6 ops, one per edge .* got 5"),
        ((0, 1, 2, 3, 4, 0, 1), r"expected 6 ops.* got 7"),
        ((0, 1, 2, 5, 4, 0), r"NB201 cell, edge 3<-0: op index 5 out of range 0\.\.4"),
        ((0, -1, 2, 3, 4, 0), r"edge 2<-0: op index -1 out of range"),
        ((0, 1, True, 3, 4, 0), r"edge 2<-1: unknown operation True"),
        (("none", "skip_connect", "conv_3x3", "none", "none", "none"), r"edge 2<-1: unknown operation 'conv_3x3'"),
        ((0, 1, 2.0, 3, 4, 0), r"edge 2<-1: unknown operation 2\.0"),
        ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|", r"expected 3 nodes separated by '\+', got 2"),
        (
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
            r"node 2: expected 2 edge\(s\)",
        ),
        (
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~2|+|skip_connect~0|none~1|none~2|",
            r"node 2: source 2 out of range",
        ),
        (
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~0|+|skip_connect~0|none~1|none~2|",
            r"node 2: edge 2<-0 given twice",
        ),
        (
            "|conv~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|",
            r"node 1, edge 1<-0: unknown operation 'conv'",
        ),
        (
            "|nor_conv_3x3|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|",
            r"node 1: expected 'op~source'",
        ),
        (
            "|nor_conv_3x3~²|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|",
            r"node 1: expected 'op~source'",
        ),
        (
            "nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|",
            r"node 1: expected '\|op~source\|",
        ),
        ("", r"expected 3 nodes"),
        ("Genotype(normal=[], reduce=[])", r"expected 3 nodes"),
        ("+" * 20_000, r"characters long"),
        (None, r"cannot read an NB201 cell from NoneType"),
        (3, r"cannot read an NB201 cell from int"),
        ({"ops": [0] * 6}, r"cannot read an NB201 cell from dict"),
        ([BEST, "bad"], r"architecture 1: "),
    ],
)
def test_invalid_inputs_name_the_edge_or_node(x, pattern):
    with pytest.raises(InvalidArchitectureError, match=pattern):
        nb201.parse(x)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arbitrary_nb201_inputs())
def test_fuzz_parse_any_input_parses_or_raises_value_error(x):
    try:
        out = nb201.parse(x)
    except InvalidArchitectureError as err:
        assert isinstance(err, ValueError) and str(err)
        return
    for c in out if isinstance(out, list) else [out]:
        assert isinstance(c, Cell201)
        assert Cell201(c.ops) == c


# --- canonical form and hash -----------------------------------------------------------------


def _reference_key(cell: Cell201) -> frozenset:
    """Isomorphism class by a separate route: prune with networkx, then try both namings of 1, 2."""
    g = nx.DiGraph()
    g.add_nodes_from(range(4))
    g.add_edges_from((s, t, {"op": op}) for (t, s), op in zip(EDGES, cell.ops) if op != "none")
    live_nodes = (nx.descendants(g, 0) | {0}) & (nx.ancestors(g, 3) | {3})
    if 3 not in live_nodes:
        return frozenset()
    kept = frozenset((s, t, d["op"]) for s, t, d in g.edges(data=True) if s in live_nodes and t in live_nodes)
    swap = {0: 0, 1: 2, 2: 1, 3: 3}
    swapped = frozenset((swap[s], swap[t], op) for s, t, op in kept)
    return min(kept, swapped, key=sorted)


def test_hash_equal_iff_isomorphic_over_the_whole_space():
    by_hash: dict[str, set] = {}
    by_ref: dict[frozenset, set] = {}
    for i, c in enumerate(ALL_CELLS):
        by_hash.setdefault(nb201.arch_hash(c), set()).add(i)
        by_ref.setdefault(_reference_key(c), set()).add(i)
    assert sorted(map(sorted, by_hash.values())) == sorted(map(sorted, by_ref.values()))
    # every disconnected cell (no live input->output path) is one class, with the all-none cell
    assert by_ref[frozenset()] == by_hash[nb201.arch_hash(ALL_CELLS[0])]


@FAST
@given(st.data(), cells201())
def test_hash_survives_dead_edge_changes_and_node_swaps(data, c):
    other = data.draw(isomorphic_cells201(c))
    assert nb201.arch_hash(other) == nb201.arch_hash(c)
    assert nb201.canonical(other) == nb201.canonical(c)


@FAST
@given(cells201())
def test_canonical_is_idempotent_and_keeps_only_live_edges(c):
    k = nb201.canonical(c)
    assert nb201.canonical(k) == k
    assert _reference_key(k) == _reference_key(c)
    live = nb201.live_edges(k)
    assert all(on == (op != "none") for op, on in zip(k.ops, live)) or not any(live)
    assert nb201.canonical_string(c) == str(k)


def test_canonical_index_matches_canonical():
    rng = np.random.default_rng(0)
    cells = [ALL_CELLS[i] for i in rng.integers(0, nb201.SPACE_SIZE, 200)]
    idx = nb201.canonical_index(nb201.to_array(cells))
    assert [nb201.from_index(int(i)) for i in idx] == [nb201.canonical(c) for c in cells]


def test_pinned_isomorphic_and_distinct_pairs():
    h = nb201.arch_hash
    # nodes 1 and 2 trade places (2<-1 is none)
    a = "|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|none~0|avg_pool_3x3~1|skip_connect~2|"
    b = "|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|avg_pool_3x3~2|"
    assert h(nb201.parse(a)) == h(nb201.parse(b))
    # an op on an edge out of a node no input reaches does not matter
    c = "|none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|"
    d = "|none~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    assert h(nb201.parse(c)) == h(nb201.parse(d))
    # but the same ops on edges that are live do
    e = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|"
    f = "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    assert h(nb201.parse(e)) != h(nb201.parse(f))
    # and the input and output are not interchangeable with intermediate nodes
    g = "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|nor_conv_1x1~1|none~2|"
    k = "|nor_conv_1x1~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|"
    assert h(nb201.parse(g)) != h(nb201.parse(k))


# --- sampling and moves ----------------------------------------------------------------------


def test_sample_is_seeded_uniform_and_leaves_global_rngs():
    np_state, py_state = np.random.get_state(), random.getstate()
    a = nb201.sample(6000, rng=42)
    assert a == nb201.sample(6000, rng=np.random.default_rng(42))
    assert a != nb201.sample(6000, rng=43)
    after = np.random.get_state()
    assert np.array_equal(np_state[1], after[1]) and random.getstate() == py_state
    arr = nb201.to_array(a)
    for e in range(6):
        assert stats.chisquare(np.bincount(arr[:, e], minlength=5)).pvalue > 1e-4
    pairs = Counter(map(tuple, arr[:, :2].tolist()))
    assert stats.chisquare([pairs[p] for p in product(range(5), repeat=2)]).pvalue > 1e-4
    with pytest.raises(ValueError, match="n must be a non-negative int"):
        nb201.sample(-1)


@FAST
@given(cells201(), st.integers(0, 2**32 - 1))
def test_mutate_changes_exactly_one_edge(c, seed):
    m = nb201.mutate(c, rng=seed)
    assert sum(a != b for a, b in zip(c.ops, m.ops)) == 1
    assert nb201.mutate(c, rng=seed) == m


@settings(max_examples=60, deadline=None)
@given(cells201())
def test_neighbours_are_one_change_away_and_distinct_networks(c):
    out = nb201.neighbours(c)
    keys = [_reference_key(n) for n in out]
    for n in out:
        assert sum(a != b for a, b in zip(c.ops, n.ops)) == 1
    assert _reference_key(c) not in keys
    assert len(set(keys)) == len(keys)
    moves = {
        _reference_key(Cell201(c.ops[:e] + (op,) + c.ops[e + 1 :])) for e in range(6) for op in OPS if op != c.ops[e]
    }
    assert moves - {_reference_key(c)} == set(keys)


def test_neighbour_count_of_a_cell_without_symmetry():
    # every edge live, 2<-1 present (no swap): 6 edges x 4 other ops, all distinct networks
    c = nb201.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")
    assert all(nb201.live_edges(c))
    assert len(nb201.neighbours(c)) == 6 * (len(OPS) - 1)
