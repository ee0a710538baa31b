"""Successive halving and Hyperband on a fake benchmark with known curves: rungs, resumed costs, budgets."""

import numpy as np
import pytest

from surrogate.nas import Budget, Hyperband, SuccessiveHalving, make_optimizer
from surrogate.space import arch_hash, sample

E = 9


class CurveBench:
    """Curves rise to a per-architecture final value; cost 1 s per epoch; every call logged."""

    epochs = E
    has_runtime = True

    def __init__(self):
        self.calls = []

    def _final(self, archs):
        return np.array([int(arch_hash(a)[:6], 16) % 1000 / 10 for a in archs])

    def predict(self, archs, with_noise=False, seed=None, epoch=None):
        final = self._final(archs)
        k = E if epoch is None else epoch
        self.calls.append(("predict", len(archs), k))
        return final - (E - k) * 0.5 + (0.01 * seed if with_noise else 0.0)

    def predict_runtime(self, archs):
        return np.full(len(archs), float(E))

    def resume_cost(self, archs, from_epoch, to_epoch):
        self.calls.append(("cost", len(archs), from_epoch, to_epoch))
        return np.full(len(archs), float(to_epoch - from_epoch))


def test_brackets_follow_the_hyperband_schedule():
    assert Hyperband(eta=3).brackets(9) == [[(9, 1), (3, 3), (1, 9)], [(5, 3), (1, 9)], [(3, 9)]]
    assert SuccessiveHalving(eta=3).brackets(9) == [[(9, 1), (3, 3), (1, 9)]]
    with pytest.raises(ValueError, match="min_epoch"):
        Hyperband(min_epoch=20).brackets(9)


def test_promoted_trials_resume_and_the_best_of_each_rung_go_on():
    bench = CurveBench()
    traj = SuccessiveHalving(eta=3, seed=0).run(bench, Budget(seconds=9 + 3 * 2 + 6), noise_seed=0)
    costs = [c for c in bench.calls if c[0] == "cost"]
    assert costs == [("cost", 9, 0, 1), ("cost", 3, 1, 3), ("cost", 1, 3, 9)]
    assert len(traj.archs) == 1 and traj.time[-1] == 21.0
    first_rung = sample(9, rng=np.random.default_rng(0))
    assert arch_hash(traj.archs[0]) == arch_hash(max(first_rung, key=lambda a: bench._final([a])[0]))


def test_only_last_epoch_results_enter_the_trajectory_at_the_time_spent_so_far():
    bench = CurveBench()
    traj = Hyperband(eta=3, seed=1).run(bench, Budget(seconds=200.0), noise_seed=2)
    assert np.all(np.diff(traj.time) > 0) and traj.time[-1] <= 200.0
    np.testing.assert_allclose(traj.accuracy - traj.mean, 0.02)


def test_query_budgets_count_every_rung_evaluation_and_runs_are_seeded():
    a = make_optimizer("hb", seed=3).run(CurveBench(), Budget(queries=40), noise_seed=0)
    b = make_optimizer("hb", seed=3).run(CurveBench(), Budget(queries=40), noise_seed=0)
    assert [arch_hash(x) for x in a.archs] == [arch_hash(x) for x in b.archs]
    bench = CurveBench()
    make_optimizer("sh", seed=3).run(bench, Budget(queries=40), noise_seed=0)
    assert sum(c[1] for c in bench.calls if c[0] == "cost") == 40


def test_a_benchmark_without_curves_is_refused():
    class Flat(CurveBench):
        epochs = None

    with pytest.raises(ValueError, match="learning curves"):
        Hyperband(seed=0).run(Flat(), Budget(queries=10))
