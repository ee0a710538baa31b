"""Checks shared by the readers: numbers in range, architectures that parse.

Every check raises ``ValueError`` with a message that names the field and the rejected value; the
readers turn it into a skipped item in a :class:`ReadReport` (or re-raise it with ``strict``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from surrogate.space import Genotype, arch_hash, canonical_string, parse

#: Value stored for an integer column that the source did not give (params, epochs, seed).
MISSING_INT = -1

#: (low, high) of each known numeric column; ``None`` is unbounded.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "val_accuracy": (0.0, 100.0),
    "test_accuracy": (0.0, 100.0),
    "train_accuracy": (0.0, 100.0),
    "train_time": (0.0, None),
    "runtime": (0.0, None),
    "budget": (0.0, None),
    "params": (0.0, None),
    "epochs": (0.0, None),
    "flops": (0.0, None),
    "seed": (None, None),
}


def number(
    value: object,
    name: str,
    *,
    missing_ok: bool = False,
    integer: bool = False,
) -> float | int:
    """Check one numeric field and return it as ``float`` (or ``int`` with ``integer``).

    ``None`` and NaN mean "not given" (and so does :data:`MISSING_INT` for integers): allowed only
    with ``missing_ok``, when the result is NaN (or :data:`MISSING_INT` for integers). Infinite values, booleans, strings and values outside
    :data:`RANGES` raise ``ValueError``.

    Examples
    --------
    >>> number(94.5, "val_accuracy")
    94.5
    >>> number(None, "seed", missing_ok=True, integer=True)
    -1
    >>> number(101, "val_accuracy")
    Traceback (most recent call last):
    ...
    ValueError: val_accuracy is 101, outside [0, 100] (accuracies are percentages)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if missing_ok:
            return MISSING_INT if integer else math.nan
        return _raise(f"{name} is {'missing' if value is None else 'NaN'}")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return _raise(f"{name} must be a number, got {type(value).__name__} {value!r:.60}")
    try:
        x = float(value)
    except (OverflowError, TypeError, ValueError):
        return _raise(f"{name} is not a usable number: {value!r:.60}")
    if math.isnan(x):
        if missing_ok:
            return MISSING_INT if integer else math.nan
        return _raise(f"{name} is NaN")
    if integer and missing_ok and x == MISSING_INT:
        return MISSING_INT  # the marker our own tables use for "not given"
    if math.isinf(x):
        return _raise(f"{name} is {x}")
    lo, hi = RANGES.get(name, (None, None))
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        if hi is None:
            return _raise(f"{name} is {value!r}; it must be >= {lo:g}")
        note = " (accuracies are percentages)" if "accuracy" in name else ""
        return _raise(f"{name} is {value!r}, outside [{lo:g}, {hi:g}]{note}")
    if integer:
        if not x.is_integer() or abs(x) >= 2**63:
            return _raise(f"{name} must be a whole number, got {value!r}")
        return int(x)
    return x


def _raise(message: str) -> float:
    raise ValueError(message)


def arch_fields(value: object) -> tuple[str, str]:
    """``(canonical string, arch hash)`` of one architecture in any form ``space.parse`` takes.

    Raises ``ValueError`` (the space's ``InvalidArchitectureError``) for anything that is not
    exactly one valid architecture.
    """
    genotype = parse(value)
    if not isinstance(genotype, Genotype):
        # parse() reads a list of architectures as many; a field holds one.
        raise ValueError(f"expected one architecture, got a list of {len(genotype)}: {value!r:.80}")
    return canonical_string(genotype), arch_hash(genotype)


def suspicious_targets(name: str, values: object) -> list[str]:
    """Warnings about a target column that reads but looks wrong (an empty list when it looks fine).

    All values equal (nothing to learn), or accuracies that are all <= 1 (fractions where this
    package reads percentages).

    Examples
    --------
    >>> suspicious_targets("val_accuracy", [0.91, 0.93])
    ['every val_accuracy is <= 1: they look like fractions, but accuracies are percentages (multiply by 100)']
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    v = v[np.isfinite(v)]
    out = []
    if len(v) >= 2 and np.all(v == v[0]):
        out.append(f"every {name} is {v[0]:g} ({len(v)} rows): a model cannot learn anything from a constant target")
    if "accuracy" in name and len(v) and np.all(v <= 1):
        out.append(f"every {name} is <= 1: they look like fractions, but accuracies are percentages (multiply by 100)")
    return out
