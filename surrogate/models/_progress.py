"""What an ensemble fit shows while it runs: an estimate of its time before it starts, a bar over
the members' epochs (or boosting rounds) and one for the member that last reported.

The estimate comes from a short timed warm-up on the real data, one thread, as the members
will train: for the GIN a few training steps of one stack (the cost of a member-graph, times
the training rows, the epochs, the members, over the workers; validation passes added), for
the boosters two short fits of 5 and 15 rounds (the cost of a round and of building the
dataset). It is an upper bound for the iterative families: early stopping usually ends sooner.
The warm-up costs well under a second on 1,000 rows and a few seconds on 60,000.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

__all__ = ["FitProgress", "estimate_fit_seconds", "format_seconds"]


def format_seconds(s: float) -> str:
    """``42 s``, ``3.5 min``, ``1.2 h``."""
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


def _gin_warmup(member: Any, X: Any, y: Any) -> float:
    """Seconds per member-graph of a dense training step (one stack, one thread)."""
    import torch

    from ._dense_fit import DenseTrainSet, StackedGINTrainer, member_losses
    from .gin import STACK, _one_thread

    n = min(len(X), member.batch_size * 4)
    train = DenseTrainSet.from_graphs(X[:n])
    target = torch.as_tensor(y[:n], dtype=torch.float32)
    with torch.random.fork_rng(devices=[]), _one_thread():
        states = []
        for s in range(STACK):
            torch.manual_seed(s)
            states.append(member._new_net().state_dict())
        trainer = StackedGINTrainer(
            states,
            n_layers=member.n_layers,
            pooling=member.pooling,
            virtual_node=member.virtual_node,
            dropout=float(member.dropout),
        )
        b = min(member.batch_size, n)
        idx = torch.stack([torch.randperm(n, generator=torch.Generator().manual_seed(s))[:b] for s in range(STACK)])
        times = []
        for _ in range(4):
            t = time.perf_counter()
            x, adj_t, mask = train.gather(idx)
            losses = member_losses(trainer.forward(x, adj_t, mask, training=True), target[idx], "mse", 0.0, 0.1)
            trainer.step(losses.sum(), 1e-4, 0.0)
            times.append(time.perf_counter() - t)
    return min(times[1:]) / (b * STACK)


def _booster_warmup(member: Any, X: Any, y: Any) -> tuple[float, float]:
    """(seconds of setup, seconds per round) of one member on one thread."""
    from ._threads import fit_threads

    spent = []
    for rounds in (5, 15):
        m = member.clone(n_estimators=rounds)
        with fit_threads(1):
            t = time.perf_counter()
            m.fit(X, y)
            spent.append(time.perf_counter() - t)
    per_round = max(spent[1] - spent[0], 0.0) / 10
    return max(spent[0] - 5 * per_round, 0.0), per_round


def estimate_fit_seconds(members: list[Any], X: Any, y: Any, n_val: int, workers: int) -> tuple[float, str] | None:
    """``(seconds, how)``: an upper bound on the fit of ``members`` (prepared inputs), or
    ``None`` for a family without a warm-up (RF, kNN: one-shot fits)."""
    first = members[0]
    n, m = len(y), len(members)
    if first.family == "gin" and first._dense_ok():
        per = _gin_warmup(first, X, y)
        from .gin import STACK

        rounds = math.ceil(math.ceil(m / STACK) / workers)  # stacks one worker trains in turn
        seconds = per * first.epochs * (n + n_val / 3) * min(m, STACK) * rounds  # validation: forward only
        return seconds, (
            f"{m} members x at most {first.epochs} epochs x {n:,} rows at "
            f"{1 / per:,.0f} member-graphs/s on {workers} worker(s)"
        )
    if first.family in ("xgb", "lgb"):
        setup, per_round = _booster_warmup(first, X, y)
        rounds_per_worker = math.ceil(m / workers)
        seconds = rounds_per_worker * (setup + per_round * first.n_estimators)
        return seconds, (
            f"{m} members x at most {first.n_estimators} rounds at {per_round * 1e3:.1f} ms a round "
            f"on {workers} worker(s)"
        )
    return None


class FitProgress:
    """tqdm bars (stderr) for an ensemble fit: one over all member-steps (epochs or rounds; a
    member that stops early completes its share), one for the member that last reported."""

    def __init__(self, family: str, n_members: int, steps: int, unit: str) -> None:
        from tqdm.auto import tqdm

        self.steps, self.n_members = steps, n_members
        self.seen: dict[int, int] = {}
        self.finished: set[int] = set()
        self.total = tqdm(
            total=n_members * steps,
            desc=f"fitting {family} x{n_members}",
            unit=f"member-{unit}",
            position=0,
            dynamic_ncols=True,
        )
        self.member = tqdm(total=steps, desc="  member", unit=unit, position=1, leave=False, dynamic_ncols=True)
        self.current = -1

    def _advance(self) -> None:
        done = sum(self.seen.values()) + sum(self.steps - self.seen.get(i, 0) for i in self.finished)
        self.total.update(min(done, self.total.total) - self.total.n)
        self.total.set_postfix_str(f"{len(self.finished)}/{self.n_members} members done", refresh=False)

    def on_step(self, member: int, step: int, info: Mapping[str, float]) -> None:
        self.seen[member] = max(self.seen.get(member, 0), step + 1)
        if member != self.current:
            self.member.reset()
            self.member.set_description_str(f"  member {member}")
            self.current = member
        self.member.update(step + 1 - self.member.n)
        if "val" in info:
            self.member.set_postfix_str(f"val loss {info['val']:.4g}", refresh=False)
        self._advance()

    def on_done(self, member: int) -> None:
        self.finished.add(member)
        self._advance()

    def close(self) -> None:
        self.member.close()
        self.total.close()
