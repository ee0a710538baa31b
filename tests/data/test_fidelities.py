import json

import pytest

from surrogate.data import Dataset, check_fidelities, fidelity_counts, fidelity_labels, select_fidelity
from surrogate.space import sample


def _ds(fidelities):
    archs = sample(len(fidelities), rng=0)
    return Dataset.from_records(
        [
            {
                "arch": str(g),
                "val_accuracy": 80.0 + i,
                "train_time": 10.0,
                "seed": 0,
                "fidelity": json.dumps(f, sort_keys=True) if isinstance(f, dict) else f,
            }
            for i, (g, f) in enumerate(zip(archs, fidelities))
        ]
    )


def test_a_setting_missing_from_older_files_is_not_another_fidelity():
    old = {"name": "a", "epochs": 3}
    new = {"name": "a", "epochs": 3, "curve_val_size": 0}
    ds = _ds([old, new, new])
    assert set(fidelity_labels(ds)) == {"a"}
    assert check_fidelities(ds, strict=True) == {"a": 3}


def test_one_name_two_settings_stay_apart():
    ds = _ds([{"name": "a", "epochs": 3}, {"name": "a", "epochs": 4}, {"name": "b", "epochs": 3}, ""])
    counts = fidelity_counts(ds)
    assert len(counts) == 4 and sum(counts.values()) == 4
    assert all(k.startswith("a@") for k in counts if k.startswith("a"))
    with pytest.raises(ValueError, match="mixes 4 training fidelities"):
        check_fidelities(ds, strict=True)
    assert len(select_fidelity(ds, "b")) == 1
