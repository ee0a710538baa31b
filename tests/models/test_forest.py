"""The compiled forest (every LightGBM member in one loop) predicts what LightGBM predicts."""

from pathlib import Path

import numpy as np
import pytest

from surrogate.ensemble import Ensemble
from surrogate.models._forest import ENV_VAR, ForestStack, float32_thresholds, kernel_enabled
from surrogate.space import CORNERS, sample

pytest.importorskip("numba")
SHIPPED = Path(__file__).resolve().parents[2] / "checkpoints" / "default"


def _bare(boosters, X):
    return np.stack([b.predict(X, num_threads=1) for b in boosters])


@pytest.mark.parametrize("model", ["val_accuracy-lgb", "train_time-lgb"])
def test_shipped_members_predict_lightgbms_bits(model):
    if not (SHIPPED / model).exists():
        pytest.skip(f"no shipped {model}")
    from surrogate.checkpoint import load_fitted

    ensemble, _, space = load_fitted(SHIPPED / model)
    X = space.features(sample(3000, rng=2) + list(CORNERS.values()))
    stack = ensemble._stacked()
    assert isinstance(stack, ForestStack) and kernel_enabled()
    boosters = [m.booster_ for m in ensemble.members_]
    np.testing.assert_array_equal(stack.predict(X), _bare(boosters, X))
    np.testing.assert_array_equal(ensemble.predict_members(X), _bare(boosters, X))


@pytest.mark.parametrize("params", [{"num_leaves": 4}, {"num_leaves": 40, "min_child_samples": 2}])
def test_fitted_shallow_and_deep_trees_predict_lightgbms_bits(params):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 6, size=(600, 12)).astype(np.float32) + rng.random((600, 12), dtype=np.float32)
    y = X[:, 0] * X[:, 1] - 3 * X[:, 2] + rng.normal(0, 0.1, 600)
    ens = Ensemble("lgb", n_members=3, params={"n_estimators": 60, "n_jobs": 1, **params}, seed=0).fit(X, y)
    depth = ens._stacked().arrays["depth"]
    assert depth.max() > 4 if params["num_leaves"] > 16 else depth.max() <= 4  # both paths of the loop
    Xq = np.concatenate([X, rng.normal(2, 5, (300, 12)).astype(np.float32)])
    boosters = [m.booster_ for m in ens.members_]
    np.testing.assert_array_equal(ens.predict_members(Xq), _bare(boosters, Xq))
    # rows alone, in odd-sized batches and split over threads give the same bits
    one = np.concatenate([ens._stacked().predict(Xq[i : i + 1]) for i in range(0, 200)], axis=1)
    np.testing.assert_array_equal(one, ens.predict_members(Xq)[:, :200])


def test_switched_off_it_is_lightgbms_predictor(monkeypatch):
    rng = np.random.default_rng(1)
    X = rng.random((200, 5), dtype=np.float32)
    ens = Ensemble("lgb", n_members=2, params={"n_estimators": 20, "n_jobs": 1}, seed=0).fit(X, X[:, 0])
    calls = []
    for m in ens.members_:
        booster_predict = m.booster_.predict
        monkeypatch.setattr(m.booster_, "predict", lambda X, _p=booster_predict, **kw: calls.append(1) or _p(X, **kw))
    on = ens.predict_members(X)
    assert not calls
    monkeypatch.setenv(ENV_VAR, "0")
    assert not kernel_enabled()
    np.testing.assert_array_equal(ens.predict_members(X), on)
    assert len(calls) == 2


def test_a_model_with_missing_value_splits_is_left_to_lightgbm():
    import lightgbm as lgb

    rng = np.random.default_rng(2)
    X = rng.random((300, 4))
    y = X[:, 0].copy()
    X[::3, 0], y[::3] = np.nan, 5.0  # LightGBM learns a NaN rule, which the loop does not implement
    booster = lgb.train({"objective": "regression", "verbosity": -1, "min_data_in_leaf": 5}, lgb.Dataset(X, y), 10)
    assert ForestStack.from_boosters([booster]) is None


def test_float32_thresholds_keep_every_comparison():
    thr = np.array([0.1, 1.5, 1.0000000180025095e-35, -2.3, 3.0, np.inf])
    t32 = float32_thresholds(thr)
    for x in np.array([0.1, 0.099999994, 1.5, 1e-35, 1.0000001e-35, -2.3, -2.2999997, 3.0, 3.0000002], np.float32):
        np.testing.assert_array_equal(np.float64(x) <= thr, x <= t32)
