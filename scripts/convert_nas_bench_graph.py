#!/usr/bin/env python
"""Convert NAS-Bench-Graph's evaluations (PyPI package ``nas-bench-graph``) to generic-cell tables.

NAS-Bench-Graph (Qin et al., NeurIPS 2022 Datasets and Benchmarks; THUMNLab) trained all 26,206
non-isomorphic graph neural networks of one cell space on each of nine graph data sets. A cell
has an input node and four computing nodes; each computing node takes exactly one earlier node
as input (``link``, 0 = the input, k = computing node k) and applies one op (``ops``: ``gat``,
``gcn``, ``gin``, ``cheb``, ``sage``, ``arma``, ``graph``, ``fc``, ``skip``); every computing node
without a successor feeds the output. The package ships one "light" table per data set,
``nas_bench_graph/light/<name>.bench``: a pickle of ``{key: {"valid_perf", "perf", "latency",
"para"}}`` keyed by the package's ``Arch.valid_hash()``.

This script takes the architectures from the package's own enumeration
(``nas_bench_graph.all_archs``; those are the package's canonical forms) and their keys from
``Arch.valid_hash``, but never lets the package read a data file: the pickle is read by an
unpickler that allows only numpy's float scalars (``numpy.core.multiarray.scalar`` of a plain
``numpy.dtype``, rebuilt here from their bytes) and refuses every other global.

Each architecture becomes a generic cell (``docs/generic-format.md``) with ops on nodes::

    {"nodes": ["input", op_1, op_2, op_3, op_4, "output"],
     "edges": [[link_k, k] for k = 1..4] + [[k, 5] for every computing node k without a successor]}

Columns written: ``arch`` (the cell's JSON), ``val_accuracy`` (= 100 x ``valid_perf``),
``test_accuracy`` (100 x ``perf``), ``params`` (``para`` is in millions; written as a count),
``source`` (``nas-bench-graph``), ``dataset``, ``latency`` (s), ``bench_key`` (the package's key),
``link`` and ``ops`` (the package's lists, comma-separated). ``proteins`` uses another op list and
holds 2,021 of its architectures; it is not converted.

Examples
--------
  pip install --no-deps nas-bench-graph==1.4.0
  python scripts/convert_nas_bench_graph.py cora arxiv          # -> training_data/nas_bench_graph/
  python scripts/convert_nas_bench_graph.py pubmed --out-dir /tmp/nbg --format jsonl
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.resources
import io
import math
import pickle  # only for the restricted reader below; nothing here pickles anything
import sys
from pathlib import Path

import numpy as np
from _columns import write_columns

from surrogate.space import generic

DEFAULT_OUT_DIR = Path(__file__).resolve().parents[1] / "training_data" / "nas_bench_graph"
DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv")
N_ARCHS = 26_206
_FLOAT_CODES = {"f8", "f4"}


class _DType:
    """Stands in for ``numpy.dtype`` while unpickling: keeps the type code and byte order only."""

    def __init__(self, code: object, align: object = False, copy: object = False) -> None:
        if code not in _FLOAT_CODES:
            raise pickle.UnpicklingError(f"refusing numpy dtype {code!r}: only float scalars are expected")
        self.code = code
        self.order = "<"

    def __setstate__(self, state: object) -> None:
        if not isinstance(state, tuple) or len(state) < 2 or state[1] not in ("<", ">", "|", "="):
            raise pickle.UnpicklingError(f"unexpected numpy dtype state {state!r:.80}")
        self.order = "<" if state[1] in ("|", "=") else state[1]


def _scalar(dtype: object, data: object = None) -> float:
    if not isinstance(dtype, _DType) or not isinstance(data, bytes):
        raise pickle.UnpicklingError("a numpy scalar must be a float dtype and its bytes")
    value = np.frombuffer(data, dtype=np.dtype(dtype.order + dtype.code))
    if value.shape != (1,):
        raise pickle.UnpicklingError(f"a numpy scalar of {len(data)} bytes for dtype {dtype.code}")
    return float(value[0])


class _RestrictedUnpickler(pickle.Unpickler):
    _GLOBALS = {
        ("numpy", "dtype"): _DType,
        ("numpy.core.multiarray", "scalar"): _scalar,
        ("numpy._core.multiarray", "scalar"): _scalar,
    }

    def find_class(self, module: str, name: str) -> object:
        try:
            return self._GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: not part of a NAS-Bench-Graph table")


def read_bench(raw: bytes) -> dict[int, dict[str, float]]:
    """The ``{key: {valid_perf, perf, latency, para}}`` dict of a ``.bench`` file."""
    data = _RestrictedUnpickler(io.BytesIO(raw)).load()
    if not isinstance(data, dict):
        raise ValueError(f"expected a dict in the bench file, got {type(data).__name__}")
    for key, rec in data.items():
        if not isinstance(key, int) or not isinstance(rec, dict):
            raise ValueError(f"entry {key!r:.40}: expected an int key and a dict record")
    return data


def bench_bytes(name: str) -> bytes:
    """The light table of data set ``name`` from the installed ``nas_bench_graph`` package."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose from {', '.join(DATASETS)}")
    try:
        files = importlib.resources.files("nas_bench_graph")
    except ModuleNotFoundError:
        raise ValueError("nas_bench_graph is not installed: pip install --no-deps nas-bench-graph==1.4.0") from None
    return (files / "light" / f"{name}.bench").read_bytes()


