"""Round trips between a Genotype and its string, config and compact forms."""

from __future__ import annotations

import json
from collections import namedtuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surrogate.space import (
    CONFIG_PREFIX,
    EDGE_START,
    KNOWN,
    OPS,
    Genotype,
    InvalidArchitectureError,
    from_compact,
    from_config,
    from_string,
    parse,
    to_array,
    to_compact,
    to_config,
)
from surrogate.testing import configs, genotypes

FAST = settings(max_examples=150, deadline=None)


def _ordered(g: Genotype) -> Genotype:
    """``g`` with each node's two pairs in input order (what the config form keeps)."""

    def cell(c):
        out = []
        for k in range(4):
            out.extend(sorted(c[2 * k : 2 * k + 2], key=lambda p: p[1]))
        return out

    return Genotype(normal=cell(g.normal), reduce=cell(g.reduce))


DARTS_V2 = Genotype(
    normal=[
        ("sep_conv_3x3", 0),
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 0),
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 1),
        ("skip_connect", 0),
        ("skip_connect", 0),
        ("dil_conv_3x3", 2),
    ],
    reduce=[
        ("max_pool_3x3", 0),
        ("max_pool_3x3", 1),
        ("skip_connect", 2),
        ("max_pool_3x3", 1),
        ("max_pool_3x3", 0),
        ("skip_connect", 2),
        ("skip_connect", 2),
        ("max_pool_3x3", 1),
    ],
)


# --- string ----------------------------------------------------------------------------------


@FAST
@given(genotypes())
def test_string_round_trip_is_exact(g):
    text = str(g)
    assert from_string(text) == g
    assert parse(text) == g
    assert str(from_string(text)) == text


def test_darts_printed_form_with_range_concat_parses():
    # DARTS prints its genotypes with range() concats and lists; both must be read.
    text = (
        "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
        "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
        "('dil_conv_3x3', 2)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), "
        "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
        "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))"
    )
    assert parse(text) == DARTS_V2


def test_string_positional_fields_and_whitespace():
    text = f"  Genotype({list(DARTS_V2.normal)}, [2, 3, 4, 5], {list(DARTS_V2.reduce)}, [2, 3, 4, 5])\n"
    assert parse(text) == DARTS_V2


def test_string_never_evaluates_code(tmp_path):
    marker = tmp_path / "ran"
    text = f"Genotype(normal=__import__('pathlib').Path({str(marker)!r}).touch(), reduce=[])"
    with pytest.raises(InvalidArchitectureError):
        parse(text)
    assert not marker.exists()


# --- config ----------------------------------------------------------------------------------


@FAST
@given(configs())
def test_config_to_genotype_to_config_is_exact(config):
    assert to_config(from_config(config)) == config


@FAST
@given(genotypes())
def test_genotype_to_config_to_genotype_equal_up_to_pair_order(g):
    back = from_config(to_config(g))
    # the config keeps no order between a node's two pairs: they come back in input order
    assert back == _ordered(g)
    for k in range(4):
        for name in ("normal", "reduce"):
            assert sorted(back.cell(name)[2 * k : 2 * k + 2]) == sorted(g.cell(name)[2 * k : 2 * k + 2])


@FAST
@given(genotypes(ordered=True))
def test_genotype_to_config_to_genotype_exact_when_ordered(g):
    assert from_config(to_config(g)) == g
    assert parse(json.dumps(to_config(g))) == g


def test_config_keys_follow_the_official_edge_numbering():
    config = to_config(DARTS_V2)
    assert len([k for k in config if "edge_normal_" in k]) == 8
    assert len([k for k in config if "inputs_node_" in k]) == 6
    # node 5 of the normal cell takes (skip_connect, 0) and (dil_conv_3x3, 2): edges 9 and 11
    assert config[f"{CONFIG_PREFIX}edge_normal_{EDGE_START[5] + 0}"] == "skip_connect"
    assert config[f"{CONFIG_PREFIX}edge_normal_{EDGE_START[5] + 2}"] == "dil_conv_3x3"
    assert config[f"{CONFIG_PREFIX}inputs_node_normal_5"] == "0_2"
    # node 4 of the reduce cell reads inputs 0 and 2, listed sorted
    assert config[f"{CONFIG_PREFIX}inputs_node_reduce_4"] == "0_2"
    assert config[f"{CONFIG_PREFIX}edge_reduce_5"] == "max_pool_3x3"


