"""A vectorised canonical form of a batch of genotypes: the first step of both encoders.

Two cells are the same network when one becomes the other by swapping the two inputs of a node
or by relabelling the intermediate nodes in an order the DAG allows (see
:mod:`surrogate.space`). Here the canonical cell is the *lexicographically smallest* of all
admissible relabellings, with each node's two ``(input, op)`` pairs sorted: a pure function of
the isomorphism class, so equal canonical arrays mean isomorphic cells and isomorphic cells get
equal arrays. It is computed for the whole batch at once by trying the 24 orders of the four
intermediate nodes as 24 numpy passes over an ``(n_cells, 8)`` array, never a Python loop per
architecture. (It may pick a different representative than :func:`surrogate.space.canonical`,
which is faster per cell but not vectorised; both define the same classes.)
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import permutations

import numpy as np

from surrogate.space import OPS, Genotype, to_array

_N_OPS = len(OPS)
#: Intermediate node (2..5) that pair j feeds.
NODE_OF_PAIR = np.repeat(np.arange(2, 6), 2)
#: A pair is written as one digit ``input * 7 + op`` (< 35 because an input is at most node 4),
#: so that the order of digits is the order of ``(input, op)`` tuples and a whole cell is one
#: base-35 number whose order is the lexicographic order of its 8 pairs.
_BASE = 5 * _N_OPS
_NO_KEY = np.iinfo(np.int64).max


def _perm_tables() -> tuple[np.ndarray, np.ndarray]:
    """For each order of the intermediate nodes: old-node -> new-label map and pair positions.

    ``order[q]`` is the old node that becomes node ``q + 2``. ``relabel[p]`` maps every old node
    id (0..5) to its new id; ``take[p]`` lists, for the new pairs in order, their old positions.
    """
    relabel, take = [], []
    for order in permutations(range(2, 6)):
        new = np.arange(6)
        for q, old in enumerate(order):
            new[old] = q + 2
        relabel.append(new)
        take.append([2 * (old - 2) + t for old in order for t in (0, 1)])
    return np.array(relabel, dtype=np.int64), np.array(take, dtype=np.intp)


_RELABEL, _TAKE = _perm_tables()
_RELABEL32 = _RELABEL.astype(np.int32)


def _sorted_pairs(digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The smaller and the larger digit of each node's two pairs, ``(m, 4)`` each."""
    a, b = digits[:, 0::2], digits[:, 1::2]
    return np.minimum(a, b), np.maximum(a, b)


def _cell_key(digits: np.ndarray) -> np.ndarray:
    """One int64 per cell whose order is the lexicographic order of its node-sorted pairs."""
    lo, hi = _sorted_pairs(digits)
    node = (lo * _BASE + hi).astype(np.int64)  # < 35**2 per node
    return ((node[:, 0] * _BASE**2 + node[:, 1]) * _BASE**2 + node[:, 2]) * _BASE**2 + node[:, 3]


def as_genotype_list(genotypes: Sequence[Genotype] | Genotype) -> list[Genotype]:
    """``genotypes`` as a list, one ``Genotype`` being a batch of one; reject anything else.

    Raises
    ------
    ValueError
        When an item is not a :class:`~surrogate.space.Genotype` (encoders do not parse).
    """
    if isinstance(genotypes, Genotype):
        return [genotypes]
    if isinstance(genotypes, (str, bytes, dict)) or not hasattr(genotypes, "__len__"):
        raise ValueError(
            f"expected a sequence of Genotypes, got {type(genotypes).__name__}; turn strings, "
            "config dicts or compact tuples into Genotypes with surrogate.space.parse first"
        )
    items = list(genotypes)
    for i, g in enumerate(items):
        if not isinstance(g, Genotype):
            raise ValueError(
                f"item {i} is a {type(g).__name__}, not a Genotype: {g!r:.100}; turn strings, "
                "config dicts or compact tuples into Genotypes with surrogate.space.parse first"
            )
    return items


