"""The NAS-Bench-301 result tree: reading official and generated files, bad files, writing."""

from __future__ import annotations

import json
import logging
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nb301_fixtures import NORMAL, NORMAL_RELABELLED, REDUCE, official_result, write_json

from surrogate.data import make_result, parse_result, read_nb301, read_result, write_result
from surrogate.space import Genotype, arch_hash, canonical_string, sample


def test_reads_every_file_with_its_values(make_tree):
    root, written = make_tree({"rs": 4, "re": 3, "bananas": 2}, ti=1)
    ds, report = read_nb301(root, progress=False)
    assert report.ok and report.n_seen == 9 and report.n_read == 9 and report.n_duplicates == 0
    assert len(ds) == 9
    by_path = {p: i for i, p in enumerate(ds.column("path").tolist())}
    assert set(by_path) == {w.key for w in written}
    assert sum(k.endswith("_ti.json") for k in by_path) == 3
    for w in written:
        i = by_path[w.key]
        info = w.result["info"][0]
        assert ds.column("arch")[i] == canonical_string(w.genotype)
        assert ds.column("arch_hash")[i] == arch_hash(w.genotype)
        assert ds.column("val_accuracy")[i] == info["val_accuracy"]
        assert ds.column("test_accuracy")[i] == w.result["test_accuracy"]
        assert ds.column("train_time")[i] == w.result["runtime"]
        assert ds.column("params")[i] == info["model_parameters"]
        assert ds.column("epochs")[i] == 100
        assert ds.column("source")[i] == w.key.split("/")[0]
        assert ds.column("seed")[i] == -1 and math.isnan(ds.column("flops")[i])


def test_order_is_by_folder_then_index(make_tree):
    root, _ = make_tree({"rs": 12})
    ds, _ = read_nb301(root, progress=False)
    assert ds.column("path").tolist() == [f"rs/results_{i}.json" for i in range(12)]


def test_optimizers_argument(make_tree):
    root, _ = make_tree({"rs": 2, "re": 3, "de": 1})
    ds, _ = read_nb301(root, optimizers=["re", "de"], progress=False)
    assert ds.column("source").tolist() == ["re"] * 3 + ["de"]
    with pytest.raises(ValueError, match="no optimizer folder"):
        read_nb301(root, optimizers=["tpe"])
    with pytest.raises(ValueError, match="not a folder"):
        read_nb301(root / "missing")


def test_non_result_files_are_ignored(make_tree):
    root, _ = make_tree({"rs": 2})
    (root / "rs" / ".results_5.json.tmp-123").write_text("{")
    (root / "rs" / ".tmp_abc.json").write_text("{")
    (root / "rs" / "notes.txt").write_text("hello")
    (root / "README").write_text("x")
    ds, report = read_nb301(root, progress=False)
    assert len(ds) == 2 and report.ok


def test_generator_file_names_follow_the_numbered_ones(make_tree):
    root, _ = make_tree({"rs": 2})
    g = sample(1, rng=11)[0]
    r = make_result(g, val_accuracy=90.0, test_accuracy=90.0, runtime=1.0, params=1, epochs=1, seed=3, source="rs")
    write_result(root / "rs" / f"results_{arch_hash(g)}_s3.json", r)
    ds, report = read_nb301(root, progress=False)
    assert ds.column("path").tolist() == [
        "rs/results_0.json",
        "rs/results_1.json",
        f"rs/results_{arch_hash(g)}_s3.json",
    ]
    assert ds.column("seed").tolist() == [-1, -1, 3]


def test_duplicates_are_dropped_and_counted(make_tree):
    root, written = make_tree({"rs": 3})
    a = Genotype(normal=NORMAL, reduce=REDUCE)
    b = Genotype(normal=NORMAL_RELABELLED, reduce=REDUCE)  # isomorphic to a
    write_json(root / "re" / "results_0.json", official_result(a, 90.0, 89.0, 100.0))
    write_json(root / "re" / "results_1.json", official_result(b, 91.0, 90.0, 100.0))
    write_json(root / "tpe" / "results_0.json", written[0].result)  # same file as rs/results_0
    ds, report = read_nb301(root, progress=False)
    assert report.n_duplicates == 2 and report.n_read == 4 and len(ds) == 4
    assert "re/results_1.json" not in ds.column("path").tolist()
    assert "tpe/results_0.json" not in ds.column("path").tolist()
    ds_all, report_all = read_nb301(root, dedupe=False, progress=False)
    assert len(ds_all) == 6 and report_all.n_duplicates == 0


