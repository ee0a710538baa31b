"""Generic-cell encoders: the fitted vocabulary, count features and graphs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_geometric.data import Batch

from surrogate.encode import generic as enc
from surrogate.space import generic
from surrogate.testing import generic_cells, isomorphic_generic_cells

TRAIN = generic.parse(
    [
        {"nodes": ["input", "conv3x3", "maxpool", "output"], "edges": [[0, 1], [0, 2], [1, 3], [2, 3]]},
        {"nodes": ["input", "conv3x3", "output"], "edges": [[0, 1], [1, 2], [0, 2]]},
    ]
)


def test_vocabulary_is_sorted_deterministic_and_round_trips_through_json():
    v = enc.fit_vocabulary(TRAIN)
    assert v.node_labels == ("conv3x3", "input", "maxpool", "output")
    assert v == enc.fit_vocabulary(list(reversed(TRAIN)))
    assert enc.Vocabulary.from_dict(json.loads(json.dumps(v.to_dict()))) == v
    with pytest.raises(ValueError, match="not a generic-cell vocabulary"):
        enc.Vocabulary.from_dict({"format": 99})
    with pytest.raises(ValueError, match="at least one cell"):
        enc.fit_vocabulary([])
    with pytest.raises(ValueError, match="min_count"):
        enc.fit_vocabulary(TRAIN, min_count=0)


def test_count_features():
    v = enc.fit_vocabulary(TRAIN)
    x = enc.features(TRAIN, v)
    names = v.feature_names()
    assert x.shape == (2, len(names)) and x.dtype == np.float32
    row = dict(zip(names, x[1]))
    assert row["node[conv3x3]"] == 1 and row["node[maxpool]"] == 0
    assert row["pair[input||output]"] == 1 and row["pair[input||conv3x3]"] == 1
    assert (row["n_nodes"], row["n_edges"], row["depth"], row["n_sources"], row["n_sinks"]) == (3, 3, 2, 1, 1)


def test_unseen_labels_fall_into_other():
    v = enc.fit_vocabulary(TRAIN)
    new = generic.parse({"nodes": ["input", "sep5x5", "output"], "edges": [[0, 1], [1, 2]]})
    row = dict(zip(v.feature_names(), enc.features(new, v)[0]))
    assert row["node[<other>]"] == 1 and row["pair[<other>]"] == 2
    rare = enc.fit_vocabulary(TRAIN, min_count=2)
    assert "maxpool" not in rare.node_labels and "conv3x3" in rare.node_labels


@settings(max_examples=100, deadline=None)
@given(st.data(), st.lists(generic_cells(), min_size=1, max_size=4))
def test_features_invariant_to_node_numbering(data, cells):
    v = enc.fit_vocabulary(cells)
    others = [data.draw(isomorphic_generic_cells(c)) for c in cells]
    assert np.array_equal(enc.features(cells, v), enc.features(others, v))


def test_graph_with_and_without_edge_labels():
    v = enc.fit_vocabulary(TRAIN)
    g = enc.graph(TRAIN[0], v)
    assert g.x.shape == (4, v.graph_node_features) and g.edge_index.shape == (2, 4)
    labelled = generic.parse({"nodes": ["in", "out"], "edges": [[0, 1]], "edge_labels": ["conv"]})
    vl = enc.fit_vocabulary([labelled])
    gl = enc.graph(labelled, vl)
    # the labelled edge becomes a node between its ends
    assert gl.x.shape[0] == 3 and gl.edge_index.T.tolist() == [[0, 2], [2, 1]]
    assert gl.x[2, len(vl.node_labels) + 1 + vl.edge_labels.index("conv")] == 1


@settings(max_examples=30, deadline=None)
@given(st.lists(generic_cells(), min_size=0, max_size=6), generic_cells())
def test_graph_batch_equals_batching_single_graphs(cells, extra):
    v = enc.fit_vocabulary(cells + [extra])
    a = enc.graph_batch(cells, v)
    assert a.num_graphs == len(cells)
    if not cells:
        return
    b = Batch.from_data_list([enc.graph(c, v) for c in cells])
    for key in ("x", "edge_index", "batch", "ptr"):
        assert torch.equal(a[key], b[key]), key
    ex = a.get_example(len(cells) - 1)
    ref = enc.graph(cells[-1], v)
    assert torch.equal(ex.x, ref.x) and torch.equal(ex.edge_index, ref.edge_index)


def test_encoders_need_a_vocabulary():
    with pytest.raises(ValueError, match="fit_vocabulary"):
        enc.features(TRAIN, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="fit_vocabulary"):
        enc.graph_batch(TRAIN, None)  # type: ignore[arg-type]


def test_structural_columns_place_labels_by_depth_and_height():
    v = enc.fit_vocabulary(TRAIN)
    assert v.n_positions == 4 and ("conv3x3", 1, 1) in v.positions
    # nodes numbered backwards: the canonical order still starts at the input
    cell = generic.parse({"nodes": ["output", "maxpool", "conv3x3", "input"], "edges": [[3, 2], [2, 1], [1, 0]]})
    assert enc.canonical_order(cell) == [3, 2, 1, 0]
    row = dict(zip(v.feature_names(), enc.features(cell, v)[0]))
    # a 4-node chain: every node sits at a (depth, height) no training node had
    assert "pos[conv3x3@1,2]" not in row and row["pos[<other>]"] == 4
    seen = dict(zip(v.feature_names(), enc.features(TRAIN[1], v)[0]))
    assert seen["pos[input@0,2]"] == seen["pos[conv3x3@1,1]"] == seen["pos[output@2,0]"] == 1
    assert row["at0[input]"] == row["at1[conv3x3]"] == row["at2[maxpool]"] == row["at3[output]"] == 1
    assert [row[f"adj[{i},{j}]"] for i, j in ((0, 1), (1, 2), (2, 3), (0, 2), (0, 3), (1, 3))] == [1, 1, 1, 0, 0, 0]


def test_ties_are_ordered_by_structure_not_by_numbering():
    # sources x, y (label a) and u, v (label b) pair up into two c nodes; numbering by node index
    # would pair x with u in one cell and x with v in the other
    nodes = ["a", "a", "b", "b", "c", "c"]
    one = generic.parse({"nodes": nodes, "edges": [[0, 4], [2, 4], [1, 5], [3, 5]]})
    two = generic.parse({"nodes": nodes, "edges": [[0, 4], [3, 4], [1, 5], [2, 5]]})
    assert generic.arch_hash(one) == generic.arch_hash(two)
    v = enc.fit_vocabulary([one])
    assert np.array_equal(enc.features(one, v), enc.features(two, v))


def test_format_1_vocabulary_still_reads_and_encodes_without_structural_columns():
    v = enc.fit_vocabulary(TRAIN)
    old = {k: val for k, val in v.to_dict().items() if k not in ("positions", "n_positions")}
    old["format"] = 1
    v1 = enc.Vocabulary.from_dict(old)
    assert v1.positions is None and v1.to_dict() == old
    names = v1.feature_names()
    assert names[-1] == "n_sinks" and names == v.feature_names()[: len(names)]
    assert np.array_equal(enc.features(TRAIN, v1), enc.features(TRAIN, v)[:, : len(names)])
    with pytest.raises(ValueError, match="positions"):
        enc.Vocabulary.from_dict({**v.to_dict(), "positions": [["a", -1, 0]]})


def test_large_symmetric_cells_fall_back_to_a_greedy_order():
    star = generic.parse({"nodes": ["in"] + ["op"] * 8 + ["out"], "edges": [[0, k] for k in range(1, 9)]})
    order = enc.canonical_order(star)  # 8! ties > MAX_TIE_ORDERS
    assert sorted(order) == list(range(10)) and order[0] == 0
    v = enc.fit_vocabulary([star])
    assert v.n_positions == 10 and enc.features(star, v).shape == (1, v.n_features)
