"""surrogate.crossval: folds by architecture, and scores that separate signal from noise."""

from __future__ import annotations

import numpy as np
import pytest

from surrogate.crossval import cross_validate, folds_by_arch, seed_mean_tau
from surrogate.data import Dataset
from surrogate.encode import feature_names, features
from surrogate.space import sample

KNN = {"n_neighbors": 5}


def _dataset(n_archs: int, signal: float, seeds: int = 2, rng: int = 0) -> Dataset:
    """``seeds`` rows per architecture: ``signal`` x (its sep_conv_3x3 count) plus unit noise."""
    archs = sample(n_archs, rng=rng)
    col = feature_names().index("normal_count_sep_conv_3x3")
    truth = 80 + signal * features(archs)[:, col]
    noise = np.random.default_rng(rng).standard_normal((n_archs, seeds))
    return Dataset.from_records(
        [
            {"arch": g, "val_accuracy": float(t + noise[i, s]), "seed": s}
            for i, (g, t) in enumerate(zip(archs, truth))
            for s in range(seeds)
        ]
    )


def test_folds_keep_every_architecture_whole_and_cover_every_row_once():
    hashes = np.array(["a", "b", "a", "c", "d", "b", "e", "f", "c"])
    folds = folds_by_arch(hashes, 3, seed=1)
    rows = np.sort(np.concatenate(folds))
    assert rows.tolist() == list(range(len(hashes)))
    owner = {h: f for f, fold in enumerate(folds) for h in hashes[fold]}
    for f, fold in enumerate(folds):
        assert all(owner[h] == f for h in hashes[fold])
    assert [f.tolist() for f in folds] == [f.tolist() for f in folds_by_arch(hashes, 3, seed=1)]


@pytest.mark.parametrize("k, n", [(1, 10), (5, 4)])
def test_too_few_folds_or_architectures_is_an_error(k, n):
    with pytest.raises(ValueError, match="fold"):
        folds_by_arch(np.array([str(i) for i in range(n)]), k)


def test_two_folds_split_the_architectures_but_cross_validation_needs_three():
    """Two folds are a valid split (bench/defaults_cv.py holds out one, fits on the other, with
    its own early-stopping rows); cross_validate takes one fold for early stopping as well."""
    folds = folds_by_arch(np.array([str(i % 10) for i in range(30)]), 2)
    assert sorted(np.concatenate(folds).tolist()) == list(range(30))
    with pytest.raises(ValueError, match="k >= 3"):
        cross_validate(_dataset(30, signal=1.0), "knn", KNN, k=2)


def test_seed_mean_tau_ranks_architecture_means_not_rows():
    hashes = np.array(["a", "a", "b", "b", "c", "c"])
    y = np.array([1.0, 3.0, 2.0, 4.0, 5.0, 7.0])  # means 2, 3, 6
    pred = np.array([0.0, 0.0, 1.0, 1.0, 2.0, 2.0])
    assert seed_mean_tau(hashes, y, pred) == pytest.approx(1.0)
    assert seed_mean_tau(hashes, y, -pred) == pytest.approx(-1.0)


def test_cv_tau_is_high_with_signal_and_near_zero_without():
    strong = cross_validate(_dataset(150, signal=2.0), "knn", KNN, k=5)
    none = cross_validate(_dataset(150, signal=0.0), "knn", KNN, k=5)
    assert strong["tau_seed_mean"] > 0.4, strong
    assert abs(none["tau_seed_mean"]) < 0.2, none
    assert len(strong["folds_tau_seed_mean"]) == 5
    assert strong["collapsed_folds"] == 0


def test_a_member_that_predicts_one_value_scores_zero_and_is_counted():
    archs = sample(60, rng=0)
    ds = Dataset.from_records([{"arch": g, "val_accuracy": 80.0, "seed": 0} for g in archs])
    out = cross_validate(ds, "knn", KNN, k=3)
    assert out["collapsed_folds"] == 3
    assert out["tau_seed_mean"] == 0.0


def test_rows_restrict_the_data_cross_validated():
    ds = _dataset(80, signal=2.0)
    rows = np.arange(0, 80)  # the first 40 architectures (2 rows each)
    a = cross_validate(ds, "knn", KNN, rows=rows, k=4)
    b = cross_validate(ds.take(rows), "knn", KNN, k=4)
    assert a == b


def test_repeats_run_the_cv_again_on_other_folds():
    ds = _dataset(120, signal=1.0)
    one = cross_validate(ds, "knn", KNN, k=4, seed=3)
    three = cross_validate(ds, "knn", KNN, k=4, seed=3, repeats=3)
    assert len(three["folds_tau_seed_mean"]) == 12
    # the first repeat is the plain CV with the same seed; the others use other folds
    assert three["folds_tau_seed_mean"][:4] == one["folds_tau_seed_mean"]
    assert three["repeats_tau_seed_mean"][0] == pytest.approx(one["tau_seed_mean"])
    assert three["repeats_tau_seed_mean"][1] == pytest.approx(
        cross_validate(ds, "knn", KNN, k=4, seed=4)["tau_seed_mean"]
    )
    assert len(set(three["repeats_tau_seed_mean"])) == 3
    assert three["tau_seed_mean"] == pytest.approx(np.mean(three["repeats_tau_seed_mean"]))
    assert three["tau_seed_mean_repeat_sd"] == pytest.approx(np.std(three["repeats_tau_seed_mean"], ddof=1))
    assert "repeats_tau_seed_mean" not in one
    with pytest.raises(ValueError, match="repeats"):
        cross_validate(ds, "knn", KNN, k=4, repeats=0)
