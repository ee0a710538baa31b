"""bench/nb201_quality.py on a small sample of the real NB201 table (the full run is a benchmark)."""

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
    with load_bench("nb201_quality") as module:
        yield module


@pytest.fixture(scope="module")
def sample_path(tmp_path_factory) -> Path:
    """300 real cells, drawn with a fixed seed, as a Parquet file of the same schema."""
    table = pq.read_table(TABLE)
    rows = np.sort(np.random.default_rng(0).choice(table.num_rows, 300, replace=False))
    path = tmp_path_factory.mktemp("nb201") / "sample.parquet"
    pq.write_table(table.take(rows), path)
    return path


@pytest.fixture(scope="module")
def dataset(bench, sample_path):
    return bench.load(sample_path)


@pytest.fixture(scope="module")
def run(bench, dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("results") / "q.json"
    lines: list[str] = []
    results = bench.run_quality(
        dataset, models=["xgb", "knn"], members=2, sizes=[100, 10_000], seed=0, out=out, log=lines.append
    )
    return results, out, lines


def test_every_model_is_measured_on_the_test_split(run, dataset) -> None:
    results, _, _ = run
    train, val, test = results["split"]["rows"]
    assert train + val + test == len(dataset) == 300
    for family in ("xgb", "knn"):
        s = results["models"][family]
        assert s["members"] == 2 and s["test"]["n"] == test
        for key in ("r2", "kendall_tau", "sparse_kendall_tau", "mae", "coverage_68", "coverage_95"):
            assert np.isfinite(s["test"][key]), (family, key)
        assert 0 <= s["test"]["coverage_68"] <= s["test"]["coverage_95"] <= 1
        assert s["calibration"] is not None and s["fit_seconds"] > 0
        # one row per isomorphism class of the test part
        assert s["test_by_class"]["n"] == results["split"]["classes"][2] <= test
    # real cells carry signal: the boosted trees beat predicting the training mean for every cell
    from surrogate.fit import split_indices

    (tr, _, te), _ = split_indices(dataset, None, 0)
    y = dataset.column("val_accuracy").astype(float)
    assert results["models"]["xgb"]["test"]["mae"] < np.mean(np.abs(y[te] - y[tr].mean()))


def test_learning_curve_uses_the_best_two_by_validation_and_skips_impossible_sizes(run) -> None:
    results, _, lines = run
    curve = results["learning_curve"]
    assert sorted(curve["models"]) == ["knn", "xgb"] and curve["chosen_by"] == "validation kendall_tau"
    train = results["split"]["rows"][0]
    for family in ("xgb", "knn"):
        assert set(curve["results"][family]) == {"100", str(train)}  # 10,000 > the sample's training part
        assert curve["results"][family]["100"]["test"]["n"] == results["split"]["rows"][2]
    assert any("skipping 10000" in line for line in lines)
    assert results["complete"]


def test_the_results_file_is_the_returned_results(run, bench) -> None:
    results, out, _ = run
    assert json.loads(out.read_text()) == json.loads(json.dumps(bench._clean(results)))


def test_a_failure_keeps_the_models_already_fitted(bench, dataset, tmp_path) -> None:
    out = tmp_path / "partial.json"
    with pytest.raises(ValueError, match="no_such_param"):
        bench.run_quality(
            dataset,
            models=["knn", "xgb"],
            members=2,
            sizes=[],
            out=out,
            params={"xgb": {"no_such_param": 1}},
            log=lambda line: None,
        )
    saved = json.loads(out.read_text())
    assert list(saved["models"]) == ["knn"] and saved["complete"] is False


def test_class_metrics_average_isomorphic_cells(bench, dataset) -> None:
    idx = np.arange(len(dataset))
    y = dataset.column("val_accuracy").astype(float)
    _, inverse = np.unique(dataset.column("arch_hash"), return_inverse=True)
    inverse = inverse.reshape(-1)
    class_mean = (np.bincount(inverse, weights=y) / np.bincount(inverse))[inverse]
    report, worst = bench.class_metrics(dataset, idx, class_mean, np.ones(len(y)))
    assert report["n"] == len(np.unique(inverse)) < len(y)  # the sample holds some isomorphic cells
    assert report["r2"] == pytest.approx(1.0) and report["mae"] == pytest.approx(0.0, abs=1e-9)
    assert all(w["pred"] == pytest.approx(w["truth"]) for w in worst)
    shifted, worst = bench.class_metrics(dataset, idx, class_mean + 2.0, np.ones(len(y)))
    assert shifted["mae"] == pytest.approx(2.0) and worst[0]["cells"] == max(w["cells"] for w in worst)


def test_bad_arguments_say_what_to_fix(bench, dataset) -> None:
    with pytest.raises(ValueError, match="unknown model families"):
        bench.run_quality(dataset, models=["svm"], sizes=[])
    with pytest.raises(ValueError, match="unknown families"):
        bench.run_quality(dataset, models=["knn"], sizes=[], params={"svm": {}})


def test_row_split_covers_every_row_once_and_is_seeded(bench) -> None:
    parts = bench.row_split(1000, seed=3)
    assert [len(p) for p in parts] == [800, 100, 100]
    assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(1000))
    assert all(np.array_equal(a, b) for a, b in zip(parts, bench.row_split(1000, seed=3)))
    assert not np.array_equal(parts[2], bench.row_split(1000, seed=4)[2])


def test_run_quality_takes_a_row_split_and_refuses_unknown_ones(bench, dataset) -> None:
    results = bench.run_quality(dataset, models=["knn"], members=2, sizes=[], split="rows", log=lambda line: None)
    assert results["split"]["kind"] == "random_by_row" and sum(results["split"]["rows"]) == len(dataset)
    with pytest.raises(ValueError, match="split must be"):
        bench.run_quality(dataset, models=["knn"], sizes=[], split="optimizer")
