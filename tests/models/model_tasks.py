"""Synthetic tasks for the model tests: a smooth function of a float matrix, and a function of
small random graphs. Synthetic targets live here, in the tests, and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Small, fast parameters per family; every test of the suite runs with these.
FAST_PARAMS: dict[str, dict[str, Any]] = {
    "xgb": {"n_estimators": 80, "max_depth": 4, "learning_rate": 0.1, "n_jobs": 1},
    "lgb": {"n_estimators": 80, "learning_rate": 0.1, "num_leaves": 15, "min_child_samples": 5, "n_jobs": 1},
    "rf": {"n_estimators": 20, "n_jobs": 1},
    "knn": {"n_neighbors": 5, "n_jobs": 1},
    "gin": {"hidden_dim": 16, "n_layers": 2, "epochs": 25, "batch_size": 32, "learning_rate": 0.01, "patience": 10},
}
FAMILIES = list(FAST_PARAMS)


def matrix_task(n: int, d: int = 6, seed: int = 0, noise: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """``y = sin(3 x0) + x1 x2 + 0.5 x3 + noise``; the other columns are distractors."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, d), dtype=np.float32)
    y = np.sin(3 * X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * X[:, 3] + noise * rng.standard_normal(n)
    return X, y


def graph_task(n: int, seed: int = 0, node_types: int = 4, edge_attr: bool = False) -> tuple[list, np.ndarray]:
    """Random DAGs of 6-12 nodes with one-hot node types; the target counts type-weighted nodes
    plus edges from type 0 into type 1 (so structure, not just node counts, matters)."""
    import torch
    from torch_geometric.data import Data

    torch.set_num_threads(1)  # the test machine is small and shared
    rng = np.random.default_rng(seed)
    weights = np.linspace(-1.0, 1.0, node_types)
    graphs, ys = [], []
    for _ in range(n):
        k = int(rng.integers(6, 13))
        types = rng.integers(0, node_types, k)
        src, dst = [], []
        for v in range(1, k):
            for u in rng.choice(v, size=min(2, v), replace=False):
                src.append(int(u))
                dst.append(v)
        pairs = sum(1 for u, v in zip(src, dst) if types[u] == 0 and types[v] == 1)
        ys.append(0.3 * weights[types].sum() + 0.8 * pairs)
        g = Data(
            x=torch.tensor(np.eye(node_types, dtype=np.float32)[types]),
            edge_index=torch.tensor([src, dst], dtype=torch.int64),
        )
        if edge_attr:
            g.edge_attr = torch.tensor(rng.random((len(src), 2), dtype=np.float32))
        graphs.append(g)
    return graphs, np.asarray(ys)


@dataclass
class Task:
    """A family with its fast parameters and train/val/test data."""

    family: str
    params: dict[str, Any]
    train: tuple[Any, np.ndarray]
    val: tuple[Any, np.ndarray]
    test: tuple[Any, np.ndarray]
    other: tuple[Any, np.ndarray] = field(default=None)  # different input dims, for refits


def _split(X: Any, y: np.ndarray, a: int, b: int) -> tuple[tuple, tuple, tuple]:
    return (X[:a], y[:a]), (X[a:b], y[a:b]), (X[b:], y[b:])


def make_task(family: str) -> Task:
    if family == "gin":
        graphs, y = graph_task(400, seed=0)
        train, val, test = _split(graphs, y, 280, 340)
        other = graph_task(120, seed=1, node_types=5, edge_attr=True)
    else:
        X, y = matrix_task(600, seed=0)
        train, val, test = _split(X, y, 400, 500)
        other = matrix_task(200, d=9, seed=1)
    return Task(family, dict(FAST_PARAMS[family]), train, val, test, other)
