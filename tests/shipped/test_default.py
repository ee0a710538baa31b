"""The shipped default benchmark and data, end to end: the commands users run first.

These run on checkpoints/default and training_data/fmnist (real Fashion-MNIST evaluations), with
small budgets so CI stays fast. They fail, not skip, when the shipped files are missing: the
README's main command depends on them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import surrogate
from surrogate.cli import main
from surrogate.data import Dataset

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "checkpoints" / "default"
#: The table the default is fit on: training_data/fmnist/<its fidelity's name>.parquet.
DATA = (
    ROOT
    / "training_data"
    / "fmnist"
    / f"{json.loads((DEFAULT / 'benchmark.json').read_text())['fidelity']['name']}.parquet"
)
PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def bench():
    return surrogate.load()


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads((DEFAULT / "benchmark.json").read_text())


def test_load_finds_the_shipped_default(bench, spec) -> None:
    assert Path(bench.path).resolve() == DEFAULT.resolve()
    targets = {e["target"] for e in spec["models"].values()}
    families = {e["family"] for e in spec["models"].values() if e["target"] == "val_accuracy"}
    assert {"val_accuracy", "train_time"} <= targets
    assert "gin" in families and families & {"xgb", "lgb"}


def test_checkpoints_are_small(spec) -> None:
    """Issue 5: a few MB per checkpoint, so they live in the repository."""
    for name, entry in spec["models"].items():
        size = sum(f.stat().st_size for f in (DEFAULT / entry["dir"]).rglob("*") if f.is_file())
        assert size < 8e6, f"{name}: {size / 1e6:.1f} MB"


def test_parameter_free_cells_rank_below_darts_and_the_uniform_median(bench) -> None:
    """Issue 9: the first default ranked an all-pooling cell above 99.9% of uniform cells. Real
    training at every measured fidelity puts all-skip, all-pooling and skip-heavy cells below
    DARTS_V1/V2 and below the median uniform cell (training_data/README.md, pilot 2)."""
    from surrogate.space import CORNERS, DEGENERATE, degenerate_ranked_low, sample

    pred = dict(zip(CORNERS, bench.predict(list(CORNERS.values()))))
    median = np.median(bench.predict(sample(1000, rng=0)))
    assert degenerate_ranked_low(pred, median) == dict.fromkeys(DEGENERATE, True)


def test_predictions_are_in_the_range_of_the_data(bench) -> None:
    ds = Dataset.read_parquet(DATA)
    y = np.asarray(ds.column("val_accuracy"), dtype=float)
    archs = ds.genotypes()[:50]
    pred = bench.predict(archs)
    assert pred.shape == (50,)
    assert np.all((pred > y.min() - 5) & (pred < y.max() + 5))
    assert np.corrcoef(pred, y[:50])[0, 1] > 0.3  # fit on these rows (mostly): they must track them


@pytest.mark.parametrize("split", ["test"])
def test_evaluate_reproduces_every_manifest(spec, split, tmp_path, capsys) -> None:
    for name, entry in spec["models"].items():
        assert (
            main(
                [
                    "evaluate",
                    "--checkpoint",
                    str(DEFAULT / entry["dir"]),
                    "--data",
                    str(DATA),
                    "--split",
                    split,
                    "--plot",
                    str(tmp_path / f"{name}.png"),
                    "--json",
                    "--no-progress",
                ]
            )
            == 0
        )
        out = json.loads(capsys.readouterr().out)
        assert out["reproduces_manifest"] is True, (name, out["metrics"], out["manifest_metrics"])
        assert (tmp_path / f"{name}.png").read_bytes().startswith(PNG)


def test_demo_runs_on_the_shipped_default(tmp_path, capsys) -> None:
    assert main(["demo", "--out", str(tmp_path), "--queries", "20", "--repeats", "1", "--random", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    cells = {c["cell"]: c for c in out["cells"]}
    assert {"DARTS_V1", "DARTS_V2"} <= {c.upper() for c in cells}
    assert all(c["std"] > 0 and c["runtime_s"] > 0 and c["params"] > 0 for c in cells.values())
    assert list(tmp_path.glob("*.png"))


def test_search_runs_on_the_shipped_default(tmp_path, capsys) -> None:
    assert (
        main(
            [
                "search",
                "--optimizers",
                "rs",
                "re",
                "ls",
                "tpe",
                "--budget-queries",
                "15",
                "--repeats",
                "1",
                "--out",
                str(tmp_path),
                "--no-progress",
                "--json",
            ]
        )
        == 0
    )
    assert (tmp_path / "trajectories.png").read_bytes().startswith(PNG)
    rows = list(csvlines(tmp_path / "trajectories.csv"))
    assert len(rows) == 4 * 15


def csvlines(path: Path):
    import csv

    with path.open() as fh:
        yield from csv.DictReader(fh)


FAST = ["--family", "xgb", "--members", "2", "--param", "n_estimators=60", "--no-progress", "--no-plot"]


def test_tabular_vs_surrogate_study_on_the_shipped_seeds(tmp_path) -> None:
    assert main(["study", "tabular-vs-surrogate", "--data", str(DATA), *FAST, "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "tabular_vs_surrogate.json").read_text())
    assert result["n_seeds"] == 3 and result["n_archs"] >= 100  # issue 5: >= 100 architectures x 3 seeds
    assert [row["seed"] for row in result["seeds"]] == [0, 1, 2]
    for row in result["seeds"]:
        assert 0 < row["surrogate_mae"] < 3 and 0 < row["table_mae"] < 3
    noise = result["noise"]
    assert 0 < noise["oracle_mae"] < noise["expected_table_mae"]  # seed noise is real and measured


def test_the_studies_default_data_is_the_table_the_shipped_default_is_fit_on(spec) -> None:
    """`surrogate study` without --data studies the data behind the shipped benchmark."""
    from surrogate.commands import study

    path = study._data_path(study.DEFAULT_DATA)
    assert path.resolve() == DATA.resolve()
    assert Dataset.read_parquet(path).fingerprint() == spec["data"]["fingerprint"]


def test_leave_one_optimizer_out_on_the_shipped_sources(tmp_path) -> None:
    sources = set(Dataset.read_parquet(DATA).column("source"))
    assert {"rs", "pilot"} <= sources
    assert main(["study", "leave-one-out", "--data", str(DATA), *FAST, "--out", str(tmp_path)]) == 0
    assert list(tmp_path.glob("*.json"))


def test_propose_writes_new_architectures_for_generate(tmp_path, capsys) -> None:
    out = tmp_path / "re.jsonl"
    assert (
        main(
            [
                "propose",
                "--optimizer",
                "re",
                "-n",
                "5",
                "--queries",
                "40",
                "--exclude-data",
                str(DATA),
                "--out",
                str(out),
                "--json",
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    known = set(Dataset.read_parquet(DATA).column("arch_hash"))
    assert summary["proposed"] == 5 and summary["excluded"] == len(known)
    from surrogate.space import arch_hash, parse

    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len({arch_hash(parse(r["arch"])) for r in rows} - known) == 5
    assert all(r["optimizer"] == "re" and 60 < r["predicted"] < 100 for r in rows)


def test_noisy_runtime_queries_are_finite(bench, spec) -> None:
    """Issue 10, point 5: benchmark.json held "seed_std": NaN for train_time, so every noisy
    runtime query was NaN."""
    archs = Dataset.read_parquet(DATA).genotypes()[:20]
    noisy = bench.predict_runtime(archs, with_noise=True, seed=0)
    assert np.isfinite(noisy).all() and not np.array_equal(noisy, bench.predict_runtime(archs))
    assert all(np.isfinite(n["seed_std"]) and n["seed_std"] > 0 for n in spec["noise"].values())
    assert "NaN" not in (DEFAULT / "benchmark.json").read_text()


def test_shipped_checkpoints_are_current_and_verified(spec) -> None:
    """Issue 10, point 6: every shipped manifest in the current format, its own checksum beside it."""
    import hashlib

    from surrogate.checkpoint import FORMAT_VERSION, MANIFEST_SHA256, load_checkpoint, read_manifest

    for entry in spec["models"].values():
        folder = DEFAULT / entry["dir"]
        assert read_manifest(folder)["format_version"] == FORMAT_VERSION
        digest = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
        assert (folder / MANIFEST_SHA256).read_text() == f"{digest}  manifest.json\n"
        ensemble, manifest = load_checkpoint(folder)
        assert len(ensemble.members_) == manifest["ensemble"]["n_members"] == 10
