import json
import shutil

import numpy as np
import pytest

import surrogate
from surrogate.benchmark import BenchmarkError
from surrogate.cost import network_cost
from surrogate.space import Genotype, InvalidArchitectureError, canonical, parse, sample


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
    member = next(p for p in sorted((copy / "val_accuracy-xgb" / "members").rglob("*")) if p.is_file())
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


# -- issue 10: benchmark.json verified, noise that cannot be measured refused, clean errors ------


def _edited(bench_dir, tmp_path, edit):
    copy = tmp_path / "b"
    shutil.copytree(bench_dir, copy)
    spec = json.loads((copy / "benchmark.json").read_text())
    edit(spec)
    (copy / "benchmark.json").write_text(json.dumps(spec))
    return copy


def test_swapped_model_entries_are_refused(bench_dir, tmp_path):
    """Before: an accuracy query answered by the runtime model (12.28 ± 2.79)."""

    def swap(spec):
        a, b = spec["models"]["val_accuracy-xgb"], spec["models"]["train_time-lgb"]
        for key in ("dir", "manifest_sha256"):
            a[key], b[key] = b[key], a[key]

    with pytest.raises(
        BenchmarkError,
        match=r"models\['val_accuracy-xgb'\]\.target is 'val_accuracy' but its "
        r"checkpoint .* predicts 'train_time'",
    ):
        surrogate.load(_edited(bench_dir, tmp_path, swap))

    def swap_entries(spec):
        m = spec["models"]
        m["val_accuracy-xgb"], m["train_time-lgb"] = m["train_time-lgb"], m["val_accuracy-xgb"]

    with pytest.raises(
        BenchmarkError,
        match=r"default\['val_accuracy'\] is 'val_accuracy-xgb', which is not a model "
        r"of 'val_accuracy'",
    ):
        surrogate.load(_edited(bench_dir, tmp_path / "whole", swap_entries))


def test_a_family_unlike_the_checkpoints_is_refused(bench_dir, tmp_path):
    def relabel(spec):
        spec["models"]["val_accuracy-xgb"]["family"] = "gin"

    with pytest.raises(
        BenchmarkError, match=r"models\['val_accuracy-xgb'\]\.family is 'gin' but its checkpoint .* 'xgb'"
    ):
        surrogate.load(_edited(bench_dir, tmp_path, relabel))


@pytest.mark.parametrize("where", ["../b-outside/val_accuracy-xgb", "/abs/val_accuracy-xgb", "", 7])
def test_model_dirs_stay_inside_the_benchmark(bench_dir, tmp_path, where):
    shutil.copytree(bench_dir, tmp_path / "b-outside")  # a real checkpoint outside, checksums and all

    def move(spec):
        spec["models"]["val_accuracy-xgb"]["dir"] = where

    with pytest.raises(BenchmarkError, match=r"models\['val_accuracy-xgb'\]\.dir .* inside"):
        surrogate.load(_edited(bench_dir, tmp_path, move))


@pytest.mark.parametrize(
    "value, why",
    [
        (50.0, "plausible"),
        (5.0, "plausible: more than 2 times the largest test RMSE"),
        (-0.1, ">= 0"),
        (float("nan"), "finite"),
        ("0.3", "number"),
        (None, "number"),
    ],
)
def test_implausible_seed_noise_is_refused(bench_dir, tmp_path, value, why):
    def set_noise(spec):
        spec["noise"]["val_accuracy"]["seed_std"] = value

    with pytest.raises(BenchmarkError, match=rf"noise\['val_accuracy'\]\.seed_std .*{why}"):
        surrogate.load(_edited(bench_dir, tmp_path, set_noise))


@pytest.mark.parametrize("value", [-1.0, float("inf"), "1"])
def test_a_bad_ood_threshold_is_refused(bench_dir, tmp_path, value):
    def set_threshold(spec):
        spec["models"]["val_accuracy-xgb"]["ood_std_threshold"] = value

    with pytest.raises(BenchmarkError, match=r"models\['val_accuracy-xgb'\]\.ood_std_threshold"):
        surrogate.load(_edited(bench_dir, tmp_path, set_threshold))


@pytest.mark.parametrize(
    "path",
    [
        ("models",),
        ("noise",),
        ("default",),
        ("cost_tables",),
        ("noise", "train_time"),
        ("models", "train_time-lgb", "manifest_sha256"),
        ("default", "val_accuracy"),
    ],
)
def test_a_missing_key_is_one_benchmark_error_naming_it(bench_dir, tmp_path, path):
    def drop(spec):
        node = spec
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    copy = _edited(bench_dir, tmp_path, drop)
    with pytest.raises(BenchmarkError, match=path[-1]) as err:
        b = surrogate.load(copy)
        b.predict(sample(1, rng=0)[0], with_noise=True, seed=0)
        b.predict_runtime(sample(1, rng=0)[0], with_noise=True, seed=0)
    assert "benchmark.json" in str(err.value)


