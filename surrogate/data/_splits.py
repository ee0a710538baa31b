"""Train/validation/test splits of a :class:`Dataset`, as index arrays into it.

- :func:`random_split`: seeded, by architecture, so the seeds of one architecture (and its
  isomorphic copies) never straddle two parts.
- :func:`split_by_column`: rows with given values of a column against the rest, e.g. leave one
  optimizer out (``column="source"``).
- :func:`official_split`: the NAS-Bench-301 split files (``train_paths.json``, ``val_paths.json``,
  ``test_paths.json`` in one folder per split), whose entries are absolute paths on the authors'
  machine: each is matched by its trailing ``<optimizer>/<file>``.

Use ``dataset.take(indices)`` to get the part as a Dataset.

Examples
--------
>>> from surrogate.space import sample
>>> from surrogate.data import Dataset
>>> ds = Dataset.from_records([{"arch": g, "val_accuracy": 90.0} for g in sample(10, rng=0)])
>>> train, val, test = random_split(ds, (0.6, 0.2, 0.2), rng=0)
>>> len(train), len(val), len(test)
(6, 2, 2)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

import numpy as np

from ._dataset import Dataset
from ._report import ReadReport

#: The list files of one official split folder, in the order they are returned.
SPLIT_NAMES: tuple[str, ...] = ("train", "val", "test")


def random_split(
    dataset: Dataset,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    rng: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, ...]:
    """Split the *architectures* of ``dataset`` at random into parts of the given fractions.

    Parameters
    ----------
    dataset : Dataset
    fractions : sequence of float, default (0.8, 0.1, 0.1)
        Positive, summing to 1: the share of distinct architectures (``arch_hash``) per part. Rows
        follow their architecture, so with repeated seeds the row shares differ slightly.
    rng : int, numpy Generator or None, default 0
        Seed or generator (``np.random.default_rng``). The result depends only on the seed and the
        set of architectures, not on row order.

    Returns
    -------
    tuple of numpy.ndarray
        One sorted int64 index array per fraction; together they cover every row once.
    """
    f = np.asarray(fractions, dtype=np.float64)
    if f.ndim != 1 or f.size < 1 or np.any(~np.isfinite(f)) or np.any(f <= 0) or abs(f.sum() - 1) > 1e-6:
        raise ValueError(f"fractions must be positive and sum to 1, e.g. (0.8, 0.1, 0.1); got {list(fractions)}")
    gen = np.random.default_rng(rng)
    hashes, inverse = np.unique(dataset.column("arch_hash").astype(str), return_inverse=True)
    order = gen.permutation(len(hashes))
    cuts = np.round(np.cumsum(f) * len(hashes)).astype(np.int64)
    cuts[-1] = len(hashes)
    part_of_arch = np.empty(len(hashes), dtype=np.int64)
    start = 0
    for part, stop in enumerate(cuts):
        part_of_arch[order[start:stop]] = part
        start = stop
    part_of_row = part_of_arch[inverse.reshape(-1)]
    return tuple(np.flatnonzero(part_of_row == p).astype(np.int64) for p in range(len(f)))


def split_by_column(dataset: Dataset, column: str, values: object | Iterable[object]) -> tuple[np.ndarray, np.ndarray]:
    """``(rest, selected)``: indices of rows whose ``column`` is not / is one of ``values``.

    With ``column="source"`` and one optimizer this is the leave-one-optimizer-out split. Raises
    ``ValueError`` when no row has any of the values (naming the values that do occur).
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        values = [values]
    wanted = list(values)
    col = dataset.column(column)
    wanted_set = set(wanted)
    mask = np.fromiter((v in wanted_set for v in col.tolist()), dtype=bool, count=len(col))
    if not mask.any():
        present = sorted({str(v) for v in col.tolist()})
        raise ValueError(f"no row has {column} in {wanted}; values present: {present[:20]}")
    return np.flatnonzero(~mask).astype(np.int64), np.flatnonzero(mask).astype(np.int64)


