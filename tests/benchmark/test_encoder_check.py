"""One checkpoint loader for every caller, and it refuses a model fit on another encoding."""

import pytest

import surrogate
from surrogate.checkpoint import CheckpointError, load_fitted, read_manifest, save_checkpoint
from surrogate.evaluation import evaluate_checkpoint
from surrogate.space import sample
from surrogate.spaces import DartsSpace


@pytest.fixture()
def newer_features(monkeypatch):
    """This package as if its DARTS feature encoding had changed since the checkpoints were fit."""
    monkeypatch.setattr(
        DartsSpace,
        "encoder_version",
        property(lambda self: {"features": "darts-features-999", "graph": "darts-graph-1"}),
    )


def test_the_loader_returns_the_space_with_its_encoder_checked(bench_dir):
    fitted = load_fitted(bench_dir / "val_accuracy-xgb")
    assert fitted.space.name == "darts" and fitted.manifest["encoder"]["features"] == "darts-features-1"
    assert fitted.ensemble.model_class.input_kind == "matrix"


def test_the_benchmark_refuses_a_model_of_another_encoder_version(bench_dir, newer_features):
    bench = surrogate.load(bench_dir)
    with pytest.raises(CheckpointError, match=r"features encoder is 'darts-features-1'.*'darts-features-999'"):
        bench.predict(sample(1, rng=0)[0])


def test_evaluation_refuses_a_model_of_another_encoder_version(bench_dir, synthetic_dataset, newer_features):
    with pytest.raises(CheckpointError, match="darts-features-999"):
        evaluate_checkpoint(bench_dir / "val_accuracy-xgb", synthetic_dataset(), rows="test")


def test_a_version_only_matters_for_the_encoding_the_model_reads(bench_dir, monkeypatch):
    monkeypatch.setattr(
        DartsSpace,
        "encoder_version",  # the graph encoding changed; trees read features
        property(lambda self: {"features": "darts-features-1", "graph": "darts-graph-999"}),
    )
    assert load_fitted(bench_dir / "val_accuracy-xgb").space.name == "darts"


def test_the_loader_refuses_a_checkpoint_without_an_encoder_record(bench_dir, tmp_path):
    ensemble = load_fitted(bench_dir / "val_accuracy-xgb").ensemble
    bare = save_checkpoint(ensemble, tmp_path / "bare", target="val_accuracy")
    with pytest.raises(CheckpointError, match="records no encoder"):
        load_fitted(bare)


def test_the_loader_refuses_an_unknown_space(bench_dir, tmp_path):
    fitted = load_fitted(bench_dir / "val_accuracy-xgb")
    encoder = {**read_manifest(bench_dir / "val_accuracy-xgb")["encoder"], "space": "nb101"}
    other = save_checkpoint(fitted.ensemble, tmp_path / "other", target="val_accuracy", encoder=encoder)
    with pytest.raises(CheckpointError, match="unknown search space 'nb101'"):
        load_fitted(other)
