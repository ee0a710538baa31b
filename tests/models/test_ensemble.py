"""Deep ensembles: seeds, one-pass mean/std, sampling, and calibration measured on synthetic data.

Run this file as a script to print the calibration table quoted in docs/models.md.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from model_tasks import FAST_PARAMS, graph_task, matrix_task

from surrogate.ensemble import Calibration, Ensemble, fit_calibration
from surrogate.metrics import coverage, gaussian_nll


def seed_noise_task(n: int, seed: int, heteroscedastic: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A smooth mean plus 'training-seed noise': each target is one noisy run of its input."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 6), dtype=np.float32)
    mean = np.sin(3 * X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * X[:, 3]
    sd = 0.05 + 0.15 * X[:, 4] if heteroscedastic else 0.1
    return X, mean + sd * rng.standard_normal(n)


@pytest.fixture(scope="module")
def data():
    X, y = matrix_task(500, seed=0)
    return (X[:300], y[:300]), (X[300:400], y[300:400]), (X[400:], y[400:])


@pytest.fixture(scope="module")
def ensemble(data):
    return Ensemble("xgb", n_members=4, params=FAST_PARAMS["xgb"], seed=1).fit(*data[0], *data[1])


def test_members_get_distinct_spawned_seeds(ensemble) -> None:
    seeds = ensemble.member_seeds_
    assert len(set(seeds)) == 4 and all(0 <= s < 2**31 for s in seeds)
    assert seeds == Ensemble("rf", n_members=4, seed=1).member_seeds()
    assert seeds != Ensemble("rf", n_members=4, seed=2).member_seeds()
    assert [m.seed for m in ensemble.members_] == seeds
    # a bigger ensemble extends, not reshuffles, the seeds
    assert Ensemble("rf", n_members=6, seed=1).member_seeds()[:4] == seeds


def test_predict_is_one_pass_and_equals_member_statistics(ensemble, data, monkeypatch) -> None:
    X = data[2][0]
    preds = ensemble.predict_members(X)
    calls = []
    for m in ensemble.members_:
        original = m.predict
        monkeypatch.setattr(m, "predict", lambda X, original=original: calls.append(1) or original(X))
    mean, std = ensemble.predict(X)
    assert len(calls) == len(ensemble.members_)
    assert preds.shape == (4, len(X))
    np.testing.assert_allclose(mean, preds.mean(axis=0))
    np.testing.assert_allclose(std, preds.std(axis=0, ddof=1))
    assert np.all(std > 0)


def test_fit_is_deterministic_given_seed(ensemble, data) -> None:
    X = data[2][0]
    again = Ensemble("xgb", n_members=4, params=FAST_PARAMS["xgb"], seed=1).fit(*data[0], *data[1])
    assert np.array_equal(again.predict_members(X), ensemble.predict_members(X))
    other = Ensemble("xgb", n_members=4, params=FAST_PARAMS["xgb"], seed=2).fit(*data[0], *data[1])
    assert not np.array_equal(other.predict(X)[0], ensemble.predict(X)[0])


def test_sample_draws_from_the_predictive_gaussian(ensemble, data) -> None:
    X = np.repeat(data[2][0][:2], 20_000, axis=0)
    mean, std = ensemble.predict(X[[0, -1]])
    draws = ensemble.sample(X, rng=0)
    assert np.array_equal(draws, ensemble.sample(X, rng=0))
    assert not np.array_equal(draws, ensemble.sample(X, rng=1))
    for k, half in enumerate((draws[:20_000], draws[20_000:])):
        assert half.mean() == pytest.approx(mean[k], abs=4 * std[k] / math.sqrt(20_000))
        assert half.std() == pytest.approx(std[k], rel=0.03)


def test_bad_configuration_is_refused(data) -> None:
    with pytest.raises(ValueError, match="must not contain 'seed'"):
        Ensemble("xgb", params={"seed": 3}).fit(*data[0])
    with pytest.raises(ValueError, match="no parameter"):
        Ensemble("xgb", params={"depth": 3}).fit(*data[0])
    with pytest.raises(ValueError, match="n_members"):
        Ensemble("xgb", n_members=0).fit(*data[0])
    with pytest.raises(ValueError, match="unknown model family"):
        Ensemble("svm").fit(*data[0])
    with pytest.raises(ValueError, match="not fitted"):
        Ensemble("rf").predict(data[0][0])


def test_progress_is_reported_per_member(data) -> None:
    seen = []
    Ensemble("knn", n_members=3, params={"n_neighbors": 3}).fit(*data[0], progress=lambda i, n: seen.append((i, n)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    Ensemble("knn", n_members=2, params={"n_neighbors": 3}).fit(*data[0], progress=True)


def test_refit_drops_the_old_calibration(data) -> None:
    ens = Ensemble("knn", n_members=3, params={"n_neighbors": 3}).fit(*data[0]).calibrate(*data[1])
    assert hasattr(ens, "calibration_")
    ens.fit(*data[0])
    assert not hasattr(ens, "calibration_")


def test_fit_calibration_recovers_scale_and_noise() -> None:
    rng = np.random.default_rng(0)
    u = rng.uniform(0.05, 0.5, 50_000)
    r = np.sqrt((2.0 * u) ** 2 + 0.1**2) * rng.standard_normal(u.size)
    cal = fit_calibration(r, u, method="scale+noise")
    assert cal.scale == pytest.approx(2.0, rel=0.05) and cal.noise == pytest.approx(0.1, rel=0.1)
    assert cal.nll_after < cal.nll_before
    only = fit_calibration(r, u, method="scale")
    assert only.noise == 0.0 and only.scale == pytest.approx(math.sqrt(np.mean(r**2 / u**2)))
    # pure noise floor: members that always agree
    flat = fit_calibration(r, np.zeros_like(u), method="scale+noise")
    assert flat.noise == pytest.approx(math.sqrt(np.mean(r**2)))
    with pytest.raises(ValueError, match="scale\\+noise"):
        fit_calibration(r, np.zeros_like(u), method="scale")
    assert Calibration.from_dict(cal.to_dict()) == cal
    with pytest.raises(ValueError, match="malformed"):
        Calibration.from_dict({"method": "scale"})


def calibration_table(families=("xgb", "lgb", "rf", "knn"), heteroscedastic=False, n_members=5):
    """Coverage and NLL on a test split, raw and after each calibration method (fit on val)."""
    train = seed_noise_task(1000, 0, heteroscedastic)
    val = seed_noise_task(500, 1, heteroscedastic)
    X, y = seed_noise_task(2000, 2, heteroscedastic)
    rows = {}
    for family in families:
        ens = Ensemble(family, n_members=n_members, params=FAST_PARAMS[family], seed=0).fit(*train, *val)
        mv, sv = ens.predict(val[0])
        mean, std = ens.predict(X)
        for method in ("raw", "scale", "scale+noise", "coverage"):
            if method == "raw":
                s = std
            elif method == "scale" and np.any(sv == 0):
                continue
            else:
                s = fit_calibration(val[1] - mv, sv, method).apply(std)
            rows[family, method] = (coverage(y, mean, s, 0.68), coverage(y, mean, s, 0.95), gaussian_nll(y, mean, s))
    return rows


def test_calibration_brings_coverage_to_nominal_on_synthetic_seed_noise() -> None:
    rows = calibration_table(families=("rf", "knn"), n_members=4)
    for family in ("rf", "knn"):
        c68, c95, _ = rows[family, "raw"]
        assert c95 < 0.8, "raw member spread is expected to be overconfident here"
        c68, c95, nll = rows[family, "scale+noise"]
        assert abs(c68 - 0.68) <= 0.05 and abs(c95 - 0.95) <= 0.05
        assert nll < rows[family, "raw"][2]
    assert rows["rf", "scale+noise"][2] < rows["rf", "scale"][2]


def test_coverage_calibration_matches_nominal_levels_on_heavy_tails() -> None:
    """Student-t residuals (heavier tails than Gaussian, as real surrogates have): the likelihood
    fit over-covers at 68 %; the coverage method lands both levels near nominal on new rows."""
    rng = np.random.default_rng(1)

    def draw(n):
        u = rng.uniform(0.1, 1.0, n)
        return 1.5 * u * rng.standard_t(3, n) + 0.2 * rng.standard_t(3, n), u

    (r, u), (r_new, u_new) = draw(5000), draw(20000)
    zero = np.zeros_like(r_new)
    nll_fit = fit_calibration(r, u, method="scale+noise")
    cal = fit_calibration(r, u)
    assert cal.method == "coverage" and Calibration.from_dict(cal.to_dict()) == cal
    assert coverage(r_new, zero, nll_fit.apply(u_new), 0.68) > 0.74  # the problem being fixed
    for level in (0.68, 0.95):
        assert abs(coverage(r_new, zero, cal.apply(u_new), level) - level) <= 0.05, level
    # same shape as the likelihood fit: one common factor
    assert cal.scale / nll_fit.scale == pytest.approx(cal.noise / nll_fit.noise, rel=1e-9)


def test_gin_ensemble_fits_and_predicts_graphs() -> None:
    graphs, y = graph_task(120, seed=0)
    params = {**FAST_PARAMS["gin"], "epochs": 3}
    ens = Ensemble("gin", n_members=2, params=params, seed=0).fit(graphs[:100], y[:100])
    mean, std = ens.predict(graphs[100:])
    assert mean.shape == std.shape == (20,) and np.all(std > 0)


if __name__ == "__main__":
    for het in (False, True):
        print(f"\nseed noise {'0.05 + 0.15 x4 (heteroscedastic)' if het else '0.1 (homoscedastic)'}")
        print(f"{'family':7} {'method':12} {'cov68':>6} {'cov95':>6} {'NLL':>7}")
        for (family, method), (c68, c95, nll) in calibration_table(heteroscedastic=het).items():
            print(f"{family:7} {method:12} {c68:6.3f} {c95:6.3f} {nll:7.3f}")


def test_mean_and_std_of_a_row_do_not_depend_on_its_batch():
    """Issue 12: numpy's mean/std over axis 0 sum one column pairwise but many columns in order,
    which made a row's mean differ by its batch's size; the ensemble sums member by member."""
    rng = np.random.default_rng(3)
    X = rng.random((400, 6), dtype=np.float32)
    y = X @ rng.random(6) + 0.1 * rng.standard_normal(400)
    ens = Ensemble("lgb", n_members=9, params={"n_estimators": 20}, seed=0).fit(X, y)
    mean, std = ens.predict(X, calibrated=False)
    for i in range(0, 400, 37):
        m1, s1 = ens.predict(X[i : i + 1], calibrated=False)
        assert m1[0] == mean[i] and s1[0] == std[i]
    preds = ens.predict_members(X)
    np.testing.assert_allclose(mean, preds.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(std, preds.std(axis=0, ddof=1), rtol=1e-10)
