"""NAS-Bench-201 cells (:mod:`surrogate.space.nb201`, :mod:`surrogate.encode.nb201`) behind the
:class:`~surrogate.spaces.Space` interface."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from surrogate.space import nb201

from ._base import Space

__all__ = ["NB201Space"]


class NB201Space(Space):
    """NAS-Bench-201 cells: 6 edges, 5 ops, 15,625 cells; no cost model."""

    name = "nb201"

    def parse(self, x: object) -> Any:
        return nb201.parse(x)

    def to_string(self, arch: Any) -> str:
        return arch.to_string()

    def canonical_string(self, arch: Any) -> str:
        return nb201.canonical_string(arch)

    def arch_hash(self, arch: Any) -> str:
        return nb201.arch_hash(arch)

    def sample(self, n: int, rng: object = None) -> list:
        return nb201.sample(n, rng=rng)

    def mutate(self, arch: Any, rng: object = None) -> Any:
        return nb201.mutate(arch, rng=rng)

    def neighbours(self, arch: Any) -> list:
        return nb201.neighbours(arch)

    def categorical_params(self) -> dict[str, tuple]:
        """One parameter per edge, ``"edge_<target>_<source>"``, over the five ops."""
        return {f"edge_{t}_{s}": tuple(nb201.OPS) for t, s in nb201.EDGES}

    def from_categorical(self, params: Mapping[str, object]) -> Any:
        return nb201.Cell201(tuple(str(params[f"edge_{t}_{s}"]) for t, s in nb201.EDGES))

    def features(self, archs: Sequence[Any]) -> np.ndarray:
        from surrogate.encode import nb201 as enc

        return enc.features(list(archs))

    def feature_names(self) -> list[str]:
        from surrogate.encode import nb201 as enc

        return enc.feature_names()

    def graph_batch(self, archs: Sequence[Any]) -> Any:
        from surrogate.encode import nb201 as enc

        return enc.graph_batch(list(archs))

    @property
    def encoder_version(self) -> dict[str, str]:
        from surrogate.encode import nb201 as enc

        return dict(enc.ENCODER_VERSION)
