"""k-nearest-neighbours baseline (scikit-learn), saved as its training matrix and targets.

A kNN model *is* its training set: ``train.npz`` (read with ``allow_pickle=False``) holds the
rows it keeps, and loading rebuilds the same ``KNeighborsRegressor`` on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ._base import BaseModel, Callback, check_choice, check_number

__all__ = ["KNNModel"]

_FILE = "train.npz"


class KNNModel(BaseModel):
    """k-nearest-neighbours regressor (a baseline).

    Parameters
    ----------
    n_neighbors : int, default 10
    weights : {"uniform", "distance"}, default "distance"
    p : float, default 2.0
        Minkowski exponent: 1 Manhattan, 2 Euclidean.
    subsample : float, default 0.8
        Fraction of training rows kept, drawn with ``seed``. Below 1 it is what makes the
        members of a kNN ensemble differ (at 1.0 they are identical and the ensemble std is 0).
    n_jobs : int or None, default None
    seed : int, default 0

    Attributes
    ----------
    X_train_ : ndarray of shape (m, d), float32
    y_train_ : ndarray of shape (m,), float64
    n_features_in_ : int
    """

    family: ClassVar[str] = "knn"
    libraries: ClassVar[tuple[str, ...]] = ("scikit-learn",)

    def __init__(
        self,
        *,
        n_neighbors: int = 10,
        weights: str = "distance",
        p: float = 2.0,
        subsample: float = 0.8,
        n_jobs: int | None = None,
        seed: int = 0,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.p = p
        self.subsample = subsample
        self.n_jobs = n_jobs
        self.seed = seed

    def _check_params(self) -> None:
        super()._check_params()
        check_number("n_neighbors", self.n_neighbors, low=1, integer=True)
        check_choice("weights", self.weights, ("uniform", "distance"))
        check_number("p", self.p, low=1)
        check_number("subsample", self.subsample, low=0, high=1, low_open=True)
        if self.n_jobs is not None:
            check_number("n_jobs", self.n_jobs, low=1, integer=True)

    def _fit(
        self, X: np.ndarray, y: np.ndarray, val: tuple[np.ndarray, np.ndarray] | None, callback: Callback | None
    ) -> None:
        n = X.shape[0]
        keep = n
        if self.subsample < 1:
            keep = max(1, int(round(self.subsample * n)))
            rows = np.sort(np.random.default_rng(int(self.seed)).choice(n, size=keep, replace=False))
            X, y = X[rows], y[rows]
        if keep < self.n_neighbors:
            raise ValueError(
                f"n_neighbors={self.n_neighbors} but only {keep} training rows are kept "
                f"({n} given, subsample={self.subsample}); lower n_neighbors or give more data"
            )
        self.X_train_ = np.ascontiguousarray(X, dtype=np.float32)
        self.y_train_ = np.ascontiguousarray(y, dtype=np.float64)
        self._build()
        if callback is not None:
            info = {} if val is None else {"val": float(np.mean((self._predict(val[0]) - val[1]) ** 2))}
            callback(0, info)

    def _build(self) -> None:
        from sklearn.neighbors import KNeighborsRegressor

        self._knn = KNeighborsRegressor(
            n_neighbors=self.n_neighbors, weights=self.weights, p=float(self.p), n_jobs=self.n_jobs
        ).fit(self.X_train_, self.y_train_)

    def _reset(self) -> None:
        super()._reset()
        self.__dict__.pop("_knn", None)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self._knn.predict(X)

    def _save_state(self, directory: Path) -> dict[str, Any]:
        np.savez_compressed(directory / _FILE, X=self.X_train_, y=self.y_train_)
        return {"file": _FILE, "n_train": int(self.X_train_.shape[0])}

    def _load_state(self, directory: Path, state: Mapping[str, Any]) -> None:
        path = self._state_file(directory, state, _FILE)
        with np.load(path, allow_pickle=False) as f:
            if not {"X", "y"} <= set(f.files):
                raise ValueError(f"{path} lacks the arrays X and y; the saved model is damaged")
            X, y = f["X"].astype(np.float32), f["y"].astype(np.float64)
        if X.ndim != 2 or y.shape != (X.shape[0],) or X.shape[1] != self.n_features_in_:
            raise ValueError(f"{path} holds arrays of shapes {X.shape} and {y.shape}, which do not match model.json")
        self.X_train_, self.y_train_ = np.ascontiguousarray(X), np.ascontiguousarray(y)
        self._build()
