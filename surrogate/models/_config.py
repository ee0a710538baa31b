"""Default hyperparameters and Optuna search spaces, read from ``configs/models/<family>.yaml``.

The schema of a family's file::

    family: xgb                     # must match the file name
    defaults:                       # every constructor parameter, equal to the class's defaults
      learning_rate: 0.03
      ...
    search_space:                   # the parameters a tuner varies, each one of:
      learning_rate: {type: float, low: 0.005, high: 0.2, log: true}
      max_depth:     {type: int, low: 3, high: 14}            # log: optional, default false
      pooling:       {type: categorical, choices: [sum, mean]}

``defaults`` must name every constructor parameter (the test suite checks they equal the
constructor's defaults, so the two cannot drift); ``search_space`` names a subset, never
``seed``. A tuner can call :meth:`ParamSpec.suggest` with an Optuna trial.

Examples
--------
>>> from surrogate.models import load_config
>>> cfg = load_config("knn")
>>> cfg.defaults["n_neighbors"], cfg.search_space["weights"].choices
(10, ('uniform', 'distance'))
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

__all__ = ["FamilyConfig", "ParamSpec", "config_dir", "load_config"]

_TYPES = ("float", "int", "categorical")
#: Environment variable that points at a ``configs`` directory to use instead of the checkout's.
ENV_VAR = "SURROGATE_CONFIG_DIR"


@dataclass(frozen=True)
class ParamSpec:
    """The range of one hyperparameter: ``float``/``int`` with ``low``/``high``/``log``, or
    ``categorical`` with ``choices``."""

    type: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise ValueError(f"type must be one of {_TYPES}, got {self.type!r}")
        if self.type == "categorical":
            if not isinstance(self.choices, (list, tuple)):
                raise ValueError(f"choices must be a list, got {self.choices!r}")
            if not self.choices or self.low is not None or self.high is not None or self.log:
                raise ValueError("a categorical parameter needs a non-empty choices list and no low/high/log")
            object.__setattr__(self, "choices", tuple(self.choices))
            return
        if self.choices is not None:
            raise ValueError(f"a {self.type} parameter takes low/high, not choices")
        if self.low is None or self.high is None:
            raise ValueError(f"a {self.type} parameter needs both low and high")
        for bound in (self.low, self.high):
            if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound):
                raise ValueError(f"low and high must be finite numbers, got {self.low!r} and {self.high!r}")
            if self.type == "int" and not float(bound).is_integer():
                raise ValueError(f"an int parameter needs integer bounds, got {self.low!r} and {self.high!r}")
        if not self.low < self.high:
            raise ValueError(f"low must be below high, got low={self.low!r}, high={self.high!r}")
        if not isinstance(self.log, bool):
            raise ValueError(f"log must be true or false, got {self.log!r}")
        if self.log and self.low <= 0:
            raise ValueError(f"a log-scaled range needs low > 0, got low={self.low!r}")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ParamSpec:
        """Build from the YAML mapping; unknown keys are an error."""
        if not isinstance(d, Mapping):
            raise ValueError(f"a search-space entry must be a mapping with a 'type', got {d!r}")
        unknown = set(d) - {"type", "low", "high", "log", "choices"}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)} (valid: type, low, high, log, choices)")
        if "type" not in d:
            raise ValueError(f"a search-space entry needs a 'type' (float, int or categorical), got {dict(d)}")
        return cls(**d)

    def to_dict(self) -> dict[str, Any]:
        """The YAML mapping back (omitting unset fields)."""
        if self.type == "categorical":
            return {"type": self.type, "choices": list(self.choices or ())}
        out: dict[str, Any] = {"type": self.type, "low": self.low, "high": self.high}
        if self.log:
            out["log"] = True
        return out

    def contains(self, value: Any) -> bool:
        """Whether ``value`` lies in this range (or is one of the choices)."""
        if self.type == "categorical":
            return value in (self.choices or ())
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.type == "int" and not float(value).is_integer():
            return False
        return self.low <= value <= self.high

    def suggest(self, trial: Any, name: str) -> Any:
        """Draw a value with an Optuna trial's ``suggest_float``/``suggest_int``/``suggest_categorical``."""
        if self.type == "float":
            return trial.suggest_float(name, float(self.low), float(self.high), log=self.log)
        if self.type == "int":
            return trial.suggest_int(name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_categorical(name, list(self.choices or ()))


@dataclass(frozen=True)
class FamilyConfig:
    """One family's defaults and search space (read-only mappings)."""

    family: str
    defaults: Mapping[str, Any] = field(default_factory=dict)
    search_space: Mapping[str, ParamSpec] = field(default_factory=dict)
    path: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", MappingProxyType(dict(self.defaults)))
        object.__setattr__(self, "search_space", MappingProxyType(dict(self.search_space)))
        if "seed" in self.search_space:
            raise ValueError(f"{self._where()}: seed cannot be tuned; the ensemble owns the seeds")
        missing = set(self.search_space) - set(self.defaults)
        if missing:
            raise ValueError(f"{self._where()}: search_space names {sorted(missing)}, which defaults lacks")
        for name, spec in self.search_space.items():
            if not spec.contains(self.defaults[name]):
                raise ValueError(
                    f"{self._where()}: the default {name}={self.defaults[name]!r} lies outside its search "
                    f"range {spec.to_dict()}"
                )

    def _where(self) -> str:
        return str(self.path) if self.path else f"config of {self.family!r}"

    def sample(self, trial: Any) -> dict[str, Any]:
        """The defaults with every search-space parameter drawn from ``trial``."""
        params = dict(self.defaults)
        for name, spec in self.search_space.items():
            params[name] = spec.suggest(trial, name)
        return params


def config_dir() -> Path:
    """The ``configs`` directory: ``$SURROGATE_CONFIG_DIR`` if set, else the shipped one
    (:func:`surrogate._util.resource_path`: ``$SURROGATE_RESOURCES``, the installed package, the
    checkout)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    from surrogate._util import resource_path

    return resource_path("configs")


def load_config(family: str, path: str | Path | None = None) -> FamilyConfig:
    """Read and check ``configs/models/<family>.yaml`` (or the file at ``path``)."""
    if path is None:
        path = config_dir() / "models" / f"{family}.yaml"
    path = Path(path)
    if not path.is_file():
        raise ValueError(
            f"no model config at {path}; run from a checkout of the project or set {ENV_VAR} to its configs/"
        )
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ValueError(f"{path} is not valid YAML: {err}") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{path} must hold a mapping with defaults and search_space")
    unknown = set(doc) - {"family", "defaults", "search_space"}
    if unknown:
        raise ValueError(f"{path}: unknown top-level keys {sorted(unknown)} (valid: family, defaults, search_space)")
    if doc.get("family", family) != family:
        raise ValueError(f"{path} says family {doc['family']!r} but was loaded as {family!r}")
    defaults = doc.get("defaults") or {}
    space_doc = doc.get("search_space") or {}
    if not isinstance(defaults, dict) or not isinstance(space_doc, dict):
        raise ValueError(f"{path}: defaults and search_space must be mappings")
    space = {}
    for name, entry in space_doc.items():
        try:
            space[name] = ParamSpec.from_dict(entry)
        except (ValueError, TypeError) as err:
            raise ValueError(f"{path}: search_space.{name}: {err}") from None
    return FamilyConfig(family, defaults, space, path)
