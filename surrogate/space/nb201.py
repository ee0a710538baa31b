"""The NAS-Bench-201 cell space: 4 nodes, 6 edges, 5 operations, 15,625 cells.

A cell is a DAG on nodes 0 (the cell input), 1, 2 and 3 (the cell output); every node ``j < i``
feeds node ``i`` through one operation, and node ``i`` sums what reaches it. The six edges, in
the order of the NB201 string, are::

    1<-0 | 2<-0 2<-1 | 3<-0 3<-1 3<-2

and the operations, in NB201's own order (indices in this module are into this tuple)::

    none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3

A value of the space is a :class:`Cell201`. :func:`parse` reads the NB201 string
``'|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'``,
a tuple of 6 op indices or 6 op names in the edge order above, or a list of any of these.

NASLib (and packages built on it, such as ``analog-nasbench``) write cells as 6 indices in
*another* convention: edges ordered by source (1<-0, 2<-0, 3<-0, 2<-1, 3<-1, 3<-2) and ops as
(skip_connect, none, nor_conv_3x3, nor_conv_1x1, avg_pool_3x3). Use
:meth:`Cell201.from_naslib` / :meth:`Cell201.to_naslib` for that form; :func:`parse` never guesses.

Isomorphism: an edge is *live* when it is not ``none``, its source is reachable from the input
and its target reaches the output through live edges; other edges do not change what the cell
computes (a node that no input reaches outputs zeros, a node that reaches no output is discarded).
Nodes 1 and 2 may swap names when node 2 does not read node 1. :func:`canonical` keeps the live
edges (the rest become ``none``) and takes the smaller of the two namings; :func:`arch_hash` hashes
that, so cells that are the same graph after pruning hash equal (8,765 classes, one of them every
disconnected cell). Functional equivalences beyond graph isomorphism (e.g. a chain of
``skip_connect`` edges collapsing) are not merged.

Examples
--------
>>> from surrogate.space import nb201
>>> c = nb201.parse("|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|")
>>> c.indices
(3, 0, 3, 1, 0, 1)
>>> nb201.parse((3, 0, 3, 1, 0, 1)) == c
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import overload

import numpy as np

from ._errors import InvalidArchitectureError

__all__ = [
    "EDGES",
    "NASLIB_EDGES",
    "NASLIB_OPS",
    "N_EDGES",
    "OPS",
    "SPACE_SIZE",
    "Cell201",
    "arch_hash",
    "canonical",
    "canonical_index",
    "canonical_string",
    "from_index",
    "live_edge_mask",
    "live_edges",
    "mutate",
    "neighbours",
    "parse",
    "sample",
    "to_array",
    "to_index",
    "to_string",
]

#: The five operations in NAS-Bench-201's order.
OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
OP_INDEX: dict[str, int] = {op: i for i, op in enumerate(OPS)}
#: The six edges as ``(target, source)``, in the order of the NB201 string.
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
N_EDGES = len(EDGES)
N_NODES = 4
SPACE_SIZE = len(OPS) ** N_EDGES

#: NASLib's op order for its 6-index form (``analog-nasbench`` uses it too).
NASLIB_OPS: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
#: NASLib's edge order, as ``(target, source)``: edges sorted by source node.
NASLIB_EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (3, 0), (2, 1), (3, 1), (3, 2))
_NASLIB_POS = tuple(NASLIB_EDGES.index(e) for e in EDGES)

_MAX_STRING = 10_000
_EXAMPLE = "'|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'"


def _edge_name(e: int) -> str:
    t, s = EDGES[e]
    return f"edge {t}<-{s}"


def _check_ops(ops: object) -> tuple[str, ...]:
    if isinstance(ops, (str, bytes)) or not isinstance(ops, (tuple, list)):
        raise InvalidArchitectureError(f"NB201 cell: expected 6 op names (or indices), one per edge, got {ops!r:.120}")
    if len(ops) != N_EDGES:
        raise InvalidArchitectureError(
            f"NB201 cell: expected {N_EDGES} ops, one per edge (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2), "
            f"got {len(ops)}: {ops!r:.120}"
        )
    out = []
    for e, op in enumerate(ops):
        if isinstance(op, str) and op in OP_INDEX:
            out.append(op)
        elif isinstance(op, (int, np.integer)) and not isinstance(op, (bool, np.bool_)):
            if not 0 <= op < len(OPS):
                raise InvalidArchitectureError(
                    f"NB201 cell, {_edge_name(e)}: op index {op} out of range 0..{len(OPS) - 1} "
                    f"(indices into {list(OPS)})"
                )
            out.append(OPS[int(op)])
        else:
            raise InvalidArchitectureError(
                f"NB201 cell, {_edge_name(e)}: unknown operation {op!r:.60}; expected one of "
                f"{list(OPS)} or an index 0..{len(OPS) - 1}"
            )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Cell201:
    """A NAS-Bench-201 cell: one operation per edge, validated at construction, immutable.

    Parameters
    ----------
    ops : sequence of str or int
        Six ops (names from :data:`OPS`, or indices into it), one per edge in the order
        1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2. Stored as a tuple of names.

    Raises
    ------
    InvalidArchitectureError
        (a ``ValueError``) naming the edge and what is wrong.

    Examples
    --------
    >>> c = Cell201(("nor_conv_3x3", "none", "nor_conv_3x3", "skip_connect", "none", "skip_connect"))
    >>> str(c)
    '|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|'
    >>> Cell201.from_naslib(c.to_naslib()) == c
    True
    """

    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "ops", _check_ops(self.ops))

    @property
    def indices(self) -> tuple[int, ...]:
        """The op indices (into :data:`OPS`), in edge order."""
        return tuple(OP_INDEX[op] for op in self.ops)

    def edge(self, target: int, source: int) -> str:
        """The op on the edge ``target <- source``."""
        try:
            return self.ops[EDGES.index((target, source))]
        except ValueError:
            raise ValueError(f"no edge {target}<-{source}; edges are {[f'{t}<-{s}' for t, s in EDGES]}") from None

    def to_string(self) -> str:
        """The NB201 string, ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``."""
        o = self.ops
        return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"

    __str__ = to_string

    @classmethod
    def from_string(cls, text: str) -> Cell201:
        """Parse the NB201 string form (see :func:`parse`)."""
        return _from_string(text)

    @classmethod
    def from_naslib(cls, indices: Sequence[int]) -> Cell201:
        """A cell from NASLib's 6 op indices (edges by source; ops skip, none, conv3, conv1, pool)."""
        if isinstance(indices, (str, bytes)) or not isinstance(indices, Sequence) or len(indices) != N_EDGES:
            raise InvalidArchitectureError(f"NASLib NB201 form: expected 6 op indices, got {indices!r:.120}")
        ops = []
        for e, pos in enumerate(_NASLIB_POS):
            i = indices[pos]
            if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)) or not 0 <= i < len(NASLIB_OPS):
                raise InvalidArchitectureError(
                    f"NASLib NB201 form, {_edge_name(e)}: op index {i!r} out of range 0..4 "
                    f"(indices into {list(NASLIB_OPS)})"
                )
            ops.append(NASLIB_OPS[int(i)])
        return cls(tuple(ops))

    def to_naslib(self) -> tuple[int, ...]:
        """NASLib's 6 op indices for this cell."""
        out = [0] * N_EDGES
        for e, pos in enumerate(_NASLIB_POS):
            out[pos] = NASLIB_OPS.index(self.ops[e])
        return tuple(out)


