"""Write a converted table (``{column: values}``) as Parquet, CSV or JSON lines, atomically.

Shared by the converter scripts (``convert_*.py``); the format follows the file's suffix.
"""

from __future__ import annotations

import json
from pathlib import Path

from surrogate._util import atomic_path

SUFFIXES = (".parquet", ".pq", ".csv", ".jsonl", ".ndjson")


def write_columns(table: dict[str, list], out: Path) -> None:
    """Write ``table`` to ``out`` (``.parquet``/``.pq``, ``.csv``, ``.jsonl``/``.ndjson``); the
    file appears whole or not at all."""
    out = Path(out)
    if out.suffix not in SUFFIXES:
        raise ValueError(f"unknown output format {out.suffix!r}: use .parquet, .csv or .jsonl")
    with atomic_path(out) as tmp:
        if out.suffix in (".parquet", ".pq"):
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table(table), tmp, compression="zstd")
        elif out.suffix == ".csv":
            import csv

            with open(tmp, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(table)
                w.writerows(zip(*table.values()))
        else:
            with open(tmp, "w") as f:
                for values in zip(*table.values()):
                    f.write(json.dumps(dict(zip(table, values))) + "\n")
