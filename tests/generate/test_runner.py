import json
import os
import signal
import subprocess
import sys
import time

import pytest

from surrogate.data import read_nb301
from surrogate.generate import (
    Job,
    load_fidelity,
    pending,
    plan_jobs,
    run_jobs,
    uniform_archs,
)


def test_plan_is_prefix_stable():
    a = uniform_archs(250, seed=3)
    b = uniform_archs(130, seed=3)
    assert a[:130] == b
    assert uniform_archs(5, seed=4) != uniform_archs(5, seed=3)


def test_plan_multi_seed_every():
    jobs = plan_jobs(uniform_archs(10, seed=0), "rs", multi_seed_every=5, n_seeds=3)
    assert len(jobs) == 10 + 2 * 2
    assert [j.seed for j in jobs[:3]] == [0, 1, 2]


def test_run_writes_nb301_schema_and_resumes(tmp_path, idx_root):
    fid = load_fidelity("tiny")
    jobs = plan_jobs(uniform_archs(3, seed=1), "rs", multi_seed_every=3, n_seeds=2)
    out = tmp_path / "res"
    s1 = run_jobs(jobs, out, fid, workers=1, data_root=str(idx_root), device="cpu", max_jobs=2)
    assert s1.done == 2 and len(pending(jobs, out, fid)) == len(jobs) - 2
    s2 = run_jobs(jobs, out, fid, workers=1, data_root=str(idx_root), device="cpu")
    assert s2.skipped == 2 and s2.done == len(jobs) - 2
    rec = json.loads(next(out.glob("rs/results_*.json")).read_text())
    for key in (
        "optimized_hyperparamater_config",
        "budget",
        "runtime",
        "test_accuracy",
        "info",
        "seed",
        "fidelity",
        "flops",
        "learning_curves",
    ):
        assert key in rec
    for key in ("val_accuracy", "train_accuracy", "model_parameters", "epochs"):
        assert key in rec["info"][0]
    ds, report = read_nb301(out)
    assert len(ds) == len(jobs) and report.problems == []


def test_same_seed_same_result(tmp_path, idx_root):
    fid = load_fidelity("tiny")
    g = uniform_archs(1, seed=2)
    a = run_jobs([Job(g[0], 0, "x")], tmp_path / "a", fid, workers=1, data_root=str(idx_root), device="cpu")
    b = run_jobs([Job(g[0], 0, "x")], tmp_path / "b", fid, workers=1, data_root=str(idx_root), device="cpu")
    ra = json.loads(next((tmp_path / "a").glob("x/*.json")).read_text())
    rb = json.loads(next((tmp_path / "b").glob("x/*.json")).read_text())
    assert a.done == b.done == 1
    assert ra["info"][0]["val_accuracy"] == rb["info"][0]["val_accuracy"]
    assert ra["learning_curves"]["train_loss"] == rb["learning_curves"]["train_loss"]


def test_kill_mid_run_then_resume_loses_and_duplicates_nothing(tmp_path, idx_root):
    out = tmp_path / "res"
    cmd = [
        sys.executable,
        "-m",
        "surrogate.cli",
        "generate",
        "--fidelity",
        "tiny",
        "-n",
        "8",
        "--multi-seed-every",
        "4",
        "--out",
        str(out),
        "--workers",
        "1",
        "--device",
        "cpu",
        "--data-root",
        str(idx_root),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("*/results_*.json"))) < 2:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {p.name: p.read_bytes() for p in out.glob("*/results_*.json")}
    assert 2 <= len(before) < 12, "the kill should land mid-run"
    for p in before:  # every file that exists is complete JSON
        json.loads((out / "rs" / p).read_text())
    done = subprocess.run(cmd + ["--json"], capture_output=True, text=True, check=True)
    summary = json.loads(done.stdout)
    after = {p.name: p.read_bytes() for p in out.glob("*/results_*.json")}
    assert len(after) == 8 + 2 * 2 == summary["jobs"]
    assert summary["already_done"] == len(before)
    assert all(after[k] == v for k, v in before.items()), "finished results must not be rewritten"


