"""End to end: ``surrogate fit`` -> checkpoint -> ``surrogate evaluate`` on small data."""

from __future__ import annotations

import json
import math

import pytest

from surrogate.checkpoint import read_manifest


def _same(recorded: dict, now: dict) -> None:
    """Every recorded metric is reproduced exactly (JSON null stands for NaN)."""
    assert recorded, "nothing recorded"
    for key, old in recorded.items():
        new = now[key]
        if old is None:
            assert new is None or math.isnan(new), key
        else:
            assert new == old, (key, old, new)


def test_fit_then_evaluate_reproduces_test_metrics_nb201(cli, nb201_table, params_file, tmp_path):
    ckpt = tmp_path / "ckpt"
    fit = cli.json(
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
        params_file("xgb"),
        "--out",
        ckpt,
    )
    manifest = read_manifest(ckpt)
    assert manifest["split"] == {"kind": "random_by_architecture", "fractions": [0.8, 0.1, 0.1], "seed": 0}
    assert manifest["encoder"]["space"] == "nb201"
    assert manifest["hyperparameters"]["n_estimators"] == 20
    assert fit["sizes"]["train"] + fit["sizes"]["val"] + fit["sizes"]["test"] == 243  # 300 cells, 57 isomorphic repeats
    # a real (if tiny) model ranks real architectures better than chance
    assert fit["metrics"]["test"]["kendall_tau"] > 0.3

    plot = tmp_path / "scatter.png"
    ev = cli.json("evaluate", "--checkpoint", ckpt, "--data", nb201_table, "--plot", plot)
    assert ev["split"] == "test" and ev["rows"] == fit["sizes"]["test"]
    assert ev["reproduces_manifest"] is True
    _same(manifest["metrics"]["test"], ev["metrics"])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    val = cli.json("evaluate", "--checkpoint", ckpt, "--data", nb201_table, "--split", "val", "--out", tmp_path / "rep")
    _same(manifest["metrics"]["val"], val["metrics"])
    assert (tmp_path / "rep" / "predicted-vs-true-val.png").is_file()
    assert json.loads((tmp_path / "rep" / "metrics.json").read_text())["metrics"] == val["metrics"]


def test_fit_is_deterministic_given_seed(cli, nb201_table, params_file):
    args = (
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
        params_file("xgb"),
    )
    first = cli.json(*args, "--seed", 3)
    again = cli.json(*args, "--seed", 3)
    other = cli.json(*args, "--seed", 4)
    assert first["metrics"] == again["metrics"]
    assert first["calibration"] == again["calibration"]
    assert other["metrics"] != first["metrics"]


def test_text_output_prints_the_metrics_table(cli, nb201_table, params_file, tmp_path):
    code, out, _ = cli(
        "fit",
        "--data",
        nb201_table,
        "--space",
        "nb201",
        "--family",
        "knn",
        "--members",
        2,
        "--params",
        params_file("knn"),
        "--no-progress",
        "--out",
        tmp_path / "k",
    )
    assert code == 0
    for label in (
        "R²",
        "MAE",
        "RMSE",
        "Kendall τ",
        "sparse Kendall τ",
        "Spearman ρ",
        "Gaussian NLL",
        "68% coverage",
        "95% coverage",
    ):
        assert label in out
    header = next(line for line in out.splitlines() if line.startswith("metric"))
    assert header.split() == ["metric", "val", "test"]
    code, out, _ = cli("evaluate", "--checkpoint", tmp_path / "k", "--data", nb201_table, "--no-progress")
    assert code == 0 and "reproduces the checkpoint's recorded test metrics exactly" in out
    assert (tmp_path / "k-test.png").is_file()  # default plot: beside the checkpoint


@pytest.mark.parametrize("family", ["gin", "rf"])
def test_nb301_tree_leave_one_optimizer_out(cli, nb301_tree, params_file, tmp_path, family, request):
    if family == "gin":
        request.getfixturevalue("torch_one_thread")
    ckpt = tmp_path / family
    fit = cli.json(
        "fit",
        "--data",
        nb301_tree,
        "--family",
        family,
        "--members",
        2,
        "--split",
        "leave-out:source=re",
        "--params",
        params_file(family),
        "--out",
        ckpt,
    )
    assert fit["sizes"]["test"] == 20  # every 're' architecture, none of 'rs'
    manifest = read_manifest(ckpt)
    assert manifest["split"]["kind"] == "leave_out" and manifest["split"]["value"] == "re"
    ev = cli.json("evaluate", "--checkpoint", ckpt, "--data", nb301_tree, "--plot", tmp_path / "p.png")
    _same(manifest["metrics"]["test"], ev["metrics"])


