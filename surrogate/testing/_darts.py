"""Hypothesis strategies for DARTS genotypes, their other forms, and inputs that are not genotypes."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from surrogate.space import CONFIG_PREFIX, EDGE_START, OPS, Genotype
from surrogate.space._genotype import Cell

_NODES = (2, 3, 4, 5)
#: Names a parser must refuse: DARTS's ``none`` and near misses of real ops.
NOT_OPS: tuple[str, ...] = ("none", "zero", "sep_conv_7x7", "conv_3x3", "Sep_Conv_3x3", "", "max_pool")


@st.composite
def cells(draw: st.DrawFn, ops: st.SearchStrategy[str] | None = None, ordered: bool = False) -> Cell:
    """A valid DARTS cell: 8 ``(op, input)`` pairs, two distinct inputs per node.

    Parameters
    ----------
    ops : strategy of str, optional
        Where the operations come from (default: any of :data:`surrogate.space.OPS`). A narrow
        alphabet such as ``st.just("sep_conv_3x3")`` makes isomorphic cells common.
    ordered : bool, default False
        Put each node's two pairs in input order (the order :func:`surrogate.space.from_config`
        returns).
    """
    ops = st.sampled_from(OPS) if ops is None else ops
    pairs: list[tuple[str, int]] = []
    for node in _NODES:
        a, b = draw(st.lists(st.integers(0, node - 1), min_size=2, max_size=2, unique=True))
        if ordered:
            a, b = sorted((a, b))
        pairs.append((draw(ops), a))
        pairs.append((draw(ops), b))
    return tuple(pairs)


def genotypes(ops: st.SearchStrategy[str] | None = None, ordered: bool = False) -> st.SearchStrategy[Genotype]:
    """Valid :class:`~surrogate.space.Genotype` values (both cells drawn by :func:`cells`)."""
    return st.builds(
        lambda n, r: Genotype(normal=n, reduce=r),
        cells(ops=ops, ordered=ordered),
        cells(ops=ops, ordered=ordered),
    )


def relabel_cell(cell: Cell, order: tuple[int, ...], swaps: tuple[bool, ...] = (False,) * 4) -> Cell:
    """The cell with old intermediate node ``order[i]`` renamed ``i + 2``.

    ``order`` must be a topological order of the old nodes (every node after the nodes it
    reads); ``swaps[k]`` swaps the two pairs of new node ``k + 2``. The result is isomorphic to
    ``cell`` by construction.
    """
    new = {0: 0, 1: 1}
    for pos, old in enumerate(order):
        new[old] = pos + 2
    out: list[tuple[str, int]] = []
    for pos, old in enumerate(order):
        k = old - 2
        (op_a, in_a), (op_b, in_b) = cell[2 * k], cell[2 * k + 1]
        a, b = (op_a, new[in_a]), (op_b, new[in_b])
        if a[1] >= pos + 2 or b[1] >= pos + 2:
            raise ValueError(f"order {order} is not topological for cell {cell}")
        out.extend((b, a) if swaps[pos] else (a, b))
    return tuple(out)


@st.composite
def topological_orders(draw: st.DrawFn, cell: Cell) -> tuple[int, ...]:
    """A random order of the intermediate nodes 2..5 that the cell's DAG allows."""
    placed = {0, 1}
    remaining = list(_NODES)
    order: list[int] = []
    while remaining:
        ready = [n for n in remaining if {cell[2 * (n - 2)][1], cell[2 * (n - 2) + 1][1]} <= placed]
        nxt = draw(st.sampled_from(ready))
        order.append(nxt)
        placed.add(nxt)
        remaining.remove(nxt)
    return tuple(order)


@st.composite
def isomorphic_cells(draw: st.DrawFn, cell: Cell) -> Cell:
    """A random relabelling of ``cell`` (node order the DAG allows, and pair swaps)."""
    order = draw(topological_orders(cell))
    swaps = tuple(draw(st.lists(st.booleans(), min_size=4, max_size=4)))
    return relabel_cell(cell, order, swaps)


@st.composite
def isomorphic_genotypes(draw: st.DrawFn, genotype: Genotype) -> Genotype:
    """A random genotype isomorphic to ``genotype`` (both cells relabelled independently)."""
    return Genotype(
        normal=draw(isomorphic_cells(genotype.normal)),
        reduce=draw(isomorphic_cells(genotype.reduce)),
    )


