"""Tests of the surrogate-vs-tabular study (NAS-Bench-301 Table 1 protocol) on synthetic data."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from surrogate.data import Dataset
from surrogate.studies import TabularVsSurrogateResult, multi_seed_table, tabular_vs_surrogate

from .conftest import RF, multi_seed_records


def _expected_table_mae(sigma: float, k: int) -> float:
    """E|x_i - mean(others)| for k independent N(mu, sigma²) runs."""
    return sigma * math.sqrt(1 + 1 / (k - 1)) * math.sqrt(2 / math.pi)


@pytest.fixture(scope="module")
def noisy_result(noisy_dataset: Dataset) -> TabularVsSurrogateResult:
    return tabular_vs_surrogate(
        noisy_dataset, family="rf", n_members=2, params=RF, split=(0.6, 0.1, 0.3), seed=0, progress=False
    )


def test_table_mae_follows_the_noise_model(noisy_result: TabularVsSurrogateResult) -> None:
    expected = _expected_table_mae(1.0, 3)
    measured = noisy_result.summary["table_mae_all"][0]
    # 300 architectures × 3 seeds: the standard error of the mean |difference| is about 0.03.
    assert measured == pytest.approx(expected, abs=0.1)
    assert noisy_result.seed_std == pytest.approx(1.0, abs=0.08)
    assert noisy_result.expected_table_mae == pytest.approx(expected, abs=0.08)
    assert noisy_result.oracle_mae == pytest.approx(1.0 * math.sqrt(0.5) * math.sqrt(2 / math.pi), abs=0.05)


def test_surrogate_beats_the_table_when_seed_noise_is_large(noisy_result: TabularVsSurrogateResult) -> None:
    summ = noisy_result.summary
    assert summ["surrogate_mae"][0] < 0.85 * summ["table_mae"][0]
    assert summ["surrogate_tau"][0] > summ["table_tau"][0]
    # and never below the floor a perfect surrogate would reach (allowing for sampling error)
    assert summ["surrogate_mae"][0] > 0.8 * noisy_result.oracle_mae


def test_table_beats_the_surrogate_when_seed_noise_is_tiny() -> None:
    ds = Dataset.from_records(multi_seed_records(120, 3, 0.02, rng=2))
    result = tabular_vs_surrogate(ds, family="rf", n_members=1, params=RF, split=(0.6, 0.1, 0.3), progress=False)
    summ = result.summary
    assert summ["table_mae"][0] == pytest.approx(_expected_table_mae(0.02, 3), rel=0.35)
    assert summ["surrogate_mae"][0] > 3 * summ["table_mae"][0]


def test_one_row_per_seed_with_sizes_and_labels(noisy_result: TabularVsSurrogateResult) -> None:
    assert [s.seed for s in noisy_result.seeds] == [0, 1, 2]
    assert [s.seed_label for s in noisy_result.seeds] == [0, 1, 2]
    assert noisy_result.n_archs == 300 and noisy_result.n_seeds == 3
    n_test = round(0.3 * 300)
    assert all(s.n_test == n_test for s in noisy_result.seeds)
    assert all(s.n_train == round(0.6 * 300) for s in noisy_result.seeds)
    records = noisy_result.to_records()
    assert len(records) == 3 and set(records[0]) >= {"seed", "surrogate_mae", "table_mae", "surrogate_tau", "table_tau"}


def test_table_row_is_mae_against_the_mean_of_the_other_seeds() -> None:
    # 4 seeds with fixed, known values: the table's error for seed i is |x_i - mean(others)|.
    recs = multi_seed_records(12, 4, 0.0, rng=3)
    offsets = np.array([0.0, 1.0, 2.0, 6.0])
    for r in recs:
        r["val_accuracy"] += offsets[r["seed"]]
    result = tabular_vs_surrogate(
        Dataset.from_records(recs),
        family="rf",
        n_members=1,
        params={"n_estimators": 5, "n_jobs": 1},
        folds=3,
        progress=False,
    )
    for s in result.seeds:
        others = np.delete(offsets, s.seed).mean()
        assert s.table_mae == pytest.approx(abs(offsets[s.seed] - others))
        assert s.table_mae_all == pytest.approx(abs(offsets[s.seed] - others))
        assert s.table_tau == pytest.approx(1.0)  # a constant shift keeps the ranking
    assert result.n_seeds == 4 and result.seeds[0].n_test == 12  # folds score every architecture


def test_deterministic_given_the_seed() -> None:
    ds = Dataset.from_records(multi_seed_records(40, 3, 0.5, rng=4))
    kw = {
        "family": "rf",
        "n_members": 1,
        "params": {"n_estimators": 5, "n_jobs": 1},
        "split": (0.6, 0.2, 0.2),
        "progress": False,
    }
    a = tabular_vs_surrogate(ds, seed=3, **kw).to_records()
    b = tabular_vs_surrogate(ds, seed=3, **kw).to_records()
    c = tabular_vs_surrogate(ds, seed=4, **kw).to_records()
    strip = lambda rs: [{k: v for k, v in r.items() if k != "fit_seconds"} for r in rs]  # noqa: E731
    assert strip(a) == strip(b)
    assert strip(a) != strip(c)


def test_train_on_rest_adds_single_seed_architectures_to_training_only() -> None:
    recs = multi_seed_records(30, 3, 0.5, rng=5) + multi_seed_records(20, 1, 0.5, rng=5, first_arch=30)
    ds = Dataset.from_records(recs)
    kw = {
        "family": "rf",
        "n_members": 1,
        "params": {"n_estimators": 5, "n_jobs": 1},
        "split": (0.6, 0.2, 0.2),
        "progress": False,
    }
    plain = tabular_vs_surrogate(ds, **kw)
    more = tabular_vs_surrogate(ds, train_on_rest=True, **kw)
    assert plain.n_archs == more.n_archs == 30
    assert more.seeds[0].n_train == plain.seeds[0].n_train + 20
    assert more.seeds[0].n_test == plain.seeds[0].n_test == 6
    assert more.config["n_rest_train_rows"] == 20


def test_multi_seed_table_groups_seeds_and_leaves_the_rest() -> None:
    recs = multi_seed_records(5, 4, 1.0, rng=6) + multi_seed_records(3, 2, 1.0, rng=6, first_arch=5)
    recs.append(dict(recs[0]))  # a duplicate (architecture, seed 0) row
    ds = Dataset.from_records(recs)
    table = multi_seed_table(ds)
    assert table.k == 4 and table.rows.shape == (5, 4) and table.n_duplicates == 1
    assert len(table.rest) == 3
    hashes, seeds, y = ds.column("arch_hash"), ds.column("seed"), ds.column("val_accuracy")
    for row in table.rows:
        assert len(set(hashes[row])) == 1 and seeds[row].tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(table.values, y[table.rows])
    assert multi_seed_table(ds, n_seeds=3).k == 3


def test_too_few_seeds_is_a_clear_error() -> None:
    ds = Dataset.from_records(multi_seed_records(20, 2, 1.0, rng=7))
    with pytest.raises(ValueError, match=r"3 or more runs.*--n-seeds 3"):
        tabular_vs_surrogate(ds, family="rf", n_members=1, progress=False)
    with pytest.raises(ValueError, match="n_seeds must be an int ≥ 3"):
        multi_seed_table(ds, n_seeds=2)


def test_other_bad_input_is_a_clear_error() -> None:
    recs = multi_seed_records(20, 3, 1.0, rng=8)
    ds = Dataset.from_records(recs)
    with pytest.raises(ValueError, match="target 'nope' is not a column"):
        multi_seed_table(ds, target="nope")
    mixed = Dataset.from_records(recs + multi_seed_records(5, 3, 1.0, rng=8, epochs=50, first_arch=20))
    with pytest.raises(ValueError, match=r"mixes fidelities \(epochs \[10, 50\]\)"):
        multi_seed_table(mixed)
    small = Dataset.from_records(multi_seed_records(4, 3, 1.0, rng=8))
    with pytest.raises(ValueError, match="leaves .* training, .* validation and .* test architectures"):
        tabular_vs_surrogate(small, family="rf", n_members=1, progress=False)
    with pytest.raises(ValueError, match="folds must be an int from 2"):
        tabular_vs_surrogate(ds, family="rf", n_members=1, folds=1, progress=False)
    with pytest.raises(ValueError, match="split must be three positive fractions"):
        tabular_vs_surrogate(ds, family="rf", n_members=1, split=(0.5, 0.5), progress=False)


def test_write_and_read_back(noisy_result: TabularVsSurrogateResult, tmp_path) -> None:
    files = noisy_result.write(tmp_path / "out")
    assert set(files) == {"json", "csv", "png"}
    assert files["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = json.loads(files["json"].read_text())
    assert doc["study"] == "tabular-vs-surrogate" and len(doc["seeds"]) == 3
    again = TabularVsSurrogateResult.from_dict(doc)
    assert again.to_dict() == json.loads(json.dumps(doc))
    lines = files["csv"].read_text().splitlines()
    assert lines[0].startswith("seed,seed_label,n_train,n_test,surrogate_mae") and len(lines) == 4
    text = noisy_result.to_table()
    assert "mean ± std" in text and "0 [1,2]" in text and "perfect surrogate" in text
    with pytest.raises(ValueError, match="not a tabular-vs-surrogate result"):
        TabularVsSurrogateResult.from_dict({"format": "other"})


def test_the_table_says_how_many_architectures_it_scores(noisy_result: TabularVsSurrogateResult) -> None:
    # a user read "170 architectures with 3 seeds each" under a table that scored 17 of them
    n_test = noisy_result.seeds[0].n_test
    assert n_test < noisy_result.n_archs
    assert f"scored on {n_test} of {noisy_result.n_archs} architectures" in noisy_result.to_table()
    assert "--folds scores every one" in noisy_result.to_table()
