"""The family registry: lazy imports, clear errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from surrogate.models import MODELS, load_model, make_model


def test_unknown_family_and_parameter_are_value_errors() -> None:
    with pytest.raises(ValueError, match="unknown model family 'svm'.*gin, xgb"):
        make_model("svm")
    with pytest.raises(ValueError, match=r"no parameter\(s\) \['depth'\].*max_depth"):
        make_model("xgb", depth=3)
    with pytest.raises(ValueError, match="no parameter 'depth'"):
        make_model("xgb").set_params(depth=3)
    assert set(MODELS) == {"gin", "xgb", "lgb", "rf", "knn"}


def test_tree_models_never_import_torch(tmp_path) -> None:
    code = f"""
import sys, numpy as np
from surrogate.models import make_model, load_model, MODELS
from surrogate.ensemble import Ensemble
from surrogate.checkpoint import save_checkpoint, load_checkpoint
X = np.random.default_rng(0).random((60, 3), dtype=np.float32)
for family in ("xgb", "lgb", "rf", "knn"):
    MODELS[family]
    m = make_model(family, n_jobs=1).fit(X, X[:, 0])
    m.save(r"{tmp_path}/" + family)
    load_model(r"{tmp_path}/" + family).predict(X)
ens = Ensemble("rf", n_members=2, params={{"n_estimators": 3}}).fit(X, X[:, 0])
load_checkpoint(save_checkpoint(ens, r"{tmp_path}/ckpt"))
assert "torch" not in sys.modules, "torch was imported"
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_model_directory_with_a_newer_format_is_refused(tmp_path) -> None:
    import json

    import numpy as np

    X = np.random.default_rng(0).random((30, 2), dtype=np.float32)
    make_model("knn", n_neighbors=2).fit(X, X[:, 0]).save(tmp_path)
    doc = json.loads((tmp_path / "model.json").read_text())
    doc["format_version"] = 99
    (tmp_path / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="newer.*upgrade"):
        load_model(tmp_path)
    (tmp_path / "model.json").write_text('{"family": "knn", "par')
    with pytest.raises(ValueError, match="not valid JSON"):
        load_model(tmp_path)