def architectures() -> list[tuple[list[int], list[str], int]]:
    """``(link, ops, key)`` of every architecture, from the package's own enumeration and hash."""
    try:
        from nas_bench_graph.architecture import all_archs
    except ModuleNotFoundError:
        raise ValueError("nas_bench_graph is not installed: pip install --no-deps nas-bench-graph==1.4.0") from None
    with contextlib.redirect_stdout(io.StringIO()):  # all_archs prints the count
        archs = all_archs()
    return [(list(a.link), list(a.ops), a.valid_hash()) for a in archs]


def cell(link: list[int], ops: list[str]) -> generic.GenericCell:
    """The generic cell of one architecture (see the module docstring)."""
    if len(link) != len(ops) or any(not 0 <= p <= k for k, p in enumerate(link)):
        raise ValueError(f"link {link} does not fit ops {ops}: node k+1 takes input 0..k")
    n = len(ops)
    parents = set(link)
    edges = [[p, k + 1] for k, p in enumerate(link)]
    edges += [[k, n + 1] for k in range(1, n + 1) if k not in parents]
    return generic.from_dict({"nodes": ["input", *ops, "output"], "edges": edges})


def _float(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise ValueError(f"{what}: expected a finite number, got {x!r}")
    return float(x)


def convert(data: dict, name: str, archs: list[tuple[list[int], list[str], int]]) -> dict[str, list]:
    """Columns of the converted table for data set ``name``, one row per architecture."""
    keys = [k for _, _, k in archs]
    if len(set(keys)) != len(keys):
        raise ValueError("two architectures of the enumeration share a key")
    missing = [k for k in keys if k not in data]
    if missing or len(data) != len(keys):
        raise ValueError(
            f"{name}: the table has {len(data)} entries for {len(keys)} architectures "
            f"({len(missing)} missing, e.g. key {missing[:1]})"
        )
    cols: dict[str, list] = {c: [] for c in ("arch", "val_accuracy", "test_accuracy", "params", "source", "dataset")}
    cols.update(latency=[], bench_key=[], link=[], ops=[])
    for link, ops, key in archs:
        rec = data[key]
        cols["arch"].append(cell(link, ops).to_string())
        cols["val_accuracy"].append(100 * _float(rec.get("valid_perf"), f"{name} key {key} valid_perf"))
        cols["test_accuracy"].append(100 * _float(rec.get("perf"), f"{name} key {key} perf"))
        cols["params"].append(round(1e6 * _float(rec.get("para"), f"{name} key {key} para")))
        cols["source"].append("nas-bench-graph")
        cols["dataset"].append(name)
        cols["latency"].append(_float(rec.get("latency"), f"{name} key {key} latency"))
        cols["bench_key"].append(int(key))
        cols["link"].append(",".join(map(str, link)))
        cols["ops"].append(",".join(ops))
    return cols


def check(table: dict[str, list]) -> list[str]:
    """Sanity checks of the conversion; returns lines to print."""
    val = np.asarray(table["val_accuracy"])
    test = np.asarray(table["test_accuracy"])
    if not (np.all((val >= 0) & (val <= 100)) and np.all((test >= 0) & (test <= 100))):
        raise ValueError("accuracies outside [0, 100]: valid_perf/perf are not fractions")
    hashes = {generic.arch_hash(generic.parse(a)) for a in table["arch"]}
    from scipy.stats import kendalltau

    best = int(np.argmax(val))
    return [
        f"{table['dataset'][0]}: {len(val)} architectures, {len(hashes)} distinct cell hashes; "
        f"val_accuracy {val.min():.2f}..{val.max():.2f} (mean {val.mean():.2f}, {len(np.unique(val))} distinct); "
        f"Kendall tau(val, test) {kendalltau(val, test)[0]:.3f}",
        f"  best by val_accuracy: link {table['link'][best]} ops {table['ops'][best]} "
        f"val {val[best]:.2f} test {test[best]:.2f}",
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("datasets", nargs="+", choices=DATASETS, metavar="DATASET", help=f"of {', '.join(DATASETS)}")
    p.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, help=f"default: {DEFAULT_OUT_DIR}")
    p.add_argument("--format", choices=["parquet", "jsonl"], default="parquet")
    args = p.parse_args(argv)
    try:
        archs = architectures()
        for name in args.datasets:
            table = convert(read_bench(bench_bytes(name)), name, archs)
            for line in check(table):
                print(line)
            out = args.out_dir / f"{name}.{args.format}"
            write_columns(table, out)
            print(f"wrote {len(table['arch'])} rows, {len(table)} columns to {out}")
    except (OSError, ValueError, pickle.UnpicklingError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
