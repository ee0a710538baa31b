from pathlib import Path

import numpy as np
import pytest
import torch

from surrogate.encode import graph_batch
from surrogate.models import GraphSet
from surrogate.models._dense_gin import CHUNK, DenseGINStack, dense_graphs
from surrogate.models.gin import GINModel
from surrogate.space import CORNERS, sample

SHIPPED = Path(__file__).resolve().parents[2] / "checkpoints" / "default" / "val_accuracy-gin"


def _fit_members(params: dict, n: int = 3) -> tuple[list[GINModel], GraphSet]:
    archs = sample(120, rng=0)
    graphs = GraphSet.from_data(graph_batch(archs))
    y = np.random.default_rng(0).normal(80, 2, len(archs))
    members = [GINModel(epochs=2, seed=s, **params).fit(graphs, y) for s in range(n)]
    return members, graphs


@pytest.mark.parametrize(
    "params",
    [
        {"hidden_dim": 16, "n_layers": 3, "pooling": "sum", "virtual_node": True},
        {"hidden_dim": 8, "n_layers": 2, "pooling": "mean", "virtual_node": False},
    ],
)
def test_dense_stack_computes_what_the_reference_network_computes(params):
    members, graphs = _fit_members(params)
    stack = DenseGINStack.from_models(members)
    out = stack.forward(*dense_graphs(graphs))
    assert out.shape == (len(members), len(graphs)) and out.dtype == torch.float64
    for i, m in enumerate(members):
        np.testing.assert_allclose(out[i].numpy(), m.predict(graphs), rtol=0, atol=1e-4)


def test_dense_stack_on_the_shipped_checkpoint():
    if not SHIPPED.exists():
        pytest.skip("no shipped GIN checkpoint")
    from surrogate.checkpoint import load_checkpoint

    ensemble, _ = load_checkpoint(SHIPPED)
    archs = sample(300, rng=1) + list(CORNERS.values())
    graphs = GraphSet.from_data(graph_batch(archs))
    out = DenseGINStack.from_models(ensemble.members_).forward(*dense_graphs(graphs))
    ref = np.stack([m.predict(graphs) for m in ensemble.members_])
    np.testing.assert_allclose(out.numpy(), ref, rtol=0, atol=1e-4)


def test_dense_graphs_pads_and_counts_edges():
    from torch_geometric.data import Data

    a = Data(x=torch.ones(2, 3), edge_index=torch.tensor([[0], [1]]))
    b = Data(x=torch.full((3, 3), 2.0), edge_index=torch.tensor([[0, 0, 1], [2, 2, 2]]))
    x, adj, mask = dense_graphs(GraphSet.from_data([a, b]))
    assert x.shape == (2, 3, 3) and mask.tolist() == [[1, 1, 0], [1, 1, 1]]
    assert adj[0, 0, 1] == 1 and adj[1, 0, 2] == 2 and adj[1, 1, 2] == 1 and adj.sum() == 4
    assert float(x[0, 2].abs().sum()) == 0.0


def _shipped_ensemble():
    if not SHIPPED.exists():
        pytest.skip("no shipped GIN checkpoint")
    from surrogate.checkpoint import load_checkpoint

    return load_checkpoint(SHIPPED)[0]


def test_an_architecture_predicts_the_same_bits_alone_and_in_any_batch():
    from surrogate.encode import dense_graphs as encode_dense
    from surrogate.models._dense_gin import DenseGraphs

    stack = DenseGINStack.from_models(_shipped_ensemble().members_)
    archs = sample(300, rng=2)
    graphs = DenseGraphs(*encode_dense(archs))
    batch = stack.predict(graphs)  # in chunks of CHUNK, the last one partly filled
    for chunk in (1, 3, 7, 300):
        assert np.array_equal(stack.predict(graphs, chunk=chunk), batch), chunk
    alone = np.concatenate([stack.predict(DenseGraphs(*encode_dense([a]))) for a in archs[:20]], axis=1)
    assert np.array_equal(alone, batch[:, :20])


def test_the_ensemble_predicts_all_members_in_one_dense_pass():
    from surrogate.encode import dense_graphs as encode_dense
    from surrogate.models._dense_gin import DenseGraphs

    ensemble = _shipped_ensemble()
    archs = sample(200, rng=6) + list(CORNERS.values())
    graphs = GraphSet.from_data(graph_batch(archs))
    ref = np.stack([m.predict(graphs) for m in ensemble.members_])  # the torch_geometric network
    calls = []
    real = DenseGINStack.forward
    DenseGINStack.forward = lambda self, *a: calls.append(len(a[0])) or real(self, *a)
    try:
        dense = ensemble.predict_members(DenseGraphs(*encode_dense(archs)))
        from_batch = ensemble.predict_members(graph_batch(archs))
    finally:
        DenseGINStack.forward = real
    assert calls and max(calls) <= CHUNK and sum(calls) == len(archs), "dense input: one stacked pass per chunk"
    np.testing.assert_allclose(dense, ref, rtol=0, atol=1e-4)
    assert np.array_equal(from_batch, ref), "other input: each member's own network (fit and evaluate use it)"
    member = ensemble.members_[0].predict(DenseGraphs(*encode_dense(archs)))
    np.testing.assert_allclose(member, ref[0], rtol=0, atol=1e-4)


def test_dense_graphs_are_checked():
    from surrogate.models._dense_gin import DenseGraphs

    with pytest.raises(ValueError, match="adj"):
        DenseGraphs(np.zeros((2, 30, 13)), np.zeros((2, 30, 29)))
    with pytest.raises(ValueError, match="NaN"):
        DenseGraphs(np.full((1, 30, 13), np.nan), np.zeros((1, 30, 30)))