# --- parsing ---------------------------------------------------------------------------------


def _from_string(text: object) -> Cell201:
    if not isinstance(text, str):
        raise InvalidArchitectureError(f"expected an NB201 string, got {type(text).__name__}")
    s = text.strip()
    if len(s) > _MAX_STRING:
        raise InvalidArchitectureError(f"NB201 string is {len(s)} characters long; a cell is about 100")
    parts = s.split("+")
    if len(parts) != N_NODES - 1:
        raise InvalidArchitectureError(
            f"not an NB201 string: expected 3 nodes separated by '+', got {len(parts)} part(s) in "
            f"{s[:80]!r}; expected e.g. {_EXAMPLE}"
        )
    ops: dict[tuple[int, int], str] = {}
    for target, part in enumerate(parts, start=1):
        part = part.strip()
        if len(part) < 2 or part[0] != "|" or part[-1] != "|":
            raise InvalidArchitectureError(
                f"NB201 string, node {target}: expected '|op~source|...|', got {part[:60]!r}"
            )
        tokens = part[1:-1].split("|")
        if len(tokens) != target:
            raise InvalidArchitectureError(
                f"NB201 string, node {target}: expected {target} edge(s) (one from each earlier "
                f"node), got {len(tokens)} in {part[:60]!r}"
            )
        for token in tokens:
            op, sep, src = token.strip().partition("~")
            if not sep or not (src.isascii() and src.isdigit()) or len(src) > 2:
                raise InvalidArchitectureError(f"NB201 string, node {target}: expected 'op~source', got {token[:40]!r}")
            source = int(src)
            if source >= target:
                raise InvalidArchitectureError(
                    f"NB201 string, node {target}: source {source} out of range; node {target} "
                    f"reads nodes 0..{target - 1}"
                )
            if (target, source) in ops:
                raise InvalidArchitectureError(f"NB201 string, node {target}: edge {target}<-{source} given twice")
            if op not in OP_INDEX:
                raise InvalidArchitectureError(
                    f"NB201 string, node {target}, edge {target}<-{source}: unknown operation "
                    f"{op[:40]!r}; expected one of {list(OPS)}"
                )
            ops[(target, source)] = op
    return Cell201(tuple(ops[e] for e in EDGES))


