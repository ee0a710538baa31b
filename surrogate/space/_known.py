"""Well-known cells of the DARTS space, for demos and sanity checks."""

from __future__ import annotations

from collections.abc import Mapping

from ._genotype import Genotype

#: The cells found by DARTS (Liu et al., 2019), first and second order, as published.
DARTS_V1 = Genotype(
    normal=[
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 0),
        ("skip_connect", 0),
        ("sep_conv_3x3", 1),
        ("skip_connect", 0),
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 0),
        ("skip_connect", 2),
    ],
    reduce=[
        ("max_pool_3x3", 0),
        ("max_pool_3x3", 1),
        ("skip_connect", 2),
        ("max_pool_3x3", 0),
        ("max_pool_3x3", 0),
        ("skip_connect", 2),
        ("skip_connect", 2),
        ("avg_pool_3x3", 0),
    ],
)
DARTS_V2 = Genotype(
    normal=[
        ("sep_conv_3x3", 0),
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 0),
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 1),
        ("skip_connect", 0),
        ("skip_connect", 0),
        ("dil_conv_3x3", 2),
    ],
    reduce=[
        ("max_pool_3x3", 0),
        ("max_pool_3x3", 1),
        ("skip_connect", 2),
        ("max_pool_3x3", 1),
        ("max_pool_3x3", 0),
        ("skip_connect", 2),
        ("skip_connect", 2),
        ("max_pool_3x3", 1),
    ],
)
#: Degenerate and extreme cells: only parameter-free ops, and only the largest convolutions.
ALL_SKIP_POOL = Genotype(
    normal=[
        ("skip_connect", 0),
        ("skip_connect", 1),
        ("max_pool_3x3", 0),
        ("skip_connect", 2),
        ("avg_pool_3x3", 1),
        ("skip_connect", 3),
        ("skip_connect", 0),
        ("max_pool_3x3", 4),
    ],
    reduce=[
        ("max_pool_3x3", 0),
        ("max_pool_3x3", 1),
        ("skip_connect", 2),
        ("max_pool_3x3", 1),
        ("max_pool_3x3", 0),
        ("skip_connect", 3),
        ("skip_connect", 2),
        ("avg_pool_3x3", 4),
    ],
)
ALL_SEP_CONV_5X5 = Genotype(
    normal=[
        ("sep_conv_5x5", 0),
        ("sep_conv_5x5", 1),
        ("sep_conv_5x5", 1),
        ("sep_conv_5x5", 2),
        ("sep_conv_5x5", 2),
        ("sep_conv_5x5", 3),
        ("sep_conv_5x5", 3),
        ("sep_conv_5x5", 4),
    ],
    reduce=[
        ("sep_conv_5x5", 0),
        ("sep_conv_5x5", 1),
        ("sep_conv_5x5", 1),
        ("sep_conv_5x5", 2),
        ("sep_conv_5x5", 2),
        ("sep_conv_5x5", 3),
        ("sep_conv_5x5", 3),
        ("sep_conv_5x5", 4),
    ],
)

KNOWN: dict[str, Genotype] = {
    "darts_v1": DARTS_V1,
    "darts_v2": DARTS_V2,
    "skip_and_pool_only": ALL_SKIP_POOL,
    "sep_conv_5x5_chain": ALL_SEP_CONV_5X5,
}


def _with_ops(topology: Genotype, normal_ops: tuple[str, ...], reduce_ops: tuple[str, ...]) -> Genotype:
    """``topology``'s inputs with the ops replaced, cycling through the given ones edge by edge."""
    return Genotype(
        normal=[(normal_ops[i % len(normal_ops)], inp) for i, (_, inp) in enumerate(topology.normal)],
        reduce=[(reduce_ops[i % len(reduce_ops)], inp) for i, (_, inp) in enumerate(topology.reduce)],
    )


_POOL = ("max_pool_3x3", "avg_pool_3x3")
#: Corner cells: the extremes NAS researchers query and a benchmark must rank by what real training
#: says (DARTS's failure mode is collapse to skip-heavy cells). All but the KNOWN ones use
#: DARTS_V2's topology with the ops replaced, so only the operations differ between them.
CORNERS: dict[str, Genotype] = {
    **KNOWN,
    "all_pooling": _with_ops(DARTS_V2, _POOL, _POOL),
    "all_skip": _with_ops(DARTS_V2, ("skip_connect",), ("skip_connect",)),
    # DARTS collapse: 6 of 8 normal edges skip_connect, a pooling reduction cell.
    "skip_heavy": _with_ops(
        DARTS_V2,
        (
            "skip_connect",
            "skip_connect",
            "sep_conv_3x3",
            "skip_connect",
            "skip_connect",
            "skip_connect",
            "dil_conv_3x3",
            "skip_connect",
        ),
        ("max_pool_3x3", "max_pool_3x3", "skip_connect"),
    ),
    "skip_heavy_all": _with_ops(
        DARTS_V2,
        (
            "skip_connect",
            "skip_connect",
            "skip_connect",
            "sep_conv_3x3",
            "skip_connect",
            "skip_connect",
            "skip_connect",
            "sep_conv_3x3",
        ),
        ("skip_connect", "max_pool_3x3"),
    ),
    "all_sep_conv_3x3": _with_ops(DARTS_V2, ("sep_conv_3x3",), ("sep_conv_3x3",)),
    "all_sep_conv_5x5": _with_ops(DARTS_V2, ("sep_conv_5x5",), ("sep_conv_5x5",)),
    "all_dil_conv": _with_ops(DARTS_V2, ("dil_conv_3x3", "dil_conv_5x5"), ("dil_conv_3x3", "dil_conv_5x5")),
}
#: The corner cells expected below ordinary cells (only or mostly parameter-free ops).
DEGENERATE = ("skip_and_pool_only", "all_pooling", "all_skip", "skip_heavy", "skip_heavy_all")


def degenerate_ranked_low(predicted: Mapping[str, float], median: float) -> dict[str, bool]:
    """For each :data:`DEGENERATE` cell: is its ``predicted`` value (a mapping from corner name)
    below DARTS_V1's, DARTS_V2's and ``median`` (e.g. the median over uniform samples), as real
    training at every fidelity measured ranks it (training_data/README.md)?"""
    darts = min(predicted["darts_v1"], predicted["darts_v2"])
    return {c: bool(predicted[c] < darts and predicted[c] < median) for c in DEGENERATE}
