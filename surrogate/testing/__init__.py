"""Hypothesis strategies for the package's own types, for this package's tests and for yours.

This module needs `hypothesis <https://hypothesis.readthedocs.io>`_, which is a *test*
dependency (``pip install surrogate[test]``), not a runtime one: nothing else in the package
imports it.

Examples
--------
>>> from hypothesis import given
>>> from surrogate.space import arch_hash
>>> from surrogate.testing import genotypes
>>> @given(genotypes())
... def test_hash_is_a_string(g):
...     assert len(arch_hash(g)) == 32
>>> test_hash_is_a_string()
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError as err:  # pragma: no cover - exercised only without the test extra
    raise ImportError(
        "surrogate.testing needs hypothesis, a test dependency: pip install 'surrogate[test]' "
        "(or pip install hypothesis)"
    ) from err

from ._darts import (
    CONFIG_KEYS,
    NOT_OPS,
    arbitrary_genotype_inputs,
    cells,
    cells_with_twins,
    compacts,
    configs,
    genotype_strings,
    genotypes,
    invalid_genotype_inputs,
    isomorphic_cells,
    isomorphic_genotypes,
    json_like,
    mutated_configs,
    mutated_strings,
    relabel_cell,
    topological_orders,
)

__all__ = [
    "CONFIG_KEYS",
    "NOT_OPS",
    "arbitrary_genotype_inputs",
    "cells",
    "cells_with_twins",
    "compacts",
    "configs",
    "genotype_strings",
    "genotypes",
    "invalid_genotype_inputs",
    "isomorphic_cells",
    "isomorphic_genotypes",
    "json_like",
    "mutated_configs",
    "mutated_strings",
    "relabel_cell",
    "topological_orders",
]
