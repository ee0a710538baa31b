"""Checkpoints: round trips, clear refusals of bad directories, and old fixtures that must still load."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from model_tasks import FAMILIES, make_task

from surrogate.checkpoint import (
    FORMAT_VERSION,
    CheckpointError,
    load_checkpoint,
    read_manifest,
    save_checkpoint,
)
from surrogate.ensemble import Ensemble
from surrogate.models import make_model

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "checkpoints"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A calibrated 3-member kNN checkpoint and its data."""
    task = make_task("knn")
    ens = Ensemble("knn", n_members=3, params=task.params, seed=4).fit(*task.train).calibrate(*task.val)
    path = save_checkpoint(
        ens,
        tmp_path_factory.mktemp("ckpt") / "knn",
        target="val_accuracy",
        encoder={"name": "darts-features", "version": 2},
        data_fingerprint="sha256:abc",
        split={"kind": "random", "seed": 0},
        metrics={"val": {"r2": 0.9, "tau": math.nan}},
    )
    return path, ens, task


@pytest.mark.parametrize("family", FAMILIES)
def test_round_trip_predicts_identically(family: str, tmp_path) -> None:
    task = make_task(family)
    params = {**task.params, "epochs": 3} if family == "gin" else task.params
    ens = Ensemble(family, n_members=2, params=params, seed=0).fit(*task.train, *task.val)
    ens.calibrate(*task.val)
    path = save_checkpoint(ens, tmp_path / "c", target="t")
    loaded, manifest = load_checkpoint(path)
    X = task.test[0]
    for a, b in zip(loaded.predict(X), ens.predict(X)):
        assert np.array_equal(a, b)
    assert np.array_equal(loaded.sample(X, rng=3), ens.sample(X, rng=3))
    assert loaded.calibration_ == ens.calibration_
    assert loaded.member_seeds_ == ens.member_seeds_ and loaded.seed == 0
    assert manifest["family"] == family and manifest["packages"]["numpy"]
    on_disk = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
    assert sorted(manifest["files"]) == [f for f in on_disk if f not in ("manifest.json", "manifest.json.sha256")]


def test_manifest_records_provenance(saved) -> None:
    path, ens, _ = saved
    m = read_manifest(path)
    assert m["format_version"] == FORMAT_VERSION and m["kind"] == "surrogate-checkpoint"
    assert m["target"] == "val_accuracy" and m["encoder"] == {"name": "darts-features", "version": 2}
    assert m["data_fingerprint"] == "sha256:abc" and m["split"] == {"kind": "random", "seed": 0}
    assert m["metrics"]["val"]["r2"] == 0.9 and m["metrics"]["val"]["tau"] is None  # NaN is not JSON
    assert m["metrics"]["val"]["not_finite"]["tau"]["value"] == "nan"
    assert m["hyperparameters"] == {k: v for k, v in ens.members_[0].get_params().items() if k != "seed"}
    assert m["ensemble"]["member_seeds"] == ens.member_seeds_ and m["ensemble"]["n_members"] == 3
    assert m["calibration"]["method"] == "coverage"
    assert all(len(d) == 64 for d in m["files"].values())


def copy(path: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(path, tmp_path / "copy"))


def test_tampered_file_is_refused_naming_it(saved, tmp_path) -> None:
    path = copy(saved[0], tmp_path)
    target = path / "members" / "01" / "train.npz"
    data = bytearray(target.read_bytes())
    data[-10] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"members/01/train.npz has sha256 .* changed or corrupted"):
        load_checkpoint(path)


def test_missing_member_file_is_refused_naming_it(saved, tmp_path) -> None:
    path = copy(saved[0], tmp_path)
    (path / "members" / "00" / "model.json").unlink()
    with pytest.raises(CheckpointError, match="members/00/model.json is missing"):
        load_checkpoint(path)