def _with_times(ds, times):
    import pyarrow as pa

    from surrogate.data import Dataset

    table = ds.table.set_column(ds.table.schema.get_field_index("train_time"), "train_time", pa.array(times))
    return Dataset.from_arrow(table, space=ds.space)


def test_noise_that_cannot_be_measured_is_an_error_when_building(tmp_path, synthetic_dataset):
    """Before: train_time seed_std NaN in benchmark.json, NaN from every noisy runtime query."""
    from surrogate.assemble import assemble_benchmark, pooled_seed_std

    ds = synthetic_dataset(40)
    t = np.asarray(ds.column("train_time"), dtype=float)
    hashes = np.asarray(ds.column("arch_hash"))
    _, counts = np.unique(hashes, return_counts=True)
    multi = np.isin(hashes, np.unique(hashes)[counts >= 2])
    # rows without a training time are left out of the noise estimate, not turned into NaN
    some = t.copy()
    some[np.flatnonzero(multi)[::3]] = np.nan
    finite = np.isfinite(some)
    sd, n = pooled_seed_std(_with_times(ds, some), "train_time")
    expected, n_expected = pooled_seed_std(ds.filter(finite), "train_time")
    assert np.isfinite(sd) and sd == pytest.approx(expected) and n == n_expected
    # no multi-seed architecture with two training times: nothing to measure, refused at build time
    none = t.copy()
    none[multi] = np.nan
    with pytest.raises(ValueError, match="train_time.*seed noise"):
        pooled_seed_std(_with_times(ds, none), "train_time")
    with pytest.raises(ValueError, match="train_time.*seed noise"):
        assemble_benchmark(
            _with_times(ds, none),
            tmp_path / "b",
            models=[("val_accuracy", "xgb"), ("train_time", "lgb")],
            n_members=2,
            progress=False,
        )
    assert not (tmp_path / "b").exists(), "nothing is written when the noise cannot be measured"


def test_non_finite_noise_in_benchmark_json_is_refused(bench_dir, tmp_path):
    def nan_noise(spec):
        spec["noise"]["train_time"]["seed_std"] = float("nan")

    with pytest.raises(BenchmarkError, match=r"noise\['train_time'\]\.seed_std is nan"):
        surrogate.load(_edited(bench_dir, tmp_path, nan_noise))


def test_huge_seeds_and_non_bool_flags_are_value_errors(bench):
    g = sample(1, rng=0)[0]
    for call in (
        lambda: bench.predict(g, with_noise=True, seed=2**70),
        lambda: bench.query(g, seed=2**70),
        lambda: bench.predict_runtime(g, with_noise=True, seed=2**70),
        lambda: bench.predict(g, with_noise=True, seed=-1),
        lambda: bench.predict(g, with_noise=True, seed=1.5),
    ):
        with pytest.raises(ValueError, match="seed must be"):
            call()
    assert np.isfinite(bench.predict(g, with_noise=True, seed=2**63 - 1))
    for flags in ({"with_noise": "no"}, {"with_noise": 1}, {"return_std": "yes"}):
        with pytest.raises(ValueError, match="must be True or False"):
            bench.predict(g, **flags)
    with pytest.raises(ValueError, match="with_noise must be True or False"):
        bench.predict_runtime(g, with_noise="no")
    assert bench.predict(g, with_noise=np.bool_(False)) == bench.predict(g)


def test_load_refuses_what_is_not_a_path():
    with pytest.raises(BenchmarkError, match="path must be a directory path.*int"):
        surrogate.load(123)


def test_a_target_missing_on_some_test_rows_is_scored_on_the_rest(tmp_path, synthetic_dataset):
    """Before: assemble's OOD threshold scored every test row and stopped at the first NaN
    runtime (a build whose library-path runtimes are blanked)."""
    from surrogate.assemble import assemble_benchmark
    from surrogate.fit import split_indices

    ds = synthetic_dataset(60)
    (_, _, te), _ = split_indices(ds, None, 0)
    t = np.array(ds.column("train_time"), dtype=float)
    t[te[::2]] = np.nan  # half the test rows have no runtime
    out = tmp_path / "b"
    assemble_benchmark(
        _with_times(ds, t),
        out,
        models=[("val_accuracy", "xgb"), ("train_time", "lgb")],
        n_members=2,
        params={"xgb": {"n_estimators": 20}, "lgb": {"n_estimators": 20}},
        progress=False,
    )
    spec = json.loads((out / "benchmark.json").read_text())
    entry = spec["models"]["train_time-lgb"]
    assert entry["test"]["n"] == len(te) - len(te[::2])
    assert np.isfinite(entry["ood_std_threshold"]) and entry["ood_std_threshold"] > 0
