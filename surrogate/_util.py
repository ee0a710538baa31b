"""The package's small shared helpers, one home each: atomic writes, JSON that is always strict,
and the paths of the resources the package ships.

Atomic writes
    :func:`atomic_path` yields a temporary path beside the destination and moves it into place
    only when the block succeeds (``os.replace``: a reader sees the old file or the new one,
    never half of one); :func:`atomic_write_text` writes a string so.
JSON
    :func:`json_ready` turns NaN and infinities into ``None`` (``null``) and numpy values into
    Python ones; :func:`dump_json` writes the result as strict JSON.
Resources
    :func:`resource_path` finds what the package ships beside its code (``configs/``,
    ``checkpoints/default``): under ``$SURROGATE_RESOURCES`` when it is set, else in the installed
    package (``surrogate/_resources/``, where a wheel build may put them), else in the source
    checkout the package is imported from.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["RESOURCES_ENV", "atomic_path", "atomic_write_text", "dump_json", "json_ready", "resource_path"]

#: Environment variable naming a folder that holds the shipped resources (``configs/``,
#: ``checkpoints/``), for installs that keep them elsewhere.
RESOURCES_ENV = "SURROGATE_RESOURCES"
_PACKAGE = Path(__file__).resolve().parent


@contextmanager
def atomic_path(path: str | Path, *, mkdir: bool = True) -> Iterator[Path]:
    """A temporary file beside ``path`` to write; it replaces ``path`` when the block succeeds
    and is removed when it fails. ``mkdir`` creates the parent folders first."""
    path = Path(path)
    if mkdir:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: str | Path, text: str, *, encoding: str = "utf-8", fsync: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically (:func:`atomic_path`); ``fsync`` also flushes it to
    disk before the rename (for files that must survive a crash). Returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding=encoding) as f:
            f.write(text)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
    return path


def json_ready(value: Any) -> Any:
    """A JSON-safe copy: non-finite floats become ``None``, numpy scalars and arrays Python values,
    tuples lists, mapping keys strings."""
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


def dump_json(value: Any, indent: int | None = None) -> str:
    """Strict JSON of :func:`json_ready` ``(value)`` (NaN and infinities as ``null``)."""
    return json.dumps(json_ready(value), indent=indent, allow_nan=False)


def resource_path(*parts: str) -> Path:
    """The shipped resource ``parts`` (e.g. ``("checkpoints", "default")``), looked up in order
    under ``$SURROGATE_RESOURCES``, the installed package's ``_resources/`` and the source
    checkout; the checkout's path when none has it (so error messages name where it belongs)."""
    env = os.environ.get(RESOURCES_ENV)
    roots = ([Path(env)] if env else []) + [_PACKAGE / "_resources", _PACKAGE.parent]
    for root in roots:
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    return roots[0].joinpath(*parts) if env else _PACKAGE.parent.joinpath(*parts)
