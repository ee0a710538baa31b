"""Trajectories on disk: one JSON document (lossless) and one long CSV table (one row per
evaluation)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from surrogate._util import atomic_write_text

from ._trajectory import Trajectory

#: Columns of the CSV, in order (see :meth:`Trajectory.to_records`).
CSV_COLUMNS = (
    "optimizer",
    "repeat",
    "noise_seed",
    "query",
    "time",
    "accuracy",
    "mean",
    "incumbent",
    "incumbent_mean",
    "regret",
    "arch",
)
_FORMAT = "surrogate-nas-trajectories-1"


def write_json(trajectories: Sequence[Trajectory], path: str | Path, meta: dict[str, Any] | None = None) -> Path:
    """Write ``{"format", "meta", "trajectories": [Trajectory.to_dict(), ...]}`` (strict JSON)."""
    doc = {"format": _FORMAT, "meta": meta or {}, "trajectories": [t.to_dict() for t in trajectories]}
    return atomic_write_text(path, json.dumps(doc, allow_nan=False) + "\n")


def read_json(path: str | Path, space: object = None) -> list[Trajectory]:
    """Read the trajectories :func:`write_json` wrote (``space``: see :meth:`Trajectory.from_dict`)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
        raise ValueError(
            f"{path}: not a trajectories file (expected format {_FORMAT!r}); write one with "
            "surrogate.nas.write_json or `surrogate search`"
        )
    return [Trajectory.from_dict(d, space) for d in doc["trajectories"]]


def write_csv(trajectories: Sequence[Trajectory], path: str | Path) -> Path:
    """Write one row per evaluation with :data:`CSV_COLUMNS` (empty cell: regret unset)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for t in trajectories:
            writer.writerows(t.to_records())
    return path
