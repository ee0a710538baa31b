"""Gradient-boosted trees with XGBoost on the feature matrix.

Saved as XGBoost's own UBJSON (``model.ubj``), trimmed to the best boosting round, so a saved
model predicts exactly what the fitted one did and loads with any later XGBoost.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ._base import BaseModel, Callback, check_number
from ._threads import booster_fit_threads, current_threads
from ._ubjson import check_ubjson

__all__ = ["XGBoostModel"]

#: Below this many rows, predict on one thread.
SMALL_BATCH = 2048
_FILE = "model.ubj"


class XGBoostModel(BaseModel):
    """XGBoost regressor (squared error, ``hist`` trees) with early stopping on a validation split.

    Parameters
    ----------
    n_estimators : int, default 1000
        Most boosting rounds; early stopping on ``(X_val, y_val)`` usually ends sooner.
    learning_rate : float, default 0.03
    max_depth : int, default 8
    min_child_weight : float, default 1.0
    subsample : float, default 0.8
        Row fraction per tree; with ``colsample_bytree`` this is what makes ensemble members
        differ beyond their seed.
    colsample_bytree : float, default 0.5
    reg_lambda : float, default 1.0
        L2 penalty on leaf weights.
    reg_alpha : float, default 0.0
    gamma : float, default 0.0
        Minimum loss reduction to split.
    early_stopping_rounds : int, default 50
        Stop after this many rounds without validation improvement (only with a validation split).
    n_jobs : int or None, default None
        Threads to fit on. ``None``: one inside an ensemble (members train side by side in
        worker processes instead, see :mod:`surrogate.models._threads`), else the idle cores
        (capped by ``SURROGATE_THREADS``).
    seed : int, default 0

    Attributes
    ----------
    booster_ : xgboost.Booster
        Trimmed to the best round.
    n_rounds_ : int
        Boosting rounds kept.
    n_features_in_ : int
    """

    family: ClassVar[str] = "xgb"
    _parallel_fit: ClassVar[bool] = True
    libraries: ClassVar[tuple[str, ...]] = ("xgboost",)

    def __init__(
        self,
        *,
        n_estimators: int = 1000,
        learning_rate: float = 0.03,
        max_depth: int = 8,
        min_child_weight: float = 1.0,
        subsample: float = 0.8,
        colsample_bytree: float = 0.5,
        reg_lambda: float = 1.0,
        reg_alpha: float = 0.0,
        gamma: float = 0.0,
        early_stopping_rounds: int = 50,
        n_jobs: int | None = None,
        seed: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.gamma = gamma
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.seed = seed

    def _check_params(self) -> None:
        super()._check_params()
        check_number("n_estimators", self.n_estimators, low=1, integer=True)
        check_number("learning_rate", self.learning_rate, low=0, low_open=True)
        check_number("max_depth", self.max_depth, low=1, integer=True)
        check_number("min_child_weight", self.min_child_weight, low=0)
        check_number("subsample", self.subsample, low=0, high=1, low_open=True)
        check_number("colsample_bytree", self.colsample_bytree, low=0, high=1, low_open=True)
        check_number("reg_lambda", self.reg_lambda, low=0)
        check_number("reg_alpha", self.reg_alpha, low=0)
        check_number("gamma", self.gamma, low=0)
        check_number("early_stopping_rounds", self.early_stopping_rounds, low=1, integer=True)
        if self.n_jobs is not None:
            check_number("n_jobs", self.n_jobs, low=1, integer=True)

    def _booster_params(self) -> dict[str, Any]:
        params = {
            "objective": "reg:squarederror",
            "tree_method": "hist",
            "eta": self.learning_rate,
            "max_depth": self.max_depth,
            "min_child_weight": self.min_child_weight,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "lambda": self.reg_lambda,
            "alpha": self.reg_alpha,
            "gamma": self.gamma,
            "seed": int(self.seed),
            "verbosity": 0,
        }
        params["nthread"] = booster_fit_threads(self.n_jobs)
        return params

    def _fit(
        self, X: np.ndarray, y: np.ndarray, val: tuple[np.ndarray, np.ndarray] | None, callback: Callback | None
    ) -> None:
        import xgboost as xgb

        dtrain = xgb.QuantileDMatrix(X, label=y)
        evals = []
        if callback is not None:
            evals.append((dtrain, "train"))
        if val is not None:
            evals.append((xgb.DMatrix(val[0], label=val[1]), "val"))
        callbacks = []
        if val is not None:
            callbacks.append(
                xgb.callback.EarlyStopping(rounds=self.early_stopping_rounds, data_name="val", save_best=False)
            )
        if callback is not None:
            callbacks.append(_Relay(callback))
        booster = xgb.train(
            self._booster_params(),
            dtrain,
            num_boost_round=self.n_estimators,
            evals=evals,
            callbacks=callbacks,
            verbose_eval=False,
        )
        n_rounds = booster.num_boosted_rounds()
        if val is not None and "best_iteration" in booster.attributes():
            n_rounds = int(booster.attributes()["best_iteration"]) + 1
        self.booster_ = _trimmed(booster, n_rounds)
        self.n_rounds_ = n_rounds

    def _predict(self, X: np.ndarray) -> np.ndarray:
        # Small batches on one thread: OpenMP's start-up and synchronisation cost more than the
        # trees (measured: 18 ms instead of ~1 ms for one row on a loaded 2-core machine).
        chosen = current_threads()  # inside a query: its count, capped by n_jobs
        if chosen is not None:
            threads = chosen if self.n_jobs is None else min(chosen, int(self.n_jobs))
        else:
            threads = 1 if len(X) < SMALL_BATCH else (int(self.n_jobs) if self.n_jobs is not None else 0)
        if getattr(self, "_threads", None) != threads:
            self.booster_.set_param({"nthread": threads})
            self._threads = threads
        return self.booster_.inplace_predict(X)

    def _save_state(self, directory: Path) -> dict[str, Any]:
        self.booster_.save_model(str(directory / _FILE))
        return {"file": _FILE, "n_rounds": self.n_rounds_}

    def _load_state(self, directory: Path, state: Mapping[str, Any]) -> None:
        import xgboost as xgb

        path = self._state_file(directory, state, _FILE)
        check_ubjson(path.read_bytes(), str(path))  # XGBoost aborts the process on some damaged files
        booster = xgb.Booster()
        booster.load_model(str(path))
        if self.n_jobs is not None:
            booster.set_param({"nthread": int(self.n_jobs)})
        self.booster_ = booster
        self.n_rounds_ = int(state["n_rounds"])


def _trimmed(booster: Any, n_rounds: int) -> Any:
    """A booster with the first ``n_rounds`` rounds only, attributes dropped, as loaded from bytes.

    Round-tripping through UBJSON here makes the in-memory model byte-identical to a saved and
    loaded one, so ``predict`` cannot differ between the two.
    """
    import xgboost as xgb

    sliced = booster[:n_rounds] if n_rounds < booster.num_boosted_rounds() else booster
    for key in list(sliced.attributes()):
        sliced.set_attr(**{key: None})
    fresh = xgb.Booster()
    fresh.load_model(bytearray(sliced.save_raw("ubj")))
    return fresh


class _Relay:
    """Forwards each boosting round's last evaluation to a user callback."""

    def __new__(cls, callback: Callback) -> Any:
        import xgboost as xgb

        class Relay(xgb.callback.TrainingCallback):
            def after_iteration(self, model: Any, epoch: int, evals_log: Mapping[str, Any]) -> bool:
                info = {name: float(list(metrics.values())[0][-1]) for name, metrics in evals_log.items()}
                return bool(callback(epoch, info))

        return Relay()
