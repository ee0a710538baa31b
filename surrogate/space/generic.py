"""Generic cells: any labelled DAG, for evaluations from search spaces this package does not know.

A :class:`GenericCell` is a directed acyclic graph with a string label on every node and,
optionally, on every edge. Its JSON form (one record of a JSONL file, see
``docs/generic-format.md``)::

    {"nodes": ["input", "conv3x3", "maxpool", "output"],
     "edges": [[0, 1], [0, 2], [1, 3], [2, 3]],
     "edge_labels": ["relu", "id", "id", "id"]}

``edge_labels`` is optional; with it, ops can live on edges (NB201-style) instead of, or as well
as, on nodes (NB101-style). Instead of a list of labels, ``nodes`` may be a count for unlabelled
nodes (they get the label ``""``).

The value is normalised when built: edges (with their labels) are sorted, so two records that
list the same edges in another order give equal cells. Nothing else is changed: node numbering
is kept, and :func:`to_dict` / :func:`to_string` round-trip exactly.

Hash: :func:`arch_hash` is a Weisfeiler-Lehman hash (node labels refined by the multisets of
``(edge label, neighbour label)`` of predecessors and, separately, of successors, until the
partition of nodes stops splitting). Isomorphic cells always hash equal. It is **not** a perfect
invariant: rare non-isomorphic graphs that 1-WL cannot tell apart (e.g. some regular structures)
hash equal too. It is computed here rather than with ``networkx.weisfeiler_lehman_graph_hash``
so that stored hashes do not change with a networkx release (its hashes changed in 3.5).

Examples
--------
>>> from surrogate.space import generic
>>> a = generic.parse({"nodes": ["in", "conv", "pool", "out"], "edges": [[0, 1], [0, 2], [1, 3], [2, 3]]})
>>> b = generic.parse({"nodes": ["in", "pool", "conv", "out"], "edges": [[2, 3], [0, 1], [0, 2], [1, 3]]})
>>> generic.arch_hash(a) == generic.arch_hash(b)
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

from ._errors import InvalidArchitectureError

__all__ = [
    "MAX_EDGES",
    "MAX_NODES",
    "GenericCell",
    "arch_hash",
    "canonical_string",
    "depth",
    "depth_height",
    "from_dict",
    "parse",
    "to_dict",
    "to_string",
]

#: Size limits: a cell is a small graph; anything larger is almost surely a mistake.
MAX_NODES = 1_000
MAX_EDGES = 10_000
_MAX_LABEL = 200
_MAX_STRING = 1_000_000
_KEYS = ("nodes", "edges", "edge_labels")


def _is_int(v: object) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _check_label(label: object, what: str) -> str:
    if not isinstance(label, str):
        raise InvalidArchitectureError(f"{what}: a label must be a string, got {label!r:.60}")
    if len(label) > _MAX_LABEL:
        raise InvalidArchitectureError(f"{what}: label is {len(label)} characters long (at most {_MAX_LABEL})")
    return label


def _check_nodes(nodes: object) -> tuple[str, ...]:
    if _is_int(nodes):
        if not 1 <= nodes <= MAX_NODES:  # type: ignore[operator]
            raise InvalidArchitectureError(f"nodes: a count must be in 1..{MAX_NODES}, got {nodes}")
        return ("",) * int(nodes)  # type: ignore[arg-type]
    if isinstance(nodes, (str, bytes, Mapping)) or not isinstance(nodes, (Sequence, np.ndarray)):
        raise InvalidArchitectureError(f"nodes: expected a list of node labels (or a node count), got {nodes!r:.80}")
    if not 1 <= len(nodes) <= MAX_NODES:
        raise InvalidArchitectureError(f"nodes: expected 1..{MAX_NODES} nodes, got {len(nodes)}")
    return tuple(_check_label(v, f"node {i}") for i, v in enumerate(nodes))


def _check_edges(edges: object, n: int) -> tuple[tuple[int, int], ...]:
    if isinstance(edges, (str, bytes, Mapping)) or not isinstance(edges, (Sequence, np.ndarray)):
        raise InvalidArchitectureError(f"edges: expected a list of [source, target] pairs, got {edges!r:.80}")
    if len(edges) > MAX_EDGES:
        raise InvalidArchitectureError(f"edges: at most {MAX_EDGES} edges, got {len(edges)}")
    out = []
    for i, e in enumerate(edges):
        if isinstance(e, (str, bytes)) or not isinstance(e, (Sequence, np.ndarray)) or len(e) != 2:
            raise InvalidArchitectureError(f"edge {i}: expected a [source, target] pair, got {e!r:.60}")
        s, t = e[0], e[1]
        for end in (s, t):
            if not _is_int(end):
                raise InvalidArchitectureError(f"edge {i} {list(e)!r:.60}: node indices must be ints")
            if not 0 <= end < n:
                raise InvalidArchitectureError(
                    f"edge {i} {[s, t]}: node {end} out of range; the cell has nodes 0..{n - 1}"
                )
        if s == t:
            raise InvalidArchitectureError(f"edge {i} {[s, t]}: a node cannot feed itself")
        out.append((int(s), int(t)))
    return tuple(out)


def _topological_order(n: int, edges: Sequence[tuple[int, int]]) -> list[int] | None:
    indeg = [0] * n
    succ: list[list[int]] = [[] for _ in range(n)]
    for s, t in edges:
        indeg[t] += 1
        succ[s].append(t)
    ready = [v for v in range(n) if indeg[v] == 0]
    order = []
    while ready:
        v = ready.pop()
        order.append(v)
        for t in succ[v]:
            indeg[t] -= 1
            if indeg[t] == 0:
                ready.append(t)
    return order if len(order) == n else None


@dataclass(frozen=True, slots=True)
class GenericCell:
    """A labelled DAG, validated and normalised (edges sorted) at construction, immutable.

    Parameters
    ----------
    nodes : sequence of str, or int
        One label per node (or a node count: unlabelled nodes, label ``""``).
    edges : sequence of (int, int)
        ``(source, target)`` node indices; no self loops, no repeated edge, no cycle.
    edge_labels : sequence of str, optional
        One label per edge, in the order of ``edges``.

    Raises
    ------
    InvalidArchitectureError
        (a ``ValueError``) naming the node or edge at fault.
    """

    nodes: tuple[str, ...]
    edges: tuple[tuple[int, int], ...] = ()
    edge_labels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        nodes = _check_nodes(self.nodes)
        edges = _check_edges(self.edges, len(nodes))
        labels = self.edge_labels
        if labels is not None:
            if isinstance(labels, (str, bytes, Mapping)) or not isinstance(labels, (Sequence, np.ndarray)):
                raise InvalidArchitectureError(f"edge_labels: expected a list of strings, got {labels!r:.80}")
            if len(labels) != len(edges):
                raise InvalidArchitectureError(
                    f"edge_labels: {len(labels)} labels for {len(edges)} edges; give one per edge"
                )
            labels = tuple(_check_label(v, f"edge {i} label") for i, v in enumerate(labels))
        order = sorted(range(len(edges)), key=lambda i: edges[i])
        sorted_edges = tuple(edges[i] for i in order)
        for a, b in zip(sorted_edges, sorted_edges[1:]):
            if a == b:
                raise InvalidArchitectureError(f"edge {list(a)} given twice; edges must be distinct")
        if _topological_order(len(nodes), sorted_edges) is None:
            raise InvalidArchitectureError(
                f"edges contain a cycle; a cell must be a DAG: {[list(e) for e in sorted_edges]!r:.200}"
            )
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "edges", sorted_edges)
        object.__setattr__(self, "edge_labels", None if labels is None else tuple(labels[i] for i in order))

    def to_dict(self) -> dict:
        """The JSON form (``edge_labels`` only when the cell has them)."""
        d: dict = {"nodes": list(self.nodes), "edges": [list(e) for e in self.edges]}
        if self.edge_labels is not None:
            d["edge_labels"] = list(self.edge_labels)
        return d

    def to_string(self) -> str:
        """Compact JSON of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    __str__ = to_string


