"""Genotype -> a torch_geometric graph for the GIN: ops as nodes, both cells in one graph.

Every architecture becomes the same 30-node template; only which tensor feeds each op node and
which op each op node carries change. Per cell (15 nodes, normal cell at 0..14, reduction cell at
15..29, offsets below are within a cell):

====== ============================== =====================================================
offset node                           edges (directed, along the data flow)
====== ============================== =====================================================
0      cell input 0 (output of k-2)   -> the op nodes that read it
1      cell input 1 (output of k-1)   -> the op nodes that read it
2..5   intermediate node 2..5 (a sum) -> the op nodes that read it, -> the cell output
6..13  op node of pair j = offset - 6  -> intermediate node ``2 + j // 2``
14     cell output (concatenation)    normal cell's: -> both inputs of the reduction cell
====== ============================== =====================================================

so an intermediate node's two inputs are two op nodes with no order between them, and the op
on an edge is a node feature, never an attribute zipped onto an edge list. The cells are joined
as they are in the network, where a reduction cell reads the outputs of normal cells: the normal
cell's output feeds both inputs of the reduction cell, whose output is the last node. That makes
42 edges: 8 source->op, 8 op->node and 4 node->output per cell, plus 2 joining the cells.

Node features (:data:`GRAPH_NODE_FEATURES` = 13 columns, one-hot groups):
``[input k-2, input k-1, op x 7 (in OPS order), intermediate, output, normal cell, reduction cell]``.
The intermediate nodes carry no index, so relabelling them changes nothing a GIN can see; the
genotype is put in canonical form first, so isomorphic architectures even give identical
tensors (same node order, bit-identical predictions), not only isomorphic graphs.

Edges are directed (source to consumer); a model that wants messages both ways can add the
reverses (``torch_geometric.utils.to_undirected``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from surrogate.space import OPS, Genotype

from ._canonical import NODE_OF_PAIR, as_genotype_list, canonical_array

if TYPE_CHECKING:
    from torch_geometric.data import Batch, Data

_N_OPS = len(OPS)

#: Columns of a node feature row.
F_INPUT0, F_INPUT1, F_OP = 0, 1, 2
F_SUM = F_OP + _N_OPS
F_OUTPUT = F_SUM + 1
F_CELL = F_OUTPUT + 1  # + 0 normal, + 1 reduction
#: Width of a node feature row: 2 inputs, 7 ops, intermediate, output, 2 cells.
GRAPH_NODE_FEATURES = F_CELL + 2

#: Node offsets within a cell.
_OP_NODE = 6
_OUTPUT = 14
NODES_PER_CELL = 15
NODES_PER_GRAPH = 2 * NODES_PER_CELL
EDGES_PER_CELL = 20
EDGES_PER_GRAPH = 2 * EDGES_PER_CELL + 2


def _template() -> tuple[np.ndarray, np.ndarray]:
    """Node features with the op columns empty, and edges with the op sources left at 0."""
    x = np.zeros((NODES_PER_GRAPH, GRAPH_NODE_FEATURES), dtype=np.float32)
    edges = []
    for c in range(2):
        base = c * NODES_PER_CELL
        x[base + 0, F_INPUT0] = 1
        x[base + 1, F_INPUT1] = 1
        x[base + 2 : base + 6, F_SUM] = 1
        x[base + _OUTPUT, F_OUTPUT] = 1
        x[base : base + NODES_PER_CELL, F_CELL + c] = 1
        edges += [(base, base + _OP_NODE + j) for j in range(8)]  # sources filled per genotype
        edges += [(base + _OP_NODE + j, base + int(NODE_OF_PAIR[j])) for j in range(8)]
        edges += [(base + k, base + _OUTPUT) for k in range(2, 6)]
    edges += [(_OUTPUT, NODES_PER_CELL + 0), (_OUTPUT, NODES_PER_CELL + 1)]
    return x, np.array(edges, dtype=np.int64).T


_X, _EDGES = _template()
#: Positions in the edge list of the 16 source->op edges (8 per cell), and their op nodes.
_SRC_EDGE = np.concatenate([c * EDGES_PER_CELL + np.arange(8) for c in range(2)])
_OP_NODES = np.concatenate([c * NODES_PER_CELL + _OP_NODE + np.arange(8) for c in range(2)])
_CELL_BASE = np.repeat([0, NODES_PER_CELL], 8)


def graph(genotype: Genotype) -> Data:
    """One architecture as a torch_geometric ``Data`` (see the module docstring).

    Written node by node as the readable reference; :func:`graph_batch` is the fast path and
    gives the same tensors.

    Parameters
    ----------
    genotype : Genotype

    Returns
    -------
    torch_geometric.data.Data
        ``x``: ``float32 (30, GRAPH_NODE_FEATURES)``; ``edge_index``: ``int64 (2, 42)``.

    Raises
    ------
    ValueError
        When ``genotype`` is not a ``Genotype``.

    Examples
    --------
    >>> from surrogate.space import sample
    >>> graph(sample(1, rng=0)[0])
    Data(x=[30, 13], edge_index=[2, 42])
    """
    import torch
    from torch_geometric.data import Data

    if not isinstance(genotype, Genotype):
        as_genotype_list([genotype])  # raises the shared, explanatory ValueError
    cells = canonical_array([genotype])[0]
    x = np.zeros((NODES_PER_GRAPH, GRAPH_NODE_FEATURES), dtype=np.float32)
    edges: list[tuple[int, int]] = []
    for c, cell in enumerate(cells):
        base = c * NODES_PER_CELL
        x[base : base + NODES_PER_CELL, F_CELL + c] = 1
        x[base + 0, F_INPUT0] = 1
        x[base + 1, F_INPUT1] = 1
        x[base + 2 : base + 6, F_SUM] = 1
        x[base + _OUTPUT, F_OUTPUT] = 1
        reads, feeds = [], []
        for j, (op, inp) in enumerate(cell):
            op_node = base + _OP_NODE + j
            x[op_node, F_OP + int(op)] = 1
            reads.append((base + int(inp), op_node))  # the op reads its input tensor
            feeds.append((op_node, base + 2 + j // 2))  # and feeds the node it is summed into
        concat = [(base + k, base + _OUTPUT) for k in range(2, 6)]
        edges += reads + feeds + concat
    edges += [(_OUTPUT, NODES_PER_CELL + 0), (_OUTPUT, NODES_PER_CELL + 1)]
    edge_index = torch.tensor(edges, dtype=torch.int64).T.contiguous()
    return Data(x=torch.from_numpy(x), edge_index=edge_index)


def graph_batch(genotypes: Sequence[Genotype] | Genotype) -> Batch:
    """A batch of architectures as one block-diagonal torch_geometric ``Batch``, vectorised.

    Equal to ``Batch.from_data_list([graph(g) for g in genotypes])`` (including ``batch``,
    ``ptr`` and what ``get_example`` / ``to_data_list`` need), built by offsetting a fixed
    30-node template with numpy index arithmetic instead of one ``Data`` per architecture.

    Parameters
    ----------
    genotypes : sequence of Genotype, or one Genotype
        One Genotype is a batch of one. An empty sequence gives an empty batch.

    Returns
    -------
    torch_geometric.data.Batch
        ``x``: ``float32 (30 n, GRAPH_NODE_FEATURES)``; ``edge_index``: ``int64 (2, 42 n)``;
        ``batch``: ``int64 (30 n,)``; ``ptr``: ``int64 (n + 1,)``.

    Raises
    ------
    ValueError
        When an item is not a ``Genotype``.

    Examples
    --------
    >>> from surrogate.space import sample
    >>> b = graph_batch(sample(4, rng=0))
    >>> b.num_graphs, tuple(b.x.shape), tuple(b.edge_index.shape)
    (4, (120, 13), (2, 168))
    """
    import torch
    from torch_geometric.data import Batch, Data

    arr = canonical_array(genotypes)
    n = arr.shape[0]
    op = arr[..., 0].reshape(n, 16).astype(np.intp)
    src = arr[..., 1].reshape(n, 16).astype(np.int64)

    x = np.empty((n, NODES_PER_GRAPH, GRAPH_NODE_FEATURES), dtype=np.float32)
    x[:] = _X
    x[np.arange(n)[:, None], _OP_NODES, F_OP + op] = 1

    offsets = np.arange(n, dtype=np.int64) * NODES_PER_GRAPH
    edges = np.empty((2, n, EDGES_PER_GRAPH), dtype=np.int64)
    np.add(_EDGES[:, None, :], offsets[None, :, None], out=edges)
    edges[0][:, _SRC_EDGE] = _CELL_BASE + src + offsets[:, None]
    edge_index = edges.reshape(2, n * EDGES_PER_GRAPH)

    out = Batch(_base_cls=Data)
    out.x = torch.from_numpy(x.reshape(n * NODES_PER_GRAPH, GRAPH_NODE_FEATURES))
    out.edge_index = torch.from_numpy(edge_index)
    out.batch = torch.from_numpy(np.repeat(np.arange(n, dtype=np.int64), NODES_PER_GRAPH))
    out.ptr = torch.arange(n + 1, dtype=torch.int64) * NODES_PER_GRAPH
    out._num_graphs = n
    out._slice_dict = {
        "x": out.ptr.clone(),
        "edge_index": torch.arange(n + 1, dtype=torch.int64) * EDGES_PER_GRAPH,
    }
    out._inc_dict = {"x": torch.zeros(n, dtype=torch.int64), "edge_index": torch.from_numpy(offsets)}
    return out
