r"""GIN inference as dense batched tensors, every ensemble member in one pass.

Cell graphs of one space have (nearly) one size: every DARTS graph has the same 30 nodes. So a
batch of ``B`` graphs is a node tensor ``x`` of shape ``(B, N, F)``, a count adjacency ``adj`` of
shape ``(B, N, N)`` (``adj[b, u, v]`` edges from ``u`` to ``v``) and a node mask, and GIN message
passing — the sum over in-neighbours — is one batched matmul ``adj^T @ h``. Members of an ensemble
share the architecture (they differ in seed), so their weights stack into ``(M, ...)`` tensors
and all ``M`` members run as a handful of ``bmm`` calls over ``(M, B·N, H)``: no torch_geometric
``Batch``, no per-member loop. BatchNorm in eval mode is a per-channel affine map, folded here.

It computes exactly what :class:`surrogate.models.gin.GINModel`'s network computes in eval mode
(tested to float tolerance against it), for graphs without edge features.

Shapes
------
- :func:`dense_graphs`: a :class:`~surrogate.models.GraphSet` -> ``x (B, N, F)``,
  ``adj (B, N, N)``, ``mask (B, N)``, ``N`` the largest graph
- :meth:`DenseGINStack.forward`: -> ``(M, B)`` predictions in target units
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from ._graphs import GraphSet

__all__ = ["CHUNK", "DenseGINStack", "DenseGraphs", "dense_graphs"]

#: Graphs per forward pass: measured fastest at 16-32 on one loaded core (1,500-1,700/s against
#: 1,000-1,400/s at 128-256: the (M, B*N, H) activations stay in cache); it bounds memory too.
CHUNK = 32

_BN_EPS = 1e-5
#: Fewest rows a stacked linear layer multiplies: MKL picks a GEMV-like kernel for a handful of
#: rows, whose sums round differently, so a graph's prediction would depend on its batch's size.
_MIN_ROWS = 8


def dense_graphs(graphs: GraphSet) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pad a :class:`GraphSet` to dense ``(x, adj, mask)`` (see the module docstring)."""
    counts = graphs.node_ptr[1:] - graphs.node_ptr[:-1]
    b, n = len(graphs), int(counts.max()) if len(graphs) else 0
    graph_of_node = torch.repeat_interleave(torch.arange(b), counts)
    slot = torch.arange(graphs.x.shape[0]) - graphs.node_ptr[:-1][graph_of_node]
    x = graphs.x.new_zeros((b, n, graphs.x.shape[1]))
    x[graph_of_node, slot] = graphs.x
    mask = torch.zeros((b, n), dtype=graphs.x.dtype)
    mask[graph_of_node, slot] = 1.0
    e_counts = graphs.edge_ptr[1:] - graphs.edge_ptr[:-1]
    graph_of_edge = torch.repeat_interleave(torch.arange(b), e_counts)
    adj = graphs.x.new_zeros((b, n, n))
    src, dst = graphs.edge_index  # graph-local ids
    adj.index_put_((graph_of_edge, src, dst), torch.ones_like(src, dtype=adj.dtype), accumulate=True)
    return x, adj, mask


