"""No module outside the Space registry asks which space it holds (issue 11): it asks the Space.

Every comparison in the package (``==``, ``!=``, ``in``, ``not in``) of an expression that
mentions a space (a name or attribute containing ``space``) with a registered space's name as a
string literal is a branch on the space, and fails here unless it is inside ``surrogate/spaces/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from surrogate.spaces import SPACES

PACKAGE = Path(__file__).resolve().parents[1] / "surrogate"
NAMES = set(SPACES)


def _literals(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return set()


def _mentions_space(node: ast.AST) -> bool:
    return any(
        ("space" in n.id.lower()) if isinstance(n, ast.Name) else ("space" in n.attr.lower())
        for n in ast.walk(node)
        if isinstance(n, (ast.Name, ast.Attribute))
    )


def space_branches(root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if "spaces" in path.relative_to(root).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            if any(_literals(s) & NAMES for s in sides) and any(_mentions_space(s) for s in sides):
                found.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def test_no_module_outside_the_registry_branches_on_the_space_name():
    assert space_branches() == []


def test_the_check_finds_such_a_branch(tmp_path):
    pkg = tmp_path / "surrogate"
    (pkg / "spaces").mkdir(parents=True)
    (pkg / "fit.py").write_text('def f(space):\n    if space.name == "darts":\n        return 1\n')
    (pkg / "data.py").write_text('def g(space_name):\n    return space_name in ("nb201", "x")\n')
    (pkg / "spaces" / "_darts.py").write_text('def h(space):\n    return space.name == "darts"\n')
    assert space_branches(pkg) == ["surrogate/data.py:2", "surrogate/fit.py:2"]
