"""User tables: CSV, JSON Lines and Parquet with a genotype column plus targets."""

from __future__ import annotations

import csv
import json
import math
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surrogate.data import Dataset, read_table
from surrogate.space import KNOWN, arch_hash, sample


def _csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_csv_with_genotype_strings_configs_and_extras(tmp_path):
    gs = sample(3, rng=0)
    path = _csv(
        tmp_path / "evals.csv",
        ["genotype", "val_accuracy", "test_accuracy", "seed", "lr", "note"],
        [
            [str(gs[0]), "91.5", "90.1", "0", "0.1", "first"],
            [json.dumps(gs[1].to_config()), "92", "", "1", "0.05", "second"],
            [str(gs[2]), "93", "92", "", "1", ""],
        ],
    )
    ds, report = read_table(path, progress=False)
    assert report.ok and report.n_seen == report.n_read == 3
    assert ds.column("arch_hash").tolist() == [arch_hash(g) for g in gs]
    assert ds.column("val_accuracy").tolist() == [91.5, 92.0, 93.0]
    assert math.isnan(ds.column("test_accuracy")[1])
    assert ds.column("seed").tolist() == [0, 1, -1]
    assert ds.column("lr").tolist() == [0.1, 0.05, 1.0]  # a numeric extra column reads as numbers
    assert ds.table.column("note").to_pylist() == ["first", "second", ""]
    assert ds.column("source").tolist() == ["evals"] * 3


def test_csv_bad_rows_are_reported_with_line_numbers(tmp_path):
    g = sample(1, rng=1)[0]
    path = _csv(
        tmp_path / "t.csv",
        ["arch", "val_accuracy", "train_time"],
        [
            [str(g), "90", "10"],
            [str(g).replace(repr(g.normal[0][0]), "'conv_9x9'", 1), "90", "10"],
            [str(g), "nan", "10"],
            [str(g), "101", "10"],
            [str(g), "90", "-3"],
            [str(g), "ninety", "10"],
            [str(g), "", "10"],
            [str(g), "90", "10", "surplus"],
        ],
    )
    ds, report = read_table(path, progress=False)
    assert len(ds) == 1 and report.n_seen == 8 and report.n_skipped == 7
    lines = {where.rsplit(":", 1)[1]: reason for where, reason in report.problems}
    assert "normal cell, node 2: unknown operation 'conv_9x9'" in lines["3"]
    assert "val_accuracy is NaN" in lines["4"]
    assert "outside [0, 100]" in lines["5"]
    assert "train_time is -3.0" in lines["6"]
    assert "not a number" in lines["7"]
    assert "val_accuracy is missing" in lines["8"]
    assert "fields" in lines["9"]
    with pytest.raises(ValueError, match=r"t\.csv:3: normal cell"):
        read_table(path, strict=True)


def test_csv_column_names_and_renames(tmp_path):
    g = sample(1, rng=2)[0]
    path = _csv(tmp_path / "t.csv", ["cell", "valid_acc", "runtime"], [[str(g), "88", "12.5"]])
    with pytest.raises(ValueError, match="no architecture column"):
        read_table(path)
    with pytest.raises(ValueError, match="no 'val_accuracy' column"):
        read_table(path, arch_column="cell")
    ds, _ = read_table(
        path, arch_column="cell", rename={"valid_acc": "val_accuracy", "runtime": "train_time"}, source="mine"
    )
    assert ds.column("val_accuracy").tolist() == [88.0] and ds.column("train_time").tolist() == [12.5]
    assert ds.column("source").tolist() == ["mine"]


def test_jsonl_with_any_architecture_form(tmp_path):
    gs = sample(3, rng=3)
    lines = [
        json.dumps({"arch": str(gs[0]), "val_accuracy": 90, "source": "re", "extra": {"a": 1}}),
        "",
        json.dumps({"arch": gs[1].to_config(), "val_accuracy": 91.0, "extra": {"a": 2}}),
        json.dumps({"arch": gs[2].to_compact(), "val_accuracy": 92.0, "extra": {"a": 3}}),
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"arch": str(gs[0]), "val_accuracy": "90"}),
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(lines) + "\n")
    ds, report = read_table(path, progress=False)
    assert ds.column("arch_hash").tolist() == [arch_hash(g) for g in gs]
    assert ds.column("source").tolist() == ["re", "t", "t"]
    assert ds.table.column("extra").to_pylist() == [{"a": 1}, {"a": 2}, {"a": 3}]
    lines_of = {where.rsplit(":", 1)[1]: reason for where, reason in report.problems}
    assert set(lines_of) == {"5", "6", "7"}
    assert "not JSON" in lines_of["5"] and "JSON object" in lines_of["6"] and "must be a number" in lines_of["7"]


