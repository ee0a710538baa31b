r"""GIN training as dense batched tensors, every ensemble member in one pass.

The training twin of :mod:`surrogate.models._dense_gin`: the same dense formulation (a node
tensor ``x (B, N, F)``, a count adjacency ``adj (B, N, N)``, an optional node mask, message
passing as one batched matmul with the ``(1 + eps)`` self term), here with BatchNorm in training
mode, dropout, a loss and an optimizer. ``M`` members (same hyperparameters, their own seeds)
hold their weights as stacked ``(M, ...)`` tensors whose names and per-member shapes are those
of :class:`surrogate.models.gin._GINNet`'s state dict, so a trained member is a plain
``_GINNet`` (saved and loaded as before, predicted by the reference network or the dense stack).

Each member keeps what it would have on its own: its initial weights (built by ``_GINNet``
under its seed), its shuffling generator (so its own mini-batches: the stacked step gathers
``(M, B)`` graphs), its dropout generator, its gradient-norm clipping, its AdamW state, its
early stopping. Every member's arithmetic is a slice of its own in each batched op, so a
member's weights do not depend on which members were trained beside it (tested bit for bit:
one member alone, in a stack of ten, or in another process give the same bytes). A member whose
validation loss stopped improving for ``patience`` epochs leaves the stack, so the others run on
without its cost.

Compared with torch_geometric mini-batches (``_GINNet`` on a block-diagonal batch: scatter
adds, per-member optimizer and Python overhead), the dense step spends its time in a few large
``bmm`` calls; bench/fit.py measures both.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

__all__ = ["DenseTrainSet", "StackedGINTrainer"]

_BN_EPS = 1e-5
_BN_MOMENTUM = 0.1
_CLIP = 5.0
_BETAS = (0.9, 0.999)
_ADAM_EPS = 1e-8


class DenseTrainSet:
    """A training (or validation) set held once as dense tensors: ``x (n, N, F)``, the transposed
    count adjacency ``adj_t (n, N, N)`` (``adj_t[b, v, u]`` edges from ``u`` to ``v``, what the
    aggregation multiplies) and a node mask (``None`` when every graph has all ``N`` nodes)."""

    def __init__(self, x: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor | None) -> None:
        self.x = x.contiguous()
        self.adj_t = adj.transpose(1, 2).contiguous()
        self.mask = None if mask is None or bool(mask.all()) else mask.contiguous()

    @classmethod
    def from_graphs(cls, graphs: Any) -> DenseTrainSet:
        """From a :class:`~surrogate.models.GraphSet` or :class:`~surrogate.models._dense_gin.DenseGraphs`."""
        from ._dense_gin import DenseGraphs, dense_graphs

        if isinstance(graphs, DenseGraphs):
            return cls(graphs.x, graphs.adj, graphs.mask)
        return cls(*dense_graphs(graphs))

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def gather(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """The graphs at ``idx`` (any shape ``S``): ``x (*S, N, F)``, ``adj_t (*S, N, N)``, mask."""
        return self.x[idx], self.adj_t[idx], None if self.mask is None else self.mask[idx]


class _NormReLU(torch.autograd.Function):
    """``relu(BatchNorm(x))`` over dim 1 of ``x (M, R, H)`` (training mode, no mask), with a
    hand-written backward: 11 passes over the activations instead of autograd's 25 or so (the
    step is bound by memory traffic, not by the matmuls)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> tuple[torch.Tensor, ...]:
        rows = x.shape[1]
        mean = x.mean(1, keepdim=True)
        xc = x - mean
        var = torch.linalg.vector_norm(xc, dim=1, keepdim=True).square_().div_(rows)
        invstd = torch.rsqrt(var + _BN_EPS)
        scale = gamma.unsqueeze(1) * invstd
        y = torch.addcmul(beta.unsqueeze(1), xc, scale).relu_()
        ctx.save_for_backward(xc, y, invstd, scale)
        ctx.mark_non_differentiable(mean, var)
        return y, mean, var  # the batch statistics, for the running averages

    @staticmethod
    def backward(ctx: Any, gy: torch.Tensor, *_: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        xc, y, invstd, scale = ctx.saved_tensors
        rows = xc.shape[1]
        g = torch.ops.aten.threshold_backward(gy, y, 0.0)  # gy where y > 0, one pass
        dbeta = g.sum(1, keepdim=True)
        dxc = (g * xc).sum(1, keepdim=True)  # sum of g * (x - mean)
        dgamma = dxc * invstd
        c0 = -scale * dbeta / rows
        c1 = -scale * invstd * invstd * dxc / rows
        dx = torch.addcmul(c0, g, scale).addcmul_(xc, c1)
        return dx, dgamma.squeeze(1), dbeta.squeeze(1)


class StackedGINTrainer:
    """Train ``M`` GIN members at once (see the module docstring).

    Parameters
    ----------
    states : sequence of state dicts
        Each member's initial ``_GINNet.state_dict()`` (same architecture).
    n_layers, pooling, virtual_node, dropout
        The members' architecture (as ``GINModel``'s parameters).
    """

    def __init__(
        self,
        states: Sequence[Mapping[str, torch.Tensor]],
        *,
        n_layers: int,
        pooling: str,
        virtual_node: bool,
        dropout: float,
    ) -> None:
        self.n_layers, self.pooling, self.virtual_node, self.dropout = n_layers, pooling, virtual_node, dropout
        self.keys = list(states[0].keys())  # the state dict's order, kept for the members' files
        norms = [f"convs.{i}.nn.1" for i in range(n_layers)] + [f"norms.{i}" for i in range(n_layers)]
        self.buffer_keys = [f"{n}.{b}" for n in norms for b in ("running_mean", "running_var", "num_batches_tracked")]
        self.tensors: dict[str, torch.Tensor] = {}
        for k in self.keys:
            t = torch.stack([s[k].detach().clone() for s in states])
            if k not in self.buffer_keys:
                t.requires_grad_(True)
            self.tensors[k] = t
        self.param_keys = [k for k in self.keys if k not in self.buffer_keys]
        self.exp_avg = {k: torch.zeros_like(self.tensors[k]) for k in self.param_keys}
        self.exp_avg_sq = {k: torch.zeros_like(self.tensors[k]) for k in self.param_keys}
        self.step_count = 0

    @property
    def n_members(self) -> int:
        return int(self.tensors["embed.weight"].shape[0])

    # -- members ---------------------------------------------------------------------------------

    def member_state(self, i: int) -> dict[str, torch.Tensor]:
        """Member ``i``'s state dict (copies), in ``_GINNet``'s key order."""
        return {k: self.tensors[k][i].detach().clone() for k in self.keys}

    def keep(self, rows: Sequence[int]) -> None:
        """Keep only the members at ``rows`` (the others left the stack)."""
        idx = torch.as_tensor(list(rows), dtype=torch.int64)
        for k in self.keys:
            t = self.tensors[k].detach()[idx].clone()
            if k not in self.buffer_keys:
                t.requires_grad_(True)
            self.tensors[k] = t
        for d in (self.exp_avg, self.exp_avg_sq):
            for k in self.param_keys:
                d[k] = d[k][idx].clone()

    # -- the network -----------------------------------------------------------------------------

    def _lin(self, prefix: str, h: torch.Tensor) -> torch.Tensor:
        """``(M, R, in) -> (M, R, out)`` with member ``m``'s weight on slice ``m``."""
        w, b = self.tensors[f"{prefix}.weight"], self.tensors[f"{prefix}.bias"]
        return torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))

    def _norm_relu(
        self, prefix: str, h: torch.Tensor, keep: torch.Tensor | None, count: torch.Tensor | None, training: bool
    ) -> torch.Tensor:
        """``relu(BatchNorm1d(h))`` over the (valid) node rows of each member; the running
        statistics are updated as torch's BatchNorm1d updates them."""
        w, b = self.tensors[f"{prefix}.weight"], self.tensors[f"{prefix}.bias"]
        rm, rv = self.tensors[f"{prefix}.running_mean"], self.tensors[f"{prefix}.running_var"]
        if not training:
            scale = (w * torch.rsqrt(rv + _BN_EPS)).unsqueeze(1)
            return torch.addcmul(b.unsqueeze(1), h - rm.unsqueeze(1), scale).relu_()
        if keep is None:
            out, mean, var = _NormReLU.apply(h, w, b)
            rows = h.shape[1]
        else:
            rows = count  # (M, 1, 1) valid nodes per member
            mean = (h * keep).sum(1, keepdim=True) / rows
            var = (((h - mean) * keep) ** 2).sum(1, keepdim=True) / rows
            out = torch.relu((h - mean) * torch.rsqrt(var + _BN_EPS) * w.unsqueeze(1) + b.unsqueeze(1))
        with torch.no_grad():
            unbiased = var.detach() * (rows / (rows - 1))
            rm.mul_(1 - _BN_MOMENTUM).add_(mean.detach().reshape(rm.shape), alpha=_BN_MOMENTUM)
            rv.mul_(1 - _BN_MOMENTUM).add_(unbiased.reshape(rv.shape), alpha=_BN_MOMENTUM)
            self.tensors[f"{prefix}.num_batches_tracked"].add_(1)
        return out

    def _drop(self, h: torch.Tensor, gens: Sequence[torch.Generator] | None) -> torch.Tensor:
        if not self.dropout or gens is None:
            return h
        # each member's mask from its own generator, so it does not depend on its stack mates
        keep = torch.stack([torch.rand(h.shape[1:], generator=g) >= self.dropout for g in gens])
        return h * keep / (1.0 - self.dropout)

    def forward(
        self,
        x: torch.Tensor,
        adj_t: torch.Tensor,
        mask: torch.Tensor | None,
        *,
        training: bool,
        gens: Sequence[torch.Generator] | None = None,
    ) -> torch.Tensor:
        """``(M, B)`` standardised predictions for per-member batches ``x (M, B, N, F)``,
        ``adj_t (M, B, N, N)``, ``mask (M, B, N)`` or ``None`` (every node present)."""
        m, b, n, f = x.shape
        keep = count = None
        if mask is not None:
            keep = mask.reshape(m, b * n, 1)
            count = keep.sum(1, keepdim=True).clamp_min(2.0)
            graph_count = mask.sum(2).clamp_min(1.0).unsqueeze(2)  # (M, B, 1)

        def pool_sum(h: torch.Tensor) -> torch.Tensor:
            return (h if keep is None else h * keep).reshape(m, b, n, -1).sum(2)

        def pool(h: torch.Tensor) -> torch.Tensor:
            s = pool_sum(h)
            if self.pooling == "sum":
                return s
            return s / (n if mask is None else graph_count)

        a = adj_t.reshape(m * b, n, n)
        h = self._lin("embed", x.reshape(m, b * n, f))
        hidden = h.shape[-1]
        readouts = [pool(h)]
        vn = h.new_zeros((m, b, hidden)) if self.virtual_node else None
        for i in range(self.n_layers):
            if vn is not None:
                h = (h.reshape(m, b, n, hidden) + vn.unsqueeze(2)).reshape(m, b * n, hidden)
            one_eps = 1.0 + self.tensors[f"convs.{i}.eps"].reshape(m, 1, 1)
            z = torch.baddbmm((h * one_eps).reshape(m * b, n, hidden), a, h.reshape(m * b, n, hidden))
            z = z.reshape(m, b * n, hidden)
            z = self._norm_relu(f"convs.{i}.nn.1", self._lin(f"convs.{i}.nn.0", z), keep, count, training)
            z = self._norm_relu(f"norms.{i}", self._lin(f"convs.{i}.nn.3", z), keep, count, training)
            h = h + (self._drop(z, gens) if training else z)
            summed = pool_sum(h)  # one reduction for the readout and the virtual node
            readouts.append(summed if self.pooling == "sum" else summed / (n if mask is None else graph_count))
            if vn is not None and i < self.n_layers - 1:
                vn = vn + self._lin(f"virtual.{i}.2", torch.relu(self._lin(f"virtual.{i}.0", summed + vn)))
        out = torch.relu(self._lin("head.0", torch.cat(readouts, dim=2)))
        if training:
            out = self._drop(out, gens)
        return self._lin("head.3", out).squeeze(2)

    def predict(self, data: DenseTrainSet, chunk: int = 256) -> torch.Tensor:
        """``(M, n)`` standardised predictions of every member on all of ``data`` (eval mode)."""
        outs = []
        m = self.n_members
        with torch.no_grad():
            for start in range(0, len(data), chunk):
                x, adj_t, mask = data.gather(torch.arange(start, min(start + chunk, len(data))))

                def expand(t: torch.Tensor) -> torch.Tensor:
                    return t.unsqueeze(0).expand(m, *t.shape)

                outs.append(
                    self.forward(expand(x), expand(adj_t), None if mask is None else expand(mask), training=False)
                )
        return torch.cat(outs, dim=1)

    # -- one optimisation step -------------------------------------------------------------------

    def step(self, loss: torch.Tensor, lr: float, weight_decay: float) -> None:
        """Backpropagate ``loss`` (the sum of the members' losses), clip each member's gradient
        norm to 5 and take one AdamW step (torch's formula, each member its own state)."""
        params = [self.tensors[k] for k in self.param_keys]
        grads = torch.autograd.grad(loss, params)
        m = self.n_members
        sq = torch.zeros(m, dtype=torch.float32)
        for g in grads:
            sq += g.reshape(m, -1).pow(2).sum(1)
        coef = (_CLIP / (sq.sqrt() + 1e-6)).clamp(max=1.0)
        grads = [g * coef.reshape(m, *([1] * (g.dim() - 1))) for g in grads]
        self.step_count += 1
        t = self.step_count
        b1, b2 = _BETAS
        bias1, bias2_sqrt = 1 - b1**t, math.sqrt(1 - b2**t)
        with torch.no_grad():
            avg = [self.exp_avg[k] for k in self.param_keys]
            avg_sq = [self.exp_avg_sq[k] for k in self.param_keys]
            torch._foreach_mul_(params, 1 - lr * weight_decay)
            torch._foreach_lerp_(avg, grads, 1 - b1)
            torch._foreach_mul_(avg_sq, b2)
            torch._foreach_addcmul_(avg_sq, grads, grads, 1 - b2)
            denom = torch._foreach_sqrt(avg_sq)
            torch._foreach_div_(denom, bias2_sqrt)
            torch._foreach_add_(denom, _ADAM_EPS)
            torch._foreach_addcdiv_(params, avg, denom, -lr / bias1)


