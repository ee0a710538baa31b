"""The :class:`Space` interface: everything the rest of the package asks of a search space."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

__all__ = ["INPUT_ENCODERS", "Space"]

#: A model's input kind -> the key of :attr:`Space.encoder_version` (and of a checkpoint's
#: ``encoder`` record) naming the encoding it is fed.
INPUT_ENCODERS: Mapping[str, str] = {"matrix": "features", "graphs": "graph"}


class Space(ABC):
    """A search space: its values, their identity, how to move among them, how to encode them.

    One object per space (:func:`surrogate.spaces.get_space`); the rest of the package asks it
    instead of testing the space's name. A subclass implements the abstract methods; the others
    have defaults that fit a space without costs, fitted state or a vectorised batch form.

    Values and identity
        :meth:`parse` (every accepted form; one in, one out; a list in, a list out),
        :meth:`to_string`, :meth:`canonical_string` (what a Dataset stores), :meth:`arch_hash`
        (isomorphism-invariant), :meth:`fields` (both for one value, what readers store).
    Search
        :meth:`sample`, :meth:`mutate`, :meth:`neighbours`, and the categorical form
        :meth:`categorical_params` / :meth:`from_categorical` (what TPE draws).
    Encoding
        :meth:`fit` (learn what the encoders need from the training architectures),
        :meth:`features` / :meth:`feature_names`, :meth:`graph_batch` (torch_geometric, training),
        :meth:`dense_graphs` (numpy, queries; ``None`` where the space has none),
        :meth:`encode` by model input kind, :attr:`encoder_version`, :meth:`state_dict` /
        :meth:`load_state_dict` (the JSON-able encoder and search state a checkpoint records).
    Queries
        :meth:`batch` (a batch with what several encoders share computed once),
        :meth:`noise_keys` (per-architecture keys of :mod:`surrogate.noise`), :attr:`has_cost`,
        :meth:`cost_tables` and :meth:`cost` (exact parameter counts and FLOPs).
    """

    #: The registry name (``"darts"``, ``"nb201"``, ``"generic"``).
    name: ClassVar[str] = ""
    #: Keys that hold one architecture inline in a table row (the generic cell's ``nodes``,
    #: ``edges``, ``edge_labels``); empty where an architecture is always one column.
    inline_keys: ClassVar[tuple[str, ...]] = ()
    #: Whether :meth:`cost` can count parameters and FLOPs of the space's networks.
    has_cost: ClassVar[bool] = False

    def __repr__(self) -> str:
        return f"get_space({self.name!r})"

    # -- values and identity --------------------------------------------------------------------

    @abstractmethod
    def parse(self, x: object) -> Any:
        """One architecture in any accepted form -> the value; a list (or tuple of them) -> a list."""

    def parse_batch(self, x: object) -> tuple[list, bool]:
        """``(architectures, single)``: :meth:`parse` as a list, and whether one was given."""
        parsed = self.parse(x)
        if isinstance(parsed, list):
            return parsed, False
        return [parsed], True

    def parse_strings(self, strings: Sequence[str]) -> list:
        """Stored strings (a Dataset's ``arch`` column) -> values; repeats are parsed once."""
        cache: dict[str, Any] = {}
        out = []
        for text in strings:
            value = cache.get(text)
            if value is None:
                value = cache[text] = self.parse(text)
            out.append(value)
        return out

    def to_string(self, arch: Any) -> str:
        return str(arch)

    @abstractmethod
    def canonical_string(self, arch: Any) -> str: ...

    @abstractmethod
    def arch_hash(self, arch: Any) -> str: ...

    def fields(self, value: object) -> tuple[str, str]:
        """``(canonical string, hash)`` of exactly one architecture in any accepted form.

        Raises
        ------
        ValueError
            For anything that is not one valid architecture (a list of them included).
        """
        arch = self.parse(value)
        if isinstance(arch, list):
            raise ValueError(f"expected one architecture, got a list of {len(arch)}: {value!r:.80}")
        return self.canonical_string(arch), self.arch_hash(arch)

    # -- search ----------------------------------------------------------------------------------

    @abstractmethod
    def sample(self, n: int, rng: object = None) -> list:
        """``n`` architectures drawn from the space with ``np.random.default_rng(rng)``."""

    @abstractmethod
    def mutate(self, arch: Any, rng: object = None) -> Any:
        """One random local change of ``arch``."""

    @abstractmethod
    def neighbours(self, arch: Any) -> list:
        """Every architecture one change away, one per isomorphism class, without ``arch``'s own."""

    @abstractmethod
    def categorical_params(self) -> dict[str, tuple]:
        """``{parameter: choices}``: the space as categorical parameters (what TPE draws)."""

    @abstractmethod
    def from_categorical(self, params: Mapping[str, object]) -> Any:
        """The architecture a full set of :meth:`categorical_params` values stands for."""

    # -- encoding --------------------------------------------------------------------------------

    def fit(self, archs: Sequence[Any]) -> Space:
        """Learn what the encoders (and the search) need from the training architectures; a no-op
        for spaces that need nothing. Returns the space."""
        return self

    @abstractmethod
    def features(self, archs: Sequence[Any]) -> np.ndarray:
        """A ``float32`` matrix, one row per architecture."""

    @abstractmethod
    def feature_names(self) -> list[str]: ...

    @abstractmethod
    def graph_batch(self, archs: Sequence[Any]) -> Any:
        """A torch_geometric ``Batch`` (imports torch)."""

    def dense_graphs(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray] | None:
        """The graphs of :meth:`graph_batch` as numpy ``(x, adj)``, or ``None`` where the space has
        no numpy graph encoder (the query path then converts :meth:`graph_batch`)."""
        return None

    def encode(self, archs: Sequence[Any], input_kind: str) -> Any:
        """The training input of a model of ``input_kind`` (``"matrix"`` or ``"graphs"``)."""
        if input_kind == "matrix":
            return self.features(archs)
        if input_kind == "graphs":
            return self.graph_batch(archs)
        raise ValueError(f"unknown model input kind {input_kind!r}; expected one of {list(INPUT_ENCODERS)}")

    @property
    @abstractmethod
    def encoder_version(self) -> dict[str, str]:
        """``{"features": ..., "graph": ...}``: the version of each encoding."""

    def encoder_record(self) -> dict[str, Any]:
        """What a checkpoint's manifest records as ``encoder``: space, versions and state."""
        return {"space": self.name, **dict(self.encoder_version), "state": self.state_dict()}

    def state_dict(self) -> dict:
        return {"space": self.name}

    def load_state_dict(self, state: dict) -> Space:
        if not isinstance(state, dict) or state.get("space") != self.name:
            raise ValueError(f"encoder state {str(state)[:80]} is not for the {self.name!r} space")
        return self

    # -- queries ---------------------------------------------------------------------------------

    def batch(self, archs: Sequence[Any]) -> Sequence[Any]:
        """``archs`` in the form the encoders, :meth:`noise_keys` and :meth:`cost` share work in
        (a list by default; slicing keeps it)."""
        return list(archs)

    def noise_keys(self, archs: Sequence[Any]) -> np.ndarray:
        """One uint64 per architecture, equal for isomorphic ones: the first 64 bits of the hash."""
        return np.array([int(self.arch_hash(a)[:16], 16) for a in archs], dtype=np.uint64)

    def cost_tables(self, fidelity: Mapping[str, Any]) -> dict | None:
        """Tables for :meth:`cost` at a training fidelity, or ``None`` where the space has no cost."""
        return None

    def cost(self, archs: Sequence[Any], tables: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """``(params, flops)`` as int64 arrays."""
        raise ValueError(f"the {self.name!r} space has no cost model (parameter counts and FLOPs)")
