"""scripts/convert_nas_bench_graph.py: the restricted reader, the cells, the conversion, the shipped tables."""

from __future__ import annotations

import itertools
import pickle
from pathlib import Path

import numpy as np
import pytest

from surrogate.space import generic

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "training_data" / "nas_bench_graph"


@pytest.fixture(scope="module")
def conv(script):
    return script("convert_nas_bench_graph")


def _record(valid: float, test: float) -> dict:
    return {"valid_perf": np.float64(valid), "perf": np.float64(test), "latency": np.float64(0.01), "para": 1.5}


def test_reader_rebuilds_numpy_floats_and_refuses_anything_else(conv):
    raw = pickle.dumps({7: _record(0.8125, 0.75), 8: {"valid_perf": np.float32(0.5)}})
    data = conv.read_bench(raw)
    assert data[7]["valid_perf"] == 0.8125 and type(data[7]["perf"]) is float
    assert data[8]["valid_perf"] == 0.5
    with pytest.raises(pickle.UnpicklingError, match="refusing to load builtins.print"):
        conv.read_bench(pickle.dumps(print))
    with pytest.raises(pickle.UnpicklingError, match="only float scalars"):
        conv.read_bench(pickle.dumps({0: {"valid_perf": np.int64(3)}}))
    with pytest.raises(ValueError, match="expected a dict"):
        conv.read_bench(pickle.dumps([1.0]))


def test_cell_wires_links_and_leaves_to_the_output(conv):
    c = conv.cell([0, 1, 1, 2], ["gcn", "gin", "fc", "cheb"])
    assert c.nodes == ("input", "gcn", "gin", "fc", "cheb", "output")
    # node 1 feeds 2 and 3, node 2 feeds 4; nodes 3 and 4 have no successor and feed the output
    assert set(c.edges) == {(0, 1), (1, 2), (1, 3), (2, 4), (3, 5), (4, 5)}
    with pytest.raises(ValueError, match="takes input"):
        conv.cell([0, 2, 1, 1], ["gcn"] * 4)


def test_convert_checks_coverage_and_scales_the_record(conv):
    archs = [([0, 0, 0, 0], ["gcn"] * 4, 11), ([0, 1, 2, 3], ["gat", "skip", "fc", "sage"], 12)]
    data = {11: _record(0.5, 0.25), 12: _record(0.8, 0.7)}
    t = conv.convert(data, "cora", archs)
    assert t["bench_key"] == [11, 12] and t["link"][1] == "0,1,2,3" and t["ops"][1] == "gat,skip,fc,sage"
    assert t["val_accuracy"] == [50.0, 80.0] and t["test_accuracy"][1] == pytest.approx(70.0)
    assert t["params"] == [1_500_000, 1_500_000] and t["dataset"] == ["cora", "cora"]
    assert generic.parse(t["arch"][1]) == conv.cell([0, 1, 2, 3], ["gat", "skip", "fc", "sage"])
    with pytest.raises(ValueError, match="1 missing"):
        conv.convert({11: data[11]}, "cora", archs)
    with pytest.raises(ValueError, match="valid_perf"):
        conv.convert({11: data[11], 12: {**data[12], "valid_perf": float("nan")}}, "cora", archs)


def test_main_writes_tables_and_reports_errors_without_traceback(conv, tmp_path, capsys, monkeypatch):
    archs = [([0, 0, 0, 0], ["gcn"] * 4, 11), ([0, 1, 2, 3], ["gat", "skip", "fc", "sage"], 12)]
    monkeypatch.setattr(conv, "architectures", lambda: archs)
    monkeypatch.setattr(conv, "bench_bytes", lambda name: pickle.dumps({11: _record(0.5, 0.25), 12: _record(0.8, 0.7)}))
    assert conv.main(["pubmed", "--out-dir", str(tmp_path), "--format", "jsonl"]) == 0
    from surrogate.data import read_table

    ds, _ = read_table(tmp_path / "pubmed.jsonl", space="generic")
    assert sorted(ds.column("val_accuracy").tolist()) == [50.0, 80.0]
    monkeypatch.setattr(conv, "bench_bytes", lambda name: pickle.dumps(print))
    assert conv.main(["cora", "--out-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith("error: refusing to load builtins.print")


@pytest.fixture(scope="module")
def nbg():
    return pytest.importorskip("nas_bench_graph")


def test_cells_hash_equal_exactly_when_the_package_calls_them_the_same_architecture(conv, nbg):
    # every link list of the package's macro space (node k+1 takes any of 0..k) with 2 of its ops;
    # not "skip": the package also merges cells that differ only in where a skip sits (not a
    # graph isomorphism), which its enumeration then holds once
    links = [list(p) for p in itertools.product(*(range(k + 1) for k in range(4)))]
    seen: dict[int, str] = {}
    for link in links:
        for ops in itertools.product(["gcn", "gin"], repeat=4):
            key = nbg.Arch(link, list(ops)).valid_hash()
            h = generic.arch_hash(conv.cell(link, list(ops)))
            assert seen.setdefault(key, h) == h, (link, ops)
    assert len(set(seen.values())) == len(seen)


def test_converted_records_match_the_packages_own_keys_and_values(conv, nbg):
    archs = conv.architectures()
    assert len(archs) == conv.N_ARCHS
    data = conv.read_bench(conv.bench_bytes("cora"))
    table = conv.convert(data, "cora", archs)
    row = {k: i for i, k in enumerate(table["bench_key"])}
    # the README's example architecture, given in two of its equivalent forms
    for link, ops in (([0, 1, 2, 1], ["gcn", "gin", "fc", "cheb"]), ([0, 1, 1, 2], ["gcn", "cheb", "gin", "fc"])):
        key = nbg.Arch(link, ops).valid_hash()
        i = row[key]
        assert table["val_accuracy"][i] == pytest.approx(100 * data[key]["valid_perf"])
        assert table["test_accuracy"][i] == pytest.approx(100 * data[key]["perf"])
        assert generic.arch_hash(generic.parse(table["arch"][i])) == generic.arch_hash(conv.cell(link, ops))
    assert len({generic.arch_hash(generic.parse(a)) for a in table["arch"]}) == conv.N_ARCHS


@pytest.mark.parametrize("name", ["cora", "arxiv"])
def test_shipped_table_is_the_conversion_of_the_package(conv, nbg, name):
    import pyarrow.parquet as pq

    from surrogate.data import read_data

    path = SHIPPED / f"{name}.parquet"
    if not path.exists():
        pytest.skip(f"{path} is not in this checkout")
    fresh = conv.convert(conv.read_bench(conv.bench_bytes(name)), name, conv.architectures())
    assert pq.read_table(path).to_pydict() == fresh
    ds = read_data(path, space="generic")
    assert len(ds) == conv.N_ARCHS and ds.space == "generic"
