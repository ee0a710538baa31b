"""The compiled loop of :mod:`surrogate.models._forest` (numba; imported only when numba is).

Kept apart so that importing :mod:`surrogate.models` never imports numba. numba compiles
:func:`predict_forest` on its first call and keeps the machine code in its own cache
(``cache=True``: ``__pycache__`` beside this file, or numba's user-wide cache directory where
that is not writable; ``NUMBA_CACHE_DIR`` moves it), so later processes load it in milliseconds.
The code depends on no model: a model is only arrays.
"""

from __future__ import annotations

import numba
import numpy as np

from ._forest import BLOCK, MASK_DEPTH


@numba.njit(nogil=True, cache=True)
def predict_forest(X, start, stop, feat, thr, left, right, value, base, depth, lbase, starts, out):  # pragma: no cover
    """``out[m, i]``: the sum over member ``m``'s trees of row ``i``'s leaf, rows ``start:stop``.

    Each member's trees are added in their order to a float64 sum starting at 0.0, as LightGBM
    does, and every comparison is exact (``thr`` is the float32 threshold rounded down, see
    :func:`surrogate.models._forest.float32_thresholds`), so the result equals LightGBM's bit for bit.
    """
    n_members = starts.shape[0] - 1
    n_features = X.shape[1]
    block = np.empty((n_features, BLOCK), dtype=np.float32)
    acc = np.zeros(BLOCK)
    mask = np.zeros(BLOCK, dtype=np.int64)
    ids = np.zeros(BLOCK, dtype=np.int64)
    for b0 in range(start, stop, BLOCK):
        nb = min(BLOCK, stop - b0)
        for r in range(nb):
            for f in range(n_features):
                v = X[b0 + r, f]
                block[f, r] = 0.0 if np.isnan(v) else v  # LightGBM: NaN is 0 without a missing type
        for m in range(n_members):
            acc[:nb] = 0.0
            for t in range(starts[m], starts[m + 1]):
                b = base[t]
                d = depth[t]
                if d <= MASK_DEPTH:  # a perfect tree in heap order: node j has children 2j+1, 2j+2
                    mask[:nb] = 0
                    for j in range((1 << d) - 1):
                        f = feat[b + j]
                        th = thr[b + j]
                        for r in range(nb):
                            mask[r] |= np.int64(block[f, r] > th) << j
                    lb = lbase[t] - (1 << d) + 1
                    for r in range(nb):
                        idx = 0
                        mk = mask[r]
                        for _ in range(d):
                            idx = 2 * idx + 1 + ((mk >> idx) & 1)
                        acc[r] += value[lb + idx]
                else:  # the tree's own nodes; a leaf is its own child, so every row takes d steps
                    ids[:nb] = 0
                    for _ in range(d):
                        for r in range(nb):
                            i = b + ids[r]
                            ids[r] = right[i] if block[feat[i], r] > thr[i] else left[i]
                    lb = lbase[t]
                    for r in range(nb):
                        acc[r] += value[lb + ids[r]]
            for r in range(nb):
                out[m, b0 + r] = acc[r]
