"""Repeats with independent seeds, the shared regret reference, and which optimizers win."""

from __future__ import annotations

import numpy as np
import pytest

from surrogate.nas import Budget, LocalSearch, RandomSearch, RegularizedEvolution, run_many, study_reference

FAST = [RandomSearch(batch_size=10), RegularizedEvolution(population_size=8, sample_size=3)]


def test_run_many_is_deterministic_and_repeats_differ(bench):
    a = run_many(bench, FAST, repeats=3, budget=Budget(queries=20), seed=11, progress=False)
    b = run_many(bench, FAST, repeats=3, budget=Budget(queries=20), seed=11, progress=False)
    assert [(t.optimizer, t.repeat) for t in a] == [(o, r) for o in ("rs", "re") for r in range(3)]
    for x, y in zip(a, b):
        assert x.archs == y.archs and x.noise_seed == y.noise_seed
        np.testing.assert_array_equal(x.regret, y.regret)
    rs = [t for t in a if t.optimizer == "rs"]
    assert len({t.noise_seed for t in rs}) == 3
    assert len({t.archs[0] for t in rs}) == 3
    c = run_many(bench, FAST, repeats=3, budget=Budget(queries=20), seed=12, progress=False)
    assert c[0].archs != a[0].archs


def test_optimizers_share_seeds_within_a_repeat(bench):
    """Common random numbers: a repeat's noise seed is shared, and adding an optimizer to the
    study leaves the others' runs unchanged."""
    budget = Budget(queries=15)
    alone = run_many(bench, [FAST[1]], 2, budget, seed=3, progress=False)
    both = run_many(bench, FAST, 2, budget, seed=3, progress=False)
    assert [t.noise_seed for t in both[:2]] == [t.noise_seed for t in both[2:]]
    for x, y in zip(alone, both[2:]):
        assert x.archs == y.archs


def test_reference_is_the_best_mean_of_the_study_or_given(bench):
    trajs = run_many(bench, FAST, 2, Budget(queries=15), seed=0, progress=False)
    best = max(t.mean.max() for t in trajs)
    assert all(t.reference == best for t in trajs)
    assert min(t.regret.min() for t in trajs) == 0.0
    assert all(np.all(t.regret >= 0) for t in trajs)
    given = run_many(bench, FAST, 2, Budget(queries=15), seed=0, reference=99.5, progress=False)
    np.testing.assert_allclose(given[0].regret, 99.5 - given[0].incumbent_mean)
    with pytest.raises(ValueError, match="finite"):
        study_reference(trajs, float("nan"))


def test_run_many_checks_its_arguments(bench):
    with pytest.raises(ValueError, match="repeats"):
        run_many(bench, ["rs"], 0, Budget(queries=5), progress=False)
    with pytest.raises(ValueError, match="distinct"):
        run_many(bench, ["rs", RandomSearch()], 1, Budget(queries=5), progress=False)
    with pytest.raises(ValueError, match="unknown optimizer"):
        run_many(bench, ["rs", "bo"], 1, Budget(queries=5), progress=False)
    with pytest.raises(ValueError, match="Budget"):
        run_many(bench, ["rs"], 1, 100, progress=False)


def _final_means(trajs, name):
    return np.array([t.final("incumbent_mean") for t in trajs if t.optimizer == name])


def test_evolution_beats_random_search_on_a_smooth_landscape(bench):
    # Tried on the fake landscape for 3 benchmark seeds x 4 study seeds: at 200 queries and 3
    # repeats RE's median final mean beat RS's in all 12 by at least 1.8 % points.
    trajs = run_many(
        bench, [RandomSearch(), RegularizedEvolution(20, 5)], 3, Budget(queries=200), seed=0, progress=False
    )
    assert np.median(_final_means(trajs, "re")) > np.median(_final_means(trajs, "rs"))


def test_local_search_beats_random_search_given_room_to_climb(bench):
    # One local-search step costs a whole neighbourhood (~120 queries), so it needs a bigger
    # budget; at 1200 queries and 3 repeats its median beat RS's in all 12 (benchmark seed,
    # study seed) pairs tried, by at least 1.8 % points.
    trajs = run_many(bench, ["rs", LocalSearch()], 3, Budget(queries=1200), seed=0, progress=False)
    assert np.median(_final_means(trajs, "ls")) > np.median(_final_means(trajs, "rs"))
