"""Train/validation/test splits named by a short spec, recorded in a checkpoint and rebuilt from it.

A spec is one of

``random`` (or ``random:0.8,0.1,0.1``)
    A seeded random split by architecture (:func:`surrogate.data.random_split`) into the given
    fractions, default 80/10/10.
``rows`` (or ``rows:0.8,0.1,0.1``)
    A seeded random split of the *rows*, architectures ignored: isomorphic cells and seeds of one
    architecture may land in different parts. This is the protocol of most NAS-predictor papers
    on NAS-Bench-201 (each of its 15,625 cell indices is one row), and it is easier than a split
    by architecture wherever the data repeats architectures.
``official:DIR``
    A NAS-Bench-301 split folder (``train_paths.json``, ``val_paths.json``, ``test_paths.json``;
    :func:`surrogate.data.official_split`); the data must come from :func:`~surrogate.data.read_nb301`.
``leave-out:COLUMN=VALUE``
    Test on every row whose ``COLUMN`` equals ``VALUE`` (compared as text, so ``seed=1`` matches
    the integer 1); the other rows are split at random by architecture into train and validation
    (``val_fraction``, default 0.1). With ``source=<optimizer>`` this is NAS-Bench-301's
    leave-one-optimizer-out.

:func:`resolve_split` turns a spec into index arrays and a JSON description; the description is
what a checkpoint's manifest records under ``split``, and :func:`rebuild_split` turns it back
into the same index arrays on the same data, so ``surrogate evaluate`` can score a checkpoint on
exactly its own test rows.

Examples
--------
>>> from surrogate.data import Dataset
>>> from surrogate.space import sample
>>> ds = Dataset.from_records([{"arch": g, "val_accuracy": 90.0 + i % 5, "source": "rs" if i < 8 else "re"}
...                            for i, g in enumerate(sample(10, rng=0))])
>>> (train, val, test), desc = resolve_split(ds, "leave-out:source=re", seed=0)
>>> test.tolist(), desc["kind"]
([8, 9], 'leave_out')
>>> [p.tolist() for p in rebuild_split(ds, desc)] == [train.tolist(), val.tolist(), test.tolist()]
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .data import Dataset, official_split, random_split

__all__ = ["DEFAULT_FRACTIONS", "SPEC_HELP", "rebuild_split", "resolve_split"]

#: Train/validation/test shares of a ``random`` split.
DEFAULT_FRACTIONS = (0.8, 0.1, 0.1)
#: One line for ``--help``.
SPEC_HELP = "random[:TRAIN,VAL,TEST] | rows[:TRAIN,VAL,TEST] | official:DIR | leave-out:COLUMN=VALUE"

Parts = tuple[np.ndarray, np.ndarray, np.ndarray]


def parse_fractions(text: str) -> tuple[float, ...]:
    try:
        f = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise ValueError(f"random split fractions must be numbers like 0.8,0.1,0.1, got {text!r}") from None
    if len(f) != 3:
        raise ValueError(f"a random split needs three fractions (train, val, test), got {text!r}")
    return f


def _random(dataset: Dataset, fractions: Sequence[float], seed: int) -> Parts:
    parts = random_split(dataset, tuple(float(f) for f in fractions), rng=seed)
    if len(parts) != 3:
        raise ValueError(f"a split needs three parts (train, val, test), got fractions {list(fractions)}")
    return parts  # type: ignore[return-value]


def _rows(dataset: Dataset, fractions: Sequence[float], seed: int) -> Parts:
    f = np.asarray([float(x) for x in fractions])
    if f.size != 3 or np.any(~np.isfinite(f)) or np.any(f <= 0) or abs(f.sum() - 1) > 1e-6:
        raise ValueError(f"fractions must be three positive numbers summing to 1, got {list(fractions)}")
    order = np.random.default_rng(seed).permutation(len(dataset))
    cuts = np.round(np.cumsum(f) * len(dataset)).astype(np.int64)
    train, val, test = np.split(order, cuts[:2])
    return np.sort(train), np.sort(val), np.sort(test)


def _leave_out(dataset: Dataset, column: str, value: str, val_fraction: float, seed: int) -> Parts:
    if column not in dataset.columns:
        raise ValueError(f"leave-out: no column {column!r}; columns are {', '.join(dataset.columns)}")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must lie in (0, 1), got {val_fraction}")
    values = [str(v) for v in dataset.column(column).tolist()]
    mask = np.array([v == value for v in values], dtype=bool)
    if not mask.any():
        present = sorted(set(values))
        raise ValueError(f"leave-out: no row has {column}={value!r}; values present: {present[:20]}")
    if mask.all():
        raise ValueError(f"leave-out: every row has {column}={value!r}, so nothing is left to train on")
    rest = np.flatnonzero(~mask).astype(np.int64)
    tr, va = random_split(dataset.take(rest), (1 - val_fraction, val_fraction), rng=seed)
    return rest[tr], rest[va], np.flatnonzero(mask).astype(np.int64)


def _official(dataset: Dataset, directory: str) -> Parts:
    found, report = official_split(dataset, directory)
    missing = [n for n in ("train", "val", "test") if n not in found]
    if missing:
        raise ValueError(f"official split {directory} lacks {', '.join(f'{n}_paths.json' for n in missing)}")
    if report.problems:
        import logging

        logging.getLogger("surrogate.split_spec").warning("official split %s: %s", directory, report.summary())
    return found["train"], found["val"], found["test"]


def resolve_split(
    dataset: Dataset,
    spec: str = "random",
    seed: int = 0,
    *,
    val_fraction: float = 0.1,
    train_size: int | None = None,
) -> tuple[Parts, dict[str, Any]]:
    """(train, val, test) row indices of ``spec`` (see the module docstring) and its description.

    Parameters
    ----------
    dataset : Dataset
    spec : str, default "random"
    seed : int, default 0
        Seeds the random parts.
    val_fraction : float, default 0.1
        Share of the non-test architectures that ``leave-out`` puts in the validation part.
    train_size : int, optional
        Keep a seeded subsample of this many rows of the training part (a training budget);
        recorded as ``train_size`` so the same rows come back.

    Returns
    -------
    parts : tuple of three int64 arrays
    description : dict
        JSON data that :func:`rebuild_split` reads back; for ``random`` it equals the description
        :func:`surrogate.fit.split_indices` writes.
    """
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"a split spec is text like {SPEC_HELP}, got {spec!r}")
    kind, _, arg = spec.partition(":")
    if kind == "random":
        fractions = parse_fractions(arg) if arg else DEFAULT_FRACTIONS
        desc: dict[str, Any] = {"kind": "random_by_architecture", "fractions": list(fractions), "seed": int(seed)}
    elif kind == "rows":
        fractions = parse_fractions(arg) if arg else DEFAULT_FRACTIONS
        desc = {"kind": "random_by_row", "fractions": list(fractions), "seed": int(seed)}
    elif kind == "official":
        if not arg:
            raise ValueError("official needs the split folder: official:DIR (e.g. official:nb301/default_split)")
        desc = {"kind": "official", "dir": str(Path(arg).resolve())}
    elif kind == "leave-out":
        column, eq, value = arg.partition("=")
        if not column or not eq:
            raise ValueError(f"leave-out needs COLUMN=VALUE, e.g. leave-out:source=re; got {spec!r}")
        desc = {
            "kind": "leave_out",
            "column": column,
            "value": value,
            "val_fraction": float(val_fraction),
            "seed": int(seed),
        }
    else:
        raise ValueError(f"unknown split {spec!r}; use {SPEC_HELP}")
    if train_size is not None:
        if isinstance(train_size, bool) or not isinstance(train_size, (int, np.integer)) or train_size < 1:
            raise ValueError(f"train_size must be a positive whole number, got {train_size!r}")
        desc["train_size"] = int(train_size)
    parts = rebuild_split(dataset, desc)
    if kind != "random" or train_size is not None:
        desc["sizes"] = [int(len(p)) for p in parts]
    return parts, desc


def rebuild_split(dataset: Dataset, description: Mapping[str, Any]) -> Parts:
    """The (train, val, test) indices a split ``description`` (from :func:`resolve_split` or a
    checkpoint manifest) stands for, on ``dataset``.

    Raises ``ValueError`` for a description that cannot be rebuilt (``kind: indices``, written when
    a caller passed index arrays) and when the rebuilt part sizes differ from recorded ones (the
    data is not the data the split was made on).
    """
    if not isinstance(description, Mapping):
        raise ValueError(f"a split description is a mapping with a 'kind', got {description!r}")
    kind = description.get("kind")
    try:
        if kind == "random_by_architecture":
            parts = _random(dataset, description["fractions"], int(description["seed"]))
        elif kind == "random_by_row":
            parts = _rows(dataset, description["fractions"], int(description["seed"]))
        elif kind == "official":
            parts = _official(dataset, str(description["dir"]))
        elif kind == "leave_out":
            parts = _leave_out(
                dataset,
                str(description["column"]),
                str(description["value"]),
                float(description.get("val_fraction", 0.1)),
                int(description["seed"]),
            )
        elif kind == "indices":
            raise ValueError(
                "this split was given as explicit index arrays and cannot be rebuilt from its description; "
                "evaluate on all rows instead (--split all)"
            )
        else:
            raise ValueError(f"unknown split kind {kind!r} in {dict(description)}")
    except KeyError as err:
        raise ValueError(f"split description {dict(description)} lacks {err}") from None
    if description.get("train_size") is not None:
        n = int(description["train_size"])
        train = parts[0]
        if n > len(train):
            raise ValueError(f"train_size {n} is more than the {len(train)} rows of the training part")
        keep = np.random.default_rng([int(description.get("seed", 0)), 1]).choice(len(train), n, replace=False)
        parts = (np.sort(train[keep]), parts[1], parts[2])
    sizes = description.get("sizes")
    if sizes is not None and [int(len(p)) for p in parts] != list(sizes):
        raise ValueError(
            f"the split gives part sizes {[len(p) for p in parts]} on this data but recorded {list(sizes)}; "
            "the data differs from the data the split was made on"
        )
    return parts