def test_official_split_is_recorded_and_rebuilt(cli, nb301_tree, params_file, tmp_path):
    files = sorted(str(p) for p in nb301_tree.rglob("results_*.json"))
    split_dir = tmp_path / "split"
    split_dir.mkdir()
    # entries are absolute paths on another machine, matched by their trailing <optimizer>/<file>
    for name, part in (("train", files[:40]), ("val", files[40:50]), ("test", files[50:])):
        entries = ["/home/someone/nb_301/" + "/".join(p.split("/")[-2:]) for p in part]
        (split_dir / f"{name}_paths.json").write_text(json.dumps(entries))
    ckpt = tmp_path / "ck"
    fit = cli.json(
        "fit",
        "--data",
        nb301_tree,
        "--family",
        "knn",
        "--members",
        2,
        "--split",
        f"official:{split_dir}",
        "--params",
        params_file("knn"),
        "--out",
        ckpt,
    )
    assert fit["sizes"] == {"train": 40, "val": 10, "test": 10}
    ev = cli.json("evaluate", "--checkpoint", ckpt, "--data", nb301_tree)
    assert ev["reproduces_manifest"] is True


def test_evaluate_on_other_data_needs_split_all(cli, nb301_tree, nb201_table, params_file, tmp_path):
    ckpt = tmp_path / "ck"
    cli.json(
        "fit", "--data", nb301_tree, "--family", "knn", "--members", 2, "--params", params_file("knn"), "--out", ckpt
    )
    other = tmp_path / "other"
    from nb301_fixtures import build_tree

    build_tree(other, {"ls": 12}, seed=5)
    code, _, err = cli("evaluate", "--checkpoint", ckpt, "--data", other, "--no-progress")
    assert code == 1 and "--split all" in err and len(err.strip().splitlines()) == 1
    ev = cli.json("evaluate", "--checkpoint", ckpt, "--data", other, "--split", "all", "--plot", tmp_path / "o.png")
    assert ev["rows"] == 12 and ev["reproduces_manifest"] is None
    # a checkpoint of one space refuses data of another
    code, _, err = cli(
        "evaluate", "--checkpoint", ckpt, "--data", nb201_table, "--space", "nb201", "--split", "all", "--no-progress"
    )
    assert code == 1 and "darts" in err


def test_generic_jsonl_and_darts_csv_tables(cli, params_file, tmp_path):
    """User tables: a generic JSONL with cells as top-level nodes/edges, a CSV of DARTS genotypes.

    The targets are synthetic (a function of the cell plus seeded noise): this tests the plumbing.
    """
    import numpy as np

    from surrogate.space import sample

    rng = np.random.default_rng(0)
    labels = ["conv3x3", "conv1x1", "maxpool", "skip"]
    lines = []
    for _ in range(80):
        mid = list(rng.choice(labels, size=3))
        nodes = ["input", *mid, "output"]
        edges = [[0, 1], [0, 2], [1, 3], [2, 3], [3, 4]]
        acc = 80 + 3 * mid.count("conv3x3") + rng.normal(0, 0.5)
        lines.append(json.dumps({"nodes": nodes, "edges": edges, "val_accuracy": float(acc)}))
    jsonl = tmp_path / "cells.jsonl"
    jsonl.write_text("\n".join(lines) + "\n")
    fit = cli.json(
        "fit",
        "--data",
        jsonl,
        "--space",
        "generic",
        "--family",
        "rf",
        "--members",
        2,
        "--params",
        params_file("rf"),
        "--out",
        tmp_path / "g",
    )
    assert fit["space"] == "generic"
    ev = cli.json("evaluate", "--checkpoint", tmp_path / "g", "--data", jsonl, "--plot", tmp_path / "g.png")
    assert ev["reproduces_manifest"] is True  # the label vocabulary came back from the manifest

    csv = tmp_path / "darts.csv"
    rows = [f'"{g}",{90 + rng.normal():.3f}' for g in sample(50, rng=1)]
    csv.write_text("genotype,val_accuracy\n" + "\n".join(rows) + "\n")
    fit = cli.json("fit", "--data", csv, "--family", "knn", "--members", 2, "--params", params_file("knn"))
    assert fit["space"] == "darts" and sum(fit["sizes"].values()) == 50


