"""Issue 13: members train on one thread each, side by side in worker processes as the idle
cores allow; where a member ran never changes its bytes."""

from __future__ import annotations

import numpy as np
import pytest
from model_tasks import FAST_PARAMS, matrix_task

from surrogate.ensemble import Ensemble
from surrogate.models import _threads
from surrogate.models._threads import ENV_VAR, fit_threads, fit_workers


@pytest.fixture
def idle_cores(monkeypatch):
    from surrogate.models import _workers

    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(_workers, "MIN_ROWS", 0)  # workers even for these small fits

    def set_cores(n: int) -> None:
        monkeypatch.setattr(_threads, "_idle_cores", lambda: n)
        monkeypatch.setattr(_threads, "_cores", lambda: n)

    return set_cores


def test_workers_follow_the_idle_cores_and_the_cap(idle_cores, monkeypatch):
    idle_cores(4)
    assert fit_workers(10) == 4 and fit_workers(3) == 3 and fit_workers(10, cap=2) == 2
    monkeypatch.setenv(ENV_VAR, "1")
    assert fit_workers(10) == 1 and fit_workers(10, cap=3) == 3
    idle_cores(1)
    assert fit_workers(10, cap=3) == 1, "never more workers than idle cores"


def test_booster_threads_one_per_member_unless_n_jobs_says(idle_cores):
    from surrogate.models.lgb import LightGBMModel
    from surrogate.models.xgb import XGBoostModel

    idle_cores(4)
    with fit_threads(1):
        assert LightGBMModel()._booster_params()["num_threads"] == 1
        assert XGBoostModel()._booster_params()["nthread"] == 1
        assert LightGBMModel(n_jobs=3)._booster_params()["num_threads"] == 3
    # a lone model (no ensemble) takes the idle cores, not every thread of the machine
    assert LightGBMModel()._booster_params()["num_threads"] == 4
    idle_cores(1)
    assert XGBoostModel()._booster_params()["nthread"] == 1


def _member_bytes(ens: Ensemble, root) -> list[bytes]:
    out = []
    for i, m in enumerate(ens.members_):
        d = m.save(root / str(i))
        out.append(b"".join(p.read_bytes() for p in sorted(d.iterdir())))
    return out


@pytest.mark.parametrize("family", ["xgb", "lgb"])
def test_boosters_on_two_workers_give_the_bytes_of_one(family, idle_cores, tmp_path):
    X, y = matrix_task(300, seed=1)
    params = {k: v for k, v in FAST_PARAMS[family].items() if k != "n_jobs"}
    runs, steps = [], {}
    for cores in (1, 2):
        idle_cores(cores)
        seen: dict[int, int] = {}
        ens = Ensemble(family, n_members=3, params=params, seed=4)
        cls = ens.model_class
        members = [cls(**params, seed=s) for s in ens.member_seeds()]
        cls.fit_ensemble(
            members, X[:240], y[:240], X[240:], y[240:], on_step=lambda i, step, info: seen.__setitem__(i, step)
        )
        fitted = Ensemble.from_members(members, params=params, seed=4)
        runs.append(_member_bytes(fitted, tmp_path / str(cores)))
        steps[cores] = seen
    assert runs[0] == runs[1]
    assert sorted(steps[2]) == [0, 1, 2] and steps[1] == steps[2], "every member's rounds reach on_step"


def test_gin_stacks_on_two_workers_give_the_bytes_of_one(idle_cores, tmp_path):
    pytest.importorskip("torch")
    from surrogate.encode import graph_batch
    from surrogate.models import GraphSet
    from surrogate.models.gin import STACK
    from surrogate.space import sample

    graphs = GraphSet.from_data(graph_batch(sample(80, rng=0)))
    y = np.random.default_rng(0).normal(size=80)
    params = {"hidden_dim": 8, "n_layers": 2, "epochs": 2, "batch_size": 32}
    runs = []
    for cores in (1, 2):
        idle_cores(cores)
        ens = Ensemble("gin", n_members=STACK + 1, params=params, seed=2)
        ens.fit(graphs[:60], y[:60], graphs[60:], y[60:])
        runs.append(_member_bytes(ens, tmp_path / str(cores)))
    assert runs[0] == runs[1]


def test_a_failing_worker_fails_the_fit_with_its_message(idle_cores):
    from surrogate.models._workers import fit_tasks
    from surrogate.models.xgb import XGBoostModel

    X, y = matrix_task(60, seed=1)
    members = [XGBoostModel(n_estimators=3, seed=s) for s in range(2)]
    for m in members:
        m._start_fit(X, y, None, None)
    members[1].get_params = lambda: {"no_such_parameter": 1}  # refused by the worker's make_model
    with pytest.raises(RuntimeError, match="no_such_parameter"):
        fit_tasks(members, [[0], [1]], X, y, None, workers=2)
