"""Conversions between a ``Genotype`` and the other forms a DARTS architecture is written in.

- string: DARTS's printed form, ``Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=...)``
  (``range(2, 6)`` is accepted for the concat lists). Parsed without ``eval``.
- config: the official NAS-Bench-301 ConfigSpace dictionary
  (``NetworkSelectorDatasetInfo:darts:edge_normal_0`` ... and ``...:inputs_node_normal_3``);
  keys outside the architecture (training hyperparameters) are ignored.
- compact: NASLib's ``(normal, reduce)``, each 8 ``(input, op_index)`` pairs, op indices into
  :data:`OPS` (7 ops, no ``none``).
"""

from __future__ import annotations

import ast
import json
import re

from ._errors import InvalidArchitectureError
from ._genotype import Genotype, _valid_typed_cell
from ._ops import CELLS, CONFIG_PREFIX, EDGE_START, N_PAIRS, OP_INDEX, OPS

_FIELDS = ("normal", "normal_concat", "reduce", "reduce_concat")

# The exact form ``str(Genotype)`` writes: read with one regex (about 20x faster than the general
# parser below, which handles every other spelling). Both end in the validating constructor.
_PAIR = r"\('([a-z0-9_]+)', ([0-9])\)"  # ASCII digits only: \d would read '١' as 1
_CELL = r"\[" + ", ".join([_PAIR] * 8) + r"\]"
_REPR = re.compile(
    rf"Genotype\(normal={_CELL}, normal_concat=\[2, 3, 4, 5\], reduce={_CELL}, reduce_concat=\[2, 3, 4, 5\]\)"
)
_MAX_STRING = 100_000
_OP_NAMES = {op: op for op in OPS}
_DIGITS = {str(i): i for i in range(10)}


def _literal(node: ast.expr, what: str) -> object:
    """``ast.literal_eval`` of one argument, with ``range(a, b)`` allowed."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and not node.keywords
        and 1 <= len(node.args) <= 3
    ):
        args = [_literal(a, what) for a in node.args]
        if not all(isinstance(a, int) and not isinstance(a, bool) and abs(a) < 100 for a in args):
            raise InvalidArchitectureError(f"{what}: range() takes small ints, got {args!r}")
        if len(args) == 3 and args[2] == 0:
            raise InvalidArchitectureError(f"{what}: range() step must not be zero, got {args!r}")
        return list(range(*args))  # type: ignore[arg-type]
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as err:
        raise InvalidArchitectureError(f"{what}: not a literal ({type(err).__name__}: {err})") from None


def from_string(text: str) -> Genotype:
    """Parse DARTS's printed ``Genotype(...)`` form, or a JSON object in the config form."""
    if not isinstance(text, str):
        raise InvalidArchitectureError(f"expected a string, got {type(text).__name__}")
    stripped = text.strip()
    m = _REPR.fullmatch(stripped)
    if m is not None:
        g = m.groups()  # ops as the package's own strings (None: unknown), inputs as ints, in C loops
        pairs = tuple(zip(map(_OP_NAMES.get, g[0::2]), map(_DIGITS.__getitem__, g[1::2])))
        normal, reduce = pairs[:N_PAIRS], pairs[N_PAIRS:]
        if _valid_typed_cell(normal) and _valid_typed_cell(reduce):
            return Genotype._trusted(normal, reduce)
        pairs = [(g[i], int(g[i + 1])) for i in range(0, len(g), 2)]
        return Genotype(normal=pairs[:8], reduce=pairs[8:])  # names what is wrong
    if len(stripped) > _MAX_STRING:
        raise InvalidArchitectureError(
            f"architecture string is {len(stripped)} characters long; a Genotype is a few hundred"
        )
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except (ValueError, RecursionError) as err:
            raise InvalidArchitectureError(f"not valid JSON: {err}: {stripped[:80]!r}") from None
        if not isinstance(obj, dict):
            raise InvalidArchitectureError(f"expected a JSON object, got {stripped[:80]!r}")
        return from_config(obj)
    try:
        tree = ast.parse(stripped, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as err:
        raise InvalidArchitectureError(
            f"not a Genotype string ({type(err).__name__}): {stripped[:80]!r}; expected "
            "\"Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], "
            'reduce=[...], reduce_concat=[2, 3, 4, 5])"'
        ) from None
    call = tree.body
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "Genotype"):
        raise InvalidArchitectureError(
            f"not a Genotype string: {stripped[:80]!r}; expected it to start with 'Genotype('"
        )
    if len(call.args) > len(_FIELDS):
        raise InvalidArchitectureError(f"Genotype takes at most 4 fields, got {len(call.args)}")
    values: dict[str, object] = {}
    for name, arg in zip(_FIELDS, call.args):
        values[name] = _literal(arg, name)
    for kw in call.keywords:
        if kw.arg not in _FIELDS:
            raise InvalidArchitectureError(f"Genotype has no field {kw.arg!r}; fields are {list(_FIELDS)}")
        if kw.arg in values:
            raise InvalidArchitectureError(f"Genotype field {kw.arg!r} given twice")
        values[kw.arg] = _literal(kw.value, kw.arg)
    for name in ("normal", "reduce"):
        if name not in values:
            raise InvalidArchitectureError(f"{name} cell: missing from {stripped[:80]!r}")
    return Genotype(**values)  # type: ignore[arg-type]


