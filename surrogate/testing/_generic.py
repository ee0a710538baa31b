"""Hypothesis strategies for generic labelled-DAG cells and inputs that may not be cells."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from surrogate.space.generic import GenericCell

from ._darts import json_like, mutated_strings

NODE_LABELS: tuple[str, ...] = ("input", "conv1x1", "conv3x3", "maxpool3x3", "output")
EDGE_LABELS: tuple[str, ...] = ("id", "relu", "bn")


@st.composite
def generic_cells(
    draw: st.DrawFn,
    max_nodes: int = 7,
    node_labels: st.SearchStrategy[str] | None = None,
    edge_labels: st.SearchStrategy[str] | None | bool = None,
) -> GenericCell:
    """Valid :class:`~surrogate.space.generic.GenericCell` values, nodes numbered in any order.

    Parameters
    ----------
    max_nodes : int, default 7
    node_labels : strategy of str, optional
        Default: a few op-like names, so equal labels are common.
    edge_labels : strategy of str, False or None
        ``False``: no edge labels; ``None`` (default): edge labels on about half of the cells.
    """
    node_labels = st.sampled_from(NODE_LABELS) if node_labels is None else node_labels
    n = draw(st.integers(1, max_nodes))
    labels = [draw(node_labels) for _ in range(n)]
    # edges go forward in a hidden topological order, then nodes are renumbered at random
    candidates = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(candidates), unique=True, max_size=12)) if candidates else []
    perm = draw(st.permutations(range(n)))
    nodes = [""] * n
    for old, new in enumerate(perm):
        nodes[new] = labels[old]
    edges = [(perm[i], perm[j]) for i, j in chosen]
    if edge_labels is None:
        edge_labels = st.sampled_from(EDGE_LABELS) if draw(st.booleans()) else False
    elabels = None if edge_labels is False else [draw(edge_labels) for _ in edges]  # type: ignore[union-attr]
    return GenericCell(nodes=tuple(nodes), edges=tuple(edges), edge_labels=None if elabels is None else tuple(elabels))


@st.composite
def isomorphic_generic_cells(draw: st.DrawFn, cell: GenericCell) -> GenericCell:
    """``cell`` with its nodes renumbered at random and its edges listed in another order."""
    n = len(cell.nodes)
    perm = draw(st.permutations(range(n)))
    nodes = [""] * n
    for old, new in enumerate(perm):
        nodes[new] = cell.nodes[old]
    order = draw(st.permutations(range(len(cell.edges))))
    edges = [(perm[cell.edges[i][0]], perm[cell.edges[i][1]]) for i in order]
    labels = None if cell.edge_labels is None else tuple(cell.edge_labels[i] for i in order)
    return GenericCell(nodes=tuple(nodes), edges=tuple(edges), edge_labels=labels)


def _generic_like() -> st.SearchStrategy[object]:
    small = st.integers(-2, 8)
    return st.fixed_dictionaries(
        {},
        optional={
            "nodes": st.one_of(
                st.lists(st.sampled_from(NODE_LABELS) | st.integers(), max_size=8), small, st.text(max_size=5)
            ),
            "edges": st.one_of(
                st.lists(st.lists(small, min_size=0, max_size=3), max_size=10),
                st.lists(st.tuples(small, small), max_size=10),
                json_like(),
            ),
            "edge_labels": st.one_of(st.lists(st.sampled_from(EDGE_LABELS) | st.integers(), max_size=10), json_like()),
            "val_accuracy": st.floats(),
        },
    )


def arbitrary_generic_inputs() -> st.SearchStrategy[object]:
    """Anything a user might hand to :func:`surrogate.space.generic.parse`, valid or not."""
    texts = generic_cells().map(lambda c: c.to_string())
    return st.one_of(
        st.text(max_size=150),
        json_like(),
        _generic_like(),
        _generic_like().map(json.dumps),
        mutated_strings(texts=texts),
        st.lists(_generic_like(), max_size=3),
    )
