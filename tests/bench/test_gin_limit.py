"""bench/gin_limit.py counts the GIN's arithmetic right: its query FLOPs are the layer sizes'."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def gin_limit(load_bench):
    with load_bench("gin_limit") as module:
        yield module


def test_query_flops_match_the_default_gins_layers(gin_limit):
    pytest.importorskip("torch")
    from surrogate.encode import graph_batch
    from surrogate.models.gin import GINModel
    from surrogate.space import sample

    r = gin_limit.measure(n_query=64, n_train=64)
    m = GINModel()
    h, layers, nodes = m.hidden_dim, m.n_layers, 30
    f = graph_batch(sample(1, rng=0)).x.shape[1]
    per_graph = 2 * nodes * f * h  # embedding
    per_graph += layers * (2 * nodes * nodes * h + 2 * 2 * nodes * h * h)  # aggregation bmm, the MLP's 2 linears
    per_graph += (layers - 1) * 2 * 2 * h * h  # the virtual node's MLP
    per_graph += 2 * (layers + 1) * h * h + 2 * h  # the head on the concatenated readouts
    assert r["query_mflop_per_member_graph"] * 1e6 == pytest.approx(per_graph, rel=1e-9)
    assert r["train_mflop_per_member_graph"] > 2 * r["query_mflop_per_member_graph"]  # backward is ~2x forward
    assert 0 < r["query_share_of_peak"] and 0 < r["train_share_of_peak"]
