"""Learning curves from a final-epoch prediction: a monotone mean curve, per-seed noisy curves, cost.

Epochs are 1-based prefixes of one training run at the benchmark's fidelity: epoch ``k`` is the
validation accuracy after ``k`` of its ``E`` epochs (with the learning-rate schedule of the whole
run, as the generator records it), not a shorter run.

:class:`CurveModel` predicts the *gap* of every epoch to the final one. The increments between
consecutive epochs of the real (seed-mean) curves are factorised as ``D ≈ A @ B`` with ``A, B >=
0`` (non-negative matrix factorisation, rank ``r``), and one tree regressor per component learns
``A`` from the architecture's features. The predicted gap of epoch ``k`` is the sum of the
predicted increments after it, so for every architecture the mean curve

    y_k = final - sum_{m >= k} (a @ B)_m

is non-decreasing in ``k`` by construction and ends exactly at the final-epoch prediction it is
given (the benchmark's own model): ``predict(arch, epoch=E) == predict(arch)`` to the bit.

:class:`CurveNoise` gives per-seed curves that behave like re-training: the seed deviations of
the multi-seed curves from their architecture's mean are pooled into one covariance over epochs
(a per-seed offset plus correlated per-epoch noise, as the data show it), and a seed's curve is
drawn from that Gaussian *conditioned on the final epoch's draw* that the benchmark already makes,
so the noisy curve's last point is the noisy final-epoch prediction. Every draw is a pure function
of (architecture key, seed, epoch) (:mod:`surrogate.noise`), whatever the batch or call order.

:class:`EpochCost` turns a predicted training time into cumulative elapsed seconds per epoch
(each epoch an equal share of the training time, as every epoch sees the same images, plus the
measured per-epoch scoring time): strictly increasing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .noise import splitmix64, standard_normal

__all__ = ["CurveBundle", "CurveModel", "CurveNoise", "CurveTable", "EpochCost", "check_epoch", "epoch_keys"]

_EPOCH_SALT = np.uint64(0xD1B54A32D192ED03)
FILE = "curve_model.json"
#: Small trees for the few hundred curves a fidelity has: no validation split to stop on, so few
#: rounds and small leaves; one thread (a curve model is fit beside other work).
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "lgb": {"n_estimators": 300, "learning_rate": 0.05, "num_leaves": 7, "min_child_samples": 5, "n_jobs": 1},
    "xgb": {"n_estimators": 300, "learning_rate": 0.05, "max_depth": 3, "n_jobs": 1},
}


def _curves(curves: Any) -> np.ndarray:
    y = np.asarray(curves, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] < 2:
        raise ValueError(f"curves must be a (rows, epochs >= 2) matrix, got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("curves hold non-finite values")
    return y


def epoch_keys(keys: np.ndarray, epoch: int) -> np.ndarray:
    """Keys of epoch ``epoch`` (1-based) derived from architecture keys: one independent stream per epoch."""
    keys = np.asarray(keys, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return splitmix64(keys ^ (_EPOCH_SALT * np.uint64(epoch)))


class CurveModel:
    """Mean learning curves ending at a given final-epoch prediction, monotone by construction."""

    def __init__(self, basis: np.ndarray, regressors: Sequence[Any], family: str, params: Mapping[str, Any]):
        self.basis = np.asarray(basis, dtype=np.float64)  # (rank, epochs - 1), >= 0
        if self.basis.ndim != 2 or np.any(self.basis < 0) or not np.all(np.isfinite(self.basis)):
            raise ValueError("the basis must be a finite, non-negative (rank, epochs - 1) matrix")
        if len(regressors) != len(self.basis):
            raise ValueError(f"{len(regressors)} regressors for a basis of rank {len(self.basis)}")
        self.regressors = list(regressors)
        self.family, self.params = family, dict(params)

    @property
    def epochs(self) -> int:
        return self.basis.shape[1] + 1

    @classmethod
    def fit(
        cls,
        X: np.ndarray,
        curves: Any,
        rank: int = 3,
        family: str = "lgb",
        params: Mapping[str, Any] | None = None,
        seed: int = 0,
    ) -> CurveModel:
        """Fit on features ``X`` (rows, features) and real curves (rows, epochs), e.g. seed means.

        Negative increments (a real curve that dips) are taken as zero: the mean curve is
        monotone, and dips of a seed mean are within its noise.
        """
        from sklearn.decomposition import NMF

        from .models import make_model

        y = _curves(curves)
        X = np.asarray(X, dtype=np.float32)
        if len(X) != len(y):
            raise ValueError(f"{len(X)} feature rows for {len(y)} curves")
        inc = np.maximum(np.diff(y, axis=1), 0.0)
        rank = int(max(1, min(rank, inc.shape[1], len(y))))
        nmf = NMF(n_components=rank, init="nndsvda", max_iter=2000, random_state=seed)
        coef = nmf.fit_transform(inc)
        basis = nmf.components_
        scale = basis.sum(1, keepdims=True)  # components of unit total increment: coefficients in points
        scale = np.where(scale > 0, scale, 1.0)
        basis, coef = basis / scale, coef * scale.T
        params = {**DEFAULT_PARAMS.get(family, {}), "seed": seed, **dict(params or {})}
        regressors = [make_model(family, **params).fit(X, coef[:, j]) for j in range(rank)]
        return cls(basis, regressors, family, params)

    def coefficients(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        return np.maximum(np.stack([r.predict(X) for r in self.regressors], axis=1), 0.0)

    def gaps(self, X: np.ndarray) -> np.ndarray:
        """Predicted final-minus-epoch gaps (rows, epochs): >= 0, non-increasing, 0 at the last epoch."""
        inc = self.coefficients(X) @ self.basis  # (rows, epochs - 1)
        tail = np.cumsum(inc[:, ::-1], axis=1)[:, ::-1]
        return np.concatenate([tail, np.zeros((len(inc), 1))], axis=1)

    def curve(self, X: np.ndarray, final: np.ndarray) -> np.ndarray:
        """Mean curves (rows, epochs) whose last column is ``final`` exactly."""
        final = np.asarray(final, dtype=np.float64).reshape(-1)
        gaps = self.gaps(X)
        if len(final) != len(gaps):
            raise ValueError(f"{len(final)} final values for {len(gaps)} rows")
        out = final[:, None] - gaps
        out[:, -1] = final
        return out

    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for j, r in enumerate(self.regressors):
            r.save(directory / f"component_{j}")
        meta = {"format": 1, "family": self.family, "params": self.params, "basis": self.basis.tolist()}
        (directory / FILE).write_text(json.dumps(meta, indent=1) + "\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> CurveModel:
        from .models import load_model

        directory = Path(directory)
        try:
            meta = json.loads((directory / FILE).read_text())
            if meta.get("format") != 1:
                raise ValueError(f"unknown format {meta.get('format')!r}")
            basis = np.asarray(meta["basis"], dtype=np.float64)
            regressors = [load_model(directory / f"component_{j}") for j in range(len(basis))]
            return cls(basis, regressors, meta["family"], meta["params"])
        except (OSError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"cannot load the curve model in {directory}: {exc}") from exc


class CurveNoise:
    """Seed noise over epochs: one pooled covariance, sampled conditionally on the final epoch's draw."""

    def __init__(self, cov: np.ndarray, n_architectures: int = 0):
        cov = np.asarray(cov, dtype=np.float64)
        if cov.ndim != 2 or cov.shape[0] != cov.shape[1] or cov.shape[0] < 2:
            raise ValueError(f"the covariance must be square over >= 2 epochs, got shape {cov.shape}")
        if not (np.all(np.isfinite(cov)) and np.allclose(cov, cov.T) and cov[-1, -1] > 0):
            raise ValueError("the covariance must be finite, symmetric, with a positive final variance")
        self.cov, self.n_architectures = cov, int(n_architectures)
        E = len(cov)
        self._regress = cov[:-1, -1] / cov[-1, -1]  # E[e_<E | e_E] = regress * e_E
        cond = cov[:-1, :-1] - np.outer(cov[:-1, -1], cov[-1, :-1]) / cov[-1, -1]
        w, v = np.linalg.eigh((cond + cond.T) / 2)
        self._root = v * np.sqrt(np.clip(w, 0.0, None))  # cond = root @ root.T, also when singular
        self.epochs = E

    @property
    def final_std(self) -> float:
        return float(np.sqrt(self.cov[-1, -1]))

    @classmethod
    def fit(cls, arch_ids: Sequence[Any], curves: Any) -> CurveNoise:
        """Pool the within-architecture covariance of the curves (rows: runs; ``arch_ids``: which architecture)."""
        y = _curves(curves)
        ids = np.asarray(arch_ids)
        if len(ids) != len(y):
            raise ValueError(f"{len(ids)} architecture ids for {len(y)} curves")
        _, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(-1)
        keep = counts[inverse] >= 2
        if not keep.any():
            raise ValueError("no architecture has two or more curves: seed noise cannot be measured")
        means = np.zeros((len(counts), y.shape[1]))
        np.add.at(means, inverse, y)
        means /= counts[:, None]
        dev = (y - means[inverse])[keep]
        dof = int(np.sum(counts[counts >= 2] - 1))
        return cls(dev.T @ dev / dof, n_architectures=int(np.sum(counts >= 2)))

    def deviations(
        self, keys: np.ndarray, seed: int, final_z: np.ndarray | None = None, final_std: float | None = None
    ) -> np.ndarray:
        """Seed ``seed``'s deviations (rows, epochs) from the mean curve.

        ``final_z``: the standard-normal draw the benchmark makes for the final epoch (default:
        :func:`surrogate.noise.standard_normal` of ``keys``); ``final_std``: the benchmark's seed
        std for it (default: this covariance's). The last column is ``final_std * final_z``.
        """
        keys = np.asarray(keys, dtype=np.uint64).reshape(-1)
        z = standard_normal(keys, seed) if final_z is None else np.asarray(final_z, dtype=np.float64)
        sd = self.final_std if final_std is None else float(final_std)
        e_final = sd * z
        w = np.stack([standard_normal(epoch_keys(keys, k), seed) for k in range(1, self.epochs)], axis=1)
        scale = sd / self.final_std  # a benchmark whose final std differs scales every epoch alike
        # an elementwise product summed per row, not a BLAS matmul: BLAS picks other kernels (and
        # summation orders) for one row than for many, and a draw must not depend on the batch
        correlated = (w[:, None, :] * self._root[None, :, :]).sum(axis=2)
        early = np.outer(e_final, self._regress) + scale * correlated
        return np.concatenate([early, e_final[:, None]], axis=1)

    def to_dict(self) -> dict:
        return {"format": 1, "cov": self.cov.tolist(), "n_architectures": self.n_architectures}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CurveNoise:
        if d.get("format") != 1:
            raise ValueError(f"unknown curve-noise format {d.get('format')!r}")
        return cls(np.asarray(d["cov"], dtype=np.float64), int(d.get("n_architectures", 0)))


