"""Optimizers by their short names, as the CLI spells them."""

from __future__ import annotations

from types import MappingProxyType

from ._base import Optimizer
from ._evolution import RegularizedEvolution
from ._hyperband import Hyperband, SuccessiveHalving
from ._local_search import LocalSearch
from ._random_search import RandomSearch
from ._tpe import TPE

#: Short name -> optimizer class (read-only).
OPTIMIZERS = MappingProxyType({cls.short_name: cls for cls in (RandomSearch, RegularizedEvolution, LocalSearch, TPE)})
#: The multi-fidelity optimizers (they need a benchmark with learning curves, ``bench.epochs``).
MULTI_FIDELITY = MappingProxyType({cls.short_name: cls for cls in (SuccessiveHalving, Hyperband)})


def make_optimizer(short_name: str, /, **params: object) -> Optimizer:
    """An optimizer by short name (``"rs"``, ``"re"``, ``"ls"``, ``"tpe"``; ``"sh"``, ``"hb"`` on a
    benchmark with learning curves) with its defaults,
    overridden by ``params`` (which may include ``seed`` and ``name``).

    Examples
    --------
    >>> make_optimizer("re", population_size=20, sample_size=5)
    RegularizedEvolution(seed=None, population_size=20, sample_size=5)
    """
    try:
        cls = OPTIMIZERS[short_name] if short_name in OPTIMIZERS else MULTI_FIDELITY[short_name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown optimizer {short_name!r}; choose from {', '.join([*OPTIMIZERS, *MULTI_FIDELITY])}"
        ) from None
    return cls(**params)
