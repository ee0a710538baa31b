"""Shared output helpers of the studies: text tables, strict JSON, CSV, mean ± std summaries."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from surrogate._util import atomic_write_text, dump_json, json_ready


def fmt(x: Any, spec: str = ".3f") -> str:
    """``x`` formatted with ``spec``; ``nan``/``None`` as ``"nan"``, ints and strings as they are."""
    if x is None:
        return "nan"
    if isinstance(x, (bool, str)):
        return str(x)
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    return "nan" if not math.isfinite(x) else format(x, spec)


def text_table(head: Sequence[str], rows: Iterable[Sequence[str]], rule_before: Sequence[int] = ()) -> str:
    """Columns padded to a common width, a dashed rule under the header (and before ``rule_before``
    row numbers)."""
    rows = [list(r) for r in rows]
    widths = [max(len(str(r[i])) for r in (list(head), *rows)) for i in range(len(head))]
    rule = "  ".join("-" * w for w in widths)
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(head, widths)).rstrip(), rule]
    for i, r in enumerate(rows):
        if i in rule_before:
            lines.append(rule)
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)


#: JSON-safe copy of a value: non-finite floats become ``None``, numpy scalars Python ones.
finite_or_none = json_ready


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``; 0 for one value) of the finite values."""
    a = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=np.float64)
    if a.size == 0:
        return math.nan, math.nan
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else 0.0


def write_json(doc: Mapping[str, Any], path: str | Path) -> Path:
    """Write ``doc`` as strict JSON (NaN as ``null``), creating parent folders."""
    return atomic_write_text(path, dump_json(doc, indent=2) + "\n")


def write_csv(records: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Write ``records`` (dicts with the same keys, in order) as CSV; NaN as an empty cell."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns: list[str] = list(dict.fromkeys(k for r in records for k in r))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for r in records:
            writer.writerow({k: ("" if v is None else v) for k, v in finite_or_none(dict(r)).items()})
    return path
