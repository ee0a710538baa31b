"""Deep ensembles: N members of one model family that differ only in their seed.

A member's seed drives everything random in its training (initialisation, dropout and
shuffling for the GIN; row and feature subsampling for the trees; the bootstrap of a random
forest; the row subsample of kNN). The seeds come from ``np.random.SeedSequence(seed).spawn``.

``predict`` runs every member once and returns the mean and the standard deviation across them.
The raw spread is seldom calibrated; :meth:`Ensemble.calibrate` fits, on a validation split,

.. math::  \\sigma_{\\text{total}}^2 = (s \\cdot \\text{std})^2 + \\sigma_{\\text{noise}}^2

by maximum Gaussian likelihood of the residuals (``method="scale+noise"``) or just the scale with
``\\sigma_{\\text{noise}} = 0`` (``method="scale"``, closed form ``s^2 = mean(r^2 / std^2)``).
Residuals of real surrogates have heavier tails than a Gaussian, so the likelihood fit widens the
intervals for the few large misses and over-covers at 68 % (measured on NAS-Bench-201, row split:
75-80 % instead of 68 %). ``method="coverage"`` (the default) keeps the likelihood fit's shape and
multiplies both terms by one factor chosen so that the 68 % and 95 % intervals cover as close to
68 % and 95 % of the validation rows as one factor allows (least squares over the two levels).
The noise floor matters because the validation targets are single training runs: even a perfect
mean misses them by the seed-to-seed noise of training, which the members' spread (disagreement
of surrogates) does not contain. See docs/models.md for the measured
effect.

:meth:`Ensemble.sample` draws ``mean + std_total * z`` with independent ``z ~ N(0, 1)`` per row:
the predictive distribution of one new training run of each architecture. Picking a random
member per row instead would reproduce the spread of *surrogates trained with other seeds*, not
of *architectures trained with other seeds*, and could never produce values outside the
members' range.

Examples
--------
>>> import numpy as np
>>> from surrogate.ensemble import Ensemble
>>> rng = np.random.default_rng(0)
>>> X = rng.random((300, 3), dtype=np.float32)
>>> y = X[:, 0] + 0.1 * rng.standard_normal(300)
>>> ens = Ensemble("rf", n_members=3, params={"n_estimators": 10}, seed=0).fit(X[:200], y[:200])
>>> ens = ens.calibrate(X[200:], y[200:])
>>> mean, std = ens.predict(X[:5])
>>> mean.shape, bool((std > 0).all())
((5,), True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .models import BaseModel, Callback, make_model, model_class

__all__ = ["Calibration", "Ensemble", "fit_calibration"]

_METHODS = ("coverage", "scale+noise", "scale")
#: Nominal levels the ``"coverage"`` method matches on the validation split.
COVERAGE_LEVELS = (0.68, 0.95)


@dataclass(frozen=True)
class Calibration:
    """``std_total = sqrt((scale * std)**2 + noise**2)``, fit on a validation split.

    ``nll_before``/``nll_after`` are the validation Gaussian NLL with the raw and the calibrated
    std (``inf`` when some raw std is 0); ``n`` is the number of validation rows.
    """

    method: str
    scale: float
    noise: float
    n: int
    nll_before: float
    nll_after: float

    def apply(self, std: np.ndarray) -> np.ndarray:
        """The calibrated std."""
        return np.sqrt((self.scale * np.asarray(std, dtype=np.float64)) ** 2 + self.noise**2)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``inf`` written as ``None``)."""
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Calibration:
        """Inverse of :meth:`to_dict`; checks the values.

        A fit calibration always has a known ``method``, a finite ``scale > 0``, a finite
        ``noise >= 0`` and ``n >= 2`` validation rows; anything else is refused.
        """
        if not isinstance(d, Mapping):
            raise ValueError(f"calibration record must be a mapping, got {d!r:.80}")
        missing = [k for k in ("method", "scale", "noise", "n") if k not in d]
        if missing:
            raise ValueError(f"calibration record {dict(d)} is incomplete or malformed: it lacks {missing}")

        def number(key: str, *, optional: bool = False) -> float:
            v = d.get(key)
            if v is None and optional:
                return math.inf  # written as null: the NLL was infinite
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"calibration {key} must be a finite number, got {v!r}")
            return float(v)

        scale, noise = number("scale"), number("noise")
        if d["method"] not in _METHODS:
            raise ValueError(f"calibration method must be one of {_METHODS}, got {d['method']!r}")
        if not scale > 0 or not noise >= 0:
            raise ValueError(f"calibration needs scale > 0 and noise >= 0, got scale {scale!r} and noise {noise!r}")
        n = d["n"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 2:
            raise ValueError(f"calibration n (validation rows) must be an int >= 2, got {n!r}")
        return cls(
            str(d["method"]), scale, noise, n, number("nll_before", optional=True), number("nll_after", optional=True)
        )


def _nll(r2: np.ndarray, var: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.any(var <= 0):
            return math.inf
        return float(np.mean(0.5 * np.log(2 * math.pi * var) + 0.5 * r2 / var))


def _coverage_factor(r: np.ndarray, total: np.ndarray) -> float:
    """The factor ``c`` for which ``|r| <= z_q * c * total`` holds on about ``q`` of the rows for
    each level ``q`` in :data:`COVERAGE_LEVELS` (least squares of the coverage errors)."""
    from scipy.stats import norm

    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.sort(np.where(total > 0, np.abs(r) / total, np.where(r == 0, 0.0, np.inf)))
    grid = np.exp(np.linspace(math.log(1e-4), math.log(1e4), 4001))
    err = np.zeros_like(grid)
    for q in COVERAGE_LEVELS:
        z = float(norm.ppf(0.5 + q / 2))
        covered = np.searchsorted(ratio, z * grid, side="right") / ratio.size
        err += (covered - q) ** 2
    best = np.flatnonzero(err <= err.min() + 1e-12)
    return float(grid[best[np.argmin(np.abs(np.log(grid[best])))]])  # the smallest change on ties


def fit_calibration(residual: Any, std: Any, method: str = "coverage") -> Calibration:
    """Fit the scale and noise floor of the std on a validation split (module docstring).

    Parameters
    ----------
    residual : array-like of shape (n,)
        ``y_val - mean``.
    std : array-like of shape (n,)
        The ensemble's raw std on the same rows.
    method : {"coverage", "scale+noise", "scale"}, default "coverage"
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    r = np.asarray(residual, dtype=np.float64).reshape(-1)
    u = np.asarray(std, dtype=np.float64).reshape(-1)
    if r.shape != u.shape or r.size < 2:
        raise ValueError(f"residual and std must be 1-D of equal length >= 2, got {r.shape} and {u.shape}")
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(u)) and np.all(u >= 0)):
        raise ValueError("residual and std must be finite and std non-negative")
    r2, u2 = r**2, u**2
    before = _nll(r2, u2)
    rms = math.sqrt(float(np.mean(r2)))
    if rms == 0:
        return Calibration(method, 1.0, 0.0, r.size, before, before)
    if method == "scale":
        if np.any(u == 0):
            raise ValueError(
                "the members agree exactly on some rows (std 0), so no scale can calibrate them; "
                "use method='scale+noise'"
            )
        s = math.sqrt(float(np.mean(r2 / u2)))
        return Calibration(method, s, 0.0, r.size, before, _nll(r2, s**2 * u2))
    if not np.any(u > 0):
        noise = rms * (_coverage_factor(r, np.full_like(r, rms)) if method == "coverage" else 1.0)
        return Calibration(method, 1.0, noise, r.size, before, _nll(r2, np.full_like(r2, noise**2)))
    from scipy.optimize import minimize

    # log-parameters; the noise floor may shrink to a millionth of the residual RMS (effectively 0)
    lo_b, hi_b = math.log(rms * 1e-6), math.log(rms * 10)
    pos = u > 0
    s_only = math.sqrt(float(np.mean(r2[pos] / u2[pos])))

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = theta
        sa, sb = math.exp(2 * a), math.exp(2 * b)
        var = sa * u2 + sb
        w = 0.5 / var - 0.5 * r2 / var**2  # d nll / d var, per row
        return float(np.mean(0.5 * np.log(var) + 0.5 * r2 / var)), np.array(
            [float(np.mean(w * 2 * sa * u2)), float(np.mean(w * 2 * sb))]
        )

    # a few rows with a tiny raw std can make s_only huge (kNN members that nearly always agree):
    # also start from a robust (median) scale and from the pure noise floor
    s_med = float(np.median(np.abs(r[pos]))) / float(np.median(u[pos])) or s_only
    bounds = [(min(math.log(s_only), math.log(s_med)) - 15, math.log(s_only) + 5), (lo_b, hi_b)]
    starts = [
        (math.log(s_only), math.log(rms * 0.01)),
        (math.log(s_only) - 5, math.log(rms)),
        (math.log(s_only * 0.7), math.log(rms * 0.5)),
        (math.log(s_med), math.log(rms * 0.5)),
        (bounds[0][0], math.log(rms)),
    ]
    best = None
    for a0, b0 in starts:
        a0 = min(max(a0, bounds[0][0]), bounds[0][1])
        res = minimize(objective, np.array([a0, min(max(b0, lo_b), hi_b)]), jac=True, method="L-BFGS-B", bounds=bounds)
        if best is None or res.fun < best.fun:
            best = res
    s, noise = math.exp(best.x[0]), math.exp(best.x[1])
    if method == "coverage":
        c = _coverage_factor(r, np.sqrt(s**2 * u2 + noise**2))
        s, noise = s * c, noise * c
    return Calibration(method, s, noise, r.size, before, _nll(r2, s**2 * u2 + noise**2))


class Ensemble:
    """``n_members`` models of ``family`` with the same parameters and spawned seeds.

    Parameters
    ----------
    family : str
        A key of :data:`surrogate.models.MODELS`.
    n_members : int, default 10
    params : mapping, optional
        Parameters for every member (not ``seed``); the rest take the family's defaults.
    seed : int, default 0
        Root of the members' seeds.

    Attributes
    ----------
    members_ : list of models
    member_seeds_ : list of int
    calibration_ : Calibration
        Set by :meth:`calibrate`.
    """

    def __init__(
        self, family: str, n_members: int = 10, params: Mapping[str, Any] | None = None, seed: int = 0
    ) -> None:
        self.family = family
        self.n_members = n_members
        self.params = params
        self.seed = seed

    def __repr__(self) -> str:
        state = f", fitted, calibrated={hasattr(self, 'calibration_')}" if hasattr(self, "members_") else ""
        return f"Ensemble({self.family!r}, n_members={self.n_members}, seed={self.seed}{state})"

    # -- parameters --------------------------------------------------------------------------------

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments (``params`` as a plain dict)."""
        return {
            "family": self.family,
            "n_members": self.n_members,
            "params": dict(self.params or {}),
            "seed": self.seed,
        }

    def _check(self) -> type:
        cls = model_class(self.family)
        if isinstance(self.n_members, bool) or not isinstance(self.n_members, (int, np.integer)) or self.n_members < 1:
            raise ValueError(f"n_members must be a positive int, got {self.n_members!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {self.seed!r}")
        params = dict(self.params or {})
        if "seed" in params:
            raise ValueError("params must not contain 'seed': the ensemble gives each member its own seed")
        make_model(self.family, **params)  # rejects unknown parameter names
        return cls

    def member_seeds(self) -> list[int]:
        """The members' seeds: ``SeedSequence(seed).spawn(n_members)``, each as a 31-bit int."""
        children = np.random.SeedSequence(int(self.seed)).spawn(int(self.n_members))
        return [int(c.generate_state(1, dtype=np.uint32)[0] & 0x7FFFFFFF) for c in children]

    @property
    def model_class(self) -> type:
        """The members' class."""
        return model_class(self.family)

    # -- fitting -------------------------------------------------------------------------------

    def fit(
        self,
        X: Any,
        y: Any,
        X_val: Any = None,
        y_val: Any = None,
        *,
        progress: bool | Callable[[int, int], Any] = False,
        callback: Callback | None = None,
        threads: int | None = None,
    ) -> Ensemble:
        """Fit every member on the same data (inputs are checked and converted once).

        Parameters
        ----------
        X, y, X_val, y_val
            As for a single model's ``fit``; the validation split drives each member's early
            stopping.
        progress : bool or callable, default False
            ``True`` writes an estimate of the fit's time to stderr and shows tqdm bars over the
            members' epochs or boosting rounds; a callable gets ``(done, total)`` after each member.
        callback : callable, optional
            Passed to every member's ``fit`` (per epoch / boosting round); members the GIN
            trains stacked report once per epoch for the stack (their mean losses).
        threads : int, optional
            Most cores the fit uses (``None``: ``SURROGATE_THREADS`` or the idle cores); see
            :func:`surrogate.models._threads.fit_workers`.

        Returns
        -------
        self
        """
        cls = self._check()
        X = cls.prepare(X, "X")
        if X_val is not None:
            X_val = cls.prepare(X_val, "X_val")
        params = dict(self.params or {})
        seeds = self.member_seeds()
        members: list[BaseModel] = [make_model(self.family, **params, seed=s) for s in seeds]
        # the family decides how: one member after another, stacked, or on parallel workers
        cls.fit_ensemble(
            members,
            X,
            y,
            X_val,
            y_val,
            callback=callback,
            threads=threads,
            progress=progress is True,
            on_member=progress if callable(progress) else None,
        )
        self.__dict__.pop("calibration_", None)
        self.members_ = members
        self.member_seeds_ = seeds
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "members_"):
            raise ValueError("this Ensemble is not fitted yet; call fit(X, y) or load a checkpoint first")

    # -- prediction ----------------------------------------------------------------------------

    def _stacked(self) -> Any:
        """The members as one stacked model where the family has one (the GIN's dense stack),
        built on first use and rebuilt when the members change; else ``None``."""
        stack = getattr(self.model_class, "stack", None)
        if stack is None:
            return None
        key = tuple((id(m), id(getattr(m, "net_", None)), id(getattr(m, "booster_", None))) for m in self.members_)
        cached = getattr(self, "_stack", None)
        if cached is None or cached[0] != key:
            cached = self._stack = (key, stack(self.members_))
        return cached[1]

    def predict_members(self, X: Any) -> np.ndarray:
        """Every member's prediction, shape ``(n_members, n)``; inputs are converted once.

        Inputs meant for a stacked model (the GIN's ``DenseGraphs``, what queries pass) run every
        member in one pass; any other input runs each member's own model, the reference path
        that fitting and ``evaluate`` use, so recorded metrics reproduce bit for bit. A family
        whose stack equals that path bit for bit (LightGBM's compiled trees,
        ``stacks_matrices``) stacks plain matrices too.
        """
        self._check_fitted()
        X = self.model_class.prepare(X, "X")
        stackable = getattr(X, "stackable", False) or getattr(self.model_class, "stacks_matrices", False)
        stacked = self._stacked() if stackable else None
        if stacked is not None:
            for m in self.members_:
                m._check_compatible(X, "X")
            return stacked.predict(X)
        return np.stack([m.predict(X) for m in self.members_])

    @staticmethod
    def _mean(preds: np.ndarray) -> np.ndarray:
        """Mean over members, summed member by member: numpy's ``mean(axis=0)`` sums one column
        pairwise but many columns in order, so a row's mean would depend on its batch's size."""
        total = preds[0].copy()
        for row in preds[1:]:
            total += row
        return total / preds.shape[0]

    @classmethod
    def _spread(cls, preds: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
        if preds.shape[0] < 2:
            return np.zeros(preds.shape[1])
        mean = cls._mean(preds) if mean is None else mean
        return np.sqrt(cls._mean((preds - mean) ** 2) * (preds.shape[0] / (preds.shape[0] - 1)))

    def predict(self, X: Any, *, calibrated: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Mean and std over members, from one pass over them.

        ``std`` is the members' sample standard deviation (``ddof=1``), mapped through the
        calibration when the ensemble has one and ``calibrated`` is true.
        """
        preds = self.predict_members(X)
        mean = self._mean(preds)
        std = self._spread(preds, mean)
        if calibrated and hasattr(self, "calibration_"):
            std = self.calibration_.apply(std)
        return mean, std

    def sample(self, X: Any, rng: Any = None, *, calibrated: bool = True) -> np.ndarray:
        """One draw per row of ``N(mean, std**2)``: a prediction as if each architecture were
        trained once more with another seed (see the module docstring).

        ``rng`` is anything :func:`numpy.random.default_rng` accepts.
        """
        mean, std = self.predict(X, calibrated=calibrated)
        return mean + std * np.random.default_rng(rng).standard_normal(mean.shape[0])

    # -- calibration ---------------------------------------------------------------------------

    def calibrate(self, X_val: Any, y_val: Any, *, method: str = "coverage") -> Ensemble:
        """Fit :attr:`calibration_` on a validation split (see the module docstring)."""
        self._check_fitted()
        mean, std = self.predict(X_val, calibrated=False)
        y = BaseModel._targets(y_val, mean.shape[0], "y_val")
        self.calibration_ = fit_calibration(y - mean, std, method)
        return self

    # -- persistence ---------------------------------------------------------------------------

    @classmethod
    def from_members(
        cls,
        members: Sequence[BaseModel],
        *,
        params: Mapping[str, Any] | None = None,
        seed: int = 0,
        member_seeds: Sequence[int] | None = None,
        calibration: Calibration | None = None,
    ) -> Ensemble:
        """An ensemble of already fitted members (what loading a checkpoint does)."""
        if not members:
            raise ValueError("an ensemble needs at least one member")
        families = {m.family for m in members}
        if len(families) != 1:
            raise ValueError(f"members must share one family, got {sorted(families)}")
        if not all(m.is_fitted for m in members):
            raise ValueError("every member must be fitted")
        ens = cls(families.pop(), len(members), dict(params or {}), seed)
        ens.members_ = list(members)
        ens.member_seeds_ = list(member_seeds) if member_seeds is not None else [m.seed for m in members]
        if calibration is not None:
            ens.calibration_ = calibration
        return ens
