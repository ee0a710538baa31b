"""NB201 encoders: one-hot features and ops-as-nodes graphs of the canonical cell."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_geometric.data import Batch

from surrogate.encode import nb201 as enc
from surrogate.space import InvalidArchitectureError, nb201
from surrogate.testing import cells201, isomorphic_cells201

ALL = [nb201.from_index(i) for i in range(nb201.SPACE_SIZE)]


def test_features_are_one_hot_of_the_canonical_cell():
    x = enc.features(ALL)
    assert x.shape == (nb201.SPACE_SIZE, enc.N_FEATURES) and x.dtype == np.float32
    assert len(enc.feature_names()) == x.shape[1] == 30
    assert np.all(x.reshape(-1, 6, 5).sum(axis=2) == 1)  # one op per edge
    ops = x.reshape(-1, 6, 5).argmax(axis=2)
    assert [nb201.from_index(int(i)) for i in ops[:300] @ (5 ** np.arange(5, -1, -1))] == [
        nb201.canonical(c) for c in ALL[:300]
    ]


def test_features_equal_iff_same_isomorphism_class():
    x = enc.features(ALL)
    rows = {}
    for c, row in zip(ALL, x):
        rows.setdefault(row.tobytes(), set()).add(nb201.arch_hash(c))
    assert all(len(h) == 1 for h in rows.values())  # equal rows -> one class
    assert len(rows) == len({nb201.arch_hash(c) for c in ALL})  # one row per class


def test_feature_names_follow_edges_and_ops():
    names = enc.feature_names()
    c = nb201.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|")
    on = {n for n, v in zip(names, enc.features([c])[0]) if v}
    assert on == {
        "e10_nor_conv_3x3",
        "e20_nor_conv_3x3",
        "e21_nor_conv_3x3",
        "e30_skip_connect",
        "e31_nor_conv_3x3",
        "e32_nor_conv_3x3",
    }


@settings(max_examples=100, deadline=None)
@given(st.data(), cells201())
def test_isomorphic_cells_give_identical_features_and_graphs(data, c):
    other = data.draw(isomorphic_cells201(c))
    assert np.array_equal(enc.features(c), enc.features(other))
    a, b = enc.graph(c), enc.graph(other)
    assert torch.equal(a.x, b.x) and torch.equal(a.edge_index, b.edge_index)


def test_graph_structure():
    c = nb201.parse("|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|skip_connect~0|none~1|avg_pool_3x3~2|")
    g = enc.graph(c)
    assert g.x.shape == (10, enc.GRAPH_NODE_FEATURES)
    # 4 live edges -> 4 reads + 4 feeds; op node 4 + e carries edge e's op
    edges = set(map(tuple, g.edge_index.T.tolist()))
    assert edges == {(0, 4), (4, 1), (1, 6), (6, 2), (0, 7), (7, 3), (2, 9), (9, 3)}
    ops = g.x[4:, enc.F_OP :].argmax(dim=1).tolist()
    assert [nb201.OPS[i] for i in ops] == list(c.ops)
    assert g.x[:4, : enc.F_OP].tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]]
    # a disconnected cell: no edges at all
    assert enc.graph(nb201.parse((0,) * 6)).edge_index.shape == (2, 0)


def test_graph_batch_equals_batching_single_graphs():
    cells = nb201.sample(200, rng=3) + [nb201.parse((0,) * 6)]
    a = enc.graph_batch(cells)
    b = Batch.from_data_list([enc.graph(c) for c in cells])
    for key in ("x", "edge_index", "batch", "ptr"):
        assert torch.equal(a[key], b[key]), key
    assert a.num_graphs == len(cells)
    for i in (0, 57, len(cells) - 1):
        ex, ref = a.get_example(i), enc.graph(cells[i])
        assert torch.equal(ex.x, ref.x) and torch.equal(ex.edge_index, ref.edge_index)
    assert enc.graph_batch([]).num_graphs == 0


def test_encoders_refuse_unparsed_input():
    with pytest.raises(InvalidArchitectureError, match="parse first"):
        enc.features(["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"])
    with pytest.raises(InvalidArchitectureError, match="parse first"):
        enc.graph_batch((0,) * 6)
