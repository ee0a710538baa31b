"""GraphSet and iter_batches: slicing graphs out of one big set must equal PyG's own batching."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_tasks import graph_task

torch = pytest.importorskip("torch")
from torch_geometric.data import Batch  # noqa: E402

from surrogate.models import GraphSet, iter_batches, make_model  # noqa: E402


def assert_same_batch(ours, theirs) -> None:
    assert ours.num_graphs == theirs.num_graphs
    assert torch.equal(ours.x, theirs.x)
    assert torch.equal(ours.edge_index, theirs.edge_index)
    assert torch.equal(ours.batch, theirs.batch)
    if theirs.edge_attr is None:
        assert ours.edge_attr is None
    else:
        assert torch.equal(ours.edge_attr, theirs.edge_attr)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000), picks=st.lists(st.integers(0, 11), min_size=1, max_size=12), edge_attr=st.booleans()
)
def test_any_selection_equals_batch_from_data_list(seed: int, picks: list[int], edge_attr: bool) -> None:
    graphs, _ = graph_task(12, seed=seed, edge_attr=edge_attr)
    theirs = Batch.from_data_list([graphs[i] for i in picks])
    for source in (graphs, Batch.from_data_list(graphs)):
        ours = GraphSet.from_data(source).batch(picks)
        assert_same_batch(ours, theirs)


def test_batch_with_shuffled_edges_is_reordered_by_graph() -> None:
    graphs, _ = graph_task(5, seed=1, edge_attr=True)
    batch = Batch.from_data_list(graphs)
    perm = torch.randperm(batch.edge_index.shape[1], generator=torch.Generator().manual_seed(0))
    batch.edge_index, batch.edge_attr = batch.edge_index[:, perm], batch.edge_attr[perm]
    ours = GraphSet.from_data(batch).batch([2])
    theirs = Batch.from_data_list([graphs[2]])
    # the same edges (as a set, with their attributes), whatever their order
    key = lambda ei, ea: sorted(zip(ei[0].tolist(), ei[1].tolist(), ea[:, 0].tolist()))  # noqa: E731
    assert key(ours.edge_index, ours.edge_attr) == key(theirs.edge_index, theirs.edge_attr)


def test_iter_batches_covers_every_graph_once_and_shuffles_reproducibly() -> None:
    graphs = GraphSet.from_data(graph_task(23, seed=2)[0])
    plain = torch.cat([idx for idx, _ in iter_batches(graphs, 5)])
    assert plain.tolist() == list(range(23))
    runs = [
        torch.cat([idx for idx, _ in iter_batches(graphs, 5, shuffle=True, generator=torch.Generator().manual_seed(s))])
        for s in (0, 0, 1)
    ]
    assert sorted(runs[0].tolist()) == list(range(23))
    assert torch.equal(runs[0], runs[1]) and not torch.equal(runs[0], runs[2])
    assert [b.num_graphs for _, b in iter_batches(graphs, 10)] == [10, 10, 3]
    with pytest.raises(ValueError, match="batch_size"):
        next(iter_batches(graphs, 0))


def test_mixed_edge_attr_and_empty_graphs_are_refused() -> None:
    graphs, _ = graph_task(3, seed=0, edge_attr=True)
    graphs[1].edge_attr = None
    with pytest.raises(ValueError, match="every graph has edge_attr or none"):
        GraphSet.from_data(graphs)
    with pytest.raises(ValueError, match="no graphs"):
        GraphSet.from_data([])


def test_gin_leaves_the_global_torch_random_state_alone() -> None:
    graphs, y = graph_task(40, seed=0)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    make_model("gin", hidden_dim=8, n_layers=1, epochs=2, dropout=0.2).fit(graphs, y)
    assert torch.equal(torch.rand(3), expected)


def test_gin_uses_edge_features_when_present() -> None:
    graphs, y = graph_task(60, seed=0, edge_attr=True)
    model = make_model("gin", hidden_dim=8, n_layers=1, epochs=2).fit(graphs, y)
    assert (model.node_dim_, model.edge_dim_) == (4, 2)
    changed = [g.clone() for g in graphs[:5]]
    for g in changed:
        g.edge_attr = g.edge_attr + 1.0
    assert not np.allclose(model.predict(changed), model.predict(graphs[:5]))


def test_subset_and_slicing_make_independent_graph_sets() -> None:
    graphs, _ = graph_task(10, seed=3, edge_attr=True)
    full = GraphSet.from_data(graphs)
    for part, picks in (
        (full[2:5], [2, 3, 4]),
        (full.subset([7, 1]), [7, 1]),
        (full[-1], [9]),
        (full.subset(np.arange(10) % 3 == 0), [0, 3, 6, 9]),
    ):
        assert len(part) == len(picks)
        assert_same_batch(part.batch(), Batch.from_data_list([graphs[i] for i in picks]))
    with pytest.raises(ValueError, match="out of range"):
        full.subset([10])
    with pytest.raises(ValueError, match="boolean mask"):
        full.subset(np.ones(3, dtype=bool))
