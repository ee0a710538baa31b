"""``--data`` in every form, and ``read_table(space=...)`` for NB201 and generic cells."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surrogate.commands._common import read_data
from surrogate.data import read_table
from surrogate.space import nb201
from surrogate.testing import cells201


@settings(max_examples=30, deadline=None)
@given(st.lists(cells201(), min_size=1, max_size=8))
def test_nb201_jsonl_round_trip(tmp_path_factory, cells):
    path = tmp_path_factory.mktemp("t") / "cells.jsonl"
    forms = [c.to_string() if i % 2 else list(c.indices) for i, c in enumerate(cells)]
    path.write_text("".join(json.dumps({"arch": f, "val_accuracy": 50.0 + i}) + "\n" for i, f in enumerate(forms)))
    ds, report = read_table(path, space="nb201", dedupe=False)
    assert report.ok and ds.space == "nb201" and len(ds) == len(cells)
    assert ds.column("arch_hash").tolist() == [nb201.arch_hash(c) for c in cells]
    assert [nb201.arch_hash(c) for c in nb201.parse(list(ds.column("arch")))] == ds.column("arch_hash").tolist()


def test_bad_rows_of_other_spaces_are_skipped_with_reasons(tmp_path):
    path = tmp_path / "mixed.jsonl"
    good = "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"
    path.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"arch": good, "val_accuracy": 50},
                {"arch": "|bad_op~0|+|none~0|none~1|+|none~0|none~1|none~2|", "val_accuracy": 50},
                {"arch": [good, good], "val_accuracy": 50},
            ]
        )
        + "\n"
    )
    ds, report = read_table(path, space="nb201")
    assert len(ds) == 1 and report.n_skipped == 2
    assert "bad_op" in report.problems[0][1] and "list of 2" in report.problems[1][1]


def test_generic_cells_inline_or_in_an_arch_column(tmp_path):
    cell = {"nodes": ["in", "conv", "out"], "edges": [[0, 1], [1, 2]], "edge_labels": ["a", "b"]}
    inline = tmp_path / "inline.jsonl"
    inline.write_text(json.dumps({**cell, "val_accuracy": 70.0, "lr": 0.1}) + "\n")
    column = tmp_path / "column.jsonl"
    column.write_text(json.dumps({"arch": cell, "val_accuracy": 70.0, "lr": 0.1}) + "\n")
    a, _ = read_table(inline, space="generic")
    b, _ = read_table(column, space="generic")
    for name in ("arch", "arch_hash", "val_accuracy", "lr"):
        assert a.column(name).tolist() == b.column(name).tolist()
    assert "nodes" not in a.columns and a.column("lr").tolist() == [0.1]


def test_read_data_dispatch(tmp_path, nb301_tree, nb201_table):
    tree = read_data(nb301_tree, progress=False)
    assert tree.space == "darts" and len(tree) == 60
    table = read_data(nb201_table, "nb201", progress=False)
    # 300 cells, 57 of them isomorphic to an earlier one: read like a result tree, first row kept
    assert table.space == "nb201" and len(table) == len(set(table.column("arch_hash"))) == 243
    # a Dataset Parquet file carries its space: no --space needed, a wrong one is refused
    saved = tmp_path / "saved.parquet"
    table.to_parquet(saved)
    back = read_data(saved, progress=False)
    assert back.space == "nb201" and back.fingerprint() == table.fingerprint()
    with pytest.raises(ValueError, match=r"drop the space \(--space darts\)"):
        read_data(saved, "darts")
    with pytest.raises(ValueError, match="result tree"):
        read_data(nb301_tree, "nb201")
    np.testing.assert_array_equal(back.column("val_accuracy"), table.column("val_accuracy"))
