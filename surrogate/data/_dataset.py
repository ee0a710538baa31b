"""``Dataset``: one table of architecture evaluations, held as a pyarrow Table.

Every row is one evaluation: one architecture trained once, with one seed, at one fidelity. The
columns every Dataset has (in this order, with these types) are

============== ======= ===========================================================================
arch           string  canonical genotype string (``surrogate.space.canonical_string``)
arch_hash      string  isomorphism-invariant hash (``surrogate.space.arch_hash``)
val_accuracy   float64 validation accuracy, %
test_accuracy  float64 test accuracy, %; NaN when not measured
train_time     float64 training time, s; NaN when not known
params         int64   model parameters; -1 when not known
epochs         int64   training epochs (the fidelity); -1 when not known
seed           int64   training seed; -1 when not known (or averaged over seeds)
source         string  where the architecture came from, e.g. the optimizer that proposed it
============== ======= ===========================================================================

and any further ("extra") columns a reader or user adds after them. The search space is kept in
the schema metadata (``surrogate.space``, default ``"darts"``), so it survives a Parquet round
trip.

Examples
--------
>>> from surrogate.space import sample
>>> g = sample(2, rng=0)
>>> ds = Dataset.from_records([
...     {"arch": g[0], "val_accuracy": 91.0, "seed": 0},
...     {"arch": g[0], "val_accuracy": 93.0, "seed": 1},
...     {"arch": g[1], "val_accuracy": 90.0, "seed": 0},
... ])
>>> len(ds), ds.column("val_accuracy").tolist()
(3, [91.0, 93.0, 90.0])
>>> means = ds.mean_over_seeds()
>>> means.column("val_accuracy").tolist(), means.column("n_seeds").tolist()
([92.0, 90.0], [2, 1])
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from surrogate._util import atomic_path
from surrogate.spaces import get_space

from ._checks import MISSING_INT

#: The columns every Dataset has, in order, with their Arrow types.
SCHEMA = pa.schema(
    [
        ("arch", pa.string()),
        ("arch_hash", pa.string()),
        ("val_accuracy", pa.float64()),
        ("test_accuracy", pa.float64()),
        ("train_time", pa.float64()),
        ("params", pa.int64()),
        ("epochs", pa.int64()),
        ("seed", pa.int64()),
        ("source", pa.string()),
    ]
)
REQUIRED = tuple(SCHEMA.names)

#: Values that stand for "not given" in the columns a source may lack.
MISSING = {
    "test_accuracy": math.nan,
    "train_time": math.nan,
    "params": MISSING_INT,
    "epochs": MISSING_INT,
    "seed": MISSING_INT,
    "source": "",
}

_SPACE_KEY = b"surrogate.space"
_FORMAT_KEY = b"surrogate.dataset_format"
_FORMAT = b"1"


#: The space of a table that names none (the NAS-Bench-301 one).
DEFAULT_SPACE = "darts"


class Dataset:
    """One table of evaluations (see the module docstring for its columns).

    Build one with :meth:`from_records`, :meth:`from_arrow` or :meth:`read_parquet`, or with the
    readers (``read_nb301``, ``read_table``). The table is immutable: every method that selects
    or changes rows returns a new Dataset.

    Parameters
    ----------
    table : pyarrow.Table
        Must already have the columns of :data:`SCHEMA` with their types and no nulls;
        :meth:`from_arrow` fills and casts a looser table.
    space : str, optional
        The search space; default: the table's ``surrogate.space`` metadata, else ``"darts"``.
    """

    def __init__(self, table: pa.Table, space: str | None = None) -> None:
        if not isinstance(table, pa.Table):
            raise ValueError(f"Dataset takes a pyarrow.Table, got {type(table).__name__}; use from_records for dicts")
        for f in SCHEMA:
            if f.name not in table.column_names:
                raise ValueError(
                    f"column {f.name!r} is missing (columns: {table.column_names}); "
                    "Dataset.from_arrow fills optional columns"
                )
            if table.schema.field(f.name).type != f.type:
                raise ValueError(
                    f"column {f.name!r} has type {table.schema.field(f.name).type}, expected {f.type}; "
                    "Dataset.from_arrow casts it"
                )
            if table.column(f.name).null_count:
                raise ValueError(f"column {f.name!r} has nulls; Dataset.from_arrow fills them")
        meta = dict(table.schema.metadata or {})
        if space is None:
            space = meta.get(_SPACE_KEY, DEFAULT_SPACE.encode()).decode()
        if not isinstance(space, str) or not space:
            raise ValueError(f"space must be a non-empty string such as 'darts', got {space!r}")
        meta[_SPACE_KEY] = space.encode()
        meta[_FORMAT_KEY] = _FORMAT
        order = list(REQUIRED) + [c for c in table.column_names if c not in REQUIRED]
        self._table = table.select(order).replace_schema_metadata(meta)
        self._space = space
        self._genotypes: list | None = None

    # ---- construction -------------------------------------------------------------------------

    @classmethod
    def from_arrow(cls, table: pa.Table, space: str | None = None) -> Dataset:
        """A Dataset from any Arrow table with at least ``arch`` and ``val_accuracy``.

        Missing optional columns (and nulls in them) get the values in :data:`MISSING`; columns
        are cast to the types of :data:`SCHEMA`. Without an ``arch_hash`` column, ``arch`` may
        hold any form ``surrogate.space.parse`` reads; it is replaced by the canonical string
        and the hash is computed.
        """
        if not isinstance(table, pa.Table):
            raise ValueError(f"from_arrow takes a pyarrow.Table, got {type(table).__name__}")
        for name in ("arch", "val_accuracy"):
            if name not in table.column_names:
                raise ValueError(f"column {name!r} is required; the table has {table.column_names}")
        if table.column("arch").null_count:
            raise ValueError("column 'arch' has nulls; every row needs an architecture")
        if "arch_hash" not in table.column_names:
            named = space or (table.schema.metadata or {}).get(_SPACE_KEY, DEFAULT_SPACE.encode()).decode()
            arch_fields = get_space(named).fields
            fields = [arch_fields(a) for a in table.column("arch").to_pylist()]
            table = table.set_column(
                table.column_names.index("arch"), "arch", pa.array([f[0] for f in fields], pa.string())
            )
            table = table.append_column("arch_hash", pa.array([f[1] for f in fields], pa.string()))
        for f in SCHEMA:
            if f.name not in table.column_names:
                value = MISSING[f.name]
                table = table.append_column(f.name, pa.array([value] * len(table), f.type))
                continue
            col = table.column(f.name)
            if col.type != f.type:
                try:
                    col = col.cast(f.type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
                    raise ValueError(f"column {f.name!r} cannot be read as {f.type}: {err}") from None
            if col.null_count and f.name in MISSING:
                col = col.fill_null(pa.scalar(MISSING[f.name], f.type))
            table = table.set_column(table.column_names.index(f.name), f.name, col)
        return cls(table, space=space)

    @classmethod
    def from_records(cls, records: Sequence[dict], space: str | None = None) -> Dataset:
        """A Dataset from a list of dicts, one per evaluation.

        A record without ``arch_hash`` may hold its ``arch`` in any form ``surrogate.space.parse``
        reads (a Genotype, its string, a config dict, compact pairs); it is stored as the
        canonical string with its hash. Records with ``arch_hash`` are taken as they are (readers
        that already canonicalised). Missing optional fields are filled as in :meth:`from_arrow`.
        """
        records = list(records)
        if not records:
            return cls.from_arrow(SCHEMA.empty_table(), space=space)
        arch_fields = get_space(space or DEFAULT_SPACE).fields
        records = [r if "arch_hash" in r else _with_hash(r, i, arch_fields) for i, r in enumerate(records)]
        try:
            table = pa.Table.from_pylist(records)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError) as err:
            raise ValueError(f"records do not form a table: {_bad_column(records) or err}") from None
        return cls.from_arrow(table, space=space)

    @classmethod
    def read_parquet(cls, path: str | os.PathLike) -> Dataset:
        """Read a Dataset written by :meth:`to_parquet` (or any Parquet :meth:`from_arrow` takes)."""
        return cls.from_arrow(pq.read_table(path))

    def to_parquet(self, path: str | os.PathLike) -> None:
        """Write the table and its metadata to ``path`` (atomically: temp file, then rename)."""
        with atomic_path(path, mkdir=False) as tmp:
            pq.write_table(self._table, tmp)

    @staticmethod
    def concat(datasets: Iterable[Dataset]) -> Dataset:
        """Rows of all ``datasets`` in order; extra columns absent from some are filled with nulls."""
        datasets = list(datasets)
        if not datasets:
            raise ValueError("concat needs at least one Dataset")
        spaces = {d.space for d in datasets}
        if len(spaces) > 1:
            raise ValueError(f"cannot concatenate datasets of different spaces {sorted(spaces)}")
        try:
            table = pa.concat_tables([d.table for d in datasets], promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
            raise ValueError(f"datasets have incompatible extra columns: {err}") from None
        out = Dataset(table, space=datasets[0].space)
        if all(d._genotypes is not None for d in datasets):
            out._genotypes = [g for d in datasets for g in d._genotypes]  # type: ignore[union-attr]
        return out

    # ---- access -------------------------------------------------------------------------------

    @property
    def table(self) -> pa.Table:
        """The underlying (immutable) pyarrow Table."""
        return self._table

    @property
    def space(self) -> str:
        """The search space the architectures belong to (``"darts"``)."""
        return self._space

    @property
    def columns(self) -> list[str]:
        """Column names: the required ones first, then the extras."""
        return self._table.column_names

    def __len__(self) -> int:
        return self._table.num_rows

    def __repr__(self) -> str:
        extra = [c for c in self.columns if c not in REQUIRED]
        return f"Dataset({len(self)} rows, space={self._space!r}, extra columns={extra})"

    def column(self, name: str) -> np.ndarray:
        """One column as a numpy array (strings as an object array)."""
        if name not in self._table.column_names:
            raise ValueError(f"no column {name!r}; columns are {self.columns}")
        return self._table.column(name).to_numpy()

    def architectures(self) -> list:
        """The ``arch`` column parsed by the dataset's space (:func:`surrogate.spaces.get_space`):
        Genotypes, NB201 cells or generic cells (cached; repeated strings parse once)."""
        if self._genotypes is None:
            self._genotypes = get_space(self._space).parse_strings(self._table.column("arch").to_pylist())
        return list(self._genotypes)

    def genotypes(self) -> list:
        """:meth:`architectures` (the name from when every dataset was a DARTS one)."""
        return self.architectures()

    # ---- selection ----------------------------------------------------------------------------

    def take(self, indices: Sequence[int] | np.ndarray) -> Dataset:
        """Rows at ``indices`` (in that order; negative indices count from the end)."""
        idx = np.asarray(indices)
        if idx.size == 0:
            idx = idx.astype(np.int64)
        if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"take needs a 1-d array of integer indices, got dtype {idx.dtype} shape {idx.shape}")
        n = len(self)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise ValueError(f"index out of range for a Dataset of {n} rows: min {idx.min()}, max {idx.max()}")
        idx = np.where(idx < 0, idx + n, idx).astype(np.int64)
        out = Dataset(self._table.take(pa.array(idx)), space=self._space)
        if self._genotypes is not None:
            out._genotypes = [self._genotypes[i] for i in idx]
        return out

    def filter(self, mask: Sequence[bool] | np.ndarray) -> Dataset:
        """Rows where the boolean ``mask`` is true."""
        m = np.asarray(mask)
        if m.dtype != np.bool_ or m.shape != (len(self),):
            raise ValueError(
                f"filter needs a boolean mask of shape ({len(self)},), got dtype {m.dtype} shape {m.shape}"
            )
        return self.take(np.flatnonzero(m))

    # ---- identity -----------------------------------------------------------------------------

    def fingerprint(self) -> str:
        """SHA-256 (hex) of the content: space, column names, types and values, row order.

        Independent of column order and of how Arrow chunks the table; any changed value, row
        order, column or space changes it. Checkpoint manifests record it as the data hash.
        """
        h = hashlib.sha256()
        h.update(f"surrogate.Dataset/{_FORMAT.decode()}\nspace={self._space}\nrows={len(self)}\n".encode())
        for name in sorted(self._table.column_names):
            col = self._table.column(name).combine_chunks()
            t = col.type
            # a list's item field is named "item" in memory and "element" after Parquet: not content
            kind = f"list<{t.value_type}>" if pa.types.is_list(t) or pa.types.is_large_list(t) else str(t)
            h.update(f"column={name}:{kind}\n".encode())
            if col.null_count == 0 and (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)):
                arr = col.to_numpy(zero_copy_only=False)
                h.update(np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes())
            else:
                h.update(json.dumps(col.to_pylist(), default=str, allow_nan=True).encode())
            h.update(b"\n")
        return h.hexdigest()

    # ---- aggregation --------------------------------------------------------------------------

    def dedupe(self) -> tuple[Dataset, int]:
        """Drop rows whose ``(arch_hash, seed)`` appeared before at the same fidelity (the
        ``fidelity`` column, where there is one); return ``(dataset, n_dropped)``."""
        seen: set[tuple] = set()
        keep = []
        cols = [self._table.column("arch_hash").to_pylist(), self._table.column("seed").to_pylist()]
        if "fidelity" in self._table.column_names:
            cols.append(self._table.column("fidelity").to_pylist())
        for i, key in enumerate(zip(*cols)):
            if key not in seen:
                seen.add(key)
                keep.append(i)
        if len(keep) == len(self):
            return self, 0
        return self.take(np.asarray(keep, dtype=np.int64)), len(self) - len(keep)

    def mean_over_seeds(self) -> Dataset:
        """One row per ``(arch_hash, epochs)``: floating-point columns averaged over its rows.

        Lists of floats (the per-epoch ``val_curve``) are averaged epoch by epoch (None when a row
        of the group has none or the lengths differ). Other columns keep the group's first row; ``seed`` becomes -1 and an ``n_seeds`` column
        counts the rows averaged. Groups come in the order of their first row. A NaN in any row
        makes that group's mean NaN.
        """
        if "n_seeds" in self.columns:
            raise ValueError("this dataset is already averaged over seeds (it has an 'n_seeds' column)")
        groups: dict[tuple[str, int], int] = {}
        group = np.empty(len(self), dtype=np.int64)
        first = []
        keys = zip(self._table.column("arch_hash").to_pylist(), self._table.column("epochs").to_pylist())
        for i, key in enumerate(keys):
            g = groups.get(key)
            if g is None:
                g = groups[key] = len(first)
                first.append(i)
            group[i] = g
        counts = np.bincount(group, minlength=len(first))
        table = self._table.take(pa.array(np.asarray(first, dtype=np.int64)))
        for name in table.column_names:
            if pa.types.is_floating(table.schema.field(name).type):
                values = self._table.column(name).to_numpy(zero_copy_only=False).astype(np.float64)
                mean = np.bincount(group, weights=values, minlength=len(first)) / counts
                table = table.set_column(table.column_names.index(name), name, pa.array(mean, pa.float64()))
            elif _is_float_list(table.schema.field(name).type):
                table = table.set_column(
                    table.column_names.index(name),
                    name,
                    _mean_lists(self._table.column(name).to_pylist(), group, len(first)),
                )
        table = table.set_column(
            table.column_names.index("seed"), "seed", pa.array(np.full(len(first), MISSING_INT), pa.int64())
        )
        table = table.append_column("n_seeds", pa.array(counts, pa.int64()))
        out = Dataset(table, space=self._space)
        if self._genotypes is not None:
            out._genotypes = [self._genotypes[i] for i in first]
        return out


def _is_float_list(t: pa.DataType) -> bool:
    return (pa.types.is_list(t) or pa.types.is_large_list(t)) and pa.types.is_floating(t.value_type)


def _mean_lists(values: list, group: np.ndarray, n_groups: int) -> pa.Array:
    """Element-wise mean of each group's lists (e.g. per-epoch curves); None where a row lacks
    one or the lengths differ."""
    out: list = [[] for _ in range(n_groups)]
    for g, v in zip(group.tolist(), values):
        rows = out[g]
        if rows is None:
            continue
        if v is None or (rows and len(rows[0]) != len(v)):
            out[g] = None
        else:
            rows.append(v)
    return pa.array(
        [None if rows is None else np.mean(np.asarray(rows, dtype=np.float64), axis=0).tolist() for rows in out],
        pa.list_(pa.float64()),
    )


def _bad_column(records: list[dict]) -> str | None:
    """Name the first column whose values Arrow cannot hold in one array (e.g. mixed types)."""
    for name in dict.fromkeys(k for r in records for k in r):
        values = [r.get(name) for r in records]
        try:
            pa.array(values)
        except OverflowError:
            return f"column {name!r} holds an integer outside the 64-bit range; write it as text or a float"
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as err:
            kinds = sorted({type(v).__name__ for v in values if v is not None})
            return f"column {name!r} mixes values of types {kinds} ({err}); make them one type"
    return None


def _with_hash(record: dict, i: int, arch_fields: Any) -> dict:
    """The record with ``arch`` (any parseable form) made canonical and ``arch_hash`` added."""
    if not isinstance(record, dict):
        raise ValueError(f"record {i}: expected a dict, got {type(record).__name__}")
    try:
        arch, arch_hash = arch_fields(record.get("arch"))
    except ValueError as err:
        raise ValueError(f"record {i}: {err}") from None
    return {**record, "arch": arch, "arch_hash": arch_hash}
