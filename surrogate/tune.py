"""Tune a model family's hyperparameters with Optuna (TPE), resumably, in any Optuna storage.

The search space and the fixed defaults come from ``configs/models/<family>.yaml``
(:func:`surrogate.models.load_config`): every trial takes the ``defaults``, draws each
``search_space`` parameter with the trial, fits an ensemble of ``n_members_per_trial`` members on
the training split and scores it on the **validation** split (the test split is never touched,
so the test metrics of a model fit with the best parameters stay honest).

Objective
    ``metric="rmse"`` (default): minimise the validation RMSE of the ensemble mean, in the
    target's units. It rewards getting the accuracy right, which is what ``predict`` is used for
    and what the noise model rests on. ``metric="kendall_tau"``: maximise the validation Kendall
    τ (ranking, what NAS optimizers care about). Every trial records both (and R², MAE and sparse
    τ) as user attributes, so either view of a study is one query away.
Pruning
    Trials of a family whose model class is ``prunable`` (the GIN) report the first member's
    validation loss after every epoch and are stopped by a :class:`~optuna.pruners.MedianPruner`
    when it is worse than the median of earlier trials at the same epoch (5 startup trials, 10 warm-up epochs). Tree and baseline trials are not pruned
    (a trial is seconds long and early-stopped by its own validation rounds).
Resuming and sharing
    The study lives in ``storage`` (default ``sqlite:///runs/tune-<family>.db``) under
    ``study_name`` (default ``<family>-<target>``) and is loaded when it exists: running again
    continues it until ``n_trials`` trials have *finished* (complete or pruned; failed and
    interrupted trials do not count). With a PostgreSQL/MySQL URL, several machines running the
    same command tune one study together; they stop when the study as a whole reaches
    ``n_trials``. A study remembers its family, target, metric, split and data fingerprint and
    refuses to continue on anything else.
Determinism
    The split and the members' seeds come from ``seed``; the TPE sampler is seeded from ``seed``
    and the number of trials already in the study, so one process re-running a study is
    deterministic (parallel workers are not, by nature).

Examples
--------
>>> from surrogate.tune import tune, read_params
>>> # ds, _ = read_table("nb201.parquet", space="nb201")
>>> # result = tune(ds, "xgb", n_trials=50, params_out="runs/best-xgb.yaml")
>>> # params = read_params("runs/best-xgb.yaml", family="xgb")   # -> fit_surrogate(..., params=params)
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._util import atomic_write_text
from .data import Dataset
from .ensemble import Ensemble
from .fit import prepare_fit
from .metrics import regression_report
from .models import load_config, model_class

__all__ = ["METRICS", "TuneResult", "default_storage", "read_params", "tune", "write_params"]

logger = logging.getLogger(__name__)

#: Objectives: metric name -> Optuna direction.
METRICS: dict[str, str] = {"rmse": "minimize", "kendall_tau": "maximize"}
#: Validation metrics stored on every trial (``trial.user_attrs["val_<name>"]``).
_ATTRS = ("rmse", "kendall_tau", "sparse_kendall_tau", "r2", "mae", "spearman")
#: Study attributes that must agree when a study is continued.
_IDENTITY = ("family", "target", "metric", "split", "data_fingerprint", "n_members_per_trial")


def default_storage(family: str) -> str:
    """``sqlite:///runs/tune-<family>.db`` (relative to the working directory)."""
    return f"sqlite:///runs/tune-{family}.db"


@dataclass(frozen=True)
class TuneResult:
    """The outcome of :func:`tune`.

    Attributes
    ----------
    best_params : dict
        Every constructor parameter of the best trial (defaults, fixed values and drawn values;
        no ``seed``): pass it to ``fit_surrogate(params=...)``.
    best_value : float
        Its validation ``metric``.
    n_trials : int
        Finished (complete + pruned) trials in the study now.
    study_name, storage, metric : str
    n_complete, n_pruned, n_failed : int
    best_trial : int
        The best trial's number.
    best_attrs : dict
        The best trial's validation metrics (all of ``rmse``, ``kendall_tau``, ...).
    params_path : str or None
        Where the best parameters were written.
    """

    best_params: dict[str, Any]
    best_value: float
    n_trials: int
    study_name: str
    storage: str
    metric: str = "rmse"
    n_complete: int = 0
    n_pruned: int = 0
    n_failed: int = 0
    best_trial: int = -1
    best_attrs: dict[str, Any] = field(default_factory=dict)
    params_path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


