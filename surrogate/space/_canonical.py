"""Canonical form and an isomorphism-invariant hash of DARTS architectures.

Two cells are the same network when one becomes the other by (a) swapping the two inputs of a
node (their results are summed) or (b) relabelling the intermediate nodes in any order the DAG
allows (the output concatenates all of them, and concatenation order only permutes channels).
The two cell inputs are *not* interchangeable (k-2 and k-1 differ).

The canonical cell is found in two steps. Every node gets a structural label: the sorted pair of
``(op, label of its source)``, recursively down to the two cell inputs. When the four labels are
distinct they identify the nodes, and the canonical order is the topological order that always
places the smallest-labelled ready node next. When labels tie (two nodes compute the same thing
from the same sources, which a label cannot tell apart by their consumers), every admissible
relabelling is tried and the lexicographically smallest relabelled cell is taken. Both steps depend
on nothing but the isomorphism class, so equal canonical forms mean isomorphic cells.
"""

from __future__ import annotations

import hashlib
from itertools import permutations

from ._genotype import Cell, Genotype
from ._ops import N_INPUTS, N_NODES, OP_INDEX, OPS

_NODES = tuple(range(N_INPUTS, N_INPUTS + N_NODES))


def _labels(cell: Cell) -> list[tuple]:
    labels: list[tuple] = [(-1, i) for i in range(N_INPUTS)]
    for k in range(N_NODES):
        a, b = cell[2 * k], cell[2 * k + 1]
        la = (OP_INDEX[a[0]], labels[a[1]])
        lb = (OP_INDEX[b[0]], labels[b[1]])
        labels.append((0, (la, lb) if la <= lb else (lb, la)))
    return labels


def _relabel(cell: Cell, order: tuple[int, ...]) -> tuple[tuple[int, int], ...] | None:
    """The cell with old node ``order[i]`` renamed ``i + 2``; pairs as sorted (input, op_index).

    Returns ``None`` when the renaming breaks the DAG (a node would read a later node).
    """
    new = {i: i for i in range(N_INPUTS)}
    for pos, old in enumerate(order):
        new[old] = pos + N_INPUTS
    out: list[tuple[int, int]] = []
    for old in order:
        k = old - N_INPUTS
        pairs = []
        for op, inp in cell[2 * k : 2 * k + 2]:
            src = new[inp]
            if src >= new[old]:
                return None
            pairs.append((src, OP_INDEX[op]))
        pairs.sort()
        out.extend(pairs)
    return tuple(out)


def _greedy_order(cell: Cell, labels: list[tuple]) -> tuple[int, ...]:
    placed = set(range(N_INPUTS))
    order: list[int] = []
    remaining = list(_NODES)
    while remaining:
        ready = [n for n in remaining if all(inp in placed for _, inp in cell[2 * (n - 2) : 2 * (n - 2) + 2])]
        nxt = min(ready, key=lambda n: labels[n])
        order.append(nxt)
        placed.add(nxt)
        remaining.remove(nxt)
    return tuple(order)


def canonical_cell(cell: Cell) -> Cell:
    """The canonical representative of a cell's isomorphism class (pairs sorted by input)."""
    labels = _labels(cell)
    node_labels = labels[N_INPUTS:]
    if len(set(node_labels)) == N_NODES:
        rel = _relabel(cell, _greedy_order(cell, labels))
    else:
        rel = min(r for r in (_relabel(cell, p) for p in permutations(_NODES)) if r is not None)
    assert rel is not None
    return tuple((OPS[op], inp) for inp, op in rel)


def canonical(genotype: Genotype) -> Genotype:
    """The canonical form: isomorphic genotypes (see module doc) map to the same ``Genotype``.

    Examples
    --------
    >>> from surrogate.space import sample, canonical
    >>> g = sample(1, rng=3)[0]
    >>> canonical(canonical(g)) == canonical(g)
    True
    """
    return Genotype(normal=canonical_cell(genotype.normal), reduce=canonical_cell(genotype.reduce))


def canonical_string(genotype: Genotype) -> str:
    """``str`` of the canonical form: the de-duplication key kept in data tables."""
    return str(canonical(genotype))


def arch_hash(genotype: Genotype) -> str:
    """A 32-hex-digit hash of the canonical form; isomorphic architectures hash equal."""
    g = canonical(genotype)
    key = ";".join(",".join(f"{op}:{inp}" for op, inp in cell) for cell in (g.normal, g.reduce))
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
