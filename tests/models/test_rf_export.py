"""The random forest's own tree traversal matches scikit-learn's predictions."""

from __future__ import annotations

import numpy as np
import pytest
from model_tasks import matrix_task
from sklearn.ensemble import RandomForestRegressor

from surrogate.models import make_model
from surrogate.models.rf import Forest


@pytest.mark.parametrize("kwargs", [{}, {"max_depth": 3}, {"min_samples_leaf": 10, "max_features": 1.0}])
def test_exported_forest_predicts_what_sklearn_predicts(kwargs: dict) -> None:
    X, y = matrix_task(300, seed=0)
    Xt, _ = matrix_task(200, seed=1)
    rf = RandomForestRegressor(n_estimators=15, random_state=0, **kwargs).fit(X, y)
    forest = Forest.from_sklearn(rf.estimators_)
    np.testing.assert_allclose(forest.predict(Xt), rf.predict(Xt), rtol=0, atol=1e-12)
    # exact ties with thresholds go left, as in sklearn: query the thresholds themselves
    feat, thr = rf.estimators_[0].tree_.feature, rf.estimators_[0].tree_.threshold
    on_edge = np.tile(Xt[:1], (10, 1))
    for i, (f, t) in enumerate(zip(feat[feat >= 0][:10], thr[feat >= 0][:10])):
        on_edge[i, f] = np.float32(t)
    np.testing.assert_allclose(forest.predict(on_edge), rf.predict(on_edge), rtol=0, atol=1e-12)


def test_model_matches_sklearn_with_the_same_seed() -> None:
    X, y = matrix_task(300, seed=0)
    model = make_model("rf", n_estimators=10, seed=5, n_jobs=1).fit(X, y)
    rf = RandomForestRegressor(n_estimators=10, min_samples_leaf=2, max_features=0.5, random_state=5).fit(X, y)
    np.testing.assert_allclose(model.predict(X), rf.predict(X), rtol=0, atol=1e-12)


def test_a_damaged_forest_file_is_refused(tmp_path) -> None:
    X, y = matrix_task(100, seed=0)
    model = make_model("rf", n_estimators=3).fit(X, y)
    model.save(tmp_path)
    forest = model.forest_
    bad = forest._replace(left=forest.left + len(forest.left))
    bad.save(tmp_path / "trees.npz")
    with pytest.raises(ValueError, match="damaged"):
        type(model).load(tmp_path)
