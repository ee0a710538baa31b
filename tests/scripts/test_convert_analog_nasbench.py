"""scripts/convert_analog_nasbench.py: the restricted reader, the conversion, the shipped table."""

from __future__ import annotations

import csv
import json
import pickle
import sys
import types
from itertools import product
from pathlib import Path

import numpy as np
import pytest

from surrogate.space import nb201

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "training_data" / "nb201_analog" / "nb201_analog.parquet"


@pytest.fixture(scope="module")
def conv(script):
    return script("convert_analog_nasbench")


def _fake_anb(chance_when_disconnected_as) -> bytes:
    """A data file shaped like analog-nasbench's, with synthetic numbers (unit-test data only).

    Cells sit at chance (10 %) exactly when they have no input-output path when read as
    ``"naslib"`` tuples or as ``"nb201"`` tuples; others at 85 % + a tenth of the first index.
    """
    mod = types.ModuleType("analognasbench.data")

    class Architecture:
        pass

    class DriftMeasurement:
        pass

    for cls in (Architecture, DriftMeasurement):
        cls.__module__ = "analognasbench.data"
        cls.__qualname__ = cls.__name__
        setattr(mod, cls.__name__, cls)
    keys = list(product(range(5), repeat=6))
    if chance_when_disconnected_as == "naslib":
        cells = [nb201.Cell201.from_naslib(k) for k in keys]
    else:
        cells = [nb201.Cell201(k) for k in keys]
    connected = nb201.live_edge_mask(nb201.to_array(cells)).any(axis=1)
    parent = types.ModuleType("analognasbench")
    parent.data = mod  # type: ignore[attr-defined]
    sys.modules["analognasbench"], sys.modules["analognasbench.data"] = parent, mod
    try:
        data = {}
        for key, on in zip(keys, connected):
            rec = Architecture()
            rec.architecture = key
            rec.baseline_accuracy = 85.0 + key[0] / 10 if on else 10.0
            for name in ("ptq_accuracy", "qat_accuracy", "noisy_accuracy", "analog_accuracy"):
                setattr(rec, name, 50.0)
            for kind in ("baseline", "analog"):
                for t in (60, 3600, 86400, 2592000):
                    d = DriftMeasurement()
                    d.value, d.uncertainty = 40.0, 1.5
                    setattr(rec, f"{kind}_drift_{t}", d)
            data[key] = rec
        return pickle.dumps(data)
    finally:
        del sys.modules["analognasbench.data"], sys.modules["analognasbench"]


def test_converts_naslib_tuples_to_nb201_strings(conv, tmp_path):
    table = conv.convert(conv.read_anb(_fake_anb("naslib")))
    assert len(table["arch"]) == nb201.SPACE_SIZE
    assert [nb201.to_index(c) for c in nb201.parse(table["arch"])] == list(range(nb201.SPACE_SIZE))
    row = table["naslib_indices"].index("2,2,0,2,2,2")
    assert (
        table["arch"][row]
        == "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    )
    assert table["val_accuracy"][row] == 85.2
    assert table["baseline_drift_60"][row] == 40.0 and table["baseline_drift_60_std"][row] == 1.5
    conv.check(table)  # consistent data passes
    for suffix in (".parquet", ".csv", ".jsonl"):
        out = tmp_path / f"t{suffix}"
        conv.write(table, out)
        assert out.exists() and not list(tmp_path.glob(".*tmp"))
    with open(tmp_path / "t.csv") as f:
        first = next(csv.DictReader(f))
    assert nb201.parse(first["arch"]) == nb201.from_index(0) and float(first["val_accuracy"]) == 10.0
    # row 1 is NB201 index 1: skip_connect on 3<-2 only; NASLib writes none as 1 and skip as 0
    second = json.loads((tmp_path / "t.jsonl").read_text().splitlines()[1])
    assert second["arch"] == "|none~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|"
    assert second["naslib_indices"] == "1,1,1,1,1,0"


def test_check_catches_a_wrong_edge_or_op_reading(conv):
    # data whose chance-level cells follow NB201 string order, not NASLib's: the check must fail
    table = conv.convert(conv.read_anb(_fake_anb("nb201")))
    with pytest.raises(ValueError, match="op/edge reading is wrong"):
        conv.check(table)


def test_reader_refuses_any_other_global(conv):
    import collections

    with pytest.raises(pickle.UnpicklingError, match="refusing to load collections.OrderedDict"):
        conv.read_anb(pickle.dumps({(0,) * 6: collections.OrderedDict()}))
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        conv.read_anb(pickle.dumps(print))
    with pytest.raises(ValueError, match="expected 15625 cells"):
        conv.convert({})


def test_main_reports_errors_without_traceback(conv, tmp_path, capsys):
    bad = tmp_path / "data.anb"
    bad.write_bytes(pickle.dumps([1, 2]))
    assert conv.main([str(bad), "--out", str(tmp_path / "x.parquet")]) == 1
    assert "error: expected a dict" in capsys.readouterr().err


@pytest.mark.skipif(not SHIPPED.exists(), reason="the shipped table is not in this checkout")
def test_shipped_table_is_consistent_with_the_nb201_reading():
    import pyarrow.parquet as pq

    t = pq.read_table(SHIPPED).to_pydict()
    cells = nb201.parse(t["arch"])
    assert [nb201.to_index(c) for c in cells] == list(range(nb201.SPACE_SIZE))
    acc = np.asarray(t["val_accuracy"])
    connected = nb201.live_edge_mask(nb201.to_array(cells)).any(axis=1)
    assert np.all(acc[~connected] == 10.0) and np.all(acc[connected] > 30)
    assert all(
        nb201.Cell201.from_naslib(tuple(map(int, s.split(",")))) == c for s, c in zip(t["naslib_indices"], cells)
    )
    # isomorphic cells were trained separately yet agree closely: the hash groups real equals
    groups: dict[str, list[float]] = {}
    for c, a in zip(cells, acc):
        groups.setdefault(nb201.arch_hash(c), []).append(a)
    spread = np.mean([np.std(v) for v in groups.values() if len(v) > 1 and min(v) > 10])
    assert spread < 0.5 < acc[connected].std()
