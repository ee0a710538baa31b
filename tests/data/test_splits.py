"""Splits: random by architecture, by column, and the official split files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from nb301_fixtures import NORMAL, NORMAL_RELABELLED, REDUCE, official_result, write_json

from surrogate.data import (
    Dataset,
    official_split,
    random_split,
    read_nb301,
    read_split_dir,
    split_by_column,
    trailing_key,
)
from surrogate.space import Genotype, sample


def seeded_dataset(n_arch=40, seed=0):
    """Architectures with 1-3 seeds each, plus one pair of isomorphic copies."""
    rng = np.random.default_rng(seed)
    records = []
    for g in sample(n_arch, rng=rng):
        for s in range(int(rng.integers(1, 4))):
            records.append(
                {
                    "arch": g,
                    "val_accuracy": float(rng.uniform(80, 95)),
                    "seed": s,
                    "source": str(rng.choice(["rs", "re", "de"])),
                }
            )
    records.append({"arch": Genotype(normal=NORMAL, reduce=REDUCE), "val_accuracy": 90.0, "seed": 0})
    records.append({"arch": Genotype(normal=NORMAL_RELABELLED, reduce=REDUCE), "val_accuracy": 91.0, "seed": 1})
    return Dataset.from_records(records)


def test_random_split_partitions_rows_without_arch_leakage():
    ds = seeded_dataset()
    parts = random_split(ds, (0.6, 0.2, 0.2), rng=3)
    allidx = np.concatenate(parts)
    assert sorted(allidx.tolist()) == list(range(len(ds)))
    hashes = ds.column("arch_hash")
    sets = [set(hashes[p]) for p in parts]
    assert not (sets[0] & sets[1]) and not (sets[0] & sets[2]) and not (sets[1] & sets[2])
    n_arch = len(set(hashes))
    assert [len(s) for s in sets] == [
        round(0.6 * n_arch),
        round(0.8 * n_arch) - round(0.6 * n_arch),
        n_arch - round(0.8 * n_arch),
    ]
    # the isomorphic copies (last two rows) share a hash, hence a part
    assert any({len(ds) - 2, len(ds) - 1} <= set(p.tolist()) for p in parts)


def test_random_split_is_deterministic_and_seed_dependent():
    ds = seeded_dataset()
    a = random_split(ds, rng=7)
    b = random_split(ds, rng=np.random.default_rng(7))
    c = random_split(ds, rng=8)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_random_split_does_not_depend_on_row_order():
    ds = seeded_dataset()
    perm = np.random.default_rng(0).permutation(len(ds))
    shuffled = ds.take(perm)
    hashes = ds.column("arch_hash")
    part_of = {h: k for k, p in enumerate(random_split(ds, rng=1)) for h in hashes[p]}
    part_of_shuffled = {
        h: k for k, p in enumerate(random_split(shuffled, rng=1)) for h in shuffled.column("arch_hash")[p]
    }
    assert part_of == part_of_shuffled


@pytest.mark.parametrize("fractions", [(0.5, 0.4), (0.5, 0.6, -0.1), (), (1.0, float("nan"))])
def test_random_split_rejects_bad_fractions(fractions):
    with pytest.raises(ValueError, match="fractions"):
        random_split(seeded_dataset(5), fractions)


def test_split_by_column_leaves_one_source_out():
    ds = seeded_dataset()
    rest, held = split_by_column(ds, "source", "re")
    assert set(ds.column("source")[held]) == {"re"} and "re" not in set(ds.column("source")[rest])
    assert len(rest) + len(held) == len(ds)
    rest2, held2 = split_by_column(ds, "source", ["re", "de"])
    assert set(ds.column("source")[held2]) == {"re", "de"}
    _, by_seed = split_by_column(ds, "seed", 0)
    assert (ds.column("seed")[by_seed] == 0).all()
    with pytest.raises(ValueError, match="values present"):
        split_by_column(ds, "source", "bananas")


def test_trailing_key():
    assert trailing_key("/home/a/b/nb_301_v13/pc_darts/results_9.json") == "pc_darts/results_9.json"
    assert trailing_key("rs\\results_1_ti.json") == "rs/results_1_ti.json"
    assert trailing_key("results_1.json") is None


def _write_split(folder, lists):
    for name, entries in lists.items():
        write_json(folder / f"{name}_paths.json", entries)
    return folder


def test_official_split_resolves_foreign_absolute_paths(make_tree, tmp_path):
    root, written = make_tree({"rs": 4, "re": 3, "de": 2}, ti=1)
    ds, _ = read_nb301(root, progress=False)
    foreign = "/home/author/experiments/nb_301_v13_lc_iclr_final"
    keys = [w.key for w in written]
    lists = {
        "train": [f"{foreign}/{k}" for k in keys[:5]],
        "val": ["C:\\Users\\author\\data\\" + k.replace("/", "\\") for k in keys[5:7]],
        "test": [f"{foreign}/{k}" for k in keys[7:]],
    }
    split_dir = _write_split(tmp_path / "splits" / "default_split", lists)
    splits, report = official_split(ds, split_dir, root)
    assert report.ok and report.n_seen == report.n_read == 9
    assert list(splits) == ["train", "val", "test"]
    for name, entries in lists.items():
        assert ds.column("path")[splits[name]].tolist() == [trailing_key(e) for e in entries]


def test_official_split_reports_what_does_not_resolve(make_tree, tmp_path):
    root, written = make_tree({"rs": 3, "re": 2})
    write_json(root / "re" / "results_9.json", official_result(Genotype(normal=NORMAL, reduce=REDUCE), 150.0, 1.0, 1.0))
    ds, read_report = read_nb301(root, progress=False)
    assert read_report.n_skipped == 1
    foreign = "/home/author/nb301"
    split_dir = _write_split(
        tmp_path / "leave_out_re",
        {
            "train": [
                f"{foreign}/rs/results_0.json",
                f"{foreign}/rs/results_77.json",
                "results_1.json",
                f"{foreign}/tpe/results_0.json",
            ],
            "val": [f"{foreign}/rs/results_1.json", f"{foreign}/re/results_9.json"],
            "test": [f"{foreign}/re/results_0.json", f"{foreign}/rs/results_0.json"],
        },
    )
    splits, report = official_split(ds, split_dir, root)
    assert ds.column("path")[splits["train"]].tolist() == ["rs/results_0.json"]
    assert ds.column("path")[splits["val"]].tolist() == ["rs/results_1.json"]
    assert ds.column("path")[splits["test"]].tolist() == ["re/results_0.json"]
    assert report.n_seen == 8 and report.n_read == 3 and report.n_skipped == 5
    reasons = dict(report.problems)
    assert "does not resolve" in reasons[f"train: {foreign}/rs/results_77.json"]
    assert "does not resolve" in reasons[f"train: {foreign}/tpe/results_0.json"]
    assert "no <optimizer>/<file>" in reasons["train: results_1.json"]
    assert "not in the dataset" in reasons[f"val: {foreign}/re/results_9.json"]
    assert "already in the train list" in reasons[f"test: {foreign}/rs/results_0.json"]
    with pytest.raises(ValueError, match="results_77.json.*does not resolve"):
        official_split(ds, split_dir, root, strict=True)


def test_official_split_without_data_root_matches_the_path_column(make_tree, tmp_path):
    root, written = make_tree({"rs": 3})
    ds, _ = read_nb301(root, progress=False)
    split_dir = _write_split(tmp_path / "s", {"train": [f"/x/{w.key}" for w in written]})
    splits, report = official_split(ds, split_dir)
    assert report.ok and splits["train"].tolist() == [0, 1, 2]


def test_official_split_needs_path_column_and_split_files(tmp_path):
    ds = seeded_dataset(3)
    with pytest.raises(ValueError, match="'path' column"):
        official_split(ds, tmp_path)
    with pytest.raises(ValueError, match="no \\*_paths.json"):
        read_split_dir(tmp_path)
    (tmp_path / "train_paths.json").write_text(json.dumps({"not": "a list"}))
    with pytest.raises(ValueError, match="JSON list"):
        read_split_dir(tmp_path)
