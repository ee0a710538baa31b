"""Issue 12: the query path — one canonicalisation per batch, bounded chunks, the same bits alone
or in a batch, one model pass per NAS evaluation, and the shipped GIN through the dense path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import surrogate
from surrogate import benchmark as benchmark_module
from surrogate.nas import Budget
from surrogate.nas._evaluator import Evaluator
from surrogate.space import sample

SHIPPED = Path(surrogate.benchmark.DEFAULT_PATH)


@pytest.fixture()
def bench(bench_dir):
    return surrogate.load(bench_dir, rng=0)


def _count(monkeypatch, module, name):
    calls = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_query_canonicalises_its_batch_once(bench, monkeypatch):
    from surrogate.encode import _canonical

    calls = _count(monkeypatch, _canonical, "canonical_cells")
    bench.query(sample(20, rng=0), seed=1)
    assert len(calls) == 1


def test_large_batches_run_in_chunks_with_the_same_results(bench, monkeypatch):
    archs = sample(50, rng=3)
    whole = bench.query(archs, seed=2)
    monkeypatch.setattr(benchmark_module, "CHUNK", 7)
    ensemble = bench._model(bench.default_model("val_accuracy"))[0]
    sizes = []
    real = ensemble.predict
    monkeypatch.setattr(ensemble, "predict", lambda X, **k: sizes.append(len(X)) or real(X, **k))
    chunked = bench.query(archs, seed=2)
    assert max(sizes) == 7 and sum(sizes) == 50
    for key in ("mean", "std", "sample", "runtime"):
        assert np.array_equal(getattr(whole, key), getattr(chunked, key)), key


def test_an_architecture_gets_the_same_bits_alone_and_in_a_batch(bench):
    archs = sample(40, rng=5)
    batch = bench.predict(archs, return_std=True)
    runtime = bench.predict_runtime(archs)
    for i in range(0, 40, 9):
        mean, std = bench.predict(archs[i], return_std=True)
        assert (mean, std) == (batch[0][i], batch[1][i])
        assert bench.predict_runtime(archs[i]) == runtime[i]


def test_a_nas_evaluation_runs_the_accuracy_model_once(bench, monkeypatch):
    ensemble = bench._model(bench.default_model("val_accuracy"))[0]
    calls = _count(monkeypatch, ensemble, "predict")
    archs = sample(6, rng=8)
    ev = Evaluator(bench, Budget(queries=100), noise_seed=4)
    acc = ev.evaluate(archs)
    assert len(calls) == 1
    assert np.array_equal(acc, bench.predict(archs, with_noise=True, seed=4))
    assert np.array_equal(ev.trajectory("rs").mean, bench.predict(archs))
    noisy, mean = bench.predict_sample_and_mean(archs[0], seed=4)
    assert (noisy, mean) == (acc[0], bench.predict(archs[0]))


def test_threads_argument_is_checked(bench_dir):
    with pytest.raises(ValueError, match="threads"):
        surrogate.load(bench_dir, threads=0)


@pytest.fixture(scope="module")
def shipped():
    if not (SHIPPED / "benchmark.json").exists():
        pytest.skip("no shipped default benchmark")
    return surrogate.load()


def test_shipped_models_answer_with_the_same_bits_alone_and_in_a_batch(shipped):
    archs = sample(300, rng=11)  # the GIN runs chunks of 128: singles differ from every chunk size
    for name, entry in sorted(shipped.models.items()):
        if entry["target"] == "val_accuracy":
            batch = shipped.predict(archs, model=name)
            alone = [shipped.predict(a, model=name) for a in archs[::23]]
        else:
            batch = shipped.predict_runtime(archs)
            alone = [shipped.predict_runtime(a) for a in archs[::23]]
        assert np.array_equal(np.array(alone), batch[::23]), name


def test_shipped_gin_queries_equal_the_torch_geometric_network(shipped):
    from surrogate.encode import graph_batch

    name = [n for n, e in shipped.models.items() if e["family"] == "gin"][0]
    ensemble = shipped._model(name)[0]
    archs = sample(200, rng=12)
    ref = np.stack([m.predict(graph_batch(archs)) for m in ensemble.members_])
    mean, std = shipped.predict(archs, model=name, return_std=True)
    np.testing.assert_allclose(mean, ref.mean(axis=0), rtol=0, atol=1e-4)
    np.testing.assert_allclose(std, ensemble.calibration_.apply(ref.std(axis=0, ddof=1)), rtol=0, atol=1e-4)
