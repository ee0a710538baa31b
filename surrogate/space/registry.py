"""The search spaces by name, behind one small interface, so data, models and the CLI need no ``if``.

:func:`get_space` returns a :class:`Space` for ``"darts"`` (the NAS-Bench-301 DARTS space),
``"nb201"`` (NAS-Bench-201 cells) or ``"generic"`` (any labelled DAG). Every space offers:

- ``name``;
- ``parse(x)``: the space's ``parse`` (one in, one out; a list in, a list out);
- ``to_string(arch)``, ``canonical_string(arch)``, ``arch_hash(arch)``;
- ``fit(archs)``: learn what the encoders need from the training architectures (the generic
  space's label vocabulary; a no-op elsewhere) and return the space;
- ``features(archs)`` (a ``float32`` matrix), ``feature_names()``, ``graph_batch(archs)`` (a
  torch_geometric ``Batch``);
- ``encoder_version`` and ``state_dict()`` / ``load_state_dict(d)``: a JSON-able record of the
  encoder state, for checkpoints.

Encoders are imported when first used, so parsing never pays for torch.

Examples
--------
>>> from surrogate.space.registry import get_space
>>> space = get_space("nb201")
>>> cells = space.parse(["|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"])
>>> space.features(cells).shape
(1, 30)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["SPACES", "Space", "get_space"]

#: Names :func:`get_space` knows.
SPACES: tuple[str, ...] = ("darts", "nb201", "generic")


@runtime_checkable
class Space(Protocol):
    """What every search space offers (see the module docstring)."""

    name: str

    def parse(self, x: object) -> Any: ...
    def to_string(self, arch: Any) -> str: ...
    def canonical_string(self, arch: Any) -> str: ...
    def arch_hash(self, arch: Any) -> str: ...
    def fit(self, archs: Sequence[Any]) -> Space: ...
    def features(self, archs: Sequence[Any]) -> np.ndarray: ...
    def feature_names(self) -> list[str]: ...
    def graph_batch(self, archs: Sequence[Any]) -> Any: ...
    @property
    def encoder_version(self) -> dict[str, str]: ...
    def state_dict(self) -> dict: ...
    def load_state_dict(self, state: dict) -> Space: ...


class _Stateless:
    """Shared parts of the spaces whose encoders need no fitting."""

    name = ""

    def fit(self, archs: Sequence[Any]) -> _Stateless:
        """Nothing to learn: returns the space."""
        return self

    def state_dict(self) -> dict:
        return {"space": self.name}

    def load_state_dict(self, state: dict) -> _Stateless:
        if not isinstance(state, dict) or state.get("space") != self.name:
            raise ValueError(f"encoder state {str(state)[:80]} is not for the {self.name!r} space")
        return self

    def __repr__(self) -> str:
        return f"get_space({self.name!r})"


class DartsSpace(_Stateless):
    """The DARTS space of NAS-Bench-301 (:mod:`surrogate.space`, :mod:`surrogate.encode`)."""

    name = "darts"

    def parse(self, x: object) -> Any:
        from surrogate.space import parse

        return parse(x)

    def to_string(self, arch: Any) -> str:
        return str(arch)

    def canonical_string(self, arch: Any) -> str:
        from surrogate.space import canonical_string

        return canonical_string(arch)

    def arch_hash(self, arch: Any) -> str:
        from surrogate.space import arch_hash

        return arch_hash(arch)

    def features(self, archs: Sequence[Any]) -> np.ndarray:
        from surrogate.encode import features

        return features(archs)

    def feature_names(self) -> list[str]:
        from surrogate.encode import feature_names

        return list(feature_names())

    def graph_batch(self, archs: Sequence[Any]) -> Any:
        from surrogate.encode import graph_batch

        return graph_batch(archs)

    @property
    def encoder_version(self) -> dict[str, str]:
        from surrogate.encode import ENCODER_VERSION

        return dict(ENCODER_VERSION)


class NB201Space(_Stateless):
    """NAS-Bench-201 cells (:mod:`surrogate.space.nb201`, :mod:`surrogate.encode.nb201`)."""

    name = "nb201"

    def parse(self, x: object) -> Any:
        from . import nb201

        return nb201.parse(x)

    def to_string(self, arch: Any) -> str:
        return arch.to_string()

    def canonical_string(self, arch: Any) -> str:
        from . import nb201

        return nb201.canonical_string(arch)

    def arch_hash(self, arch: Any) -> str:
        from . import nb201

        return nb201.arch_hash(arch)

    def features(self, archs: Sequence[Any]) -> np.ndarray:
        from surrogate.encode import nb201

        return nb201.features(archs)

    def feature_names(self) -> list[str]:
        from surrogate.encode import nb201

        return nb201.feature_names()

    def graph_batch(self, archs: Sequence[Any]) -> Any:
        from surrogate.encode import nb201

        return nb201.graph_batch(archs)

    @property
    def encoder_version(self) -> dict[str, str]:
        from surrogate.encode import nb201

        return dict(nb201.ENCODER_VERSION)


class GenericSpace:
    """Labelled DAGs (:mod:`surrogate.space.generic`); :meth:`fit` learns the label vocabulary.

    Parameters
    ----------
    vocabulary : surrogate.encode.generic.Vocabulary, optional
        A vocabulary fit earlier (e.g. loaded from a checkpoint); otherwise call :meth:`fit`.
    min_count : int, default 1
        Labels seen fewer times in the training cells go to the ``<other>`` bucket.
    """

    name = "generic"

    def __init__(self, vocabulary: Any = None, min_count: int = 1) -> None:
        self.vocabulary = vocabulary
        self.min_count = min_count

    def __repr__(self) -> str:
        return f"GenericSpace(vocabulary={'fitted' if self.vocabulary is not None else None})"

    def parse(self, x: object) -> Any:
        from . import generic

        return generic.parse(x)

    def to_string(self, arch: Any) -> str:
        return arch.to_string()

    def canonical_string(self, arch: Any) -> str:
        from . import generic

        return generic.canonical_string(arch)

    def arch_hash(self, arch: Any) -> str:
        from . import generic

        return generic.arch_hash(arch)

    def fit(self, archs: Sequence[Any]) -> GenericSpace:
        """Fit the label vocabulary on the training cells (replacing any earlier one)."""
        from surrogate.encode.generic import fit_vocabulary

        self.vocabulary = fit_vocabulary(archs, min_count=self.min_count)
        return self

    def _vocab(self) -> Any:
        if self.vocabulary is None:
            raise ValueError(
                "the generic space encodes through a label vocabulary: call space.fit(train_archs) "
                "first (or load_state_dict from a checkpoint)"
            )
        return self.vocabulary

    def features(self, archs: Sequence[Any]) -> np.ndarray:
        from surrogate.encode.generic import features

        return features(archs, self._vocab())

    def feature_names(self) -> list[str]:
        return self._vocab().feature_names()

    def graph_batch(self, archs: Sequence[Any]) -> Any:
        from surrogate.encode.generic import graph_batch

        return graph_batch(archs, self._vocab())

    @property
    def encoder_version(self) -> dict[str, str]:
        from surrogate.encode.generic import ENCODER_VERSION

        return dict(ENCODER_VERSION)

    def state_dict(self) -> dict:
        return {"space": self.name, "vocabulary": self._vocab().to_dict()}

    def load_state_dict(self, state: dict) -> GenericSpace:
        from surrogate.encode.generic import Vocabulary

        if not isinstance(state, dict) or state.get("space") != self.name or "vocabulary" not in state:
            raise ValueError(f"encoder state {str(state)[:80]} is not for the 'generic' space")
        self.vocabulary = Vocabulary.from_dict(state["vocabulary"])
        return self


def get_space(name: str) -> Space:
    """The search space called ``name`` (one of :data:`SPACES`); a new object on every call.

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if name == "darts":
        return DartsSpace()
    if name == "nb201":
        return NB201Space()
    if name == "generic":
        return GenericSpace()
    raise ValueError(f"unknown search space {name!r}; choose one of {list(SPACES)}")
