"""One reader for every data source: a result tree, a Dataset Parquet file or a user's table.

:func:`read_data` is what ``--data`` of every command calls; it picks the reader from what the
path is (docs/data-format.md).
"""

from __future__ import annotations

import logging
from pathlib import Path

from ._dataset import _SPACE_KEY, DEFAULT_SPACE, Dataset
from ._nb301 import RESULT_TREE_SPACE, read_nb301
from ._tables import read_table

__all__ = ["TABLE_SUFFIXES", "read_data", "recorded_space"]

logger = logging.getLogger("surrogate.data")

#: File suffixes :func:`read_data` reads as tables.
TABLE_SUFFIXES = (".parquet", ".pq", ".csv", ".jsonl", ".ndjson")


def read_data(
    path: str | Path, space: str | None = None, progress: bool | None = None, rename: dict[str, str] | None = None
) -> Dataset:
    """Read evaluations from ``path`` into a :class:`Dataset`, whatever the source.

    Parameters
    ----------
    path : path
        A NAS-Bench-301-format result tree (a directory of ``<optimizer>/results_*.json``, as
        ``surrogate generate`` writes: :func:`read_nb301`), a Dataset Parquet file
        (:meth:`Dataset.read_parquet`, its space recorded), or a ``.parquet/.csv/.jsonl`` table with
        an ``arch`` (or ``genotype``) column and ``val_accuracy`` (:func:`read_table`).
    space : str, optional
        The search space of a table's architectures (default: the recorded one, else ``"darts"``);
        a result tree holds DARTS architectures.
    progress : bool, optional
        Progress bars of the readers.
    rename : dict, optional
        ``{old: new}`` column names of a table, applied before reading.

    Raises
    ------
    ValueError
        For a missing path, an unknown file type, a space that contradicts the data, or data with
        no usable evaluation (naming the first problem).
    """
    path = Path(path)
    if rename and (
        path.is_dir() or (path.suffix.lower() in (".parquet", ".pq") and path.exists() and recorded_space(path))
    ):
        raise ValueError(f"rename (--rename) applies to a table's columns; {path} is a result tree or a Dataset file")
    if not path.exists():
        raise ValueError(
            f"{path}: no such file or directory; give a result tree directory or a {'/'.join(TABLE_SUFFIXES)} table"
        )
    report = None
    if path.is_dir():
        if space not in (None, RESULT_TREE_SPACE):
            raise ValueError(
                f"{path} is a result tree, which holds {RESULT_TREE_SPACE} architectures (the NAS-Bench-301 "
                f"format's); drop the space (--space {space})"
            )
        dataset, report = read_nb301(path, progress=progress)
    elif path.suffix.lower() not in TABLE_SUFFIXES:
        raise ValueError(
            f"{path}: unknown file type {path.suffix!r}; use a directory or one of {', '.join(TABLE_SUFFIXES)}"
        )
    elif path.suffix.lower() in (".parquet", ".pq") and recorded_space(path):
        recorded = recorded_space(path)
        if space not in (None, recorded):
            raise ValueError(f"{path} is a Dataset of the {recorded!r} space; drop the space (--space {space})")
        dataset = Dataset.read_parquet(path)
    else:
        dataset, report = read_table(path, space=space or DEFAULT_SPACE, progress=progress, rename=rename)
    if report is not None:
        logger.info("read %s: %s", path, report.summary())
    if len(dataset) == 0:
        why = (
            f" (first problem: {report.problems[0][0]}: {report.problems[0][1]})" if report and report.problems else ""
        )
        hint = "" if space else "; for NAS-Bench-201 or generic cells give the space (--space nb201 or --space generic)"
        raise ValueError(f"{path}: no usable evaluations{why}{hint}")
    return dataset


def recorded_space(path: str | Path) -> str | None:
    """The space a Dataset Parquet file records, ``None`` for another Parquet table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException) as err:
        raise ValueError(f"{path}: cannot read as Parquet ({type(err).__name__}: {err})") from None
    value = meta.get(_SPACE_KEY)
    return value.decode() if value else None
