"""Exact parameter counts and FLOPs of DARTS networks, vectorised over batches of architectures.

Every cell concatenates all four intermediate nodes, so the stem, the preprocessing layers and the
classifier are the same for every genotype; only the eight operations of each cell differ, and
each operation is a separate module. So the size of a network is a constant plus one table entry
per (cell type, stride, op) — tables measured once from the real modules of
:mod:`surrogate.generate` (``build_cost_tables``, needs torch) and stored as plain numbers in a
checkpoint's manifest. Evaluating them (``network_cost``) needs numpy only: a batch of 100k
architectures costs a few array lookups.

FLOPs are multiply-accumulates of convolutions and linear layers for one image, as
:func:`surrogate.generate.count_flops` counts them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from surrogate.space import OPS, Genotype, to_array


def build_cost_tables(layers: int, channels: int, resolution: int, in_channels: int = 1, num_classes: int = 10) -> dict:
    """Measure the per-op tables of one network shape (imports torch).

    Returns a JSON-serialisable dict: ``const_params``, ``const_flops`` and, for ``params`` and
    ``flops``, tables ``normal`` (stride 1), ``reduce_s1`` and ``reduce_s2`` of 7 numbers each (one
    per op, in :data:`surrogate.space.OPS` order), summed over all cells of that type.
    """
    from surrogate.generate._network import Network, count_flops, count_params, make_op

    base = Genotype(
        normal=[("max_pool_3x3", 0), ("max_pool_3x3", 1)] * 4, reduce=[("max_pool_3x3", 0), ("max_pool_3x3", 1)] * 4
    )
    net = Network(base, channels=channels, layers=layers, in_channels=in_channels, num_classes=num_classes)
    tables = {
        "params": {k: [0] * len(OPS) for k in ("normal", "reduce_s1", "reduce_s2")},
        "flops": {k: [0] * len(OPS) for k in ("normal", "reduce_s1", "reduce_s2")},
    }
    c, h = channels, resolution
    for i in range(layers):
        reduction = i in (layers // 3, 2 * layers // 3)
        if reduction:
            c *= 2
        h_out = (h + 1) // 2 if reduction else h
        kinds = [("reduce_s2", 2, h), ("reduce_s1", 1, h_out)] if reduction else [("normal", 1, h)]
        for kind, stride, h_in in kinds:
            for j, op in enumerate(OPS):
                mod = make_op(op, c, stride)
                tables["params"][kind][j] += count_params(mod)
                tables["flops"][kind][j] += count_flops(mod, (c, h_in, h_in))
        h = h_out
    return {
        "shape": {
            "layers": layers,
            "channels": channels,
            "resolution": resolution,
            "in_channels": in_channels,
            "num_classes": num_classes,
        },
        "const_params": count_params(net),
        "const_flops": count_flops(net, (in_channels, resolution, resolution)),
        **tables,
    }


def network_cost(archs: Sequence[Genotype] | np.ndarray, tables: dict) -> tuple[np.ndarray, np.ndarray]:
    """(params, flops) as int64 arrays for a batch of genotypes (or their :func:`to_array`)."""
    arr = archs if isinstance(archs, np.ndarray) else to_array(list(archs))
    out = []
    for what in ("params", "flops"):
        t = tables[what]
        normal = np.asarray(t["normal"], dtype=np.int64)
        r1 = np.asarray(t["reduce_s1"], dtype=np.int64)
        r2 = np.asarray(t["reduce_s2"], dtype=np.int64)
        ops_n = arr[:, 0, :, 0].astype(np.intp)
        ops_r = arr[:, 1, :, 0].astype(np.intp)
        on_input = arr[:, 1, :, 1] < 2
        total = (
            int(tables[f"const_{what}"])
            + normal[ops_n].sum(axis=1)
            + np.where(on_input, r2[ops_r], r1[ops_r]).sum(axis=1)
        )
        out.append(total.astype(np.int64))
    return out[0], out[1]
