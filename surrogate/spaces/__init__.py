"""The search spaces by name, behind one :class:`Space` interface, so nothing else needs an ``if``.

:func:`get_space` returns a new :class:`Space` for ``"darts"`` (the NAS-Bench-301 DARTS space),
``"nb201"`` (NAS-Bench-201 cells) or ``"generic"`` (any labelled DAG); :data:`SPACES` maps each
name to its class. A space owns parsing, the canonical form and hash, sampling, mutation and
neighbours (and the categorical form TPE draws), the encoders (features, graphs), the noise keys
and, where it has one, the cost model; see :class:`Space`.

This package sits above the per-space modules: it imports :mod:`surrogate.space` and
:mod:`surrogate.encode` (encoders lazily, so parsing never pays for torch), and neither imports it.
Adding a space: one module here with a :class:`Space` subclass, and one line in :data:`SPACES`.

Examples
--------
>>> from surrogate.spaces import get_space
>>> space = get_space("nb201")
>>> cells = space.parse(["|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"])
>>> space.features(cells).shape
(1, 30)
>>> len(space.neighbours(cells[0])) > 0
True
"""

from __future__ import annotations

from types import MappingProxyType

from ._base import INPUT_ENCODERS, Space
from ._darts import DartsBatch, DartsSpace
from ._generic import GenericSpace
from ._nb201 import NB201Space

__all__ = ["INPUT_ENCODERS", "SPACES", "DartsBatch", "DartsSpace", "GenericSpace", "NB201Space", "Space", "get_space"]

#: Name -> space class (read-only); iterating gives the names :func:`get_space` knows.
SPACES = MappingProxyType({cls.name: cls for cls in (DartsSpace, NB201Space, GenericSpace)})


def get_space(name: str) -> Space:
    """The search space called ``name`` (one of :data:`SPACES`); a new object on every call.

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    try:
        cls = SPACES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown search space {name!r}; choose one of {list(SPACES)}") from None
    return cls()
