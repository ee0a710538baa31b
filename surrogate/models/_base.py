"""The one interface every surrogate model follows, and the base class that implements its chores.

A model is scikit-learn shaped: the constructor stores its keyword parameters unchanged, ``fit``
does the work and returns ``self``, learned state lives in attributes ending in ``_`` and a
refit replaces it. Inputs are already encoded: a float matrix for the tree models, a set of
graphs for the GIN. Every model saves to a directory (``model.json`` plus the library's own
native file) and loads from it without pickle.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

__all__ = ["MODEL_FILE", "MODEL_FORMAT_VERSION", "BaseModel", "Callback", "Model"]

#: The JSON file every saved model directory holds: family, parameters and learned scalars.
MODEL_FILE = "model.json"
#: Bumped when a model directory's layout changes in a way old code cannot read.
MODEL_FORMAT_VERSION = 1

#: ``callback(step, info) -> stop?``: called after every epoch (GIN) or boosting round (XGBoost,
#: LightGBM), once at the end for one-shot fits (RF, kNN). ``info`` holds the losses known at
#: that step (``"train"``, ``"val"``). Returning ``True`` stops training; raising propagates
#: (Optuna's ``TrialPruned`` passes straight through).
Callback = Callable[[int, Mapping[str, float]], Any]


@runtime_checkable
class Model(Protocol):
    """What the ensemble, the checkpoints and the tuner rely on."""

    family: ClassVar[str]
    input_kind: ClassVar[str]

    def fit(self, X: Any, y: Any, X_val: Any = None, y_val: Any = None) -> Model: ...

    def predict(self, X: Any) -> np.ndarray: ...

    def save(self, directory: str | Path) -> Path: ...

    @classmethod
    def load(cls, directory: str | Path) -> Model: ...

    def get_params(self) -> dict[str, Any]: ...


class BaseModel:
    """Shared machinery: parameters, input checks, fit/predict plumbing and the directory format.

    Subclasses declare their parameters as keyword arguments of ``__init__`` (each stored as an
    attribute of the same name, nothing else) and implement ``_fit``, ``_predict``,
    ``_save_state`` and ``_load_state``. Matrix input is the default; graph models override
    :meth:`prepare`, :meth:`_n_samples` and :meth:`_check_compatible`.
    """

    family: ClassVar[str] = ""
    input_kind: ClassVar[str] = "matrix"
    #: The learned attributes :meth:`_input_signature` sets (saved under ``inputs``).
    input_keys: ClassVar[tuple[str, ...]] = ("n_features_in_",)
    #: Python packages whose versions a checkpoint records for this family.
    libraries: ClassVar[tuple[str, ...]] = ()
    #: Whether tuning may prune a trial on the per-step validation losses ``fit``'s callback
    #: reports (worth it for long fits; a fast family's trial simply runs to the end).
    prunable: ClassVar[bool] = False

    # -- parameters ---------------------------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.name != "self" and p.kind == p.KEYWORD_ONLY]

    @classmethod
    def default_params(cls) -> dict[str, Any]:
        """The constructor's defaults (equal to ``configs/models/<family>.yaml`` ``defaults``)."""
        sig = inspect.signature(cls.__init__)
        return {n: sig.parameters[n].default for n in cls._param_names()}

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters, as passed (a new dict)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseModel:
        """Set constructor parameters by name; takes effect at the next ``fit``."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}; valid: {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def clone(self, **overrides: Any) -> BaseModel:
        """An unfitted model with the same parameters, some replaced by ``overrides``."""
        model = type(self)(**self.get_params())
        return model.set_params(**overrides)

    def __repr__(self) -> str:
        defaults = self.default_params()
        shown = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults[k])
        return f"{type(self).__name__}({shown})"

    # -- learned state -----------------------------------------------------------------------

    def _learned(self) -> list[str]:
        return [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]

    @property
    def is_fitted(self) -> bool:
        """Whether ``fit`` (or ``load``) has run."""
        return bool(self._learned())

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise ValueError(f"this {type(self).__name__} is not fitted yet; call fit(X, y) or load(dir) first")

    def _reset(self) -> None:
        for name in self._learned():
            delattr(self, name)

    # -- inputs --------------------------------------------------------------------------------

    @classmethod
    def prepare(cls, X: Any, name: str = "X") -> Any:
        """Check inputs and convert them to the form ``fit``/``predict`` use, once.

        For matrix models: a C-contiguous ``float32`` array of shape ``(n, d)`` with no NaN or
        infinity. Idempotent, so an ensemble prepares its inputs once for all members.
        """
        try:
            a = np.ascontiguousarray(X, dtype=np.float32)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{name} must be a numeric matrix of shape (n_samples, n_features): {err}") from None
        if a.ndim != 2:
            raise ValueError(
                f"{name} must be 2-D (n_samples, n_features), got shape {a.shape}; "
                "reshape a single row with X.reshape(1, -1)"
            )
        if a.shape[0] == 0 or a.shape[1] == 0:
            raise ValueError(f"{name} is empty (shape {a.shape})")
        if not np.all(np.isfinite(a)):
            row, col = np.argwhere(~np.isfinite(a))[0]
            raise ValueError(
                f"{name} has a non-finite value ({a[row, col]}) at row {row}, column {col}; "
                "impute or drop it before fitting"
            )
        return a

    @staticmethod
    def _n_samples(X: Any) -> int:
        return int(X.shape[0])

    def _input_signature(self, X: Any) -> dict[str, Any]:
        """What must match between fit and predict (learned state, saved under ``inputs``)."""
        return {"n_features_in_": int(X.shape[1])}

    def _check_compatible(self, X: Any, name: str) -> None:
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{name} has {X.shape[1]} features but this model was fit on {self.n_features_in_}; "
                "encode the inputs the same way as for fitting"
            )

    @staticmethod
    def _targets(y: Any, n: int, name: str) -> np.ndarray:
        try:
            t = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{name} must be a 1-D array of numbers: {err}") from None
        if t.ndim == 2 and t.shape[1] == 1:
            t = t[:, 0]
        if t.ndim != 1:
            raise ValueError(f"{name} must be 1-D (one target per sample), got shape {t.shape}")
        if len(t) != n:
            raise ValueError(f"{name} has {len(t)} values but there are {n} samples; they must match")
        if not np.all(np.isfinite(t)):
            i = int(np.flatnonzero(~np.isfinite(t))[0])
            raise ValueError(f"{name} has a non-finite value ({t[i]}) at index {i}; drop that sample")
        return np.ascontiguousarray(t)

    # -- the interface -----------------------------------------------------------------------

    def fit(
        self, X: Any, y: Any, X_val: Any = None, y_val: Any = None, *, callback: Callback | None = None
    ) -> BaseModel:
        """Fit on ``(X, y)``; ``(X_val, y_val)``, when given, drives early stopping.

        Parameters
        ----------
        X : array-like of shape (n, d), or graphs for graph models
            Encoded inputs.
        y : array-like of shape (n,)
            Targets.
        X_val, y_val : optional
            A validation split (both or neither).
        callback : callable, optional
            ``callback(step, info)`` after every epoch / boosting round; return ``True`` to stop.

        Returns
        -------
        self
        """
        X, y, val = self._start_fit(X, y, X_val, y_val)
        try:
            self._fit(X, y, val, callback)
        except BaseException:
            self._reset()
            raise
        return self

    def _start_fit(self, X: Any, y: Any, X_val: Any, y_val: Any) -> tuple[Any, np.ndarray, tuple | None]:
        """Check parameters and inputs, forget any earlier fit, record the input signature."""
        self._check_params()
        X = self.prepare(X, "X")
        y = self._targets(y, self._n_samples(X), "y")
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val for early stopping, or neither")
        val = None
        if X_val is not None:
            X_val = self.prepare(X_val, "X_val")
            val = (X_val, self._targets(y_val, self._n_samples(X_val), "y_val"))
        self._reset()
        for key, value in self._input_signature(X).items():
            setattr(self, key, value)
        if val is not None:
            self._check_compatible(val[0], "X_val")
        return X, y, val

    #: Whether :meth:`fit_ensemble` may fit members in worker processes (the boosters and the GIN).
    _parallel_fit: ClassVar[bool] = False

    @classmethod
    def fit_ensemble(
        cls,
        members: list[BaseModel],
        X: Any,
        y: Any,
        X_val: Any = None,
        y_val: Any = None,
        *,
        callback: Callback | None = None,
        on_member: Callable[[int, int], Any] | None = None,
        on_step: Callable[[int, int, Mapping[str, float]], Any] | None = None,
        threads: int | None = None,
        progress: bool = False,
    ) -> list[BaseModel]:
        """Fit the unfitted ``members`` (one family, each its own seed) on the same data.

        Each member trains on one thread; members train side by side in worker processes as
        the idle cores allow, ``threads`` (or ``SURROGATE_THREADS``) capping them (see
        :mod:`surrogate.models._threads` and :mod:`surrogate.models._workers`); a member's
        result does not depend on where it ran. The GIN trains its members in stacks of
        :data:`surrogate.models.gin.STACK`, each in one dense pass. ``on_member(done, total)``
        is told as members finish, ``on_step(member, step, info)`` after every epoch or
        boosting round of a member; ``callback`` (the model callback of :meth:`fit`) keeps the
        fit in this process. ``progress`` writes an estimate of the fit's time to stderr first
        and shows tqdm bars over the members' epochs or rounds (:mod:`surrogate.models._progress`).
        """
        from ._threads import fit_workers
        from ._workers import fit_tasks

        prepared = [m._start_fit(X, y, X_val, y_val) for m in members]
        X, y, val = prepared[0]
        tasks = cls._ensemble_tasks(members)
        per_task = int(getattr(members[0], "n_jobs", None) or 1)
        workers = 1
        if cls._parallel_fit:
            workers = max(1, fit_workers(len(tasks) * per_task, threads) // per_task)
        finished: list[int] = []
        bar = _start_progress(members, X, y, val, workers) if progress else None

        def done(i: int) -> None:
            finished.append(i)
            if bar is not None:
                bar.on_done(i)
            if on_member is not None:
                on_member(len(finished), len(members))

        step = on_step
        if bar is not None:

            def step(i: int, s: int, info: Mapping[str, float]) -> None:
                bar.on_step(i, s, info)
                if on_step is not None:
                    on_step(i, s, info)

        try:
            fit_tasks(members, tasks, X, y, val, workers=workers, on_step=step, on_done=done, callback=callback)
        except BaseException:
            for m in members:
                m._reset()
            raise
        finally:
            if bar is not None:
                bar.close()
        return members

    @classmethod
    def _ensemble_tasks(cls, members: list[BaseModel]) -> list[list[int]]:
        """How :meth:`fit_ensemble` groups members into tasks: one member each by default."""
        return [[i] for i in range(len(members))]

    @classmethod
    def _fit_task(
        cls,
        group: list[BaseModel],
        X: Any,
        y: np.ndarray,
        val: tuple[Any, np.ndarray] | None,
        *,
        callback: Callback | None = None,
        on_step: Callable[[int, int, Mapping[str, float]], Any] | None = None,
    ) -> None:
        """Fit one task's members (their inputs already checked by ``_start_fit``)."""
        for j, member in enumerate(group):
            relay = callback
            if on_step is not None:

                def relay(step: int, info: Mapping[str, float], j: int = j) -> Any:
                    on_step(j, step, info)
                    return callback(step, info) if callback is not None else False

            try:
                member._fit(X, y, val, relay)
            except BaseException:
                member._reset()
                raise

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets, a float64 array of shape ``(n,)``."""
        self._check_fitted()
        X = self.prepare(X, "X")
        self._check_compatible(X, "X")
        return np.asarray(self._predict(X), dtype=np.float64).reshape(-1)

    def save(self, directory: str | Path) -> Path:
        """Write ``model.json`` and the native model file(s) into ``directory`` (created)."""
        self._check_fitted()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        state = self._save_state(directory)
        signature = {k: getattr(self, k) for k in self.input_keys}
        doc = {
            "format_version": MODEL_FORMAT_VERSION,
            "family": self.family,
            "params": self.get_params(),
            "inputs": signature,
            "state": state,
        }
        (directory / MODEL_FILE).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> BaseModel:
        """Load a model saved by :meth:`save`; no pickle, no code from the directory is run.

        Any failure to read the files (a damaged native file that a library refuses with its own
        error, missing state, parameters of another version) is a ``ValueError`` naming the file.
        """
        doc = read_model_json(directory)
        if doc["family"] != cls.family:
            raise ValueError(
                f"{directory} holds a {doc['family']!r} model, not {cls.family!r}; "
                "use surrogate.models.load_model to load any family"
            )
        state = doc.get("state", {})
        where = Path(directory) / (state.get("file", MODEL_FILE) if isinstance(state, dict) else MODEL_FILE)
        try:
            model = cls(**doc["params"])
            for key, value in doc.get("inputs", {}).items():
                setattr(model, key, value)
            model._load_state(Path(directory), state)
        except (ValueError, ImportError, MemoryError):
            raise
        except Exception as err:  # each library's own error type: LightGBMError, BadZipFile, zlib.error, ...
            raise ValueError(
                f"{where} cannot be read ({type(err).__name__}: {err}); the saved model is damaged, "
                "copy or save it again"
            ) from None
        return model

    @staticmethod
    def _state_file(directory: Path, state: Mapping[str, Any], default: str) -> Path:
        """The native file ``model.json`` names: a plain file name inside ``directory`` that exists."""
        name = state.get("file", default)
        if not isinstance(name, str) or name in ("", ".", "..") or Path(name).name != name or "\\" in name:
            raise ValueError(
                f"{directory / MODEL_FILE}: state.file must be a file name in the model's folder, got {name!r}"
            )
        path = directory / name
        if not path.is_file():
            raise ValueError(f"{directory} has no {name}; the saved model is incomplete")
        return path

    # -- for subclasses ----------------------------------------------------------------------

    def _check_params(self) -> None:
        seed = getattr(self, "seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")

    def _fit(self, X: Any, y: np.ndarray, val: tuple[Any, np.ndarray] | None, callback: Callback | None) -> None:
        raise NotImplementedError

    def _predict(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def _save_state(self, directory: Path) -> dict[str, Any]:
        raise NotImplementedError

    def _load_state(self, directory: Path, state: Mapping[str, Any]) -> None:
        raise NotImplementedError


def _start_progress(members: list[BaseModel], X: Any, y: np.ndarray, val: tuple | None, workers: int) -> Any:
    """Write the fit's estimated time to stderr; the bars (a :class:`~._progress.FitProgress`)."""
    import sys

    from tqdm.auto import tqdm

    from ._progress import FitProgress, estimate_fit_seconds, format_seconds

    first = members[0]
    estimate = estimate_fit_seconds(members, X, y, 0 if val is None else len(val[1]), workers)
    if estimate is not None:
        seconds, how = estimate
        stop = ", early stopping usually ends sooner" if val is not None else ""
        tqdm.write(f"fitting {first.family}: at most {format_seconds(seconds)} expected ({how}{stop})", file=sys.stderr)
    steps = getattr(first, "epochs", None) if first.family == "gin" else getattr(first, "n_estimators", None)
    return FitProgress(first.family, len(members), int(steps or 1), "epoch" if first.family == "gin" else "round")


def read_model_json(directory: str | Path) -> dict[str, Any]:
    """Read and check a model directory's ``model.json`` (family, version, parameters)."""
    path = Path(directory) / MODEL_FILE
    if not path.is_file():
        raise ValueError(f"{directory} is not a saved model: it has no {MODEL_FILE}")
    try:
        doc = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} is not valid JSON ({err}); the file is damaged or truncated") from None
    if not isinstance(doc, dict) or not {"family", "params", "format_version"} <= doc.keys():
        raise ValueError(f"{path} is not a surrogate model file (needs family, params, format_version)")
    version = doc["format_version"]
    if not isinstance(version, int) or version > MODEL_FORMAT_VERSION:
        raise ValueError(
            f"{path} has model format version {version!r}, newer than this code reads "
            f"({MODEL_FORMAT_VERSION}); upgrade the surrogate package"
        )
    return doc


def check_choice(name: str, value: Any, choices: tuple[Any, ...]) -> None:
    """Raise a ValueError naming the parameter unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    low_open: bool = False,
) -> None:
    """Raise a ValueError naming the parameter unless ``value`` is a number in the given range."""
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ValueError(f"{name} must be {'an int' if integer else 'a number'}, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value!r}")
