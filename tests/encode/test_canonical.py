"""The vectorised canonical form that both encoders start from."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surrogate.encode._canonical import canonical_array
from surrogate.space import OPS, Genotype, arch_hash, to_array
from surrogate.testing import cells_with_twins, genotypes, isomorphic_genotypes


def _genotype(row: np.ndarray) -> Genotype:
    cells = [tuple((OPS[op], int(inp)) for op, inp in cell) for cell in row]
    return Genotype(normal=cells[0], reduce=cells[1])


@given(st.data())
@settings(max_examples=150, deadline=None)
def test_isomorphic_genotypes_get_equal_arrays(data):
    g = data.draw(genotypes())
    h = data.draw(isomorphic_genotypes(g))
    np.testing.assert_array_equal(canonical_array([g]), canonical_array([h]))


@given(st.data())
@settings(max_examples=100, deadline=None)
def test_cells_with_twins_are_handled(data):
    # two nodes computing the same thing: the case where per-node labels cannot decide
    g = Genotype(normal=data.draw(cells_with_twins()), reduce=data.draw(cells_with_twins()))
    h = data.draw(isomorphic_genotypes(g))
    np.testing.assert_array_equal(canonical_array([g]), canonical_array([h]))


def test_canonical_is_a_valid_isomorphic_fixed_point(pool):
    gs, hashes = pool
    canon = canonical_array(gs)
    again = [_genotype(row) for row in canon]  # Genotype() validates every row
    assert [arch_hash(g) for g in again] == hashes
    np.testing.assert_array_equal(canonical_array(again), canon)
    # within a node the pairs are sorted by input (a node's two inputs differ)
    inputs = canon[..., 1].reshape(len(gs), 2, 4, 2)
    assert (inputs[..., 0] < inputs[..., 1]).all()


def test_equal_arrays_exactly_when_equal_hashes(pool, same_partition):
    gs, hashes = pool
    canon = canonical_array(gs)
    same_partition(hashes, [row.tobytes() for row in canon])


def test_layout_matches_to_array(pool):
    gs, _ = pool
    canon, raw = canonical_array(gs), to_array(gs)
    assert canon.shape == raw.shape == (len(gs), 2, 8, 2) and canon.dtype == np.int8
    # relabelling permutes nodes and swaps pairs, but keeps each cell's multiset of ops
    np.testing.assert_array_equal(np.sort(canon[..., 0], axis=-1), np.sort(raw[..., 0], axis=-1))


def test_empty_batch_and_single_genotype(pool):
    gs, _ = pool
    assert canonical_array([]).shape == (0, 2, 8, 2)
    np.testing.assert_array_equal(canonical_array(gs[0]), canonical_array(gs[:1]))


@pytest.mark.parametrize("bad", ["Genotype(normal=...)", {"a": 1}, 3, [None]])
def test_non_genotypes_are_refused_with_a_hint(bad):
    with pytest.raises(ValueError, match="surrogate.space.parse"):
        canonical_array(bad)


def test_small_and_large_batches_pick_the_same_representative():
    """Issue 12: up to _AT_ONCE cells try the 24 orders in one pass, beyond it one at a time;
    both must choose the same order (the first smallest key), or a query's features would depend
    on its batch size."""
    from surrogate.encode import _canonical
    from surrogate.space import CORNERS, sample, to_array

    cells = to_array(sample(400, rng=3) + list(CORNERS.values())).reshape(-1, 8, 2)
    op, src = cells[..., 0].astype(np.int32), cells[..., 1].astype(np.intp)
    assert np.array_equal(_canonical._best_perm_at_once(op, src), _canonical._best_perm_in_turn(op, src))
    whole = _canonical.canonical_cells(cells)  # > _AT_ONCE: in turn
    assert len(cells) > _canonical._AT_ONCE
    parts = np.concatenate([_canonical.canonical_cells(cells[i : i + 50]) for i in range(0, len(cells), 50)])
    assert np.array_equal(whole, parts)