def _is_one_cell(x: Sequence) -> bool:
    """A flat sequence of 6 ints or 6 op names (rather than a list of cells)."""
    return len(x) == N_EDGES and (
        all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in x)
        or all(isinstance(v, str) and v in OP_INDEX for v in x)
    )


def parse_one(x: object) -> Cell201:
    """One cell, in any accepted form, as a :class:`Cell201`."""
    if isinstance(x, Cell201):
        return x
    if isinstance(x, str):
        return _from_string(x)
    if isinstance(x, np.ndarray) and x.ndim == 1:
        x = x.tolist()
    if isinstance(x, (tuple, list)):
        return Cell201(tuple(x))
    raise InvalidArchitectureError(
        f"cannot read an NB201 cell from {type(x).__name__} {x!r:.80}; expected an NB201 string "
        f"such as {_EXAMPLE}, or 6 op indices or names"
    )


@overload
def parse(x: list) -> list[Cell201]: ...
@overload
def parse(x: object) -> Cell201: ...


def parse(x: object) -> Cell201 | list[Cell201]:
    """Parse one NB201 cell or a list of them.

    Accepts a :class:`Cell201`, the NB201 string, a tuple of 6 op indices (into :data:`OPS`) or
    of 6 op names in edge order (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2), or a list (or array,
    or other iterable) of any of these. A list of 6 ints or 6 op names is one cell; any other
    list is a list of cells. One cell in, one ``Cell201`` out; a list in, a list out.

    Raises
    ------
    InvalidArchitectureError
        (a ``ValueError``) naming the item, node or edge at fault.

    Examples
    --------
    >>> parse([(3, 3, 3, 1, 3, 3), "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"])[1].indices
    (0, 0, 0, 0, 0, 0)
    """
    if isinstance(x, (str, Cell201, tuple)):
        return parse_one(x)
    if isinstance(x, np.ndarray):
        if x.ndim == 1 and _is_one_cell(x.tolist()):
            return parse_one(x)
        x = list(x)
    elif isinstance(x, list):
        if _is_one_cell(x):
            return parse_one(x)
    elif hasattr(x, "__iter__") and not isinstance(x, (bytes, dict)):
        x = list(x)  # type: ignore[call-overload]
        if _is_one_cell(x):
            return parse_one(x)
    else:
        return parse_one(x)
    out = []
    for i, item in enumerate(x):
        try:
            out.append(parse_one(item))
        except InvalidArchitectureError as err:
            raise InvalidArchitectureError(f"architecture {i}: {err}") from None
    return out


def to_string(cell: Cell201) -> str:
    """The NB201 string of a cell."""
    return cell.to_string()


# --- indices, canonical form and hash --------------------------------------------------------

_POW = len(OPS) ** np.arange(N_EDGES - 1, -1, -1)


def to_index(cell: Cell201) -> int:
    """The cell's position 0..15624 in the space (base-5 digits = op indices in edge order)."""
    return int(np.dot(cell.indices, _POW))


