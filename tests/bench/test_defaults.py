"""bench/defaults.py on a small sample of the real NB201 table (the full run is a benchmark)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "training_data" / "nb201_analog" / "nb201_analog.parquet"


@pytest.fixture(scope="module")
def bench(load_bench):
    with load_bench("defaults") as module:
        yield module


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from surrogate.data import read_data

    table = pq.read_table(TABLE)
    rows = np.sort(np.random.default_rng(0).choice(table.num_rows, 400, replace=False))
    path = tmp_path_factory.mktemp("nb201") / "sample.parquet"
    pq.write_table(table.take(rows), path)
    return read_data(path, space="nb201")


def test_baseline_and_families_share_the_split(bench, dataset):
    """The baseline is scored on exactly the rows fit_surrogate trains and tests on."""
    from surrogate.fit import fit_surrogate
    from surrogate.split_spec import rebuild_split

    res = fit_surrogate(dataset, family="knn", split="random", seed=3, train_size=100, n_members=2, progress=False)
    tr, va, te = bench.split(dataset, 3, 100)
    rtr, rva, rte = rebuild_split(dataset, res.split)
    for a, b in ((tr, rtr), (va, rva), (te, rte)):
        assert np.array_equal(np.sort(a), np.sort(b))
    assert len(tr) == res.sizes["train"] == 100
    assert len(te) == res.sizes["test"]


def test_baseline_encoding_is_the_raw_one_hot_cell(bench, dataset):
    archs = dataset.architectures()
    X = bench.baseline_features("nb201", archs)
    assert X.shape == (len(archs), 30)
    assert np.all(X.reshape(len(archs), 6, 5).sum(2) == 1)  # one op per edge
    ops = X.reshape(len(archs), 6, 5).argmax(2)
    assert [tuple(o) for o in ops] == [tuple(c.indices) for c in archs]


def test_darts_baseline_encodes_op_and_input_of_each_slot(bench):
    from surrogate.space import OPS, sample

    archs = sample(5, rng=0)
    X = bench.baseline_features("darts", archs).reshape(5, 16, len(OPS) + 6)
    assert np.all(X[:, :, : len(OPS)].sum(2) == 1) and np.all(X[:, :, len(OPS) :].sum(2) == 1)
    g = archs[0]
    op, node = g.normal[0]
    assert X[0, 0, OPS.index(op)] == 1 and X[0, 0, len(OPS) + node] == 1


def test_measure_writes_runs_and_summary(bench, dataset, tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "load", lambda name: dataset)
    monkeypatch.setitem(bench.BUDGETS, "1k", 100)  # the sample has fewer than 1,000 training rows
    out = tmp_path / "d.json"
    bench.main(
        ["--datasets", "nb201", "--budgets", "1k", "--families", "baseline", "--seeds", "0", "1", "--out", str(out)]
    )
    data = json.loads(out.read_text())
    assert {r["seed"] for r in data["runs"]} == {0, 1}
    (row,) = data["summary"]
    assert row["family"] == "baseline" and row["seeds"] == 2
    assert row["tau_mean"] == pytest.approx(np.mean([r["tau"] for r in data["runs"]]))


def test_generic_baseline_is_position_one_hot_plus_adjacency(bench):
    from surrogate.space import generic

    train = generic.parse(
        [
            {"nodes": ["input", "gcn", "gin", "output"], "edges": [[0, 1], [1, 2], [2, 3]]},
            {"nodes": ["input", "gin", "output"], "edges": [[0, 1], [1, 2]]},
        ]
    )
    X = bench.baseline_features("generic", train)
    labels = 4 + 1  # gcn, gin, input, output, unseen
    assert X.shape == (2, 4 * labels + 6)
    ops = X[:, : 4 * labels].reshape(2, 4, labels)
    assert ops[0].argmax(1).tolist() == [2, 0, 1, 3] and ops[1, 3].sum() == 0  # no 4th node
    assert X[0, 4 * labels :].tolist() == [1, 0, 0, 1, 0, 1]  # 0-1, 1-2, 2-3 of the upper triangle
    new = generic.parse({"nodes": ["input", "sage", "output"], "edges": [[0, 1], [1, 2]]})
    assert bench.baseline_features("generic", [new], train_archs=train)[0, labels + 4] == 1  # unseen label
