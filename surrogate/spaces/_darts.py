"""The DARTS space of NAS-Bench-301 (:mod:`surrogate.space`, :mod:`surrogate.encode`,
:mod:`surrogate.cost`) behind the :class:`~surrogate.spaces.Space` interface."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np

from surrogate import space as _space
from surrogate.space import OPS, Genotype

from ._base import Space

__all__ = ["DartsBatch", "DartsSpace"]

_CELLS = ("normal", "reduce")
_NODES = (2, 3, 4, 5)
_PAIRS = {k: [f"{a}-{b}" for a, b in combinations(range(k), 2)] for k in _NODES}


class DartsBatch(Sequence):
    """Genotypes with their integer array (the cost tables) and canonical array (the encoders and
    the noise keys) computed once, when first asked for; a slice keeps what was computed."""

    def __init__(
        self, genotypes: Sequence[Genotype], raw: np.ndarray | None = None, canonical: np.ndarray | None = None
    ) -> None:
        self.genotypes = list(genotypes)
        self._raw, self._canonical = raw, canonical

    def __len__(self) -> int:
        return len(self.genotypes)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):  # chunks of one query share the batch's arrays, computed once
            return DartsBatch(self.genotypes[i], self.raw[i], self.canonical[i])
        return self.genotypes[i]

    @property
    def raw(self) -> np.ndarray:
        if self._raw is None:
            self._raw = _space.to_array(self.genotypes)
        return self._raw

    @property
    def canonical(self) -> np.ndarray:
        if self._canonical is None:
            from surrogate.encode._canonical import canonical_cells

            n = len(self.genotypes)
            self._canonical = canonical_cells(self.raw.reshape(n * 2, 8, 2)).reshape(n, 2, 8, 2)
        return self._canonical


def _canonical(archs: Sequence[Genotype]) -> np.ndarray:
    if isinstance(archs, DartsBatch):
        return archs.canonical
    from surrogate.encode import canonical_array

    return canonical_array(list(archs))


class DartsSpace(Space):
    """The DARTS space: :class:`~surrogate.space.Genotype` values, 252 features, 30-node graphs,
    exact costs from per-op tables."""

    name = "darts"
    has_cost = True

    def parse(self, x: object) -> Any:
        return _space.parse(x)

    def parse_strings(self, strings: Sequence[str]) -> list:
        cache: dict[str, Genotype] = {}
        out = []
        for text in strings:
            g = cache.get(text)
            if g is None:
                g = cache[text] = _space.from_string(text)
            out.append(g)
        return out

    def canonical_string(self, arch: Any) -> str:
        return _space.canonical_string(arch)

    def arch_hash(self, arch: Any) -> str:
        return _space.arch_hash(arch)

    # -- search ----------------------------------------------------------------------------------

    def sample(self, n: int, rng: object = None) -> list:
        return _space.sample(n, rng=rng)

    def mutate(self, arch: Any, rng: object = None) -> Any:
        return _space.mutate(arch, rng=rng)

    def neighbours(self, arch: Any) -> list:
        return _space.neighbours(arch)

    def categorical_params(self) -> dict[str, tuple]:
        """24 parameters: for each cell and intermediate node k = 2..5, which pair of inputs it
        reads (``"{cell}_n{k}_inputs"``, e.g. ``"0-2"``) and the op on the lower and the higher
        input (``"{cell}_n{k}_op_lo"``, ``"_op_hi"``). Every value is one valid Genotype and every
        Genotype (each node's pair ordered by input) is one value."""
        out: dict[str, tuple] = {}
        for cell in _CELLS:
            for k in _NODES:
                out[f"{cell}_n{k}_inputs"] = tuple(_PAIRS[k])
                out[f"{cell}_n{k}_op_lo"] = tuple(OPS)
                out[f"{cell}_n{k}_op_hi"] = tuple(OPS)
        return out

    def from_categorical(self, params: Mapping[str, object]) -> Genotype:
        cells = []
        for cell in _CELLS:
            pairs = []
            for k in _NODES:
                lo, hi = (int(v) for v in str(params[f"{cell}_n{k}_inputs"]).split("-"))
                pairs += [(params[f"{cell}_n{k}_op_lo"], lo), (params[f"{cell}_n{k}_op_hi"], hi)]
            cells.append(pairs)
        return Genotype(normal=cells[0], reduce=cells[1])

    # -- encoding --------------------------------------------------------------------------------

    def features(self, archs: Sequence[Any]) -> np.ndarray:
        from surrogate.encode import features_from_canonical

        return features_from_canonical(_canonical(archs))

    def feature_names(self) -> list[str]:
        from surrogate.encode import feature_names

        return list(feature_names())

    def graph_batch(self, archs: Sequence[Any]) -> Any:
        from surrogate.encode import graph_batch

        return graph_batch(list(archs))

    def dense_graphs(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        from surrogate.encode import dense_graphs_from_canonical

        return dense_graphs_from_canonical(_canonical(archs))

    @property
    def encoder_version(self) -> dict[str, str]:
        from surrogate.encode import ENCODER_VERSION

        return dict(ENCODER_VERSION)

    # -- queries ---------------------------------------------------------------------------------

    def batch(self, archs: Sequence[Any]) -> DartsBatch:
        return archs if isinstance(archs, DartsBatch) else DartsBatch(archs)

    def noise_keys(self, archs: Sequence[Any]) -> np.ndarray:
        from surrogate.noise import keys_from_canonical

        return keys_from_canonical(_canonical(archs))

    def cost_tables(self, fidelity: Mapping[str, Any]) -> dict:
        """Measured from the real modules of :mod:`surrogate.generate` (imports torch)."""
        from surrogate.cost import build_cost_tables

        return build_cost_tables(fidelity["layers"], fidelity["channels"], fidelity["resolution"])

    def cost(self, archs: Sequence[Any], tables: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        from surrogate.cost import network_cost

        raw = archs.raw if isinstance(archs, DartsBatch) else _space.to_array(list(archs))
        return network_cost(raw, dict(tables))
