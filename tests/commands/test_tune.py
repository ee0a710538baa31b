"""``surrogate tune`` and :mod:`surrogate.tune`: resumable studies, the params file, pruning."""

from __future__ import annotations

import math

import optuna
import pytest
import yaml

from surrogate.checkpoint import read_manifest
from surrogate.tune import _PruningCallback, read_params, write_params


def _count(storage: str, name: str) -> int:
    study = optuna.load_study(study_name=name, storage=storage)
    return sum(t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED) for t in study.trials)


def test_tune_twice_continues_the_study_then_fit_reads_the_best(cli, nb201_table, params_file, tmp_path):
    storage = f"sqlite:///{tmp_path / 'tune.db'}"
    best = tmp_path / "best.yaml"
    args = (
        "tune",
        "--data",
        nb201_table,
        "--space",
        "nb201",
        "--family",
        "xgb",
        "--storage",
        storage,
        "--params",
        params_file("xgb"),
        "--best-params",
        best,
    )
    first = cli.json(*args, "--trials", 2)
    assert first["n_trials"] == 2 and first["study_name"] == "xgb-val_accuracy"
    second = cli.json(*args, "--trials", 3)
    assert second["n_trials"] == 3 and _count(storage, "xgb-val_accuracy") == 3  # continued, not 2 + 3
    third = cli.json(*args, "--trials", 3)
    assert third["n_trials"] == 3 and _count(storage, "xgb-val_accuracy") == 3  # nothing left to run

    study = optuna.load_study(study_name="xgb-val_accuracy", storage=storage)
    values = [t.value for t in study.trials]
    assert second["best_value"] == min(values)
    for t in study.trials:  # both views of every trial are kept
        assert t.value == t.user_attrs["val_rmse"] and -1 <= t.user_attrs["val_kendall_tau"] <= 1
    assert len({tuple(sorted(t.params.items())) for t in study.trials}) == 3  # resumed sampler does not repeat

    doc = yaml.safe_load(best.read_text())
    assert doc["family"] == "xgb" and doc["params"]["n_estimators"] == 20  # fixed parameters stay fixed
    assert read_params(best, family="xgb") == second["best_params"]
    ckpt = tmp_path / "tuned"
    cli.json(
        "fit",
        "--data",
        nb201_table,
        "--space",
        "nb201",
        "--family",
        "xgb",
        "--members",
        2,
        "--params",
        best,
        "--out",
        ckpt,
    )
    hyper = read_manifest(ckpt)["hyperparameters"]
    assert {k: hyper[k] for k in second["best_params"]} == second["best_params"]


def test_a_study_refuses_other_settings(cli, nb201_table, params_file, tmp_path):
    storage = f"sqlite:///{tmp_path / 'tune.db'}"
    args = (
        "tune",
        "--data",
        nb201_table,
        "--space",
        "nb201",
        "--family",
        "knn",
        "--storage",
        storage,
        "--params",
        params_file("knn"),
        "--best-params",
        tmp_path / "b.yaml",
        "--trials",
        1,
    )
    cli.json(*args)
    code, _, err = cli(*args, "--seed", 1, "--no-progress")  # another split: values would not compare
    assert code == 1 and "other settings" in err and "split" in err
    code, _, err = cli(*args, "--metric", "kendall_tau", "--no-progress")
    assert code == 1 and "minimized" in err


def test_params_file_round_trip_and_errors(tmp_path):
    path = write_params(
        tmp_path / "p.yaml",
        {"max_features": 0.1234567890123, "max_depth": None, "seed": 5},
        family="rf",
        meta={"best_value": 1.5},
    )
    # floats come back exactly, None stays None, the seed is dropped, meta is ignored
    assert read_params(path, family="rf") == {"max_features": 0.1234567890123, "max_depth": None}
    with pytest.raises(ValueError, match="not 'xgb'"):
        read_params(path, family="xgb")
    plain = tmp_path / "plain.yaml"
    plain.write_text("n_neighbors: 3\nweights: uniform\n")
    assert read_params(plain, family="knn") == {"n_neighbors": 3, "weights": "uniform"}
    plain.write_text("n_neighbours: 3\n")
    with pytest.raises(ValueError, match="no parameter"):
        read_params(plain, family="knn")
    plain.write_text("seed: 3\n")
    with pytest.raises(ValueError, match="seed"):
        read_params(plain)
    plain.write_text("[1, 2]\n")
    with pytest.raises(ValueError, match="mapping"):
        read_params(plain)
    with pytest.raises(ValueError, match="no such"):
        read_params(tmp_path / "missing.yaml")


class _Trial:
    """Records what the pruning callback reports; prunes once asked to."""

    def __init__(self, prune_at: int | None = None) -> None:
        self.reports: list[tuple[float, int]] = []
        self.prune_at = prune_at

    def report(self, value: float, step: int) -> None:
        self.reports.append((value, step))

    def should_prune(self) -> bool:
        return self.prune_at is not None and self.reports[-1][1] >= self.prune_at


def test_pruning_callback_reports_the_first_member_in_the_study_direction():
    trial = _Trial()
    cb = _PruningCallback(trial, sign=-1.0)  # a maximised metric: losses are negated
    for member in range(2):
        for step in range(3):
            assert cb(step, {"train": 1.0, "val": 0.5 + step + member}) is False
    cb(3, {"train": 1.0, "val": math.nan})
    assert trial.reports == [(-0.5, 0), (-1.5, 1), (-2.5, 2)]  # member 1 and NaN not reported

    pruned = _Trial(prune_at=1)
    cb = _PruningCallback(pruned, sign=1.0)
    cb(0, {"val": 2.0})
    with pytest.raises(optuna.TrialPruned):
        cb(1, {"val": 3.0})


def test_gin_trials_are_pruned_on_validation_loss(nb301_tree, tmp_path, torch_one_thread):
    """With a pruner that always prunes after warm-up, every GIN trial past the startup ones ends
    PRUNED at the first reported epoch past warm-up, so pruning is wired to the training loop."""
    from surrogate.data import read_nb301
    from surrogate.tune import tune

    ds, _ = read_nb301(nb301_tree, progress=False)
    storage = f"sqlite:///{tmp_path / 'gin.db'}"

    class Always(optuna.pruners.BasePruner):
        def prune(self, study, trial):
            return trial.last_step is not None and trial.last_step >= 1

    with pytest.raises(RuntimeError, match="no complete trial"):  # every trial pruned
        tune(
            ds, "gin", n_trials=2, storage=storage, pruner=Always(), fixed={"epochs": 4, "hidden_dim": 8, "n_layers": 2}
        )
    study = optuna.load_study(study_name="gin-val_accuracy", storage=storage)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.PRUNED] * 2
    assert all(t.last_step == 1 for t in study.trials)
