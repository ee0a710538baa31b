"""Leave one optimizer out: how well does a surrogate predict architectures from a source it never saw?

NAS-Bench-301's data comes from many NAS optimizers, each exploring its own region of the space;
the paper fits a surrogate without one optimizer's data and tests it on that optimizer's data to
see whether the surrogate extrapolates to the regions a new optimizer would visit. This module
does the same for any column (``source`` by default): for every value with at least ``min_rows``
rows,

1. the held-out rows (that value) are the test set;
2. the other rows are the training data, **less** every row whose architecture (up to
   isomorphism) also occurs in the held-out rows, so no held-out architecture is seen in
   training under another source's name (``n_overlap`` counts the rows dropped);
3. the training data is split by architecture, seeded, into train and validation parts
   (``val_fraction``; validation drives early stopping and the std calibration);
4. an ensemble is fit and scored on the held-out rows: R², Kendall τ, sparse τ, Spearman, MAE,
   RMSE and the 95 % coverage of its calibrated std.

With ``baseline=True`` one more fit on a random 80/10/10 split of *all* rows (by architecture)
gives the in-distribution figures to compare with.

Examples
--------
>>> from surrogate.studies import leave_one_out
>>> # ds, _ = surrogate.data.read_nb301("nb_301_v13_lc_iclr_final")
>>> # result = leave_one_out(ds, column="source", family="xgb", n_members=5)
>>> # print(result.to_table()); result.write("study-results/leave-one-out")
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from surrogate.data import Dataset, random_split, split_by_column

from ._output import fmt, text_table, write_csv, write_json

__all__ = ["HeldOutSource", "LeaveOneOutResult", "leave_one_out", "leave_one_out_split"]

#: The name of the baseline row (a random split of all rows).
BASELINE = "(random split)"
#: Metrics kept from :func:`surrogate.metrics.regression_report`, in table order.
METRICS = ("r2", "kendall_tau", "sparse_kendall_tau", "spearman", "mae", "rmse", "coverage_95")
_FORMAT = "surrogate-study-leave-one-out-1"


def leave_one_out_split(
    dataset: Dataset,
    column: str,
    value: Any,
    *,
    val_fraction: float = 0.1,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(train, val, test)`` row indices that hold out the rows where ``column == value``.

    ``test`` is every row with the value; ``train`` and ``val`` split the other rows by
    architecture (seeded) after dropping those whose ``arch_hash`` occurs in ``test``.

    Raises
    ------
    ValueError
        When the column is missing, no row has the value, or fewer than two architectures remain
        for training.
    """
    if column not in dataset.columns:
        raise ValueError(f"no column {column!r} to leave values of out; columns: {', '.join(dataset.columns)}")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), e.g. 0.1; got {val_fraction!r}")
    rest, test = split_by_column(dataset, column, [value])
    hashes = dataset.column("arch_hash").astype(str)
    rest = rest[~np.isin(hashes[rest], hashes[test])]
    if len(np.unique(hashes[rest])) < 2:
        raise ValueError(
            f"leaving out {column}={value!r} leaves {len(np.unique(hashes[rest]))} other architecture(s) "
            "to train on; the study needs at least 2 (and many more for a meaningful fit)"
        )
    tr, va = random_split(dataset.take(rest), (1 - val_fraction, val_fraction), rng=seed)
    if len(va) == 0:  # too few architectures for the fraction to round up to one
        tr, va = tr[1:], tr[:1]
    return rest[tr], rest[va], test


@dataclass(frozen=True)
class HeldOutSource:
    """The surrogate's figures on one held-out value (``held_out``) of the column."""

    held_out: str
    n_test: int
    n_train: int
    n_val: int
    n_overlap: int
    r2: float
    kendall_tau: float
    sparse_kendall_tau: float
    spearman: float
    mae: float
    rmse: float
    coverage_95: float
    fit_seconds: float

    def to_record(self) -> dict[str, Any]:
        """The fields as a flat dict (one CSV row)."""
        return asdict(self)


