"""Issue 13: before a fit starts it says how long it may take; bars follow every member's epochs
or rounds and end full even when members stop early."""

from __future__ import annotations

import numpy as np
import pytest
from model_tasks import matrix_task

from surrogate.ensemble import Ensemble
from surrogate.models._progress import FitProgress, estimate_fit_seconds, format_seconds


def test_a_fit_with_progress_prints_its_estimate_first(capsys):
    X, y = matrix_task(200, seed=0)
    Ensemble("lgb", n_members=2, params={"n_estimators": 30, "num_leaves": 7}).fit(
        X[:150], y[:150], X[150:], y[150:], progress=True
    )
    err = capsys.readouterr().err
    assert "fitting lgb: at most" in err and "expected" in err and "2 members x at most 30 rounds" in err


def test_gin_estimate_from_a_warm_up():
    pytest.importorskip("torch")
    from surrogate.encode import graph_batch
    from surrogate.models import GraphSet
    from surrogate.models.gin import GINModel
    from surrogate.space import sample

    graphs = GraphSet.from_data(graph_batch(sample(64, rng=0)))
    y = np.random.default_rng(0).normal(size=64)
    members = [GINModel(hidden_dim=8, n_layers=2, epochs=10, batch_size=16, seed=s) for s in range(3)]
    for m in members:
        m._start_fit(graphs, y, None, None)
    seconds, how = estimate_fit_seconds(members, graphs, y, 0, workers=1)
    assert seconds > 0 and "3 members x at most 10 epochs x 64 rows" in how


def test_bars_end_full_when_members_stop_early():
    bar = FitProgress("gin", n_members=2, steps=10, unit="epoch")
    for step in range(4):  # member 0 stops after 4 of 10 epochs
        bar.on_step(0, step, {"val": 1.0})
    bar.on_done(0)
    for step in range(10):
        bar.on_step(1, step, {})
    bar.on_done(1)
    assert bar.total.n == bar.total.total == 20
    bar.close()


def test_format_seconds():
    assert [format_seconds(s) for s in (5, 600, 36000)] == ["5 s", "10.0 min", "10.0 h"]
