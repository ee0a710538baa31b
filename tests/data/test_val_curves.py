"""Per-epoch validation curves are read into a ``val_curve`` column, and never cost a row."""

import json

import numpy as np
import pytest
from nb301_fixtures import official_result

from surrogate.data import Dataset, make_result, read_nb301, val_curve, write_result
from surrogate.space import sample


def _tree(tmp_path, curves):
    archs = sample(len(curves), rng=0)
    for i, (g, c) in enumerate(zip(archs, curves)):
        res = official_result(g, 90.0 + i, 89.0, 100.0, curves=False)
        if c is not None:
            res["learning_curves"] = c
        (tmp_path / "rs").mkdir(exist_ok=True)
        (tmp_path / "rs" / f"results_{i}.json").write_text(json.dumps(res))
    return tmp_path


def test_generator_and_official_curves_are_read_and_rows_without_one_get_none(tmp_path):
    root = _tree(
        tmp_path,
        [
            {"val_accuracy": [70.0, 80.0, 90.0], "eval_time": [2.0, 4.0, 3.0]},
            {"Train/val_accuracy": [60, 75.5, 91]},
            None,
        ],
    )
    ds, report = read_nb301(root, progress=False)
    assert report.n_read == 3
    assert ds.column("curve_eval_time")[0] == 3.0 and np.isnan(ds.column("curve_eval_time")[1:]).all()
    curves = dict(zip(ds.column("val_accuracy").tolist(), ds.table.column("val_curve").to_pylist()))
    assert curves == {90.0: [70.0, 80.0, 90.0], 91.0: [60.0, 75.5, 91.0], 92.0: None}


def test_a_tree_without_curves_has_no_column_and_keeps_its_fingerprint(tmp_path):
    ds, _ = read_nb301(_tree(tmp_path, [None, None]), progress=False)
    assert "val_curve" not in ds.columns and "curve_eval_time" not in ds.columns


@pytest.mark.parametrize(
    "bad",
    [
        {"val_accuracy": [70.0, float("nan")]},
        {"val_accuracy": [70.0, 101.0]},
        {"val_accuracy": "70,80"},
        {"val_accuracy": []},
        {"val_accuracy": [True, 80.0]},
        [70.0, 80.0],
    ],
)
def test_a_damaged_curve_is_dropped_not_the_evaluation(bad):
    assert val_curve(bad) is None


def test_curves_survive_parquet_take_and_the_fingerprint_sees_them(tmp_path):
    g = sample(2, rng=1)
    recs = [
        json.loads(
            json.dumps(
                make_result(
                    x,
                    val_accuracy=80.0 + i,
                    test_accuracy=80.0,
                    runtime=10.0,
                    params=1000,
                    epochs=2,
                    seed=0,
                    source="rs",
                    learning_curves={"val_accuracy": [50.0 + i, 80.0 + i]},
                )
            )
        )
        for i, x in enumerate(g)
    ]
    for i, r in enumerate(recs):
        write_result(tmp_path / "rs" / f"results_{i}.json", r)
    ds, _ = read_nb301(tmp_path, progress=False)
    ds.to_parquet(tmp_path / "d.parquet")
    back = Dataset.read_parquet(tmp_path / "d.parquet")
    assert back.table.column("val_curve").to_pylist() == ds.table.column("val_curve").to_pylist()
    assert back.fingerprint() == ds.fingerprint()
    assert ds.take(np.array([1])).table.column("val_curve").to_pylist() == [ds.table.column("val_curve").to_pylist()[1]]
    recs[0]["learning_curves"]["val_accuracy"][0] = 51.0
    write_result(tmp_path / "rs" / "results_0.json", recs[0])
    assert read_nb301(tmp_path, progress=False)[0].fingerprint() != ds.fingerprint()


def test_the_seed_mean_averages_curves_epoch_by_epoch(tmp_path):
    g = sample(2, rng=2)
    runs = [(g[0], 0, [50.0, 80.0]), (g[0], 1, [54.0, 82.0]), (g[1], 0, [60.0, 70.0]), (g[1], 1, None)]
    for i, (x, seed, c) in enumerate(runs):
        r = make_result(
            x,
            val_accuracy=c[-1] if c else 71.0,
            test_accuracy=80.0,
            runtime=10.0,
            params=1000,
            epochs=2,
            seed=seed,
            source="rs",
            learning_curves={"val_accuracy": c} if c else None,
        )
        write_result(tmp_path / "rs" / f"results_{i}.json", r)
    ds, _ = read_nb301(tmp_path, progress=False)
    mean = ds.mean_over_seeds()
    by_val = dict(zip(mean.column("val_accuracy").tolist(), mean.table.column("val_curve").to_pylist()))
    assert by_val == {81.0: [52.0, 81.0], 70.5: None}