def test_parquet_tables_and_dataset_round_trip(tmp_path):
    gs = sample(4, rng=4)
    table = pa.table(
        {
            "genotype": [str(g) for g in gs],
            "val_accuracy": [90.0, 91.0, None, 93.0],
            "epochs": pa.array([3, 3, 3, 3], pa.int32()),
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    ds, report = read_table(tmp_path / "t.parquet", progress=False)
    assert len(ds) == 3 and report.n_skipped == 1 and "val_accuracy is missing" in report.problems[0][1]
    assert ds.column("epochs").tolist() == [3, 3, 3]
    ds.to_parquet(tmp_path / "ds.parquet")
    back, report = read_table(tmp_path / "ds.parquet", progress=False)
    assert report.ok and back.fingerprint() == ds.fingerprint()
    assert Dataset.read_parquet(tmp_path / "ds.parquet").fingerprint() == ds.fingerprint()


def test_whole_file_problems_raise(tmp_path):
    with pytest.raises(ValueError, match="unknown table format"):
        read_table(tmp_path / "t.xlsx")
    with pytest.raises(ValueError, match="no such file"):
        read_table(tmp_path / "t.csv")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ValueError, match="cannot read as Parquet"):
        read_table(tmp_path / "bad.parquet")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match="empty CSV"):
        read_table(tmp_path / "empty.csv")


def test_dedupe_option(tmp_path):
    g = sample(1, rng=5)[0]
    path = _csv(
        tmp_path / "t.csv",
        ["arch", "val_accuracy", "seed"],
        [[str(g), "90", "0"], [str(g), "91", "0"], [str(g), "92", "1"]],
    )
    ds, report = read_table(path, dedupe=True, progress=False)
    assert ds.column("val_accuracy").tolist() == [90.0, 92.0] and report.n_duplicates == 1
    assert len(read_table(path, dedupe=False, progress=False)[0]) == 3


def test_mixed_types_in_an_extra_column_name_the_column(tmp_path):
    g = sample(1, rng=6)[0]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps({"arch": str(g), "val_accuracy": 90, "lr": v}) for v in (0.1, "fast")))
    with pytest.raises(ValueError, match="column 'lr' mixes values of types"):
        read_table(path)


_G = sample(1, rng=7)[0]
_VALUE = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | st.lists(st.integers(), max_size=3)
)


def _mostly(valid):
    """``valid`` four times in five, any other value otherwise."""
    return st.tuples(st.integers(0, 4), valid, _VALUE).map(lambda t: t[2] if t[0] == 0 else t[1])


_ROW = st.fixed_dictionaries(
    {
        "arch": _mostly(st.sampled_from([str(_G), _G.to_config(), [list(map(list, c)) for c in _G.to_compact()]])),
        "val_accuracy": _mostly(st.floats(0, 100)),
    },
    optional={
        "test_accuracy": _mostly(st.floats(0, 100)),
        "train_time": _mostly(st.floats(0, 1e6)),
        "params": _mostly(st.integers(0, 10**7)),
        "seed": _mostly(st.integers(0, 10)),
        "source": _mostly(st.text(max_size=4)),
        "extra": _VALUE,
    },
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_ROW | st.integers() | st.text(max_size=5), max_size=6))
def test_fuzz_jsonl_rows_read_or_are_reported(rows):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "t.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
        try:
            ds, report = read_table(path, progress=False)
        except ValueError:
            return
    n_lines = sum(1 for r in rows if json.dumps(r).strip())
    assert report.n_seen == n_lines and len(ds) + report.n_skipped + report.n_duplicates == n_lines
    assert ((ds.column("val_accuracy") >= 0) & (ds.column("val_accuracy") <= 100)).all()


# -- issue 10, point 10 ---------------------------------------------------------------------------


def test_duplicates_are_dropped_by_default_like_the_result_tree_reader(tmp_path, make_tree, caplog):
    """Before: read_table kept every repeated (architecture, seed); read_nb301 dropped them."""
    from surrogate.data import read_nb301

    root, _ = make_tree({"rs": 4})
    tree, tree_report = read_nb301(root, progress=False)
    rows = [[r["arch"], str(r["val_accuracy"]), str(r["seed"])] for r in tree.table.to_pylist()]
    path = _csv(tmp_path / "t.csv", ["arch", "val_accuracy", "seed"], rows + rows[:2])  # two rows again
    with caplog.at_level("WARNING", logger="surrogate.data"):
        ds, report = read_table(path, progress=False)
    assert len(ds) == len(tree) and report.n_duplicates == 2 and report.n_read == len(tree)
    assert ds.column("arch_hash").tolist() == tree.column("arch_hash").tolist()
    assert "2 duplicates dropped" in report.summary()
    assert any("2 rows repeat" in r.getMessage() for r in caplog.records)


