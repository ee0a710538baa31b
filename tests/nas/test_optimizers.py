"""The four optimizers: determinism, budgets, batching, and each algorithm's defining behaviour."""

from __future__ import annotations

import logging
import random

import numpy as np
import pytest
from hypothesis import given, settings

from surrogate.nas import (
    OPTIMIZERS,
    TPE,
    Budget,
    LocalSearch,
    RandomSearch,
    RegularizedEvolution,
    make_optimizer,
)
from surrogate.nas._tpe import params_to_genotype, search_space
from surrogate.space import arch_hash, canonical, neighbours
from surrogate.testing import genotypes

#: Small settings so every optimizer runs in well under a second on the fake benchmark.
SMALL = {
    "rs": lambda seed: RandomSearch(batch_size=16, seed=seed),
    "re": lambda seed: RegularizedEvolution(population_size=10, sample_size=3, seed=seed),
    "ls": lambda seed: LocalSearch(seed=seed),
    "tpe": lambda seed: TPE(n_startup_trials=5, seed=seed),
}
#: Queries per run in the parametrised tests (TPE costs about 20-50 ms a trial in Optuna).
QUERIES = {"rs": 40, "re": 40, "ls": 40, "tpe": 15}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_same_seed_same_trajectory(bench, name):
    budget = Budget(queries=QUERIES[name])
    a = SMALL[name](7).run(bench, budget, noise_seed=1)
    b = SMALL[name](7).run(bench, budget, noise_seed=1)
    c = SMALL[name](8).run(bench, budget, noise_seed=1)
    assert a.archs == b.archs
    np.testing.assert_array_equal(a.accuracy, b.accuracy)
    np.testing.assert_array_equal(a.time, b.time)
    assert a.archs != c.archs


@pytest.mark.parametrize("name", sorted(SMALL))
def test_no_global_random_state_is_touched(bench, name):
    np_state, py_state = np.random.get_state()[1].copy(), random.getstate()
    SMALL[name](0).run(bench, Budget(queries=QUERIES[name]))
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    assert random.getstate() == py_state


@pytest.mark.parametrize("name", sorted(SMALL))
def test_query_budget_is_spent_exactly(bench, name):
    q = QUERIES[name] - 3
    traj = SMALL[name](0).run(bench, Budget(queries=q))
    assert len(traj) == q
    np.testing.assert_array_equal(traj.queries, np.arange(1, q + 1))


@pytest.mark.parametrize("name", sorted(SMALL))
def test_seconds_budget_is_respected_and_used(bench, name):
    limit = 1000.0 * QUERIES[name]
    traj = SMALL[name](0).run(bench, Budget(seconds=limit))
    assert traj.time[-1] <= limit
    # the run stops only when the next architecture would not fit (runtimes here are < 2000 s)
    assert limit - traj.time[-1] < 2000.0
    np.testing.assert_allclose(np.diff(traj.time, prepend=0.0), bench.predict_runtime(list(traj.archs)))


def test_random_search_and_local_search_query_in_batches(bench):
    RandomSearch(batch_size=50, seed=0).run(bench, Budget(queries=200))
    assert bench.calls["predict_runtime"] == 4
    bench.calls.update(predict=0, predict_runtime=0)
    LocalSearch(seed=0).run(bench, Budget(queries=400))
    assert bench.calls["predict_runtime"] < 20


def test_evolution_population_ages(bench):
    """Each child's parent is one of the previous ``population_size`` evaluations (the oldest
    die, however good), and the final population is the last ``population_size`` evaluated."""
    size = 6
    opt = RegularizedEvolution(population_size=size, sample_size=3, seed=0)
    traj = opt.run(bench, Budget(queries=50), noise_seed=4)
    moves = {}  # hash of each evaluated architecture and of its neighbours, computed once
    for g in traj.archs:
        moves.setdefault(g, {arch_hash(g)} | {arch_hash(n) for n in neighbours(g)})
    pop = [g for g, _ in opt.population_]
    assert pop == list(traj.archs[-size:])
    assert [a for _, a in opt.population_] == traj.accuracy[-size:].tolist()
    for i in range(size, len(traj)):
        child = arch_hash(traj.archs[i])
        window = traj.archs[i - size : i]
        assert any(child in moves[p] for p in window), f"evaluation {i} is not one mutation from the living population"


