"""Learning curves: exact final epoch, monotone means, order-free per-seed noise, increasing cost."""

import numpy as np
import pytest

from surrogate.curves import CurveModel, CurveNoise, EpochCost, check_epoch, epoch_keys
from surrogate.noise import standard_normal

E = 6


def _synthetic(n=300, seed=0):
    """Features and curves whose increments are a non-negative mix of two shapes set by the features."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 5)).astype(np.float32)
    early = np.array([6.0, 3.0, 1.5, 0.5, 0.2])  # fast learners
    late = np.array([1.0, 1.5, 2.0, 2.0, 1.5])  # slow learners
    inc = (1 + 3 * X[:, :1]) * early + (4 * X[:, 1:2]) * late
    start = 70 + 5 * X[:, 2:3]
    curves = np.concatenate([start, start + np.cumsum(inc, axis=1)], axis=1)
    return X, curves


@pytest.fixture(scope="module")
def model():
    X, y = _synthetic()
    return CurveModel.fit(X, y, rank=2, family="lgb", seed=0)


def test_the_curve_ends_exactly_at_the_final_prediction_and_never_decreases(model):
    X = np.random.default_rng(5).uniform(-1, 2, size=(2000, 5)).astype(np.float32)  # also outside the data
    final = np.random.default_rng(6).uniform(60, 95, size=2000)
    c = model.curve(X, final)
    assert c.shape == (2000, E)
    assert np.array_equal(c[:, -1], final)
    assert np.all(np.diff(c, axis=1) >= 0)


def test_it_learns_how_far_each_epoch_is_from_the_end_on_held_out_curves(model):
    X, y = _synthetic(200, seed=1)
    gap, pred = y[:, -1:] - y, model.gaps(X)
    for k in range(E - 1):
        r2 = 1 - np.sum((pred[:, k] - gap[:, k]) ** 2) / np.sum((gap[:, k] - gap[:, k].mean()) ** 2)
        assert r2 > 0.9, (k, r2)


def test_save_and_load_give_the_same_curves(model, tmp_path):
    back = CurveModel.load(model.save(tmp_path / "curve"))
    X, y = _synthetic(50, seed=2)
    np.testing.assert_array_equal(back.curve(X, y[:, -1]), model.curve(X, y[:, -1]))
    (tmp_path / "curve" / "curve_model.json").write_text("{}")
    with pytest.raises(ValueError, match="cannot load the curve model"):
        CurveModel.load(tmp_path / "curve")


def _noisy_runs(n_arch=400, seeds=3, seed=0):
    rng = np.random.default_rng(seed)
    offset = rng.normal(0, 0.4, size=(n_arch * seeds, 1))  # per-seed offset
    ar = rng.normal(0, 0.3, size=(n_arch * seeds, E))
    ids = np.repeat(np.arange(n_arch), seeds)
    mean = np.linspace(75, 85, E) + rng.normal(0, 1, size=(n_arch, 1))
    return ids, mean[ids] + offset + ar, 0.4**2 + 0.3**2 * np.eye(E)


def test_noise_covariance_is_recovered_from_multi_seed_curves():
    ids, curves, truth = _noisy_runs()
    noise = CurveNoise.fit(ids, curves)
    assert noise.n_architectures == 400
    np.testing.assert_allclose(noise.cov, truth, atol=0.03)


def test_noisy_curves_end_at_the_benchmarks_final_draw_and_have_the_fitted_covariance():
    ids, curves, truth = _noisy_runs()
    noise = CurveNoise.fit(ids, curves)
    keys = np.arange(20000, dtype=np.uint64) * np.uint64(7919)
    dev = noise.deviations(keys, seed=3, final_std=0.7)
    np.testing.assert_array_equal(dev[:, -1], 0.7 * standard_normal(keys, 3))
    scale = 0.7 / noise.final_std
    np.testing.assert_allclose(np.cov(dev.T), scale**2 * noise.cov, atol=0.03 * scale**2 + 0.01)


def test_noise_is_a_function_of_architecture_seed_and_epoch_only():
    noise = CurveNoise(0.2 + 0.1 * np.eye(E))
    keys = np.arange(1, 301, dtype=np.uint64) * np.uint64(104729)
    whole = noise.deviations(keys, seed=11)
    order = np.random.default_rng(0).permutation(300)
    np.testing.assert_array_equal(noise.deviations(keys[order], seed=11), whole[order])
    np.testing.assert_array_equal(noise.deviations(keys[:1], seed=11), whole[:1])
    assert not np.allclose(noise.deviations(keys, seed=12), whole)
    assert len({tuple(epoch_keys(keys[:3], k)) for k in range(1, E)}) == E - 1


def test_noise_needs_two_seeds_of_some_architecture():
    with pytest.raises(ValueError, match="two or more"):
        CurveNoise.fit([0, 1, 2], np.ones((3, E)))


def test_cumulative_cost_strictly_increases_and_resumed_costs_add_up():
    share = np.random.default_rng(0).uniform(8, 12, size=E)  # unequal epochs, as measured times would be
    cost = EpochCost(share / share.sum(), np.full(E, 3.0))
    train = np.random.default_rng(1).uniform(1e-3, 300, size=10000)
    cum = cost.elapsed(train)
    assert np.all(np.diff(cum, axis=1) > 0)
    np.testing.assert_allclose(cum[:, -1], train + 3.0 * E)
    np.testing.assert_allclose(cost.cost(train, 0, 2) + cost.cost(train, 2, E), cost.cost(train, 0, E))
    np.testing.assert_array_equal(cost.elapsed(train, epoch=3), cum[:, 2])
    with pytest.raises(ValueError, match="from_epoch"):
        cost.cost(train, 3, 3)


@pytest.mark.parametrize("bad", [0, E + 1, 2.0, True, "3", None])
def test_epochs_are_1_based_ints(bad):
    with pytest.raises(ValueError, match="1-based"):
        check_epoch(bad, E)


def test_a_bundle_fit_on_a_dataset_round_trips_and_ends_at_the_final_prediction(tmp_path):
    from surrogate.curves import CurveBundle
    from surrogate.data import Dataset
    from surrogate.space import sample
    from surrogate.spaces import get_space

    rng = np.random.default_rng(0)
    archs = sample(40, rng=3)
    recs = []
    for i, g in enumerate(archs):
        base = 80 + rng.normal()
        for s in range(2):
            c = (base + np.linspace(-8, 0, 4) + rng.normal(0, 0.3, 4)).tolist()
            recs.append(
                {
                    "arch": g,
                    "val_accuracy": c[-1],
                    "train_time": 10.0,
                    "seed": s,
                    "val_curve": c,
                    "curve_eval_time": 2.0,
                }
            )
    recs.append({"arch": sample(1, rng=9)[0], "val_accuracy": 80.0, "train_time": 10.0, "seed": 0, "val_curve": None})
    ds = Dataset.from_records(recs)
    space = get_space("darts")
    bundle = CurveBundle.fit(ds, space, rank=2)
    assert bundle.epochs == 4 and bundle.info["architectures"] == 40 and bundle.noise.n_architectures == 40
    back = CurveBundle.load(bundle.save(tmp_path / "curves"))
    X = space.features(archs[:5])
    final = np.full(5, 81.0)
    np.testing.assert_array_equal(back.mean_curves(X, final), bundle.mean_curves(X, final))
    keys = space.noise_keys(archs[:5])
    noisy = back.noisy_curves(X, final, keys, seed=4, final_std=0.5)
    np.testing.assert_array_equal(noisy[:, -1], final + 0.5 * standard_normal(keys, 4))
    np.testing.assert_allclose(
        back.cost.elapsed(np.array([10.0]))[0], 10.0 * np.arange(1, 5) / 4 + 2.0 * np.arange(1, 5)
    )
    with pytest.raises(ValueError, match="at least 50"):
        CurveBundle.fit(ds, space, min_architectures=50)