def test_generate_on_the_real_fashion_mnist(tmp_path):
    from surrogate.generate._images import default_root

    if not (default_root() / "train-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    out = tmp_path / "res"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "surrogate.cli",
            "generate",
            "--fidelity",
            "tiny",
            "-n",
            "1",
            "--out",
            str(out),
            "--workers",
            "1",
            "--device",
            "cpu",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["done"] == 3
    recs = [json.loads(p.read_text()) for p in out.glob("rs/*.json")]
    # real images: even a one-epoch tiny network beats chance (10%) clearly
    assert all(r["info"][0]["val_accuracy"] > 20 for r in recs)


def test_ray_local_instance_writes_the_same_results(tmp_path, idx_root):
    """The --ray-address path on a local Ray instance (skipped where the optional extra is absent)."""
    ray = pytest.importorskip("ray")
    fid = load_fidelity("tiny")
    jobs = plan_jobs(uniform_archs(2, seed=3), "rs", multi_seed_every=2, n_seeds=2)  # 3 jobs
    try:
        s = run_jobs(jobs, tmp_path / "ray", fid, workers=2, data_root=str(idx_root), device="cpu", ray_address="local")
    finally:
        ray.shutdown()
    assert s.done == len(jobs) and pending(jobs, tmp_path / "ray", fid) == []
    local = run_jobs(jobs[:1], tmp_path / "pool", fid, workers=1, data_root=str(idx_root), device="cpu")
    assert local.done == 1
    name = next((tmp_path / "pool").glob("rs/*.json")).name
    a = json.loads((tmp_path / "ray" / "rs" / name).read_text())
    b = json.loads((tmp_path / "pool" / "rs" / name).read_text())
    assert a["info"][0]["val_accuracy"] == b["info"][0]["val_accuracy"]  # same seed, same result


def test_skewed_plan_is_prefix_stable_and_apart_from_uniform(tmp_path, idx_root):
    from surrogate.generate import sampled_archs

    assert sampled_archs(230, seed=0, sampler="skewed")[:130] == sampled_archs(130, seed=0, sampler="skewed")
    assert sampled_archs(5, seed=0, sampler="skewed") != uniform_archs(5, seed=0)
    assert sampled_archs(5, seed=0, sampler="uniform") == uniform_archs(5, seed=0)
    with pytest.raises(ValueError, match="unknown sampler"):
        sampled_archs(1, sampler="sobol")
    out = tmp_path / "res"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "surrogate.cli",
            "generate",
            "--fidelity",
            "tiny",
            "-n",
            "2",
            "--sampler",
            "skewed",
            "--multi-seed-every",
            "5",
            "--n-seeds",
            "1",
            "--out",
            str(out),
            "--workers",
            "1",
            "--device",
            "cpu",
            "--data-root",
            str(idx_root),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["done"] == 2
    assert sorted(p.parent.name for p in out.glob("*/results_*.json")) == ["skewed", "skewed"]


def test_max_seconds_bounds_the_wall_time(tmp_path, idx_root):
    """The CPU form of the documented GPU command: many jobs, two workers, a wall-time bound."""
    out = tmp_path / "res"
    t0 = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "surrogate.cli",
            "generate",
            "--device",
            "cpu",
            "--workers",
            "2",
            "--max-seconds",
            "5",
            "--fidelity",
            "tiny",
            "--sampler",
            "uniform",
            "-n",
            "200",
            "--out",
            str(out),
            "--data-root",
            str(idx_root),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert time.perf_counter() - t0 < 5.0 + 45.0  # the bound, plus start-up (imports) and stopping the workers
    s = json.loads(done.stdout)
    assert s["stopped_at_deadline"] and 0 <= s["done"] < s["jobs"]
    assert len(list(out.glob("rs/results_*.json"))) == s["done"]
    assert not list(out.glob(".locks/*.lock"))


def test_every_result_carries_a_reference_step_timed_before_its_own_job(tmp_path, idx_root, monkeypatch):
    """The runtime target differs by machine, load and code version for the same work; each file
    carries one timed DARTS_V2 step, taken right before its job (the load a worker trains under
    changes over its hours), to divide that out."""
    from surrogate.generate import _reference

    fid = load_fidelity("tiny")
    real = _reference.reference_step_seconds
    assert 0 < real(fid, *_tiny_train(fid, idx_root)) < 10
    timings = iter([0.5, 0.7])
    monkeypatch.setattr(_reference, "reference_step_seconds", lambda *a, **k: next(timings))
    jobs = plan_jobs(uniform_archs(2, seed=4), "rs", multi_seed_every=1, n_seeds=1)
    run_jobs(jobs, tmp_path, fid, workers=1, data_root=str(idx_root), device="cpu")
    steps = [json.loads(j.path(tmp_path).read_text())["hardware"]["reference_step_seconds"] for j in jobs]
    assert steps == [0.5, 0.7]


def _tiny_train(fid, idx_root):
    from surrogate.generate._images import load_fashion_mnist
    from surrogate.generate._train import prepare_tensors

    data = prepare_tensors(load_fashion_mnist(str(idx_root)), fid)
    return data.x_train, data.y_train


def test_reference_step_leaves_the_training_of_the_jobs_alone(idx_root):
    import torch

    from surrogate.generate._images import load_fashion_mnist
    from surrogate.generate._reference import reference_step_seconds
    from surrogate.generate._train import prepare_tensors

    fid = load_fidelity("tiny")
    data = prepare_tensors(load_fashion_mnist(str(idx_root)), fid)
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    reference_step_seconds(fid, data.x_train, data.y_train)
    assert torch.equal(torch.rand(3), before)
