"""Generic labelled-DAG cells: JSON round trips, validation, fuzzing, the WL hash."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surrogate.space import InvalidArchitectureError, generic
from surrogate.space.generic import GenericCell
from surrogate.testing import arbitrary_generic_inputs, generic_cells, isomorphic_generic_cells

FAST = settings(max_examples=150, deadline=None)
DIAMOND = {"nodes": ["input", "conv3x3", "maxpool3x3", "output"], "edges": [[0, 1], [0, 2], [1, 3], [2, 3]]}


@FAST
@given(generic_cells())
def test_json_round_trips_are_exact(c):
    assert generic.parse(c.to_dict()) == c
    assert generic.parse(c.to_string()) == c
    assert generic.parse(json.loads(json.dumps(c.to_dict()))).to_dict() == c.to_dict()
    assert generic.to_string(c) == str(c) == c.to_string()


def test_edges_are_normalised_and_edge_labels_follow_them():
    a = generic.parse({"nodes": ["i", "a", "o"], "edges": [[1, 2], [0, 1]], "edge_labels": ["x", "y"]})
    b = generic.parse({"nodes": ["i", "a", "o"], "edges": [[0, 1], [1, 2]], "edge_labels": ["y", "x"]})
    assert a == b
    assert a.edges == ((0, 1), (1, 2)) and a.edge_labels == ("y", "x")


def test_node_count_means_unlabelled_nodes_and_edges_are_optional():
    c = generic.parse({"nodes": 3, "edges": [[0, 1], [1, 2]]})
    assert c.nodes == ("", "", "") and c.edge_labels is None
    assert generic.parse({"nodes": ["only"]}).edges == ()


def test_parse_one_in_one_out_list_in_list_out():
    c = generic.parse(DIAMOND)
    assert generic.parse([DIAMOND, json.dumps(DIAMOND), c]) == [c, c, c]
    assert generic.parse(x for x in [DIAMOND]) == [c]
    assert generic.parse([]) == []


def test_depth():
    assert generic.depth(generic.parse(DIAMOND)) == 2
    assert generic.depth(generic.parse({"nodes": 4, "edges": [[3, 2], [2, 1], [1, 0], [3, 0]]})) == 3
    assert generic.depth(generic.parse({"nodes": 2})) == 0


@pytest.mark.parametrize(
    ("x", "pattern"),
    [
        ({"nodes": ["a", "b"], "edges": [[0, 1], [1, 0]]}, r"edges contain a cycle"),
        ({"nodes": ["a", "b", "c"], "edges": [[0, 1], [1, 2], [2, 0]]}, r"edges contain a cycle"),
        ({"nodes": ["a"], "edges": [[0, 0]]}, r"edge 0 \[0, 0\]: a node cannot feed itself"),
        ({"nodes": ["a", "b"], "edges": [[0, 1], [0, 1]]}, r"edge \[0, 1\] given twice"),
        ({"nodes": ["a", "b"], "edges": [[0, 2]]}, r"edge 0 \[0, 2\]: node 2 out of range; the cell has nodes 0\.\.1"),
        ({"nodes": ["a", "b"], "edges": [[-1, 1]]}, r"node -1 out of range"),
        ({"nodes": ["a", "b"], "edges": [[0, True]]}, r"edge 0 .*: node indices must be ints"),
        ({"nodes": ["a", "b"], "edges": [[0, 1.0]]}, r"node indices must be ints"),
        ({"nodes": ["a", "b"], "edges": [[0, 1, 2]]}, r"edge 0: expected a \[source, target\] pair"),
        ({"nodes": ["a", "b"], "edges": "01"}, r"edges: expected a list"),
        ({"nodes": ["a", "b"], "edges": [[0, 1]], "edge_labels": ["x", "y"]}, r"edge_labels: 2 labels for 1 edges"),
        ({"nodes": ["a", "b"], "edges": [[0, 1]], "edge_labels": [3]}, r"edge 0 label: a label must be a string"),
        ({"nodes": ["a", 7]}, r"node 1: a label must be a string, got 7"),
        ({"nodes": []}, r"nodes: expected 1\.\.1000 nodes, got 0"),
        ({"nodes": 0}, r"nodes: a count must be in 1\.\.1000"),
        ({"nodes": "abc"}, r"nodes: expected a list of node labels"),
        ({"nodes": ["x" * 201]}, r"node 0: label is 201 characters long"),
        ({"edges": [[0, 1]]}, r"needs 'nodes'"),
        ({"nodes": ["a"], "val_accuracy": 90.0}, r"unknown key\(s\) \['val_accuracy'\]"),
        ("{not json", r"not a JSON generic cell"),
        ("[1, 2]", r"expected a JSON object"),
        (42, r"cannot read a generic cell from int"),
        ([DIAMOND, {"nodes": []}], r"architecture 1: "),
    ],
)
def test_invalid_cells_name_the_node_or_edge(x, pattern):
    with pytest.raises(InvalidArchitectureError, match=pattern):
        generic.parse(x)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arbitrary_generic_inputs())
def test_fuzz_parse_any_input_parses_or_raises_value_error(x):
    try:
        out = generic.parse(x)
    except InvalidArchitectureError as err:
        assert isinstance(err, ValueError) and str(err)
        return
    for c in out if isinstance(out, list) else [out]:
        assert isinstance(c, GenericCell)
        assert generic.from_dict(c.to_dict()) == c


# --- hash ------------------------------------------------------------------------------------


@FAST
@given(st.data(), generic_cells())
def test_hash_survives_renumbering_nodes_and_reordering_edges(data, c):
    other = data.draw(isomorphic_generic_cells(c))
    assert generic.arch_hash(other) == generic.arch_hash(c)


def _nx(c: GenericCell) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from((i, {"label": lab}) for i, lab in enumerate(c.nodes))
    labels = c.edge_labels or ("",) * len(c.edges)
    g.add_edges_from((s, t, {"label": lab}) for (s, t), lab in zip(c.edges, labels))
    return g


def _isomorphic(a: GenericCell, b: GenericCell) -> bool:
    same = lambda x, y: x["label"] == y["label"]  # noqa: E731
    return nx.is_isomorphic(_nx(a), _nx(b), node_match=same, edge_match=same)


def _random_cell(rng: np.random.Generator, n: int, labels: tuple[str, ...], p: float) -> GenericCell:
    edges = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < p]
    perm = rng.permutation(n)
    nodes = [""] * n
    for old in range(n):
        nodes[perm[old]] = labels[rng.integers(len(labels))]
    return GenericCell(nodes=tuple(nodes), edges=tuple((int(perm[i]), int(perm[j])) for i, j in edges))


def test_hash_equal_iff_isomorphic_on_small_random_dags():
    """Small DAGs with few labels, so isomorphic pairs are common; checked with networkx's VF2."""
    rng = np.random.default_rng(7)
    cells = [_random_cell(rng, int(rng.integers(1, 6)), ("a", "b"), 0.5) for _ in range(250)]
    hashes = [generic.arch_hash(c) for c in cells]
    n_iso = 0
    for i in range(len(cells)):
        for j in range(i + 1, len(cells)):
            if len(cells[i].nodes) != len(cells[j].nodes):
                assert hashes[i] != hashes[j]
                continue
            iso = _isomorphic(cells[i], cells[j])
            n_iso += iso
            assert (hashes[i] == hashes[j]) == iso, (cells[i], cells[j])
    assert n_iso > 50


