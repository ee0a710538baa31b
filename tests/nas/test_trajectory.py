"""Trajectory: incumbent, regret, records and the JSON round trip."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surrogate.nas import Budget, LocalSearch, RandomSearch, Trajectory
from surrogate.space import sample


def _traj(acc, mean=None, reference=math.nan):
    n = len(acc)
    return Trajectory(
        "rs",
        0,
        0,
        Budget(queries=max(n, 1)),
        tuple(sample(n, rng=0)),
        time=np.arange(1, n + 1) * 10.0,
        accuracy=acc,
        mean=acc if mean is None else mean,
        reference=reference,
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(80, 100, allow_nan=False), min_size=1, max_size=30))
def test_incumbent_is_the_running_max_first_on_ties(acc):
    t = _traj(acc)
    arr = np.array(acc)
    np.testing.assert_array_equal(t.incumbent, np.maximum.accumulate(arr))
    for i, j in enumerate(t.incumbent_index):
        assert j <= i and arr[j] == arr[: i + 1].max()
        assert j == int(np.argmax(arr[: i + 1]))  # argmax returns the first maximum


def test_regret_follows_the_noiseless_mean_of_the_noisy_incumbent():
    # the second evaluation looks best but is worse on average: regret goes up
    t = _traj([90.0, 92.0, 91.0], mean=[91.0, 89.0, 93.0], reference=95.0)
    np.testing.assert_array_equal(t.incumbent_index, [0, 1, 1])
    np.testing.assert_allclose(t.regret, [4.0, 6.0, 6.0])
    assert t.best_arch == t.archs[1]


def test_regret_never_increases_without_noise(exact_bench):
    traj = LocalSearch(seed=0).run(exact_bench, Budget(queries=300))
    traj = traj.with_reference(traj.mean.max())
    assert np.all(np.diff(traj.regret) <= 0)
    assert traj.regret[-1] == 0.0


def test_regret_is_reference_minus_incumbent_mean(bench):
    traj = RandomSearch(seed=0).run(bench, Budget(queries=150), noise_seed=3).with_reference(99.0)
    np.testing.assert_allclose(traj.regret, 99.0 - traj.mean[traj.incumbent_index])
    assert np.all(np.diff(traj.incumbent) >= 0)


def test_dict_round_trip_and_records(bench):
    traj = RandomSearch(seed=1).run(bench, Budget(seconds=20_000.0), noise_seed=2).with_reference(97.0)
    back = Trajectory.from_dict(traj.to_dict())
    for name in ("time", "accuracy", "mean", "incumbent", "regret", "queries"):
        np.testing.assert_array_equal(getattr(back, name), getattr(traj, name))
    assert back.archs == traj.archs and back.budget == traj.budget
    rows = traj.to_records()
    assert len(rows) == len(traj)
    assert [r["query"] for r in rows] == list(range(1, len(traj) + 1))
    assert rows[-1]["regret"] == pytest.approx(traj.regret[-1])


def test_unset_reference_is_null_in_json_and_empty_runs_are_fine():
    t = _traj([])
    assert len(t) == 0 and math.isnan(t.final("regret")) and t.best_arch is None
    assert t.to_dict()["reference"] is None
    assert Trajectory.from_dict(t.to_dict()).to_records() == []


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="one value per evaluation"):
        Trajectory("rs", 0, 0, Budget(queries=2), tuple(sample(2, rng=0)), [1.0], [90.0, 91.0], [90.0, 91.0])


def test_from_dict_names_a_missing_field(bench):
    d = RandomSearch(seed=0).run(bench, Budget(queries=3)).to_dict()
    del d["accuracy"]
    with pytest.raises(ValueError, match="accuracy"):
        Trajectory.from_dict(d)
