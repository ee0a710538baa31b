"""Split specs: resolved into index arrays, recorded as JSON, rebuilt identically."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surrogate.data import Dataset
from surrogate.space import sample
from surrogate.split_spec import rebuild_split, resolve_split


@pytest.fixture(scope="module")
def ds() -> Dataset:
    archs = sample(60, rng=0)
    records = [
        {"arch": g, "val_accuracy": 90.0, "seed": s, "source": "re" if i % 3 == 0 else "rs"}
        for i, g in enumerate(archs)
        for s in range(2)
    ]
    return Dataset.from_records(records)


def _partition(parts, n):
    allrows = np.concatenate(parts)
    assert sorted(allrows.tolist()) == list(range(n)), "every row in exactly one part"


@pytest.mark.parametrize(
    "spec", ["random", "random:0.6,0.2,0.2", "rows", "rows:0.5,0.25,0.25", "leave-out:source=re", "leave-out:seed=1"]
)
def test_resolve_then_rebuild_from_json(ds, spec):
    parts, desc = resolve_split(ds, spec, seed=7)
    _partition(parts, len(ds))
    again = rebuild_split(ds, json.loads(json.dumps(desc)))
    assert all(np.array_equal(a, b) for a, b in zip(parts, again))
    if spec.startswith("rows"):
        shares = [len(p) / len(ds) for p in parts]
        wanted = [0.8, 0.1, 0.1] if spec == "rows" else [0.5, 0.25, 0.25]
        assert np.allclose(shares, wanted, atol=1 / len(ds))
        hashes = [set(ds.column("arch_hash")[p]) for p in parts]  # rows, not architectures: seeds straddle
        assert hashes[0] & (hashes[1] | hashes[2])
    elif spec.startswith("random"):
        hashes = [set(ds.column("arch_hash")[p]) for p in parts]  # seeds of one architecture stay together
        assert not (hashes[0] & hashes[1] or hashes[0] & hashes[2] or hashes[1] & hashes[2])
    else:
        column, value = spec.split(":")[1].split("=")
        assert {str(v) for v in ds.column(column)[parts[2]]} == {value}
        assert value not in {str(v) for v in ds.column(column)[np.concatenate(parts[:2])]}


def test_random_description_matches_fit(ds):
    from surrogate.fit import split_indices

    parts, desc = resolve_split(ds, "random", seed=3)
    theirs, their_desc = split_indices(ds, None, 3)
    assert desc == their_desc and all(np.array_equal(a, b) for a, b in zip(parts, theirs))


def test_seed_changes_random_parts(ds):
    a, _ = resolve_split(ds, "random", seed=0)
    b, _ = resolve_split(ds, "random", seed=1)
    assert not np.array_equal(a[2], b[2])


def test_rebuild_on_other_data_is_refused(ds):
    _, desc = resolve_split(ds, "leave-out:source=re", seed=0)
    with pytest.raises(ValueError, match="differs from the data"):
        rebuild_split(ds.take(np.arange(len(ds) - 3)), desc)
    with pytest.raises(ValueError, match="cannot be rebuilt"):
        rebuild_split(ds, {"kind": "indices", "sizes": [1, 1, 1]})


@pytest.mark.parametrize(
    "spec, message",
    [
        ("", "split spec"),
        ("thirds", "unknown split"),
        ("random:0.5,0.5", "three fractions"),
        ("random:a,b,c", "numbers"),
        ("random:0.5,0.4,0.4", "sum to 1"),
        ("official:", "split folder"),
        ("leave-out:source", "COLUMN=VALUE"),
        ("leave-out:nope=1", "no column"),
        ("leave-out:source=ls", "values present"),
    ],
)
def test_bad_specs_say_what_to_do(ds, spec, message):
    with pytest.raises(ValueError, match=message):
        resolve_split(ds, spec)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_split_or_a_value_error(ds, text):
    try:
        parts, _ = resolve_split(ds, text)
    except ValueError:
        return
    _partition(parts, len(ds))


@pytest.mark.parametrize("spec", ["random", "rows:0.6,0.2,0.2", "leave-out:source=re"])
def test_a_training_budget_subsamples_the_training_part_only(ds, spec):
    (train, val, test), _ = resolve_split(ds, spec, seed=3)
    (t2, v2, s2), desc = resolve_split(ds, spec, seed=3, train_size=20)
    assert len(t2) == 20 and set(t2) <= set(train)
    assert np.array_equal(v2, val) and np.array_equal(s2, test)
    again = rebuild_split(ds, json.loads(json.dumps(desc)))
    assert np.array_equal(again[0], t2)
    with pytest.raises(ValueError, match="more than the"):
        resolve_split(ds, spec, seed=3, train_size=len(train) + 1)
    with pytest.raises(ValueError, match="positive whole number"):
        resolve_split(ds, spec, train_size=0)
