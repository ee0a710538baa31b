#!/usr/bin/env python
"""Convert the NAS-Bench-201 table shipped in the PyPI package ``analog-nasbench`` to our format.

``analog-nasbench`` (AnalogNAS-Bench, IBM) holds all 15,625 NAS-Bench-201 cells trained on
CIFAR-10, with the digital ``baseline_accuracy`` and accuracies under quantisation and analog
in-memory-computing noise and drift. Its data file, ``analognasbench/data.anb``, is a pickle of
``{arch_tuple: analognasbench.data.Architecture}``; the package's own loader needs
``pkg_resources``, which new setuptools no longer ships. This script never imports that package:
it reads the pickle with an unpickler that builds only plain records for the package's two
classes (``Architecture``, ``DriftMeasurement``) and refuses every other global, so the file
cannot run code.

The architecture tuple is NASLib's 6-index form (edges 1<-0, 2<-0, 3<-0, 2<-1, 3<-1, 3<-2; ops
skip_connect, none, nor_conv_3x3, nor_conv_1x1, avg_pool_3x3); it is written out as the NB201
string. The script checks that reading against the data before writing (disconnected cells must
sit at chance accuracy, every connected one above it).

Examples
--------
  pip download --no-deps analog-nasbench==0.1.3 -d /tmp/analog
  python scripts/convert_analog_nasbench.py /tmp/analog/analog_nasbench-0.1.3-py3-none-any.whl
  python scripts/convert_analog_nasbench.py data.anb --out table.csv
"""

from __future__ import annotations

import argparse
import io
import math
import pickle  # only for the restricted reader below; nothing here pickles anything
import sys
import zipfile
from pathlib import Path

import numpy as np
from _columns import write_columns

from surrogate.space import nb201

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "training_data" / "nb201_analog" / "nb201_analog.parquet"
_DATA_MEMBER = "analognasbench/data.anb"
_ALLOWED = {("analognasbench.data", "Architecture"), ("analognasbench.data", "DriftMeasurement")}
_ACCURACIES = ("ptq_accuracy", "qat_accuracy", "noisy_accuracy", "analog_accuracy")
_DRIFTS = tuple(f"{kind}_drift_{t}" for kind in ("baseline", "analog") for t in (60, 3600, 86400, 2592000))


class _Record:
    """A plain attribute bag standing in for the package's classes; it runs no code of theirs."""

    def __setstate__(self, state: dict) -> None:
        if not isinstance(state, dict):
            raise pickle.UnpicklingError(f"unexpected object state {type(state).__name__}")
        self.__dict__.update(state)


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> type:
        if (module, name) in _ALLOWED:
            return type(name, (_Record,), {})
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: not a record of analog-nasbench")


def read_anb(raw: bytes) -> dict:
    """The ``{arch_tuple: record}`` dict of an ``analog-nasbench`` data file."""
    data = _RestrictedUnpickler(io.BytesIO(raw)).load()
    if not isinstance(data, dict):
        raise ValueError(f"expected a dict in the data file, got {type(data).__name__}")
    return data


def _load(path: Path) -> dict:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as z:
            if _DATA_MEMBER not in z.namelist():
                raise ValueError(f"{path}: no {_DATA_MEMBER} in this wheel; is it analog-nasbench?")
            return read_anb(z.read(_DATA_MEMBER))
    return read_anb(path.read_bytes())


