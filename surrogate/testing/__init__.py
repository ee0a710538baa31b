"""Hypothesis strategies for the package's own types, for this package's tests and for yours.

Valid values (``genotypes``, ``cells``, ``cells201``, ``generic_cells``, the string/config/compact
forms), random relabellings that keep a value's isomorphism class (``isomorphic_genotypes``,
``isomorphic_cells201``, ``isomorphic_generic_cells``), deliberately hard cases
(``cells_with_twins``), and inputs for fuzzing parsers (``arbitrary_*_inputs``: anything, valid
or not; ``invalid_genotype_inputs``: one known defect away from valid).

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
from ._generic import EDGE_LABELS, NODE_LABELS, arbitrary_generic_inputs, generic_cells, isomorphic_generic_cells
from ._nb201 import NOT_OPS_201, arbitrary_nb201_inputs, cells201, isomorphic_cells201, nb201_strings

__all__ = [
    "CONFIG_KEYS",
    "EDGE_LABELS",
    "NODE_LABELS",
    "NOT_OPS",
    "NOT_OPS_201",
    "arbitrary_generic_inputs",
    "arbitrary_genotype_inputs",
    "arbitrary_nb201_inputs",
    "cells",
    "cells201",
    "cells_with_twins",
    "compacts",
    "configs",
    "generic_cells",
    "genotype_strings",
    "genotypes",
    "invalid_genotype_inputs",
    "isomorphic_cells",
    "isomorphic_cells201",
    "isomorphic_generic_cells",
    "isomorphic_genotypes",
    "json_like",
    "mutated_configs",
    "mutated_strings",
    "nb201_strings",
    "relabel_cell",
    "topological_orders",
]
