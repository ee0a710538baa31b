"""A set of graphs held as a few concatenated tensors, and mini-batches sliced from it by graph.

A :class:`GraphSet` is what the GIN trains on. It is built once from a
``torch_geometric.data.Batch`` or a list of ``Data`` (every graph with node features ``x``,
``edge_index`` and optionally ``edge_attr``), and then any subset of graphs becomes a
block-diagonal mini-batch with a handful of vectorised tensor ops: no per-graph Python loop and
no ``Batch.from_data_list`` per step.

Examples
--------
>>> import torch
>>> from torch_geometric.data import Data
>>> from surrogate.models import GraphSet, iter_batches
>>> g = Data(x=torch.ones(3, 2), edge_index=torch.tensor([[0, 1], [1, 2]]))
>>> graphs = GraphSet.from_data([g, g, g])
>>> len(graphs), graphs.node_dim, graphs.edge_dim
(3, 2, 0)
>>> [b.num_graphs for _, b in iter_batches(graphs, batch_size=2)]
[2, 1]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

__all__ = ["GraphBatch", "GraphSet", "iter_batches"]


class GraphBatch(NamedTuple):
    """One block-diagonal mini-batch: what a graph network's ``forward`` takes."""

    x: torch.Tensor  # (nodes, node_dim) float32
    edge_index: torch.Tensor  # (2, edges) int64, batch-global node ids
    edge_attr: torch.Tensor | None  # (edges, edge_dim) float32 or None
    batch: torch.Tensor  # (nodes,) int64, the graph of each node
    num_graphs: int

    def to(self, device: torch.device | str) -> GraphBatch:
        """The same batch on ``device``."""
        ea = None if self.edge_attr is None else self.edge_attr.to(device)
        return GraphBatch(self.x.to(device), self.edge_index.to(device), ea, self.batch.to(device), self.num_graphs)


