"""A benchmark for every registered space: fit checkpoints, assemble, save, load, query, search.

Small synthetic evaluations per space (the accuracy a function of the encoded features, seed
noise of a known size, a training time), fit with tiny ensembles: plumbing, not surrogate quality.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import surrogate
from surrogate.assemble import assemble_from_checkpoints
from surrogate.benchmark import BenchmarkError
from surrogate.cli import main
from surrogate.data import Dataset
from surrogate.fit import fit_surrogate
from surrogate.nas import OPTIMIZERS, Budget, make_optimizer
from surrogate.spaces import SPACES, get_space

FIDELITY = {"name": "tiny", "layers": 3, "channels": 4, "resolution": 7}
FAST = {
    "xgb": {"n_estimators": 20, "n_jobs": 1},
    "knn": {"n_neighbors": 5},
    "gin": {"epochs": 3, "hidden_dim": 8, "n_layers": 2, "batch_size": 32},
}
#: Small settings of each optimizer, so a run of 30 queries goes past its start-up phase.
SMALL = {"re": {"population_size": 10, "sample_size": 3}, "rs": {"batch_size": 10}, "tpe": {"n_startup_trials": 5}}


def _generic_cells(n: int, rng: np.random.Generator) -> list[dict]:
    shapes = (
        [[0, 1], [1, 2], [2, 3], [3, 4]],
        [[0, 1], [0, 2], [0, 3], [1, 4], [2, 4], [3, 4]],
        [[0, 1], [1, 2], [1, 3], [2, 4], [3, 4]],
    )
    ops = ("conv3x3", "conv1x1", "maxpool", "avgpool", "skip")
    out = []
    for _ in range(n):
        edges = shapes[int(rng.integers(len(shapes)))]
        out.append({"nodes": ["input", *(ops[int(i)] for i in rng.integers(0, len(ops), 3)), "output"], "edges": edges})
    return out


def evaluations(name: str, n: int = 90, seed: int = 0) -> Dataset:
    """``n`` architectures of space ``name``, every third with three seeds."""
    rng = np.random.default_rng(seed)
    space = get_space(name)
    archs = space.parse(_generic_cells(n, rng)) if name == "generic" else space.sample(n, rng=rng)
    X = space.fit(archs).features(archs)
    w = rng.standard_normal(X.shape[1])
    truth = 80 + 3 * np.tanh(X @ w / np.sqrt(X.shape[1]))
    records = []
    for i, a in enumerate(archs):
        for s in range(3 if i % 3 == 0 else 1):
            records.append(
                {
                    "arch": space.to_string(a),
                    "val_accuracy": float(truth[i] + 0.2 * rng.standard_normal()),
                    "train_time": float(30 + X[i].sum() + rng.random()),
                    "seed": s,
                    "source": "rs",
                    "fidelity": json.dumps(FIDELITY, sort_keys=True),
                }
            )
    return Dataset.from_records(records, space=name)


@pytest.fixture(scope="module", params=list(SPACES))
def built(request, tmp_path_factory):
    name = request.param
    data = evaluations(name)
    root = tmp_path_factory.mktemp(f"every-space-{name}")
    ckpts = []
    for target, family in (("val_accuracy", "xgb"), ("val_accuracy", "gin"), ("train_time", "knn")):
        result = fit_surrogate(
            data, family=family, target=target, n_members=2, params=FAST[family], seed=0, progress=False
        )
        ckpts.append(result.save(root / f"ckpt-{target}-{family}"))
    out = assemble_from_checkpoints(ckpts, root / "bench", data)
    return name, data, out


def test_a_benchmark_of_each_space_saves_loads_and_answers(built, tmp_path):
    name, data, out = built
    moved = shutil.copytree(out, tmp_path / "moved")  # a benchmark folder is self-contained
    bench = surrogate.load(moved, rng=0)
    space = bench.space
    assert space.name == name == bench.spec["space"] and sorted(bench.models) == [
        "train_time-knn",
        "val_accuracy-gin",
        "val_accuracy-xgb",
    ]
    archs = space.sample(7, rng=1)
    mean = bench.predict(archs)
    assert mean.shape == (7,) and np.all(np.isfinite(mean))
    assert bench.predict(archs[0]) == pytest.approx(mean[0])  # one in, a float out
    assert bench.predict([space.to_string(a) for a in archs]).tolist() == mean.tolist()  # any form parses
    gin = bench.predict(archs, model="val_accuracy-gin")  # the graph path of every space
    assert gin.shape == (7,) and np.all(np.isfinite(gin))
    noisy = bench.predict(archs, with_noise=True, seed=3)
    iso = [space.parse(space.canonical_string(a)) for a in archs]  # the same architectures, canonical form
    assert np.array_equal(noisy, bench.predict(iso, with_noise=True, seed=3))
    assert not np.array_equal(noisy, mean)
    q = bench.query(archs, seed=3)
    assert np.array_equal(q.sample, noisy) and np.all(q.std >= 0) and np.all(q.runtime >= 0)
    assert (q.params is not None) == space.has_cost == bench.has_cost
    sd = bench.spec["noise"]["val_accuracy"]["seed_std"]
    assert 0.05 < sd < 0.6  # measured from the multi-seed rows (true value 0.2)


def test_every_optimizer_runs_on_each_space(built):
    name, _, out = built
    bench = surrogate.load(out)
    for short in OPTIMIZERS:
        traj = make_optimizer(short, seed=0, **SMALL.get(short, {})).run(bench, Budget(queries=30), noise_seed=1)
        assert len(traj) == 30, short
        arch_type = type(bench.space.sample(1, rng=0)[0])
        assert all(isinstance(a, arch_type) for a in traj.archs), short
        acc, mean = bench.predict_sample_and_mean(list(traj.archs), seed=1)
        assert np.array_equal(traj.accuracy, acc) and np.array_equal(traj.mean, mean), short
        assert np.all(np.diff(traj.time) > 0), short
    seconds = make_optimizer("re", seed=0, **SMALL["re"]).run(bench, Budget(seconds=400.0))
    assert 0 < seconds.time[-1] <= 400.0


def test_the_cli_assembles_a_benchmark_from_checkpoints(built, tmp_path, capsys):
    name, data, out = built
    data_path = tmp_path / "data.parquet"
    data.to_parquet(data_path)
    ckpts = [str(out / m) for m in ("val_accuracy-xgb", "train_time-knn")]
    code = main(
        [
            "assemble",
            *ckpts,
            "--data",
            str(data_path),
            "--out",
            str(tmp_path / "b"),
            "--seed-std",
            "train_time=0.5",
            "--json",
        ]
    )
    assert code == 0, capsys.readouterr().err
    summary = json.loads(capsys.readouterr().out)
    assert summary["space"] == name and sorted(summary["models"]) == ["train_time-knn", "val_accuracy-xgb"]
    bench = surrogate.load(tmp_path / "b")
    assert bench.spec["noise"]["train_time"]["seed_std"] == 0.5
    assert bench.predict(bench.space.sample(3, rng=0)).shape == (3,)
    code = main(["assemble", *ckpts, "--data", str(data_path), "--out", str(tmp_path / "b")])
    assert code == 1 and "exists" in capsys.readouterr().err  # no silent overwrite


def test_a_benchmark_without_runtime_or_seeds_takes_query_budgets(built, tmp_path):
    name, data, out = built
    single, _ = data.filter(data.column("seed") == 0).dedupe()  # like nb201_analog: one run per architecture
    with pytest.raises(ValueError, match="seed-std val_accuracy=SD"):
        assemble_from_checkpoints([out / "val_accuracy-xgb"], tmp_path / "no", single)
    b = assemble_from_checkpoints([out / "val_accuracy-xgb"], tmp_path / "b", single, seed_std={"val_accuracy": 0.0})
    bench = surrogate.load(b)
    assert not bench.has_runtime
    archs = bench.space.sample(4, rng=0)
    assert np.array_equal(bench.predict(archs, with_noise=True, seed=0), bench.predict(archs))  # no noise
    assert np.all(np.isnan(bench.query(archs).runtime))
    with pytest.raises(BenchmarkError, match="train_time"):
        bench.predict_runtime(archs)
    traj = make_optimizer("ls", seed=0).run(bench, Budget(queries=20))
    assert len(traj) == 20 and np.all(np.isnan(traj.time))
    with pytest.raises(ValueError, match="no runtime model"):
        make_optimizer("rs", seed=0).run(bench, Budget(seconds=100.0))


def test_assemble_refuses_checkpoints_of_another_space(built, tmp_path):
    name, data, out = built
    other = next(n for n in SPACES if n != name)
    with pytest.raises(ValueError, match=f"{name!r} space but the data is {other!r}"):
        assemble_from_checkpoints([out / "val_accuracy-xgb"], tmp_path / "x", evaluations(other, n=30))


def test_the_cli_queries_a_benchmark_of_each_space(built, capsys):
    name, _, out = built
    bench = surrogate.load(out)
    archs = [bench.space.to_string(a) for a in bench.space.sample(2, rng=5)]
    assert main(["query", "--benchmark", str(out), *archs, "--seed", "0", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["mean"] for r in rows] == pytest.approx(bench.predict(archs).tolist())
    assert all((r["params"] is None) == (not bench.has_cost) for r in rows)
    assert main(["query", "--benchmark", str(out), *archs]) == 0  # the table prints too
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_benchmarks_assembled_from_checkpoints_get_the_novelty_detector(built):
    name, data, out = built
    bench = surrogate.load(out)
    assert bench.spec["novelty"]["k"] == 5
    q = bench.query(bench.space.sample(20, rng=3), seed=0)
    std_threshold = bench.spec["models"][bench.default_model("val_accuracy")]["ood_std_threshold"]
    either = (q.novelty > bench.spec["novelty"]["threshold"]) | (q.std > std_threshold)
    assert q.novelty.shape == (20,) and np.array_equal(q.ood, either)
