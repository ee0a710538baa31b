"""scripts/build_default.py reads back exactly the shipped data each shipped benchmark is fit on."""

import collections
from pathlib import Path

import numpy as np
import pytest

from surrogate.data import Dataset

ROOT = Path(__file__).resolve().parents[2]
build_default = pytest.importorskip("build_default")


def test_load_shipped_rebuilds_the_default_parquet():
    """The default benchmark's table, from its result files: the same rows, same fingerprint
    (settings added to the fidelity after the files were written must not drop them)."""
    shipped = Dataset.read_parquet(ROOT / "training_data/fmnist/default.parquet")
    rebuilt = build_default.load_shipped("default")
    assert len(rebuilt) == len(shipped)
    assert rebuilt.fingerprint() == shipped.fingerprint()


def test_new_fidelity_data_leave_out_the_corner_cells():
    ds = build_default.load_shipped("pilot2-f14-c8l5-n15k-e3")
    sources = collections.Counter(ds.column("source").tolist())
    assert "corner" not in sources
    assert {"pilot", "rs", "skewed"} <= set(sources)
    assert len(set(ds.column("fidelity").tolist())) == 1


def _copy_results(src, dst, edit):
    import json

    (dst / "rs").mkdir(parents=True)
    for i, path in enumerate(src):
        record = json.loads(path.read_text())
        edit(i, record)
        (dst / "rs" / path.name).write_text(json.dumps(record))


def test_runtimes_not_in_cpu_seconds_are_blanked(tmp_path):
    """A GPU run's runtime is wall seconds on other hardware: its accuracy is kept, its training
    time is not taught to the CPU runtime model."""
    import math

    from surrogate.data import read_nb301

    src = sorted((ROOT / "training_data/fmnist/pilot2-f14-c8l5-n15k-e3/rs").glob("results_*.json"))[:2]

    def edit(i, record):
        record.get("hardware", {}).pop("backward", None)  # one code version: only the measure differs
        record.get("hardware", {}).pop("reference_step_seconds", None)
        if i == 1:
            record["info"][0]["runtime_measure"] = "wall_seconds"

    _copy_results(src, tmp_path, edit)
    ds, _ = read_nb301(tmp_path, progress=False)
    out = build_default.comparable_runtimes(ds, [tmp_path])
    by_file = dict(zip(out.column("path").tolist(), out.column("train_time").tolist()))
    assert math.isfinite(by_file[f"rs/{src[0].name}"])
    assert math.isnan(by_file[f"rs/{src[1].name}"])
    assert out.column("val_accuracy").tolist() == ds.column("val_accuracy").tolist()


def test_runtimes_of_the_library_backward_are_blanked_once_the_fast_one_wrote_files(tmp_path):
    """The faster backward passes cost 1.05-1.8x less for the same cell, by architecture: once the
    data hold files of the current generator, the runtime model learns from those alone."""
    import math

    from surrogate.data import read_nb301

    src = sorted((ROOT / "training_data/fmnist/pilot2-f14-c8l5-n15k-e3/rs").glob("results_*.json"))[:3]

    def edit(i, record):
        record.get("hardware", {}).pop("reference_step_seconds", None)  # the rule before stamps
        if i < 2:
            record.setdefault("hardware", {})["backward"] = "fast"
        else:
            record.get("hardware", {}).pop("backward", None)

    _copy_results(src, tmp_path / "mixed", edit)
    ds, _ = read_nb301(tmp_path / "mixed", progress=False)
    out = build_default.comparable_runtimes(ds, [tmp_path / "mixed"])
    by_file = dict(zip(out.column("path").tolist(), out.column("train_time").tolist()))
    assert [math.isfinite(by_file[f"rs/{p.name}"]) for p in src] == [True, True, False]
    assert out.column("val_accuracy").tolist() == ds.column("val_accuracy").tolist()

    # data of the library path alone (the first fidelity) keep every runtime
    def library(i, record):
        record.get("hardware", {}).pop("backward", None)
        record.get("hardware", {}).pop("reference_step_seconds", None)

    _copy_results(src, tmp_path / "old", library)
    ds, _ = read_nb301(tmp_path / "old", progress=False)
    out = build_default.comparable_runtimes(ds, [tmp_path / "old"])
    assert all(math.isfinite(t) for t in out.column("train_time").tolist())