def from_index(index: int) -> Cell201:
    """The cell at ``index`` (inverse of :func:`to_index`)."""
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < SPACE_SIZE:
        raise InvalidArchitectureError(f"NB201 index must be an int in 0..{SPACE_SIZE - 1}, got {index!r}")
    return Cell201(tuple(int(index) // int(p) % len(OPS) for p in _POW))


def to_array(cells: Sequence[Cell201]) -> np.ndarray:
    """An ``int8`` array ``(n, 6)`` of op indices in edge order."""
    return np.array([c.indices for c in cells], dtype=np.int8).reshape(len(cells), N_EDGES)


def _live(indices: tuple[int, ...]) -> tuple[bool, ...]:
    on = {EDGES[e]: indices[e] != 0 for e in range(N_EDGES)}
    reached = {0}
    for t in range(1, N_NODES):
        if any(on[(t, s)] and s in reached for s in range(t)):
            reached.add(t)
    reaches = {N_NODES - 1}
    for s in range(N_NODES - 2, -1, -1):
        if any(on[(t, s)] and t in reaches for t in range(s + 1, N_NODES)):
            reaches.add(s)
    return tuple(on[(t, s)] and s in reached and t in reaches for t, s in EDGES)


_SWAP = {0: 0, 1: 2, 2: 1, 3: 3}


def _canonical_indices(indices: tuple[int, ...]) -> tuple[int, ...]:
    live = _live(indices)
    kept = tuple(i if on else 0 for i, on in zip(indices, live))
    candidates = [kept]
    if kept[EDGES.index((2, 1))] == 0:  # nodes 1 and 2 may swap names
        swapped = [0] * N_EDGES
        for e, (t, s) in enumerate(EDGES):
            if kept[e]:  # the one edge with no image, 2<-1, is none here
                swapped[EDGES.index((_SWAP[t], _SWAP[s]))] = kept[e]
        candidates.append(tuple(swapped))
    return min(candidates)


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """For every cell index: its canonical cell's index, and its live-edge mask (computed once)."""
    canon = np.empty(SPACE_SIZE, dtype=np.int32)
    live = np.empty((SPACE_SIZE, N_EDGES), dtype=bool)
    for index in range(SPACE_SIZE):
        digits = tuple(index // int(p) % len(OPS) for p in _POW)
        canon[index] = int(np.dot(_canonical_indices(digits), _POW))
        live[index] = _live(digits)
    canon.setflags(write=False)
    live.setflags(write=False)
    return canon, live


def canonical_index(indices: np.ndarray) -> np.ndarray:
    """Vectorised: op-index rows ``(n, 6)`` -> the index (0..15624) of each canonical cell."""
    arr = np.asarray(indices, dtype=np.int64).reshape(-1, N_EDGES)
    return _tables()[0][arr @ _POW]


def live_edge_mask(indices: np.ndarray) -> np.ndarray:
    """Vectorised :func:`live_edges`: op-index rows ``(n, 6)`` -> ``bool (n, 6)``."""
    arr = np.asarray(indices, dtype=np.int64).reshape(-1, N_EDGES)
    return _tables()[1][arr @ _POW]


def live_edges(cell: Cell201) -> tuple[bool, ...]:
    """Which of the six edges change what the cell computes (see the module docstring)."""
    return _live(cell.indices)


def canonical(cell: Cell201) -> Cell201:
    """The representative of the cell's isomorphism class: dead edges ``none``, nodes 1, 2 ordered.

    Examples
    --------
    >>> str(canonical(parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|none~0|none~1|avg_pool_3x3~2|")))
    '|none~0|+|nor_conv_1x1~0|none~1|+|none~0|none~1|avg_pool_3x3~2|'
    """
    return Cell201(tuple(OPS[i] for i in _canonical_indices(cell.indices)))


def canonical_string(cell: Cell201) -> str:
    """The NB201 string of the canonical form: the de-duplication key."""
    return canonical(cell).to_string()


def arch_hash(cell: Cell201) -> str:
    """A 32-hex-digit hash of the canonical form; isomorphic cells hash equal."""
    return hashlib.blake2b(b"nb201:" + canonical_string(cell).encode(), digest_size=16).hexdigest()


# --- sampling and local moves ----------------------------------------------------------------


def sample(n: int, rng: object = None) -> list[Cell201]:
    """``n`` cells drawn uniformly from the 15,625 (with repeats), from ``np.random.default_rng(rng)``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    ops = np.random.default_rng(rng).integers(0, len(OPS), size=(int(n), N_EDGES))
    return [Cell201(tuple(OPS[i] for i in row)) for row in ops]


def _moves(cell: Cell201) -> list[Cell201]:
    out = []
    for e, op in enumerate(cell.ops):
        for other in OPS:
            if other != op:
                out.append(Cell201(cell.ops[:e] + (other,) + cell.ops[e + 1 :]))
    return out


def mutate(cell: Cell201, rng: object = None) -> Cell201:
    """One random op change (uniform over the 24 single-edge changes)."""
    moves = _moves(cell)
    return moves[int(np.random.default_rng(rng).integers(len(moves)))]


def neighbours(cell: Cell201) -> list[Cell201]:
    """All cells one op change away, de-duplicated up to isomorphism, without the cell's own class."""
    seen = {canonical_string(cell)}
    out = []
    for m in _moves(cell):
        key = canonical_string(m)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out
