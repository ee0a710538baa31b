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
``pos[<label>@<d>,<h>]`` + other         how many nodes carry the label at depth ``d`` (longest path
                                         from a source, in edges) and height ``h`` (longest path
                                         to a sink)
``at<k>[<label>]`` + ``at<k>[<other>]``  one-hot label of the ``k``-th node of the canonical order
``adj[<i>,<j>]``                         1 when an edge joins the ``i``-th and ``j``-th nodes of the
                                         canonical order (``i < j``; 0 for absent nodes)
======================================== ==========================================================

The canonical order sorts nodes by (depth, -height, label, Weisfeiler-Lehman colour) and orders
the nodes that tie on all four the way that makes the adjacency block smallest, so it does not
depend on node numbering; ``n_positions`` (the most nodes of a training cell, at most
:data:`MAX_POSITIONS`) positions are encoded. Cells whose ties allow more than
:data:`MAX_TIE_ORDERS` orders (large symmetric cells) keep a greedy order (ties by the positions
of their predecessors, then node number), which may depend on numbering. The structural
columns (``pos``, ``at``, ``adj``; encoder ``generic-features-2``) were chosen by cross-validation
on NAS-Bench-Graph's training parts (``bench/defaults_cv.py``); a vocabulary of format 1 (saved
before them) encodes without them.

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
from surrogate.space.generic import GenericCell, depth_height, wl_labels

if TYPE_CHECKING:
    from torch_geometric.data import Batch, Data

__all__ = [
    "ENCODER_VERSION",
    "MAX_POSITIONS",
    "MAX_TIE_ORDERS",
    "Vocabulary",
    "canonical_order",
    "features",
    "fit_vocabulary",
    "graph",
    "graph_batch",
]

#: The version of each generic encoding; bump one when its output changes for any input.
ENCODER_VERSION = {"features": "generic-features-2", "graph": "generic-graph-1"}
#: The most canonical node positions the features encode (one-hot labels + adjacency).
MAX_POSITIONS = 32
#: Tie orders tried for a canonical order; beyond it the greedy order is kept.
MAX_TIE_ORDERS = 5040
_OTHER = "<other>"
_FORMAT = 2


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
    #: ``(label, depth, height)`` keys of the ``pos`` columns; ``None`` for a format-1 vocabulary
    #: (no structural columns).
    positions: tuple[tuple[str, int, int], ...] | None = None
    n_positions: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "node_labels", tuple(self.node_labels))
        object.__setattr__(self, "edge_labels", tuple(self.edge_labels))
        object.__setattr__(self, "pairs", tuple(tuple(p) for p in self.pairs))
        if self.positions is not None:
            object.__setattr__(self, "positions", tuple((str(a), int(d), int(h)) for a, d, h in self.positions))
        object.__setattr__(self, "_pos_index", {p: i for i, p in enumerate(self.positions or ())})
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
        names += ["n_nodes", "n_edges", "depth", "n_sources", "n_sinks"]
        if self.positions is None:
            return names
        names += [f"pos[{lab}@{d},{h}]" for lab, d, h in self.positions] + [f"pos[{_OTHER}]"]
        labels = [*self.node_labels, _OTHER]
        names += [f"at{k}[{lab}]" for k in range(self.n_positions) for lab in labels]
        n = self.n_positions
        return names + [f"adj[{i},{j}]" for i in range(n) for j in range(i + 1, n)]

    @property
    def graph_node_features(self) -> int:
        """Width of a graph node's feature row."""
        width = len(self.node_labels) + 1
        return width + (len(self.edge_labels) + 1 if self.labelled_edges else 0)

    def to_dict(self) -> dict:
        """A JSON-able dict (``from_dict`` reads it back)."""
        out = {
            "format": 1 if self.positions is None else _FORMAT,
            "node_labels": list(self.node_labels),
            "edge_labels": list(self.edge_labels),
            "pairs": [list(p) for p in self.pairs],
            "labelled_edges": self.labelled_edges,
        }
        if self.positions is not None:
            out["positions"] = [list(p) for p in self.positions]
            out["n_positions"] = self.n_positions
        return out

    @classmethod
    def from_dict(cls, d: Mapping) -> Vocabulary:
        """Read :meth:`to_dict`'s output; a ValueError says what is wrong with another dict."""
        if not isinstance(d, Mapping) or d.get("format") not in (1, _FORMAT):
            raise ValueError(f"not a generic-cell vocabulary of format 1 or {_FORMAT}: {str(d)[:120]}")
        try:
            pairs = [tuple(p) for p in d["pairs"]]
            if not all(len(p) == 3 and all(isinstance(v, str) for v in p) for p in pairs):
                raise ValueError("pairs must be [source label, edge label, target label] triples")
            positions, n_positions = None, 0
            if d["format"] == _FORMAT:
                positions = [tuple(p) for p in d["positions"]]
                if not all(
                    len(p) == 3 and isinstance(p[0], str) and all(type(v) is int and v >= 0 for v in p[1:])
                    for p in positions
                ):
                    raise ValueError("positions must be [label, depth, height] triples")
                n_positions = d["n_positions"]
                if type(n_positions) is not int or not 0 <= n_positions <= MAX_POSITIONS:
                    raise ValueError(f"n_positions must be an int in 0..{MAX_POSITIONS}, got {n_positions!r}")
            return cls(
                node_labels=tuple(str(v) for v in d["node_labels"]),
                edge_labels=tuple(str(v) for v in d["edge_labels"]),
                pairs=tuple(pairs),  # type: ignore[arg-type]
                labelled_edges=bool(d["labelled_edges"]),
                positions=None if positions is None else tuple(positions),  # type: ignore[arg-type]
                n_positions=n_positions,
            )
        except (KeyError, TypeError) as err:
            raise ValueError(f"generic-cell vocabulary is missing or mangles {err}") from None