# -- the parameters file -------------------------------------------------------------------------


def write_params(
    path: str | Path, params: Mapping[str, Any], *, family: str, meta: Mapping[str, Any] | None = None
) -> Path:
    """Write hyperparameters as YAML that :func:`read_params` (and ``surrogate fit --params``) reads.

    The file is ``{family: ..., params: {...}, **meta}``; ``meta`` (study, metric, value, ...) is
    for people and is ignored when read.
    """
    import yaml

    path = Path(path)
    doc = {
        "family": family,
        **{k: v for k, v in dict(meta or {}).items() if k not in ("family", "params")},
        "params": {k: v for k, v in params.items() if k != "seed"},
    }
    return atomic_write_text(
        path,
        f"# Hyperparameters for `surrogate fit --family {family} --params {path.name}`\n"
        + yaml.safe_dump(doc, sort_keys=False),
    )


def parse_param_overrides(items: Any, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``params`` with ``KEY=VALUE`` overrides applied in order (values read as YAML: ``200``,
    ``0.1``, ``true``, ``[64, 64]``); what ``--param`` takes on fit, tune and study.

    >>> parse_param_overrides(["n_estimators=200", "learning_rate=0.05"], {"n_estimators": 100})
    {'n_estimators': 200, 'learning_rate': 0.05}
    """
    import yaml

    out = dict(params or {})
    for item in items or ():
        key, sep, value = str(item).partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--param takes KEY=VALUE, e.g. --param n_estimators=200; got {item!r}")
        if key.strip() == "seed":
            raise ValueError("--param seed=...: members' seeds come from --seed")
        try:
            out[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError as err:
            raise ValueError(f"--param {item!r}: cannot read the value ({err})") from None
    return out


def read_params(path: str | Path, family: str | None = None) -> dict[str, Any]:
    """Hyperparameters from a YAML file: either written by :func:`write_params` (``params:`` with an
    optional ``family:``) or a plain mapping of parameter names to values.

    With ``family`` given, the names are checked against that family's parameters and a file
    written for another family is refused. ``seed`` is not allowed (the ensemble owns seeds).
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such parameters file (write one with `surrogate tune` or by hand)")
    try:
        doc = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} is not valid YAML: {err}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise ValueError(f"{path} must hold a mapping of parameter names to values, got {type(doc).__name__}")
    if "params" in doc:
        written_for = doc.get("family")
        if family is not None and written_for is not None and written_for != family:
            raise ValueError(
                f"{path} holds parameters for {written_for!r}, not {family!r}; pass --family {written_for}"
            )
        params = doc["params"] or {}
        if not isinstance(params, dict):
            raise ValueError(f"{path}: 'params' must be a mapping of parameter names to values")
    else:
        params = doc
    if "seed" in params:
        raise ValueError(f"{path}: remove 'seed'; members' seeds come from --seed")
    if family is not None:
        valid = model_class(family)._param_names()
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ValueError(f"{path}: {family} has no parameter(s) {unknown}; valid: {', '.join(valid)}")
    return dict(params)


# -- tuning --------------------------------------------------------------------------------------


class _PruningCallback:
    """Reports the first member's validation loss per epoch to the trial; raises TrialPruned.

    Members restart their step count at 0, which is how the first member's curve is told apart.
    The loss is negated for a maximised metric, so the pruner compares in the study's direction.
    """

    def __init__(self, trial: Any, sign: float) -> None:
        self.trial, self.sign = trial, sign
        self.member, self.last = 0, -1

    def __call__(self, step: int, info: Mapping[str, float]) -> bool:
        import optuna

        if step <= self.last:
            self.member += 1
        self.last = step
        value = info.get("val")
        if self.member == 0 and value is not None and math.isfinite(value):
            self.trial.report(self.sign * float(value), step)
            if self.trial.should_prune():
                raise optuna.TrialPruned(f"validation loss {value:.4g} at epoch {step} is worse than the median")
        return False


def _prepare_storage(storage: str) -> None:
    if storage.startswith("sqlite:///"):
        db = storage[len("sqlite:///") :]
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)


