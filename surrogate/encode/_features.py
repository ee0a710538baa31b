"""Genotypes -> a fixed-length ``float32`` matrix for tree models (XGBoost, LightGBM, baselines).

Every architecture is first put in canonical form (:func:`canonical_array`: node inputs sorted,
intermediate nodes relabelled to the lexicographically smallest admissible order), so the
features are invariant to the order of a node's two inputs *and* to any relabelling of the
intermediate nodes: isomorphic architectures get identical rows, and non-isomorphic ones get
different rows (the edge one-hot block alone is injective on canonical forms).

Columns (252 = 2 cells x 126, normal cell first, then reduce; names from :func:`feature_names`,
``{cell}`` is ``normal`` or ``reduce``, node ``k`` in 2..5, input ``i`` < ``k``, ``{op}`` one of
the 7 :data:`~surrogate.space.OPS`; the 14 edges are in the official config order
``EDGE_START[k] + i``):

======================================  =====  =================================================
name                                    count  value
======================================  =====  =================================================
``{cell}_edge_n{k}_in{i}_{op}``          98    1 if node k reads input i through ``op``, else 0
``{cell}_edge_n{k}_in{i}``               14    1 if node k reads input i at all (any op)
``{cell}_count_{op}``                     7    how many of the cell's 8 edges carry ``op``
``{cell}_outdeg_in0``                     1    edges leaving cell input 0 (output of cell k-2), 0..4
``{cell}_outdeg_in1``                     1    edges leaving cell input 1 (output of cell k-1), 0..4
``{cell}_n_leaves``                       1    intermediate nodes read by no other node, 1..4
``{cell}_depth``                          1    longest input-to-output path, in nodes, 1..4
``{cell}_n_conv``                         1    edges with a sep/dil convolution, 0..8
``{cell}_conv_depth_max``                 1    most convolutions on one input-to-output path
``{cell}_conv_depth_min``                 1    fewest convolutions on any input-to-output path
                                               (0: a convolution-free route exists)
======================================  =====  =================================================

"Convolution" means the four parameterised ops ``sep_conv_3x3``, ``sep_conv_5x5``,
``dil_conv_3x3`` and ``dil_conv_5x5``; pools and ``skip_connect`` count as none (in a reduction
cell a strided skip is a factorised reduction with two 1x1 convolutions, not counted here).
The aggregates are functions of the one-hot block, repeated because trees cannot add columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from surrogate.space import EDGE_START, N_EDGES, OPS, Genotype

from ._canonical import NODE_OF_PAIR, canonical_array

_N_OPS = len(OPS)
CELLS = ("normal", "reduce")
#: Indices into OPS of the parameterised (convolution) ops.
_CONV_OPS = tuple(i for i, op in enumerate(OPS) if "conv" in op)
_IS_CONV = np.isin(np.arange(_N_OPS), _CONV_OPS)
_EDGE_OF_NODE = np.array([EDGE_START[int(k)] for k in NODE_OF_PAIR])

_N_ONEHOT = N_EDGES * _N_OPS
_PER_CELL = _N_ONEHOT + N_EDGES + _N_OPS + 2 + 5
#: Number of feature columns.
N_FEATURES = 2 * _PER_CELL


def _edges() -> list[tuple[int, int]]:
    """The 14 (node, input) edges in official config order."""
    return [(k, i) for k in sorted(EDGE_START) for i in range(k)]


def feature_names() -> list[str]:
    """The name of every column of :func:`features`, in order (see the module docstring).

    Names use only letters, digits and ``_`` so every tree library accepts them.

    Examples
    --------
    >>> names = feature_names()
    >>> len(names), names[0], names[-1]
    (252, 'normal_edge_n2_in0_max_pool_3x3', 'reduce_conv_depth_min')
    """
    names = []
    for cell in CELLS:
        names += [f"{cell}_edge_n{k}_in{i}_{op}" for k, i in _edges() for op in OPS]
        names += [f"{cell}_edge_n{k}_in{i}" for k, i in _edges()]
        names += [f"{cell}_count_{op}" for op in OPS]
        names += [f"{cell}_outdeg_in0", f"{cell}_outdeg_in1", f"{cell}_n_leaves", f"{cell}_depth"]
        names += [f"{cell}_n_conv", f"{cell}_conv_depth_max", f"{cell}_conv_depth_min"]
    return names


def _path_stats(src: np.ndarray, conv: np.ndarray) -> np.ndarray:
    """Depth, most and fewest convolutions on input-to-output paths, ``(m, 3)``.

    A dynamic programme over the 4 intermediate nodes in order (sources precede nodes), each
    step vectorised over all ``m`` cells. Every intermediate node feeds the cell output, so the
    cell's figure is the max (or min) over its nodes.
    """
    m = src.shape[0]
    rows = np.arange(m)
    depth = np.zeros((m, 6), dtype=np.int64)
    most = np.zeros((m, 6), dtype=np.int64)
    fewest = np.zeros((m, 6), dtype=np.int64)
    for k in range(4):
        a, b = src[:, 2 * k], src[:, 2 * k + 1]
        ca, cb = conv[:, 2 * k], conv[:, 2 * k + 1]
        depth[:, k + 2] = 1 + np.maximum(depth[rows, a], depth[rows, b])
        most[:, k + 2] = np.maximum(most[rows, a] + ca, most[rows, b] + cb)
        fewest[:, k + 2] = np.minimum(fewest[rows, a] + ca, fewest[rows, b] + cb)
    return np.stack((depth[:, 2:].max(axis=1), most[:, 2:].max(axis=1), fewest[:, 2:].min(axis=1)), axis=1)


def features(genotypes: Sequence[Genotype] | Genotype) -> np.ndarray:
    """Encode a batch of architectures as a fixed-length ``float32`` matrix.

    Parameters
    ----------
    genotypes : sequence of Genotype, or one Genotype
        Parsed architectures (use :func:`surrogate.space.parse` on other forms). One Genotype
        is a batch of one.

    Returns
    -------
    ndarray of float32, shape (n, 252)
        One row per architecture; columns as named by :func:`feature_names`. Isomorphic
        architectures get equal rows.

    Raises
    ------
    ValueError
        When an item is not a ``Genotype``.

    Examples
    --------
    >>> from surrogate.space import sample
    >>> X = features(sample(3, rng=0))
    >>> X.shape, X.dtype
    ((3, 252), dtype('float32'))
    >>> X[:, :98].sum(axis=1).tolist()  # 8 edges in the normal cell's one-hot block
    [8.0, 8.0, 8.0]
    """
    return features_from_canonical(canonical_array(genotypes))


def features_from_canonical(arr: np.ndarray) -> np.ndarray:
    """:func:`features` of a canonical array ``(n, 2, 8, 2)`` (:func:`canonical_array`)."""
    n = arr.shape[0]
    m = 2 * n
    op = arr[..., 0].reshape(m, 8).astype(np.intp)
    src = arr[..., 1].reshape(m, 8).astype(np.intp)
    edge = _EDGE_OF_NODE + src  # (m, 8) official edge index 0..13
    rows = np.repeat(np.arange(m), 8)

    out = np.zeros((m, _PER_CELL), dtype=np.float32)
    out[rows, (edge * _N_OPS + op).ravel()] = 1.0
    out[rows, _N_ONEHOT + edge.ravel()] = 1.0
    col = _N_ONEHOT + N_EDGES
    out[:, col : col + _N_OPS] = (op[:, :, None] == np.arange(_N_OPS)).sum(axis=1)
    col += _N_OPS
    out[:, col] = (src == 0).sum(axis=1)
    out[:, col + 1] = (src == 1).sum(axis=1)
    read = (src[:, :, None] == np.arange(2, 6)).any(axis=1)  # (m, 4): node read by another
    out[:, col + 2] = 4 - read.sum(axis=1)
    conv = _IS_CONV[op].astype(np.int64)
    depth, most, fewest = _path_stats(src, conv).T
    out[:, col + 3] = depth
    out[:, col + 4] = conv.sum(axis=1)
    out[:, col + 5] = most
    out[:, col + 6] = fewest
    return out.reshape(n, N_FEATURES)
