"""Tests of the leave-one-source-out study on synthetic data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from surrogate.data import Dataset
from surrogate.studies import LeaveOneOutResult, leave_one_out, leave_one_out_split

from .conftest import RF, multi_seed_records


@pytest.fixture(scope="module")
def sourced() -> Dataset:
    """Three sources of 60 single-seed architectures each, one of 5 (too few), and one
    architecture of source 'a' evaluated again under source 'b'."""
    recs = multi_seed_records(185, 1, 0.2, rng=11, sources=("a", "b", "c"))
    for r in recs[180:]:
        r["source"] = "tiny"
    extra = dict(recs[0], source="b", seed=1)
    return Dataset.from_records(recs + [extra])


@pytest.fixture(scope="module")
def result(sourced: Dataset) -> LeaveOneOutResult:
    return leave_one_out(sourced, family="rf", n_members=2, params=RF, min_rows=20, progress=False)


def test_split_holds_out_the_source_and_its_architectures(sourced: Dataset) -> None:
    src, hashes = sourced.column("source"), sourced.column("arch_hash")
    tr, va, te = leave_one_out_split(sourced, "source", "a", val_fraction=0.1, seed=0)
    np.testing.assert_array_equal(np.sort(te), np.flatnonzero(src == "a"))
    train = np.concatenate([tr, va])
    assert len(np.intersect1d(train, te)) == 0 and len(np.intersect1d(tr, va)) == 0
    assert not np.any(src[train] == "a")
    assert not np.isin(hashes[train], hashes[te]).any()  # the re-evaluated architecture is dropped too
    assert len(train) == np.count_nonzero(src != "a") - 1
    assert len(np.intersect1d(hashes[tr], hashes[va])) == 0  # train/val split by architecture


def test_one_row_per_source_with_enough_rows(result: LeaveOneOutResult, sourced: Dataset) -> None:
    assert [r.held_out for r in result.rows] == ["a", "b", "c"]
    assert "tiny" in result.skipped and "5 rows" in result.skipped["tiny"]
    src = sourced.column("source")
    for r in result.rows:
        tr, va, te = result.splits[r.held_out]
        assert r.n_test == len(te) == np.count_nonzero(src == r.held_out)
        assert not np.any(src[np.concatenate([tr, va])] == r.held_out)
        assert r.n_train == len(tr) and r.n_val == len(va)
    assert {r.held_out: r.n_overlap for r in result.rows} == {"a": 1, "b": 1, "c": 0}
    assert result.baseline is not None and result.baseline.held_out == "(random split)"


def test_metrics_show_a_learnable_function_is_learned(result: LeaveOneOutResult) -> None:
    # Sources are iid here, so every held-out source is predictable.
    for r in (*result.rows, result.baseline):
        assert r.r2 > 0.5 and r.kendall_tau > 0.4 and r.mae < 1.0


def test_values_and_seeds_are_stable(sourced: Dataset, result: LeaveOneOutResult) -> None:
    only_b = leave_one_out(sourced, family="rf", n_members=2, params=RF, values=["b"], baseline=False, progress=False)
    assert [r.held_out for r in only_b.rows] == ["b"] and only_b.baseline is None
    full_b = next(r for r in result.rows if r.held_out == "b")
    assert only_b.rows[0].r2 == pytest.approx(full_b.r2)  # a source's fit does not depend on the others


def test_write_and_read_back(result: LeaveOneOutResult, tmp_path) -> None:
    files = result.write(tmp_path)
    assert set(files) == {"json", "csv", "png"}
    assert files["png"].read_bytes()[:4] == b"\x89PNG"
    doc = json.loads(files["json"].read_text())
    assert [r["held_out"] for r in doc["held_out"]] == ["a", "b", "c"]
    assert LeaveOneOutResult.from_dict(doc).to_dict() == doc
    lines = files["csv"].read_text().splitlines()
    assert lines[0].startswith("held_out,n_test,n_train") and len(lines) == 1 + 3 + 1
    text = result.to_table()
    assert "held-out source" in text and "(random split)" in text and "tiny (5 rows" in text


def test_bad_input_is_a_clear_error(sourced: Dataset) -> None:
    kw = {"family": "rf", "n_members": 1, "params": RF, "progress": False}
    with pytest.raises(ValueError, match="no column 'optimizer'.*columns: arch"):
        leave_one_out(sourced, column="optimizer", **kw)
    one = Dataset.from_records(multi_seed_records(30, 1, 0.2, rng=12))
    with pytest.raises(ValueError, match="1 distinct value.*at least two"):
        leave_one_out(one, **kw)
    with pytest.raises(ValueError, match=r"no row has source in \['zz'\]"):
        leave_one_out(sourced, values=["zz"], **kw)
    with pytest.raises(ValueError, match="no value of 'source' has 1000 or more rows"):
        leave_one_out(sourced, min_rows=1000, **kw)
    with pytest.raises(ValueError, match="no column 'optimizer'"):
        leave_one_out_split(sourced, "optimizer", "a")
    with pytest.raises(ValueError, match="val_fraction must be in"):
        leave_one_out_split(sourced, "source", "a", val_fraction=1.5)
