"""Genotype batch -> the GIN's graphs as dense arrays, with no torch_geometric object on the way.

The same graphs as :func:`~surrogate.encode.graph_batch` (the 30-node template of
``_graph.py``, canonical form first), held as a node tensor ``x`` of shape ``(n, 30, 13)`` and a
count adjacency ``adj`` of shape ``(n, 30, 30)`` (``adj[b, u, v]`` = edges from ``u`` to ``v``),
built by numpy index arithmetic from the canonical array: what the dense GIN
(``surrogate.models._dense_gin``) multiplies. Every DARTS graph has all 30 nodes, so no mask.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from surrogate.space import Genotype

from ._canonical import canonical_array
from ._graph import _CELL_BASE, _EDGES, _OP_NODES, _SRC_EDGE, _X, F_OP, NODES_PER_GRAPH

__all__ = ["dense_graphs", "dense_graphs_from_canonical"]

#: The template's edges that do not depend on the genotype (op->node, node->output, joins).
_FIXED = np.setdiff1d(np.arange(_EDGES.shape[1]), _SRC_EDGE)
_ADJ = np.zeros((NODES_PER_GRAPH, NODES_PER_GRAPH), dtype=np.float32)
np.add.at(_ADJ, (_EDGES[0, _FIXED], _EDGES[1, _FIXED]), 1.0)


def dense_graphs_from_canonical(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(x, adj)`` float32 for a canonical array ``(n, 2, 8, 2)`` (:func:`canonical_array`)."""
    n = arr.shape[0]
    op = arr[..., 0].reshape(n, 16).astype(np.intp)
    src = arr[..., 1].reshape(n, 16).astype(np.intp)
    rows = np.arange(n)[:, None]
    x = np.empty((n, NODES_PER_GRAPH, _X.shape[1]), dtype=np.float32)
    x[:] = _X
    x[rows, _OP_NODES, F_OP + op] = 1.0
    adj = np.empty((n, NODES_PER_GRAPH, NODES_PER_GRAPH), dtype=np.float32)
    adj[:] = _ADJ
    # a source->op edge: at most one per (source, op node) pair, so plain assignment counts it
    adj[rows, _CELL_BASE + src, _OP_NODES] = 1.0
    return x, adj


def dense_graphs(genotypes: Sequence[Genotype] | Genotype) -> tuple[np.ndarray, np.ndarray]:
    """A batch of architectures as dense ``(x, adj)`` float32 arrays (see the module docstring).

    Examples
    --------
    >>> from surrogate.space import sample
    >>> x, adj = dense_graphs(sample(4, rng=0))
    >>> x.shape, adj.shape, int(adj[0].sum())
    ((4, 30, 13), (4, 30, 30), 42)
    """
    return dense_graphs_from_canonical(canonical_array(genotypes))
