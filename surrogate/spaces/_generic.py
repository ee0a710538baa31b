"""Generic labelled-DAG cells (:mod:`surrogate.space.generic`, :mod:`surrogate.encode.generic`)
behind the :class:`~surrogate.spaces.Space` interface; :meth:`GenericSpace.fit` learns the label
vocabulary (encoders) and the shapes and alphabets a search moves in
(:mod:`surrogate.space.generic_search`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from surrogate.space import generic
from surrogate.space import generic_search as search

from ._base import Space

__all__ = ["GenericSpace"]


class GenericSpace(Space):
    """Labelled DAGs; :meth:`fit` learns the label vocabulary and the search space.

    Parameters
    ----------
    vocabulary : surrogate.encode.generic.Vocabulary, optional
        A vocabulary fit earlier (e.g. loaded from a checkpoint); otherwise call :meth:`fit`.
    min_count : int, default 1
        Labels seen fewer times in the training cells go to the ``<other>`` bucket.
    search : surrogate.space.generic_search.GenericSearch, optional
        What :meth:`sample`, :meth:`mutate` and :meth:`neighbours` move in; :meth:`fit` learns it.
    """

    name = "generic"
    inline_keys = ("nodes", "edges", "edge_labels")

    def __init__(self, vocabulary: Any = None, min_count: int = 1, search: Any = None) -> None:
        self.vocabulary = vocabulary
        self.min_count = min_count
        self.search = search

    def __repr__(self) -> str:
        return f"GenericSpace(vocabulary={'fitted' if self.vocabulary is not None else None})"

    def parse(self, x: object) -> Any:
        return generic.parse(x)

    def to_string(self, arch: Any) -> str:
        return arch.to_string()

    def canonical_string(self, arch: Any) -> str:
        return generic.canonical_string(arch)

    def arch_hash(self, arch: Any) -> str:
        return generic.arch_hash(arch)

    # -- search ----------------------------------------------------------------------------------

    def _search(self) -> search.GenericSearch:
        if self.search is None:
            raise ValueError(
                "the generic space searches among the shapes of its training cells: call space.fit(train_archs) "
                "first (a checkpoint written before generic search existed has none; refit it)"
            )
        return self.search

    def sample(self, n: int, rng: object = None) -> list:
        return search.sample(n, self._search(), rng=rng)

    def mutate(self, arch: Any, rng: object = None) -> Any:
        return search.mutate(arch, self._search(), rng=rng)

    def neighbours(self, arch: Any) -> list:
        return search.neighbours(arch, self._search())

    def categorical_params(self) -> dict[str, tuple]:
        return self._search().categorical_params()

    def from_categorical(self, params: Mapping[str, object]) -> Any:
        return self._search().from_categorical(params)

    # -- encoding --------------------------------------------------------------------------------

    def fit(self, archs: Sequence[Any]) -> GenericSpace:
        """Fit the label vocabulary and the search space on the training cells (replacing both)."""
        from surrogate.encode.generic import fit_vocabulary

        archs = list(archs)
        self.vocabulary = fit_vocabulary(archs, min_count=self.min_count)
        self.search = search.fit_search(archs)
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

        return features(list(archs), self._vocab())

    def feature_names(self) -> list[str]:
        return self._vocab().feature_names()

    def graph_batch(self, archs: Sequence[Any]) -> Any:
        from surrogate.encode.generic import graph_batch

        return graph_batch(list(archs), self._vocab())

    @property
    def encoder_version(self) -> dict[str, str]:
        from surrogate.encode.generic import ENCODER_VERSION

        return dict(ENCODER_VERSION)

    def state_dict(self) -> dict:
        out = {"space": self.name, "vocabulary": self._vocab().to_dict()}
        if self.search is not None:
            out["search"] = self.search.to_dict()
        return out

    def load_state_dict(self, state: dict) -> GenericSpace:
        from surrogate.encode.generic import Vocabulary

        if not isinstance(state, dict) or state.get("space") != self.name or "vocabulary" not in state:
            raise ValueError(f"encoder state {str(state)[:80]} is not for the 'generic' space")
        self.vocabulary = Vocabulary.from_dict(state["vocabulary"])
        self.search = search.GenericSearch.from_dict(state["search"]) if "search" in state else None
        return self
