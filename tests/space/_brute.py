"""Brute-force isomorphism of DARTS cells: the reference the canonical hash is checked against.

Independent of ``surrogate.space._canonical``: it enumerates every renaming of the four
intermediate nodes (24 permutations) and every order of each node's two pairs (16), keeps the
renamings under which every node still reads only earlier nodes, and compares cells literally.
"""

from __future__ import annotations

from itertools import permutations, product

from surrogate.space import Genotype

Cell = tuple[tuple[str, int], ...]


def relabellings(cell: Cell) -> set[Cell]:
    """Every cell obtained from ``cell`` by renaming nodes (as the DAG allows) and swapping pairs."""
    out: set[Cell] = set()
    for perm in permutations(range(2, 6)):
        new = {0: 0, 1: 1, **{old: new for old, new in zip(range(2, 6), perm)}}
        by_new = {}
        valid = True
        for old in range(2, 6):
            k = old - 2
            pairs = tuple((op, new[inp]) for op, inp in cell[2 * k : 2 * k + 2])
            if any(inp >= new[old] for _, inp in pairs):
                valid = False
                break
            by_new[new[old]] = pairs
        if not valid:
            continue
        for swaps in product((False, True), repeat=4):
            flat: list[tuple[str, int]] = []
            for node, swap in zip(range(2, 6), swaps):
                a, b = by_new[node]
                flat.extend((b, a) if swap else (a, b))
            out.add(tuple(flat))
    return out


def cells_isomorphic(a: Cell, b: Cell) -> bool:
    return tuple(b) in relabellings(tuple(a))


def isomorphic(g: Genotype, h: Genotype) -> bool:
    """Whether two genotypes are the same network: both cells isomorphic."""
    return cells_isomorphic(g.normal, h.normal) and cells_isomorphic(g.reduce, h.reduce)