def _triples(cell: GenericCell) -> list[tuple[str, str, str]]:
    labels = cell.edge_labels or ("",) * len(cell.edges)
    return [(cell.nodes[s], lab, cell.nodes[t]) for (s, t), lab in zip(cell.edges, labels)]


def _position_keys(cell: GenericCell, d: Sequence[int], h: Sequence[int]) -> list[tuple[str, int, int]]:
    return [(lab, d[v], h[v]) for v, lab in enumerate(cell.nodes)]


def canonical_order(cell: GenericCell) -> list[int]:
    """The cell's nodes in the canonical order of the ``at``/``adj`` features (module docstring).

    Examples
    --------
    >>> from surrogate.space import generic
    >>> canonical_order(generic.parse({"nodes": ["out", "conv", "in"], "edges": [[2, 1], [1, 0]]}))
    [2, 1, 0]
    """
    return _canonical_order(cell, *depth_height(cell))


def _canonical_order(cell: GenericCell, d: Sequence[int], h: Sequence[int]) -> list[int]:
    """:func:`canonical_order` given the cell's :func:`~surrogate.space.generic.depth_height`."""
    from itertools import permutations, product

    n = len(cell.nodes)
    colour = wl_labels(cell)
    keys = [(d[v], -h[v], cell.nodes[v], colour[v]) for v in range(n)]
    classes: dict[tuple, list[int]] = {}
    for v in sorted(range(n), key=lambda v: keys[v]):
        classes.setdefault(keys[v], []).append(v)
    groups = list(classes.values())
    elab = cell.edge_labels or ("",) * len(cell.edges)
    label_of = {e: lab for e, lab in zip(cell.edges, elab)}
    n_orders = 1
    for g in groups:
        for k in range(2, len(g) + 1):
            n_orders *= k
    if n_orders == 1:
        return [g[0] for g in groups]
    if n_orders > MAX_TIE_ORDERS:
        preds: list[list[tuple[int, str]]] = [[] for _ in range(n)]
        for (s, t), lab in label_of.items():
            preds[t].append((s, lab))
        pos: dict[int, int] = {}
        out: list[int] = []
        for g in groups:  # groups come in depth order: predecessors are placed first
            g = sorted(g, key=lambda v: (sorted((pos[s], lab) for s, lab in preds[v]), v))
            for v in g:
                pos[v] = len(out)
                out.append(v)
        return out

    def code(order: list[int]) -> tuple:
        # an edge always runs from an earlier node to a later one (depth grows along it)
        return tuple(
            (0, label_of[e]) if (e := (order[a], order[b])) in label_of else (1, "")
            for a in range(n)
            for b in range(a + 1, n)
        )

    best: tuple | None = None
    best_order: list[int] = []
    for choice in product(*(permutations(g) for g in groups)):
        order = [v for g in choice for v in g]
        c = code(order)
        if best is None or c < best:
            best, best_order = c, order
    return best_order


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
    positions: Counter[tuple[str, int, int]] = Counter()
    labelled = False
    for c in cs:
        nodes.update(c.nodes)
        if c.edge_labels is not None:
            labelled = True
            edges.update(c.edge_labels)
        pairs.update(_triples(c))
        positions.update(_position_keys(c, *depth_height(c)))
    keep = lambda counter: tuple(sorted(k for k, v in counter.items() if v >= min_count))  # noqa: E731
    return Vocabulary(
        node_labels=keep(nodes),
        edge_labels=keep(edges),
        pairs=keep(pairs),
        labelled_edges=labelled,
        positions=keep(positions),
        n_positions=min(MAX_POSITIONS, max(len(c.nodes) for c in cs)),
    )