def test_evolution_improves_on_its_initial_population(bench):
    traj = RegularizedEvolution(population_size=20, sample_size=5, seed=0).run(bench, Budget(queries=200))
    assert traj.mean[-50:].mean() > traj.mean[:20].mean() + 1.0


def test_evolution_rejects_a_tournament_bigger_than_the_population():
    with pytest.raises(ValueError, match="sample_size"):
        RegularizedEvolution(population_size=5, sample_size=6)


def test_local_search_stops_at_local_optima(bench):
    opt = LocalSearch(seed=0)
    traj = opt.run(bench, Budget(queries=3000), noise_seed=2)
    assert opt.local_optima_, "3000 queries should reach at least one local optimum"
    for g, acc in opt.local_optima_:
        nbrs = neighbours(g)
        assert np.all(bench.predict(nbrs, with_noise=True, seed=2) <= acc)
        assert acc == bench.predict([g], with_noise=True, seed=2)[0]
    # nothing is evaluated twice (up to isomorphism): visited architectures are remembered
    hashes = [arch_hash(g) for g in traj.archs]
    assert len(set(hashes)) == len(hashes)


def test_local_search_climbs(exact_bench):
    traj = LocalSearch(seed=1).run(exact_bench, Budget(queries=400))
    first = traj.accuracy[0]
    assert traj.incumbent[-1] > first


@settings(max_examples=50, deadline=None)
@given(genotypes())
def test_tpe_encoding_covers_the_space(g):
    c = canonical(g)
    cells = {}
    for cell in ("normal", "reduce"):
        pairs = c.cell(cell)
        for k in range(4):
            (op_a, a), (op_b, b) = sorted(pairs[2 * k : 2 * k + 2], key=lambda p: p[1])
            cells[f"{cell}_n{k + 2}_inputs"] = f"{a}-{b}"
            cells[f"{cell}_n{k + 2}_op_lo"] = op_a
            cells[f"{cell}_n{k + 2}_op_hi"] = op_b
    space = search_space()
    assert set(cells) == set(space)
    assert all(v in space[k].choices for k, v in cells.items())
    assert arch_hash(params_to_genotype(cells)) == arch_hash(g)


def test_tpe_runs_and_leaves_optuna_logging_alone(bench):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        traj = TPE(n_startup_trials=5, seed=0).run(bench, Budget(queries=20))
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(optuna.logging.INFO)
    assert len(traj) == 20 and len({arch_hash(g) for g in traj.archs}) > 15
    assert logging.getLogger("optuna").level in (logging.NOTSET, logging.INFO)


def test_registry_and_names():
    assert set(OPTIMIZERS) == {"rs", "re", "ls", "tpe"}
    assert make_optimizer("re", population_size=4, sample_size=2).population_size == 4
    assert make_optimizer("ls", name="ls-b").name == "ls-b"
    with pytest.raises(ValueError, match="unknown optimizer 'sa'; choose from rs, re, ls, tpe"):
        make_optimizer("sa")


def test_with_seed_drops_learned_state(bench):
    opt = RegularizedEvolution(population_size=4, sample_size=2, seed=0)
    opt.run(bench, Budget(queries=6))
    other = opt.with_seed(5)
    assert other.seed == 5 and opt.seed == 0
    assert not hasattr(other, "population_") and other.population_size == 4


def test_local_search_stops_when_a_small_space_is_searched_out():
    """Every cell of a 5-cell space seen: restarts evaluate nothing new, so the run ends early."""
    from surrogate.space import generic
    from surrogate.spaces import get_space

    space = get_space("generic").fit(
        generic.parse([{"nodes": ["in", op, "out"], "edges": [[0, 1], [1, 2]]} for op in ("a", "b", "c", "d", "e")])
    )

    class Tiny:
        def __init__(self):
            self.space = space

        def predict(self, archs, with_noise=False, seed=None):
            return np.array([float(ord(a.nodes[1])) for a in archs])

        def predict_runtime(self, archs):
            return np.ones(len(archs))

    traj = LocalSearch(seed=0).run(Tiny(), Budget(queries=50))
    assert len(traj) == 5 and len({a.nodes[1] for a in traj.archs}) == 5