def test_same_architecture_other_seed_is_kept(tmp_path):
    g = sample(1, rng=0)[0]
    for seed in (0, 1, 0):
        r = make_result(
            g, val_accuracy=90.0 + seed, test_accuracy=None, runtime=5.0, params=10, epochs=3, seed=seed, source="rs"
        )
        n = len(list((tmp_path / "rs").glob("*.json"))) if (tmp_path / "rs").exists() else 0
        write_result(tmp_path / "rs" / f"results_{n}.json", r)
    ds, report = read_nb301(tmp_path, progress=False)
    assert ds.column("seed").tolist() == [0, 1] and report.n_duplicates == 1


def _bad_files(root, good: dict):
    """Write one bad file per reason; return {key: fragment of the reason}."""
    g = Genotype(normal=NORMAL, reduce=REDUCE)
    bad = {}

    def put(name, obj, reason, raw=False):
        path = root / "rs" / name
        path.write_text(obj) if raw else write_json(path, obj)
        bad[f"rs/{name}"] = reason

    put("results_100.json", '{"budget": 100, ', "not valid JSON", raw=True)
    (root / "rs" / "results_101.json").write_bytes(b"\xff\xfe\x00binary")
    bad["rs/results_101.json"] = "cannot read (UnicodeDecodeError"
    nan = official_result(g, 90.0, 90.0, 10.0)
    put(
        "results_102.json",
        json.dumps(nan).replace('"val_accuracy": 90.0', '"val_accuracy": NaN'),
        "val_accuracy is NaN",
        raw=True,
    )
    put("results_103.json", official_result(g, 150.0, 90.0, 10.0), "val_accuracy is 150.0, outside [0, 100]")
    put("results_104.json", official_result(g, 90.0, -1.0, 10.0), "test_accuracy is -1.0, outside")
    put("results_105.json", official_result(g, 90.0, 90.0, -5.0), "runtime is -5.0; it must be >= 0")
    broken = official_result(g, 90.0, 90.0, 10.0)
    broken["optimized_hyperparamater_config"]["NetworkSelectorDatasetInfo:darts:edge_normal_0"] = "conv_7x7"
    put("results_106.json", broken, "unknown operation 'conv_7x7'")
    no_info = official_result(g, 90.0, 90.0, 10.0)
    del no_info["info"]
    put("results_107.json", no_info, "'info' must be a list")
    put("results_108.json", [1, 2, 3], "JSON object")
    no_config = dict(good)
    del no_config["optimized_hyperparamater_config"]
    put("results_109.json", no_config, "'optimized_hyperparamater_config' is missing")
    return bad


def test_bad_files_are_reported_and_skipped(make_tree, caplog):
    root, written = make_tree({"rs": 3})
    bad = _bad_files(root, written[0].result)
    with caplog.at_level(logging.WARNING, logger="surrogate.data"):
        ds, report = read_nb301(root, progress=False)
    assert len(ds) == 3 and report.n_seen == 3 + len(bad) and report.n_skipped == len(bad)
    reasons = {path.split("nb301/")[1]: reason for path, reason in report.problems}
    assert set(reasons) == set(bad)
    for key, fragment in bad.items():
        assert fragment in reasons[key], (key, reasons[key])
    # the first few are logged one by one, the rest in one line (the report keeps every one)
    logged = [key for key in bad if key in caplog.text]
    assert len(logged) == min(len(bad), report.LOGGED)
    assert f"({len(bad)} in all" in caplog.text
    assert "skipped" in report.summary()


def test_strict_raises_on_the_first_bad_file(make_tree):
    root, written = make_tree({"rs": 2})
    _bad_files(root, written[0].result)
    with pytest.raises(ValueError, match=r"results_100\.json: not valid JSON.*strict=True"):
        read_nb301(root, strict=True, progress=False)


