"""Independent repeats of several optimizers on one benchmark, with a shared regret reference."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from tqdm.auto import tqdm

from ._base import Optimizer
from ._budget import Budget
from ._protocol import BenchmarkLike
from ._registry import make_optimizer
from ._trajectory import Trajectory


def resolve_optimizers(optimizers: Sequence[str | Optimizer]) -> list[Optimizer]:
    """Turn short names into default optimizers; check that the names are distinct."""
    if isinstance(optimizers, (str, Optimizer)):
        optimizers = [optimizers]
    out = [make_optimizer(o) if isinstance(o, str) else o for o in optimizers]
    for o in out:
        if not isinstance(o, Optimizer):
            raise ValueError(f"expected an optimizer name or a surrogate.nas.Optimizer, got {o!r}")
    if not out:
        raise ValueError("give at least one optimizer (e.g. 'rs', 're', 'ls', 'tpe')")
    names = [o.name for o in out]
    if len(set(names)) < len(names):
        raise ValueError(
            f"optimizer names must be distinct, got {names}; pass name=... to tell apart two settings of one optimizer"
        )
    return out


def study_reference(trajectories: Sequence[Trajectory], reference: float | None = None) -> float:
    """The regret reference: ``reference`` if given, else the best noiseless mean evaluated in any
    of ``trajectories`` (NaN when none evaluated anything)."""
    if reference is not None:
        ref = float(reference)
        if not math.isfinite(ref):
            raise ValueError(f"reference must be a finite accuracy, got {reference!r}")
        return ref
    means = [t.mean.max() for t in trajectories if len(t)]
    return float(max(means)) if means else math.nan


def run_many(
    bench: BenchmarkLike,
    optimizers: Sequence[str | Optimizer],
    repeats: int,
    budget: Budget,
    seed: int | None = 0,
    *,
    reference: float | None = None,
    progress: bool = True,
) -> list[Trajectory]:
    """Run every optimizer ``repeats`` times, each repeat with independent seeds.

    Repeat ``r`` gets the ``r``-th child of ``SeedSequence(seed).spawn(repeats)``, which it
    splits into a noise seed and an optimizer seed. Within a repeat all optimizers share both
    (common random numbers): they observe the same noisy draw for the same architecture, and
    adding an optimizer to a study does not change the others' trajectories.

    Parameters
    ----------
    bench : BenchmarkLike
        The benchmark.
    optimizers : sequence of str or Optimizer
        Short names (``"rs"``, ``"re"``, ``"ls"``, ``"tpe"``, with default settings) or
        configured optimizers (their own ``seed`` is replaced per repeat).
    repeats : int
        Independent runs per optimizer.
    budget : Budget
        Limit of each run.
    seed : int or None, default 0
        Root seed of the study.
    reference : float, optional
        Regret reference; default: the best noiseless mean evaluated in any run of the study.
    progress : bool, default True
        Show a tqdm progress bar over runs.

    Returns
    -------
    list of Trajectory
        Optimizer-major (all repeats of the first optimizer, then the next), with the reference
        set.

    Examples
    --------
    >>> from surrogate.nas import Budget, run_many
    >>> trajs = run_many(bench, ["rs", "re"], repeats=3, budget=Budget(queries=50))  # doctest: +SKIP
    """
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ValueError(f"repeats must be a positive int, got {repeats!r}")
    if not isinstance(budget, Budget):
        raise ValueError(f"budget must be a surrogate.nas.Budget, got {budget!r}")
    opts = resolve_optimizers(optimizers)
    seeds = []
    for child in np.random.SeedSequence(seed).spawn(int(repeats)):
        noise_ss, opt_ss = child.spawn(2)
        seeds.append((int(noise_ss.generate_state(1)[0]), opt_ss))
    runs: list[Trajectory] = []
    with tqdm(total=len(opts) * len(seeds), desc="NAS runs", unit="run", disable=not progress) as bar:
        for opt in opts:
            bar.set_postfix_str(opt.name)
            for r, (noise_seed, opt_ss) in enumerate(seeds):
                runs.append(opt.with_seed(opt_ss).run(bench, budget, noise_seed=noise_seed, repeat=r))
                bar.update()
    ref = study_reference(runs, reference)
    return [t.with_reference(ref) for t in runs]
