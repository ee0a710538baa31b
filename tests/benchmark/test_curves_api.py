"""Per-epoch queries: predict(arch, epoch=k) is predict_curve's column, the last epoch is predict().

Plumbing on synthetic curves (not surrogate quality): bench/curves.py measures quality on real ones.
"""

import json

import numpy as np
import pytest

import surrogate
from surrogate.assemble import assemble_benchmark
from surrogate.benchmark import BenchmarkError
from surrogate.data import Dataset
from surrogate.space import sample

E = 5


@pytest.fixture(scope="module")
def curve_bench(tmp_path_factory, synthetic_dataset_module):
    out = tmp_path_factory.mktemp("curves") / "b"
    assemble_benchmark(
        synthetic_dataset_module,
        out,
        models=[("val_accuracy", "xgb"), ("train_time", "lgb")],
        n_members=2,
        params={"xgb": {"n_estimators": 30}, "lgb": {"n_estimators": 30}},
        progress=False,
        curves=True,
    )
    return out


@pytest.fixture(scope="module")
def synthetic_dataset_module():
    rng = np.random.default_rng(0)
    archs = sample(60, rng=1)
    recs = []
    for i, g in enumerate(archs):
        final = 85 + rng.normal()
        speed = rng.uniform(0.5, 2)
        for s in range(3 if i % 2 == 0 else 1):
            c = final - 10 * np.exp(-speed * np.arange(1, E + 1)) + rng.normal(0, 0.3, E)
            c[-1] = final + rng.normal(0, 0.3)
            recs.append(
                {
                    "arch": g,
                    "val_accuracy": float(c[-1]),
                    "train_time": float(30 + rng.random()),
                    "seed": s,
                    "source": "rs",
                    "val_curve": c.tolist(),
                    "curve_eval_time": 2.0,
                    "fidelity": json.dumps({"name": "tiny", "layers": 3, "channels": 4, "resolution": 7}),
                }
            )
    return Dataset.from_records(recs)


def test_each_epoch_is_the_curves_column_and_the_last_is_predict(curve_bench):
    b = surrogate.load(curve_bench)
    archs = sample(50, rng=5)
    assert b.epochs == E
    for noise, seed in ((False, None), (True, 0), (True, 7)):
        curve = b.predict_curve(archs, with_noise=noise, seed=seed)
        assert curve.shape == (50, E)
        for k in range(1, E + 1):
            np.testing.assert_array_equal(b.predict(archs, epoch=k, with_noise=noise, seed=seed), curve[:, k - 1])
        np.testing.assert_array_equal(b.predict(archs, with_noise=noise, seed=seed), curve[:, -1])
        single = b.predict_curve(archs[3], with_noise=noise, seed=seed)
        np.testing.assert_array_equal(single, curve[3])
        assert b.predict(archs[3], epoch=2, with_noise=noise, seed=seed) == curve[3, 1]


def test_mean_curves_never_decrease_and_noisy_ones_do_not_depend_on_the_batch(curve_bench):
    b = surrogate.load(curve_bench)
    archs = sample(3000, rng=6)
    assert np.all(np.diff(b.predict_curve(archs), axis=1) >= 0)
    noisy = b.predict_curve(archs[:40], with_noise=True, seed=3)
    order = np.random.default_rng(0).permutation(40)
    np.testing.assert_array_equal(b.predict_curve([archs[i] for i in order], with_noise=True, seed=3), noisy[order])
    assert not np.array_equal(noisy, b.predict_curve(archs[:40], with_noise=True, seed=4))


def test_elapsed_time_strictly_increases_and_resumed_costs_add_up(curve_bench):
    b = surrogate.load(curve_bench)
    archs = sample(30, rng=7)
    cum = b.elapsed_time(archs)
    assert cum.shape == (30, E) and np.all(np.diff(cum, axis=1) > 0)
    np.testing.assert_allclose(cum[:, -1], b.predict_runtime(archs) + 2.0 * E)
    np.testing.assert_allclose(b.resume_cost(archs, 0, 2) + b.resume_cost(archs, 2, E), cum[:, -1])
    assert b.elapsed_time(archs[0], epoch=3) == pytest.approx(cum[0, 2])
    with pytest.raises(ValueError, match="1-based"):
        b.predict(archs, epoch=0)
    with pytest.raises(ValueError, match="1-based"):
        b.predict(archs, epoch=E + 1)


def test_a_benchmark_without_curves_says_so(bench_dir):
    b = surrogate.load(bench_dir)
    assert b.epochs is None
    with pytest.raises(BenchmarkError, match="no learning curves"):
        b.predict(sample(1, rng=0)[0], epoch=1)
    with pytest.raises(BenchmarkError, match="no learning curves"):
        b.predict_curve(sample(2, rng=0))


def test_a_modified_curve_model_is_refused_on_load(curve_bench, tmp_path):
    import shutil

    copy = tmp_path / "b"
    shutil.copytree(curve_bench, copy)
    doc = json.loads((copy / "curves" / "curves.json").read_text())
    doc["noise"]["cov"][0][0] *= 2
    (copy / "curves" / "curves.json").write_text(json.dumps(doc))
    with pytest.raises(BenchmarkError, match="curves.files_sha256"):
        surrogate.load(copy)


def test_hyperband_and_successive_halving_run_on_a_benchmark_with_curves(curve_bench):
    from surrogate.nas import Budget, make_optimizer

    b = surrogate.load(curve_bench)
    for short in ("sh", "hb"):
        traj = make_optimizer(short, seed=0).run(b, Budget(seconds=3000.0), noise_seed=1)
        assert len(traj.archs) > 0 and np.all(np.diff(traj.time) > 0) and traj.time[-1] <= 3000.0
        np.testing.assert_array_equal(traj.accuracy, b.predict(list(traj.archs), with_noise=True, seed=1))


def test_hyperband_on_real_curves_and_on_the_surrogate_are_compared_on_held_out_architectures(curve_bench):
    from surrogate.studies import hyperband_real_vs_surrogate

    rng = np.random.default_rng(9)
    recs = []
    for g in sample(40, rng=77):  # not the benchmark's architectures
        final = 85 + rng.normal()
        c = (final - 10 * np.exp(-rng.uniform(0.5, 2) * np.arange(1, E + 1))).tolist()
        recs.append({"arch": g, "val_accuracy": c[-1], "train_time": 30.0, "seed": 0, "source": "rs", "val_curve": c})
    held_out = Dataset.from_records(recs)
    b = surrogate.load(curve_bench)
    a = hyperband_real_vs_surrogate(held_out, b, eta=2, seed=0, repeats=2)
    again = hyperband_real_vs_surrogate(held_out, b, eta=2, seed=0, repeats=2)
    assert a.to_dict() == again.to_dict()
    assert a.pool == 40 and a.epochs == E
    truth = np.array([r["val_curve"][-1] for r in recs])
    order = np.argsort(held_out.column("arch_hash"))  # the study's pool is in hash order
    assert a.regret["real"] == pytest.approx(truth.max() - truth[order][a.picks["real"]])
    assert a.regret["real"] >= 0 and a.regret["surrogate"] >= 0
    assert 0 <= a.overlap_last_rung <= 1 and all(t[0] > 0 for t in a.anytime["surrogate"])
