"""Searching a generic cell space: the graph shapes seen in training, with their operations free.

A generic space (:mod:`surrogate.space.generic`) is known only through its data, so what a NAS
optimizer may propose is learnt from the training cells by :func:`fit_search`:

- the *shapes*: a cell's node count, its edges, and the labels of its **fixed** nodes, the
  sources (no input edge) and sinks (no output edge), which name the cell's inputs and outputs;
  the ``max_shapes`` most frequent shapes are kept;
- the *alphabets*: the labels seen on **free** nodes (nodes with both inputs and outputs: the
  operations, NB101-style) and, for cells with labelled edges, the edge labels (NB201-style).

:func:`sample` draws a shape uniformly and every free label uniformly from its alphabet;
:func:`mutate` changes one free label; :func:`neighbours` lists every cell one label change
away (one per isomorphism class, see :func:`~surrogate.space.generic.arch_hash`). The graph of a
cell never changes: a search moves among the operations of the shapes the data covers.

Examples
--------
>>> from surrogate.space import generic
>>> from surrogate.space.generic_search import fit_search, sample
>>> cells = generic.parse([{"nodes": ["in", "conv", "out"], "edges": [[0, 1], [1, 2]]},
...                        {"nodes": ["in", "pool", "out"], "edges": [[0, 1], [1, 2]]}])
>>> search = fit_search(cells)
>>> search.node_labels, len(search.shapes)
(('conv', 'pool'), 1)
>>> [c.nodes[1] for c in sample(4, search, rng=0)]   # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ._errors import InvalidArchitectureError
from .generic import GenericCell, arch_hash

__all__ = ["DEFAULT_MAX_SHAPES", "GenericSearch", "Shape", "fit_search", "mutate", "neighbours", "sample"]

#: Shapes kept by :func:`fit_search` unless told otherwise (the most frequent first).
DEFAULT_MAX_SHAPES = 256
_FORMAT = 1


def _free_nodes(n: int, edges: Sequence[tuple[int, int]]) -> tuple[int, ...]:
    has_in, has_out = set(t for _, t in edges), set(s for s, _ in edges)
    return tuple(v for v in range(n) if v in has_in and v in has_out)


@dataclass(frozen=True)
class Shape:
    """A cell's graph with its fixed labels: what a search keeps while it changes operations."""

    n_nodes: int
    edges: tuple[tuple[int, int], ...]
    fixed: tuple[tuple[int, str], ...]
    labelled_edges: bool

    @property
    def free_nodes(self) -> tuple[int, ...]:
        return _free_nodes(self.n_nodes, self.edges)

    @classmethod
    def of(cls, cell: GenericCell) -> Shape:
        free = set(_free_nodes(len(cell.nodes), cell.edges))
        fixed = tuple((v, lab) for v, lab in enumerate(cell.nodes) if v not in free)
        return cls(len(cell.nodes), tuple(cell.edges), fixed, cell.edge_labels is not None)

    def to_dict(self) -> dict:
        return {
            "n_nodes": self.n_nodes,
            "edges": [list(e) for e in self.edges],
            "fixed": [[v, lab] for v, lab in self.fixed],
            "labelled_edges": self.labelled_edges,
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> Shape:
        return cls(
            int(d["n_nodes"]),
            tuple((int(s), int(t)) for s, t in d["edges"]),
            tuple((int(v), str(lab)) for v, lab in d["fixed"]),
            bool(d["labelled_edges"]),
        )


@dataclass(frozen=True)
class GenericSearch:
    """What a search may propose in a generic space (see the module docstring)."""

    shapes: tuple[Shape, ...]
    node_labels: tuple[str, ...]
    edge_labels: tuple[str, ...]

    def to_dict(self) -> dict:
        """A JSON-able dict (:meth:`from_dict` reads it back)."""
        return {
            "format": _FORMAT,
            "shapes": [s.to_dict() for s in self.shapes],
            "node_labels": list(self.node_labels),
            "edge_labels": list(self.edge_labels),
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> GenericSearch:
        """Read :meth:`to_dict`'s output; a ValueError says what is wrong with another dict."""
        if not isinstance(d, Mapping) or d.get("format") != _FORMAT:
            raise ValueError(f"not a generic search space of format {_FORMAT}: {str(d)[:120]}")
        try:
            return cls(
                tuple(Shape.from_dict(s) for s in d["shapes"]),
                tuple(str(v) for v in d["node_labels"]),
                tuple(str(v) for v in d["edge_labels"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"generic search space is missing or mangles {err}") from None

    def build(self, shape: Shape, node_labels: Sequence[str], edge_labels: Sequence[str] | None) -> GenericCell:
        """The cell of ``shape`` with these labels on its free nodes (in order) and edges."""
        nodes = dict(shape.fixed)
        nodes.update(zip(shape.free_nodes, node_labels))
        return GenericCell(
            tuple(nodes[v] for v in range(shape.n_nodes)),
            shape.edges,
            tuple(edge_labels) if shape.labelled_edges else None,
        )

    # -- the categorical form (TPE) -------------------------------------------------------------

    def categorical_params(self) -> dict[str, tuple]:
        """``{name: choices}``: the shape's index, then a label per free node and per edge slot.

        Slots a drawn shape does not have are ignored by :meth:`from_categorical`.
        """
        self._check()
        out: dict[str, tuple] = {"shape": tuple(range(len(self.shapes)))}
        if self.node_labels:
            for i in range(max(len(s.free_nodes) for s in self.shapes)):
                out[f"node_{i}"] = self.node_labels
        labelled = [len(s.edges) for s in self.shapes if s.labelled_edges]
        if labelled and self.edge_labels:
            for j in range(max(labelled)):
                out[f"edge_{j}"] = self.edge_labels
        return out

    def from_categorical(self, params: Mapping[str, object]) -> GenericCell:
        """The cell a full set of :meth:`categorical_params` values stands for."""
        shape = self.shapes[int(params["shape"])]  # type: ignore[arg-type]
        nodes = [str(params[f"node_{i}"]) for i in range(len(shape.free_nodes))]
        edges = [str(params[f"edge_{j}"]) for j in range(len(shape.edges))] if shape.labelled_edges else None
        return self.build(shape, nodes, edges)

    def _check(self) -> None:
        if not self.shapes:
            raise ValueError("the generic search space has no shapes; fit it on at least one cell")


def fit_search(cells: Sequence[GenericCell], max_shapes: int = DEFAULT_MAX_SHAPES) -> GenericSearch:
    """Learn the shapes and label alphabets of ``cells`` (the training cells)."""
    if isinstance(max_shapes, bool) or not isinstance(max_shapes, (int, np.integer)) or max_shapes < 1:
        raise ValueError(f"max_shapes must be a positive int, got {max_shapes!r}")
    counts: Counter[Shape] = Counter()
    node_labels: set[str] = set()
    edge_labels: set[str] = set()
    for i, cell in enumerate(cells):
        if not isinstance(cell, GenericCell):
            raise InvalidArchitectureError(f"item {i} is a {type(cell).__name__}, not a GenericCell")
        shape = Shape.of(cell)
        counts[shape] += 1
        node_labels.update(cell.nodes[v] for v in shape.free_nodes)
        if cell.edge_labels is not None:
            edge_labels.update(cell.edge_labels)
    if not counts:
        raise ValueError("fit_search needs at least one training cell")
    shapes = tuple(s for s, _ in counts.most_common(int(max_shapes)))  # ties: first seen first
    return GenericSearch(shapes, tuple(sorted(node_labels)), tuple(sorted(edge_labels)))


def sample(n: int, search: GenericSearch, rng: object = None) -> list[GenericCell]:
    """``n`` cells: a shape uniformly, then every free label uniformly from its alphabet."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    search._check()
    gen = np.random.default_rng(rng)
    out = []
    for k in gen.integers(0, len(search.shapes), size=int(n)).tolist():
        shape = search.shapes[k]
        free = shape.free_nodes
        nodes = [search.node_labels[i] for i in gen.integers(0, max(len(search.node_labels), 1), len(free))]
        edges = None
        if shape.labelled_edges:
            alphabet = search.edge_labels or ("",)
            edges = [alphabet[i] for i in gen.integers(0, len(alphabet), len(shape.edges))]
        out.append(search.build(shape, nodes, edges))
    return out


def _moves(cell: GenericCell, search: GenericSearch) -> list[GenericCell]:
    out = []
    for v in _free_nodes(len(cell.nodes), cell.edges):
        for lab in search.node_labels:
            if lab != cell.nodes[v]:
                nodes = cell.nodes[:v] + (lab,) + cell.nodes[v + 1 :]
                out.append(GenericCell(nodes, cell.edges, cell.edge_labels))
    if cell.edge_labels is not None:
        for j, old in enumerate(cell.edge_labels):
            for lab in search.edge_labels:
                if lab != old:
                    labels = cell.edge_labels[:j] + (lab,) + cell.edge_labels[j + 1 :]
                    out.append(GenericCell(cell.nodes, cell.edges, labels))
    return out


def mutate(cell: GenericCell, search: GenericSearch, rng: object = None) -> GenericCell:
    """One random free-label change (uniform over the possible ones); the cell itself when none is
    possible (a cell without free nodes or labelled edges, or alphabets of one label)."""
    moves = _moves(cell, search)
    if not moves:
        return cell
    return moves[int(np.random.default_rng(rng).integers(len(moves)))]


def neighbours(cell: GenericCell, search: GenericSearch) -> list[GenericCell]:
    """Every cell one free-label change away, one per hash, without the cell's own."""
    seen = {arch_hash(cell)}
    out = []
    for m in _moves(cell, search):
        key = arch_hash(m)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out
