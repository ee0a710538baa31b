"""Well-known cells of the DARTS space, for demos and sanity checks."""

from __future__ import annotations

from ._genotype import Genotype

#: The cells found by DARTS (Liu et al., 2019), first and second order, as published.
DARTS_V1 = Genotype(
    normal=[("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("skip_connect", 0), ("sep_conv_3x3", 1),
            ("skip_connect", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("skip_connect", 2)],
    reduce=[("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2), ("max_pool_3x3", 0),
            ("max_pool_3x3", 0), ("skip_connect", 2), ("skip_connect", 2), ("avg_pool_3x3", 0)],
)
DARTS_V2 = Genotype(
    normal=[("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
            ("sep_conv_3x3", 1), ("skip_connect", 0), ("skip_connect", 0), ("dil_conv_3x3", 2)],
    reduce=[("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2), ("max_pool_3x3", 1),
            ("max_pool_3x3", 0), ("skip_connect", 2), ("skip_connect", 2), ("max_pool_3x3", 1)],
)
#: Degenerate and extreme cells: only parameter-free ops, and only the largest convolutions.
ALL_SKIP_POOL = Genotype(
    normal=[("skip_connect", 0), ("skip_connect", 1), ("max_pool_3x3", 0), ("skip_connect", 2),
            ("avg_pool_3x3", 1), ("skip_connect", 3), ("skip_connect", 0), ("max_pool_3x3", 4)],
    reduce=[("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2), ("max_pool_3x3", 1),
            ("max_pool_3x3", 0), ("skip_connect", 3), ("skip_connect", 2), ("avg_pool_3x3", 4)],
)
ALL_SEP_CONV_5X5 = Genotype(
    normal=[("sep_conv_5x5", 0), ("sep_conv_5x5", 1), ("sep_conv_5x5", 1), ("sep_conv_5x5", 2),
            ("sep_conv_5x5", 2), ("sep_conv_5x5", 3), ("sep_conv_5x5", 3), ("sep_conv_5x5", 4)],
    reduce=[("sep_conv_5x5", 0), ("sep_conv_5x5", 1), ("sep_conv_5x5", 1), ("sep_conv_5x5", 2),
            ("sep_conv_5x5", 2), ("sep_conv_5x5", 3), ("sep_conv_5x5", 3), ("sep_conv_5x5", 4)],
)

KNOWN: dict[str, Genotype] = {
    "darts_v1": DARTS_V1,
    "darts_v2": DARTS_V2,
    "skip_and_pool_only": ALL_SKIP_POOL,
    "sep_conv_5x5_chain": ALL_SEP_CONV_5X5,
}
