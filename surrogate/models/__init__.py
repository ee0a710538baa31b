"""Surrogate models: one module per family, one small interface (:class:`Model`).

=========  ==========================  ==============  ==============================
family     class                       input           saved as
=========  ==========================  ==============  ==============================
``gin``    :class:`GINModel`           graphs          safetensors + JSON
``xgb``    :class:`XGBoostModel`       float matrix    XGBoost UBJSON
``lgb``    :class:`LightGBMModel`      float matrix    LightGBM text model
``rf``     :class:`RandomForestModel`  float matrix    tree arrays (``.npz``)
``knn``    :class:`KNNModel`           float matrix    training rows (``.npz``)
=========  ==========================  ==============  ==============================

Families are imported only when used, so fitting a tree model never imports torch.

Examples
--------
>>> import numpy as np
>>> from surrogate.models import make_model, load_model
>>> X = np.random.default_rng(0).random((200, 4), dtype=np.float32)
>>> y = X @ np.array([1.0, 2.0, 0.0, -1.0])
>>> model = make_model("rf", n_estimators=20, seed=1).fit(X, y)
>>> model.predict(X[:3]).shape
(3,)
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ._base import BaseModel, Callback, Model, read_model_json
from ._config import FamilyConfig, ParamSpec, config_dir, load_config

__all__ = [
    "MODELS",
    "BaseModel",
    "Callback",
    "FamilyConfig",
    "GINModel",
    "GraphBatch",
    "GraphSet",
    "KNNModel",
    "LightGBMModel",
    "Model",
    "ParamSpec",
    "RandomForestModel",
    "XGBoostModel",
    "config_dir",
    "iter_batches",
    "load_config",
    "load_model",
    "make_model",
    "model_class",
]

_FAMILIES = {
    "gin": ("gin", "GINModel"),
    "xgb": ("xgb", "XGBoostModel"),
    "lgb": ("lgb", "LightGBMModel"),
    "rf": ("rf", "RandomForestModel"),
    "knn": ("knn", "KNNModel"),
}
_LAZY = {cls: (mod, cls) for mod, cls in _FAMILIES.values()}
_LAZY.update({name: ("_graphs", name) for name in ("GraphBatch", "GraphSet", "iter_batches")})


class _Registry(Mapping[str, type]):
    """``family -> model class``, importing a family's module on first access."""

    def __getitem__(self, family: str) -> type:
        if family not in _FAMILIES:
            raise KeyError(family)
        module, cls = _FAMILIES[family]
        return getattr(importlib.import_module(f"{__name__}.{module}"), cls)

    def __iter__(self) -> Iterator[str]:
        return iter(_FAMILIES)

    def __len__(self) -> int:
        return len(_FAMILIES)

    def __repr__(self) -> str:
        return f"MODELS({', '.join(_FAMILIES)})"


#: Every model family by name (``MODELS["xgb"]`` is :class:`XGBoostModel`).
MODELS: Mapping[str, type] = _Registry()


def model_class(family: str) -> type:
    """The class of ``family``, with an error that lists the known families."""
    if family not in _FAMILIES:
        raise ValueError(f"unknown model family {family!r}; choose one of {', '.join(_FAMILIES)}")
    return MODELS[family]


def make_model(family: str, **params: Any) -> BaseModel:
    """A new, unfitted model of ``family``; unspecified parameters take their defaults.

    The defaults are the class's (equal to ``configs/models/<family>.yaml``).
    """
    cls = model_class(family)
    valid = cls._param_names()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(f"{family} has no parameter(s) {unknown}; valid: {', '.join(valid)}")
    return cls(**params)


def load_model(directory: str | Path) -> BaseModel:
    """Load a model saved by any family's ``save`` (the family is read from ``model.json``)."""
    doc = read_model_json(directory)
    return model_class(doc["family"]).load(directory)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
