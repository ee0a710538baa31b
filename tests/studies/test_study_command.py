"""End-to-end tests of `surrogate study …` on small synthetic tables."""

from __future__ import annotations

import csv
import json

import pytest

from surrogate.cli import main
from surrogate.data import Dataset

from .conftest import multi_seed_records

FAST = ["--family", "rf", "--members", "2", "--param", "n_estimators=10", "--param", "n_jobs=1", "--no-progress"]


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> str:
    """40 architectures × 3 seeds from two sources, plus 10 single-seed ones, as a Dataset Parquet."""
    recs = multi_seed_records(40, 3, 0.5, rng=21, sources=("re", "rs"))
    recs += multi_seed_records(10, 1, 0.5, rng=21, sources=("re", "rs"), first_arch=40)
    path = tmp_path_factory.mktemp("data") / "evals.parquet"
    Dataset.from_records(recs).to_parquet(path)
    return str(path)


def test_tabular_vs_surrogate_prints_and_writes(table: str, tmp_path, capsys) -> None:
    out = tmp_path / "tvs"
    assert main(["study", "tabular-vs-surrogate", "--data", table, *FAST, "--out", str(out), "--folds", "3"]) == 0
    text = capsys.readouterr().out
    assert "MAE surrogate" in text and "mean ± std" in text and f"wrote csv: {out}" in text
    rows = list(csv.DictReader((out / "tabular_vs_surrogate.csv").open()))
    assert [r["seed"] for r in rows] == ["0", "1", "2"] and all(r["n_test"] == "40" for r in rows)
    doc = json.loads((out / "tabular_vs_surrogate.json").read_text())
    assert doc["n_archs"] == 40 and doc["config"]["folds"] == 3
    assert (out / "tabular_vs_surrogate.png").is_file()


def test_tabular_vs_surrogate_json_output(table: str, tmp_path, capsys) -> None:
    out = tmp_path / "tvs"
    argv = [
        "study",
        "tabular-vs-surrogate",
        "--data",
        table,
        *FAST,
        "--out",
        str(out),
        "--json",
        "--no-plot",
        "--train-on-rest",
        "--split",
        "random:0.6,0.2,0.2",
    ]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["study"] == "tabular-vs-surrogate" and len(doc["seeds"]) == 3
    assert doc["config"]["n_rest_train_rows"] == 10 and set(doc["files"]) == {"json", "csv"}
    assert not (out / "tabular_vs_surrogate.png").exists()


def test_leave_one_out_on_a_csv_table(tmp_path, capsys) -> None:
    recs = multi_seed_records(60, 1, 0.3, rng=22, sources=("re", "rs", "ls"))
    path = tmp_path / "evals.csv"
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["genotype", "val_accuracy", "seed", "source", "epochs"])
        w.writeheader()
        w.writerows({**{k: v for k, v in r.items() if k != "arch"}, "genotype": str(r["arch"])} for r in recs)
    out = tmp_path / "loo"
    argv = [
        "study",
        "leave-one-out",
        "--data",
        str(path),
        "--column",
        "source",
        "--min-rows",
        "10",
        *FAST,
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "held-out source" in text
    rows = list(csv.DictReader((out / "leave_one_out.csv").open()))
    assert [r["held_out"] for r in rows] == ["ls", "re", "rs", "(random split)"]
    assert all(int(r["n_test"]) == 20 for r in rows[:3])
    assert (out / "leave_one_out.json").is_file() and (out / "leave_one_out.png").is_file()


def test_epochs_selects_one_fidelity(tmp_path, capsys) -> None:
    recs = multi_seed_records(30, 3, 0.5, rng=23) + multi_seed_records(30, 3, 0.5, rng=23, epochs=50)
    path = tmp_path / "two.parquet"
    Dataset.from_records(recs).to_parquet(path)
    base = ["study", "tabular-vs-surrogate", "--data", str(path), *FAST, "--out", str(tmp_path / "o"), "--no-plot"]
    assert main(base) == 1
    assert "mixes fidelities" in capsys.readouterr().err
    assert main([*base, "--epochs", "50", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_archs"] == 30
    assert main([*base, "--epochs", "7"]) == 1
    assert "no evaluation at that fidelity" in capsys.readouterr().err


def test_clear_errors(table: str, tmp_path, capsys) -> None:
    single = tmp_path / "single.parquet"
    Dataset.from_records(multi_seed_records(30, 1, 0.5, rng=24)).to_parquet(single)
    out = ["--out", str(tmp_path / "o")]
    assert main(["study", "tabular-vs-surrogate", "--data", str(single), *FAST, *out]) == 1
    assert "3 or more runs" in capsys.readouterr().err
    assert main(["study", "leave-one-out", "--data", table, "--column", "optimizer", *FAST, *out]) == 1
    assert "no column 'optimizer'" in capsys.readouterr().err
    assert main(["study", "leave-one-out", "--data", table, "--param", "n_estimators", *out]) == 1
    assert "--param takes KEY=VALUE" in capsys.readouterr().err
    assert main(["study", "tabular-vs-surrogate", "--data", str(tmp_path / "missing.csv"), *out]) == 1
    assert "no such file or directory" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["study", "no-such-study"])
