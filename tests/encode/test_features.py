"""The fixed-length feature matrix for tree models."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surrogate.encode import feature_names, features
from surrogate.encode._canonical import canonical_array
from surrogate.space import CONFIG_PREFIX, EDGE_START, OPS, Genotype, sample
from surrogate.testing import genotypes, isomorphic_genotypes

CONV = {"sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"}


def _reference(cell) -> dict[str, int]:
    """The aggregate columns of one cell, computed the slow, obvious way on the cell as given."""
    src = {k: [cell[2 * k - 4], cell[2 * k - 3]] for k in range(2, 6)}

    def paths(node):  # every input-to-node path, as the list of ops along it
        if node < 2:
            return [[]]
        return [p + [op] for op, inp in src[node] for p in paths(inp)]

    all_paths = [p for k in range(2, 6) for p in paths(k)]
    read = {inp for _, inp in cell}
    return {
        "outdeg_in0": sum(inp == 0 for _, inp in cell),
        "outdeg_in1": sum(inp == 1 for _, inp in cell),
        "n_leaves": sum(k not in read for k in range(2, 6)),
        "depth": max(len(p) for p in all_paths),
        "n_conv": sum(op in CONV for op, _ in cell),
        "conv_depth_max": max(sum(op in CONV for op in p) for p in all_paths),
        "conv_depth_min": min(sum(op in CONV for op in p) for p in all_paths),
        **{f"count_{op}": sum(o == op for o, _ in cell) for op in OPS},
    }


def test_shape_dtype_and_names():
    names = feature_names()
    X = features(sample(5, rng=0))
    assert X.shape == (5, len(names)) and X.dtype == np.float32
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z0-9_]+", n) for n in names)  # safe for every tree library


def test_empty_batch_and_single_genotype():
    g = sample(1, rng=1)[0]
    assert features([]).shape == (0, len(feature_names()))
    np.testing.assert_array_equal(features(g), features([g]))


@given(st.data())
@settings(max_examples=100, deadline=None)
def test_invariant_to_input_order_and_node_relabelling(data):
    g = data.draw(genotypes())
    h = data.draw(isomorphic_genotypes(g))
    np.testing.assert_array_equal(features([g]), features([h]))


def test_equal_rows_exactly_when_equal_hashes(pool, same_partition):
    gs, hashes = pool
    X = features(gs)
    same_partition(hashes, [row.tobytes() for row in X])
    # the edge one-hot block alone already separates them
    names = feature_names()
    onehot = [i for i, n in enumerate(names) if re.fullmatch(r"\w+_edge_n\d_in\d_\w+", n)]
    assert len(onehot) == 2 * 14 * len(OPS)
    same_partition(hashes, [row.tobytes() for row in X[:, onehot]])


def test_aggregates_match_a_slow_reference(pool):
    gs, _ = pool
    gs = gs[::7]
    X = features(gs)
    col = {n: i for i, n in enumerate(feature_names())}
    for g, row in zip(gs, X):
        for cell_name in ("normal", "reduce"):
            for key, want in _reference(g.cell(cell_name)).items():
                assert row[col[f"{cell_name}_{key}"]] == want, (cell_name, key, g)


def test_edge_columns_follow_the_official_config(pool):
    # The one-hot block of the canonical genotype is its official config written as columns.
    gs, _ = pool
    gs = gs[::11]
    X = features(gs)
    col = {n: i for i, n in enumerate(feature_names())}
    edge_of = {EDGE_START[k] + i: (k, i) for k in EDGE_START for i in range(k)}
    for g, row, canon in zip(gs, X, canonical_array(gs)):
        cells = [tuple((OPS[op], int(inp)) for op, inp in c) for c in canon]
        config = Genotype(normal=cells[0], reduce=cells[1]).to_config()
        want = set()
        for key, op in config.items():
            m = re.fullmatch(re.escape(CONFIG_PREFIX) + r"edge_(normal|reduce)_(\d+)", key)
            if m:
                k, i = edge_of[int(m[2])]
                want |= {f"{m[1]}_edge_n{k}_in{i}_{op}", f"{m[1]}_edge_n{k}_in{i}"}
        got = {n for n, i in col.items() if "_edge_" in n and row[i] == 1}
        assert got == want
        assert all(row[col[n]] in (0, 1) for n in col if "_edge_" in n)


def test_hand_written_chain_cell():
    # node k reads node k-1 through a convolution and input 0 through a skip: a 4-deep chain
    chain = [("sep_conv_3x3", 1), ("skip_connect", 0)] + [
        p for k in (3, 4, 5) for p in (("dil_conv_5x5", k - 1), ("skip_connect", 0))
    ]
    g = Genotype(normal=chain, reduce=[("max_pool_3x3", 0), ("avg_pool_3x3", 1)] * 4)
    row = dict(zip(feature_names(), features(g)[0]))
    assert (row["normal_depth"], row["normal_conv_depth_max"], row["normal_conv_depth_min"]) == (4, 4, 0)
    assert (row["normal_n_leaves"], row["normal_outdeg_in0"], row["normal_outdeg_in1"]) == (1, 4, 1)
    assert row["normal_edge_n5_in4_dil_conv_5x5"] == 1 and row["normal_edge_n5_in4"] == 1
    assert (row["reduce_depth"], row["reduce_n_conv"], row["reduce_n_leaves"]) == (1, 0, 4)


@pytest.mark.parametrize("bad", [["not a genotype"], "Genotype(...)", [sample(1, rng=0)[0].to_config()]])
def test_unparsed_input_is_refused(bad):
    with pytest.raises(ValueError, match="surrogate.space.parse"):
        features(bad)
