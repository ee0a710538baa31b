"""The GIN graph: ops as nodes, both cells in one graph, and its fast batched form."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_geometric.data import Batch

from surrogate.encode import GRAPH_NODE_FEATURES, graph, graph_batch
from surrogate.space import OPS, Genotype, arch_hash, sample
from surrogate.testing import genotypes, isomorphic_genotypes

# Column groups of a node feature row: [input k-2, input k-1, op x 7, intermediate, output, cell x 2].
KIND = ["in0", "in1", *OPS, "sum", "out"]


def decode(x: torch.Tensor, edge_index: torch.Tensor) -> Genotype:
    """Read a genotype back from a graph using only node features and edges, not node order.

    If this recovers an isomorphic genotype for every graph, then the graph determines the
    architecture up to isomorphism: non-isomorphic architectures cannot share a graph.
    """
    x = x.numpy()
    assert x.shape[1] == GRAPH_NODE_FEATURES
    assert (x[:, : len(KIND)].sum(1) == 1).all() and (x[:, len(KIND) :].sum(1) == 1).all()
    kind = [KIND[i] for i in x[:, : len(KIND)].argmax(1)]
    cell_of = x[:, len(KIND) :].argmax(1)
    preds: dict[int, list[int]] = {v: [] for v in range(len(x))}
    for s, t in edge_index.T.tolist():
        preds[t].append(s)
    cells = []
    for c in (0, 1):
        nodes = [v for v in range(len(x)) if cell_of[v] == c]
        label = {v: int(kind[v][-1]) for v in nodes if kind[v] in ("in0", "in1")}
        sums = [v for v in nodes if kind[v] == "sum"]
        out = [v for v in nodes if kind[v] == "out"]
        assert len(label) == 2 and len(sums) == 4 and len(out) == 1
        assert sorted(preds[out[0]]) == sorted(sums)
        ops_of = {s: preds[s] for s in sums}
        assert all(len(o) == 2 and all(kind[v] in OPS for v in o) for o in ops_of.values())
        cell: list[tuple[str, int]] = []
        while len(label) < 6:  # name the sums in an order the DAG allows
            ready = [s for s in sums if s not in label and all(preds[o][0] in label for o in ops_of[s])]
            s = ready[0]
            cell += [(kind[o], label[preds[o][0]]) for o in ops_of[s]]
            label[s] = len(label)
        cells.append(cell)
    return Genotype(normal=cells[0], reduce=cells[1])


def _permuted(data, rng: np.random.Generator):
    perm = torch.from_numpy(rng.permutation(data.num_nodes))
    inverse = torch.empty_like(perm)
    inverse[perm] = torch.arange(len(perm))
    return data.x[perm], inverse[data.edge_index]


def _assert_equal(a, b):
    for key in ("x", "edge_index"):
        assert torch.equal(a[key], b[key]), key


def test_shapes_and_dtypes():
    d = graph(sample(1, rng=0)[0])
    assert d.x.shape == (30, GRAPH_NODE_FEATURES) and d.x.dtype == torch.float32
    assert d.edge_index.shape == (2, 42) and d.edge_index.dtype == torch.int64
    assert d.validate() and not d.has_self_loops() and not d.has_isolated_nodes()


def test_graph_is_lossless_up_to_isomorphism(pool):
    # decode -> same hash, even with the nodes shuffled: the graph separates non-isomorphic cells
    gs, hashes = pool
    rng = np.random.default_rng(0)
    for g, h in zip(gs[::5], hashes[::5]):
        assert arch_hash(decode(*_permuted(graph(g), rng))) == h


def test_equal_graphs_exactly_when_equal_hashes(pool, same_partition):
    gs, hashes = pool
    b = graph_batch(gs)
    x = b.x.view(len(gs), -1).numpy()
    e = (b.edge_index.view(2, len(gs), -1) - b.ptr[:-1, None]).numpy()
    same_partition(hashes, [x[i].tobytes() + e[:, i].tobytes() for i in range(len(gs))])


@given(st.data())
@settings(max_examples=100, deadline=None)
def test_invariant_to_input_order_and_node_relabelling(data):
    g = data.draw(genotypes())
    h = data.draw(isomorphic_genotypes(g))
    _assert_equal(graph(g), graph(h))


def test_ops_sit_on_the_inputs_they_read():
    # the NB301 bug: ops zipped onto edges in another order than the inputs they belong to
    g = Genotype(
        normal=[
            ("sep_conv_5x5", 1),
            ("max_pool_3x3", 0),
            ("skip_connect", 2),
            ("dil_conv_3x3", 0),
            ("avg_pool_3x3", 3),
            ("sep_conv_3x3", 1),
            ("dil_conv_5x5", 4),
            ("skip_connect", 2),
        ],
        reduce=[("max_pool_3x3", 0), ("avg_pool_3x3", 1)] * 4,
    )
    d = graph(g)
    kind = [KIND[i] for i in d.x[:, : len(KIND)].argmax(1)]
    read = {}
    for s, t in d.edge_index.T.tolist():
        if t < 15 and kind[t] in OPS:
            read.setdefault(kind[t], []).append(kind[s] if s < 2 else s)
    # sources: cell inputs by kind, intermediate node k by its node index k (2..5)
    assert read["sep_conv_5x5"] == ["in1"] and read["max_pool_3x3"] == ["in0"]
    assert read["dil_conv_3x3"] == ["in0"] and read["avg_pool_3x3"] == [3]
    assert read["sep_conv_3x3"] == ["in1"] and read["dil_conv_5x5"] == [4]
    assert sorted(read["skip_connect"]) == [2, 2]
    assert arch_hash(decode(d.x, d.edge_index)) == arch_hash(g)


def test_cells_are_joined():
    d = graph(sample(1, rng=3)[0])
    cell = d.x[:, -2:].argmax(1)
    crossing = [(s, t) for s, t in d.edge_index.T.tolist() if cell[s] != cell[t]]
    assert len(crossing) == 2 and all(cell[s] == 0 and cell[t] == 1 for s, t in crossing)


@pytest.mark.parametrize("n", [1, 2, 37])
def test_batch_equals_collated_items(n):
    gs = sample(n, rng=n)
    fast = graph_batch(gs)
    slow = Batch.from_data_list([graph(g) for g in gs])
    assert fast.num_graphs == slow.num_graphs == n
    for key in ("x", "edge_index", "batch", "ptr"):
        assert torch.equal(fast[key], slow[key]), key
    for d in (fast._slice_dict, fast._inc_dict):
        assert set(d) == {"x", "edge_index"}
    for key in ("x", "edge_index"):
        assert torch.equal(fast._slice_dict[key], slow._slice_dict[key])
        assert torch.equal(fast._inc_dict[key], slow._inc_dict[key])
    for i, item in enumerate(fast.to_data_list()):
        _assert_equal(item, graph(gs[i]))


def test_empty_batch_and_single_genotype():
    empty = graph_batch([])
    assert empty.num_graphs == 0
    assert empty.x.shape == (0, GRAPH_NODE_FEATURES) and empty.edge_index.shape == (2, 0)
    assert empty.batch.shape == (0,) and empty.ptr.tolist() == [0]
    g = sample(1, rng=5)[0]
    _assert_equal(graph_batch(g), graph(g))


@pytest.mark.parametrize("bad", [["not a genotype"], "Genotype(...)", {"a": 1}])
def test_unparsed_input_is_refused(bad):
    with pytest.raises(ValueError, match="surrogate.space.parse"):
        graph_batch(bad)
    with pytest.raises(ValueError, match="surrogate.space.parse"):
        graph(bad)