class GraphSet:
    """Graphs as concatenated tensors with per-graph offsets; edges keep graph-local node ids.

    Build it with :meth:`from_data`; take mini-batches out with :meth:`batch` and splits with
    :meth:`subset` (or slicing, ``graphs[:100]``).
    """

    def __init__(
        self,
        x: torch.Tensor,
        edge_index: torch.Tensor,
        edge_attr: torch.Tensor | None,
        node_ptr: torch.Tensor,
        edge_ptr: torch.Tensor,
    ) -> None:
        self.x = x
        self.edge_index = edge_index
        self.edge_attr = edge_attr
        self.node_ptr = node_ptr
        self.edge_ptr = edge_ptr
        self._node_counts = node_ptr[1:] - node_ptr[:-1]
        self._edge_counts = edge_ptr[1:] - edge_ptr[:-1]

    def __len__(self) -> int:
        return len(self.node_ptr) - 1

    def __repr__(self) -> str:
        return (
            f"GraphSet({len(self)} graphs, {self.x.shape[0]} nodes x {self.node_dim}, "
            f"{self.edge_index.shape[1]} edges x {self.edge_dim})"
        )

    @property
    def node_dim(self) -> int:
        """Node feature dimension."""
        return int(self.x.shape[1])

    @property
    def edge_dim(self) -> int:
        """Edge feature dimension (0 when the graphs have no ``edge_attr``)."""
        return 0 if self.edge_attr is None else int(self.edge_attr.shape[1])

    # -- construction --------------------------------------------------------------------------

    @classmethod
    def from_data(cls, graphs: Any, name: str = "X") -> GraphSet:
        """Check and convert a ``Batch``, a list of ``Data`` or a ``GraphSet`` (returned as is)."""
        if isinstance(graphs, GraphSet):
            return graphs
        from torch_geometric.data import Batch, Data

        if isinstance(graphs, Batch):
            return cls._from_batch(graphs, name)
        if isinstance(graphs, Data):
            raise ValueError(f"{name} is a single graph; pass a list of graphs ([graph]) or a Batch")
        if isinstance(graphs, Sequence) and not isinstance(graphs, (str, bytes)):
            return cls._from_list(list(graphs), name)
        raise ValueError(
            f"{name} must be a torch_geometric Batch, a list of Data or a GraphSet, got {type(graphs).__name__}"
        )

    @classmethod
    def _from_list(cls, graphs: list[Any], name: str) -> GraphSet:
        from torch_geometric.data import Data

        if not graphs:
            raise ValueError(f"{name} holds no graphs")
        xs, eis, eas = [], [], []
        has_attr = None
        for i, g in enumerate(graphs):
            if not isinstance(g, Data):
                raise ValueError(f"{name}[{i}] is a {type(g).__name__}, not a torch_geometric Data")
            x, ei = g.x, g.edge_index
            ea = getattr(g, "edge_attr", None)
            if x is None or ei is None:
                raise ValueError(f"{name}[{i}] needs node features x and edge_index")
            if has_attr is None:
                has_attr = ea is not None
            elif has_attr != (ea is not None):
                raise ValueError(f"{name}[{i}]: either every graph has edge_attr or none does")
            xs.append(x)
            eis.append(ei)
            if has_attr:
                eas.append(ea)
        n_nodes = torch.tensor([x.shape[0] if x.dim() == 2 else -1 for x in xs])
        n_edges = torch.tensor([ei.shape[-1] if ei.dim() == 2 else -1 for ei in eis])
        cls._check_dims(xs, "x", name)
        if has_attr:
            cls._check_dims(eas, "edge_attr", name)
        for i, ei in enumerate(eis):
            if ei.dim() != 2 or ei.shape[0] != 2:
                raise ValueError(f"{name}[{i}].edge_index must have shape (2, n_edges), got {tuple(ei.shape)}")
        x = torch.cat(xs).to(torch.float32)
        edge_index = torch.cat(eis, dim=1).to(torch.int64)
        edge_attr = torch.cat(eas).to(torch.float32) if has_attr else None
        node_ptr = torch.zeros(len(graphs) + 1, dtype=torch.int64)
        node_ptr[1:] = torch.cumsum(n_nodes, 0)
        edge_ptr = torch.zeros(len(graphs) + 1, dtype=torch.int64)
        edge_ptr[1:] = torch.cumsum(n_edges, 0)
        return cls._checked(x, edge_index, edge_attr, node_ptr, edge_ptr, name)

    @classmethod
    def _from_batch(cls, batch: Any, name: str) -> GraphSet:
        if batch.x is None or batch.edge_index is None:
            raise ValueError(f"{name} needs node features x and edge_index")
        n_graphs = int(batch.num_graphs)
        node_ptr = batch.ptr.to(torch.int64) if getattr(batch, "ptr", None) is not None else None
        if node_ptr is None:
            counts = torch.bincount(batch.batch, minlength=n_graphs)
            node_ptr = torch.cat([torch.zeros(1, dtype=torch.int64), torch.cumsum(counts, 0)])
        ei = batch.edge_index.to(torch.int64)
        ea = getattr(batch, "edge_attr", None)
        if ei.dim() != 2 or ei.shape[0] != 2:
            raise ValueError(f"{name}.edge_index must have shape (2, n_edges), got {tuple(ei.shape)}")
        if ei.numel() and (ei.min() < 0 or ei.max() >= batch.x.shape[0]):
            raise ValueError(f"{name}.edge_index refers to nodes outside 0..{batch.x.shape[0] - 1}")
        edge_graph = batch.batch[ei[0]] if ei.numel() else torch.zeros(0, dtype=torch.int64)
        if edge_graph.numel() > 1 and bool((edge_graph[1:] < edge_graph[:-1]).any()):
            order = torch.argsort(edge_graph, stable=True)
            ei, edge_graph = ei[:, order], edge_graph[order]
            ea = None if ea is None else ea[order]
        if ei.numel() and bool((batch.batch[ei[1]] != edge_graph).any()):
            raise ValueError(f"{name} has edges between different graphs of the batch")
        local = ei - node_ptr[edge_graph]
        edge_counts = torch.bincount(edge_graph, minlength=n_graphs)
        edge_ptr = torch.cat([torch.zeros(1, dtype=torch.int64), torch.cumsum(edge_counts, 0)])
        x = batch.x.to(torch.float32)
        if x.dim() != 2:
            raise ValueError(f"{name}.x must be 2-D (n_nodes, node_dim), got shape {tuple(x.shape)}")
        if ea is not None:
            ea = ea.to(torch.float32)
            if ea.dim() == 1:
                ea = ea[:, None]
        return cls._checked(x, local, ea, node_ptr, edge_ptr, name)

    @staticmethod
    def _check_dims(tensors: list[torch.Tensor], what: str, name: str) -> None:
        for i, t in enumerate(tensors):
            if t.dim() != 2:
                raise ValueError(f"{name}[{i}].{what} must be 2-D, got shape {tuple(t.shape)}")
        dims = {t.shape[1] for t in tensors}
        if len(dims) > 1:
            raise ValueError(f"{name}: graphs have different {what} dimensions {sorted(dims)}; encode them alike")

    @classmethod
    def _checked(
        cls,
        x: torch.Tensor,
        edge_index: torch.Tensor,
        edge_attr: torch.Tensor | None,
        node_ptr: torch.Tensor,
        edge_ptr: torch.Tensor,
        name: str,
    ) -> GraphSet:
        if x.shape[0] == 0 or x.shape[1] == 0:
            raise ValueError(f"{name} has no node features (x of shape {tuple(x.shape)})")
        if not bool(torch.isfinite(x).all()):
            raise ValueError(f"{name} has non-finite node features; fix the encoding")
        if edge_attr is not None:
            if edge_attr.shape[0] != edge_index.shape[1]:
                raise ValueError(f"{name}: edge_attr has {edge_attr.shape[0]} rows for {edge_index.shape[1]} edges")
            if not bool(torch.isfinite(edge_attr).all()):
                raise ValueError(f"{name} has non-finite edge features; fix the encoding")
        node_counts = node_ptr[1:] - node_ptr[:-1]
        if bool((node_counts == 0).any()):
            i = int(torch.nonzero(node_counts == 0)[0])
            raise ValueError(f"{name}: graph {i} has no nodes")
        if edge_index.numel():
            edge_graph = torch.repeat_interleave(torch.arange(len(node_counts)), edge_ptr[1:] - edge_ptr[:-1])
            limit = node_counts[edge_graph]
            bad = (edge_index < 0) | (edge_index >= limit[None, :])
            if bool(bad.any()):
                j = int(torch.nonzero(bad.any(0))[0])
                raise ValueError(
                    f"{name}: graph {int(edge_graph[j])} has an edge to a node outside the graph "
                    f"(edge {edge_index[:, j].tolist()}, {int(limit[j])} nodes)"
                )
        return cls(x.contiguous(), edge_index.contiguous(), edge_attr, node_ptr, edge_ptr)

    # -- slicing -------------------------------------------------------------------------------

    def _gather(self, index: Any) -> tuple[torch.Tensor, ...]:
        """Source rows of the nodes and edges of the graphs at ``index``, and their counts."""
        if index is None:
            index = torch.arange(len(self))
        index = torch.as_tensor(np.asarray(index) if not isinstance(index, torch.Tensor) else index)
        if index.dtype == torch.bool:
            if index.numel() != len(self):
                raise ValueError(f"a boolean mask needs {len(self)} entries, got {index.numel()}")
            index = torch.nonzero(index).reshape(-1)
        index = index.to(torch.int64).reshape(-1)
        if index.numel() and (int(index.min()) < -len(self) or int(index.max()) >= len(self)):
            raise ValueError(f"graph index out of range for a set of {len(self)} graphs")
        index = torch.where(index < 0, index + len(self), index)
        nc, ec = self._node_counts[index], self._edge_counts[index]
        new_node_start = torch.cumsum(nc, 0) - nc
        new_edge_start = torch.cumsum(ec, 0) - ec
        # row j of the result comes from (old start of its graph) + (j - new start of its graph)
        node_src = torch.arange(int(nc.sum())) + torch.repeat_interleave(self.node_ptr[index] - new_node_start, nc)
        edge_src = torch.arange(int(ec.sum())) + torch.repeat_interleave(self.edge_ptr[index] - new_edge_start, ec)
        return index, node_src, edge_src, nc, ec, new_node_start

    def batch(self, index: Any = None) -> GraphBatch:
        """The graphs at ``index`` (all when ``None``), in that order, as one block-diagonal batch."""
        index, node_src, edge_src, nc, ec, new_node_start = self._gather(index)
        edge_index = self.edge_index[:, edge_src] + torch.repeat_interleave(new_node_start, ec)[None, :]
        edge_attr = None if self.edge_attr is None else self.edge_attr[edge_src]
        batch = torch.repeat_interleave(torch.arange(int(index.numel())), nc)
        return GraphBatch(self.x[node_src], edge_index, edge_attr, batch, int(index.numel()))

    def subset(self, index: Any) -> GraphSet:
        """A new GraphSet of the graphs at ``index`` (e.g. a train/val/test split), in that order."""
        _, node_src, edge_src, nc, ec, _ = self._gather(index)
        zero = torch.zeros(1, dtype=torch.int64)
        return GraphSet(
            self.x[node_src],
            self.edge_index[:, edge_src],
            None if self.edge_attr is None else self.edge_attr[edge_src],
            torch.cat([zero, torch.cumsum(nc, 0)]),
            torch.cat([zero, torch.cumsum(ec, 0)]),
        )

    def __getitem__(self, index: Any) -> GraphSet:
        """``graphs[2:5]``, ``graphs[[0, 3]]``: :meth:`subset` with slices too."""
        if isinstance(index, slice):
            index = range(*index.indices(len(self)))
        elif isinstance(index, (int, np.integer)):
            index = [int(index)]
        return self.subset(list(index) if isinstance(index, range) else index)


def iter_batches(
    graphs: GraphSet, batch_size: int, *, shuffle: bool = False, generator: torch.Generator | None = None
) -> Iterator[tuple[torch.Tensor, GraphBatch]]:
    """Yield ``(graph indices, batch)`` covering every graph once, in order or shuffled.

    Parameters
    ----------
    graphs : GraphSet
    batch_size : int
        Graphs per batch (the last may be smaller).
    shuffle : bool, default False
        Permute the graphs first, with ``generator`` (a seeded ``torch.Generator``) so the order
        is reproducible and no global random state is used.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    n = len(graphs)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield idx, graphs.batch(idx)