def trailing_key(entry: str) -> str | None:
    """``"<optimizer>/<file>"`` from a path in any OS's spelling, or ``None`` if it has no folder.

    Examples
    --------
    >>> trailing_key("/home/someone/nb_301_v13/rs/results_12.json")
    'rs/results_12.json'
    >>> trailing_key(r"C:\\data\\de\\results_3_ti.json")
    'de/results_3_ti.json'
    """
    parts = [p for p in PurePosixPath(entry.replace("\\", "/")).parts if p not in ("/", "")]
    if len(parts) < 2:
        return None
    return f"{parts[-2]}/{parts[-1]}"


def read_split_dir(split_dir: str | os.PathLike) -> dict[str, list[str]]:
    """The entries of every ``<name>_paths.json`` in ``split_dir``: ``{name: [path, ...]}``.

    Names come in the order train, val, test, then any others alphabetically.
    """
    split_dir = Path(split_dir)
    files = sorted(split_dir.glob("*_paths.json")) if split_dir.is_dir() else []
    if not files:
        raise ValueError(
            f"{split_dir} holds no *_paths.json split files; expected train_paths.json, val_paths.json "
            "and test_paths.json (e.g. configs/data_splits/default_split of the NAS-Bench-301 code)"
        )
    out: dict[str, list[str]] = {}
    for file in sorted(files, key=lambda p: (_rank(p.name.removesuffix("_paths.json")), p.name)):
        try:
            entries = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
            raise ValueError(f"{file}: cannot read split file ({type(err).__name__}: {err})") from None
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise ValueError(f"{file}: a split file is a JSON list of result paths (strings)")
        out[file.name.removesuffix("_paths.json")] = entries
    return out


def _rank(name: str) -> int:
    return SPLIT_NAMES.index(name) if name in SPLIT_NAMES else len(SPLIT_NAMES)


def official_split(
    dataset: Dataset,
    split_dir: str | os.PathLike,
    data_root: str | os.PathLike | None = None,
    *,
    strict: bool = False,
) -> tuple[dict[str, np.ndarray], ReadReport]:
    """Index arrays of an official split folder's lists into ``dataset``.

    Each entry is resolved by its trailing ``<optimizer>/<file>``: against ``data_root`` (the
    file must exist there) and against the ``path`` column that :func:`read_nb301` writes.
    Entries that do not resolve, name a file the dataset lacks (skipped when read as bad, or
    dropped as a duplicate), or repeat an entry of another list are reported and left out.

    Parameters
    ----------
    dataset : Dataset
        Read with ``read_nb301`` (it needs the ``path`` column).
    split_dir : path
        A folder with ``train_paths.json``, ``val_paths.json``, ``test_paths.json`` (e.g.
        ``default_split`` or ``leave_out_<optimizer>``).
    data_root : path, optional
        The user's release root; when given, every entry must exist under it.
    strict : bool, default False
        Raise ``ValueError`` at the first entry that does not resolve.

    Returns
    -------
    splits : dict of str to numpy.ndarray
        ``{"train": idx, "val": idx, "test": idx}`` (the lists present), int64 row indices in
        list order.
    report : ReadReport
        Entries seen, resolved, and the unresolved ones with reasons.
    """
    if "path" not in dataset.columns:
        raise ValueError(
            "official splits are matched on the 'path' column that read_nb301 writes; "
            f"this dataset has {dataset.columns}"
        )
    row_of = {}
    for i, p in enumerate(dataset.column("path").tolist()):
        key = trailing_key(str(p))
        if key is not None:
            row_of.setdefault(key, i)
    root = Path(data_root) if data_root is not None else None
    lists = read_split_dir(split_dir)
    report = ReadReport()
    owner: dict[str, str] = {}
    splits: dict[str, np.ndarray] = {}
    for name, entries in lists.items():
        rows = []
        for entry in entries:
            report.n_seen += 1
            where = f"{name}: {entry}"
            key = trailing_key(entry)
            if key is None:
                report.skip(where, "no <optimizer>/<file> at its end", strict)
            elif root is not None and not (root / key).is_file():
                report.skip(where, f"does not resolve: no file {root / key}", strict)
            elif key in owner:
                report.skip(where, f"{key} is already in the {owner[key]} list", strict)
            elif key not in row_of:
                report.skip(where, f"{key} is not in the dataset (skipped as bad when read, or a duplicate)", strict)
            else:
                owner[key] = name
                rows.append(row_of[key])
        splits[name] = np.asarray(rows, dtype=np.int64)
        report.n_read += len(rows)
    return splits, report