def test_a_csv_with_a_byte_order_mark_reads(tmp_path):
    """Excel writes UTF-8 CSV with a BOM: the first column was named '\\ufeffarch'."""
    g = sample(1, rng=8)[0]
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffarch,val_accuracy\n".encode() + f'"{g}",91.5\n'.encode())
    ds, report = read_table(path, progress=False)
    assert report.ok and ds.column("val_accuracy").tolist() == [91.5]
    jsonl = tmp_path / "bom.jsonl"
    jsonl.write_bytes("\ufeff".encode() + json.dumps({"arch": str(g), "val_accuracy": 91.5}).encode() + b"\n")
    assert read_table(jsonl, progress=False)[1].ok


@pytest.mark.parametrize(
    "values, warning",
    [
        (["90", "90", "90"], "every val_accuracy is 90"),
        (["0.91", "0.92", "0.935"], "look like fractions"),
    ],
)
def test_suspicious_targets_are_warned_about(tmp_path, caplog, values, warning):
    gs = sample(3, rng=9)
    path = _csv(tmp_path / "t.csv", ["arch", "val_accuracy"], [[str(g), v] for g, v in zip(gs, values)])
    with caplog.at_level("WARNING", logger="surrogate.data"):
        ds, report = read_table(path, progress=False)
    assert len(ds) == 3
    assert any(warning in w for w in report.warnings), report.warnings
    assert any(warning in r.getMessage() for r in caplog.records)
    fine = _csv(tmp_path / "ok.csv", ["arch", "val_accuracy"], [[str(g), v] for g, v in zip(gs, ["90", "91", "0.5"])])
    assert read_table(fine, progress=False)[1].warnings == []


def test_non_ascii_digits_are_refused(tmp_path):
    """int('١') is 1 and float('٩١') is 91.0: an index or a number must be written in ASCII digits."""
    g = KNOWN["darts_v2"]
    arabic = str(g).replace("('sep_conv_3x3', 1)", "('sep_conv_3x3', \u0661)", 1)
    path = _csv(
        tmp_path / "t.csv",
        ["arch", "val_accuracy", "seed"],
        [
            [str(g), "91.5", "0"],
            [arabic, "91.5", "1"],
            [str(g), "\u0669\u0661", "2"],
            [str(g), "92", "\u0663"],
            [str(g), "9_1", "4"],
        ],
    )
    ds, report = read_table(path, progress=False)
    assert len(ds) == 1 and report.n_skipped == 4, report.problems
    reasons = [why for _, why in report.problems]
    assert "input" in reasons[0] or "Genotype" in reasons[0] or "literal" in reasons[0], reasons[0]
    assert all("not a number" in why for why in reasons[1:]), reasons


def test_an_optional_column_of_another_type_is_kept_not_a_reason_to_drop_rows(tmp_path, caplog):
    import logging

    from surrogate.space import sample

    path = tmp_path / "m.csv"
    archs = sample(12, rng=2)
    path.write_text(
        "arch,val_accuracy,params\n" + "".join(f'"{g}",{80 + i},{0.5 + i / 100}\n' for i, g in enumerate(archs))
    )
    with caplog.at_level(logging.WARNING, logger="surrogate.data"):
        ds, report = read_table(path)
    assert len(ds) == 12 and report.n_skipped == 0
    assert ds.column("params_as_given").tolist()[:2] == [0.5, 0.51]
    assert set(ds.column("params").tolist()) == {-1}
    assert len([w for w in report.warnings if "'params'" in w]) == 1


def test_many_skipped_rows_log_a_few_lines_and_one_summary(tmp_path, caplog):
    import logging

    from surrogate.space import sample

    path = tmp_path / "m.csv"
    good = "".join(f'"{g}",80\n' for g in sample(3, rng=0))
    path.write_text("arch,val_accuracy\n" + good + '"nope",80\n' * 50)
    with caplog.at_level(logging.WARNING, logger="surrogate.data"):
        ds, report = read_table(path)
    assert len(ds) == 3 and report.n_skipped == 50 and len(report.problems) == 50
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) <= 5
    assert any("47 more (50 in all" in line for line in lines)
