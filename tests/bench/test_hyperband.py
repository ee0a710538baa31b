"""bench/hyperband.py: cross-fitted oracles answer only for architectures their fit left out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench(load_bench):
    with load_bench("hyperband", "bench_hyperband") as module:
        yield module


class _Fixed:
    """A stand-in benchmark answering a constant curve, to see which one answered."""

    epochs = 3

    def __init__(self, value):
        self.value = value

    def predict_curve(self, archs, with_noise=False, seed=None):
        return np.full((len(archs), 3), self.value)

    def elapsed_time(self, archs):
        return np.tile([1.0, 2.0, 3.0], (len(archs), 1)) * self.value


def test_cross_fitted_routes_each_architecture_to_its_fold(bench):
    from surrogate.space import arch_hash, sample

    archs = sample(7, rng=0)
    fold_of = {arch_hash(a): i % 3 for i, a in enumerate(archs)}
    oracle = bench.CrossFitted([_Fixed(10.0), _Fixed(20.0), _Fixed(30.0)], fold_of)
    curves = oracle.predict_curve(archs, with_noise=True, seed=1)
    assert curves.shape == (7, 3)
    np.testing.assert_array_equal(curves[:, 0], [10.0 * (1 + i % 3) for i in range(7)])
    np.testing.assert_array_equal(oracle.elapsed_time(archs)[:, -1], 3 * curves[:, 0])


def test_real_seed_answers_that_seeds_curves(bench):
    from surrogate.data import read_nb301
    from surrogate.space import arch_hash

    ds, _ = read_nb301(ROOT / "training_data/fmnist/pilot2/pilot2-f14-c8l5-n15k-e3", progress=False)
    oracle = bench.RealSeed(ds, 1)
    row = int(np.flatnonzero(ds.column("seed") == 1)[0])
    genotype = ds.genotypes()[row]
    same = [i for i in range(len(ds)) if ds.column("arch_hash")[i] == arch_hash(genotype) and ds.column("seed")[i] == 1]
    expected = np.mean([ds.table.column("val_curve")[i].as_py() for i in same], axis=0)
    np.testing.assert_allclose(oracle.predict_curve([genotype])[0], expected)
    assert np.all(np.diff(oracle.elapsed_time([genotype])[0]) > 0)


def test_runs_end_to_end_on_the_shipped_curves(bench, tmp_path, capsys):
    out = tmp_path / "hb.json"
    assert bench.main(["--folds", "2", "--members", "2", "--repeats", "2", "--seeds", "0", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["pool"] >= 20 and result["epochs"] == 3
    for name in ("surrogate", "real seed 0"):
        tau = result["mean"][name]["kendall_tau_last_rung"]
        assert -1 <= tau <= 1
    assert "last-rung tau" in capsys.readouterr().out