@pytest.mark.parametrize("family", ["xgb", "lgb", "gin"])
def test_a_single_member_checkpoint_reproduces_its_own_metrics(cli, nb301_tree, params_file, tmp_path, family, request):
    """Issue 10, point 11: a single member has std 0, so gaussian_nll is inf; the manifest wrote it
    as null and evaluate reported that the metrics did not reproduce."""
    if family == "gin":
        request.getfixturevalue("torch_one_thread")
    ckpt = tmp_path / "one"
    cli.json(
        "fit", "--data", nb301_tree, "--family", family, "--members", 1, "--params", params_file(family), "--out", ckpt
    )
    test = read_manifest(ckpt)["metrics"]["test"]
    assert test["gaussian_nll"] is None and test["not_finite"]["gaussian_nll"]["value"] == "inf"
    assert "std is 0" in test["not_finite"]["gaussian_nll"]["why"]
    code, out, err = cli(
        "evaluate", "--checkpoint", ckpt, "--data", nb301_tree, "--plot", tmp_path / "p.png", "--no-progress"
    )
    assert code == 0, err
    assert "reproduces the checkpoint's recorded test metrics exactly" in out


def test_evaluate_fails_when_the_recorded_metrics_do_not_reproduce(cli, nb301_tree, params_file, tmp_path):
    """Issue 10, point 8: evaluate said "differs" and exited 0."""
    import hashlib

    ckpt = tmp_path / "ck"
    cli.json(
        "fit", "--data", nb301_tree, "--family", "knn", "--members", 2, "--params", params_file("knn"), "--out", ckpt
    )
    manifest = read_manifest(ckpt)
    manifest["metrics"]["test"]["mae"] += 0.5  # as if recorded by other package versions or hardware
    text = json.dumps(manifest, indent=2) + "\n"
    (ckpt / "manifest.json").write_text(text)
    (ckpt / "manifest.json.sha256").write_text(f"{hashlib.sha256(text.encode()).hexdigest()}  manifest.json\n")
    code, out, err = cli(
        "evaluate", "--checkpoint", ckpt, "--data", nb301_tree, "--plot", tmp_path / "p.png", "--no-progress"
    )
    assert code == 1
    assert "do not reproduce" in err and "mae" in err and len(err.strip().splitlines()) == 1
    code, out, err = cli(
        "evaluate", "--checkpoint", ckpt, "--data", nb301_tree, "--plot", tmp_path / "p.png", "--no-progress", "--json"
    )
    assert code == 1 and json.loads(out)["reproduces_manifest"] is False


def test_a_row_split_is_recorded_and_rebuilt_by_evaluate(cli, nb201_table, params_file, tmp_path):
    ckpt = tmp_path / "rows"
    fit = cli.json(
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
        params_file("xgb"),
        "--split",
        "rows:0.6,0.2,0.2",
        "--out",
        ckpt,
    )
    split = read_manifest(ckpt)["split"]
    assert {k: split[k] for k in ("kind", "fractions", "seed")} == {
        "kind": "random_by_row",
        "fractions": [0.6, 0.2, 0.2],
        "seed": 0,
    }
    assert sum(fit["sizes"].values()) == 243 and abs(fit["sizes"]["test"] - 0.2 * 243) <= 1
    ev = cli.json("evaluate", "--checkpoint", ckpt, "--data", nb201_table)
    assert ev["reproduces_manifest"] is True and ev["rows"] == fit["sizes"]["test"]


def test_rename_and_a_training_budget_from_the_cli(cli, tmp_path, params_file):
    from surrogate.space import sample

    table = tmp_path / "mine.csv"
    archs = sample(80, rng=5)
    table.write_text("genotype,valid_acc\n" + "".join(f'"{g}",{80 + (i % 7) / 3}\n' for i, g in enumerate(archs)))
    code, _, err = cli("fit", "--data", table, "--family", "xgb", "--members", 1, "--no-progress")
    assert code == 1 and "val_accuracy" in err
    ckpt = tmp_path / "budget"
    fit = cli.json(
        "fit",
        "--data",
        table,
        "--rename",
        "valid_acc=val_accuracy",
        "--family",
        "xgb",
        "--members",
        2,
        "--params",
        params_file("xgb"),
        "--train-size",
        30,
        "--out",
        ckpt,
    )
    assert fit["sizes"]["train"] == 30 and fit["split"]["train_size"] == 30
    ev = cli.json("evaluate", "--checkpoint", ckpt, "--data", table, "--rename", "valid_acc=val_accuracy")
    assert ev["reproduces_manifest"] is True
