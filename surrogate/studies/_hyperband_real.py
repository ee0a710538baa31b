"""Hyperband on real learning curves and on the surrogate's, over the same held-out architectures.

Both runs see the same brackets, drawn from the same pool with the same seed; they differ only in
the curves (and costs) they are shown: the real ones (one seed's run, or the seed mean) or the
benchmark's noisy curves (``predict_curve(with_noise=True, seed=...)``) and ``resume_cost``. Every
choice is then judged by the *real* final accuracy: which architectures each run promotes to the
last rung (their overlap, and Kendall τ between the real and the surrogate's final values over
them), what each run picks, and its anytime regret against the best real final accuracy in the pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["HyperbandComparison", "hyperband_real_vs_surrogate"]


@dataclass
class HyperbandComparison:
    """The two runs, judged by real final accuracy (see the module docstring)."""

    epochs: int
    eta: int
    pool: int
    last_rung: dict[str, list[int]]  # oracle -> pool indices that reached the last epoch
    picks: dict[str, int]  # oracle -> pool index it would report
    regret: dict[str, float]  # best real final in the pool - real final of the pick
    anytime: dict[str, list[tuple[float, float]]]  # oracle -> (seconds, regret of the incumbent)
    kendall_tau_last_rung: float  # real vs surrogate final values over the union of last-rung archs
    overlap_last_rung: float  # |A ∩ B| / |A ∪ B|
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def _run(values: Any, cost: Any, brackets: list, draws: list[np.ndarray], epochs: int, truth: np.ndarray) -> dict:
    """Hyperband over pool indices: ``values(idx, epoch)`` and ``cost(idx, from, to)`` are the oracle's."""
    seconds, best_real, last, anytime = 0.0, -np.inf, [], []
    pick, pick_value = -1, -np.inf
    for rungs, idx in zip(brackets, draws):
        reached = np.zeros(len(idx), dtype=int)
        for i, (_, epoch) in enumerate(rungs):
            seconds += float(np.sum(cost(idx, reached, epoch)))
            v = values(idx, epoch)
            if epoch == epochs:
                last += idx.tolist()
                j = int(np.argmax(v))
                if v[j] > pick_value:
                    pick, pick_value = int(idx[j]), float(v[j])
                    best_real = truth[pick]
                anytime.append((seconds, float(best_real)))
                break
            keep = np.argsort(-v, kind="stable")[: rungs[i + 1][0]]
            idx, reached = idx[keep], np.full(len(keep), epoch)
    return {"last": last, "pick": pick, "anytime": anytime}


def hyperband_real_vs_surrogate(
    dataset: Any, bench: Any, *, eta: int = 3, seed: int = 0, real_seed: int | None = None, repeats: int = 3
) -> HyperbandComparison:
    """Compare Hyperband on ``dataset``'s real curves with Hyperband on ``bench``'s, same brackets.

    ``dataset``: evaluations with a ``val_curve`` column, of architectures ``bench`` was *not* fit on.
    ``real_seed``: use that seed's real run of each architecture (architectures without one are
    left out); default the mean curve over seeds. ``repeats``: Hyperband iterations (brackets are
    drawn afresh each time, from the same generator for both runs).
    """
    from scipy.stats import kendalltau

    from surrogate.curves import CurveTable
    from surrogate.nas import Hyperband

    epochs = bench.epochs
    if not epochs:
        raise ValueError("the benchmark has no learning curves (bench.epochs is None)")
    table = CurveTable(dataset, epochs=epochs, seed=real_seed)
    real, pool, truth = table.means, table.genotypes, table.means[:, -1]
    train_time = table.arch_mean(dataset.column("train_time")[table.rows])

    sur_curves = np.asarray(bench.predict_curve(pool, with_noise=True, seed=seed), dtype=float)
    if sur_curves.ndim == 1:
        sur_curves = sur_curves[None, :]
    sur_cum = np.concatenate([np.zeros((len(pool), 1)), np.asarray(bench.elapsed_time(pool), dtype=float)], axis=1)
    real_cum = np.concatenate(
        [np.zeros((len(pool), 1)), np.cumsum(np.repeat(train_time[:, None] / epochs, epochs, 1), 1)], axis=1
    )

    def oracle(curve: np.ndarray, cum: np.ndarray):
        return (lambda idx, k: curve[idx, k - 1], lambda idx, start, k: cum[idx, k] - cum[idx, start])

    plan = Hyperband(eta=eta).brackets(epochs)
    rng = np.random.default_rng(seed)
    brackets, draws = [], []
    for _ in range(repeats):
        for rungs in plan:
            brackets.append(rungs)
            draws.append(rng.choice(len(pool), size=min(rungs[0][0], len(pool)), replace=False))
    runs = {
        "real": _run(*oracle(real, real_cum), brackets, draws, epochs, truth),
        "surrogate": _run(*oracle(sur_curves, sur_cum), brackets, draws, epochs, truth),
    }
    best = float(truth.max())
    union = sorted(set(runs["real"]["last"]) | set(runs["surrogate"]["last"]))
    inter = set(runs["real"]["last"]) & set(runs["surrogate"]["last"])
    tau = float(kendalltau(truth[union], sur_curves[union, -1])[0]) if len(union) > 1 else float("nan")
    return HyperbandComparison(
        epochs=epochs,
        eta=eta,
        pool=len(pool),
        last_rung={k: sorted(set(v["last"])) for k, v in runs.items()},
        picks={k: v["pick"] for k, v in runs.items()},
        regret={k: best - float(truth[v["pick"]]) for k, v in runs.items()},
        anytime={k: [(t, best - r) for t, r in v["anytime"]] for k, v in runs.items()},
        kendall_tau_last_rung=tau,
        overlap_last_rung=len(inter) / len(union) if union else float("nan"),
        info={
            "real": "seed mean" if real_seed is None else f"seed {real_seed}",
            "surrogate_seed": seed,
            "repeats": repeats,
            "brackets": [[list(r) for r in b] for b in plan],
        },
    )