def test_stamped_runtimes_are_rescaled_to_the_reference_machine_and_unstamped_ones_blanked(tmp_path):
    """The same work on a machine with a 2x slower reference step takes 2x the CPU-seconds: once
    files carry their worker's stamp, the runtime model learns runtime x REFERENCE / stamp, so
    both files teach it the same cost; a file without a stamp cannot be put on that scale."""
    import math

    from surrogate.data import read_nb301

    src = sorted((ROOT / "training_data/fmnist/pilot2-f14-c8l5-n15k-e3/rs").glob("results_*.json"))[:3]
    ref = build_default.REFERENCE_STEP_SECONDS

    def edit(i, record):
        hardware = record.setdefault("hardware", {})
        hardware["backward"] = "fast"
        record["runtime"] = 100.0 * (1, 2, 1)[i]
        if i < 2:
            hardware["reference_step_seconds"] = ref * (1, 2)[i]
        else:
            hardware.pop("reference_step_seconds", None)

    _copy_results(src, tmp_path, edit)
    ds, _ = read_nb301(tmp_path, progress=False)
    out = build_default.comparable_runtimes(ds, [tmp_path])
    by_file = dict(zip(out.column("path").tolist(), out.column("train_time").tolist()))
    t = [by_file[f"rs/{p.name}"] for p in src]
    assert t[0] == pytest.approx(100.0) and t[1] == pytest.approx(100.0)
    assert math.isnan(t[2])
    assert out.column("val_accuracy").tolist() == ds.column("val_accuracy").tolist()


def test_the_accuracy_default_must_pass_the_realism_checks_before_cv_tau_counts():
    """A tree model with the higher CV tau that ranks all-skip cells above DARTS is not chosen."""
    tau = {"val_accuracy-lgb": 0.45, "val_accuracy-gin": 0.41}
    ok, bad = {"all_skip": True, "all_pooling": True}, {"all_skip": False, "all_pooling": True}
    pick = build_default.pick_accuracy_default
    assert pick(tau, {"val_accuracy-lgb": bad, "val_accuracy-gin": ok}) == "val_accuracy-gin"
    assert pick(tau, {"val_accuracy-lgb": ok, "val_accuracy-gin": ok}) == "val_accuracy-lgb"
    assert pick(tau, {"val_accuracy-lgb": bad, "val_accuracy-gin": bad}) == "val_accuracy-lgb"


def test_the_default_table_is_made_of_the_shipped_result_files():
    """The new fidelity's table is a snapshot while generation goes on: every row of it is a
    shipped result file with the same accuracy, and nothing else is in it."""
    shipped = Dataset.read_parquet(ROOT / f"training_data/fmnist/{build_default.FIDELITY}.parquet")
    rebuilt = build_default.load_shipped(build_default.FIDELITY)
    by_path = dict(zip(rebuilt.column("path").tolist(), rebuilt.column("val_accuracy").tolist()))
    assert len(shipped) > 500
    for path, val in zip(shipped.column("path").tolist(), shipped.column("val_accuracy").tolist()):
        assert by_path[path] == val, path


def test_the_spread_check_measures_p95_minus_p5_in_seed_stds():
    """A model that spreads uniform cells over less than two seed stds fails the realism check."""
    wide, narrow = np.linspace(80.0, 82.0, 1001), np.linspace(80.0, 80.5, 1001)
    assert build_default.spread_ratio(wide, seed_std=0.45) == pytest.approx(1.8 / 0.45)
    assert build_default.spread_ratio(narrow, seed_std=0.45) < build_default.SPREAD_BAR
    tau = {"val_accuracy-lgb": 0.52, "val_accuracy-gin": 0.48}
    corners_ok = {"all_skip": True, "all_pooling": True}
    realism = {
        "val_accuracy-lgb": {**corners_ok, "spread": False},
        "val_accuracy-gin": {**corners_ok, "spread": True},
    }
    assert build_default.pick_accuracy_default(tau, realism) == "val_accuracy-gin"
