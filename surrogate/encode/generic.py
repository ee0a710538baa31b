"""Generic cells -> model inputs, through a vocabulary of labels fit on the training cells.

A fixed-length encoding of arbitrary labelled DAGs needs to know the labels in advance, so the
first step is :func:`fit_vocabulary` on the *training* cells; labels it has not seen (or saw fewer
than ``min_count`` times) fall into one ``<other>`` bucket per kind. The :class:`Vocabulary` is a
small JSON-able value: save it with the model (``to_dict`` / ``from_dict``) and encode new cells
with the same one.

Features (:func:`features`, ``float32``, names from :meth:`Vocabulary.feature_names`), counts per
cell, so they are invariant to node numbering:

======================================== ==========================================================
columns                                  value
======================================== ==========================================================
``node[<label>]`` + ``node[<other>]``    how many nodes carry the label
``edge[<label>]`` + ``edge[<other>]``    how many edges carry the label (only if labelled edges
                                         were seen)
``pair[<src>|<edge>|<dst>]`` + other     how many edges go from a ``src``-labelled node through an
                                         ``edge``-labelled edge to a ``dst``-labelled node
``n_nodes``, ``n_edges``, ``depth``,     size, longest path (edges), nodes without inputs, nodes
``n_sources``, ``n_sinks``               without outputs
======================================== ==========================================================

Graph (:func:`graph`, :func:`graph_batch`): ops as nodes, like the DARTS and NB201 graphs. Every
cell node is a graph node with a one-hot of its label; when the vocabulary has edge labels, every
edge becomes a node too (one-hot of its label, in its own block of columns), wired
``source -> edge node -> target``; otherwise edges are kept as they are. Node feature width:
``len(node_labels) + 1`` (+ ``len(edge_labels) + 1``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from surrogate.space import InvalidArchitectureError
from surrogate.space.generic import GenericCell, depth

if TYPE_CHECKING:
    from torch_geometric.data import Batch, Data

__all__ = ["ENCODER_VERSION", "Vocabulary", "features", "fit_vocabulary", "graph", "graph_batch"]

#: The version of each generic encoding; bump one when its output changes for any input.
ENCODER_VERSION = {"features": "generic-features-1", "graph": "generic-graph-1"}
_OTHER = "<other>"
_FORMAT = 1


@dataclass(frozen=True)
class Vocabulary:
    """The labels an encoder knows: node labels, edge labels and labelled edge triples.

    Build it with :func:`fit_vocabulary`; everything is sorted, so equal training sets give equal
    vocabularies.
    """

    node_labels: tuple[str, ...]
    edge_labels: tuple[str, ...]
    pairs: tuple[tuple[str, str, str], ...]
    labelled_edges: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "node_labels", tuple(self.node_labels))
        object.__setattr__(self, "edge_labels", tuple(self.edge_labels))
        object.__setattr__(self, "pairs", tuple(tuple(p) for p in self.pairs))
        object.__setattr__(self, "_node_index", {v: i for i, v in enumerate(self.node_labels)})
        object.__setattr__(self, "_edge_index", {v: i for i, v in enumerate(self.edge_labels)})
        object.__setattr__(self, "_pair_index", {p: i for i, p in enumerate(self.pairs)})

    @property
    def n_features(self) -> int:
        return len(self.feature_names())

    def feature_names(self) -> list[str]:
        """Column names of :func:`features` with this vocabulary."""
        names = [f"node[{v}]" for v in self.node_labels] + [f"node[{_OTHER}]"]
        if self.labelled_edges:
            names += [f"edge[{v}]" for v in self.edge_labels] + [f"edge[{_OTHER}]"]
        names += [f"pair[{s}|{e}|{t}]" for s, e, t in self.pairs] + [f"pair[{_OTHER}]"]
        return names + ["n_nodes", "n_edges", "depth", "n_sources", "n_sinks"]

    @property
    def graph_node_features(self) -> int:
        """Width of a graph node's feature row."""
        width = len(self.node_labels) + 1
        return width + (len(self.edge_labels) + 1 if self.labelled_edges else 0)

    def to_dict(self) -> dict:
        """A JSON-able dict (``from_dict`` reads it back)."""
        return {
            "format": _FORMAT,
            "node_labels": list(self.node_labels),
            "edge_labels": list(self.edge_labels),
            "pairs": [list(p) for p in self.pairs],
            "labelled_edges": self.labelled_edges,
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> Vocabulary:
        """Read :meth:`to_dict`'s output; a ValueError says what is wrong with another dict."""
        if not isinstance(d, Mapping) or d.get("format") != _FORMAT:
            raise ValueError(f"not a generic-cell vocabulary of format {_FORMAT}: {str(d)[:120]}")
        try:
            pairs = [tuple(p) for p in d["pairs"]]
            if not all(len(p) == 3 and all(isinstance(v, str) for v in p) for p in pairs):
                raise ValueError("pairs must be [source label, edge label, target label] triples")
            return cls(
                node_labels=tuple(str(v) for v in d["node_labels"]),
                edge_labels=tuple(str(v) for v in d["edge_labels"]),
                pairs=tuple(pairs),  # type: ignore[arg-type]
                labelled_edges=bool(d["labelled_edges"]),
            )
        except (KeyError, TypeError) as err:
            raise ValueError(f"generic-cell vocabulary is missing or mangles {err}") from None


def _triples(cell: GenericCell) -> list[tuple[str, str, str]]:
    labels = cell.edge_labels or ("",) * len(cell.edges)
    return [(cell.nodes[s], lab, cell.nodes[t]) for (s, t), lab in zip(cell.edges, labels)]


def _as_cells(cells: Sequence[GenericCell] | GenericCell) -> list[GenericCell]:
    if isinstance(cells, GenericCell):
        return [cells]
    if isinstance(cells, (str, bytes, Mapping)) or not hasattr(cells, "__iter__"):
        raise InvalidArchitectureError(
            f"expected a sequence of GenericCell, got {type(cells).__name__}; parse first with "
            "surrogate.space.generic.parse"
        )
    out = list(cells)
    for i, c in enumerate(out):
        if not isinstance(c, GenericCell):
            raise InvalidArchitectureError(
                f"item {i} is a {type(c).__name__}, not a GenericCell; parse first with surrogate.space.generic.parse"
            )
    return out


def fit_vocabulary(cells: Sequence[GenericCell], min_count: int = 1) -> Vocabulary:
    """The labels seen at least ``min_count`` times in ``cells`` (the training cells).

    Examples
    --------
    >>> from surrogate.space import generic
    >>> cells = generic.parse([{"nodes": ["in", "conv", "out"], "edges": [[0, 1], [1, 2]]}])
    >>> fit_vocabulary(cells).node_labels
    ('conv', 'in', 'out')
    """
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count must be an int >= 1, got {min_count!r}")
    cs = _as_cells(cells)
    if not cs:
        raise ValueError("fit_vocabulary needs at least one cell (the training set is empty)")
    nodes: Counter[str] = Counter()
    edges: Counter[str] = Counter()
    pairs: Counter[tuple[str, str, str]] = Counter()
    labelled = False
    for c in cs:
        nodes.update(c.nodes)
        if c.edge_labels is not None:
            labelled = True
            edges.update(c.edge_labels)
        pairs.update(_triples(c))
    keep = lambda counter: tuple(sorted(k for k, v in counter.items() if v >= min_count))  # noqa: E731
    return Vocabulary(node_labels=keep(nodes), edge_labels=keep(edges), pairs=keep(pairs), labelled_edges=labelled)


def features(cells: Sequence[GenericCell] | GenericCell, vocabulary: Vocabulary) -> np.ndarray:
    """Count features ``float32 (n, vocabulary.n_features)``; one cell is a batch of one.

    Examples
    --------
    >>> from surrogate.space import generic
    >>> cells = generic.parse([{"nodes": ["in", "conv", "out"], "edges": [[0, 1], [1, 2]]}])
    >>> features(cells, fit_vocabulary(cells)).tolist()[0]
    [1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 3.0, 2.0, 2.0, 1.0, 1.0]
    """
    if not isinstance(vocabulary, Vocabulary):
        raise ValueError("features of generic cells need a Vocabulary: fit_vocabulary(train_cells) first")
    cs = _as_cells(cells)
    v = vocabulary
    n_node = len(v.node_labels) + 1
    n_edge = len(v.edge_labels) + 1 if v.labelled_edges else 0
    n_pair = len(v.pairs) + 1
    base_edge, base_pair = n_node, n_node + n_edge
    base_stats = base_pair + n_pair
    rows: list[int] = []
    cols: list[int] = []
    stats = np.zeros((len(cs), 5), dtype=np.float32)
    for i, c in enumerate(cs):
        idx = [v._node_index.get(lab, n_node - 1) for lab in c.nodes]  # type: ignore[attr-defined]
        if v.labelled_edges:
            labels = c.edge_labels or ("",) * len(c.edges)
            idx += [base_edge + v._edge_index.get(lab, n_edge - 1) for lab in labels]  # type: ignore[attr-defined]
        idx += [base_pair + v._pair_index.get(p, n_pair - 1) for p in _triples(c)]  # type: ignore[attr-defined]
        rows += [i] * len(idx)
        cols += idx
        has_in = {t for _, t in c.edges}
        has_out = {s for s, _ in c.edges}
        n = len(c.nodes)
        stats[i] = (n, len(c.edges), depth(c), n - len(has_in), n - len(has_out))
    out = np.zeros((len(cs), base_stats + 5), dtype=np.float32)
    np.add.at(out, (np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)), 1)
    out[:, base_stats:] = stats
    return out


