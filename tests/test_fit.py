"""fit_surrogate on a Dataset: what it warns about before fitting."""

from __future__ import annotations

import numpy as np
import pytest

from surrogate.data import Dataset
from surrogate.fit import fit_surrogate
from surrogate.space import sample


def _dataset(values) -> Dataset:
    return Dataset.from_records(
        [{"arch": g, "val_accuracy": float(v), "seed": 0} for g, v in zip(sample(len(values), rng=0), values)]
    )


@pytest.mark.parametrize(
    "values, warning",
    [
        (np.full(60, 91.0), "every val_accuracy is 91"),
        (np.linspace(0.85, 0.95, 60), "look like fractions"),
    ],
)
def test_fit_warns_about_a_constant_target_or_fractions(caplog, values, warning):
    """Issue 10, point 10: both fit silently before (a Dataset from Python or Parquet is not read by
    read_table, which warns too)."""
    with caplog.at_level("WARNING", logger="surrogate.fit"):
        fit_surrogate(_dataset(values), family="knn", n_members=2, params={"n_neighbors": 3}, progress=False)
    assert any(warning in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]


def test_fit_on_ordinary_percentages_warns_about_nothing(caplog):
    values = 90 + np.random.default_rng(0).standard_normal(60)
    with caplog.at_level("WARNING", logger="surrogate.fit"):
        fit_surrogate(_dataset(values), family="knn", n_members=2, params={"n_neighbors": 3}, progress=False)
    assert not [r for r in caplog.records if r.name == "surrogate.fit"]
