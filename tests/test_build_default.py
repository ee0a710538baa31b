"""scripts/build_default.py reads back exactly the shipped data each shipped benchmark is fit on."""

import collections
import sys
from pathlib import Path

import pytest

from surrogate.data import Dataset

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
build_default = pytest.importorskip("build_default")


def test_load_shipped_rebuilds_the_default_parquet():
    """The default benchmark's table, from its result files: the same rows, same fingerprint
    (settings added to the fidelity after the files were written must not drop them)."""
    shipped = Dataset.read_parquet(ROOT / "training_data/fmnist/default.parquet")
    rebuilt = build_default.load_shipped("default")
    assert len(rebuilt) == len(shipped)
    assert rebuilt.fingerprint() == shipped.fingerprint()


def test_new_fidelity_data_leave_out_the_corner_cells():
    ds = build_default.load_shipped("pilot2-f14-c8l5-n15k-e3")
    sources = collections.Counter(ds.column("source").tolist())
    assert "corner" not in sources
    assert {"pilot", "rs", "skewed"} <= set(sources)
    assert len(set(ds.column("fidelity").tolist())) == 1
