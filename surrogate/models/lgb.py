"""Gradient-boosted trees with LightGBM on the feature matrix.

Saved as LightGBM's own text model (``model.txt``), trimmed to the best boosting round.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ._base import BaseModel, Callback, check_number
from ._threads import booster_fit_threads, current_threads

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
        Threads to fit on. ``None``: one inside an ensemble (members train side by side in
        worker processes instead, see :mod:`surrogate.models._threads`), else the idle cores
        (capped by ``SURROGATE_THREADS``). LightGBM's default took every thread, which on a
        shared machine cost more than it gained (issue 13).
    seed : int, default 0

    Attributes
    ----------
    booster_ : lightgbm.Booster
    n_rounds_ : int
    n_features_in_ : int
    """

    family: ClassVar[str] = "lgb"
    _parallel_fit: ClassVar[bool] = True
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
        params["num_threads"] = booster_fit_threads(self.n_jobs)
        return params

    def _fit(
        self, X: np.ndarray, y: np.ndarray, val: tuple[np.ndarray, np.ndarray] | None, callback: Callback | None
    ) -> None:
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
            self._booster_params(),
            train,
            num_boost_round=self.n_estimators,
            valid_sets=valid_sets or None,
            valid_names=valid_names or None,
            callbacks=callbacks,
        )
        n_rounds = (
            booster.best_iteration if val is not None and booster.best_iteration > 0 else booster.current_iteration()
        )
        # Re-read from the text we save, so the in-memory model is the saved one exactly.
        self.booster_ = lgb.Booster(model_str=booster.model_to_string(num_iteration=n_rounds))
        self.n_rounds_ = int(n_rounds)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        # Small batches on one thread: OpenMP's start-up and synchronisation cost more than the
        # trees (measured: 160 ms instead of ~1 ms for one row on a loaded 2-core machine).
        # Inside a query (surrogate.models._threads.query_threads) the query's count, capped by n_jobs.
        chosen = current_threads()
        if chosen is not None:
            kwargs = {"num_threads": chosen if self.n_jobs is None else min(chosen, int(self.n_jobs))}
        elif len(X) < SMALL_BATCH:
            kwargs = {"num_threads": 1}
        else:
            kwargs = {} if self.n_jobs is None else {"num_threads": int(self.n_jobs)}
        return self.booster_.predict(X, **kwargs)

    #: An ensemble predicts plain matrices with :meth:`stack` too (it equals the members' own
    #: ``predict`` bit for bit, so recorded metrics reproduce).
    stacks_matrices: ClassVar[bool] = True

    @classmethod
    def stack(cls, members: list[LightGBMModel]) -> Any:
        """All ``members`` as one :class:`~surrogate.models._forest.ForestStack` (every tree in
        one compiled loop, the same predictions as each booster's), or ``None`` where a tree
        needs what the loop lacks."""
        from ._forest import ForestStack

        return ForestStack.from_boosters([m.booster_ for m in members], [m.n_jobs for m in members])

    def _save_state(self, directory: Path) -> dict[str, Any]:
        self.booster_.save_model(str(directory / _FILE))
        return {"file": _FILE, "n_rounds": self.n_rounds_}

    def _load_state(self, directory: Path, state: Mapping[str, Any]) -> None:
        import lightgbm as lgb

        path = self._state_file(directory, state, _FILE)
        try:
            text = path.read_text(encoding="ascii")
        except UnicodeDecodeError:
            raise ValueError(
                f"{path} is not a LightGBM model text (non-ASCII bytes); the saved model is damaged"
            ) from None
        check_model_text(text, str(path))
        self.booster_ = lgb.Booster(model_str=text)
        self.n_rounds_ = int(state["n_rounds"])


#: Per-tree arrays of LightGBM's model text and their length for ``n`` leaves.
_TREE_ARRAYS = {
    "split_feature": -1,
    "split_gain": -1,
    "threshold": -1,
    "decision_type": -1,
    "left_child": -1,
    "right_child": -1,
    "internal_value": -1,
    "internal_weight": -1,
    "internal_count": -1,
    "leaf_value": 0,
    "leaf_weight": 0,
    "leaf_count": 0,
}
_INTS = ("split_feature", "decision_type", "left_child", "right_child", "leaf_count", "internal_count")