def _finished(study: Any) -> tuple[int, int, int]:
    from optuna.trial import TrialState

    states = [t.state for t in study.get_trials(deepcopy=False)]
    return (states.count(TrialState.COMPLETE), states.count(TrialState.PRUNED), states.count(TrialState.FAIL))


def tune(
    dataset: Dataset,
    family: str,
    target: str = "val_accuracy",
    *,
    n_trials: int = 50,
    storage: str | None = "default",
    study_name: str | None = None,
    seed: int = 0,
    timeout: float | None = None,
    split: Any = None,
    n_members_per_trial: int = 1,
    metric: str = "rmse",
    fixed: Mapping[str, Any] | None = None,
    params_out: str | Path | None = None,
    pruner: Any = None,
    progress: bool = False,
    callbacks: tuple[Callable, ...] = (),
) -> TuneResult:
    """Tune ``family`` on ``dataset`` until the study holds ``n_trials`` finished trials.

    Parameters
    ----------
    dataset : Dataset
    family : {"gin", "xgb", "lgb", "rf", "knn"}
    target : str, default "val_accuracy"
    n_trials : int, default 50
        Total finished (complete + pruned) trials wanted in the study, counting earlier runs.
    storage : str or None, default "default"
        Any Optuna storage URL; ``"default"`` is :func:`default_storage` (SQLite under ``runs/``),
        ``None`` keeps the study in memory (nothing is resumable).
    study_name : str, optional
        Default ``"<family>-<target>"``.
    seed : int, default 0
        Seeds the split (when random), the members and the sampler.
    timeout : float, optional
        Stop starting new trials after this many seconds.
    split : None, str, fractions or (train, val, test) indices
        A spec of :func:`surrogate.split_spec.resolve_split` (``"random"``, ``"official:DIR"``,
        ``"leave-out:COLUMN=VALUE"``) or anything :func:`surrogate.fit.fit_surrogate` takes; only
        the train and validation parts are used.
    n_members_per_trial : int, default 1
        Ensemble size per trial (the objective is the ensemble mean's).
    metric : {"rmse", "kendall_tau"}, default "rmse"
        The objective (see the module docstring).
    fixed : mapping, optional
        Parameters held fixed in every trial (over the defaults, and taken out of the search).
    params_out : path, optional
        Write the best parameters there as YAML (:func:`write_params`).
    pruner : optuna.pruners.BasePruner, optional
        Default: a :class:`~optuna.pruners.MedianPruner` (5 startup trials, 10 warm-up epochs) for
        the GIN, none for the other families (they report nothing to prune on).
    progress : bool, default False
        Optuna's progress bar over this run's trials.
    callbacks : tuple of callables
        Extra Optuna study callbacks ``(study, frozen_trial)``.

    Returns
    -------
    TuneResult
    """
    import optuna

    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
        raise ValueError(f"n_trials must be a positive int, got {n_trials!r}")
    if target not in dataset.columns:
        raise ValueError(f"target {target!r} is not a column; columns: {', '.join(dataset.columns)}")
    config = load_config(family)
    fixed = dict(fixed or {})
    if "seed" in fixed:
        raise ValueError("fixed must not contain 'seed'; pass seed= instead")
    unknown = sorted(set(fixed) - set(config.defaults))
    if unknown:
        raise ValueError(f"{family} has no parameter(s) {unknown}; valid: {', '.join(config.defaults)}")
    base = {k: v for k, v in {**config.defaults, **fixed}.items() if k != "seed"}
    searched = {k: spec for k, spec in config.search_space.items() if k not in fixed}
    if not searched:
        raise ValueError(f"every searchable parameter of {family} is fixed; nothing is left to tune")

    # -- data: split and encode once for all trials (the preparation every fit shares) -------
    prep = prepare_fit(dataset, family, target, split, seed, min_rows=2)
    (tr, va, _), split_desc = prep.rows, prep.split
    X_tr, X_va, y_tr, y_va = prep.X_train, prep.X_val, prep.y[tr], prep.y[va]
    prunes = model_class(family).prunable

    # -- the study ------------------------------------------------------------------------------
    url = default_storage(family) if storage == "default" else storage
    if url is not None:
        _prepare_storage(url)
    name = study_name or f"{family}-{target}"
    direction = METRICS[metric]
    identity = {
        "family": family,
        "target": target,
        "metric": metric,
        "split": split_desc,
        "data_fingerprint": dataset.fingerprint(),
        "n_members_per_trial": int(n_members_per_trial),
    }
    if pruner is None:
        pruner = (
            optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=10) if prunes else optuna.pruners.NopPruner()
        )
    study = optuna.create_study(storage=url, study_name=name, direction=direction, load_if_exists=True, pruner=pruner)
    if study.direction.name.lower() != direction:
        raise ValueError(
            f"study {name!r} in {url} is {study.direction.name.lower()}d, but metric {metric!r} is {direction}d; "
            "use its own metric or another --study-name"
        )
    attrs = study.user_attrs
    if attrs:
        differ = [k for k in _IDENTITY if k in attrs and attrs[k] != identity[k]]
        if differ:
            detail = "; ".join(f"{k}: study has {attrs[k]!r}, this run {identity[k]!r}" for k in differ)
            raise ValueError(
                f"study {name!r} in {url} was started with other settings ({detail}); continue it with "
                "the same data and options, or pass another --study-name"
            )
    else:
        for k, v in identity.items():
            study.set_user_attr(k, v)
    n_before = len(study.get_trials(deepcopy=False))
    sampler_seed = int(np.random.SeedSequence([int(seed), n_before]).generate_state(1)[0] & 0x7FFFFFFF)
    study.sampler = optuna.samplers.TPESampler(seed=sampler_seed)
    sign = 1.0 if direction == "minimize" else -1.0

    def objective(trial: Any) -> float:
        params = dict(base)
        for pname, spec in searched.items():
            params[pname] = spec.suggest(trial, pname)
        callback = _PruningCallback(trial, sign) if prunes else None
        t0 = time.perf_counter()
        ens = Ensemble(family, n_members=n_members_per_trial, params=params, seed=seed)
        ens.fit(X_tr, y_tr, X_va, y_va, callback=callback)
        mean, _ = ens.predict(X_va, calibrated=False)
        report = regression_report(y_va, mean)
        trial.set_user_attr("fit_seconds", time.perf_counter() - t0)
        for key in _ATTRS:
            trial.set_user_attr(f"val_{key}", float(report[key]))
        return float(report[metric])

    done, pruned, _ = _finished(study)
    remaining = n_trials - done - pruned
    if remaining > 0:
        from optuna.study import MaxTrialsCallback
        from optuna.trial import TrialState

        stop = MaxTrialsCallback(n_trials, states=(TrialState.COMPLETE, TrialState.PRUNED))
        logger.info("study %r in %s: %d finished trials, running up to %d more", name, url, done + pruned, remaining)
        study.optimize(
            objective,
            n_trials=remaining,
            timeout=timeout,
            callbacks=[stop, *callbacks],
            show_progress_bar=progress,
            gc_after_trial=model_class(family).input_kind == "graphs",
        )  # torch
    else:
        logger.info(
            "study %r already has %d finished trials (asked for %d); nothing to run", name, done + pruned, n_trials
        )
    done, pruned, failed = _finished(study)
    if done == 0:
        raise RuntimeError(f"study {name!r} has no complete trial yet ({pruned} pruned, {failed} failed)")
    best = study.best_trial
    best_params = {**base, **best.params}
    result = TuneResult(
        best_params=best_params,
        best_value=float(best.value),
        n_trials=done + pruned,
        study_name=name,
        storage=url or "in-memory",
        metric=metric,
        n_complete=done,
        n_pruned=pruned,
        n_failed=failed,
        best_trial=int(best.number),
        best_attrs={k.removeprefix("val_"): v for k, v in best.user_attrs.items() if k.startswith("val_")},
    )
    if params_out is not None:
        meta = {
            "target": target,
            "study_name": name,
            "storage": result.storage,
            "metric": metric,
            "best_value": result.best_value,
            "best_trial": result.best_trial,
            "n_trials": result.n_trials,
            "tuned_with_seed": int(seed),
        }
        path = write_params(params_out, best_params, family=family, meta=meta)
        result = TuneResult(**{**asdict(result), "params_path": str(path)})
    return result
