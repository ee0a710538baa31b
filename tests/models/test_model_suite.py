"""One suite every model family must pass (in the spirit of sklearn's estimator checks)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from model_tasks import Task, make_task

from surrogate.models import MODELS, Model, load_model, make_model


def r2(y: np.ndarray, p: np.ndarray) -> float:
    return 1 - float(np.mean((y - p) ** 2)) / float(np.var(y))


@pytest.fixture(scope="module")
def fitted(task: Task):
    return make_model(task.family, **task.params, seed=3).fit(*task.train, *task.val)


def test_follows_the_protocol_and_stores_params_unchanged(task: Task) -> None:
    model = make_model(task.family, **task.params, seed=7)
    assert isinstance(model, Model)
    assert model.family == task.family and MODELS[task.family] is type(model)
    params = model.get_params()
    assert params == {**type(model).default_params(), **task.params, "seed": 7}
    assert not model.is_fitted
    # the constructor validates nothing; fit does
    odd = make_model(task.family, seed=-1)
    assert odd.seed == -1
    with pytest.raises(ValueError, match="seed"):
        odd.fit(*task.train)


def test_fit_returns_self_and_predicts_one_float_per_input(task: Task, fitted) -> None:
    model = make_model(task.family, **task.params)
    assert model.fit(*task.train) is model
    X, y = task.test
    pred = fitted.predict(X)
    assert pred.shape == (len(y),) and pred.dtype == np.float64
    assert np.all(np.isfinite(pred))
    assert fitted.predict(X[:1]).shape == (1,)
    learned = [k for k in vars(fitted) if k.endswith("_") and not k.startswith("_")]
    assert learned, "learned state must live in attributes ending in _"


def test_learns_a_synthetic_function_better_than_the_mean(task: Task, fitted) -> None:
    X, y = task.test
    assert r2(y, fitted.predict(X)) > 0.5


def test_deterministic_given_seed(task: Task, fitted) -> None:
    X, _ = task.test
    again = make_model(task.family, **task.params, seed=3).fit(*task.train, *task.val)
    assert np.array_equal(again.predict(X), fitted.predict(X))
    other = make_model(task.family, **task.params, seed=4).fit(*task.train, *task.val)
    assert not np.array_equal(other.predict(X), fitted.predict(X))


def test_save_load_gives_identical_predictions(task: Task, fitted, tmp_path) -> None:
    X, _ = task.test
    fitted.save(tmp_path / "m")
    files = sorted(p.name for p in (tmp_path / "m").iterdir())
    assert "model.json" in files and len(files) == 2, files
    for p in (tmp_path / "m").iterdir():
        assert not p.read_bytes().startswith(b"\x80"), f"{p.name} looks like a pickle"
    for loaded in (load_model(tmp_path / "m"), type(fitted).load(tmp_path / "m")):
        assert type(loaded) is type(fitted)
        assert loaded.get_params() == fitted.get_params()
        assert np.array_equal(loaded.predict(X), fitted.predict(X))


def test_loading_another_familys_directory_is_refused(task: Task, fitted, tmp_path) -> None:
    fitted.save(tmp_path / "m")
    other = next(f for f in MODELS if f != task.family)
    with pytest.raises(ValueError, match="load_model"):
        MODELS[other].load(tmp_path / "m")
    with pytest.raises(ValueError, match="not a saved model"):
        load_model(tmp_path)


def test_refit_replaces_state(task: Task) -> None:
    X_other, y_other = task.other
    model = make_model(task.family, **task.params).fit(*task.train)
    model.fit(X_other, y_other)
    fresh = make_model(task.family, **task.params).fit(X_other, y_other)
    assert np.array_equal(model.predict(X_other), fresh.predict(X_other))
    with pytest.raises(ValueError, match="fit on|encode"):
        model.predict(task.test[0])


def test_unfitted_model_says_so(task: Task) -> None:
    with pytest.raises(ValueError, match="not fitted"):
        make_model(task.family).predict(task.test[0])
    with pytest.raises(ValueError, match="not fitted"):
        make_model(task.family).save("unused")


def test_bad_targets_are_clear_value_errors(task: Task) -> None:
    X, y = task.train
    model = make_model(task.family, **task.params)
    with pytest.raises(ValueError, match="samples"):
        model.fit(X, y[:-1])
    with pytest.raises(ValueError, match="1-D"):
        model.fit(X, np.stack([y, y], axis=1))
    bad = y.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="non-finite.*index 3"):
        model.fit(X, bad)
    with pytest.raises(ValueError, match="both X_val and y_val"):
        model.fit(X, y, task.val[0])
    assert not model.is_fitted


def test_bad_inputs_are_clear_value_errors(task: Task) -> None:
    X, y = task.train
    model = make_model(task.family, **task.params)
    if task.family == "gin":
        import torch

        with pytest.raises(ValueError, match="single graph"):
            model.fit(X[0], y[:1])
        nan_graph = X[0].clone()
        nan_graph.x = nan_graph.x.clone()
        nan_graph.x[0, 0] = float("nan")
        with pytest.raises(ValueError, match="non-finite"):
            model.fit([nan_graph, *X[1:]], y)
        wide = X[1].clone()
        wide.x = torch.zeros(wide.x.shape[0], wide.x.shape[1] + 1)
        with pytest.raises(ValueError, match="dimensions"):
            model.fit([X[0], wide], y[:2])
        broken = X[2].clone()
        broken.edge_index = broken.edge_index.clone()
        broken.edge_index[1, 0] = 99
        with pytest.raises(ValueError, match="outside the graph"):
            model.fit([X[0], broken], y[:2])
        with pytest.raises(ValueError, match="Batch, a list of Data"):
            model.fit(np.zeros((3, 2)), y[:3])
    else:
        with pytest.raises(ValueError, match="2-D"):
            model.fit(X[:, 0], y)
        bad = X.copy()
        bad[5, 2] = np.inf
        with pytest.raises(ValueError, match="row 5, column 2"):
            model.fit(bad, y)
        with pytest.raises(ValueError, match="numeric"):
            model.fit([["a", "b"]] * len(y), y)


def test_invalid_parameter_is_rejected_at_fit_naming_it(task: Task) -> None:
    bad = {
        "xgb": ("learning_rate", -0.1),
        "lgb": ("num_leaves", 1),
        "rf": ("max_features", 1.5),
        "knn": ("weights", "closest"),
        "gin": ("pooling", "max"),
    }[task.family]
    model = make_model(task.family, **{**task.params, bad[0]: bad[1]})
    with pytest.raises(ValueError, match=bad[0]):
        model.fit(*task.train)


def test_callback_sees_progress_and_can_stop_training(task: Task) -> None:
    seen = []

    def stop_at_two(step, info):
        seen.append((step, dict(info)))
        return step >= 2

    model = make_model(task.family, **task.params).fit(*task.train, *task.val, callback=stop_at_two)
    assert seen and all(math.isfinite(v) for _, info in seen for v in info.values())
    if task.family in ("xgb", "lgb"):
        assert [s for s, _ in seen] == [0, 1, 2] and model.n_rounds_ <= 3
        assert "val" in seen[-1][1]
    elif task.family == "gin":
        assert [s for s, _ in seen] == [0, 1, 2] and len(model.history_) == 3
        assert {"train", "val"} <= seen[-1][1].keys()
    else:
        assert [s for s, _ in seen] == [0]


@pytest.mark.parametrize("family", ["xgb", "lgb", "gin"])
def test_early_stopping_on_validation(family: str) -> None:
    task = make_task(family)
    long = {
        "xgb": {"n_estimators": 3000, "learning_rate": 0.5},
        "lgb": {"n_estimators": 3000, "learning_rate": 0.5},
        "gin": {"epochs": 200, "patience": 3, "learning_rate": 0.05},
    }[family]
    params = {**task.params, **long}
    if family != "gin":
        params["early_stopping_rounds"] = 10
    model = make_model(family, **params).fit(*task.train, *task.val)
    if family == "gin":
        assert len(model.history_) < 200
        best = min(h["val"] for h in model.history_)
        assert model.history_[model.best_epoch_]["val"] == best
        # the kept weights are the best epoch's: their validation MSE (standardised) matches
        Xv, yv = task.val
        mse = float(np.mean(((model.predict(Xv) - yv) / model.y_std_) ** 2))
        assert mse == pytest.approx(best, rel=1e-4)
    else:
        assert model.n_rounds_ < 1000