def features(cells: Sequence[GenericCell] | GenericCell, vocabulary: Vocabulary) -> np.ndarray:
    """Count features ``float32 (n, vocabulary.n_features)``; one cell is a batch of one.

    Examples
    --------
    >>> from surrogate.space import generic
    >>> cells = generic.parse([{"nodes": ["in", "conv", "out"], "edges": [[0, 1], [1, 2]]}])
    >>> v = fit_vocabulary(cells)
    >>> row = dict(zip(v.feature_names(), features(cells, v)[0].tolist()))
    >>> row["node[conv]"], row["depth"], row["pos[conv@1,1]"], row["at1[conv]"], row["adj[0,1]"], row["adj[0,2]"]
    (1.0, 2.0, 1.0, 1.0, 1.0, 0.0)
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
    structural = v.positions is not None
    n_pos = len(v.positions) + 1 if structural else 0
    base_pos = base_stats + 5
    base_at = base_pos + n_pos
    P = v.n_positions if structural else 0
    base_adj = base_at + P * n_node
    adj_col = {}
    for i in range(P):
        for j in range(i + 1, P):
            adj_col[(i, j)] = base_adj + len(adj_col)
    rows: list[int] = []
    cols: list[int] = []
    stats = np.zeros((len(cs), 5), dtype=np.float32)
    for i, c in enumerate(cs):
        idx = [v._node_index.get(lab, n_node - 1) for lab in c.nodes]  # type: ignore[attr-defined]
        if v.labelled_edges:
            labels = c.edge_labels or ("",) * len(c.edges)
            idx += [base_edge + v._edge_index.get(lab, n_edge - 1) for lab in labels]  # type: ignore[attr-defined]
        idx += [base_pair + v._pair_index.get(p, n_pair - 1) for p in _triples(c)]  # type: ignore[attr-defined]
        d, h = depth_height(c)  # once per cell: the depth column, the positions and the order
        if structural:
            idx += [base_pos + v._pos_index.get(p, n_pos - 1) for p in _position_keys(c, d, h)]  # type: ignore[attr-defined]
            where = {node: k for k, node in enumerate(_canonical_order(c, d, h)[:P])}
            idx += [base_at + k * n_node + v._node_index.get(c.nodes[node], n_node - 1) for node, k in where.items()]  # type: ignore[attr-defined]
            for s, t in c.edges:
                if s in where and t in where:
                    idx.append(adj_col[tuple(sorted((where[s], where[t])))])
        rows += [i] * len(idx)
        cols += idx
        has_in = {t for _, t in c.edges}
        has_out = {s for s, _ in c.edges}
        n = len(c.nodes)
        stats[i] = (n, len(c.edges), max(d), n - len(has_in), n - len(has_out))
    out = np.zeros((len(cs), base_adj + len(adj_col)), dtype=np.float32)
    np.add.at(out, (np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)), 1)
    out[:, base_stats : base_stats + 5] = stats
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
