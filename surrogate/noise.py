"""Reproducible per-architecture noise: draw ``k`` of architecture ``a`` is a pure function of (a, k).

A tabular benchmark with several seeds answers "seed k of architecture a" the same way whatever
else is asked, in whatever order. To behave the same, a noisy prediction's standard-normal draw
is derived from a 64-bit key of the architecture's *canonical* form (so isomorphic cells share
draws) and the seed ``k``, through the SplitMix64 mixer and a Box–Muller transform — vectorised
over the batch, no generator per architecture, no global state.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from surrogate.space import Genotype

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The SplitMix64 finaliser on a uint64 array (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def arch_keys(genotypes: Sequence[Genotype]) -> np.ndarray:
    """One uint64 per architecture, equal for isomorphic architectures."""
    from surrogate.encode._canonical import canonical_array

    return keys_from_canonical(canonical_array(list(genotypes)))


def keys_from_canonical(canonical: np.ndarray) -> np.ndarray:
    """:func:`arch_keys` of a canonical array ``(n, 2, 8, 2)`` (``surrogate.encode.canonical_array``)."""
    arr = canonical.astype(np.uint64)
    digits = arr[..., 1] * np.uint64(7) + arr[..., 0]  # (n, 2, 8): input * 7 + op
    digits = digits.reshape(len(arr), 16)
    key = np.zeros(len(arr), dtype=np.uint64)
    for j in range(16):
        key = splitmix64(key ^ digits[:, j])
    return key


#: Seeds are ints in ``[0, MAX_SEED)`` (``2 * seed`` must fit the 64-bit key).
MAX_SEED = 2**63


def check_seed(seed: object) -> int:
    """``seed`` as an int, or a ``ValueError`` unless it is an int in ``[0, 2**63)``."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < MAX_SEED:
        raise ValueError(f"seed must be a non-negative int below 2**63, got {seed!r:.60}")
    return int(seed)


def standard_normal(keys: np.ndarray, seed: int) -> np.ndarray:
    """One N(0, 1) draw per key for ``seed``: the same key and seed give the same draw."""
    seed = check_seed(seed)
    base = splitmix64(keys ^ splitmix64(np.full(len(keys), 2 * seed, dtype=np.uint64)))
    u1 = (splitmix64(base) >> np.uint64(11)).astype(np.float64) * 2.0**-53
    u2 = (splitmix64(base ^ _GOLDEN) >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