def from_dict(d: Mapping) -> GenericCell:
    """A cell from its JSON form; unknown keys are an error (they are usually typos)."""
    if not isinstance(d, Mapping):
        raise InvalidArchitectureError(f"expected a JSON object with 'nodes' and 'edges', got {type(d).__name__}")
    unknown = [k for k in d if k not in _KEYS]
    if unknown:
        raise InvalidArchitectureError(
            f"unknown key(s) {unknown!r:.120} in a generic cell; expected {list(_KEYS)} (put target "
            "columns beside the cell, not inside it)"
        )
    if "nodes" not in d:
        raise InvalidArchitectureError("a generic cell needs 'nodes' (a list of node labels or a count)")
    return GenericCell(nodes=d["nodes"], edges=d.get("edges", ()), edge_labels=d.get("edge_labels"))


def to_dict(cell: GenericCell) -> dict:
    """The JSON form of a cell."""
    return cell.to_dict()


def to_string(cell: GenericCell) -> str:
    """Compact JSON of a cell."""
    return cell.to_string()


def _from_string(text: str) -> GenericCell:
    s = text.strip()
    if len(s) > _MAX_STRING:
        raise InvalidArchitectureError(f"generic cell string is {len(s)} characters long; at most {_MAX_STRING}")
    try:
        obj = json.loads(s)
    except (ValueError, RecursionError) as err:
        raise InvalidArchitectureError(
            f"not a JSON generic cell ({err}): {s[:80]!r}; expected e.g. "
            '\'{"nodes": ["input", "conv3x3", "output"], "edges": [[0, 1], [1, 2]]}\''
        ) from None
    if not isinstance(obj, dict):
        raise InvalidArchitectureError(f"expected a JSON object, got {s[:80]!r}")
    return from_dict(obj)


