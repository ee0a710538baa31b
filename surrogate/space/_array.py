"""Genotypes as integer arrays: the form the vectorised encoders start from."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._genotype import Genotype
from ._ops import N_PAIRS, OP_INDEX


def to_array(genotypes: Sequence[Genotype]) -> np.ndarray:
    """An ``int8`` array of shape ``(n, 2, 8, 2)``: [arch, cell (normal, reduce), pair, (op_index, input)].

    One flat list comprehension per batch; everything downstream is numpy.
    """
    n = len(genotypes)
    flat = [v for g in genotypes for cell in (g[0], g[2]) for op, inp in cell for v in (OP_INDEX[op], inp)]
    return np.asarray(flat, dtype=np.int8).reshape(n, 2, N_PAIRS, 2)