def test_hash_sees_labels_and_direction():
    base = generic.parse(DIAMOND)
    relabelled = generic.parse({**DIAMOND, "nodes": ["input", "conv3x3", "conv3x3", "output"]})
    reversed_ = generic.parse({**DIAMOND, "edges": [[1, 0], [2, 0], [3, 1], [3, 2]]})
    labelled = generic.parse({**DIAMOND, "edge_labels": ["a", "a", "a", "b"]})
    hashes = {generic.arch_hash(c) for c in (base, relabelled, reversed_, labelled)}
    assert len(hashes) == 4


def test_hash_is_not_a_perfect_invariant_known_wl_collision():
    # 1-WL cannot tell one 8-ring from two 4-rings when every node looks alike: here every node is
    # a source feeding two sinks or a sink fed by two sources, all labelled "x". Not isomorphic,
    # same hash: the documented limit of a WL hash, pinned so a change to it is noticed.
    one_ring = GenericCell(nodes=("x",) * 8, edges=((0, 1), (2, 1), (2, 3), (4, 3), (4, 5), (6, 5), (6, 7), (0, 7)))
    two_rings = GenericCell(nodes=("x",) * 8, edges=((0, 1), (2, 1), (2, 3), (0, 3), (4, 5), (6, 5), (6, 7), (4, 7)))
    assert not _isomorphic(one_ring, two_rings)
    assert generic.arch_hash(one_ring) == generic.arch_hash(two_rings)
