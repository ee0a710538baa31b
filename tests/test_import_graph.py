"""The package's imports run one way (space -> encode -> spaces -> models -> ensemble -> checkpoint
-> benchmark, training and the CLI beside and above) and form no cycle.

Every ``import`` statement counts, also those inside functions (lazy imports of torch-heavy
modules are still dependencies), except those under ``if TYPE_CHECKING:`` (annotations only);
importing a submodule counts as importing that module. The source files are read with ``ast``,
so the test needs no import of the package itself. Cycles are looked for between the components
of :data:`RANKS` (a value type and its format helpers inside one package may import each other
lazily, as ``space._genotype`` and ``space._formats`` do).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "surrogate"

#: Where each module sits in the flow (the longest matching prefix wins). A module may import
#: modules of its own rank or below, never above: the rank says what it may know of.
RANKS: dict[str, int] = {
    "surrogate._util": 0,  # atomic writes, JSON sanitising, resource paths, version
    "surrogate._version": 0,
    "surrogate.metrics": 0,
    "surrogate.space": 1,  # values of each space: parsing, canonical form, hash, moves
    "surrogate.encode": 2,  # values -> features / graphs
    "surrogate.generate._network": 2,  # the DARTS network: torch modules of the space's ops
    "surrogate.generate._fast_backward": 2,  # its faster backward passes (torch only)
    "surrogate.noise": 3,
    "surrogate.cost": 3,
    "surrogate.novelty": 3,  # a k-nearest-neighbour detector on feature matrices (numpy)
    "surrogate.spaces": 4,  # the Space interface over space/ and encode/: the registry
    "surrogate.data": 5,
    "surrogate.models": 5,
    "surrogate.ensemble": 6,
    "surrogate.curves": 6,  # learning curves from a final-epoch prediction (models + noise)
    "surrogate.checkpoint": 7,
    "surrogate.split_spec": 7,
    "surrogate.benchmark_spec": 8,
    "surrogate.benchmark": 9,  # the query side: never the training modules below it
    "surrogate.nas": 10,
    "surrogate.fit": 10,
    "surrogate.evaluation": 11,
    "surrogate.tune": 11,
    "surrogate.crossval": 11,  # k-fold CV by architecture over fit_surrogate
    "surrogate.assemble": 12,
    "surrogate.generate": 12,
    "surrogate.studies": 13,
    "surrogate.testing": 13,
    "surrogate.commands": 14,
    "surrogate.cli": 15,
    "surrogate": 9,  # the top-level re-exports: the query side (load, Benchmark)
}
#: Components of one rank that must not know each other either.
APART = {
    ("surrogate.models", "surrogate.data"),
    ("surrogate.data", "surrogate.models"),
    ("surrogate.fit", "surrogate.nas"),
    ("surrogate.nas", "surrogate.fit"),
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (``from a.b import c`` names ``a.b.c`` when that
    is a module, else ``a.b``)."""
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(n)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and _is_type_checking(block.test)
            for stmt in block.body
            for n in ast.walk(stmt)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                targets = [f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target for a in node.names]
            else:
                continue
            graph[mod].update(t for t in targets if t == "surrogate" or t.startswith("surrogate."))
    return graph


def rank(module: str) -> tuple[str, int]:
    best = max((p for p in RANKS if module == p or module.startswith(p + ".")), key=len)
    return best, RANKS[best]


def test_every_module_has_a_place_in_the_flow():
    unplaced = [m for m in import_graph() if m != "surrogate" and rank(m)[0] == "surrogate"]
    assert not unplaced, f"add these modules to RANKS: {unplaced}"


def test_no_import_runs_against_the_flow():
    graph = import_graph()
    against = []
    for mod, targets in sorted(graph.items()):
        (home, r) = rank(mod)
        for t in sorted(targets):
            (there, rt) = rank(t)
            if rt > r or (home, there) in APART:
                against.append(f"{mod} ({home}, rank {r}) imports {t} ({there}, rank {rt})")
    assert not against, "imports against the one-way flow:\n" + "\n".join(against)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def component_graph() -> dict[str, set[str]]:
    """The import graph between the components of :data:`RANKS`."""
    out: dict[str, set[str]] = {}
    for mod, targets in import_graph().items():
        home = rank(mod)[0]
        out.setdefault(home, set()).update(rank(t)[0] for t in targets if rank(t)[0] != home)
    return out


def test_no_import_cycle():
    cycles = _cycles(component_graph())
    assert not cycles, "modules that import each other (directly or through others):\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )


@pytest.mark.parametrize("query_module", ["surrogate.benchmark", "surrogate.benchmark_spec", "surrogate.checkpoint"])
def test_the_query_side_never_reaches_the_training_modules(query_module):
    graph = import_graph()
    seen, todo = set(), [query_module]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(graph.get(m, ()))
    assert not seen & {"surrogate.fit", "surrogate.tune", "surrogate.assemble", "surrogate.evaluation"}


def test_the_graph_sees_an_import_against_the_flow_and_a_cycle():
    fake = {"surrogate.space.x": {"surrogate.encode"}, "surrogate.encode": {"surrogate.space.x"}}
    assert _cycles(fake) == [["surrogate.encode", "surrogate.space.x"]]
    assert rank("surrogate.space.x")[1] < rank("surrogate.encode")[1]
