"""Fit, evaluate and save a surrogate ensemble on a :class:`~surrogate.data.Dataset`.

The one path every workflow takes (the CLI's ``fit``/``evaluate``/``tune``, the studies, the
shipped checkpoints): rows of a dataset → the space's encoder (feature matrix for trees, graph
batch for the GIN) → an :class:`~surrogate.ensemble.Ensemble` of ``n_members`` → calibration on the
validation split → metrics on validation and test → a checkpoint directory.

Examples
--------
>>> from surrogate.data import Dataset
>>> from surrogate.fit import fit_surrogate
>>> from surrogate.space import nb201
>>> cells = nb201.sample(60, rng=0)
>>> ds = Dataset.from_records([{"arch": str(c), "val_accuracy": 50.0 + c.ops.count("nor_conv_3x3")}
...                            for c in cells], space="nb201")
>>> result = fit_surrogate(ds, family="knn", n_members=2, seed=0)
>>> sorted(result.metrics), result.space.name
(['test', 'val'], 'nb201')
>>> import tempfile
>>> result.save(tempfile.mkdtemp() + "/nb201-knn").name
'nb201-knn'
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .data import Dataset, random_split, suspicious_targets
from .ensemble import Ensemble
from .metrics import regression_report
from .models import model_class
from .spaces import get_space

__all__ = [
    "FitData",
    "FitResult",
    "encode",
    "evaluate",
    "fit_surrogate",
    "prepare_fit",
    "seed_statistics",
    "split_indices",
]

DEFAULT_FRACTIONS = (0.8, 0.1, 0.1)
logger = logging.getLogger("surrogate.fit")


def encode(space: Any, archs: Sequence[Any], input_kind: str) -> Any:
    """The model input for ``archs``: :meth:`surrogate.spaces.Space.encode` (``space.features`` for
    matrix models, ``space.graph_batch`` for graph models)."""
    return space.encode(archs, input_kind)


def split_indices(dataset: Dataset, split: Any = None, seed: int = 0) -> tuple[tuple[np.ndarray, ...], dict]:
    """Resolve ``split`` into (train, val, test) row indices and a JSON description.

    ``split`` may be ``None`` (random 80/10/10 by architecture, seeded), a tuple of fractions, or a
    tuple of three index arrays.
    """
    if split is None or (isinstance(split, (tuple, list)) and all(isinstance(f, float) for f in split)):
        fractions = tuple(split) if split is not None else DEFAULT_FRACTIONS
        parts = random_split(dataset, fractions, rng=seed)
        if len(parts) != 3:
            raise ValueError(f"a split needs three parts (train, val, test), got fractions {fractions}")
        return parts, {"kind": "random_by_architecture", "fractions": list(fractions), "seed": seed}
    parts = tuple(np.asarray(p, dtype=np.int64) for p in split)
    if len(parts) != 3:
        raise ValueError("split must be (train, val, test) index arrays")
    return parts, {"kind": "indices", "sizes": [len(p) for p in parts]}


def seed_statistics(dataset: Dataset, target: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per architecture with two or more rows: (row index of its first row, mean, std ddof=1)."""
    hashes = dataset.column("arch_hash")
    y = dataset.column(target).astype(float)
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    multi = np.flatnonzero(counts >= 2)
    if len(multi) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    sums = np.bincount(inverse, weights=y)
    sq = np.bincount(inverse, weights=y**2)
    mean = sums / counts
    var = np.maximum((sq - counts * mean**2) / np.maximum(counts - 1, 1), 0.0)
    first = np.full(len(counts), -1, dtype=np.int64)
    order = np.arange(len(y))[::-1]
    first[inverse[order]] = order
    return first[multi], mean[multi], np.sqrt(var[multi])


