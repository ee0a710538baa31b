from pathlib import Path

import numpy as np
import pytest
import torch

from surrogate.encode import graph_batch
from surrogate.models import GraphSet
from surrogate.models._dense_gin import DenseGINStack, dense_graphs
from surrogate.models.gin import GINModel
from surrogate.space import CORNERS, sample

SHIPPED = Path(__file__).resolve().parents[2] / "checkpoints" / "default" / "val_accuracy-gin"


def _fit_members(params: dict, n: int = 3) -> tuple[list[GINModel], GraphSet]:
    archs = sample(120, rng=0)
    graphs = GraphSet.from_data(graph_batch(archs))
    y = np.random.default_rng(0).normal(80, 2, len(archs))
    members = [GINModel(epochs=2, seed=s, **params).fit(graphs, y) for s in range(n)]
    return members, graphs


@pytest.mark.parametrize("params", [
    {"hidden_dim": 16, "n_layers": 3, "pooling": "sum", "virtual_node": True},
    {"hidden_dim": 8, "n_layers": 2, "pooling": "mean", "virtual_node": False},
])
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
