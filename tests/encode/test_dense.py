"""The dense graph encoder gives the graphs graph_batch gives, and the from-canonical encoders
what the plain ones give (the query path canonicalises a batch once and encodes from that)."""

import numpy as np
import pytest

from surrogate.encode import (
    canonical_array,
    dense_graphs,
    dense_graphs_from_canonical,
    features,
    features_from_canonical,
    graph_batch,
)
from surrogate.space import CORNERS, sample

torch = pytest.importorskip("torch")


def test_dense_graphs_are_the_graph_batch_graphs():
    from surrogate.models import GraphSet
    from surrogate.models._dense_gin import dense_graphs as from_graph_set

    archs = sample(150, rng=4) + list(CORNERS.values())
    x, adj = dense_graphs(archs)
    rx, radj, mask = from_graph_set(GraphSet.from_data(graph_batch(archs)))
    assert x.dtype == adj.dtype == np.float32
    assert np.array_equal(x, rx.numpy()) and np.array_equal(adj, radj.numpy()) and bool(mask.all())


def test_isomorphic_architectures_give_equal_dense_graphs():
    a = sample(1, rng=9)[0]
    swapped = type(a)(
        normal=[p for j in range(0, 8, 2) for p in (a.normal[j + 1], a.normal[j])],
        normal_concat=a.normal_concat,
        reduce=a.reduce,
        reduce_concat=a.reduce_concat,
    )
    xa, adja = dense_graphs([a])
    xb, adjb = dense_graphs([swapped])
    assert np.array_equal(xa, xb) and np.array_equal(adja, adjb)


def test_from_canonical_encoders_match_the_plain_ones():
    archs = sample(64, rng=2)
    arr = canonical_array(archs)
    assert np.array_equal(features_from_canonical(arr), features(archs))
    for got, want in zip(dense_graphs_from_canonical(arr), dense_graphs(archs)):
        assert np.array_equal(got, want)
