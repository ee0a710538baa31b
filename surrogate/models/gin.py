r"""Graph isomorphism network (GIN) on cell graphs, with torch-geometric.

The network embeds node features, applies ``n_layers`` GIN layers (GINE layers when the graphs
carry edge features),

.. math::
    h_v^{(l+1)} = h_v^{(l)} + \mathrm{ReLU}\Big(\mathrm{BN}\big(\mathrm{MLP}\big((1+\epsilon) h_v^{(l)}
    + \textstyle\sum_{u \in N(v)} h_u^{(l)} [+ W e_{uv}]\big)\big)\Big),

with a residual connection and optionally a virtual node (a per-graph vector added to every node
and updated from their pooled sum after each layer), pools every layer's node states (``sum`` or
``mean``) and concatenates them (jumping knowledge, as in Xu et al., 2019, "How Powerful are
Graph Neural Networks?"), and maps that vector through an MLP head to one number.

Targets are standardised for training (their mean and std are stored) and the loss is MSE, L1
or Huber on the standardised targets plus, optionally, a pairwise ranking hinge loss within
each mini-batch. Early stopping keeps the epoch with the lowest validation MSE.

On the CPU, graphs without edge features train in the dense formulation of the query path
(:mod:`surrogate.models._dense_fit`: fixed-size node tensors, message passing as one batched
matmul), ensemble members in stacks of :data:`STACK` in one pass, stacks side by side in worker
processes where cores are idle (:meth:`GINModel.fit_ensemble`); edge features (GINE) and GPUs
keep the torch_geometric loop. Both train the same network (tested: the same per-epoch losses
from the same seed) and save the same state dict.

Saved as ``model.safetensors`` (the state dict) beside ``model.json`` (parameters, input
dimensions, target scaling, training history); loading runs no pickle.

Shapes
------
- input: a :class:`~surrogate.models.GraphSet`, a ``torch_geometric`` ``Batch`` or a list of
  ``Data``, each graph with ``x`` of shape ``(nodes, node_dim)``, ``edge_index`` of shape
  ``(2, edges)`` and optionally ``edge_attr`` of shape ``(edges, edge_dim)``
- output: ``(n_graphs,)`` float64
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from ._base import BaseModel, Callback, check_choice, check_number
from ._dense_gin import DenseGINStack, DenseGraphs
from ._graphs import GraphBatch, GraphSet, iter_batches

__all__ = ["GINModel"]

_FILE = "model.safetensors"
_PREDICT_BATCH = 2048
#: Ensemble members trained together in one dense pass: measured fastest per member at 5 (4,600
#: graphs/s against 3,300 alone and 4,100 at 10, one loaded core, batch 64; bench/fit.py).
STACK = 5


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run torch's CPU operations on one thread, then restore the caller's thread count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class _GINNet(nn.Module):
    """GIN(E) layers with residuals, optional virtual node, jumping-knowledge readout, MLP head."""

    def __init__(
        self, node_dim: int, edge_dim: int, hidden: int, n_layers: int, dropout: float, pooling: str, virtual_node: bool
    ) -> None:
        super().__init__()
        from torch_geometric.nn import GINConv, GINEConv

        self.pooling = pooling
        self.dropout = dropout
        self.embed = nn.Linear(node_dim, hidden)
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        for _ in range(n_layers):
            mlp = nn.Sequential(nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, hidden))
            if edge_dim:
                self.convs.append(GINEConv(mlp, train_eps=True, edge_dim=edge_dim))
            else:
                self.convs.append(GINConv(mlp, train_eps=True))
            self.norms.append(nn.BatchNorm1d(hidden))
        self.virtual = nn.ModuleList()
        if virtual_node:
            for _ in range(n_layers - 1):
                self.virtual.append(nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, hidden)))
        self.head = nn.Sequential(
            nn.Linear(hidden * (n_layers + 1), hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 1)
        )

    def _pool(self, h: torch.Tensor, batch: torch.Tensor, size: int) -> torch.Tensor:
        from torch_geometric.nn import global_add_pool, global_mean_pool

        pool = global_add_pool if self.pooling == "sum" else global_mean_pool
        return pool(h, batch, size=size)

    def forward(self, b: GraphBatch) -> torch.Tensor:
        from torch_geometric.nn import global_add_pool

        h = self.embed(b.x)
        readouts = [self._pool(h, b.batch, b.num_graphs)]
        vn = h.new_zeros(b.num_graphs, h.shape[1]) if len(self.virtual) else None
        for layer, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            if vn is not None:
                h = h + vn[b.batch]
            out = conv(h, b.edge_index, b.edge_attr) if b.edge_attr is not None else conv(h, b.edge_index)
            out = nn.functional.relu(norm(out))
            out = nn.functional.dropout(out, p=self.dropout, training=self.training)
            h = h + out
            readouts.append(self._pool(h, b.batch, b.num_graphs))
            if vn is not None and layer < len(self.virtual):
                vn = vn + self.virtual[layer](global_add_pool(h, b.batch, size=b.num_graphs) + vn)
        return self.head(torch.cat(readouts, dim=1)).squeeze(1)


class GINModel(BaseModel):
    """GIN regressor on graphs (see the module docstring for the architecture).

    Parameters
    ----------
    hidden_dim : int, default 64
    n_layers : int, default 4
    pooling : {"sum", "mean"}, default "sum"
    virtual_node : bool, default True
    dropout : float, default 0.0
    epochs : int, default 100
        Most epochs; early stopping on a validation split usually ends sooner.
    batch_size : int, default 64
        Graphs per mini-batch.
    learning_rate : float, default 0.003
        AdamW's peak rate; a cosine schedule decays it to 1% over ``epochs``.
    weight_decay : float, default 1e-4
    loss : {"mse", "l1", "huber"}, default "mse"
        On standardised targets.
    rank_weight : float, default 0.0
        Weight of the pairwise ranking hinge loss ``mean(relu(margin - (p_i - p_j)))`` over
        pairs with ``y_i > y_j`` in a batch.
    rank_margin : float, default 0.1
        In standard deviations of the targets.
    patience : int, default 20
        Epochs without validation improvement before stopping.
    device : str, default "cpu"
        A torch device string.
    seed : int, default 0
        Seeds initialisation, dropout and shuffling inside a forked RNG: the caller's global
        torch random state is left as it was. On the CPU a seed gives the same weights bit for
        bit on any machine: ``fit`` trains on one torch thread (the order in which threads sum
        gradients changes the weights, and a loaded machine may give MKL fewer threads than
        asked) and restores the caller's ``torch.get_num_threads()`` afterwards. Prediction
        uses the caller's threads (measured: the same outputs on 1 and 2 threads). On a GPU,
        message passing sums with atomic adds, so GPU fits are not bit-reproducible.

    Attributes
    ----------
    net_ : torch.nn.Module
    y_mean_, y_std_ : float
        Target standardisation.
    best_epoch_ : int
        The epoch whose weights were kept.
    history_ : list of dict
        Per epoch: ``epoch``, ``train`` (training loss) and ``val`` (validation MSE on
        standardised targets, when a validation split was given).
    node_dim_, edge_dim_ : int
    """

    family: ClassVar[str] = "gin"
    input_kind: ClassVar[str] = "graphs"
    input_keys: ClassVar[tuple[str, ...]] = ("node_dim_", "edge_dim_")
    libraries: ClassVar[tuple[str, ...]] = ("torch", "torch_geometric", "safetensors")
    _parallel_fit: ClassVar[bool] = True
    #: Train with the dense formulation where it applies (CPU, no edge features); ``False``
    #: runs the torch_geometric loop everywhere (bench/fit.py's old path).
    _dense_training: ClassVar[bool] = True
    prunable: ClassVar[bool] = True

    def __init__(
        self,
        *,
        hidden_dim: int = 64,
        n_layers: int = 4,
        pooling: str = "sum",
        virtual_node: bool = True,
        dropout: float = 0.0,
        epochs: int = 100,
        batch_size: int = 64,
        learning_rate: float = 0.003,
        weight_decay: float = 1e-4,
        loss: str = "mse",
        rank_weight: float = 0.0,
        rank_margin: float = 0.1,
        patience: int = 20,
        device: str = "cpu",
        seed: int = 0,
    ) -> None:
        self.hidden_dim = hidden_dim
        self.n_layers = n_layers
        self.pooling = pooling
        self.virtual_node = virtual_node
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.loss = loss
        self.rank_weight = rank_weight
        self.rank_margin = rank_margin
        self.patience = patience
        self.device = device
        self.seed = seed

    # -- inputs ----------------------------------------------------------------------------------

    @classmethod
    def prepare(cls, X: Any, name: str = "X") -> GraphSet | DenseGraphs:
        """Check graphs and hold them as a :class:`GraphSet` (returned unchanged if it is one, or
        if it is a :class:`~surrogate.models._dense_gin.DenseGraphs`: prediction only)."""
        if isinstance(X, DenseGraphs):
            return X
        return GraphSet.from_data(X, name)

    @classmethod
    def stack(cls, members: list[GINModel]) -> DenseGINStack | None:
        """All ``members`` as one :class:`DenseGINStack` (what an ensemble predicts with), or
        ``None`` where the dense path does not apply (edge features, a GPU device, members that
        differ in shape): then each member predicts with its own network."""
        first = members[0]
        if first.edge_dim_ or any(torch.device(m.device).type != "cpu" for m in members):
            return None
        try:
            return DenseGINStack.from_models(members)
        except ValueError:
            return None

    @staticmethod
    def _n_samples(X: GraphSet) -> int:
        return len(X)

    def _input_signature(self, X: GraphSet) -> dict[str, Any]:
        return {"node_dim_": X.node_dim, "edge_dim_": X.edge_dim}

    def _check_compatible(self, X: GraphSet, name: str) -> None:
        if (X.node_dim, X.edge_dim) != (self.node_dim_, self.edge_dim_):
            raise ValueError(
                f"{name} has node/edge feature dims ({X.node_dim}, {X.edge_dim}) but this model was "
                f"fit on ({self.node_dim_}, {self.edge_dim_}); encode the graphs the same way"
            )

    def _check_params(self) -> None:
        super()._check_params()
        check_number("hidden_dim", self.hidden_dim, low=1, integer=True)
        check_number("n_layers", self.n_layers, low=1, integer=True)
        check_choice("pooling", self.pooling, ("sum", "mean"))
        if not isinstance(self.virtual_node, bool):
            raise ValueError(f"virtual_node must be True or False, got {self.virtual_node!r}")
        check_number("dropout", self.dropout, low=0, high=0.95)
        check_number("epochs", self.epochs, low=1, integer=True)
        check_number("batch_size", self.batch_size, low=2, integer=True)
        check_number("learning_rate", self.learning_rate, low=0, low_open=True)
        check_number("weight_decay", self.weight_decay, low=0)
        check_choice("loss", self.loss, ("mse", "l1", "huber"))
        check_number("rank_weight", self.rank_weight, low=0)
        check_number("rank_margin", self.rank_margin, low=0)
        check_number("patience", self.patience, low=1, integer=True)
        try:
            torch.device(self.device)
        except (RuntimeError, TypeError) as err:
            raise ValueError(
                f"device must be a torch device string such as 'cpu' or 'cuda', got {self.device!r}"
            ) from err

    # -- training --------------------------------------------------------------------------------

    def _new_net(self) -> _GINNet:
        return _GINNet(
            self.node_dim_,
            self.edge_dim_,
            self.hidden_dim,
            self.n_layers,
            float(self.dropout),
            self.pooling,
            self.virtual_node,
        )

    def _objective(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.loss == "mse":
            loss = nn.functional.mse_loss(pred, target)
        elif self.loss == "l1":
            loss = nn.functional.l1_loss(pred, target)
        else:
            loss = nn.functional.huber_loss(pred, target, delta=1.0)
        if self.rank_weight > 0 and pred.numel() > 1:
            above = target[:, None] > target[None, :]
            if bool(above.any()):
                gap = pred[:, None] - pred[None, :]
                loss = loss + self.rank_weight * torch.relu(self.rank_margin - gap[above]).mean()
        return loss

    def _dense_ok(self) -> bool:
        """Whether this model trains with the dense formulation (CPU, no edge features)."""
        return type(self)._dense_training and not self.edge_dim_ and torch.device(self.device).type == "cpu"

    def _fit(
        self, X: GraphSet, y: np.ndarray, val: tuple[GraphSet, np.ndarray] | None, callback: Callback | None
    ) -> None:
        if self._dense_ok():
            _fit_stacked([self], X, y, val, callback, None)
        else:
            self._fit_reference(X, y, val, callback)

    @classmethod
    def _ensemble_tasks(cls, members: list[BaseModel]) -> list[list[int]]:
        """Stacks of :data:`STACK` members in their order (fixed, never by the cores, so the
        same seeds give the same bytes on any number of workers), where the dense loop applies
        and the members differ only in seed; else one member per task."""
        shared = [{k: v for k, v in m.get_params().items() if k != "seed"} for m in members]
        if not members[0]._dense_ok() or any(p != shared[0] for p in shared):
            return super()._ensemble_tasks(members)
        return [list(range(i, min(i + STACK, len(members)))) for i in range(0, len(members), STACK)]

    @classmethod
    def _fit_task(
        cls,
        group: list[BaseModel],
        X: Any,
        y: np.ndarray,
        val: tuple[Any, np.ndarray] | None,
        *,
        callback: Callback | None = None,
        on_step: Callable[[int, int, Mapping[str, float]], Any] | None = None,
    ) -> None:
        if len(group) == 1 or not group[0]._dense_ok():
            return super()._fit_task(group, X, y, val, callback=callback, on_step=on_step)
        try:
            _fit_stacked(group, X, y, val, callback, on_step)
        except BaseException:
            for m in group:
                m._reset()
            raise

    def _fit_reference(
        self, X: GraphSet, y: np.ndarray, val: tuple[GraphSet, np.ndarray] | None, callback: Callback | None
    ) -> None:
        """The torch_geometric training loop (GPU, edge features; bench/fit.py's old path)."""
        device = torch.device(self.device)
        self.y_mean_ = float(np.mean(y))
        std = float(np.std(y))
        self.y_std_ = std if std > 0 else 1.0
        target = torch.as_tensor((y - self.y_mean_) / self.y_std_, dtype=torch.float32)
        val_target = None
        if val is not None:
            val_target = torch.as_tensor((val[1] - self.y_mean_) / self.y_std_, dtype=torch.float32)
        forked = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=forked), _one_thread():
            torch.manual_seed(int(self.seed))
            shuffle = torch.Generator().manual_seed(int(self.seed))
            net = self._new_net().to(device)
            opt = torch.optim.AdamW(net.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay)
            steps = self.epochs * math.ceil(len(X) / self.batch_size)
            sched = torch.optim.lr_scheduler.LambdaLR(
                opt, lambda s: 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))
            )
            history: list[dict[str, float]] = []
            best, best_state, best_epoch, stale = math.inf, None, self.epochs - 1, 0
            for epoch in range(self.epochs):
                net.train()
                total, count = 0.0, 0
                for idx, batch in iter_batches(X, self.batch_size, shuffle=True, generator=shuffle):
                    if batch.x.shape[0] < 2:  # batch norm needs two nodes
                        continue
                    loss = self._objective(net(batch.to(device)), target[idx].to(device))
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    nn.utils.clip_grad_norm_(net.parameters(), 5.0)
                    opt.step()
                    sched.step()
                    total += float(loss.detach()) * len(idx)
                    count += len(idx)
                info = {"train": total / max(count, 1)}
                if val is not None:
                    pred = self._forward_all(net, val[0], device)
                    info["val"] = float(torch.mean((pred - val_target) ** 2))
                    if info["val"] < best:
                        best, best_epoch, stale = info["val"], epoch, 0
                        best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                    else:
                        stale += 1
                history.append({"epoch": epoch, **info})
                if callback is not None and callback(epoch, dict(info)):
                    if val is None:
                        best_epoch = epoch
                    break
                if val is not None and stale >= self.patience:
                    break
            if val is None:
                best_epoch = history[-1]["epoch"]
            if best_state is not None:
                net.load_state_dict(best_state)
        net.eval()
        self.net_ = net
        self.best_epoch_ = int(best_epoch)
        self.history_ = history

    def _set_trained(self, state: Mapping[str, torch.Tensor], best_epoch: int, history: list[dict]) -> None:
        with torch.random.fork_rng(devices=[]):  # the network's throwaway initialisation draws
            net = self._new_net()
        net.load_state_dict(state, strict=True)
        net.eval()
        self.net_ = net
        self.best_epoch_ = int(best_epoch)
        self.history_ = history

    @staticmethod
    def _forward_all(net: nn.Module, graphs: GraphSet, device: torch.device) -> torch.Tensor:
        was_training = net.training
        net.eval()
        outs = []
        with torch.no_grad():
            for _, batch in iter_batches(graphs, _PREDICT_BATCH):
                outs.append(net(batch.to(device)).cpu())
        net.train(was_training)
        return torch.cat(outs)

    def _predict(self, X: GraphSet | DenseGraphs) -> np.ndarray:
        if isinstance(X, DenseGraphs):
            cached = getattr(self, "_dense", None)
            if cached is None or cached[0] is not self.net_:
                stack = self.stack([self])
                if stack is None:
                    raise ValueError("dense graphs need a CPU GIN without edge features; pass a GraphSet or Batch")
                cached = self._dense = (self.net_, stack)
            return cached[1].predict(X)[0]
        pred = self._forward_all(self.net_, X, next(self.net_.parameters()).device)
        return pred.numpy().astype(np.float64) * self.y_std_ + self.y_mean_

    # -- files -----------------------------------------------------------------------------------

    def _save_state(self, directory: Path) -> dict[str, Any]:
        from safetensors.torch import save_file

        tensors = {k: v.detach().cpu().contiguous() for k, v in self.net_.state_dict().items()}
        save_file(tensors, str(directory / _FILE), metadata={"family": self.family})
        return {
            "file": _FILE,
            "y_mean": self.y_mean_,
            "y_std": self.y_std_,
            "best_epoch": self.best_epoch_,
            "history": self.history_,
        }

    def _load_state(self, directory: Path, state: Mapping[str, Any]) -> None:
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        path = self._state_file(directory, state, _FILE)
        self.y_mean_ = float(state["y_mean"])
        self.y_std_ = float(state["y_std"])
        self.best_epoch_ = int(state.get("best_epoch", -1))
        self.history_ = list(state.get("history", []))
        try:
            tensors = load_file(str(path))
        except (SafetensorError, OSError) as err:
            raise ValueError(f"{path} is not a readable safetensors file ({err}); the saved model is damaged") from None
        net = self._new_net()
        try:
            net.load_state_dict(tensors, strict=True)
        except RuntimeError as err:
            raise ValueError(f"{path} does not match the architecture in model.json: {err}") from None
        net.to(torch.device(self.device)).eval()
        self.net_ = net