def evaluate(
    ensemble: Ensemble, space: Any, dataset: Dataset, target: str, indices: np.ndarray | None = None
) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Metrics of ``ensemble`` on ``dataset`` rows (all by default): (report, mean, std).

    Adds ``kl_to_seeds`` when some architectures have several seeds among those rows (over those
    whose seeds differ; ``n_multi_seed`` counts them).
    """
    part = dataset if indices is None else dataset.take(indices)
    if len(part) == 0:
        raise ValueError("nothing to evaluate: the split is empty")
    archs = part.architectures()
    X = encode(space, archs, ensemble.model_class.input_kind)
    mean, std = ensemble.predict(X)
    y = part.column(target).astype(float)
    first, s_mean, s_std = seed_statistics(part, target)
    # KL to a point mass is infinite: leave out architectures whose seeds agree exactly (e.g. the
    # NB201 cells with no input-output path, all at chance accuracy).
    spread = s_std > 0
    first, s_mean, s_std = first[spread], s_mean[spread], s_std[spread]
    kw = {}
    if len(first) >= 2 and np.all(std[first] > 0):  # an uncalibrated single member has std 0
        kw = {"seed_mean": s_mean, "seed_std": s_std}
        # KL is between each architecture's predicted Gaussian and the Gaussian of its seeds.
        report_kl = regression_report(s_mean, mean[first], std[first], **kw)
    report = regression_report(y, mean, std)
    if kw:
        report["kl_to_seeds"] = report_kl.get("kl_to_seeds", float("nan"))
        report["n_multi_seed"] = int(len(first))
    return report, mean, std


@dataclass
class FitData:
    """A dataset made ready to fit on: the split, the targets and the encoded train/val inputs."""

    space: Any
    rows: tuple[np.ndarray, np.ndarray, np.ndarray]
    split: dict
    y: np.ndarray
    X_train: Any
    X_val: Any


def prepare_fit(
    dataset: Dataset,
    family: str,
    target: str,
    split: Any = None,
    seed: int = 0,
    *,
    min_rows: int = 1,
    train_size: int | None = None,
) -> FitData:
    """What every fit of ``family`` on ``dataset`` starts from (``fit_surrogate``, ``tune``).

    Resolves ``split`` (a spec string of :func:`surrogate.split_spec.resolve_split`, or what
    :func:`split_indices` takes), drops rows without a finite ``target``, warns about a suspicious
    target, fits the space's encoder on the training architectures and encodes train and val.

    Raises
    ------
    ValueError
        For a missing target column, or a split with fewer than ``min_rows`` train or val rows.
    """
    if target not in dataset.columns:
        raise ValueError(f"target {target!r} is not a column; columns: {', '.join(dataset.columns)}")
    space = get_space(dataset.space)
    if isinstance(split, str):
        from .split_spec import resolve_split

        (tr, va, te), split_desc = resolve_split(dataset, split, seed, train_size=train_size)
    elif train_size is not None:
        raise ValueError("train_size needs a split spec string (e.g. split='random')")
    else:
        (tr, va, te), split_desc = split_indices(dataset, split, seed)
    y_all = dataset.column(target).astype(float)
    ok = np.isfinite(y_all)
    tr, va, te = tr[ok[tr]], va[ok[va]], te[ok[te]]
    if len(tr) < min_rows or len(va) < min_rows:
        need = "both" if min_rows == 1 else f"at least {min_rows} of each"
        raise ValueError(f"the split leaves {len(tr)} training and {len(va)} validation rows; need {need}")
    for message in suspicious_targets(target, y_all[tr]):
        logger.warning("fitting %s on %d training rows: %s", family, len(tr), message)
    archs_tr = dataset.take(tr).architectures()
    space.fit(archs_tr)
    kind = model_class(family).input_kind
    X_tr = space.encode(archs_tr, kind)
    X_va = space.encode(dataset.take(va).architectures(), kind)
    return FitData(space, (tr, va, te), split_desc, y_all, X_tr, X_va)


@dataclass
class FitResult:
    """A fitted, calibrated ensemble with its metrics and provenance."""

    ensemble: Ensemble
    space: Any
    target: str
    metrics: dict[str, dict[str, float]]
    split: dict
    data_fingerprint: str
    fit_seconds: float
    sizes: dict[str, int]
    extra: dict = field(default_factory=dict)
    #: The calibrated predicted std on the test rows (those with a finite target), in their order.
    test_std: np.ndarray | None = None

    def save(self, directory: str | Path, *, overwrite: bool = False, extra: Mapping[str, Any] | None = None) -> Path:
        """Write a checkpoint directory (manifest + member files)."""
        from .checkpoint import save_checkpoint

        return save_checkpoint(
            self.ensemble,
            directory,
            target=self.target,
            encoder=self.space.encoder_record(),
            data_fingerprint=self.data_fingerprint,
            split=self.split,
            metrics=self.metrics,
            extra={"fit_seconds": self.fit_seconds, "sizes": self.sizes, **self.extra, **dict(extra or {})},
            overwrite=overwrite,
        )


def fit_surrogate(
    dataset: Dataset,
    *,
    family: str,
    target: str = "val_accuracy",
    split: Any = None,
    n_members: int = 10,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    calibrate: bool = True,
    progress: bool | None = None,
    callback: Callable | None = None,
    threads: int | None = None,
    train_size: int | None = None,
) -> FitResult:
    """Fit an ensemble of ``family`` on ``dataset`` and measure it.

    Parameters
    ----------
    dataset : Dataset
    family : {"gin", "xgb", "lgb", "rf", "knn"}
    target : str, default "val_accuracy"
        Any numeric column (``train_time`` for a runtime model).
    split : None, str, fractions or (train, val, test) indices
        A spec of :func:`surrogate.split_spec.resolve_split` (``"random"``, ``"rows"``,
        ``"official:DIR"``, ``"leave-out:COLUMN=VALUE"``) or what :func:`split_indices` takes;
        default a seeded 80/10/10 split by architecture.
    n_members : int, default 10
    params : mapping, optional
        Model hyperparameters (defaults: ``configs/models/<family>.yaml``).
    seed : int, default 0
        Seeds the split (when random) and the members.
    calibrate : bool, default True
        Fit the std calibration on the validation split.
    threads : int, optional
        Most cores the members train on (``None``: ``SURROGATE_THREADS`` or the idle cores;
        see :meth:`surrogate.ensemble.Ensemble.fit`).
    train_size : int, optional
        With a spec string: fit on a seeded subsample of this many training rows (recorded in
        the split, so evaluation rebuilds it).
    """
    prep = prepare_fit(dataset, family, target, split, seed, train_size=train_size)
    space, (tr, va, te), split_desc, y_all = prep.space, prep.rows, prep.split, prep.y
    X_tr, X_va = prep.X_train, prep.X_val
    t0 = time.perf_counter()
    ens = Ensemble(family, n_members=n_members, params=dict(params or {}), seed=seed)
    fit_kwargs: dict[str, Any] = {}
    if progress is not None:
        fit_kwargs["progress"] = progress
    if callback is not None:
        fit_kwargs["callback"] = callback
    if threads is not None:
        fit_kwargs["threads"] = threads
    ens.fit(X_tr, y_all[tr], X_va, y_all[va], **fit_kwargs)
    if calibrate and n_members >= 2:
        ens.calibrate(X_va, y_all[va])
    fit_seconds = time.perf_counter() - t0
    metrics = {"val": evaluate(ens, space, dataset, target, va)[0]}
    test_std = None
    if len(te):
        metrics["test"], _, test_std = evaluate(ens, space, dataset, target, te)
    return FitResult(
        ensemble=ens,
        space=space,
        target=target,
        metrics=metrics,
        split=split_desc,
        data_fingerprint=dataset.fingerprint(),
        fit_seconds=fit_seconds,
        sizes={"train": int(len(tr)), "val": int(len(va)), "test": int(len(te))},
        test_std=test_std,
    )
