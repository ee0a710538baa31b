"""Budget validation and the budget-keeping Evaluator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from surrogate.nas import Budget, Evaluator
from surrogate.space import sample


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({}, "needs a limit"),
        ({"seconds": 0}, "positive finite"),
        ({"seconds": -5.0}, "positive finite"),
        ({"seconds": math.inf}, "positive finite"),
        ({"seconds": math.nan}, "positive finite"),
        ({"seconds": True}, "positive finite"),
        ({"queries": 0}, "positive int"),
        ({"queries": 2.5}, "positive int"),
        ({"queries": True}, "positive int"),
    ],
)
def test_budget_rejects_bad_limits(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Budget(**kwargs)


def test_budget_normalises_types():
    b = Budget(seconds=10, queries=np.int64(3))
    assert isinstance(b.seconds, float) and type(b.queries) is int
    assert b.describe() == "10 simulated seconds or 3 queries"


def test_query_budget_cuts_a_batch(bench):
    ev = Evaluator(bench, Budget(queries=7), noise_seed=0)
    got = ev.evaluate(sample(5, rng=0))
    assert got.size == 5 and not ev.exhausted
    got = ev.evaluate(sample(5, rng=1))
    assert got.size == 2 and ev.exhausted
    calls = dict(bench.calls)
    assert ev.evaluate(sample(5, rng=2)).size == 0
    assert bench.calls == calls, "an exhausted evaluator must not query the benchmark"
    assert len(ev.trajectory("x")) == 7


def test_seconds_budget_stops_before_overshoot(bench):
    archs = sample(50, rng=0)
    runtime = bench.predict_runtime(archs)
    limit = float(runtime[:10].sum()) + 0.5 * float(runtime[10])
    ev = Evaluator(bench, Budget(seconds=limit), noise_seed=0)
    got = ev.evaluate(archs)
    assert got.size == 10 and ev.exhausted
    traj = ev.trajectory("x")
    np.testing.assert_allclose(traj.time, np.cumsum(runtime[:10]))
    assert traj.time[-1] <= limit


def test_exactly_spent_seconds_budget_is_exhausted(bench):
    archs = sample(3, rng=0)
    ev = Evaluator(bench, Budget(seconds=float(np.cumsum(bench.predict_runtime(archs))[-1])), 0)
    assert ev.evaluate(archs).size == 3 and ev.exhausted


def test_evaluator_records_noisy_and_mean(bench):
    archs = sample(20, rng=0)
    ev = Evaluator(bench, Budget(queries=100), noise_seed=5)
    got = ev.evaluate(archs)
    np.testing.assert_array_equal(got, bench.predict(archs, with_noise=True, seed=5))
    traj = ev.trajectory("x")
    np.testing.assert_array_equal(traj.accuracy, got)
    np.testing.assert_array_equal(traj.mean, bench.predict(archs))
    assert np.any(traj.accuracy != traj.mean)


class _BadRuntime:
    def predict(self, archs, with_noise=False, seed=None):
        return np.full(len(archs), 90.0)

    def predict_runtime(self, archs):
        return np.array([5.0, -1.0, np.nan])[: len(archs)]


def test_negative_or_nan_runtime_is_refused():
    ev = Evaluator(_BadRuntime(), Budget(seconds=100.0), 0)
    with pytest.raises(ValueError, match=r"negative or non-finite training time \(-1.0\)"):
        ev.evaluate(sample(2, rng=0))


def test_evaluator_wants_a_budget(bench):
    with pytest.raises(ValueError, match="Budget"):
        Evaluator(bench, 100, 0)
