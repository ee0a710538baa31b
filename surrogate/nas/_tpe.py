"""TPE (tree-structured Parzen estimator) through Optuna's :class:`~optuna.samplers.TPESampler`.

The DARTS space becomes 24 categorical parameters: for each cell (normal, reduce) and each
intermediate node k = 2..5, which pair of inputs it reads (``"{cell}_n{k}_inputs"``, e.g.
``"0-2"``; node 2 has only ``"0-1"``) and the op on the lower and the higher input of that pair
(``"{cell}_n{k}_op_lo"``, ``"{cell}_n{k}_op_hi"``). Every value of these parameters is one
valid Genotype and every Genotype (with each node's pair ordered by input) is one value.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import combinations

import numpy as np

from surrogate.space import OPS, Genotype

from ._base import Optimizer
from ._evaluator import Evaluator

_CELLS = ("normal", "reduce")
_NODES = (2, 3, 4, 5)
_PAIRS = {k: [f"{a}-{b}" for a, b in combinations(range(k), 2)] for k in _NODES}


def search_space() -> dict[str, object]:
    """The DARTS space as Optuna distributions (a new dict of ``CategoricalDistribution``)."""
    from optuna.distributions import CategoricalDistribution

    space: dict[str, object] = {}
    for cell in _CELLS:
        for k in _NODES:
            space[f"{cell}_n{k}_inputs"] = CategoricalDistribution(_PAIRS[k])
            space[f"{cell}_n{k}_op_lo"] = CategoricalDistribution(OPS)
            space[f"{cell}_n{k}_op_hi"] = CategoricalDistribution(OPS)
    return space


def params_to_genotype(params: dict[str, object]) -> Genotype:
    """The Genotype that a full set of :func:`search_space` parameter values stands for."""
    cells = []
    for cell in _CELLS:
        pairs = []
        for k in _NODES:
            lo, hi = (int(v) for v in str(params[f"{cell}_n{k}_inputs"]).split("-"))
            pairs += [(params[f"{cell}_n{k}_op_lo"], lo), (params[f"{cell}_n{k}_op_hi"], hi)]
        cells.append(pairs)
    return Genotype(normal=cells[0], reduce=cells[1])


@contextmanager
def _quiet_optuna() -> Iterator[None]:
    """Silence Optuna's per-trial INFO logs and experimental warnings, restoring them after."""
    import optuna

    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            yield
    finally:
        optuna.logging.set_verbosity(before)


class TPE(Optimizer):
    """Optuna's TPE sampler on the categorical encoding of the DARTS space (module docstring).

    Each run uses its own in-memory Optuna study, maximising the observed accuracy, with the
    sampler seeded from the optimizer's generator. Trials are asked and told one at a time.

    Parameters
    ----------
    n_startup_trials : int, default 10
        Random trials before TPE starts modelling.
    multivariate : bool, default False
        Use Optuna's multivariate TPE (models parameters jointly; slower).
    seed, name
        See :class:`Optimizer`.

    Examples
    --------
    >>> TPE(seed=0)
    TPE(seed=0, n_startup_trials=10, multivariate=False)
    """

    short_name = "tpe"
    label = "TPE (Optuna)"

    def __init__(
        self, n_startup_trials: int = 10, multivariate: bool = False, *, seed=None, name: str | None = None
    ) -> None:
        super().__init__(seed=seed, name=name)
        n = n_startup_trials
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n_startup_trials must be a non-negative int, got {n!r}")
        self.n_startup_trials = int(n)
        self.multivariate = bool(multivariate)

    def _search(self, evaluator: Evaluator, rng: np.random.Generator) -> None:
        import optuna

        space = search_space()
        with _quiet_optuna():
            sampler = optuna.samplers.TPESampler(
                n_startup_trials=self.n_startup_trials,
                multivariate=self.multivariate,
                seed=int(rng.integers(2**32 - 1)),
            )
            study = optuna.create_study(direction="maximize", sampler=sampler)
            while not evaluator.exhausted:
                trial = study.ask(space)
                got = evaluator.evaluate([params_to_genotype(trial.params)])
                if not got.size:
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    break
                study.tell(trial, float(got[0]))
