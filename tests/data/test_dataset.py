"""Dataset: construction, selection, Parquet round trip, fingerprint, dedupe, seed means."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest
from nb301_fixtures import NORMAL, NORMAL_RELABELLED, REDUCE

from surrogate.data import REQUIRED, Dataset
from surrogate.space import Genotype, arch_hash, canonical, canonical_string, sample


def small(n=6, seed=0, seeds_per_arch=1):
    rng = np.random.default_rng(seed)
    records = []
    for g in sample(n, rng=rng):
        for s in range(seeds_per_arch):
            records.append(
                {
                    "arch": g,
                    "val_accuracy": float(rng.uniform(80, 95)),
                    "test_accuracy": float(rng.uniform(80, 95)),
                    "train_time": float(rng.uniform(10, 100)),
                    "params": int(rng.integers(1000, 5000)),
                    "epochs": 3,
                    "seed": s,
                    "source": "rs",
                    "lr": 0.1,
                }
            )
    return Dataset.from_records(records)


def test_from_records_canonicalises_and_fills_missing_columns():
    a = Genotype(normal=NORMAL, reduce=REDUCE)
    b = Genotype(normal=NORMAL_RELABELLED, reduce=REDUCE)
    assert a != b
    ds = Dataset.from_records([{"arch": a, "val_accuracy": 90.0}, {"arch": str(b), "val_accuracy": 91.0}])
    assert ds.columns[: len(REQUIRED)] == list(REQUIRED)
    assert ds.column("arch")[0] == ds.column("arch")[1] == canonical_string(a)
    assert ds.column("arch_hash")[0] == arch_hash(b)
    assert np.isnan(ds.column("test_accuracy")).all() and np.isnan(ds.column("train_time")).all()
    assert ds.column("seed").tolist() == [-1, -1] and ds.column("source").tolist() == ["", ""]
    assert ds.space == "darts"


def test_from_records_accepts_config_and_compact_forms():
    g = sample(1, rng=5)[0]
    ds = Dataset.from_records(
        [
            {"arch": g.to_config(), "val_accuracy": 1.0},
            {"arch": [list(map(list, c)) for c in g.to_compact()], "val_accuracy": 2.0},
        ]
    )
    assert set(ds.column("arch_hash")) == {arch_hash(g)}


@pytest.mark.parametrize("records", [[{"val_accuracy": 1.0}], [{"arch": "nonsense", "val_accuracy": 1.0}]])
def test_from_records_rejects_missing_or_invalid_arch(records):
    with pytest.raises(ValueError):
        Dataset.from_records(records)


def test_missing_val_accuracy_is_an_error():
    with pytest.raises(ValueError, match="val_accuracy"):
        Dataset.from_records([{"arch": sample(1, rng=0)[0]}])


def test_init_rejects_loose_tables():
    with pytest.raises(ValueError, match="from_arrow"):
        Dataset(pa.table({"arch": ["x"], "val_accuracy": [1.0]}))


def test_genotypes_are_the_canonical_architectures():
    gs = sample(5, rng=1)
    ds = Dataset.from_records([{"arch": g, "val_accuracy": 1.0} for g in gs])
    assert ds.genotypes() == [canonical(g) for g in gs]
    assert [arch_hash(g) for g in ds.genotypes()] == ds.column("arch_hash").tolist()


def test_take_and_filter_keep_rows_and_cached_genotypes_aligned():
    ds = small(8)
    ds.genotypes()
    sub = ds.take([5, 0, -1])
    assert sub.column("val_accuracy").tolist() == ds.column("val_accuracy")[[5, 0, 7]].tolist()
    assert sub.genotypes() == [ds.genotypes()[i] for i in (5, 0, 7)]
    assert [str(g) for g in sub.genotypes()] == sub.column("arch").tolist()
    mask = ds.column("val_accuracy") > np.median(ds.column("val_accuracy"))
    assert len(ds.filter(mask)) == mask.sum()
    assert (ds.filter(mask).column("val_accuracy") > np.median(ds.column("val_accuracy"))).all()
    assert len(ds.take([])) == 0


@pytest.mark.parametrize("bad", [[8], [-9], [0.5], [[0, 1]]])
def test_take_rejects_bad_indices(bad):
    with pytest.raises(ValueError):
        small(8).take(bad)


def test_filter_rejects_wrong_mask():
    with pytest.raises(ValueError):
        small(4).filter([True, False])


def test_column_unknown_name():
    with pytest.raises(ValueError, match="no column 'nope'"):
        small(2).column("nope")


def test_parquet_round_trip(tmp_path):
    ds = small(6, seeds_per_arch=2)
    custom = Dataset(ds.table, space="another_space")
    for d in (ds, custom):
        path = tmp_path / f"{d.space}.parquet"
        d.to_parquet(path)
        back = Dataset.read_parquet(path)
        assert back.table.equals(d.table)
        assert back.space == d.space
        assert back.fingerprint() == d.fingerprint()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["another_space.parquet", "darts.parquet"]


def test_fingerprint_stable_under_chunking_and_column_order():
    ds = small(6)
    t = ds.table
    rechunked = Dataset(pa.concat_tables([t.slice(0, 2), t.slice(2)]))
    assert rechunked.table.column("arch").num_chunks == 2
    assert rechunked.fingerprint() == ds.fingerprint()
    reordered = Dataset(t.select(list(reversed(t.column_names))))
    assert reordered.fingerprint() == ds.fingerprint()
    assert small(6).fingerprint() == ds.fingerprint()


def test_fingerprint_changes_with_content():
    ds = small(6)
    base = ds.fingerprint()
    t = ds.table
    val = ds.column("val_accuracy").copy()
    val[3] = np.nextafter(val[3], 100)
    changed = Dataset(t.set_column(t.column_names.index("val_accuracy"), "val_accuracy", pa.array(val)))
    assert changed.fingerprint() != base
    assert ds.take([1, 0, 2, 3, 4, 5]).fingerprint() != base
    assert ds.take(range(5)).fingerprint() != base
    assert Dataset(t.drop_columns(["lr"])).fingerprint() != base
    assert Dataset(t, space="other").fingerprint() != base
    renamed = Dataset(t.rename_columns([c if c != "lr" else "lr2" for c in t.column_names]))
    assert renamed.fingerprint() != base


def test_dedupe_keeps_first_of_each_arch_and_seed():
    a = Genotype(normal=NORMAL, reduce=REDUCE)
    b = Genotype(normal=NORMAL_RELABELLED, reduce=REDUCE)  # isomorphic to a
    c = sample(1, rng=2)[0]
    ds = Dataset.from_records(
        [
            {"arch": a, "val_accuracy": 1.0, "seed": 0},
            {"arch": b, "val_accuracy": 2.0, "seed": 0},  # duplicate of row 0
            {"arch": b, "val_accuracy": 3.0, "seed": 1},
            {"arch": c, "val_accuracy": 4.0, "seed": 0},
            {"arch": c, "val_accuracy": 5.0, "seed": 0},  # duplicate of row 3
        ]
    )
    out, dropped = ds.dedupe()
    assert dropped == 2
    assert out.column("val_accuracy").tolist() == [1.0, 3.0, 4.0]
    again, dropped_again = out.dedupe()
    assert dropped_again == 0 and again.fingerprint() == out.fingerprint()


def test_mean_over_seeds_matches_a_direct_computation():
    ds = small(5, seed=3, seeds_per_arch=3).take([0, 1, 2, 3, 4, 6, 9, 10, 12, 13, 14])
    means = ds.mean_over_seeds()
    hashes = ds.column("arch_hash")
    expected_order = list(dict.fromkeys(hashes.tolist()))
    assert means.column("arch_hash").tolist() == expected_order
    for i, h in enumerate(expected_order):
        rows = hashes == h
        assert means.column("n_seeds")[i] == rows.sum()
        for name in ("val_accuracy", "test_accuracy", "train_time", "lr"):
            assert means.column(name)[i] == pytest.approx(ds.column(name)[rows].mean())
        assert means.column("params")[i] == ds.column("params")[rows][0]
    assert (means.column("seed") == -1).all()
    assert means.column("n_seeds").sum() == len(ds)
    with pytest.raises(ValueError, match="already averaged"):
        means.mean_over_seeds()


def test_mean_over_seeds_keeps_fidelities_apart():
    g = sample(1, rng=0)[0]
    ds = Dataset.from_records(
        [
            {"arch": g, "val_accuracy": 80.0, "epochs": 3, "seed": 0},
            {"arch": g, "val_accuracy": 90.0, "epochs": 9, "seed": 0},
            {"arch": g, "val_accuracy": 82.0, "epochs": 3, "seed": 1},
        ]
    )
    means = ds.mean_over_seeds()
    assert means.column("epochs").tolist() == [3, 9]
    assert means.column("val_accuracy").tolist() == [81.0, 90.0]


def test_concat_fills_extra_columns_and_keeps_order():
    a, b = small(3, seed=0), small(2, seed=1)
    b = Dataset(b.table.drop_columns(["lr"]).append_column("flops", pa.array([1.0, 2.0])))
    both = Dataset.concat([a, b])
    assert len(both) == 5
    assert both.column("val_accuracy").tolist() == a.column("val_accuracy").tolist() + b.column("val_accuracy").tolist()
    assert both.table.column("lr").null_count == 2 and both.table.column("flops").null_count == 3
    with pytest.raises(ValueError, match="different spaces"):
        Dataset.concat([a, Dataset(b.table, space="other")])
    with pytest.raises(ValueError):
        Dataset.concat([])


def test_architectures_are_parsed_by_the_dataset_space():
    from surrogate.space.nb201 import Cell201, canonical, sample

    cells = sample(3, rng=0)
    ds = Dataset.from_records([{"arch": str(c), "val_accuracy": 50.0} for c in cells], space="nb201")
    assert ds.architectures() == [canonical(c) for c in cells] and all(isinstance(c, Cell201) for c in ds.genotypes())
    with pytest.raises(ValueError, match="NB201"):  # DARTS strings are no NB201 cells
        Dataset(small(1).table, space="nb201").architectures()


def test_genotypes_reads_other_string_forms_when_the_hash_is_given():
    g = sample(1, rng=9)[0]
    ds = Dataset.from_arrow(
        pa.table(
            {
                "arch": [str(g), str(g).replace("[", "(").replace("]", ")"), json.dumps(g.to_config())],
                "arch_hash": [arch_hash(g)] * 3,
                "val_accuracy": [1.0, 2.0, 3.0],
            }
        )
    )
    assert ds.genotypes() == [g, g, Genotype.from_config(g.to_config())]
