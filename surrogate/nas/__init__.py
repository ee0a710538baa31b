"""NAS optimizers that run against a benchmark, with budgets in simulated seconds or queries.

Workflow: pick a :class:`Budget`, run optimizers (:class:`RandomSearch`,
:class:`RegularizedEvolution`, :class:`LocalSearch`, :class:`TPE`; on a benchmark with learning
curves also the multi-fidelity :class:`SuccessiveHalving` and :class:`Hyperband`) on anything with batched
``predict`` and ``predict_runtime`` (:class:`BenchmarkLike`, e.g. ``surrogate.load()``), and read
each run as a :class:`Trajectory`: the noisy accuracy the optimizer saw at each evaluation, its
incumbent, and the incumbent's regret by the noiseless mean. :func:`run_many` repeats runs with
independent seeds; :func:`search` does a whole study and writes JSON, CSV and a plot
(:func:`plot_trajectories`); ``surrogate search`` is its command line. :func:`propose` picks
the architectures an optimizer would train next (``surrogate propose``), for new evaluations.

Examples
--------
>>> from surrogate.nas import Budget, RegularizedEvolution
>>> opt = RegularizedEvolution(population_size=20, sample_size=5, seed=0)
>>> traj = opt.run(bench, Budget(seconds=2e5), noise_seed=0)  # doctest: +SKIP
"""

from ._base import Optimizer
from ._budget import Budget
from ._evaluator import Evaluator
from ._evolution import RegularizedEvolution
from ._hyperband import EpochEvaluator, Hyperband, SuccessiveHalving
from ._io import CSV_COLUMNS, read_json, write_csv, write_json
from ._local_search import LocalSearch
from ._plot import plot_trajectories
from ._proposals import read_proposals, write_proposals
from ._propose import propose
from ._protocol import BenchmarkLike
from ._random_search import RandomSearch
from ._registry import MULTI_FIDELITY, OPTIMIZERS, make_optimizer
from ._run_many import run_many, study_reference
from ._search import DEFAULT_OPTIMIZERS, OptimizerSummary, SearchResult, search, summarise
from ._tpe import TPE
from ._trajectory import Trajectory

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_OPTIMIZERS",
    "MULTI_FIDELITY",
    "OPTIMIZERS",
    "TPE",
    "BenchmarkLike",
    "Budget",
    "EpochEvaluator",
    "Evaluator",
    "Hyperband",
    "LocalSearch",
    "Optimizer",
    "OptimizerSummary",
    "RandomSearch",
    "RegularizedEvolution",
    "SearchResult",
    "SuccessiveHalving",
    "Trajectory",
    "make_optimizer",
    "plot_trajectories",
    "propose",
    "read_proposals",
    "write_proposals",
    "read_json",
    "run_many",
    "search",
    "study_reference",
    "summarise",
    "write_csv",
    "write_json",
]
