"""Fixtures for the end-to-end CLI tests: small real NB201 data, tiny NB301-format trees, fast params.

The NB201 rows are a seeded sample of ``training_data/nb201_analog`` (real CIFAR-10 results, see
its README). The NB301-format trees are written by ``tests/data/nb301_fixtures.py`` with
synthetic targets: they exercise the plumbing only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
NB201 = ROOT / "training_data" / "nb201_analog" / "nb201_analog.parquet"
sys.path.insert(0, str(ROOT / "tests" / "data"))

from nb301_fixtures import build_tree  # noqa: E402

#: Hyperparameters that keep each family's fit well under a second on a few hundred rows.
FAST = {
    "xgb": {"n_estimators": 20, "n_jobs": 1},
    "lgb": {"n_estimators": 20, "n_jobs": 1},
    "rf": {"n_estimators": 10, "n_jobs": 1},
    "knn": {"n_neighbors": 5},
    "gin": {"epochs": 3, "hidden_dim": 8, "n_layers": 2, "batch_size": 32},
}


def write_params(path: Path, params: dict) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(params))
    return path


@pytest.fixture(scope="session")
def nb201_table(tmp_path_factory) -> Path:
    """300 seeded rows of the real NB201 table, as a plain Parquet table (no Dataset metadata)."""
    import pyarrow.parquet as pq

    if not NB201.is_file():
        pytest.skip(f"{NB201} is not in this checkout")
    table = pq.read_table(NB201)
    rows = np.sort(np.random.default_rng(0).choice(table.num_rows, 300, replace=False))
    path = tmp_path_factory.mktemp("nb201") / "nb201_sample.parquet"
    pq.write_table(table.take(rows).select(["arch", "val_accuracy", "epochs", "source"]), path)
    return path


@pytest.fixture(scope="session")
def nb301_tree(tmp_path_factory) -> Path:
    """An official-format result tree: 40 architectures from 'rs' and 20 from 're' (synthetic values)."""
    root = tmp_path_factory.mktemp("tree") / "nb301"
    build_tree(root, {"rs": 40, "re": 20}, seed=0)
    return root


@pytest.fixture()
def params_file(tmp_path):
    """Factory: ``params_file("xgb")`` -> a YAML file of :data:`FAST` parameters."""

    def make(family: str, **extra) -> Path:
        return write_params(tmp_path / f"{family}-fast.yaml", {**FAST[family], **extra})

    return make


@pytest.fixture()
def cli(capsys):
    """Run ``surrogate ARGS`` in-process: returns ``(exit code, stdout, stderr)``; ``--json`` output
    is parsed with ``cli.json(*args)``."""
    from surrogate.cli import main

    class Runner:
        def __call__(self, *args: str) -> tuple[int, str, str]:
            code = main([str(a) for a in args])
            out, err = capsys.readouterr()
            return code, out, err

        def json(self, *args: str) -> dict:
            code, out, err = self(*args, "--json", "--no-progress")
            assert code == 0, err
            return json.loads(out)

    return Runner()


@pytest.fixture()
def torch_one_thread():
    """Run torch on one thread for the test, then restore: tiny GIN fits are several times slower
    with torch's OpenMP threads on a busy machine (measured 7x on 2 loaded cores)."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