def test_config_ignores_training_hyperparameters():
    config = dict(to_config(DARTS_V2))
    config.update(
        {
            "OptimizerSelector:sgd:learning_rate": 0.025,
            "NetworkSelectorDatasetInfo:darts:init_channels": 32,
            "NetworkSelectorDatasetInfo:darts:layers": 8,
            "CreateImageDataLoader:batch_size": 96,
        }
    )
    assert parse(config) == _ordered(DARTS_V2)


# --- compact ---------------------------------------------------------------------------------


@FAST
@given(genotypes())
def test_compact_round_trip_is_exact(g):
    compact = to_compact(g)
    assert from_compact(compact) == g
    assert parse(compact) == g
    assert to_compact(from_compact(compact)) == compact
    # lists (as JSON gives them back) are read as well
    assert parse(json.loads(json.dumps(compact))) == g


@pytest.mark.parametrize(
    ("index", "op"), [(0, "max_pool_3x3"), (2, "skip_connect"), (3, "sep_conv_3x3"), (6, "dil_conv_5x5")]
)
def test_compact_op_index_is_into_the_seven_nb301_ops(index, op):
    # The original DARTS list starts with 'none', so its indices are one higher: index 0 here
    # is max_pool_3x3 (DARTS's 'none' does not exist) and 6 is dil_conv_5x5 (DARTS's 5).
    cell = [(0, index), (1, index)] + [(0, 3), (1, 3)] * 3
    g = from_compact((cell, cell))
    assert g.normal[0] == (op, 0)
    assert to_compact(g)[0][0] == (0, index)
    assert OPS.index(op) == index


def test_compact_op_index_seven_is_rejected():
    cell = [(0, 7), (1, 3)] + [(0, 3), (1, 3)] * 3
    with pytest.raises(InvalidArchitectureError, match=r"normal cell, node 2: op index 7 out of range 0\.\.6"):
        from_compact((cell, cell))


def test_compact_is_input_then_op_index():
    g = from_compact(
        (
            ((0, 3), (1, 4), (0, 0), (2, 6), (1, 1), (3, 2), (4, 5), (0, 3)),
            ((0, 0), (1, 0)) * 4,
        )
    )
    assert g.normal[:4] == (("sep_conv_3x3", 0), ("sep_conv_5x5", 1), ("max_pool_3x3", 0), ("dil_conv_5x5", 2))


# --- every form together ---------------------------------------------------------------------


@FAST
@given(genotypes(ordered=True))
def test_all_forms_agree(g):
    forms = [g, str(g), to_config(g), json.dumps(to_config(g)), to_compact(g)]
    assert parse(forms) == [g] * len(forms)
    assert from_config(to_config(from_compact(to_compact(from_string(str(g)))))) == g


def test_parse_accepts_darts_namedtuple_and_iterables():
    DartsGenotype = namedtuple("Genotype", "normal normal_concat reduce reduce_concat")
    theirs = DartsGenotype(list(DARTS_V2.normal), range(2, 6), list(DARTS_V2.reduce), range(2, 6))
    assert parse(theirs) == DARTS_V2
    assert parse(iter([str(DARTS_V2)])) == [DARTS_V2]
    assert parse([]) == []


def test_parse_list_error_names_the_item():
    with pytest.raises(InvalidArchitectureError, match="architecture 1: "):
        parse([str(DARTS_V2), "Genotype(normal=[], reduce=[])"])


@settings(max_examples=50, deadline=None)
@given(st.lists(genotypes(), max_size=6))
def test_to_array_matches_the_genotypes(gs):
    arr = to_array(gs)
    assert arr.shape == (len(gs), 2, 8, 2)
    for g, row in zip(gs, arr):
        for c, name in enumerate(("normal", "reduce")):
            assert [(OPS[o], int(i)) for o, i in row[c]] == list(g.cell(name))


@pytest.mark.parametrize("digit", ["١", "１", "۱", "𝟏"])
def test_input_indices_are_ascii_digits_only(digit):
    """Issue 10, point 10: the fast path's regex read Arabic-Indic and full-width digits as ints."""
    g = KNOWN["darts_v2"]
    text = str(g)
    assert "('sep_conv_3x3', 1)" in text
    bad = text.replace("('sep_conv_3x3', 1)", f"('sep_conv_3x3', {digit})", 1)
    with pytest.raises(InvalidArchitectureError):
        parse(bad)
    assert parse(text) == g
