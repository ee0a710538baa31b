"""TPE (tree-structured Parzen estimator) through Optuna's :class:`~optuna.samplers.TPESampler`.

A space becomes categorical parameters (:meth:`surrogate.spaces.Space.categorical_params`). The
DARTS space becomes 24 of them: for each cell (normal, reduce) and each
intermediate node k = 2..5, which pair of inputs it reads (``"{cell}_n{k}_inputs"``, e.g.
``"0-2"``; node 2 has only ``"0-1"``) and the op on the lower and the higher input of that pair
(``"{cell}_n{k}_op_lo"``, ``"{cell}_n{k}_op_hi"``). Every value of these parameters is one
valid Genotype and every Genotype (with each node's pair ordered by input) is one value.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from surrogate.space import Genotype
from surrogate.spaces import Space, get_space

from ._base import Optimizer
from ._evaluator import Evaluator


def search_space(space: Space | None = None) -> dict[str, object]:
    """``space`` (default DARTS) as Optuna distributions (a new dict of ``CategoricalDistribution``)."""
    from optuna.distributions import CategoricalDistribution

    space = get_space("darts") if space is None else space
    return {name: CategoricalDistribution(choices) for name, choices in space.categorical_params().items()}


def params_to_genotype(params: dict[str, object]) -> Genotype:
    """The Genotype that a full set of :func:`search_space` parameter values stands for."""
    return get_space("darts").from_categorical(params)


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
    """Optuna's TPE sampler on the categorical encoding of the benchmark's space (module docstring).

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

        space = evaluator.space
        distributions = search_space(space)
        with _quiet_optuna():
            sampler = optuna.samplers.TPESampler(
                n_startup_trials=self.n_startup_trials,
                multivariate=self.multivariate,
                seed=int(rng.integers(2**32 - 1)),
            )
            study = optuna.create_study(direction="maximize", sampler=sampler)
            while not evaluator.exhausted:
                trial = study.ask(distributions)
                got = evaluator.evaluate([space.from_categorical(trial.params)])
                if not got.size:
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    break
                study.tell(trial, float(got[0]))
