"""A tiny benchmark assembled from synthetic evaluations (plumbing only: not surrogate quality)."""

import json

import numpy as np
import pytest

from surrogate.assemble import assemble_benchmark
from surrogate.data import Dataset
from surrogate.encode import features
from surrogate.space import sample

FIDELITY = {"name": "tiny", "layers": 3, "channels": 4, "resolution": 7}


def synthetic_dataset(n_archs: int = 120, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    archs = sample(n_archs, rng=rng)
    X = features(archs)
    w = rng.standard_normal(X.shape[1]) * 0.3
    truth = 85 + X @ w / np.sqrt(X.shape[1])
    records = []
    for i, g in enumerate(archs):
        for s in range(3 if i % 4 == 0 else 1):
            records.append(
                {
                    "arch": g,
                    "val_accuracy": float(truth[i] + 0.3 * rng.standard_normal()),
                    "test_accuracy": float(truth[i]),
                    "train_time": float(20 + X[i, :10].sum() + rng.random()),
                    "params": 1000,
                    "epochs": 1,
                    "seed": s,
                    "source": "rs",
                    "fidelity": json.dumps(FIDELITY, sort_keys=True),
                }
            )
    return Dataset.from_records(records)


@pytest.fixture(scope="session")
def bench_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "b"
    assemble_benchmark(
        synthetic_dataset(),
        out,
        models=[("val_accuracy", "xgb"), ("train_time", "lgb")],
        n_members=3,
        params={"xgb": {"n_estimators": 40}, "lgb": {"n_estimators": 40}, "train_time-lgb": {"n_estimators": 30}},
        progress=False,
    )
    return out


@pytest.fixture(name="synthetic_dataset")
def _synthetic_dataset_fixture():
    """:func:`synthetic_dataset` for tests (a fixture: ``from conftest import`` breaks under xdist)."""
    return synthetic_dataset
