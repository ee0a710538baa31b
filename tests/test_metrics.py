"""Metrics: closed-form cases, NAS-Bench-301's sparse tau, calibration of synthetic Gaussians."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from surrogate.metrics import (
    coverage,
    gaussian_nll,
    kendall_tau,
    kl_to_seeds,
    mae,
    r2,
    regression_report,
    rmse,
    sparse_kendall_tau,
    spearman,
)


def test_point_metrics_closed_form() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    p = np.array([1.5, 2.0, 2.0, 5.0])
    assert mae(y, p) == pytest.approx((0.5 + 0 + 1 + 1) / 4)
    assert rmse(y, p) == pytest.approx(math.sqrt((0.25 + 0 + 1 + 1) / 4))
    assert r2(y, p) == pytest.approx(1 - 2.25 / 5.0)
    assert r2(y, y) == 1.0 and r2(y, np.full(4, y.mean())) == 0.0
    assert math.isnan(r2([2.0, 2.0], [1.0, 3.0]))


def test_rank_metrics() -> None:
    y = np.arange(10.0)
    assert kendall_tau(y, y**3) == pytest.approx(1.0)
    assert kendall_tau(y, -y) == pytest.approx(-1.0)
    assert spearman(y, np.exp(y)) == pytest.approx(1.0)
    assert math.isnan(kendall_tau([1.0], [2.0]))
    assert math.isnan(spearman(y, np.ones(10)))


def test_sparse_tau_ties_predictions_within_a_tenth_of_a_point() -> None:
    y = np.array([93.01, 93.02, 93.03, 93.04, 94.0])
    p = np.array([93.04, 93.03, 93.02, 93.01, 94.0])  # reversed within 0.05 points
    assert kendall_tau(y, p) < 0.0
    # all four round to 93.0: only the pairs with 94.0 remain ordered
    assert sparse_kendall_tau(y, p) == pytest.approx(stats.kendalltau(y, [93.0] * 4 + [94.0]).statistic)
    assert sparse_kendall_tau(y, p) > 0.0
    # NAS-Bench-301 rounds predictions only; rounding the truth too ties it as well
    assert sparse_kendall_tau(y, p, round_truth=True) == pytest.approx(1.0)
    # fractions: resolution 0.001 is 0.1 percentage points
    assert sparse_kendall_tau(y / 100, p / 100, resolution=0.001) == pytest.approx(sparse_kendall_tau(y, p))
    with pytest.raises(ValueError, match="resolution"):
        sparse_kendall_tau(y, p, resolution=0)


def test_gaussian_nll_closed_form() -> None:
    assert gaussian_nll([0.0], [0.0], [1.0]) == pytest.approx(0.5 * math.log(2 * math.pi))
    assert gaussian_nll([3.0, 1.0], [1.0, 1.0], [2.0, 2.0]) == pytest.approx(
        -np.mean(stats.norm.logpdf([3.0, 1.0], loc=1.0, scale=2.0))
    )
    assert gaussian_nll([1.0], [0.0], [0.0]) == math.inf
    with pytest.raises(ValueError, match="non-negative"):
        gaussian_nll([1.0], [0.0], [-1.0])


def test_coverage_of_exactly_calibrated_gaussians_is_nominal() -> None:
    rng = np.random.default_rng(0)
    mean = rng.normal(size=200_000)
    std = rng.uniform(0.1, 3.0, size=mean.size)
    y = mean + std * rng.standard_normal(mean.size)
    assert coverage(y, mean, std, 0.68) == pytest.approx(0.68, abs=0.005)
    assert coverage(y, mean, std, 0.95) == pytest.approx(0.95, abs=0.005)
    assert coverage(y, mean, std / 2, 0.95) < 0.7  # overconfident
    with pytest.raises(ValueError, match="level"):
        coverage(y, mean, std, 95)


def test_kl_closed_form() -> None:
    m, s = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    assert kl_to_seeds(m, s, m, s) == 0.0
    # KL(N(0,1) || N(1,1)) = 1/2 ; KL(N(0,1) || N(0,2^2)) = log 2 + 1/8 - 1/2
    assert kl_to_seeds([1.0], [1.0], [0.0], [1.0]) == pytest.approx(0.5)
    assert kl_to_seeds([0.0], [2.0], [0.0], [1.0]) == pytest.approx(math.log(2) + 1 / 8 - 0.5)
    assert kl_to_seeds([0.0], [2.0], [0.0], [1.0], direction="pred||seeds") == pytest.approx(
        math.log(0.5) + 4 / 2 - 0.5
    )
    with pytest.raises(ValueError, match="positive"):
        kl_to_seeds([0.0], [0.0], [0.0], [1.0])
    with pytest.raises(ValueError, match="direction"):
        kl_to_seeds(m, s, m, s, direction="both")


@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=30), st.floats(0.01, 10))
def test_kl_is_non_negative_and_zero_only_at_equality(means: list[float], scale: float) -> None:
    m = np.asarray(means)
    s = np.full(m.size, scale)
    assert kl_to_seeds(m, s, m, s) == 0.0
    assert kl_to_seeds(m + scale, s, m, s) > 0.0
    assert kl_to_seeds(m, 2 * s, m, s) > 0.0


def test_bad_inputs_name_the_problem() -> None:
    with pytest.raises(ValueError, match="same length"):
        mae([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="y_pred has a non-finite value"):
        r2([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(ValueError, match="1-D"):
        rmse(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="empty"):
        mae([], [])


def test_report_gathers_everything() -> None:
    rng = np.random.default_rng(1)
    y = rng.normal(90, 2, size=500)
    mean = y + rng.normal(0, 0.5, size=500)
    report = regression_report(y, mean, std=np.full(500, 0.5), seed_mean=y, seed_std=np.full(500, 0.4))
    assert set(report) == {
        "n",
        "r2",
        "mae",
        "rmse",
        "kendall_tau",
        "sparse_kendall_tau",
        "spearman",
        "gaussian_nll",
        "coverage_68",
        "coverage_95",
        "mean_std",
        "kl_to_seeds",
    }
    assert report["n"] == 500 and 0.9 < report["r2"] < 1.0
    assert report["coverage_95"] == pytest.approx(0.95, abs=0.03)
    assert set(regression_report(y, mean)) == {
        "n",
        "r2",
        "mae",
        "rmse",
        "kendall_tau",
        "sparse_kendall_tau",
        "spearman",
    }
    with pytest.raises(ValueError, match="std"):
        regression_report(y, mean, seed_mean=y, seed_std=np.ones(500))
