"""propose(): new, distinct architectures from the region an optimizer reaches."""

from __future__ import annotations

import numpy as np
import pytest

from surrogate.nas import propose
from surrogate.space import arch_hash, sample


def test_proposals_are_new_distinct_and_reproducible(bench):
    known = {arch_hash(g) for g in sample(300, rng=np.random.default_rng(5))}
    a = propose(bench, "re", 40, exclude=known, repeats=2, seed=3)
    b = propose(bench, "re", 40, exclude=known, repeats=2, seed=3)
    hashes = [arch_hash(g) for g in a]
    assert len(a) == 40
    assert len(set(hashes)) == 40
    assert not known & set(hashes)
    assert hashes == [arch_hash(g) for g in b]
    assert hashes != [arch_hash(g) for g in propose(bench, "re", 40, exclude=known, repeats=2, seed=4)]


def test_proposals_beat_uniform_samples(exact_bench):
    """The point of proposals: they sit in the good region (mean above uniform samples)."""
    for optimizer in ("re", "ls"):
        proposed = propose(exact_bench, optimizer, 50, queries=400, seed=0)
        uniform = sample(500, rng=np.random.default_rng(0))
        assert exact_bench.predict(proposed).mean() > exact_bench.predict(uniform).mean() + 0.5, optimizer


def test_excluding_everything_evaluated_leaves_fewer(bench):
    everything = propose(bench, "rs", 1000, queries=60, seed=0)
    assert len(everything) <= 60
    assert propose(bench, "rs", 10, queries=60, seed=0, exclude={arch_hash(g) for g in everything}) == []


@pytest.mark.parametrize("kw", [{"n": 0}, {"n": 5, "repeats": 0}, {"n": 5, "queries": 0}])
def test_bad_arguments_are_value_errors(bench, kw):
    n = kw.pop("n")
    with pytest.raises(ValueError):
        propose(bench, "re", n, **kw)