@st.composite
def cells_with_twins(draw: st.DrawFn) -> Cell:
    """Cells where two intermediate nodes compute the same thing from the same sources.

    These are the cells on which a hash built from per-node structural labels alone can go wrong:
    the twins have equal labels, yet which twin a later node reads can matter.
    """
    ops = st.sampled_from(("sep_conv_3x3", "max_pool_3x3"))
    twin_node = draw(st.sampled_from((2, 3, 4)))
    while True:
        cell = list(draw(cells(ops=ops)))
        # the twin of node `twin_node` is node `twin_node + 1`, with the same two pairs.
        k = twin_node - 2
        cell[2 * k + 2], cell[2 * k + 3] = cell[2 * k], cell[2 * k + 1]
        if cell[2 * k][1] != cell[2 * k + 1][1]:
            break
    return tuple(cell)


def configs(ops: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[dict[str, str]]:
    """Official NAS-Bench-301 config dicts of valid genotypes (architecture keys only)."""
    return genotypes(ops=ops).map(lambda g: g.to_config())


def compacts() -> st.SearchStrategy[tuple]:
    """NASLib compact ``(normal, reduce)`` tuples of valid genotypes."""
    return genotypes().map(lambda g: g.to_compact())


def genotype_strings() -> st.SearchStrategy[str]:
    """DARTS's printed form of valid genotypes."""
    return genotypes().map(str)


# ---------------------------------------------------------------------------------------------
# Inputs that are not (or may not be) genotypes.

#: Every architecture key of the config form, and a few that look like one.
CONFIG_KEYS: tuple[str, ...] = tuple(
    [f"{CONFIG_PREFIX}edge_{c}_{i}" for c in ("normal", "reduce") for i in range(14)]
    + [f"{CONFIG_PREFIX}inputs_node_{c}_{n}" for c in ("normal", "reduce") for n in (3, 4, 5)]
    + [f"{CONFIG_PREFIX}edge_normal_14", f"{CONFIG_PREFIX}edge_reduce_x", "OptimizerSelector:sgd:lr"]
)


def json_like() -> st.SearchStrategy[object]:
    """Recursive JSON-like values (with tuples and non-string keys thrown in)."""
    leaves = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=True)
        | st.text(max_size=20)
        | st.sampled_from(OPS + NOT_OPS)
    )
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=9)
            | st.tuples(children, children)
            | st.dictionaries(st.text(max_size=10) | st.integers(), children, max_size=5)
        ),
        max_leaves=30,
    )


def _config_values() -> st.SearchStrategy[object]:
    digit = st.sampled_from("0123456789²٣x-")
    return st.one_of(
        st.sampled_from(OPS + NOT_OPS),
        st.builds(lambda a, b: f"{a}_{b}", digit, digit),
        st.text(max_size=8),
        st.integers(-3, 20),
        st.none(),
        st.lists(st.integers(0, 5), max_size=3),
    )


@st.composite
def mutated_configs(draw: st.DrawFn) -> dict:
    """A valid config with a few keys deleted, added or overwritten with random values."""
    config: dict = dict(draw(configs()))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(("delete", "set")))
        if action == "delete" and config:
            del config[draw(st.sampled_from(sorted(config)))]
        else:
            config[draw(st.sampled_from(CONFIG_KEYS))] = draw(_config_values())
    return config


@st.composite
def mutated_strings(draw: st.DrawFn, texts: st.SearchStrategy[str] | None = None) -> str:
    """A string of a valid architecture with random edits (deletions, insertions, replacements)."""
    text = draw(genotype_strings() if texts is None else texts)
    tokens = st.sampled_from(
        [
            "'",
            '"',
            "(",
            ")",
            "[",
            "]",
            ",",
            " ",
            "0",
            "7",
            "-1",
            "none",
            "range(2, 6)",
            "range(2, 0, 0)",
            "Genotype(",
            "normal=",
            "reduce=",
            "normal_concat=",
            "1e9",
            "²",
            "\x00",
            "{",
            "}",
            ":",
            "~",
            "|",
            "+",
        ]
    )
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 12)))
        action = draw(st.sampled_from(("delete", "insert", "replace", "truncate", "duplicate")))
        if action == "delete":
            text = text[:i] + text[j:]
        elif action == "insert":
            text = text[:i] + draw(tokens | st.text(max_size=4)) + text[i:]
        elif action == "replace":
            text = text[:i] + draw(tokens) + text[j:]
        elif action == "truncate":
            text = text[:i]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


def _ints_and_pairs() -> st.SearchStrategy[object]:
    small = st.integers(-2, 9)
    pairs = st.tuples(small, small) | st.lists(small, min_size=2, max_size=2)
    return st.one_of(
        st.lists(small, max_size=20),
        st.tuples(small, small, small, small, small, small),
        st.tuples(st.lists(pairs, max_size=10), st.lists(pairs, max_size=10)),
        st.lists(st.lists(pairs, min_size=1, max_size=10), min_size=1, max_size=3),
    )