def parse_one(x: object) -> GenericCell:
    """One cell (a GenericCell, its JSON object or JSON text) as a :class:`GenericCell`."""
    if isinstance(x, GenericCell):
        return x
    if isinstance(x, str):
        return _from_string(x)
    if isinstance(x, Mapping):
        return from_dict(x)
    raise InvalidArchitectureError(
        f"cannot read a generic cell from {type(x).__name__} {x!r:.80}; expected a JSON object "
        "with 'nodes' and 'edges' (or its text)"
    )


@overload
def parse(x: list) -> list[GenericCell]: ...
@overload
def parse(x: object) -> GenericCell: ...


def parse(x: object) -> GenericCell | list[GenericCell]:
    """Parse one generic cell or a list (or other iterable) of them; a list in, a list out.

    Raises
    ------
    InvalidArchitectureError
        (a ``ValueError``) naming the item, node or edge at fault.
    """
    if isinstance(x, (GenericCell, str, Mapping)):
        return parse_one(x)
    if isinstance(x, bytes) or not hasattr(x, "__iter__"):
        return parse_one(x)
    out = []
    for i, item in enumerate(x):  # type: ignore[union-attr]
        try:
            out.append(parse_one(item))
        except InvalidArchitectureError as err:
            raise InvalidArchitectureError(f"architecture {i}: {err}") from None
    return out


# --- hash ------------------------------------------------------------------------------------


def _h(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def wl_labels(cell: GenericCell) -> list[str]:
    """Per-node Weisfeiler-Lehman colours after refinement has stopped splitting classes."""
    n = len(cell.nodes)
    elab = cell.edge_labels or ("",) * len(cell.edges)
    elab_h = [_h("e" + lab) for lab in elab]
    preds: list[list[tuple[str, int]]] = [[] for _ in range(n)]
    succs: list[list[tuple[str, int]]] = [[] for _ in range(n)]
    for (s, t), eh in zip(cell.edges, elab_h):
        succs[s].append((eh, t))
        preds[t].append((eh, s))
    colours = [_h("n" + lab) for lab in cell.nodes]
    n_classes = len(set(colours))
    for _ in range(n):
        colours = [
            _h(
                colours[v]
                + "<"
                + "".join(sorted(eh + colours[u] for eh, u in preds[v]))
                + ">"
                + "".join(sorted(eh + colours[u] for eh, u in succs[v]))
            )
            for v in range(n)
        ]
        k = len(set(colours))
        if k == n_classes:
            break
        n_classes = k
    return colours


def arch_hash(cell: GenericCell) -> str:
    """A 32-hex-digit Weisfeiler-Lehman hash: equal for isomorphic cells (see the module doc)."""
    colours = sorted(wl_labels(cell))
    return _h(f"generic:{len(cell.nodes)}:{len(cell.edges)}:" + "".join(colours))


def canonical_string(cell: GenericCell) -> str:
    """The cell's normalised JSON (edges sorted). Not isomorphism-canonical: use :func:`arch_hash`."""
    return cell.to_string()


def depth_height(cell: GenericCell) -> tuple[list[int], list[int]]:
    """Per node, the edges on the longest path from a source to it (depth) and from it to a sink
    (height)."""
    order = _topological_order(len(cell.nodes), cell.edges)
    assert order is not None
    succ: list[list[int]] = [[] for _ in cell.nodes]
    for s, t in cell.edges:
        succ[s].append(t)
    d, h = [0] * len(cell.nodes), [0] * len(cell.nodes)
    for v in order:
        for t in succ[v]:
            d[t] = max(d[t], d[v] + 1)
    for v in reversed(order):
        for t in succ[v]:
            h[v] = max(h[v], h[t] + 1)
    return d, h


def depth(cell: GenericCell) -> int:
    """Edges on the longest path of the DAG."""
    return max(depth_height(cell)[0])
