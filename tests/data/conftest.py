"""Fixtures for the data tests: official-format trees built from code in tmp_path."""

from __future__ import annotations

import pytest
from nb301_fixtures import build_tree


@pytest.fixture
def make_tree(tmp_path):
    """Factory: ``make_tree({"rs": 4, "re": 3}, ti=1, seed=0)`` -> ``(root, written)``.

    See ``nb301_fixtures.build_tree``; the tree lies in ``tmp_path / "nb301"``.
    """

    def build(counts: dict[str, int], ti: int = 0, seed: int = 0):
        root = tmp_path / "nb301"
        return root, build_tree(root, counts, ti=ti, seed=seed)

    return build