def _arrays(cell: GenericCell, v: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """Node features and edge index of one cell's graph."""
    n = len(cell.nodes)
    n_node = len(v.node_labels) + 1
    width = v.graph_node_features
    node_cols = [v._node_index.get(lab, n_node - 1) for lab in cell.nodes]  # type: ignore[attr-defined]
    edges = np.asarray(cell.edges, dtype=np.int64).reshape(-1, 2)
    if v.labelled_edges:
        m = len(cell.edges)
        labels = cell.edge_labels or ("",) * m
        n_edge = len(v.edge_labels) + 1
        edge_cols = [n_node + v._edge_index.get(lab, n_edge - 1) for lab in labels]  # type: ignore[attr-defined]
        x = np.zeros((n + m, width), dtype=np.float32)
        x[np.arange(n), node_cols] = 1
        x[n + np.arange(m), edge_cols] = 1
        mid = n + np.arange(m, dtype=np.int64)
        edge_index = np.concatenate([np.stack([edges[:, 0], mid]), np.stack([mid, edges[:, 1]])], axis=1)
    else:
        x = np.zeros((n, width), dtype=np.float32)
        x[np.arange(n), node_cols] = 1
        edge_index = edges.T.copy()
    return x, edge_index.reshape(2, -1)


def graph(cell: GenericCell, vocabulary: Vocabulary) -> Data:
    """One cell as a torch_geometric ``Data`` (see the module docstring).

    Examples
    --------
    >>> from surrogate.space import generic
    >>> c = generic.parse({"nodes": ["in", "out"], "edges": [[0, 1]], "edge_labels": ["conv"]})
    >>> graph(c, fit_vocabulary([c]))
    Data(x=[3, 5], edge_index=[2, 2])
    """
    import torch
    from torch_geometric.data import Data

    _as_cells([cell])
    x, edge_index = _arrays(cell, vocabulary)
    return Data(x=torch.from_numpy(x), edge_index=torch.from_numpy(np.ascontiguousarray(edge_index)))


def graph_batch(cells: Sequence[GenericCell] | GenericCell, vocabulary: Vocabulary) -> Batch:
    """A batch of cells as one ``Batch``, equal to ``Batch.from_data_list([graph(c, v) ...])``."""
    import torch
    from torch_geometric.data import Batch, Data

    if not isinstance(vocabulary, Vocabulary):
        raise ValueError("graphs of generic cells need a Vocabulary: fit_vocabulary(train_cells) first")
    parts = [_arrays(c, vocabulary) for c in _as_cells(cells)]
    n = len(parts)
    n_nodes = np.array([x.shape[0] for x, _ in parts], dtype=np.int64)
    n_edges = np.array([e.shape[1] for _, e in parts], dtype=np.int64)
    node_ptr = np.concatenate([[0], np.cumsum(n_nodes)]).astype(np.int64)
    edge_ptr = np.concatenate([[0], np.cumsum(n_edges)]).astype(np.int64)
    width = vocabulary.graph_node_features
    x = np.concatenate([p[0] for p in parts]) if n else np.zeros((0, width), dtype=np.float32)
    edge_index = (
        np.concatenate([e + off for (_, e), off in zip(parts, node_ptr[:-1])], axis=1)
        if n
        else np.zeros((2, 0), dtype=np.int64)
    )
    out = Batch(_base_cls=Data)
    out.x = torch.from_numpy(x)
    out.edge_index = torch.from_numpy(np.ascontiguousarray(edge_index, dtype=np.int64))
    out.batch = torch.from_numpy(np.repeat(np.arange(n, dtype=np.int64), n_nodes))
    out.ptr = torch.from_numpy(node_ptr)
    out._num_graphs = n
    out._slice_dict = {"x": torch.from_numpy(node_ptr.copy()), "edge_index": torch.from_numpy(edge_ptr)}
    out._inc_dict = {"x": torch.zeros(n, dtype=torch.int64), "edge_index": torch.from_numpy(node_ptr[:-1].copy())}
    return out