class DenseGraphs:
    """Graphs as dense arrays: ``x (B, N, F)``, count adjacency ``adj (B, N, N)`` and an optional
    node ``mask (B, N)`` (``None``: every graph has all ``N`` nodes). numpy or torch, float32.

    What :func:`surrogate.encode.dense_graphs` gives, wrapped so a GIN's ``prepare`` knows it;
    an ensemble predicts it with every member stacked in one pass.
    """

    stackable = True

    def __init__(self, x: Any, adj: Any, mask: Any = None) -> None:
        self.x = torch.as_tensor(x, dtype=torch.float32)
        self.adj = torch.as_tensor(adj, dtype=torch.float32)
        self.mask = None if mask is None else torch.as_tensor(mask, dtype=torch.float32)
        b, n = self.x.shape[:2] if self.x.ndim == 3 else (-1, -1)
        if self.x.ndim != 3 or self.adj.shape != (b, n, n) or (self.mask is not None and self.mask.shape != (b, n)):
            raise ValueError(
                f"dense graphs need x (B, N, F), adj (B, N, N) and mask (B, N), got {tuple(self.x.shape)}, "
                f"{tuple(self.adj.shape)} and {None if self.mask is None else tuple(self.mask.shape)}"
            )
        if not (torch.isfinite(self.x).all() and torch.isfinite(self.adj).all()):
            raise ValueError("dense graphs hold NaN or infinite values")

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __repr__(self) -> str:
        return f"DenseGraphs({len(self)} graphs x {self.x.shape[1]} nodes x {self.node_dim})"

    @property
    def node_dim(self) -> int:
        return int(self.x.shape[2])

    edge_dim = 0

    def chunk(self, start: int, stop: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        m = None if self.mask is None else self.mask[start:stop]
        return self.x[start:stop], self.adj[start:stop], m


def _stack(states: Sequence[Mapping[str, torch.Tensor]], key: str) -> torch.Tensor:
    return torch.stack([s[key].detach().to(torch.float32) for s in states])


class _Linear:
    """``M`` stacked linear layers: ``(M, R, in) -> (M, R, out)``, an eval-mode BatchNorm1d after
    it folded in where given (``BN(Wx + b) = (s·W)x + s·(b - mean) + beta``)."""

    def __init__(self, states: Sequence[Mapping[str, torch.Tensor]], prefix: str, norm: str | None = None) -> None:
        w = _stack(states, f"{prefix}.weight")  # (M, out, in)
        b = _stack(states, f"{prefix}.bias")  # (M, out)
        if norm is not None:
            gamma, beta = _stack(states, f"{norm}.weight"), _stack(states, f"{norm}.bias")
            mean, var = _stack(states, f"{norm}.running_mean"), _stack(states, f"{norm}.running_var")
            scale = gamma / torch.sqrt(var + _BN_EPS)
            w = w * scale.unsqueeze(2)
            b = (b - mean) * scale + beta
        self.w = w.transpose(1, 2).contiguous()  # (M, in, out)
        self.b = b.unsqueeze(1)  # (M, 1, out)

    def __call__(self, h: torch.Tensor) -> torch.Tensor:
        rows = h.shape[1]
        if rows < _MIN_ROWS:  # a GEMM of so few rows runs another kernel (another summation order)
            h = torch.cat((h, h.new_zeros((h.shape[0], _MIN_ROWS - rows, h.shape[2]))), dim=1)
            return torch.baddbmm(self.b, h, self.w)[:, :rows]
        return torch.baddbmm(self.b, h, self.w)


class DenseGINStack:
    """The networks of ``M`` GIN members (same hyperparameters) as stacked dense tensors.

    Parameters
    ----------
    states : sequence of state dicts
        ``GINModel.net_.state_dict()`` of each member.
    n_layers : int
    pooling : {"sum", "mean"}
    virtual_node : bool
    y_mean, y_std : sequence of float
        Each member's target standardisation.
    """

    def __init__(
        self,
        states: Sequence[Mapping[str, torch.Tensor]],
        *,
        n_layers: int,
        pooling: str,
        virtual_node: bool,
        y_mean: Sequence[float],
        y_std: Sequence[float],
    ) -> None:
        if not states:
            raise ValueError("DenseGINStack needs at least one member")
        if any(k.startswith("convs.0.lin.") or k.endswith(".lin.weight") for k in states[0]):
            raise ValueError("the dense GIN path handles graphs without edge features only (GINConv, not GINEConv)")
        self.n_members = len(states)
        self.pooling = pooling
        self.embed = _Linear(states, "embed")
        self.layers: list[tuple[torch.Tensor, _Linear, _Linear]] = []
        for i in range(n_layers):
            eps = _stack(states, f"convs.{i}.eps").reshape(-1, 1, 1)  # (M, 1, 1)
            self.layers.append(
                (
                    1.0 + eps,
                    _Linear(states, f"convs.{i}.nn.0", norm=f"convs.{i}.nn.1"),
                    _Linear(states, f"convs.{i}.nn.3", norm=f"norms.{i}"),
                )
            )
        self.virtual = (
            [(_Linear(states, f"virtual.{i}.0"), _Linear(states, f"virtual.{i}.2")) for i in range(n_layers - 1)]
            if virtual_node
            else []
        )
        self.head = (_Linear(states, "head.0"), _Linear(states, "head.3"))
        self.y_mean = torch.tensor(list(y_mean), dtype=torch.float64).unsqueeze(1)
        self.y_std = torch.tensor(list(y_std), dtype=torch.float64).unsqueeze(1)

    @classmethod
    def from_models(cls, models: Sequence[Any]) -> DenseGINStack:
        """Stack fitted :class:`~surrogate.models.gin.GINModel` members (same hyperparameters)."""
        first = models[0]
        for m in models[1:]:
            if (m.hidden_dim, m.n_layers, m.pooling, m.virtual_node) != (
                first.hidden_dim,
                first.n_layers,
                first.pooling,
                first.virtual_node,
            ):
                raise ValueError("members differ in hidden_dim/n_layers/pooling/virtual_node; they cannot be stacked")
        return cls(
            [m.net_.state_dict() for m in models],
            n_layers=first.n_layers,
            pooling=first.pooling,
            virtual_node=first.virtual_node,
            y_mean=[m.y_mean_ for m in models],
            y_std=[m.y_std_ for m in models],
        )

    def predict(self, graphs: DenseGraphs | GraphSet, chunk: int = CHUNK) -> Any:
        """``(M, n)`` float64 numpy predictions, ``chunk`` graphs per pass.

        A graph's prediction does not depend on the other graphs of its batch or chunk, bit for
        bit (tests/models/test_dense_gin.py): every matmul sees at least ``_MIN_ROWS`` rows.
        """
        import numpy as np

        out = np.empty((self.n_members, len(graphs)), dtype=np.float64)
        for start in range(0, len(graphs), chunk):
            stop = min(start + chunk, len(graphs))
            if isinstance(graphs, DenseGraphs):
                x, adj, mask = graphs.chunk(start, stop)
            else:
                x, adj, mask = dense_graphs(graphs[start:stop])
            out[:, start:stop] = self.forward(x, adj, mask).numpy()
        return out

    def forward(self, x: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``(M, B)`` float64 predictions in target units for dense graphs ``x, adj, mask``
        (``mask=None``: every graph has all ``N`` nodes)."""
        m, (b, n, f) = self.n_members, x.shape
        if mask is None:
            mask = x.new_ones((b, n))
        with torch.inference_mode():
            adj_t = adj.transpose(1, 2).unsqueeze(0)  # in-neighbours: agg[v] = sum_u adj[u, v] h[u]
            full = bool(mask.all())  # every graph of the batch has all N nodes (DARTS: always)
            keep = mask.reshape(1, b * n, 1)
            count = mask.sum(1).clamp_min(1.0).reshape(1, b, 1)

            def pool_sum(h: torch.Tensor) -> torch.Tensor:  # (M, B*N, H) -> (M, B, H)
                return (h if full else h * keep).reshape(m, b, n, -1).sum(2)

            def pool(h: torch.Tensor) -> torch.Tensor:
                s = pool_sum(h)
                return s if self.pooling == "sum" else s / count

            eye = torch.eye(n, dtype=x.dtype)

            def aggregate(h: torch.Tensor, one_eps: torch.Tensor) -> torch.Tensor:
                """``(1 + eps) h[v] + sum over in-neighbours``, all members, as one bmm with the
                self term on the diagonal (no separate scaled add)."""
                a = (adj_t + one_eps.reshape(m, 1, 1, 1) * eye).reshape(m * b, n, n)  # (M*B, N, N)
                return torch.bmm(a, h.reshape(m * b, n, -1)).reshape(m, b * n, -1)

            h = self.embed(x.reshape(1, b * n, f).expand(m, -1, -1))
            readouts = [pool(h)]
            vn = torch.zeros((m, b, h.shape[-1]), dtype=h.dtype) if self.virtual else None
            for layer, (one_eps, lin1, lin2) in enumerate(self.layers):
                if vn is not None:
                    h = (h.reshape(m, b, n, -1) + vn.unsqueeze(2)).reshape(m, b * n, -1)
                z = aggregate(h, one_eps)
                z = lin2(torch.relu_(lin1(z)))
                h = h + torch.relu_(z)
                readouts.append(pool(h))
                if vn is not None and layer < len(self.virtual):
                    up1, up2 = self.virtual[layer]
                    vn = vn + up2(torch.relu_(up1(pool_sum(h) + vn)))
            out = self.head[1](torch.relu(self.head[0](torch.cat(readouts, dim=2)))).squeeze(2)
        return out.double() * self.y_std + self.y_mean