def arbitrary_genotype_inputs() -> st.SearchStrategy[object]:
    """Anything a user might hand to :func:`surrogate.space.parse`, valid or not.

    A mix of arbitrary text, recursive JSON-like values, dicts with the config keys and random
    values, mutated valid configs, lists and tuples of ints and int pairs, and DARTS strings with
    random edits. A parser must turn each into a ``Genotype`` (or a list of them) or raise
    ``ValueError``, never anything else.
    """
    return st.one_of(
        st.text(max_size=200),
        json_like(),
        st.dictionaries(st.sampled_from(CONFIG_KEYS), _config_values(), max_size=34),
        mutated_configs(),
        mutated_configs().map(json.dumps),
        _ints_and_pairs(),
        mutated_strings(),
    )


@st.composite
def invalid_genotype_inputs(draw: st.DrawFn) -> object:
    """Inputs that are certainly not valid genotypes, each one defect away from a valid one.

    Defects: an unknown operation, an input out of range, both inputs of a node the same node,
    the wrong number of pairs, a wrong concat list, a missing config key; in the string, compact,
    config and plain-tuple forms.
    """
    g = draw(genotypes(ordered=True))
    cell_name = draw(st.sampled_from(("normal", "reduce")))
    cell = list(g.cell(cell_name))
    i = draw(st.integers(0, 7))
    node = 2 + i // 2
    defect = draw(st.sampled_from(("op", "range", "same", "count", "concat", "config_key")))
    concat = [2, 3, 4, 5]
    if defect == "op":
        cell[i] = (draw(st.sampled_from(NOT_OPS)), cell[i][1])
    elif defect == "range":
        cell[i] = (cell[i][0], draw(st.sampled_from((-1, node, node + 1, 9))))
    elif defect == "same":
        cell[i] = (cell[i][0], cell[i ^ 1][1])
    elif defect == "count":
        n = draw(st.sampled_from((0, 1, 7, 9, 16)))
        cell = (cell * 3)[:n]
    elif defect == "concat":
        concat = draw(st.sampled_from(([2, 3, 4], [2, 3, 4, 5, 6], [0, 1], [5, 4, 3, 2], [])))
    if defect == "config_key":
        config = g.to_config()
        del config[draw(st.sampled_from(sorted(k for k in config if f"_{cell_name}_" in k)))]
        return draw(st.sampled_from((config, json.dumps(config))))
    fields = {"normal": list(g.normal), "reduce": list(g.reduce)}
    fields[cell_name] = cell
    concats = {"normal_concat": [2, 3, 4, 5], "reduce_concat": [2, 3, 4, 5]}
    concats[f"{cell_name}_concat"] = concat
    text = (
        f"Genotype(normal={fields['normal']!r}, normal_concat={concats['normal_concat']!r}, "
        f"reduce={fields['reduce']!r}, reduce_concat={concats['reduce_concat']!r})"
    )
    forms = [text]
    if defect in ("range", "same", "count"):
        # the compact form carries no concat and no op names: only these defects survive in it
        forms.append(tuple(tuple((inp, OPS.index(op)) for op, inp in fields[c]) for c in ("normal", "reduce")))
    if defect in ("op", "range", "same"):
        forms.append(_config_with_defect(g.to_config(), cell_name, node, defect, cell, i))
    return draw(st.sampled_from(forms))


def _config_with_defect(config: dict, cell_name: str, node: int, defect: str, cell: list, i: int) -> dict:
    """The config of a valid genotype with the defect of pair ``i`` written into it."""
    config = dict(config)
    if defect == "op":
        inp = cell[i][1]
        config[f"{CONFIG_PREFIX}edge_{cell_name}_{EDGE_START[node] + inp}"] = cell[i][0]
        return config
    if node == 2:
        # node 2's inputs are fixed in the config form; set an edge of node 3 whose source is
        # not one of node 3's chosen inputs instead
        (unchosen,) = {0, 1, 2} - {cell[2][1], cell[3][1]}
        config[f"{CONFIG_PREFIX}edge_{cell_name}_{EDGE_START[3] + unchosen}"] = "sep_conv_3x3"
        return config
    a, b = cell[2 * (node - 2)][1], cell[2 * (node - 2) + 1][1]
    config[f"{CONFIG_PREFIX}inputs_node_{cell_name}_{node}"] = f"{a}_{b}"
    return config
