"""Helpers that write result files in the official NAS-Bench-301 format, from code.

The targets are synthetic (drawn from a seeded generator): they exercise the readers only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from surrogate.space import Genotype, sample

# A few of the ~22 training hyperparameters that official configs carry beside the architecture.
HYPERPARAMETERS = {
    "CreateImageDataLoader:batch_size": 96,
    "ImageAugmentation:augment": "True",
    "ImageAugmentation:cutout": "True",
    "ImageAugmentation:cutout_holes": 1,
    "ImageAugmentation:autoaugment": "False",
    "LossModuleSelectorIndices:loss_module": "cross_entropy",
    "NetworkSelectorDatasetInfo:darts:init_channels": 32,
    "NetworkSelectorDatasetInfo:darts:layers": 8,
    "NetworkSelectorDatasetInfo:network": "darts",
    "OptimizerSelector:optimizer": "sgd",
    "OptimizerSelector:sgd:learning_rate": 0.025,
    "OptimizerSelector:sgd:momentum": 0.9,
    "OptimizerSelector:sgd:weight_decay": 0.0003,
    "SimpleLearningrateSchedulerSelector:cosine_annealing:T_max": 100,
    "SimpleTrainNode:batch_loss_computation_technique": "mixup",
    "SimpleTrainNode:mixup:alpha": 0.2,
}


def official_result(
    genotype: Genotype,
    val_accuracy: float,
    test_accuracy: float,
    runtime: float,
    params: int = 1_000_000,
    epochs: int = 100,
    curves: bool = True,
) -> dict:
    """One result dict shaped like a file of the official release (no seed, fidelity, flops)."""
    result = {
        "optimized_hyperparamater_config": {**HYPERPARAMETERS, **genotype.to_config()},
        "budget": epochs,
        "runtime": runtime,
        "test_accuracy": test_accuracy,
        "info": [
            {
                "train_loss": 0.1,
                "train_accuracy": 97.5,
                "val_accuracy": val_accuracy,
                "model_parameters": params,
                "epochs": epochs,
            }
        ],
    }
    if curves:
        result["learning_curves"] = {
            "Train/train_accuracy": list(np.linspace(10, 97.5, 5)),
            "Train/val_accuracy": list(np.linspace(10, val_accuracy, 5)),
        }
    return result


@dataclass
class Written:
    """One file written into a fixture tree and what it holds."""

    path: Path
    key: str  # "<optimizer>/<file>"
    genotype: Genotype
    result: dict


def write_json(path: Path, obj: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))
    return path


NORMAL = [
    ("sep_conv_3x3", 0),
    ("sep_conv_5x5", 1),
    ("dil_conv_3x3", 0),
    ("skip_connect", 2),
    ("max_pool_3x3", 1),
    ("avg_pool_3x3", 3),
    ("sep_conv_3x3", 2),
    ("dil_conv_5x5", 0),
]
#: The same cell with nodes 4 and 5 relabelled and the two inputs of each node listed the other way.
NORMAL_RELABELLED = [
    ("sep_conv_5x5", 1),
    ("sep_conv_3x3", 0),
    ("skip_connect", 2),
    ("dil_conv_3x3", 0),
    ("dil_conv_5x5", 0),
    ("sep_conv_3x3", 2),
    ("avg_pool_3x3", 3),
    ("max_pool_3x3", 1),
]
REDUCE = [("max_pool_3x3", 0), ("max_pool_3x3", 1)] * 4


def build_tree(root: Path, counts: dict[str, int], ti: int = 0, seed: int = 0) -> list[Written]:
    """Write an official-format tree under ``root``.

    Each optimizer folder gets ``n`` files ``results_<i>.json`` with distinct sampled
    architectures; its last ``ti`` files are named ``results_<i>_ti.json``.
    """
    rng = np.random.default_rng(seed)
    genotypes = iter(sample(sum(counts.values()), rng=rng))
    written = []
    for opt, n in counts.items():
        for i in range(n):
            g = next(genotypes)
            name = f"results_{i}_ti.json" if i >= n - ti else f"results_{i}.json"
            result = official_result(
                g,
                val_accuracy=float(rng.uniform(80, 95)),
                test_accuracy=float(rng.uniform(80, 95)),
                runtime=float(rng.uniform(1000, 5000)),
                params=int(rng.integers(500_000, 2_000_000)),
            )
            path = write_json(root / opt / name, result)
            written.append(Written(path, f"{opt}/{name}", g, result))
    return written