def canonical_cells(cells: np.ndarray) -> np.ndarray:
    """Canonical form of cells given as an ``(m, 8, 2)`` array of ``(op_index, input)`` rows.

    Parameters
    ----------
    cells : ndarray of int, shape (m, 8, 2)
        Valid cells (each pair's input below its node, a node's two inputs distinct).

    Returns
    -------
    ndarray of int8, shape (m, 8, 2)
        The canonical cells, same layout; within a node the pairs are sorted by
        ``(input, op_index)``.
    """
    m = cells.shape[0]
    op = cells[..., 0].astype(np.int32)
    src = cells[..., 1].astype(np.intp)
    best_perm = _best_perm_at_once(op, src) if m <= _AT_ONCE else _best_perm_in_turn(op, src)
    rows = np.arange(m)[:, None]
    take = _TAKE[best_perm]
    digits = _RELABEL[best_perm[:, None], src[rows, take]] * _N_OPS + op[rows, take]
    lo, hi = _sorted_pairs(digits)
    digits = np.stack((lo, hi), axis=2).reshape(m, 8)
    return np.stack((digits % _N_OPS, digits // _N_OPS), axis=2).astype(np.int8)


#: Up to this many cells the 24 orders are tried in one pass over a (cells, 24, 8) array (a single
#: query: 10 numpy calls instead of 240); beyond it one order at a time, to bound memory.
_AT_ONCE = 256
_PERM_IDS = np.arange(len(_TAKE))[:, None]
#: The new label of the node each pair (in new order) feeds, per order: (24, 8).
_LIMIT = _RELABEL32[_PERM_IDS, NODE_OF_PAIR[_TAKE]]


def _best_perm_at_once(op: np.ndarray, src: np.ndarray) -> np.ndarray:
    m = op.shape[0]
    new_src = _RELABEL32[_PERM_IDS[None], src[:, _TAKE]]  # (m, 24, 8)
    valid = (new_src < _LIMIT[None]).all(axis=2)
    key = _cell_key((new_src * _N_OPS + op[:, _TAKE]).reshape(m * len(_TAKE), 8)).reshape(m, len(_TAKE))
    key[~valid] = _NO_KEY
    return np.argmin(key, axis=1)  # the first smallest, as in _best_perm_in_turn


def _best_perm_in_turn(op: np.ndarray, src: np.ndarray) -> np.ndarray:
    m = op.shape[0]
    best_key = np.full(m, _NO_KEY, dtype=np.int64)
    best_perm = np.zeros(m, dtype=np.intp)
    for p, (relabel, take) in enumerate(zip(_RELABEL32, _TAKE)):
        new_src = relabel[src[:, take]]  # sources under the new labels, pairs in new node order
        valid = (new_src < relabel[NODE_OF_PAIR[take]]).all(axis=1)
        key = _cell_key(new_src * _N_OPS + op[:, take])
        key[~valid] = _NO_KEY
        better = key < best_key
        best_key[better] = key[better]
        best_perm[better] = p
    return best_perm


def canonical_array(genotypes: Sequence[Genotype] | Genotype) -> np.ndarray:
    """The canonical ``int8`` array ``(n, 2, 8, 2)`` of a batch: [arch, cell, pair, (op, input)].

    Same layout as :func:`surrogate.space.to_array`; isomorphic architectures give equal rows.

    Raises
    ------
    ValueError
        When an item is not a :class:`~surrogate.space.Genotype`.

    Examples
    --------
    >>> from surrogate.space import Genotype
    >>> a = Genotype(normal=[("skip_connect", 1), ("sep_conv_3x3", 0)] * 4,
    ...              reduce=[("max_pool_3x3", 0), ("avg_pool_3x3", 1)] * 4)
    >>> b = Genotype(normal=[("sep_conv_3x3", 0), ("skip_connect", 1)] * 4, reduce=a.reduce)
    >>> bool((canonical_array([a]) == canonical_array([b])).all())
    True
    """
    arr = to_array(as_genotype_list(genotypes))
    n = arr.shape[0]
    return canonical_cells(arr.reshape(n * 2, 8, 2)).reshape(n, 2, 8, 2)
