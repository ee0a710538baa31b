"""NAS-Bench-201 cells -> model inputs: a one-hot feature matrix and ops-as-nodes graphs.

Both encode the canonical cell (:func:`surrogate.space.nb201.canonical`: dead edges set to
``none``, nodes 1 and 2 in canonical order), so isomorphic cells give identical rows and
identical tensors, and non-isomorphic cells give different ones.

Features (:func:`features`, 30 ``float32`` columns, names from :func:`feature_names`): one column
per (edge, op), ``e{target}{source}_{op}``, 1 when the edge carries the op; edges in NB201 string
order (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2), ops in :data:`surrogate.space.nb201.OPS` order.

Graph (:func:`graph`, :func:`graph_batch`): 10 nodes per cell,

====== ===================== ==========================================================
node   what                  edges (directed, along the data flow)
====== ===================== ==========================================================
0      cell input            -> the op nodes of live edges leaving it
1, 2   intermediate (a sum)  -> op nodes of live edges leaving it
3      cell output (a sum)
4..9   op node of edge 0..5  -> the node it is summed into (live edges only)
====== ===================== ==========================================================

Node features (:data:`GRAPH_NODE_FEATURES` = 8 one-hot columns): ``[input, intermediate, output,
none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3]``. An op node of a dead or ``none``
edge keeps its ``none`` feature and has no edges, so every graph has 10 nodes and 0..12 edges.
A model that wants messages both ways can add the reverse edges
(``torch_geometric.utils.to_undirected``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from surrogate.space import InvalidArchitectureError
from surrogate.space.nb201 import EDGES, N_EDGES, OPS, Cell201, _tables

if TYPE_CHECKING:
    from torch_geometric.data import Batch, Data

__all__ = ["ENCODER_VERSION", "GRAPH_NODE_FEATURES", "N_FEATURES", "feature_names", "features", "graph", "graph_batch"]

#: The version of each NB201 encoding; bump one when its output changes for any input.
ENCODER_VERSION = {"features": "nb201-features-1", "graph": "nb201-graph-1"}

_N_OPS = len(OPS)
N_FEATURES = N_EDGES * _N_OPS
F_INPUT, F_SUM, F_OUTPUT, F_OP = 0, 1, 2, 3
GRAPH_NODE_FEATURES = F_OP + _N_OPS
NODES_PER_GRAPH = 4 + N_EDGES
_OP_NODE = 4
_POW = _N_OPS ** np.arange(N_EDGES - 1, -1, -1)
_SRC = np.array([s for _, s in EDGES], dtype=np.int64)
_DST = np.array([t for t, _ in EDGES], dtype=np.int64)


def _as_cells(cells: Sequence[Cell201] | Cell201) -> list[Cell201]:
    if isinstance(cells, Cell201):
        return [cells]
    if isinstance(cells, (str, bytes)) or not hasattr(cells, "__iter__"):
        raise InvalidArchitectureError(
            f"expected a sequence of Cell201, got {type(cells).__name__}; parse first with surrogate.space.nb201.parse"
        )
    out = list(cells)
    for i, c in enumerate(out):
        if not isinstance(c, Cell201):
            raise InvalidArchitectureError(
                f"item {i} is a {type(c).__name__}, not a Cell201; parse first with surrogate.space.nb201.parse"
            )
    return out


def canonical_ops(cells: Sequence[Cell201] | Cell201) -> np.ndarray:
    """``int64 (n, 6)``: the op indices of each canonical cell (a table lookup per cell)."""
    cs = _as_cells(cells)
    raw = np.array([c.indices for c in cs], dtype=np.int64).reshape(len(cs), N_EDGES)
    canon = _tables()[0][raw @ _POW].astype(np.int64)
    return canon[:, None] // _POW % _N_OPS


def feature_names() -> list[str]:
    """The 30 column names of :func:`features`, ``e{target}{source}_{op}``."""
    return [f"e{t}{s}_{op}" for t, s in EDGES for op in OPS]


def features(cells: Sequence[Cell201] | Cell201) -> np.ndarray:
    """One-hot edge ops of the canonical cells: ``float32 (n, 30)``; one cell is a batch of one.

    Examples
    --------
    >>> from surrogate.space import nb201
    >>> features(nb201.sample(3, rng=0)).shape
    (3, 30)
    """
    ops = canonical_ops(cells)
    out = np.zeros((ops.shape[0], N_EDGES, _N_OPS), dtype=np.float32)
    out[np.arange(ops.shape[0])[:, None], np.arange(N_EDGES), ops] = 1
    return out.reshape(ops.shape[0], N_FEATURES)


def _template() -> np.ndarray:
    x = np.zeros((NODES_PER_GRAPH, GRAPH_NODE_FEATURES), dtype=np.float32)
    x[0, F_INPUT] = 1
    x[1:3, F_SUM] = 1
    x[3, F_OUTPUT] = 1
    return x


_X = _template()
_OP_NODES = _OP_NODE + np.arange(N_EDGES)
#: 12 candidate edges per cell: reads (source -> op node) for edges 0..5, then feeds.
_CANDIDATES = np.stack([np.concatenate([_SRC, _OP_NODES]), np.concatenate([_OP_NODES, _DST])])


def graph(cell: Cell201) -> Data:
    """One cell as a torch_geometric ``Data`` (see the module docstring); the readable reference.

    Examples
    --------
    >>> from surrogate.space import nb201
    >>> graph(nb201.parse("|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"))
    Data(x=[10, 8], edge_index=[2, 8])
    """
    import torch
    from torch_geometric.data import Data

    if not isinstance(cell, Cell201):
        _as_cells([cell])
    ops = canonical_ops([cell])[0]
    x = _X.copy()
    reads, feeds = [], []
    for e, op in enumerate(ops):
        x[_OP_NODE + e, F_OP + int(op)] = 1
        if op != 0:
            reads.append((int(_SRC[e]), _OP_NODE + e))
            feeds.append((_OP_NODE + e, int(_DST[e])))
    edge_index = torch.tensor(reads + feeds, dtype=torch.int64).reshape(-1, 2).T.contiguous()
    return Data(x=torch.from_numpy(x), edge_index=edge_index)


def graph_batch(cells: Sequence[Cell201] | Cell201) -> Batch:
    """A batch of cells as one torch_geometric ``Batch``, vectorised with numpy.

    Equal to ``Batch.from_data_list([graph(c) for c in cells])``, including ``batch``, ``ptr``
    and what ``get_example`` / ``to_data_list`` need.

    Examples
    --------
    >>> from surrogate.space import nb201
    >>> b = graph_batch(nb201.sample(4, rng=0))
    >>> b.num_graphs, tuple(b.x.shape)
    (4, (40, 8))
    """
    import torch
    from torch_geometric.data import Batch, Data

    ops = canonical_ops(cells)
    n = ops.shape[0]
    x = np.broadcast_to(_X, (n, *_X.shape)).copy()
    x[np.arange(n)[:, None], _OP_NODES, F_OP + ops] = 1
    live = np.concatenate([ops != 0, ops != 0], axis=1)  # (n, 12), reads then feeds
    offsets = np.arange(n, dtype=np.int64) * NODES_PER_GRAPH
    edges = _CANDIDATES[None, :, :] + offsets[:, None, None]  # (n, 2, 12)
    edge_index = edges.transpose(1, 0, 2)[:, live]  # graph by graph, reads then feeds
    counts = live.sum(axis=1)

    out = Batch(_base_cls=Data)
    out.x = torch.from_numpy(x.reshape(n * NODES_PER_GRAPH, GRAPH_NODE_FEATURES))
    out.edge_index = torch.from_numpy(np.ascontiguousarray(edge_index, dtype=np.int64))
    out.batch = torch.from_numpy(np.repeat(np.arange(n, dtype=np.int64), NODES_PER_GRAPH))
    out.ptr = torch.arange(n + 1, dtype=torch.int64) * NODES_PER_GRAPH
    out._num_graphs = n
    out._slice_dict = {
        "x": out.ptr.clone(),
        "edge_index": torch.from_numpy(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)),
    }
    out._inc_dict = {"x": torch.zeros(n, dtype=torch.int64), "edge_index": torch.from_numpy(offsets)}
    return out
