"""The operations and fixed sizes of the DARTS cell space as NAS-Bench-301 defines it."""

from __future__ import annotations

#: The 7 candidate operations, in NAS-Bench-301's order. There is no ``none``: an index into
#: this tuple is what the "compact" form stores (the original DARTS list starts with ``none``,
#: so its indices are one higher; do not mix the two).
OPS: tuple[str, ...] = (
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
OP_INDEX: dict[str, int] = {op: i for i, op in enumerate(OPS)}

#: Two cell inputs (0: output of cell k-2, 1: output of cell k-1) and four intermediate nodes.
N_INPUTS = 2
N_NODES = 4
#: Each intermediate node takes exactly two inputs, so a cell has 8 (op, input) pairs.
N_PAIRS = 2 * N_NODES
#: The cell output concatenates every intermediate node.
CONCAT: tuple[int, ...] = (2, 3, 4, 5)
CELLS: tuple[str, ...] = ("normal", "reduce")

#: In the official config space, node ``k`` owns edges ``EDGE_START[k] + input`` for input < k.
EDGE_START: dict[int, int] = {2: 0, 3: 2, 4: 5, 5: 9}
N_EDGES = 14

#: Key prefix of the official NAS-Bench-301 (ConfigSpace) configuration dictionary.
CONFIG_PREFIX = "NetworkSelectorDatasetInfo:darts:"

#: 1 * 3 * 6 * 10 input choices times 7**8 op choices per cell.
N_TOPOLOGIES_PER_CELL = 180
SPACE_SIZE = (N_TOPOLOGIES_PER_CELL * len(OPS) ** N_PAIRS) ** 2