def _fit_stacked(
    members: list[GINModel],
    X: GraphSet,
    y: np.ndarray,
    val: tuple[GraphSet, np.ndarray] | None,
    callback: Callback | None,
    on_step: Callable[[int, int, Mapping[str, float]], Any] | None,
) -> None:
    """Train ``members`` (same parameters, own seeds, inputs already checked) as one dense stack."""
    from ._dense_fit import DenseTrainSet, StackedGINTrainer, train_stacked

    first = members[0]
    y_mean = float(np.mean(y))
    std = float(np.std(y))
    y_std = std if std > 0 else 1.0
    target = torch.as_tensor((y - y_mean) / y_std, dtype=torch.float32)
    train = DenseTrainSet.from_graphs(X)
    dense_val = None
    if val is not None:
        dense_val = (DenseTrainSet.from_graphs(val[0]), torch.as_tensor((val[1] - y_mean) / y_std, dtype=torch.float32))
    with torch.random.fork_rng(devices=[]), _one_thread():
        states = []
        for m in members:  # each member's initial weights exactly as the reference loop draws them
            torch.manual_seed(int(m.seed))
            states.append(m._new_net().state_dict())
        trainer = StackedGINTrainer(
            states,
            n_layers=first.n_layers,
            pooling=first.pooling,
            virtual_node=first.virtual_node,
            dropout=float(first.dropout),
        )
        results = train_stacked(
            trainer,
            train,
            target,
            dense_val,
            seeds=[int(m.seed) for m in members],
            epochs=first.epochs,
            batch_size=first.batch_size,
            learning_rate=first.learning_rate,
            weight_decay=first.weight_decay,
            loss=first.loss,
            rank_weight=first.rank_weight,
            rank_margin=first.rank_margin,
            patience=first.patience,
            callback=callback,
            on_step=on_step,
        )
    for m, r in zip(members, results):
        m.y_mean_, m.y_std_ = y_mean, y_std
        m._set_trained(r["state"], r["best_epoch"], r["history"])
