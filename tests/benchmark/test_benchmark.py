import json
import shutil

import numpy as np
import pytest

import surrogate
from surrogate.benchmark import BenchmarkError
from surrogate.cost import network_cost
from surrogate.space import InvalidArchitectureError, Genotype, canonical, parse, sample


@pytest.fixture()
def bench(bench_dir):
    return surrogate.load(bench_dir, rng=0)


def test_one_in_float_out_list_in_array_out(bench):
    archs = sample(5, rng=1)
    one = bench.predict(archs[0])
    many = bench.predict(archs)
    assert isinstance(one, float)
    assert isinstance(many, np.ndarray) and many.shape == (5,)
    assert one == pytest.approx(many[0])
    # every accepted form gives the same answer
    g = archs[0]
    for form in (str(g), g.to_config(), g.to_compact()):
        assert bench.predict(form) == pytest.approx(one)


def test_noisy_draws_do_not_depend_on_order_or_batch(bench):
    archs = sample(40, rng=2)
    full = bench.predict(archs, with_noise=True, seed=7)
    rev = bench.predict(archs[::-1], with_noise=True, seed=7)[::-1]
    parts = np.concatenate([bench.predict(archs[i : i + 7], with_noise=True, seed=7) for i in range(0, 40, 7)])
    singles = np.array([bench.predict(a, with_noise=True, seed=7) for a in archs[:5]])
    np.testing.assert_allclose(full, rev)
    np.testing.assert_allclose(full, parts)
    np.testing.assert_allclose(full[:5], singles)
    other = bench.predict(archs, with_noise=True, seed=8)
    assert not np.allclose(full, other)


def test_noise_has_the_measured_seed_std(bench):
    archs = sample(2000, rng=3)
    mean = bench.predict(archs)
    draws = np.stack([bench.predict(archs, with_noise=True, seed=k) - mean for k in range(3)])
    sd = bench.spec["noise"]["val_accuracy"]["seed_std"]
    assert draws.std() == pytest.approx(sd, rel=0.05)


def test_isomorphic_architectures_share_their_draws(bench):
    g = sample(1, rng=4)[0]
    # swap the two inputs of every node: the same network
    swapped = Genotype(
        normal=[p for k in range(4) for p in (g.normal[2 * k + 1], g.normal[2 * k])],
        reduce=[p for k in range(4) for p in (g.reduce[2 * k + 1], g.reduce[2 * k])],
    )
    assert bench.predict(g, with_noise=True, seed=3) == pytest.approx(bench.predict(swapped, with_noise=True, seed=3))
    assert bench.predict(canonical(g)) == pytest.approx(bench.predict(g))


def test_seed_none_uses_the_benchmarks_own_generator(bench_dir):
    archs = sample(10, rng=5)
    a = surrogate.load(bench_dir, rng=1).predict(archs, with_noise=True)
    b = surrogate.load(bench_dir, rng=1).predict(archs, with_noise=True)
    np.testing.assert_allclose(a, b)


def test_no_global_rng_touched(bench_dir):
    import random

    import torch

    np_state, py_state, t_state = np.random.get_state()[1].copy(), random.getstate(), torch.get_rng_state().clone()
    b = surrogate.load(bench_dir)
    b.predict(sample(20, rng=6), with_noise=True)
    b.query(sample(3, rng=6))
    assert (np.random.get_state()[1] == np_state).all()
    assert random.getstate() == py_state
    assert torch.equal(torch.get_rng_state(), t_state)


def test_invalid_architecture_gives_the_parse_error(bench):
    bad = "Genotype(normal=[('conv_7x7', 0)], normal_concat=[2, 3, 4, 5], reduce=[], reduce_concat=[2, 3, 4, 5])"
    with pytest.raises(InvalidArchitectureError) as expected:
        parse(bad)
    for call in (bench.predict, bench.predict_runtime, bench.query, bench.cost):
        with pytest.raises(ValueError) as got:
            call(bad)
        assert str(got.value) == str(expected.value)


def test_return_std_and_query(bench):
    archs = sample(6, rng=7)
    mean, std = bench.predict(archs, return_std=True)
    q = bench.query(archs, seed=2)
    np.testing.assert_allclose(q.mean, mean)
    np.testing.assert_allclose(q.std, std)
    np.testing.assert_allclose(q.sample, bench.predict(archs, with_noise=True, seed=2))
    params, flops = network_cost(archs, bench.spec["cost_tables"])
    np.testing.assert_array_equal(q.params, params)
    np.testing.assert_array_equal(q.flops, flops)
    assert q.ood.dtype == bool and (std > 0).all()
    np.testing.assert_allclose(q.runtime, bench.predict_runtime(archs))
    one = bench.query(archs[0], seed=2)
    assert isinstance(one.mean, float) and isinstance(one.ood, bool) and isinstance(one.params, int)
    json.dumps(q.to_dict())


def test_tampered_member_file_is_refused(bench_dir, tmp_path):
    copy = tmp_path / "b"
    shutil.copytree(bench_dir, copy)
    member = next(p for p in (copy / "val_accuracy-xgb").rglob("*") if p.is_file() and p.name != "manifest.json")
    member.write_bytes(member.read_bytes()[:-10] + b"0123456789")
    b = surrogate.load(copy)
    with pytest.raises(ValueError, match="(?i)checksum|sha256|modified|tamper"):
        b.predict(sample(1, rng=0)[0])


def test_tampered_manifest_is_refused(bench_dir, tmp_path):
    copy = tmp_path / "b"
    shutil.copytree(bench_dir, copy)
    manifest = copy / "val_accuracy-xgb" / "manifest.json"
    doc = json.loads(manifest.read_text())
    doc["metrics"] = {"test": {"r2": 0.99}}
    manifest.write_text(json.dumps(doc))
    with pytest.raises(BenchmarkError, match="checksum"):
        surrogate.load(copy)


def test_foreign_and_newer_directories(tmp_path, bench_dir):
    with pytest.raises(BenchmarkError, match="not a benchmark"):
        surrogate.load(tmp_path)
    copy = tmp_path / "b"
    shutil.copytree(bench_dir, copy)
    spec = json.loads((copy / "benchmark.json").read_text())
    spec["format_version"] = 99
    (copy / "benchmark.json").write_text(json.dumps(spec))
    with pytest.raises(BenchmarkError, match="newer"):
        surrogate.load(copy)


def test_params_by_model_name_win_over_params_by_family(bench_dir):
    from surrogate.checkpoint import read_manifest

    assert read_manifest(bench_dir / "val_accuracy-xgb")["hyperparameters"]["n_estimators"] == 40
    assert read_manifest(bench_dir / "train_time-lgb")["hyperparameters"]["n_estimators"] == 30
