"""--param KEY=VALUE works the same on fit, tune and study (it was on study only)."""

from __future__ import annotations

import pytest

from surrogate.checkpoint import read_manifest
from surrogate.tune import parse_param_overrides


def test_fit_param_overrides_the_params_file_and_is_recorded(cli, nb201_table, params_file, tmp_path):
    ckpt = tmp_path / "ckpt"
    cli.json(
        "fit",
        "--data",
        nb201_table,
        "--space",
        "nb201",
        "--family",
        "xgb",
        "--members",
        1,
        "--params",
        params_file("xgb"),
        "--param",
        "n_estimators=7",
        "--param",
        "max_depth=3",
        "--out",
        ckpt,
    )
    manifest = read_manifest(ckpt)
    assert manifest["hyperparameters"]["n_estimators"] == 7 and manifest["hyperparameters"]["max_depth"] == 3


def test_tune_holds_a_param_fixed(cli, nb201_table, tmp_path):
    best = tmp_path / "best.yaml"
    code, _, err = cli(
        "tune",
        "--data",
        nb201_table,
        "--space",
        "nb201",
        "--family",
        "xgb",
        "--trials",
        2,
        "--param",
        "n_estimators=5",
        "--param",
        "n_jobs=1",
        "--storage",
        f"sqlite:///{tmp_path}/t.db",
        "--best-params",
        best,
        "--no-progress",
    )
    assert code == 0, err
    assert "n_estimators: 5" in best.read_text()


@pytest.mark.parametrize(
    "bad,why", [("n_estimators", "KEY=VALUE"), ("=3", "KEY=VALUE"), ("seed=1", "--seed"), ("x=[1,", "cannot read")]
)
def test_malformed_overrides_are_one_clear_error(bad, why):
    with pytest.raises(ValueError, match=why):
        parse_param_overrides([bad])