def test_generator_schema_round_trip(tmp_path):
    g = sample(1, rng=4)[0]
    fidelity = {"name": "pilot", "layers": 5, "channels": 8, "epochs": 3}
    result = make_result(
        g,
        val_accuracy=86.5,
        test_accuracy=float("nan"),
        runtime=123.4,
        params=40_000,
        epochs=3,
        seed=7,
        source="re",
        train_accuracy=88.0,
        flops=1.5e6,
        fidelity=fidelity,
        learning_curves={"train_loss": [1.0, 0.5, 0.4]},
        info={"eval_time": 2.0},
        extra={"hardware": {"device": "cpu"}},
    )
    path = write_result(tmp_path / "re" / "results_0.json", result)
    assert [p.name for p in path.parent.iterdir()] == ["results_0.json"]  # no temp file left
    on_disk = json.loads(path.read_text())
    assert on_disk["test_accuracy"] is None  # strict JSON: NaN written as null
    assert on_disk["info"][0]["val_accuracy"] == 86.5 and on_disk["seed"] == 7
    ds, report = read_nb301(tmp_path, progress=False)
    assert report.ok
    row = ds.table.to_pylist()[0]
    assert row["arch_hash"] == arch_hash(g) and row["seed"] == 7 and row["epochs"] == 3
    assert row["flops"] == 1.5e6 and row["train_accuracy"] == 88.0 and math.isnan(row["test_accuracy"])
    assert json.loads(row["fidelity"]) == fidelity and row["source"] == "re"


def test_reads_the_generator_worker_output_shape(tmp_path):
    """The dict surrogate/generate's worker builds (extra keys, NaN test accuracy when skipped)."""
    g = sample(1, rng=6)[0]
    result = {
        "optimized_hyperparamater_config": g.to_config(),
        "budget": 3,
        "runtime": 50.0,
        "test_accuracy": float("nan"),
        "info": [
            {
                "val_accuracy": 85.0,
                "train_accuracy": 84.0,
                "model_parameters": 30_000,
                "epochs": 3,
                "flops": 2_000_000,
                "eval_time": 1.0,
            }
        ],
        "learning_curves": {"train_loss": [1.0, 0.6, 0.5]},
        "genotype": str(g),
        "arch_hash": arch_hash(g),
        "seed": 1,
        "fidelity": {"name": "x", "epochs": 3},
        "flops": 2_000_000,
        "hardware": {"device": "cpu"},
    }
    (tmp_path / "rs").mkdir()
    (tmp_path / "rs" / "results_0.json").write_text(json.dumps(result))  # Python writes NaN
    record = read_result(tmp_path / "rs" / "results_0.json")
    assert record["seed"] == 1 and record["flops"] == 2e6 and math.isnan(record["test_accuracy"])
    assert record["path"] == "rs/results_0.json"


def test_make_and_write_result_refuse_what_would_not_read_back(tmp_path):
    g = sample(1, rng=0)[0]
    kw = dict(test_accuracy=90.0, runtime=1.0, params=1, epochs=1, seed=0, source="rs")
    with pytest.raises(ValueError, match="val_accuracy"):
        make_result(g, val_accuracy=0.9 * 120, **kw)
    with pytest.raises(ValueError, match="results_<id>.json"):
        write_result(tmp_path / "x.json", make_result(g, val_accuracy=90.0, **kw))
    with pytest.raises(ValueError, match="runtime"):
        write_result(tmp_path / "results_0.json", {**make_result(g, val_accuracy=90.0, **kw), "runtime": -1})
    assert not list(tmp_path.iterdir())


# ---- fuzzing: any JSON either reads or is rejected with ValueError -------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25,
)

_VALID = official_result(Genotype(normal=NORMAL, reduce=REDUCE), 90.0, 89.0, 100.0, curves=False)
_VALID["seed"] = 0
_VALID["fidelity"] = {"epochs": 3}
_VALID["flops"] = 10


def _places(result):
    yield (), None
    for k in result:
        yield (k,), None
    for k in result["info"][0]:
        yield ("info", 0, k), None
    for k in result["optimized_hyperparamater_config"]:
        yield ("optimized_hyperparamater_config", k), None


PLACES = [p for p, _ in _places(_VALID)]


def _check(obj):
    try:
        record = parse_result(obj)
    except ValueError:
        return
    assert 0 <= record["val_accuracy"] <= 100 and record["train_time"] >= 0
    assert np.isnan(record["test_accuracy"]) or 0 <= record["test_accuracy"] <= 100
    assert isinstance(record["arch_hash"], str) and len(record["arch_hash"]) == 32


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_fuzz_any_json(obj):
    _check(obj)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PLACES), JSON, st.booleans())
def test_fuzz_one_field_of_a_valid_result(place, value, delete):
    obj = json.loads(json.dumps(_VALID))
    if not place:
        obj = value
    else:
        parent = obj
        for k in place[:-1]:
            parent = parent[k]
        if delete:
            del parent[place[-1]]
        else:
            parent[place[-1]] = value
    _check(obj)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_fuzz_file_bytes(tmp_path, data):
    path = tmp_path / "rs" / "results_0.json"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    ds, report = read_nb301(tmp_path, progress=False)
    assert len(ds) + report.n_skipped == 1
