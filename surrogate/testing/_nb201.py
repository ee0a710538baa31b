"""Hypothesis strategies for NAS-Bench-201 cells and inputs that may not be cells."""

from __future__ import annotations

from hypothesis import strategies as st

from surrogate.space import nb201
from surrogate.space.nb201 import EDGES, OPS, Cell201

from ._darts import json_like, mutated_strings

NOT_OPS_201: tuple[str, ...] = ("nor_conv_5x5", "conv_3x3", "zero", "Skip_Connect", "", "sep_conv_3x3")


def cells201(ops: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Cell201]:
    """Valid :class:`~surrogate.space.nb201.Cell201` values (ops from ``ops``, default all five)."""
    ops = st.sampled_from(OPS) if ops is None else ops
    return st.tuples(*[ops] * len(EDGES)).map(Cell201)


def nb201_strings() -> st.SearchStrategy[str]:
    """NB201 strings of valid cells."""
    return cells201().map(str)


@st.composite
def isomorphic_cells201(draw: st.DrawFn, cell: Cell201) -> Cell201:
    """A random cell isomorphic to ``cell``: new ops on dead edges, and nodes 1, 2 swapped if free.

    An edge that is not ``none`` but dead stays dead whatever op it carries, so its op is
    redrawn from every op; then, when edge 2<-1 is ``none``, nodes 1 and 2 may swap names.
    """
    live = nb201.live_edges(cell)
    ops = list(cell.ops)
    for e, (op, on) in enumerate(zip(ops, live)):
        if not on and op != "none":
            ops[e] = draw(st.sampled_from(OPS))
    if ops[EDGES.index((2, 1))] == "none" and draw(st.booleans()):
        swap = {0: 0, 1: 2, 2: 1, 3: 3}
        by_edge = dict(zip(EDGES, ops))
        ops = [by_edge.get((swap[t], swap[s]), "none") for t, s in EDGES]
    return Cell201(tuple(ops))


def _index_like() -> st.SearchStrategy[object]:
    small = st.integers(-2, 6)
    names = st.sampled_from(OPS + NOT_OPS_201)
    return st.one_of(
        st.lists(small, max_size=8),
        st.lists(small, max_size=8).map(tuple),
        st.lists(names, max_size=8),
        st.lists(names, max_size=8).map(tuple),
        st.lists(st.one_of(small, names, st.booleans(), st.floats()), min_size=6, max_size=6).map(tuple),
        st.lists(st.lists(small, min_size=6, max_size=6).map(tuple), max_size=3),
    )


def arbitrary_nb201_inputs() -> st.SearchStrategy[object]:
    """Anything a user might hand to :func:`surrogate.space.nb201.parse`, valid or not."""
    return st.one_of(
        st.text(max_size=150),
        json_like(),
        _index_like(),
        mutated_strings(texts=nb201_strings()),
        st.lists(mutated_strings(texts=nb201_strings()), max_size=3),
    )
