"""Genotypes as integer arrays: the form the vectorised encoders start from."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

from ._genotype import Genotype
from ._ops import N_PAIRS, OP_INDEX

#: ``(op, input) -> 8 * op_index + input`` for every pair a cell may hold.
_PAIR_CODE = {(op, inp): 8 * i + inp for op, i in OP_INDEX.items() for inp in range(2 + (N_PAIRS - 1) // 2)}


def to_array(genotypes: Sequence[Genotype]) -> np.ndarray:
    """An ``int8`` array of shape ``(n, 2, 8, 2)``: [arch, cell (normal, reduce), pair, (op_index, input)].

    One dictionary look-up per pair, in C (``map`` into ``np.fromiter``), then numpy: each valid
    pair has one code ``8 * op_index + input``.
    """
    n = len(genotypes)
    pairs = chain.from_iterable(g[0] + g[2] for g in genotypes)
    codes = np.fromiter(map(_PAIR_CODE.__getitem__, pairs), dtype=np.int8, count=n * 2 * N_PAIRS)
    out = np.empty((n * 2 * N_PAIRS, 2), dtype=np.int8)
    np.right_shift(codes, 3, out=out[:, 0])
    np.bitwise_and(codes, 7, out=out[:, 1])
    return out.reshape(n, 2, N_PAIRS, 2)
