"""Gradient-boosted trees with LightGBM on the feature matrix.

Saved as LightGBM's own text model (``model.txt``), trimmed to the best boosting round.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ._base import BaseModel, Callback, check_number

__all__ = ["LightGBMModel"]

#: Below this many rows, predict on one thread.
SMALL_BATCH = 2048
_FILE = "model.txt"


class LightGBMModel(BaseModel):
    """LightGBM regressor (L2 loss, leaf-wise trees) with early stopping on a validation split.

    Training is made reproducible with LightGBM's ``deterministic`` and ``force_row_wise``
    options, so a seed gives the same model on the same machine and thread count.

    Parameters
    ----------
    n_estimators : int, default 1000
        Most boosting rounds.
    learning_rate : float, default 0.03
    num_leaves : int, default 31
    max_depth : int, default -1
        ``-1``: no limit (``num_leaves`` bounds the trees).
    min_child_samples : int, default 20
        Minimum samples in a leaf.
    feature_fraction : float, default 0.5
        Feature fraction per tree.
    bagging_fraction : float, default 0.8
        Row fraction, redrawn every round.
    lambda_l2 : float, default 1.0
    lambda_l1 : float, default 0.0
    early_stopping_rounds : int, default 50
    n_jobs : int or None, default None
        Threads (``None``: LightGBM's default).
    seed : int, default 0

    Attributes
    ----------
    booster_ : lightgbm.Booster
    n_rounds_ : int
    n_features_in_ : int
    """

    family: ClassVar[str] = "lgb"
    libraries: ClassVar[tuple[str, ...]] = ("lightgbm",)

    def __init__(
        self,
        *,
        n_estimators: int = 1000,
        learning_rate: float = 0.03,
        num_leaves: int = 31,
        max_depth: int = -1,
        min_child_samples: int = 20,
        feature_fraction: float = 0.5,
        bagging_fraction: float = 0.8,
        lambda_l2: float = 1.0,
        lambda_l1: float = 0.0,
        early_stopping_rounds: int = 50,
        n_jobs: int | None = None,
        seed: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.lambda_l2 = lambda_l2
        self.lambda_l1 = lambda_l1
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.seed = seed

    def _check_params(self) -> None:
        super()._check_params()
        check_number("n_estimators", self.n_estimators, low=1, integer=True)
        check_number("learning_rate", self.learning_rate, low=0, low_open=True)
        check_number("num_leaves", self.num_leaves, low=2, integer=True)
        check_number("max_depth", self.max_depth, low=-1, integer=True)
        if self.max_depth == 0:
            raise ValueError("max_depth must be -1 (no limit) or >= 1, got 0")
        check_number("min_child_samples", self.min_child_samples, low=1, integer=True)
        check_number("feature_fraction", self.feature_fraction, low=0, high=1, low_open=True)
        check_number("bagging_fraction", self.bagging_fraction, low=0, high=1, low_open=True)
        check_number("lambda_l2", self.lambda_l2, low=0)
        check_number("lambda_l1", self.lambda_l1, low=0)
        check_number("early_stopping_rounds", self.early_stopping_rounds, low=1, integer=True)
        if self.n_jobs is not None:
            check_number("n_jobs", self.n_jobs, low=1, integer=True)

    def _booster_params(self) -> dict[str, Any]:
        params = {
            "objective": "regression",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "max_depth": self.max_depth,
            "min_data_in_leaf": self.min_child_samples,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": 1 if self.bagging_fraction < 1 else 0,
            "lambda_l2": self.lambda_l2,
            "lambda_l1": self.lambda_l1,
            "seed": int(self.seed),
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }
        if self.n_jobs is not None:
            params["num_threads"] = int(self.n_jobs)
        return params

    def _fit(self, X: np.ndarray, y: np.ndarray, val: tuple[np.ndarray, np.ndarray] | None,
             callback: Callback | None) -> None:
        import lightgbm as lgb

        train = lgb.Dataset(X, label=y, params={"verbosity": -1}, free_raw_data=True)
        valid_sets, valid_names, callbacks = [], [], []
        if callback is not None:
            valid_sets.append(train)
            valid_names.append("train")
        if val is not None:
            valid_sets.append(lgb.Dataset(val[0], label=val[1], reference=train))
            valid_names.append("val")
            callbacks.append(lgb.early_stopping(self.early_stopping_rounds, first_metric_only=True, verbose=False))
        if callback is not None:
            callbacks.append(_relay(callback))
        booster = lgb.train(
            self._booster_params(), train, num_boost_round=self.n_estimators,
            valid_sets=valid_sets or None, valid_names=valid_names or None, callbacks=callbacks,
        )
        n_rounds = booster.best_iteration if val is not None and booster.best_iteration > 0 else booster.current_iteration()
        # Re-read from the text we save, so the in-memory model is the saved one exactly.
        self.booster_ = lgb.Booster(model_str=booster.model_to_string(num_iteration=n_rounds))
        self.n_rounds_ = int(n_rounds)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        # Small batches on one thread: OpenMP's start-up and synchronisation cost more than the
        # trees (measured: 160 ms instead of ~1 ms for one row on a loaded 2-core machine).
        if len(X) < SMALL_BATCH:
            kwargs = {"num_threads": 1}
        else:
            kwargs = {} if self.n_jobs is None else {"num_threads": int(self.n_jobs)}
        return self.booster_.predict(X, **kwargs)

    def _save_state(self, directory: Path) -> dict[str, Any]:
        self.booster_.save_model(str(directory / _FILE))
        return {"file": _FILE, "n_rounds": self.n_rounds_}

    def _load_state(self, directory: Path, state: Mapping[str, Any]) -> None:
        import lightgbm as lgb

        path = directory / state.get("file", _FILE)
        if not path.is_file():
            raise ValueError(f"{directory} has no {path.name}; the saved model is incomplete")
        self.booster_ = lgb.Booster(model_file=str(path))
        self.n_rounds_ = int(state["n_rounds"])


def _relay(callback: Callback) -> Any:
    """A LightGBM callback forwarding each round's evaluation; a truthy return stops training."""
    import lightgbm as lgb

    def relay(env: Any) -> None:
        info = {name: float(value) for name, _metric, value, _higher in env.evaluation_result_list}
        if callback(env.iteration, info):
            raise lgb.callback.EarlyStopException(env.iteration, env.evaluation_result_list)

    relay.order = 40  # after early stopping's bookkeeping (order 30)
    return relay
