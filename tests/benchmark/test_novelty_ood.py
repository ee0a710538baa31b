"""The feature-distance OOD detector in a benchmark: fit at assembly, verified on load, used by query."""

import json
import shutil

import numpy as np
import pytest

import surrogate
from surrogate.assemble import add_novelty
from surrogate.benchmark import BenchmarkError
from surrogate.space import CORNERS, sample


def test_assembled_benchmarks_flag_cells_unlike_the_training_data(bench_dir):
    b = surrogate.load(bench_dir)
    assert b.spec["novelty"]["k"] == 5
    uniform = b.query(sample(400, rng=11), seed=0)
    corners = b.query(list(CORNERS.values()), seed=0)
    assert uniform.novelty.shape == (400,) and uniform.ood.mean() < 0.1
    # pooling-only, skip-only, single-op cells lie far from uniform samples (the real-data rates are
    # bench/ood.py's; a 120-architecture synthetic benchmark only shows the direction)
    assert corners.novelty.mean() > np.quantile(uniform.novelty, 0.9) and corners.ood.mean() > 3 * uniform.ood.mean()
    far = corners.novelty > b.spec["novelty"]["threshold"]
    unsure = corners.std > b.spec["models"][b.default_model("val_accuracy")]["ood_std_threshold"]
    np.testing.assert_array_equal(corners.ood, far | unsure)
    one = b.query(CORNERS["all_pooling"], seed=0)
    assert isinstance(one.novelty, float) and one.to_dict()["novelty"] == one.novelty
    assert b.novelty(CORNERS["all_pooling"]) == one.novelty


def test_ood_fires_when_either_detector_does(bench_dir, tmp_path):
    """On the shipped default fit on skewed cells too, the distance flags none of the 11 corner
    cells and the ensemble std flags 4 (all-pooling, all-skip among them): the flag must be raised
    by the std even where the distance stays below its threshold."""
    copy = tmp_path / "b"
    shutil.copytree(bench_dir, copy)
    spec = json.loads((copy / "benchmark.json").read_text())
    name = spec["default"]["val_accuracy"]
    spec["models"][name]["ood_std_threshold"] = 0.0  # every std is above it
    (copy / "benchmark.json").write_text(json.dumps(spec))
    archs = sample(50, rng=3)
    q = surrogate.load(copy).query(archs, seed=0)
    assert (q.novelty <= spec["novelty"]["threshold"]).any()
    assert q.ood.all()


def test_a_modified_detector_is_refused_on_load(bench_dir, tmp_path):
    copy = tmp_path / "b"
    shutil.copytree(bench_dir, copy)
    with np.load(copy / "novelty.npz") as z:
        arrays = dict(z)
    arrays["threshold"] = np.float64(1e9)
    np.savez(copy / "novelty.npz", **arrays)
    with pytest.raises(BenchmarkError, match="novelty.sha256"):
        surrogate.load(copy)


def test_an_older_benchmark_gets_the_detector_from_its_own_data(bench_dir, synthetic_dataset, tmp_path):
    copy = tmp_path / "b"
    shutil.copytree(bench_dir, copy)
    spec = json.loads((copy / "benchmark.json").read_text())
    del spec["novelty"]
    (copy / "benchmark.json").write_text(json.dumps(spec))
    (copy / "novelty.npz").unlink()
    old = surrogate.load(copy)
    assert old.query(sample(3, rng=0)).novelty is None
    with pytest.raises(BenchmarkError, match="no novelty detector"):
        old.novelty(sample(3, rng=0))
    add_novelty(copy, synthetic_dataset())
    again = surrogate.load(copy)
    archs = sample(50, rng=12)
    np.testing.assert_array_equal(again.novelty(archs), surrogate.load(bench_dir).novelty(archs))
    with pytest.raises(ValueError, match="fingerprints differ"):
        add_novelty(copy, synthetic_dataset(seed=1))