@dataclass(frozen=True)
class LeaveOneOutResult:
    """The outcome of :func:`leave_one_out`.

    Attributes
    ----------
    rows : tuple of HeldOutSource
        One per held-out value, in the column's sorted order.
    baseline : HeldOutSource or None
        The same surrogate on a random split of all rows (``held_out`` is :data:`BASELINE`).
    skipped : dict of str to str
        Values not held out, with the reason (too few rows).
    splits : dict of str to (train, val, test)
        The row indices each fit used (not written to files).
    column, family, target : str
    n_members : int
    config : dict
    """

    rows: tuple[HeldOutSource, ...]
    baseline: HeldOutSource | None
    skipped: dict[str, str]
    splits: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(repr=False)
    column: str = "source"
    family: str = "xgb"
    target: str = "val_accuracy"
    n_members: int = 5
    config: dict[str, Any] = field(default_factory=dict)

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per held-out value, then the baseline (the CSV rows)."""
        rows = list(self.rows) + ([self.baseline] if self.baseline is not None else [])
        return [r.to_record() for r in rows]

    def to_dict(self) -> dict[str, Any]:
        """Everything but the index arrays, JSON-ready."""
        return {
            "format": _FORMAT,
            "study": "leave-one-out",
            "column": self.column,
            "family": self.family,
            "target": self.target,
            "n_members": self.n_members,
            "config": self.config,
            "held_out": [r.to_record() for r in self.rows],
            "baseline": self.baseline.to_record() if self.baseline is not None else None,
            "skipped": self.skipped,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> LeaveOneOutResult:
        """The result :meth:`to_dict` (or the JSON file :meth:`write`) describes (without ``splits``)."""
        if not isinstance(doc, Mapping) or doc.get("format") != _FORMAT:
            raise ValueError(f"not a leave-one-out result (expected format {_FORMAT!r})")

        def row(r: Mapping[str, Any]) -> HeldOutSource:
            return HeldOutSource(**{k: (math.nan if v is None else v) for k, v in r.items()})

        return cls(
            rows=tuple(row(r) for r in doc["held_out"]),
            baseline=row(doc["baseline"]) if doc.get("baseline") else None,
            skipped=dict(doc.get("skipped") or {}),
            splits={},
            column=doc["column"],
            family=doc["family"],
            target=doc["target"],
            n_members=doc["n_members"],
            config=dict(doc.get("config") or {}),
        )

    def to_table(self) -> str:
        """A text table: one row per held-out value, then the baseline."""
        head = (f"held-out {self.column}", "n test", "n train", "R²", "τ", "sparse τ", "MAE", "cov. 95%")
        rows = [
            (
                r.held_out,
                str(r.n_test),
                str(r.n_train),
                fmt(r.r2),
                fmt(r.kendall_tau),
                fmt(r.sparse_kendall_tau),
                fmt(r.mae),
                fmt(r.coverage_95, ".2f"),
            )
            for r in (*self.rows, *([self.baseline] if self.baseline else []))
        ]
        rule = (len(self.rows),) if self.baseline is not None else ()
        lines = [
            text_table(head, rows, rule_before=rule),
            f"{self.family} ensemble of {self.n_members}; target {self.target}.",
        ]
        if self.skipped:
            lines.append("not held out: " + "; ".join(f"{k} ({v})" for k, v in self.skipped.items()))
        return "\n".join(lines)

    def plot(self, path: str | Path) -> Path:
        """Write a PNG: R² and Kendall τ per held-out value, the baseline as a dashed line."""
        from ._plot import plot_leave_one_out

        return plot_leave_one_out(self, path)

    def write(self, out: str | Path, *, plot: bool = True) -> dict[str, Path]:
        """Write ``leave_one_out.json``, ``.csv`` (and ``.png``) into ``out``."""
        out = Path(out)
        files = {
            "json": write_json(self.to_dict(), out / "leave_one_out.json"),
            "csv": write_csv(self.to_records(), out / "leave_one_out.csv"),
        }
        if plot and self.rows:
            files["png"] = self.plot(out / "leave_one_out.png")
        return files


def _fit_seed(seed: int, name: str) -> int:
    """The ensemble seed of the fit that holds out ``name``: independent of which others are held out."""
    state = np.random.SeedSequence([int(seed), zlib.crc32(name.encode())]).generate_state(1, dtype=np.uint32)
    return int(state[0] & 0x7FFFFFFF)


def _score(
    dataset: Dataset,
    name: str,
    parts: tuple[np.ndarray, np.ndarray, np.ndarray],
    n_overlap: int,
    *,
    family: str,
    target: str,
    n_members: int,
    params: Mapping[str, Any] | None,
    seed: int,
) -> HeldOutSource:
    from surrogate.fit import evaluate, fit_surrogate

    t0 = time.perf_counter()
    no_test = np.zeros(0, dtype=np.int64)  # scored below
    fitted = fit_surrogate(
        dataset,
        family=family,
        target=target,
        split=(parts[0], parts[1], no_test),
        n_members=n_members,
        params=params,
        seed=seed,
        calibrate=len(parts[1]) >= 2,
        progress=False,
    )
    test = parts[2]
    test = test[np.isfinite(dataset.column(target)[test].astype(np.float64))]
    report, _, _ = evaluate(fitted.ensemble, fitted.space, dataset, target, test)
    return HeldOutSource(
        held_out=name,
        n_test=int(len(test)),
        n_train=fitted.sizes["train"],
        n_val=fitted.sizes["val"],
        n_overlap=int(n_overlap),
        **{m: float(report[m]) for m in METRICS},
        fit_seconds=time.perf_counter() - t0,
    )


def leave_one_out(
    dataset: Dataset,
    *,
    column: str = "source",
    family: str = "xgb",
    target: str = "val_accuracy",
    n_members: int = 5,
    params: Mapping[str, Any] | None = None,
    values: Iterable[Any] | None = None,
    min_rows: int = 20,
    val_fraction: float = 0.1,
    baseline: bool = True,
    seed: int = 0,
    progress: bool | None = None,
) -> LeaveOneOutResult:
    """Fit without each value of ``column`` in turn and test on it.

    Parameters
    ----------
    dataset : Dataset
    column : str, default "source"
        The column whose values are left out (the optimizer that proposed each architecture).
    family : str, default "xgb"
    target : str, default "val_accuracy"
    n_members : int, default 5
    params : mapping, optional
        Model hyperparameters (defaults: ``configs/models/<family>.yaml``).
    values : iterable, optional
        The values to hold out; default every value with at least ``min_rows`` rows.
    min_rows : int, default 20
        Values with fewer rows (with a finite target) are skipped and listed in ``skipped``.
    val_fraction : float, default 0.1
        Validation share of the training architectures.
    baseline : bool, default True
        Also fit on a random 80/10/10 split of all rows.
    seed : int, default 0
        Seeds the splits and the ensembles.
    progress : bool or None, default None
        A progress bar over fits; ``None`` shows it only on a terminal.

    Returns
    -------
    LeaveOneOutResult

    Raises
    ------
    ValueError
        When the column is missing, has fewer than two values, or no value has ``min_rows`` rows.
    """
    from tqdm.auto import tqdm

    if column not in dataset.columns:
        raise ValueError(f"no column {column!r} to leave values of out; columns: {', '.join(dataset.columns)}")
    if target not in dataset.columns:
        raise ValueError(f"target {target!r} is not a column; columns: {', '.join(dataset.columns)}")
    finite = np.isfinite(dataset.column(target).astype(np.float64))
    col = np.asarray([str(v) for v in dataset.column(column).tolist()], dtype=object)
    names, counts = np.unique(col[finite].astype(str), return_counts=True)
    if len(names) < 2:
        raise ValueError(
            f"column {column!r} has {len(names)} distinct value(s) ({', '.join(map(str, names))}); leaving "
            "one out needs at least two (for NAS-Bench-301 data, the optimizers in the 'source' column)"
        )
    wanted = [str(v) for v in values] if values is not None else None
    if wanted is not None:
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            raise ValueError(f"no row has {column} in {unknown}; values present: {', '.join(names)}")
    skipped: dict[str, str] = {}
    chosen = []
    for name, count in zip(names.tolist(), counts.tolist()):
        if wanted is not None and name not in wanted:
            continue
        if count < min_rows:
            skipped[name] = f"{count} rows < min_rows {min_rows}"
        else:
            chosen.append(name)
    if not chosen:
        raise ValueError(
            f"no value of {column!r} has {min_rows} or more rows ({dict(zip(names.tolist(), counts.tolist()))}); "
            "lower min_rows (--min-rows) or use more data"
        )
    dataset.architectures()  # parse once; every take() reuses the cache
    # split_by_column compares the column's own values; map the string names back to them.
    raw = {str(v): v for v in dataset.column(column).tolist()}
    rows: list[HeldOutSource] = []
    splits: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    kw = {"family": family, "target": target, "n_members": n_members, "params": params}
    bar = tqdm(
        total=len(chosen) + int(baseline),
        desc="leave-one-out",
        unit="fit",
        disable=None if progress is None else not progress,
    )
    try:
        for name in chosen:
            tr, va, te = leave_one_out_split(dataset, column, raw[name], val_fraction=val_fraction, seed=seed)
            n_rest = int(np.count_nonzero(col != name))
            splits[name] = (tr, va, te)
            rows.append(
                _score(dataset, name, (tr, va, te), n_rest - len(tr) - len(va), seed=_fit_seed(seed, name), **kw)
            )
            bar.update(1)
        base = None
        if baseline:
            parts = random_split(dataset, (0.8, 0.1, 0.1), rng=seed)
            splits[BASELINE] = parts
            base = _score(dataset, BASELINE, parts, 0, seed=seed, **kw)
            bar.update(1)
    finally:
        bar.close()
    return LeaveOneOutResult(
        rows=tuple(rows),
        baseline=base,
        skipped=skipped,
        splits=splits,
        column=column,
        family=family,
        target=target,
        n_members=int(n_members),
        config={
            "min_rows": min_rows,
            "val_fraction": val_fraction,
            "seed": seed,
            "params": dict(params or {}),
            "data_fingerprint": dataset.fingerprint(),
            "n_rows": len(dataset),
        },
    )
