"""Evaluations of architectures as one table, and the readers and splits that feed it.

A :class:`Dataset` is one table of evaluations (canonical architecture, hash, accuracies,
training time, parameters, fidelity, seed, source) held as Arrow and saved as Parquet. It comes
from the official NAS-Bench-301 result tree (:func:`read_nb301`, which also reads what
``surrogate generate`` writes with :func:`write_result`), from a user's CSV/JSONL/Parquet table
(:func:`read_table`), or from a Parquet file written by :meth:`Dataset.to_parquet`;
:func:`read_data` picks among them from what a path is. Splits
(:func:`random_split`, :func:`split_by_column`, :func:`official_split`) return index arrays for
:meth:`Dataset.take`. Bad input is skipped and listed in a :class:`ReadReport` (or raises with
``strict=True``). The formats are described in ``docs/data-format.md``.
"""

from ._checks import suspicious_targets
from ._dataset import MISSING, REQUIRED, SCHEMA, Dataset
from ._fidelities import check_fidelities, fidelity_counts, fidelity_labels, select_fidelity
from ._nb301 import (
    CONFIG_KEY,
    OPTIMIZERS,
    is_result_name,
    make_result,
    parse_result,
    read_nb301,
    read_result,
    result_files,
    val_curve,
    write_result,
)
from ._read import TABLE_SUFFIXES, read_data, recorded_space
from ._report import ReadReport
from ._splits import SPLIT_NAMES, official_split, random_split, read_split_dir, split_by_column, trailing_key
from ._tables import ARCH_COLUMNS, read_table

__all__ = [
    "ARCH_COLUMNS",
    "CONFIG_KEY",
    "MISSING",
    "OPTIMIZERS",
    "REQUIRED",
    "SCHEMA",
    "SPLIT_NAMES",
    "TABLE_SUFFIXES",
    "Dataset",
    "ReadReport",
    "check_fidelities",
    "fidelity_counts",
    "fidelity_labels",
    "is_result_name",
    "make_result",
    "official_split",
    "parse_result",
    "random_split",
    "read_data",
    "read_nb301",
    "read_result",
    "read_split_dir",
    "read_table",
    "recorded_space",
    "select_fidelity",
    "suspicious_targets",
    "result_files",
    "val_curve",
    "split_by_column",
    "trailing_key",
    "write_result",
]