def to_config(genotype: Genotype) -> dict[str, str]:
    """The official NAS-Bench-301 config dictionary (architecture keys only)."""
    config: dict[str, str] = {}
    for cell_name in CELLS:
        cell = genotype.cell(cell_name)
        for k in range(N_PAIRS // 2):
            node = k + 2
            pairs = sorted(cell[2 * k : 2 * k + 2], key=lambda p: p[1])
            for op, inp in pairs:
                config[f"{CONFIG_PREFIX}edge_{cell_name}_{EDGE_START[node] + inp}"] = op
            if node > 2:
                config[f"{CONFIG_PREFIX}inputs_node_{cell_name}_{node}"] = f"{pairs[0][1]}_{pairs[1][1]}"
    return config


def _config_cell(config: dict, cell_name: str) -> list[tuple[str, int]]:
    pairs: list[tuple[str, int]] = []
    used_edges: set[int] = set()
    for node in range(2, 2 + N_PAIRS // 2):
        if node == 2:
            inputs = (0, 1)
        else:
            key = f"{CONFIG_PREFIX}inputs_node_{cell_name}_{node}"
            if key not in config:
                raise InvalidArchitectureError(f"{cell_name} cell, node {node}: missing key {key!r}")
            value = config[key]
            parts = value.split("_") if isinstance(value, str) else []
            if len(parts) != 2 or not all(len(p) == 1 and p in "0123456789" for p in parts):
                raise InvalidArchitectureError(
                    f"{cell_name} cell, node {node}: {key} must look like '0_2' (two inputs), got {value!r}"
                )
            inputs = (int(parts[0]), int(parts[1]))
            if inputs[0] == inputs[1]:
                raise InvalidArchitectureError(
                    f"{cell_name} cell, node {node}: both inputs are node {inputs[0]} in {key}={value!r}"
                )
            if max(inputs) >= node:
                raise InvalidArchitectureError(
                    f"{cell_name} cell, node {node}: input {max(inputs)} out of range in "
                    f"{key}={value!r}; node {node} may take inputs 0..{node - 1}"
                )
        for inp in sorted(inputs):
            edge = EDGE_START[node] + inp
            key = f"{CONFIG_PREFIX}edge_{cell_name}_{edge}"
            if key not in config:
                raise InvalidArchitectureError(
                    f"{cell_name} cell, node {node}: input {inp} is chosen but {key!r} is missing"
                )
            op = config[key]
            if not isinstance(op, str) or op not in OP_INDEX:
                raise InvalidArchitectureError(
                    f"{cell_name} cell, node {node}: unknown operation {op!r} at {key}; expected one of {list(OPS)}"
                )
            pairs.append((op, inp))
            used_edges.add(edge)
    prefix = f"{CONFIG_PREFIX}edge_{cell_name}_"
    for key in config:
        if isinstance(key, str) and key.startswith(prefix):
            suffix = key[len(prefix) :]
            if not (suffix.isascii() and suffix.isdigit()) or int(suffix) not in used_edges:
                raise InvalidArchitectureError(
                    f"{cell_name} cell: {key!r} is set but its source is not a chosen input of its "
                    "node (check the inputs_node_* keys)"
                )
    return pairs


def from_config(config: dict) -> Genotype:
    """Parse the official config dictionary; non-architecture keys are ignored.

    The two pairs of each node come out ordered by input, as the config does not keep an order.
    """
    if not isinstance(config, dict):
        raise InvalidArchitectureError(f"expected a config dict, got {type(config).__name__}")
    return Genotype(
        normal=_config_cell(config, "normal"),
        reduce=_config_cell(config, "reduce"),
    )


def to_compact(genotype: Genotype) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """NASLib's compact form: per cell 8 ``(input, op_index)`` pairs, op index into :data:`OPS`."""
    return tuple(  # type: ignore[return-value]
        tuple((inp, OP_INDEX[op]) for op, inp in genotype.cell(name)) for name in CELLS
    )


def from_compact(compact: object) -> Genotype:
    """Parse NASLib's compact form ``(normal, reduce)`` of ``(input, op_index)`` pairs."""
    if isinstance(compact, (str, bytes)) or not isinstance(compact, (tuple, list)) or len(compact) != 2:
        raise InvalidArchitectureError(
            f"compact form: expected (normal, reduce), each 8 (input, op_index) pairs; got {compact!r}"
        )
    cells = []
    for name, cell in zip(CELLS, compact):
        if isinstance(cell, (str, bytes)) or not isinstance(cell, (tuple, list)):
            raise InvalidArchitectureError(f"{name} cell: expected 8 (input, op_index) pairs, got {cell!r}")
        pairs = []
        for i, pair in enumerate(cell):
            node = 2 + i // 2
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise InvalidArchitectureError(
                    f"{name} cell, node {node}: expected an (input, op_index) pair, got {pair!r}"
                )
            inp, op_index = pair
            if isinstance(op_index, bool) or not isinstance(op_index, int) or not 0 <= op_index < len(OPS):
                raise InvalidArchitectureError(
                    f"{name} cell, node {node}: op index {op_index!r} out of range 0..{len(OPS) - 1} "
                    "(the compact form indexes the 7 NAS-Bench-301 ops, which have no 'none')"
                )
            pairs.append((OPS[op_index], inp))
        cells.append(pairs)
    return Genotype(normal=cells[0], reduce=cells[1])
