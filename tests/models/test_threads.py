"""Issue 12: a query picks its own thread count by batch size, within a cap, and gives the
caller's setting back."""

from __future__ import annotations

import numpy as np
import pytest

from surrogate.models import _threads
from surrogate.models._threads import ENV_VAR, ROWS_PER_THREAD, current_threads, query_threads, thread_count


@pytest.fixture(autouse=True)
def _four_idle_cores(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(_threads, "_cores", lambda: 4)
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(_threads, "_own_load", lambda: 1.0, raising=False)  # this process: one thread


def test_small_batches_run_on_one_thread_large_ones_up_to_the_cores():
    assert thread_count(1) == 1 and thread_count(ROWS_PER_THREAD) == 1
    assert thread_count(ROWS_PER_THREAD + 1) == 2
    assert thread_count(100 * ROWS_PER_THREAD) == 4


def test_other_load_on_the_cores_lowers_the_count(monkeypatch):
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (3.0, 3.0, 3.0))  # 3 busy + us on 4 cores
    assert thread_count(100 * ROWS_PER_THREAD) == 2
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (9.0, 9.0, 9.0))
    assert thread_count(100 * ROWS_PER_THREAD) == 1


def test_the_argument_and_the_environment_cap_it(monkeypatch):
    assert thread_count(100 * ROWS_PER_THREAD, cap=3) == 3
    monkeypatch.setenv(ENV_VAR, "1")
    assert thread_count(100 * ROWS_PER_THREAD) == 1
    assert thread_count(100 * ROWS_PER_THREAD, cap=2) == 2  # the argument wins
    monkeypatch.setenv(ENV_VAR, "many")
    with pytest.raises(ValueError, match=ENV_VAR):
        thread_count(10)
    with pytest.raises(ValueError, match="threads"):
        thread_count(10, cap=0)


def test_query_threads_sets_torch_and_restores_the_callers_count():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        assert current_threads() is None
        with query_threads(1) as n:
            assert n == 1 and torch.get_num_threads() == 1 and current_threads() == 1
        assert torch.get_num_threads() == 3 and current_threads() is None
        with pytest.raises(RuntimeError), query_threads(1):
            raise RuntimeError("a failing query")
        assert torch.get_num_threads() == 3 and current_threads() is None
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("family", ["lgb", "xgb"])
def test_boosters_predict_on_the_querys_thread_count(family, monkeypatch):
    from surrogate.models import make_model

    rng = np.random.default_rng(0)
    X = rng.random((300, 5), dtype=np.float32)
    model = make_model(family, n_estimators=5, seed=0).fit(X, X[:, 0])
    seen = []
    if family == "lgb":
        real = model.booster_.predict
        monkeypatch.setattr(
            model.booster_, "predict", lambda X, **kw: seen.append(kw.get("num_threads")) or real(X, **kw)
        )
    else:
        real = model.booster_.set_param
        monkeypatch.setattr(model.booster_, "set_param", lambda p: seen.append(p["nthread"]) or real(p))
    with query_threads(3 * ROWS_PER_THREAD, cap=3):
        a = model.predict(X)
    assert seen[-1] == 3
    with query_threads(1):
        b = model.predict(X)
    assert seen[-1] == 1 and np.array_equal(a, b)


def test_this_processes_own_threads_are_not_taken_for_other_work(monkeypatch):
    """On idle cores a 2-thread query raises the load average to ~2 by itself; the next query
    must not read that as another process and drop to one thread (it halved large batches)."""
    monkeypatch.setattr(_threads, "_cores", lambda: 2)
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (2.0, 2.0, 2.0))
    monkeypatch.setattr(_threads, "_own_load", lambda: 2.0)
    assert thread_count(100 * ROWS_PER_THREAD) == 2
    monkeypatch.setattr(_threads, "_own_load", lambda: 1.0)  # one thread of ours: the other is someone's
    assert thread_count(100 * ROWS_PER_THREAD) == 1


def test_own_load_averages_cpu_use_over_a_minute_like_the_kernel(monkeypatch):
    monkeypatch.undo()
    clock = {"wall": 1000.0, "cpu": 5.0}
    monkeypatch.setattr(_threads.time, "monotonic", lambda: clock["wall"])
    monkeypatch.setattr(_threads.time, "process_time", lambda: clock["cpu"])
    monkeypatch.setattr(_threads, "_OWN", {"wall": None, "cpu": 0.0, "load": 1.0})
    assert _threads._own_load() == 1.0  # no history yet: one thread
    for _ in range(60):  # two busy threads for 5 minutes
        clock["wall"] += 5.0
        clock["cpu"] += 10.0
        load = _threads._own_load()
    assert load == pytest.approx(2.0, abs=0.01)
    clock["wall"] += 60.0  # a minute asleep: the average decays by e
    assert _threads._own_load() == pytest.approx(2.0 / np.e, rel=0.01)
