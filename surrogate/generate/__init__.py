"""Real evaluations: DARTS networks trained on Fashion-MNIST, written as NB301-format result files.

Workflow: :func:`load_fidelity` picks how cheaply to train, :func:`uniform_archs` and
:func:`plan_jobs` say what to train, :func:`run_jobs` trains it in worker processes, writing one
result file per evaluation (atomically, resumable). :func:`pilot_summary` measures a fidelity's
intraclass correlation (ICC) from multi-seed results. Importing this package imports torch.
"""

from ._fidelity import CONFIG_DIR, Fidelity, load_fidelity
from ._images import ImageSplits, load_fashion_mnist, read_idx
from ._network import Network, count_flops, count_params
from ._pilot import choose as choose_fidelity
from ._pilot import icc1, icc1_bootstrap, reliability, seed_reliability, seeds_needed
from ._pilot import summarise as pilot_summary
from ._plan import SAMPLERS, plan_jobs, sampled_archs, uniform_archs
from ._results import Job, done_keys, pending, same_fidelity
from ._runner import RunSummary, run_jobs
from ._train import prepare_tensors, train_and_evaluate

__all__ = [
    "CONFIG_DIR",
    "SAMPLERS",
    "Fidelity",
    "ImageSplits",
    "Job",
    "Network",
    "RunSummary",
    "choose_fidelity",
    "count_flops",
    "count_params",
    "done_keys",
    "icc1",
    "icc1_bootstrap",
    "load_fashion_mnist",
    "load_fidelity",
    "pending",
    "pilot_summary",
    "plan_jobs",
    "prepare_tensors",
    "read_idx",
    "reliability",
    "run_jobs",
    "same_fidelity",
    "sampled_archs",
    "seed_reliability",
    "seeds_needed",
    "train_and_evaluate",
    "uniform_archs",
]
