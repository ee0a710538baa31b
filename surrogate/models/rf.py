"""Random forest baseline (scikit-learn), saved as plain arrays and predicted by our own traversal.

scikit-learn has no native non-pickle format, so after fitting the forest's trees are exported
into flat arrays (children, split feature, threshold, leaf value) and the estimator is dropped.
Prediction always walks those arrays, vectorised over trees and rows, which makes a saved
(``trees.npz``, read with ``allow_pickle=False``) and a freshly fitted model predict identically.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np

from ._base import BaseModel, Callback, check_number

__all__ = ["Forest", "RandomForestModel"]

_FILE = "trees.npz"
#: Rows per traversal chunk: bounds the (trees x rows) index arrays to a few MB.
_CELLS = 1 << 21


class Forest(NamedTuple):
    """Every tree of a forest in flat arrays; node ids are global across trees.

    A leaf is encoded so that traversal needs no branch: its children are itself, its feature
    is 0 and its threshold ``+inf`` (every value goes "left", i.e. stays).
    """

    roots: np.ndarray  # (n_trees,) int64, the root node id of each tree
    left: np.ndarray  # (n_nodes,) int64
    right: np.ndarray  # (n_nodes,) int64
    feature: np.ndarray  # (n_nodes,) int64
    threshold: np.ndarray  # (n_nodes,) float64
    value: np.ndarray  # (n_nodes,) float64
    depth: int  # the deepest tree's depth: traversal steps

    @classmethod
    def from_sklearn(cls, estimators: list[Any]) -> Forest:
        """Export fitted ``DecisionTreeRegressor`` objects (single output)."""
        lefts, rights, feats, thrs, vals, roots = [], [], [], [], [], []
        offset, depth = 0, 0
        for est in estimators:
            t = est.tree_
            n = t.node_count
            leaf = t.children_left == -1
            ids = np.arange(offset, offset + n, dtype=np.int64)
            lefts.append(np.where(leaf, ids, t.children_left.astype(np.int64) + offset))
            rights.append(np.where(leaf, ids, t.children_right.astype(np.int64) + offset))
            feats.append(np.where(leaf, 0, t.feature).astype(np.int64))
            thrs.append(np.where(leaf, np.inf, t.threshold))
            vals.append(t.value[:, 0, 0].astype(np.float64))
            roots.append(offset)
            depth = max(depth, int(t.max_depth))
            offset += n
        return cls(
            np.asarray(roots, dtype=np.int64),
            np.concatenate(lefts),
            np.concatenate(rights),
            np.concatenate(feats),
            np.concatenate(thrs),
            np.concatenate(vals),
            depth,
        )

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Mean over trees of each row's leaf value. ``X`` is float32, compared as sklearn does."""
        n_trees = len(self.roots)
        out = np.empty(X.shape[0], dtype=np.float64)
        step = max(1, _CELLS // max(n_trees, 1))
        for start in range(0, X.shape[0], step):
            Xc = X[start : start + step]
            node = np.repeat(self.roots[:, None], Xc.shape[0], axis=1)
            cols = np.arange(Xc.shape[0])[None, :]
            for _ in range(self.depth):
                go_left = Xc[cols, self.feature[node]] <= self.threshold[node]
                node = np.where(go_left, self.left[node], self.right[node])
            out[start : start + step] = self.value[node].mean(axis=0)
        return out

    def save(self, path: Path) -> None:
        arrays = {k: getattr(self, k) for k in ("roots", "left", "right", "feature", "threshold", "value")}
        np.savez_compressed(path, depth=np.int64(self.depth), **arrays)

    @classmethod
    def load(cls, path: Path) -> Forest:
        with np.load(path, allow_pickle=False) as f:
            missing = {"roots", "left", "right", "feature", "threshold", "value", "depth"} - set(f.files)
            if missing:
                raise ValueError(f"{path} lacks arrays {sorted(missing)}; the saved forest is damaged")
            forest = cls(
                f["roots"].astype(np.int64),
                f["left"].astype(np.int64),
                f["right"].astype(np.int64),
                f["feature"].astype(np.int64),
                f["threshold"].astype(np.float64),
                f["value"].astype(np.float64),
                int(f["depth"]),
            )
        n = len(forest.left)
        if not (len(forest.right) == len(forest.feature) == len(forest.threshold) == len(forest.value) == n):
            raise ValueError(f"{path} has node arrays of different lengths; the saved forest is damaged")
        for name in ("roots", "left", "right"):
            a = getattr(forest, name)
            if a.size and (a.min() < 0 or a.max() >= n):
                raise ValueError(f"{path}: {name} points outside the node arrays; the saved forest is damaged")
        return forest


class RandomForestModel(BaseModel):
    """Random forest regressor (a baseline). Members of an ensemble differ in their bootstrap.

    Parameters
    ----------
    n_estimators : int, default 100
    max_depth : int or None, default None
        ``None``: grow until leaves are pure or hit ``min_samples_leaf``.
    min_samples_leaf : int, default 2
    max_features : float, default 0.5
        Fraction of features tried at each split.
    bootstrap : bool, default True
    n_jobs : int or None, default None
        Threads for fitting (the result does not depend on it).
    seed : int, default 0

    Attributes
    ----------
    forest_ : Forest
    n_features_in_ : int
    """

    family: ClassVar[str] = "rf"
    libraries: ClassVar[tuple[str, ...]] = ("scikit-learn",)

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        max_depth: int | None = None,
        min_samples_leaf: int = 2,
        max_features: float = 0.5,
        bootstrap: bool = True,
        n_jobs: int | None = None,
        seed: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.n_jobs = n_jobs
        self.seed = seed

    def _check_params(self) -> None:
        super()._check_params()
        check_number("n_estimators", self.n_estimators, low=1, integer=True)
        if self.max_depth is not None:
            check_number("max_depth", self.max_depth, low=1, integer=True)
        check_number("min_samples_leaf", self.min_samples_leaf, low=1, integer=True)
        check_number("max_features", self.max_features, low=0, high=1, low_open=True)
        if not isinstance(self.bootstrap, bool):
            raise ValueError(f"bootstrap must be True or False, got {self.bootstrap!r}")
        if self.n_jobs is not None:
            check_number("n_jobs", self.n_jobs, low=1, integer=True)

    def _fit(
        self, X: np.ndarray, y: np.ndarray, val: tuple[np.ndarray, np.ndarray] | None, callback: Callback | None
    ) -> None:
        from sklearn.ensemble import RandomForestRegressor

        rf = RandomForestRegressor(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            max_features=float(self.max_features),
            bootstrap=self.bootstrap,
            n_jobs=self.n_jobs,
            random_state=int(self.seed),
        )
        rf.fit(X, y)
        self.forest_ = Forest.from_sklearn(rf.estimators_)
        if callback is not None:
            info = {"train": float(np.mean((self.forest_.predict(X) - y) ** 2))}
            if val is not None:
                info["val"] = float(np.mean((self.forest_.predict(val[0]) - val[1]) ** 2))
            callback(0, info)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.forest_.predict(X)

    def _save_state(self, directory: Path) -> dict[str, Any]:
        self.forest_.save(directory / _FILE)
        return {"file": _FILE, "n_trees": len(self.forest_.roots), "n_nodes": len(self.forest_.left)}

    def _load_state(self, directory: Path, state: Mapping[str, Any]) -> None:
        path = self._state_file(directory, state, _FILE)
        self.forest_ = Forest.load(path)
        if self.forest_.feature.size and self.forest_.feature.max() >= self.n_features_in_:
            raise ValueError(f"{path} splits on features beyond n_features_in_; the saved forest is damaged")
