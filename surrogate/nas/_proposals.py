"""The proposals file: what :func:`~surrogate.nas.propose` found, for ``surrogate generate --archs``.

JSONL, one record per architecture::

    {"arch": "<the space's string form>", "predicted": 91.2345, "optimizer": "re"}

:func:`read_proposals` reads it back, and also what a user writes by hand: JSONL lines that are an
architecture in any form the space parses (or a record with ``arch`` or ``genotype``), or one JSON
list of them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from surrogate._util import atomic_write_text
from surrogate.spaces import Space, get_space

__all__ = ["read_proposals", "write_proposals"]


def _space(space: Space | str | None) -> Space:
    return get_space(space or "darts") if not isinstance(space, Space) else space


def write_proposals(
    path: str | Path, archs: Sequence[Any], predicted: Sequence[float], optimizer: str, space: Space | str | None = None
) -> Path:
    """Write proposals (atomically: a reader never sees half a file); returns the path."""
    if len(archs) != len(predicted):
        raise ValueError(f"{len(archs)} architectures but {len(predicted)} predictions")
    sp = _space(space)
    lines = [
        json.dumps({"arch": sp.to_string(a), "predicted": round(float(m), 4), "optimizer": str(optimizer)})
        for a, m in zip(archs, predicted)
    ]
    return atomic_write_text(path, "".join(line + "\n" for line in lines))


def read_proposals(path: str | Path, space: Space | str | None = None) -> list:
    """The architectures of a proposals file (or a hand-written JSONL/JSON list), parsed by ``space``
    (default DARTS)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            items = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(
            f"{path}: not valid JSON{' lines' if path.suffix.lower() != '.json' else ''} ({err})"
        ) from None
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a JSON list of architectures or JSON lines, got {type(items).__name__}")
    items = [
        it.get("arch", it.get("genotype")) if isinstance(it, dict) and ("arch" in it or "genotype" in it) else it
        for it in items
    ]
    return _space(space).parse(list(items))