class EpochCost:
    """Cumulative seconds after each epoch from a run's total training time: strictly increasing."""

    def __init__(self, train_share: np.ndarray, eval_seconds: np.ndarray):
        share = np.asarray(train_share, dtype=np.float64)
        ev = np.asarray(eval_seconds, dtype=np.float64)
        if share.ndim != 1 or len(share) < 1 or np.any(share <= 0) or not np.isclose(share.sum(), 1.0):
            raise ValueError("train_share must be positive per epoch and sum to 1")
        if ev.shape != share.shape or np.any(ev < 0) or not np.all(np.isfinite(ev)):
            raise ValueError("eval_seconds must be finite, >= 0, one per epoch")
        self.train_share, self.eval_seconds = share, ev

    @property
    def epochs(self) -> int:
        return len(self.train_share)

    def elapsed(self, train_time: np.ndarray, epoch: int | None = None) -> np.ndarray:
        """Cumulative seconds (training + scoring) after each epoch, (rows, epochs); or after ``epoch``."""
        total = np.maximum(np.asarray(train_time, dtype=np.float64).reshape(-1), 1e-9)
        per_epoch = total[:, None] * self.train_share[None, :] + self.eval_seconds[None, :]
        cum = np.cumsum(per_epoch, axis=1)
        if epoch is None:
            return cum
        return cum[:, check_epoch(epoch, self.epochs) - 1]

    def cost(self, train_time: np.ndarray, from_epoch: int, to_epoch: int) -> np.ndarray:
        """Seconds to resume a run after ``from_epoch`` (0: from scratch) and train it to ``to_epoch``."""
        if not 0 <= int(from_epoch) < int(to_epoch) <= self.epochs:
            raise ValueError(f"need 0 <= from_epoch < to_epoch <= {self.epochs}, got {from_epoch}, {to_epoch}")
        cum = np.concatenate([np.zeros((len(np.atleast_1d(train_time)), 1)), self.elapsed(train_time)], axis=1)
        return cum[:, int(to_epoch)] - cum[:, int(from_epoch)]

    def to_dict(self) -> dict:
        return {"format": 1, "train_share": self.train_share.tolist(), "eval_seconds": self.eval_seconds.tolist()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EpochCost:
        if d.get("format") != 1:
            raise ValueError(f"unknown epoch-cost format {d.get('format')!r}")
        return cls(np.asarray(d["train_share"]), np.asarray(d["eval_seconds"]))


def check_epoch(epoch: Any, epochs: int) -> int:
    """``epoch`` as an int in ``1..epochs``, else a ``ValueError``."""
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or not 1 <= int(epoch) <= epochs:
        raise ValueError(f"epoch must be an int in 1..{epochs} (epochs are 1-based prefixes of one run), got {epoch!r}")
    return int(epoch)


class CurveTable:
    """A Dataset's learning curves grouped by architecture (what the curve model, its study and
    ``bench/curves.py`` fit and judge on).

    Rows without a ``val_curve`` (and, with ``epochs``/``seed``, of another length or seed) are
    left out. Architectures come in ``arch_hash`` order; ``runs[i]`` is the curve of dataset row
    ``rows[i]``, of architecture ``arch[i]``; ``means[a]`` averages architecture ``a``'s runs.
    """

    def __init__(self, dataset: Any, *, epochs: int | None = None, seed: int | None = None):
        if "val_curve" not in dataset.columns:
            raise ValueError("the dataset has no val_curve column: its evaluations recorded no learning curves")
        curves = dataset.table.column("val_curve").to_pylist()
        seeds = dataset.column("seed")
        rows = [
            i
            for i, c in enumerate(curves)
            if c is not None and (seed is None or seeds[i] == seed) and (epochs is None or len(c) == epochs)
        ]
        lengths = {len(curves[i]) for i in rows}
        if not rows:
            raise ValueError("no learning curve " + (f"of {epochs} epochs " if epochs else "") + "in the dataset")
        if len(lengths) != 1:
            raise ValueError(f"curves of {len(lengths)} different lengths {sorted(lengths)}: select one fidelity first")
        self.rows = np.asarray(rows, dtype=np.int64)
        self.runs = np.asarray([curves[i] for i in rows], dtype=np.float64)
        _, first, inverse, counts = np.unique(
            dataset.column("arch_hash")[self.rows], return_index=True, return_inverse=True, return_counts=True
        )
        self.arch, self.counts = inverse.reshape(-1), counts
        self.means = np.zeros((len(counts), self.runs.shape[1]))
        np.add.at(self.means, self.arch, self.runs)
        self.means /= counts[:, None]
        genotypes = dataset.genotypes()
        self.genotypes = [genotypes[i] for i in self.rows[first]]
        self.first_row = self.rows[first]

    @property
    def epochs(self) -> int:
        return self.runs.shape[1]

    def __len__(self) -> int:
        return len(self.counts)

    def arch_mean(self, values: np.ndarray) -> np.ndarray:
        """Per-architecture mean of one value per run (e.g. a dataset column at :attr:`rows`)."""
        return np.bincount(self.arch, weights=np.asarray(values, dtype=float)) / self.counts


class CurveBundle:
    """What a benchmark needs to answer per-epoch queries: the curve model, its noise and its cost.

    Saved as one folder: ``model/`` (:class:`CurveModel`), ``curves.json`` (the noise covariance,
    the epoch cost, the epoch count and what it was fit on).
    """

    FILE = "curves.json"

    def __init__(self, model: CurveModel, noise: CurveNoise, cost: EpochCost, info: Mapping[str, Any] | None = None):
        if not (model.epochs == noise.epochs == cost.epochs):
            raise ValueError(f"epoch counts differ: model {model.epochs}, noise {noise.epochs}, cost {cost.epochs}")
        self.model, self.noise, self.cost, self.info = model, noise, cost, dict(info or {})

    @property
    def epochs(self) -> int:
        return self.model.epochs

    @classmethod
    def fit(
        cls, dataset: Any, space: Any, *, rank: int = 3, family: str = "lgb", seed: int = 0, min_architectures: int = 20
    ) -> CurveBundle:
        """From a Dataset with a ``val_curve`` column (rows without one are left out).

        The mean curves are the seed means of each architecture; the noise is pooled over the
        architectures with two or more curves; epochs are equal in training cost (every epoch
        sees the same images), so the cost splits the training time evenly and adds the
        measured per-epoch scoring time (``curve_eval_time`` when the data has it).
        """
        table = CurveTable(dataset)
        if len(table) < min_architectures:
            raise ValueError(f"curves of {len(table)} architectures; a curve model needs at least {min_architectures}")
        model = CurveModel.fit(space.features(table.genotypes), table.means, rank=rank, family=family, seed=seed)
        noise = CurveNoise.fit(table.arch, table.runs)
        E = table.epochs
        ev = dataset.column("curve_eval_time")[table.rows] if "curve_eval_time" in dataset.columns else np.zeros(0)
        ev = ev[np.isfinite(ev)]
        cost = EpochCost(np.full(E, 1.0 / E), np.full(E, float(ev.mean()) if len(ev) else 0.0))
        info = {
            "architectures": int(len(table)),
            "evaluations": int(len(table.runs)),
            "multi_seed_architectures": noise.n_architectures,
            "rank": int(model.basis.shape[0]),
        }
        return cls(model, noise, cost, info)

    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        self.model.save(directory / "model")
        doc = {
            "format": 1,
            "epochs": self.epochs,
            "noise": self.noise.to_dict(),
            "cost": self.cost.to_dict(),
            "info": self.info,
        }
        (directory / self.FILE).write_text(json.dumps(doc, indent=1) + "\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> CurveBundle:
        directory = Path(directory)
        try:
            doc = json.loads((directory / cls.FILE).read_text())
            if doc.get("format") != 1:
                raise ValueError(f"unknown format {doc.get('format')!r}")
            bundle = cls(
                CurveModel.load(directory / "model"),
                CurveNoise.from_dict(doc["noise"]),
                EpochCost.from_dict(doc["cost"]),
                doc.get("info"),
            )
        except (OSError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"cannot load the learning-curve model in {directory}: {exc}") from exc
        if bundle.epochs != doc.get("epochs"):
            raise ValueError(f"{directory}: curves.json says {doc.get('epochs')} epochs, the model has {bundle.epochs}")
        return bundle

    def mean_curves(self, features: np.ndarray, final: np.ndarray) -> np.ndarray:
        return self.model.curve(features, final)

    def noisy_curves(
        self, features: np.ndarray, final_mean: np.ndarray, keys: np.ndarray, seed: int, final_std: float
    ) -> np.ndarray:
        """Seed ``seed``'s curves: the mean curve plus deviations whose last point is the benchmark's own
        final-epoch noise ``final_std * standard_normal(keys, seed)``."""
        return self.model.curve(features, final_mean) + self.noise.deviations(keys, seed, final_std=final_std)