def member_losses(
    pred: torch.Tensor, target: torch.Tensor, loss: str, rank_weight: float, rank_margin: float
) -> torch.Tensor:
    """``(M,)`` per-member losses of ``pred``/``target`` ``(M, B)`` (``GINModel._objective`` each)."""
    if loss == "mse":
        out = ((pred - target) ** 2).mean(1)
    elif loss == "l1":
        out = (pred - target).abs().mean(1)
    else:
        d = (pred - target).abs()
        out = torch.where(d < 1.0, 0.5 * d * d, d - 0.5).mean(1)
    if rank_weight > 0 and pred.shape[1] > 1:
        above = target[:, :, None] > target[:, None, :]
        counts = above.sum((1, 2))
        gap = pred[:, :, None] - pred[:, None, :]
        hinge = (torch.relu(rank_margin - gap) * above).sum((1, 2)) / counts.clamp_min(1)
        out = out + rank_weight * torch.where(counts > 0, hinge, torch.zeros_like(hinge))
    return out


def train_stacked(
    trainer: StackedGINTrainer,
    train: DenseTrainSet,
    target: torch.Tensor,
    val: tuple[DenseTrainSet, torch.Tensor] | None,
    *,
    seeds: Sequence[int],
    epochs: int,
    batch_size: int,
    learning_rate: float,
    weight_decay: float,
    loss: str,
    rank_weight: float,
    rank_margin: float,
    patience: int,
    callback: Callable[[int, Mapping[str, float]], Any] | None = None,
    on_step: Callable[[int, int, Mapping[str, float]], Any] | None = None,
) -> list[dict[str, Any]]:
    """Train every member of ``trainer``; returns per member ``{"state", "best_epoch", "history"}``.

    ``callback(epoch, info)`` is called once per epoch with the mean ``train`` (and ``val``) loss
    of the members still training; a true return stops them all. ``on_step(member, epoch,
    info)`` is told each member's losses after each of its epochs.
    """
    n, m = len(train), trainer.n_members
    shuffles = [torch.Generator().manual_seed(int(s)) for s in seeds]
    drops = [torch.Generator().manual_seed(int(s) + 1) for s in seeds] if trainer.dropout else None
    steps = epochs * math.ceil(n / batch_size)

    def lr_at(s: int) -> float:  # the cosine of GINModel's LambdaLR, step s (0-based)
        return learning_rate * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))

    active = list(range(m))
    results: list[dict[str, Any]] = [
        {"state": None, "best_epoch": epochs - 1, "history": [], "best": math.inf, "stale": 0} for _ in range(m)
    ]
    for epoch in range(epochs):
        orders = torch.stack([torch.randperm(n, generator=shuffles[i]) for i in active])  # (M', n)
        total = torch.zeros(len(active), dtype=torch.float64)
        count = 0
        for start in range(0, n, batch_size):
            idx = orders[:, start : start + batch_size]
            x, adj_t, mask = train.gather(idx)
            nodes = idx.shape[1] * x.shape[2] if mask is None else int(mask.sum((1, 2)).min())
            if nodes < 2:  # batch norm needs two nodes
                continue
            pred = trainer.forward(
                x, adj_t, mask, training=True, gens=None if drops is None else [drops[i] for i in active]
            )
            losses = member_losses(pred, target[idx], loss, rank_weight, rank_margin)
            trainer.step(losses.sum(), lr_at(trainer.step_count), weight_decay)
            total += losses.detach().double() * idx.shape[1]
            count += idx.shape[1]
        train_loss = (total / max(count, 1)).tolist()
        val_loss = None
        if val is not None:
            val_loss = ((trainer.predict(val[0]) - val[1]) ** 2).mean(1).tolist()
        leaving = []
        for j, i in enumerate(active):
            r = results[i]
            info = {"train": train_loss[j]}
            if val_loss is not None:
                info["val"] = val_loss[j]
                if info["val"] < r["best"]:
                    r["best"], r["best_epoch"], r["stale"] = info["val"], epoch, 0
                    r["state"] = trainer.member_state(j)
                else:
                    r["stale"] += 1
                    if r["stale"] >= patience:
                        leaving.append(j)
            r["history"].append({"epoch": epoch, **info})
            if on_step is not None:
                on_step(i, epoch, info)
        stop = False
        if callback is not None:
            mean = {"train": sum(train_loss) / len(train_loss)}
            if val_loss is not None:
                mean["val"] = sum(val_loss) / len(val_loss)
            stop = bool(callback(epoch, mean))
        if stop or epoch == epochs - 1:
            for j, i in enumerate(active):
                if val is None:
                    results[i]["best_epoch"] = epoch
                if results[i]["state"] is None:
                    results[i]["state"] = trainer.member_state(j)
            break
        if leaving:
            rows = [j for j in range(len(active)) if j not in leaving]
            active = [active[j] for j in rows]
            if not active:
                break
            trainer.keep(rows)
    return [{"state": r["state"], "best_epoch": int(r["best_epoch"]), "history": r["history"]} for r in results]
