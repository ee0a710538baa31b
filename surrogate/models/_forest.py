"""Every LightGBM member of an ensemble predicted at once by one compiled loop (issue 12).

LightGBM's own predictor costs 40-60 ns per tree and row on the shipped members (10 members of
~150 trees with 4 leaves: ~60-90 us per architecture), more than the whole rest of a query.
:class:`ForestStack` holds the members' trees as flat arrays and predicts with
:func:`surrogate.models._forest_kernel.predict_forest` (numba): shallow trees as perfect binary
trees whose comparisons are all made first, on a feature-major block of 64 rows (vectorised,
no dependent loads), deep ones level by level over the block. Measured on the shipped default,
one thread: 6-7 ns per tree and row (``bench/predict.py``).

The predictions equal LightGBM's bit for bit (tests compare them): every comparison is exact
and each member's leaves are summed in tree order from 0.0 in float64, as LightGBM sums them.
A float32 feature ``x`` satisfies ``x <= t`` for a float64 threshold ``t`` exactly when
``x <= t32``, ``t32`` the largest float32 not above ``t``, so the loop compares float32 values.

Nothing here is compiled per model: the loop is one function that numba compiles once and
caches itself (see the kernel module), the trees are data read from LightGBM's own model text
(no pickle, no compiled file per model). The stack falls back to LightGBM's predictor, member by
member, where numba cannot be imported or its JIT is disabled (``NUMBA_DISABLE_JIT``), where a
tree needs what the loop does not do (a missing-value rule, a categorical or linear tree, an
objective with an output transform), and where ``SURROGATE_TREE_KERNEL=0`` asks for it (read at
every call, so a benchmark can compare the two in one process).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._threads import current_threads, thread_count

__all__ = ["ENV_VAR", "ForestStack", "float32_thresholds", "kernel_enabled"]

#: ``0``/``off``/``false``: LightGBM's own predictor instead of the compiled loop.
ENV_VAR = "SURROGATE_TREE_KERNEL"
#: Below this many rows one thread (as for the boosters themselves).
SMALL_BATCH = 2048
#: Objectives whose prediction is the raw sum of the trees.
_IDENTITY_OBJECTIVES = ("regression", "regression_l1", "huber", "fair", "quantile", "mape")
#: Trees at most this deep are evaluated as perfect binary trees from a bit mask of all their
#: comparisons (no dependent loads); deeper ones walk their own nodes level by level.
MASK_DEPTH = 4
#: Rows per block of the loop: their features are copied to a feature-major block first.
BLOCK = 64
_kernel: Any = None


def kernel_enabled() -> bool:
    """Whether the compiled loop may be used: ``SURROGATE_TREE_KERNEL`` is not off and numba
    imports with its JIT on."""
    if os.environ.get(ENV_VAR, "").strip().lower() in ("0", "off", "false", "no"):
        return False
    return _load_kernel() is not None


def _load_kernel() -> Any:
    global _kernel
    if _kernel is None:
        try:
            import numba

            if numba.config.DISABLE_JIT:
                raise ImportError("numba's JIT is disabled")
            from . import _forest_kernel
        except ImportError:
            _kernel = False
        else:
            _kernel = _forest_kernel
    return _kernel or None


def float32_thresholds(thr: np.ndarray) -> np.ndarray:
    """Each float64 threshold as the largest float32 not above it (module docstring)."""
    t32 = np.asarray(thr, dtype=np.float64).astype(np.float32)
    over = t32.astype(np.float64) > thr
    t32[over] = np.nextafter(t32[over], np.float32(-np.inf))
    return t32


class _Unsupported(ValueError):
    pass


def _trees(text: str) -> list[dict[str, str]]:
    """The tree blocks of a LightGBM model text as ``{field: value}``; refuses what the loop
    does not evaluate like LightGBM."""
    header, _, rest = text.partition("\nTree=")
    fields = dict(line.split("=", 1) for line in header.splitlines() if "=" in line)
    objective = fields.get("objective", "").split(" ")[0]
    if objective not in _IDENTITY_OBJECTIVES or fields.get("num_tree_per_iteration", "1") != "1":
        raise _Unsupported(f"objective {objective!r}")
    if "average_output" in header.splitlines():
        raise _Unsupported("average_output (random forest mode)")
    body = rest.split("\nend of trees", 1)[0]
    trees = []
    for block in body.split("\nTree="):
        tree = dict(line.split("=", 1) for line in block.splitlines()[1:] if "=" in line)
        if tree.get("num_cat", "0") != "0" or tree.get("is_linear", "0") != "0":
            raise _Unsupported("categorical or linear trees")
        trees.append(tree)
    return trees


def _ints(tree: dict[str, str], key: str) -> list[int]:
    return [int(v) for v in tree[key].split()]


def _depth(left: list[int], right: list[int]) -> int:
    deepest, stack = 0, [(0, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        for child in (left[node], right[node]):
            if child >= 0:
                stack.append((child, d + 1))
    return deepest


class ForestStack:
    """The members' trees as flat arrays (one row of trees per member); ``predict`` gives the
    ``(n_members, n)`` predictions. Build with :meth:`from_texts` or :meth:`from_boosters`."""

    def __init__(self, arrays: dict[str, np.ndarray], boosters: Sequence[Any], n_jobs: Sequence[int | None]) -> None:
        self.arrays = arrays
        self.boosters = list(boosters)
        self.n_jobs = [j for j in n_jobs if j is not None]

    @classmethod
    def from_boosters(cls, boosters: Sequence[Any], n_jobs: Sequence[int | None] = ()) -> ForestStack | None:
        """The stack of LightGBM boosters, or ``None`` where a tree needs what the loop lacks."""
        try:
            arrays = cls._arrays([b.model_to_string() for b in boosters])
        except _Unsupported:
            return None
        return cls(arrays, boosters, n_jobs)

    @staticmethod
    def _arrays(texts: Sequence[str]) -> dict[str, np.ndarray]:
        feat: list[int] = []
        thr: list[float] = []
        left: list[int] = []
        right: list[int] = []
        value: list[float] = []
        base, depth, lbase, starts = [], [], [], [0]
        for text in texts:
            for tree in _trees(text):
                leaves = int(tree["num_leaves"])
                values = [float(v) for v in tree["leaf_value"].split()]
                base.append(len(feat))
                lbase.append(len(value))
                if leaves == 1:
                    depth.append(0)
                    value.append(values[0])
                    continue
                if any(d & 0b1100 for d in _ints(tree, "decision_type")):  # a missing-value rule
                    raise _Unsupported("missing-value splits")
                sf, lc, rc = _ints(tree, "split_feature"), _ints(tree, "left_child"), _ints(tree, "right_child")
                th = [float(v) for v in tree["threshold"].split()]
                d = _depth(lc, rc)
                depth.append(d)
                if d <= MASK_DEPTH:  # perfect tree in heap order; a shallow leaf is padded with
                    n_int = (1 << d) - 1  # comparisons that always go left (threshold +inf)
                    nf, nt, nv = [0] * n_int, [math.inf] * n_int, [0.0] * (n_int + 1)
                    stack = [(0, 0, 0)]  # (LightGBM node, heap position, depth)
                    while stack:
                        node, pos, k = stack.pop()
                        if node >= 0:
                            nf[pos], nt[pos] = sf[node], th[node]
                            stack += [(lc[node], 2 * pos + 1, k + 1), (rc[node], 2 * pos + 2, k + 1)]
                        else:
                            first = last = pos
                            for _ in range(d - k):
                                first, last = 2 * first + 1, 2 * last + 2
                            for p in range(first, last + 1):
                                nv[p - n_int] = values[~node]
                    feat += nf
                    thr += nt
                    left += [0] * n_int
                    right += [0] * n_int
                    value += nv
                else:  # internal nodes 0..L-2, leaf k at L-1+k, pointing at itself
                    n_int = leaves - 1

                    def at(c: int, n_int: int = n_int) -> int:
                        return c if c >= 0 else n_int + ~c

                    feat += sf + [0] * leaves
                    thr += th + [math.inf] * leaves
                    left += [at(c) for c in lc] + list(range(n_int, n_int + leaves))
                    right += [at(c) for c in rc] + list(range(n_int, n_int + leaves))
                    value += [0.0] * n_int + values
            starts.append(len(base))
        return {
            "feat": np.asarray(feat, dtype=np.int64),
            "thr": float32_thresholds(np.asarray(thr, dtype=np.float64)),
            "left": np.asarray(left, dtype=np.int64),
            "right": np.asarray(right, dtype=np.int64),
            "value": np.asarray(value, dtype=np.float64),
            "base": np.asarray(base, dtype=np.int64),
            "depth": np.asarray(depth, dtype=np.int64),
            "lbase": np.asarray(lbase, dtype=np.int64),
            "starts": np.asarray(starts, dtype=np.int64),
        }

    @property
    def n_trees(self) -> int:
        return int(self.arrays["base"].shape[0])

    def _threads(self, n: int) -> int:
        """The query's threads (:func:`~surrogate.models._threads.query_threads`), else one for a
        small batch and the cores for a large one; capped by the members' ``n_jobs``."""
        chosen = current_threads()
        if chosen is None:
            chosen = 1 if n < SMALL_BATCH else thread_count(n)
        if self.n_jobs:
            chosen = min(chosen, min(self.n_jobs))
        return max(1, min(chosen, -(-n // SMALL_BATCH)))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """``(n_members, n)`` float64 predictions of a prepared (C-contiguous float32) matrix,
        equal to each booster's ``predict`` bit for bit; LightGBM's own where the loop is off."""
        threads = self._threads(X.shape[0])
        if not kernel_enabled():
            return np.stack([b.predict(X, num_threads=threads) for b in self.boosters])
        kernel = _load_kernel().predict_forest
        a = self.arrays
        args = (a["feat"], a["thr"], a["left"], a["right"], a["value"], a["base"], a["depth"], a["lbase"], a["starts"])
        X = np.ascontiguousarray(X, dtype=np.float32)
        out = np.empty((len(self.boosters), X.shape[0]))
        if threads == 1:
            kernel(X, 0, X.shape[0], *args, out)
            return out
        from concurrent.futures import ThreadPoolExecutor

        step = -(-X.shape[0] // threads)
        with ThreadPoolExecutor(threads) as pool:  # the loop releases the GIL
            jobs = [
                pool.submit(kernel, X, s, min(s + step, X.shape[0]), *args, out) for s in range(0, X.shape[0], step)
            ]
            for job in jobs:
                job.result()
        return out