def _float(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise ValueError(f"{what}: expected a finite number, got {x!r}")
    return float(x)


def convert(data: dict) -> dict[str, list]:
    """Columns of the converted table, one row per cell, in NB201 index order."""
    if len(data) != nb201.SPACE_SIZE:
        raise ValueError(f"expected {nb201.SPACE_SIZE} cells, got {len(data)}")
    rows = []
    for key, rec in data.items():
        if tuple(getattr(rec, "architecture", ())) != tuple(key):
            raise ValueError(f"record of {key} names another architecture: {getattr(rec, 'architecture', None)}")
        cell = nb201.Cell201.from_naslib(tuple(key))
        row = {
            "arch": cell.to_string(),
            "val_accuracy": _float(rec.baseline_accuracy, f"{key} baseline_accuracy"),
            "epochs": 200,
            "source": "analog-nasbench",
            "naslib_indices": ",".join(str(i) for i in key),
        }
        for name in _ACCURACIES:
            row[name] = _float(getattr(rec, name), f"{key} {name}")
        for name in _DRIFTS:
            drift = getattr(rec, name)
            if isinstance(drift, (int, float)):
                value, std = drift, 0.0
            else:
                value, std = drift.value, drift.uncertainty
            row[name] = _float(value, f"{key} {name}")
            row[f"{name}_std"] = _float(std, f"{key} {name} uncertainty")
        rows.append((nb201.to_index(cell), row))
    rows.sort(key=lambda r: r[0])
    if [i for i, _ in rows] != list(range(nb201.SPACE_SIZE)):
        raise ValueError("the cells are not the 15,625 distinct NB201 cells")
    return {name: [r[name] for _, r in rows] for name in rows[0][1]}


def check(table: dict[str, list]) -> list[str]:
    """Sanity checks of the op/edge reading against the accuracies; returns lines to print."""
    cells = nb201.parse(table["arch"])
    arr = nb201.to_array(cells)
    live_mask = nb201.live_edge_mask(arr)
    acc = np.asarray(table["val_accuracy"])
    live = live_mask.any(axis=1)
    is_conv = np.isin(arr, [nb201.OPS.index(op) for op in nb201.OPS if "conv" in op])
    n_conv = (is_conv & live_mask).sum(axis=1)
    lines = [
        f"cells: {len(cells)}; val_accuracy {acc.min():.2f}..{acc.max():.2f}, mean {acc.mean():.2f}",
        f"disconnected cells (no live input->output path): {(~live).sum()}, accuracy "
        f"{acc[~live].min():.2f}..{acc[~live].max():.2f}",
        f"connected cells: {live.sum()}, accuracy min {acc[live].min():.2f}",
        f"all-'none' cell: {acc[0]:.2f}",
        f"mean live convolutions: top-100 cells {n_conv[np.argsort(-acc)[:100]].mean():.2f}, "
        f"all connected cells {n_conv[live].mean():.2f}",
    ]
    if not np.all(acc[~live] <= 10.5):
        raise ValueError("disconnected cells are not at chance accuracy: the op/edge reading is wrong")
    if not np.all(acc[live] > 10.5):
        raise ValueError("a connected cell sits at chance accuracy: the op/edge reading is wrong")
    keys = nb201.canonical_index(arr)
    by_class: dict[int, list[float]] = {}
    for k, a in zip(keys.tolist(), acc):
        by_class.setdefault(k, []).append(a)
    spread = [np.std(v) for k, v in by_class.items() if len(v) > 1 and min(v) > 10.5]
    lines.append(
        f"isomorphism classes: {len(by_class)}; mean within-class std of accuracy "
        f"{np.mean(spread):.2f} vs {acc[live].std():.2f} over all connected cells"
    )
    lines.append("best cells: " + "; ".join(f"{table['arch'][i]} {acc[i]:.2f}" for i in np.argsort(-acc)[:3]))
    return lines


def write(table: dict[str, list], out: Path) -> None:
    """The table as Parquet, CSV or JSON lines by ``out``'s suffix (scripts/_columns.py)."""
    write_columns(table, out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("source", type=Path, help="the analog-nasbench wheel (.whl) or its data.anb file")
    p.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output .parquet/.csv/.jsonl (default: {DEFAULT_OUT})"
    )
    args = p.parse_args(argv)
    try:
        table = convert(_load(args.source))
        for line in check(table):
            print(line)
        write(table, args.out)
    except (OSError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {len(table['arch'])} rows, {len(table)} columns to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
