"""The DARTS ``Genotype``: an immutable, validated pair of cells.

The shape is DARTS's namedtuple ``Genotype(normal, normal_concat, reduce, reduce_concat)``: each
cell is 8 ``(op, input)`` pairs; pairs ``2k`` and ``2k+1`` are the two inputs of intermediate node
``k + 2``; input 0 is the output of cell k-2, input 1 that of cell k-1 and inputs 2..5 are the
intermediate nodes. Unlike DARTS's namedtuple, this one holds tuples and checks itself when built,
so a ``Genotype`` that exists is always valid.
"""

from __future__ import annotations

from typing import NamedTuple

from ._errors import InvalidArchitectureError
from ._ops import CONCAT, N_PAIRS, OP_INDEX, OPS

Pair = tuple[str, int]
Cell = tuple[Pair, ...]


class _Fields(NamedTuple):
    normal: Cell
    normal_concat: tuple[int, ...]
    reduce: Cell
    reduce_concat: tuple[int, ...]


#: For pair i (node 2 + i // 2), every valid (op, input).
_VALID_PAIRS = tuple(frozenset((op, inp) for op in OPS for inp in range(2 + i // 2)) for i in range(N_PAIRS))


def _check_cell(name: str, cell: object) -> Cell:
    """Return ``cell`` as a tuple of ``(op, input)`` pairs or raise with the node at fault.

    A fast path accepts the common valid input with set look-ups; anything it does not accept
    goes through :func:`_check_cell_slow`, which finds and names the problem.
    """
    if type(cell) in (tuple, list) and len(cell) == N_PAIRS:  # type: ignore[arg-type]
        try:
            out = tuple(p if type(p) is tuple else tuple(p) for p in cell)  # type: ignore[union-attr]
        except TypeError:
            out = ()
        if (
            len(out) == N_PAIRS
            and all(len(p) == 2 and type(p[1]) is int and p in v for p, v in zip(out, _VALID_PAIRS))
            and out[0][1] != out[1][1]
            and out[2][1] != out[3][1]
            and out[4][1] != out[5][1]
            and out[6][1] != out[7][1]
        ):
            return out
    return _check_cell_slow(name, cell)


def _valid_typed_cell(cell: Cell) -> bool:
    """Whether a tuple of 8 ``(str, int)`` tuples (types already known, as a parser makes them)
    is a valid cell: one C-level pass of set look-ups (the string path, ~3x faster than
    :func:`_check_cell`)."""
    return (
        len(cell) == N_PAIRS
        and all(map(frozenset.__contains__, _VALID_PAIRS, cell))
        and cell[0][1] != cell[1][1]
        and cell[2][1] != cell[3][1]
        and cell[4][1] != cell[5][1]
        and cell[6][1] != cell[7][1]
    )


def _check_cell_slow(name: str, cell: object) -> Cell:
    if isinstance(cell, (str, bytes)) or not hasattr(cell, "__len__") or not hasattr(cell, "__iter__"):
        raise InvalidArchitectureError(f"{name} cell: expected a sequence of {N_PAIRS} (op, input) pairs, got {cell!r}")
    pairs = list(cell)  # type: ignore[call-overload]
    if len(pairs) != N_PAIRS:
        raise InvalidArchitectureError(
            f"{name} cell: expected {N_PAIRS} (op, input) pairs (2 per intermediate node), got {len(pairs)}: {cell!r}"
        )
    out = []
    for i, pair in enumerate(pairs):
        node = 2 + i // 2
        if isinstance(pair, (str, bytes)) or not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InvalidArchitectureError(f"{name} cell, node {node}: expected an (op, input) pair, got {pair!r}")
        op, inp = pair
        if not isinstance(op, str) or op not in OP_INDEX:
            raise InvalidArchitectureError(
                f"{name} cell, node {node}: unknown operation {op!r}; expected one of {list(OPS)}"
            )
        if isinstance(inp, bool) or not isinstance(inp, int):
            raise InvalidArchitectureError(f"{name} cell, node {node}: input must be an int, got {inp!r}")
        if not 0 <= inp < node:
            raise InvalidArchitectureError(
                f"{name} cell, node {node}: input {inp} out of range; node {node} may take inputs 0..{node - 1}"
            )
        out.append((op, int(inp)))
    for k in range(N_PAIRS // 2):
        if out[2 * k][1] == out[2 * k + 1][1]:
            raise InvalidArchitectureError(
                f"{name} cell, node {k + 2}: both inputs are node {out[2 * k][1]}; the two inputs of a node must differ"
            )
    return tuple(out)


def _check_concat(name: str, concat: object) -> tuple[int, ...]:
    try:
        values = tuple(concat)  # type: ignore[call-overload]
    except TypeError:
        values = None
    if values != CONCAT:
        raise InvalidArchitectureError(
            f"{name}_concat: this space concatenates every intermediate node, expected {list(CONCAT)}, got {concat!r}"
        )
    return CONCAT


class Genotype(_Fields):
    """A DARTS architecture: a normal and a reduction cell.

    Parameters
    ----------
    normal, reduce : sequence of (str, int)
        Eight ``(op, input)`` pairs each. Lists are accepted and stored as tuples.
    normal_concat, reduce_concat : sequence of int, default (2, 3, 4, 5)
        Must be ``(2, 3, 4, 5)``: the cell output concatenates every intermediate node.

    Raises
    ------
    InvalidArchitectureError
        (a ``ValueError``) naming the cell, the node and what is wrong.

    Examples
    --------
    >>> g = Genotype(normal=[("sep_conv_3x3", 0), ("sep_conv_3x3", 1)] * 4,
    ...              reduce=[("max_pool_3x3", 0), ("skip_connect", 1)] * 4)
    >>> g.normal[0]
    ('sep_conv_3x3', 0)
    """

    __slots__ = ()

    def __new__(
        cls,
        normal: object,
        normal_concat: object = CONCAT,
        reduce: object = None,
        reduce_concat: object = CONCAT,
    ) -> Genotype:
        if reduce is None:
            raise InvalidArchitectureError("reduce cell: missing")
        return super().__new__(
            cls,
            _check_cell("normal", normal),
            _check_concat("normal", normal_concat),
            _check_cell("reduce", reduce),
            _check_concat("reduce", reduce_concat),
        )

    @classmethod
    def _trusted(cls, normal: Cell, reduce: Cell) -> Genotype:
        """Build without validation, from tuples already known to be valid (internal fast path)."""
        return tuple.__new__(cls, (normal, CONCAT, reduce, CONCAT))

    def __repr__(self) -> str:
        # DARTS's own printed form (lists, not tuples), so strings round-trip with DARTS code.
        return (
            f"Genotype(normal={list(self.normal)!r}, normal_concat={list(self.normal_concat)!r}, "
            f"reduce={list(self.reduce)!r}, reduce_concat={list(self.reduce_concat)!r})"
        )

    __str__ = __repr__

    def cell(self, name: str) -> Cell:
        """The cell called ``name`` (``"normal"`` or ``"reduce"``)."""
        if name == "normal":
            return self.normal
        if name == "reduce":
            return self.reduce
        raise ValueError(f"unknown cell {name!r}; expected 'normal' or 'reduce'")

    # Named constructors and conversions (implemented in _formats, imported lazily to keep this
    # module free of format details).
    @classmethod
    def from_string(cls, text: str) -> Genotype:
        from ._formats import from_string

        return from_string(text)

    @classmethod
    def from_config(cls, config: dict) -> Genotype:
        from ._formats import from_config

        return from_config(config)

    @classmethod
    def from_compact(cls, compact: object) -> Genotype:
        from ._formats import from_compact

        return from_compact(compact)

    def to_config(self) -> dict[str, str]:
        from ._formats import to_config

        return to_config(self)

    def to_compact(self) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
        from ._formats import to_compact

        return to_compact(self)

    def to_string(self) -> str:
        return repr(self)