def test_truncated_manifest_is_refused(saved, tmp_path) -> None:
    path = copy(saved[0], tmp_path)
    text = (path / "manifest.json").read_text()
    (path / "manifest.json").write_text(text[: len(text) // 2])
    with pytest.raises(CheckpointError, match="not valid JSON.*truncated"):
        load_checkpoint(path)


def test_newer_format_is_refused_with_upgrade_advice(saved, tmp_path) -> None:
    path = copy(saved[0], tmp_path)
    m = json.loads((path / "manifest.json").read_text())
    m["format_version"] = FORMAT_VERSION + 1
    (path / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(CheckpointError, match="newer than this code reads.*upgrade"):
        load_checkpoint(path)


def test_foreign_and_missing_directories_are_refused(tmp_path) -> None:
    with pytest.raises(CheckpointError, match="not a directory"):
        load_checkpoint(tmp_path / "nowhere")
    with pytest.raises(CheckpointError, match="no manifest.json"):
        load_checkpoint(tmp_path)
    (tmp_path / "manifest.json").write_text('{"name": "some-other-tool", "version": 3}')
    with pytest.raises(CheckpointError, match="belongs to something else"):
        load_checkpoint(tmp_path)
    X = np.random.default_rng(0).random((20, 2), dtype=np.float32)
    make_model("knn", n_neighbors=2).fit(X, X[:, 0]).save(tmp_path / "model")
    with pytest.raises(CheckpointError, match="single saved model.*load_model"):
        load_checkpoint(tmp_path / "model")
    assert issubclass(CheckpointError, ValueError)


def test_paths_outside_the_checkpoint_are_refused(saved, tmp_path) -> None:
    path = copy(saved[0], tmp_path)
    m = json.loads((path / "manifest.json").read_text())
    m["files"]["../../etc/passwd"] = "0" * 64
    rewrite_manifest(path, m, rehash=False)
    with pytest.raises(CheckpointError, match="outside the checkpoint"):
        load_checkpoint(path)


def test_saving_never_clobbers_by_accident(saved, tmp_path) -> None:
    path, ens, task = saved
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(CheckpointError, match="not a checkpoint; refusing"):
        save_checkpoint(ens, other, overwrite=True)
    assert (other / "notes.txt").read_text() == "mine"
    target = save_checkpoint(ens, tmp_path / "c")
    with pytest.raises(CheckpointError, match="overwrite=True"):
        save_checkpoint(ens, target)
    smaller = Ensemble("knn", n_members=2, params=task.params).fit(*task.train)
    save_checkpoint(smaller, target, overwrite=True)
    loaded, _ = load_checkpoint(target)
    assert len(loaded.members_) == 2 and not (target / "members" / "02").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "other"], "no temporary folders left"


def load_fixture_inputs(npz: np.lib.npyio.NpzFile):
    if "X" in npz.files:
        return npz["X"]
    import torch

    from surrogate.models import GraphSet

    t = {k: torch.from_numpy(npz[k]) for k in ("x", "edge_index", "node_ptr", "edge_ptr")}
    return GraphSet(t["x"], t["edge_index"], None, t["node_ptr"], t["edge_ptr"])


VERSIONS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) if FIXTURES.is_dir() else []


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("family", FAMILIES)
def test_checkpoints_written_by_earlier_versions_still_load(version: str, family: str) -> None:
    """Like optuna's test_upgrade_assets: fixture checkpoints are never rewritten, only added."""
    path = FIXTURES / version / family
    ensemble, manifest = load_checkpoint(path)
    assert manifest["family"] == family and manifest["format_version"] <= FORMAT_VERSION
    with np.load(FIXTURES / version / f"{family}-expected.npz", allow_pickle=False) as npz:
        mean, std = ensemble.predict(load_fixture_inputs(npz))
        np.testing.assert_allclose(mean, npz["mean"], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(std, npz["std"], rtol=1e-5, atol=1e-6)


def test_the_current_format_has_a_fixture() -> None:
    assert f"v{FORMAT_VERSION}" in VERSIONS, "run tests/fixtures/make_checkpoints.py for the new format version"


# -- issue 10: nothing in a checkpoint trusted unverified ----------------------------------------


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def rewrite_manifest(path: Path, manifest: dict, *, rehash: bool = True) -> None:
    """Write ``manifest`` the way a careful forger would: every listed file re-hashed and the
    manifest's own checksum (``manifest.json.sha256``) rewritten to match."""
    if rehash:
        manifest["files"] = {rel: _sha(path / rel) for rel in manifest["files"]}
    (path / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (path / "manifest.json.sha256").write_text(f"{_sha(path / 'manifest.json')}  manifest.json\n")


def test_the_manifest_is_protected_by_its_own_checksum(saved, tmp_path) -> None:
    path = copy(saved[0], tmp_path)
    assert (path / "manifest.json.sha256").read_text() == f"{_sha(path / 'manifest.json')}  manifest.json\n"
    m = json.loads((path / "manifest.json").read_text())
    m["calibration"]["scale"] = 1e-9  # every std would collapse to the noise floor
    (path / "manifest.json").write_text(json.dumps(m, indent=2) + "\n")
    with pytest.raises(CheckpointError, match=r"manifest.json has sha256 .* manifest.json.sha256"):
        load_checkpoint(path)
    (path / "manifest.json.sha256").unlink()
    with pytest.raises(CheckpointError, match="manifest.json.sha256 is missing"):
        load_checkpoint(path)


def test_a_member_file_missing_from_the_manifest_is_refused(saved, tmp_path) -> None:
    path = copy(saved[0], tmp_path)
    m = json.loads((path / "manifest.json").read_text())
    del m["files"]["members/01/train.npz"]
    rewrite_manifest(path, m)
    with pytest.raises(CheckpointError, match="members/01/train.npz is not listed in the manifest"):
        load_checkpoint(path)


def test_a_dropped_member_is_refused(saved, tmp_path) -> None:
    import shutil

    path = copy(saved[0], tmp_path)
    m = json.loads((path / "manifest.json").read_text())
    m["ensemble"]["members"].remove("members/02")
    m["files"] = {k: v for k, v in m["files"].items() if not k.startswith("members/02/")}
    shutil.rmtree(path / "members" / "02")
    rewrite_manifest(path, m)
    with pytest.raises(CheckpointError, match=r"lists 2 member folders but n_members is 3"):
        load_checkpoint(path)
    m["ensemble"]["n_members"] = 2
    rewrite_manifest(path, m)
    with pytest.raises(CheckpointError, match=r"3 member_seeds for 2 members"):
        load_checkpoint(path)


def test_a_member_from_elsewhere_is_refused(saved, tmp_path) -> None:
    path = copy(saved[0], tmp_path)
    m = json.loads((path / "manifest.json").read_text())
    m["ensemble"]["members"][1] = "members/00"
    rewrite_manifest(path, m)
    with pytest.raises(CheckpointError, match="lists members/00 twice"):
        load_checkpoint(path)
    m = json.loads((copy(saved[0], tmp_path / "again")).joinpath("manifest.json").read_text())
    m["ensemble"]["member_seeds"][0] += 1
    rewrite_manifest(tmp_path / "again" / "copy", m)
    with pytest.raises(CheckpointError, match="members/00 was fit with seed .* but the manifest records"):
        load_checkpoint(tmp_path / "again" / "copy")


@pytest.mark.parametrize("scale", [0.0, -1.0, None, "1", 1e400])
def test_an_impossible_calibration_is_refused(saved, tmp_path, scale) -> None:
    path = copy(saved[0], tmp_path)
    m = json.loads((path / "manifest.json").read_text())
    m["calibration"]["scale"] = scale
    rewrite_manifest(path, m)
    with pytest.raises(CheckpointError, match="calibration"):
        load_checkpoint(path)


#: Each family's native model file.
NATIVE = {"xgb": "model.ubj", "lgb": "model.txt", "rf": "trees.npz", "knn": "train.npz", "gin": "model.safetensors"}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_native_file_that_passes_the_checksum_is_a_checkpoint_error(family, damage, tmp_path) -> None:
    """Before the fix: raw LightGBMError, BadZipFile, zlib.error; LightGBM and XGBoost even
    aborted the process (std::bad_alloc, terminate) on a truncated or garbled file."""
    path = copy(FIXTURES / f"v{FORMAT_VERSION}" / family, tmp_path)
    target = path / "members" / "01" / NATIVE[family]
    data = bytearray(target.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:  # 64 garbled bytes a third of the way in
        for i in range(len(data) // 3, len(data) // 3 + 64):
            data[i] ^= 0x5A
    target.write_bytes(bytes(data))
    rewrite_manifest(path, json.loads((path / "manifest.json").read_text()))
    with pytest.raises(CheckpointError, match=f"members/01/{NATIVE[family]} (is not|cannot be read)"):
        load_checkpoint(path)


def test_non_finite_metrics_are_recorded_with_the_reason(tmp_path) -> None:
    task = make_task("knn")
    ens = Ensemble("knn", n_members=1, params=task.params, seed=0).fit(*task.train)
    path = save_checkpoint(
        ens, tmp_path / "c", metrics={"val": {"n": 3, "r2": 0.5, "gaussian_nll": math.inf, "kendall_tau": math.nan}}
    )
    val = read_manifest(path)["metrics"]["val"]
    assert val["gaussian_nll"] is None and val["kendall_tau"] is None  # JSON has no inf or NaN
    assert val["not_finite"]["gaussian_nll"]["value"] == "inf"
    assert "std is 0" in val["not_finite"]["gaussian_nll"]["why"]
    assert val["not_finite"]["kendall_tau"]["value"] == "nan"
    from surrogate.metrics import report_from_json

    back = report_from_json(val)
    assert back["gaussian_nll"] == math.inf and math.isnan(back["kendall_tau"]) and back["r2"] == 0.5
    assert "not_finite" not in back