def check_model_text(text: str, where: str) -> None:
    """Refuse a damaged LightGBM model text before LightGBM parses it.

    LightGBM parses the trees in an OpenMP loop, and an error there (a truncated file, a tree
    whose arrays do not match its leaf count, a garbled number) terminates the whole process
    instead of raising (measured with lightgbm 4.7: ``terminate called without an active
    exception``, after allocating over 20 GB on a truncated file). So the tree section is checked
    here: the ``tree_sizes`` header, each block's ``Tree=<i>`` line, every array's length and
    numbers, and the ``end of trees`` line. Raises ``ValueError`` naming ``where``.
    """

    def bad(why: str) -> ValueError:
        return ValueError(f"{where} is not a valid LightGBM model ({why}); the saved model is damaged")

    if not text.startswith("tree\n"):
        raise bad("it does not start with 'tree'")
    header, _, _ = text.partition("\n\n")
    fields = dict(line.split("=", 1) for line in header.splitlines()[1:] if "=" in line)
    try:
        sizes = [int(v) for v in fields["tree_sizes"].split()]
        n_features = int(fields["max_feature_idx"]) + 1
    except (KeyError, ValueError):
        raise bad("its header lacks tree_sizes or max_feature_idx, or they are not numbers") from None
    pos = len(header) + 2
    for i, size in enumerate(sizes):
        block = text[pos : pos + size]
        if size <= 0 or not block.startswith(f"Tree={i}\n") or not block.endswith("\n\n\n"):
            raise bad(f"tree {i} is not where tree_sizes puts it")
        _check_tree(
            dict(line.split("=", 1) for line in block.splitlines()[1:] if "=" in line),
            n_features,
            lambda why, i=i: bad(f"tree {i}: {why}"),
        )
        pos += size
    if not text.startswith("end of trees\n", pos):
        raise bad("no 'end of trees' after the last tree")


def _check_tree(tree: dict[str, str], n_features: int, bad: Callable[[str], ValueError]) -> None:
    try:
        leaves = int(tree["num_leaves"])
    except (KeyError, ValueError):
        raise bad("no num_leaves") from None
    if not 1 <= leaves <= 1 << 20 or tree.get("num_cat", "0") != "0" or tree.get("is_linear", "0") != "0":
        raise bad("an impossible leaf count, or categorical or linear trees (never written by this package)")
    for name, extra in _TREE_ARRAYS.items():
        if name not in tree:
            if leaves == 1 and extra < 0:
                continue
            raise bad(f"no {name}")
        values = tree[name].split()
        if len(values) != leaves + extra and not (leaves == 1 and not values and name != "leaf_value"):
            raise bad(f"{name} has {len(values)} values for {leaves} leaves")
        try:
            numbers = [int(v) for v in values] if name in _INTS else [float(v) for v in values]
        except ValueError:
            raise bad(f"{name} holds something that is not a number") from None
        if name in ("left_child", "right_child") and any(not -leaves <= c < leaves - 1 for c in numbers):
            raise bad(f"{name} points outside the tree")
        if name == "split_feature" and any(not 0 <= f < n_features for f in numbers):
            raise bad("a split on a feature the model does not have")
    try:
        float(tree.get("shrinkage", "1"))
    except ValueError:
        raise bad("shrinkage is not a number") from None


def _relay(callback: Callback) -> Any:
    """A LightGBM callback forwarding each round's evaluation; a truthy return stops training."""
    import lightgbm as lgb

    def relay(env: Any) -> None:
        info = {name: float(value) for name, _metric, value, _higher in env.evaluation_result_list}
        if callback(env.iteration, info):
            raise lgb.callback.EarlyStopException(env.iteration, env.evaluation_result_list)

    relay.order = 40  # after early stopping's bookkeeping (order 30)
    return relay
