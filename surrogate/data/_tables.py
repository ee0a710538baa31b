"""Read a table of evaluations a user brings: CSV, JSON Lines or Parquet, one row per evaluation.

The table needs an architecture column (any form ``surrogate.space.parse`` reads: DARTS's
``Genotype(...)`` string, a JSON config object, or in JSONL/Parquet a config object or compact
pairs) named ``arch`` or ``genotype`` (or ``arch_column``), and ``val_accuracy`` (%). Columns
``test_accuracy``, ``train_time``, ``params``, ``epochs``, ``seed`` and ``source`` are read when
present; every other column is kept as an extra column. Rows with an invalid architecture or a
missing, NaN or out-of-range target are reported and skipped; numbers and indices are read in
ASCII digits only. A repeated (architecture up to isomorphism, seed) keeps its first row, as
:func:`~surrogate.data.read_nb301` does; the report counts the rows dropped. A UTF-8 byte-order
mark (Excel's CSV) is ignored. A constant target and accuracies that look like fractions (all
<= 1) are warned about (``report.warnings`` and the log).

Other search spaces (``space="nb201"`` or ``"generic"``, see :mod:`surrogate.spaces`) read
the architecture column with that space's ``parse``; a generic table may instead give each cell
as top-level ``nodes`` / ``edges`` / ``edge_labels`` fields of a JSONL record.

Examples
--------
>>> import tempfile, pathlib
>>> from surrogate.space import sample
>>> path = pathlib.Path(tempfile.mkdtemp()) / "mine.csv"
>>> g = sample(1, rng=0)[0]
>>> _ = path.write_text(f'genotype,val_accuracy,lr\\n"{g}",91.5,0.1\\n"bad",90,0.1\\n')
>>> ds, report = read_table(path)
>>> len(ds), report.n_skipped, ds.column("lr").tolist()
(1, 1, [0.1])
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from surrogate.spaces import get_space

from ._checks import arch_fields, number, suspicious_targets
from ._dataset import Dataset
from ._report import ReadReport

#: Architecture column names tried in order when ``arch_column`` is not given.
ARCH_COLUMNS: tuple[str, ...] = ("arch", "genotype")

_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
_FLOATS = ("test_accuracy", "train_time")
_INLINE = "<inline>"  # marks "the cell is the record's own fields (Space.inline_keys)"
_INTS = ("params", "epochs", "seed")


def read_table(
    path: str | os.PathLike,
    *,
    arch_column: str | None = None,
    rename: Mapping[str, str] | None = None,
    source: str | None = None,
    strict: bool = False,
    dedupe: bool = True,
    progress: bool | None = None,
    space: str = "darts",
) -> tuple[Dataset, ReadReport]:
    """Read a CSV (``.csv``), JSON Lines (``.jsonl``, ``.ndjson``) or Parquet file of evaluations.

    Parameters
    ----------
    path : path
        The file; its suffix picks the format.
    arch_column : str, optional
        The architecture column; default the first of :data:`ARCH_COLUMNS` present.
    rename : mapping, optional
        Column renames applied first, e.g. ``{"valid_acc": "val_accuracy", "runtime": "train_time"}``.
    source : str, optional
        ``source`` of rows without a ``source`` column value; default the file's stem.
    strict : bool, default False
        Raise ``ValueError`` at the first bad row instead of reporting and skipping it.
    dedupe : bool, default True
        Keep only the first row of each (architecture up to isomorphism, seed), as
        :func:`~surrogate.data.read_nb301` does; rows without a seed share seed -1, so repeated
        evaluations of one architecture (e.g. isomorphic NAS-Bench-201 cells) keep the first.
        ``False`` keeps every row.
    progress : bool or None, default None
        Progress bar over rows; ``None`` shows it only on a terminal.
    space : {"darts", "nb201", "generic"}, default "darts"
        The search space of the architectures; the Dataset records it.

    Returns
    -------
    dataset : Dataset
    report : ReadReport
        Rows seen, read and skipped (as ``path:line`` with the reason).

    Raises
    ------
    ValueError
        When the file as a whole cannot be read: missing, unknown suffix, not parseable, or
        without an architecture or ``val_accuracy`` column (and for bad rows with ``strict``).
    """
    path = Path(path)
    kind = _SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: unknown table format {path.suffix!r}; use one of {sorted(_SUFFIXES)}")
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    rename = dict(rename or {})
    source = path.stem if source is None else source
    fields = _fields_of(space)
    inline_keys = get_space(space).inline_keys
    rows = {"csv": _csv_rows, "jsonl": _jsonl_rows, "parquet": _parquet_rows}[kind](path)
    report = ReadReport()
    records: list[dict] = []
    column: str | None = None
    disable = None if progress is None else not progress
    for where, raw in tqdm(rows, desc=f"reading {path.name}", unit="row", disable=disable):
        report.n_seen += 1
        if isinstance(raw, str):  # a row the format reader could not turn into a mapping
            report.skip(where, raw, strict)
            continue
        row = {rename.get(k, k): v for k, v in raw.items()}
        if column is None:
            column = _arch_column(path, row, arch_column, space)
        try:
            records.append(_record(row, column, source, text=kind == "csv", fields=fields, inline_keys=inline_keys))
        except ValueError as err:
            report.skip(where, str(err), strict)
    for message in _keep_unreadable_optionals(records):
        report.warn(f"{path}: {message}")
    if kind == "csv":
        records = _typed_extras(records)
    dataset = Dataset.from_records(records, space=space)
    if dedupe:
        dataset, report.n_duplicates = dataset.dedupe()
        if report.n_duplicates:
            report.warn(
                f"{path}: {report.n_duplicates} rows repeat an earlier row's (architecture, seed) and were "
                "dropped; give each run its own seed, or pass dedupe=False to keep them"
            )
    report.n_read = len(dataset)
    for name in ("val_accuracy", "test_accuracy", "train_time"):
        if len(dataset) and name in dataset.columns:
            for message in suspicious_targets(name, dataset.column(name)):
                report.warn(f"{path}: {message}")
    return dataset, report.finish()


def _fields_of(space: str) -> Callable[[object], tuple[str, str]]:
    """``space.fields``: one architecture in any form -> (canonical string, hash)."""
    return get_space(space).fields


def _arch_column(path: Path, row: Mapping, arch_column: str | None, space: str = "darts") -> str:
    names = [arch_column] if arch_column is not None else list(ARCH_COLUMNS)
    keys = get_space(space).inline_keys  # a space whose cells can sit inline in a row (generic)
    inline = arch_column is None and bool(keys) and not any(n in row for n in names) and keys[0] in row
    for name in [*names, _INLINE] if inline else names:
        if name in row or name == _INLINE:
            if "val_accuracy" not in row:
                raise ValueError(
                    f"{path}: no 'val_accuracy' column (columns: {list(row)}); rename yours with "
                    "rename={'<yours>': 'val_accuracy'}"
                )
            return name
    raise ValueError(f"{path}: no architecture column {names} (columns: {list(row)}); pass arch_column='<name>'")


def _record(
    row: Mapping,
    column: str,
    source: str,
    text: bool,
    fields: Callable[[object], tuple[str, str]] = arch_fields,
    inline_keys: tuple[str, ...] = (),
) -> dict:
    """One validated record from one row; ``text`` rows (CSV) hold strings to convert."""
    value = (lambda k: _from_text(row.get(k), k)) if text else row.get
    if column == _INLINE:
        arch, arch_hash = fields({k: row[k] for k in inline_keys if k in row})
        drop = {*inline_keys, "arch", "arch_hash"}
    else:
        arch, arch_hash = fields(row.get(column))
        drop = {column, "arch", "arch_hash"}
    rec = {k: v for k, v in row.items() if k not in drop and k is not None}
    rec["arch"], rec["arch_hash"] = arch, arch_hash
    rec["val_accuracy"] = number(value("val_accuracy"), "val_accuracy")
    raw: dict[str, tuple[object, str]] = {}
    for name in (*_FLOATS, *_INTS):
        try:
            rec[name] = number(value(name), name, missing_ok=True, integer=name in _INTS)
        except ValueError as err:
            # A measurement column holding another type (text, fractional parameters in millions)
            # is no reason to drop the row: it is kept as given. A wrong value of the right type
            # (a negative runtime) and any bad seed (it identifies the run) still drop the row.
            if name == "seed" or not _TYPE_MISMATCH.search(str(err)):
                raise
            rec[name] = number(None, name, missing_ok=True, integer=name in _INTS)
            raw[name] = (row.get(name), str(err))
    rec[_RAW] = raw
    src = row.get("source")
    rec["source"] = src if isinstance(src, str) and src else source
    return rec


_RAW = "__unreadable_optionals__"
_TYPE_MISMATCH = re.compile(r"must be a number|not a usable number|must be a whole number|is not a number")


def _keep_unreadable_optionals(records: list[dict]) -> list[str]:
    """Optional columns (``test_accuracy``, ``params``, ...) that some row could not read as the
    expected type: the whole column is kept as given under ``<name>_as_given`` and the standard
    column left missing, with one warning per column. Removes the per-record bookkeeping."""
    bad: dict[str, list[str]] = {}
    for rec in records:
        for name, (_, why) in rec[_RAW].items():
            bad.setdefault(name, []).append(why)
    messages = []
    for name, whys in bad.items():
        for rec in records:
            given = rec[_RAW][name][0] if name in rec[_RAW] else rec.get(name)
            rec[f"{name}_as_given"] = None if given is None else str(given)
            rec[name] = number(None, name, missing_ok=True, integer=name in _INTS)
        messages.append(
            f"column {name!r}: {len(whys)} of {len(records)} rows are not what {name!r} holds "
            f"(first: {whys[0]}); kept as given in {name + '_as_given'!r}, {name!r} left missing; "
            f"rename it (--rename {name}=OTHER) to keep it as an ordinary extra column"
        )
    for rec in records:
        del rec[_RAW]
    return messages


#: A number as text: ASCII digits only (``float`` also reads '٩١' and '9_1'), or nan/inf.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


def _from_text(s: object, name: str) -> object:
    if s is None or (isinstance(s, str) and s.strip() == ""):
        return None
    if isinstance(s, str):
        if not _NUMBER.fullmatch(s.strip()):
            raise ValueError(f"{name} is not a number: {s!r:.60}")
        return float(s)
    return s


def _csv_rows(path: Path) -> Iterator[tuple[str, Mapping | str]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: Excel's byte-order mark
            reader = csv.DictReader(f)
            if not reader.fieldnames:
                raise ValueError(f"{path}: empty CSV (no header row)")
            for row in reader:
                where = f"{path}:{reader.line_num}"
                if None in row:
                    yield (
                        where,
                        f"{len(row[None]) + len(reader.fieldnames)} fields, the header has {len(reader.fieldnames)}",
                    )
                else:
                    yield where, row
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise ValueError(f"{path}: cannot read as CSV ({type(err).__name__}: {err})") from None


def _jsonl_rows(path: Path) -> Iterator[tuple[str, Mapping | str]]:
    try:
        with open(path, encoding="utf-8-sig") as f:
            for i, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except (ValueError, RecursionError) as err:
                    yield f"{path}:{i}", f"not JSON ({type(err).__name__}: {err})"
                    continue
                yield (
                    f"{path}:{i}",
                    obj if isinstance(obj, dict) else f"a line must be a JSON object, got {type(obj).__name__}",
                )
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: cannot read as JSON Lines ({type(err).__name__}: {err})") from None


def _parquet_rows(path: Path) -> Iterator[tuple[str, Mapping | str]]:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as err:
        raise ValueError(f"{path}: cannot read as Parquet ({type(err).__name__}: {err})") from None
    for i, row in enumerate(table.to_pylist()):
        yield f"{path}[row {i}]", row


def _typed_extras(records: list[dict]) -> list[dict]:
    """CSV extra columns as int or float when every non-empty value is one, else text."""
    if not records:
        return records
    known = {"arch", "arch_hash", "val_accuracy", "source", *_FLOATS, *_INTS}
    for name in [k for k in records[0] if k not in known]:
        values = [r.get(name) for r in records]
        for convert in (int, float):
            try:
                converted = [None if v is None or v == "" else convert(v) for v in values]
            except (TypeError, ValueError):
                continue
            for r, v in zip(records, converted):
                r[name] = v
            break
    return records
