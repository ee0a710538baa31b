"""Invalid architectures get a ValueError naming the cell, the node and the problem; fuzzing."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from surrogate.space import (
    CONFIG_PREFIX,
    Genotype,
    InvalidArchitectureError,
    from_compact,
    from_config,
    from_string,
    parse,
)
from surrogate.testing import arbitrary_genotype_inputs, invalid_genotype_inputs, json_like

GOOD = [("sep_conv_3x3", 0), ("sep_conv_3x3", 1)] * 4
P = CONFIG_PREFIX


def _with(i: int, pair) -> list:
    cell = list(GOOD)
    cell[i] = pair
    return cell


@pytest.mark.parametrize(
    ("normal", "reduce", "pattern"),
    [
        (_with(3, ("none", 1)), GOOD, r"normal cell, node 3: unknown operation 'none'"),
        (GOOD, _with(0, ("conv_7x7", 0)), r"reduce cell, node 2: unknown operation 'conv_7x7'"),
        (
            _with(4, ("sep_conv_3x3", 4)),
            GOOD,
            r"normal cell, node 4: input 4 out of range; node 4 may take inputs 0\.\.3",
        ),
        (GOOD, _with(7, ("sep_conv_3x3", -1)), r"reduce cell, node 5: input -1 out of range"),
        (_with(1, ("sep_conv_3x3", 0)), GOOD, r"normal cell, node 2: both inputs are node 0"),
        (GOOD, _with(5, ("skip_connect", 0)), r"reduce cell, node 4: both inputs are node 0"),
        (GOOD[:7], GOOD, r"normal cell: expected 8 \(op, input\) pairs .* got 7"),
        (GOOD, GOOD * 2, r"reduce cell: expected 8 \(op, input\) pairs .* got 16"),
        (_with(2, ("sep_conv_3x3", 1.0)), GOOD, r"normal cell, node 3: input must be an int, got 1\.0"),
        (_with(2, ("sep_conv_3x3", True)), GOOD, r"normal cell, node 3: input must be an int"),
        (_with(6, ("sep_conv_3x3",)), GOOD, r"normal cell, node 5: expected an \(op, input\) pair"),
        ("sep_conv_3x3", GOOD, r"normal cell: expected a sequence of 8"),
    ],
)
def test_genotype_errors_name_cell_node_and_problem(normal, reduce, pattern):
    with pytest.raises(InvalidArchitectureError, match=pattern):
        Genotype(normal=normal, reduce=reduce)
    # the same defect through the string form
    text = f"Genotype(normal={normal!r}, normal_concat=[2, 3, 4, 5], reduce={reduce!r}, reduce_concat=[2, 3, 4, 5])"
    with pytest.raises(ValueError, match=pattern):
        parse(text)


@pytest.mark.parametrize("concat", [[2, 3, 4], [2, 3, 4, 5, 6], [1, 2, 3, 4], None, "2345"])
def test_wrong_concat_is_rejected(concat):
    with pytest.raises(InvalidArchitectureError, match=r"normal_concat: .*expected \[2, 3, 4, 5\]"):
        Genotype(normal=GOOD, normal_concat=concat, reduce=GOOD)
    with pytest.raises(InvalidArchitectureError, match=r"reduce_concat"):
        parse(f"Genotype(normal={GOOD!r}, normal_concat=range(2, 6), reduce={GOOD!r}, reduce_concat={concat!r})")


def test_missing_reduce_cell():
    with pytest.raises(InvalidArchitectureError, match="reduce cell: missing"):
        parse(f"Genotype(normal={GOOD!r})")


def _config() -> dict:
    return Genotype(normal=GOOD, reduce=GOOD).to_config()


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (lambda c: c.pop(f"{P}inputs_node_normal_4"), r"normal cell, node 4: missing key '.*inputs_node_normal_4'"),
        (
            lambda c: c.pop(f"{P}edge_reduce_0"),
            r"reduce cell, node 2: input 0 is chosen but '.*edge_reduce_0' is missing",
        ),
        (
            lambda c: c.update({f"{P}edge_normal_3": "none"}),
            r"normal cell, node 3: unknown operation 'none' at .*edge_normal_3",
        ),
        (lambda c: c.update({f"{P}inputs_node_normal_5": "2_2"}), r"normal cell, node 5: both inputs are node 2"),
        (lambda c: c.update({f"{P}inputs_node_normal_3": "0_3"}), r"normal cell, node 3: input 3 out of range"),
        (lambda c: c.update({f"{P}inputs_node_reduce_4": "0-1"}), r"reduce cell, node 4: .*must look like '0_2'"),
        (lambda c: c.update({f"{P}inputs_node_reduce_4": "²_1"}), r"reduce cell, node 4: .*must look like '0_2'"),
        (lambda c: c.update({f"{P}inputs_node_reduce_4": 1}), r"reduce cell, node 4: .*must look like '0_2'"),
        (
            lambda c: c.update({f"{P}edge_normal_13": "sep_conv_3x3"}),
            r"normal cell: '.*edge_normal_13' is set but its source is not a chosen input",
        ),
        (lambda c: c.update({f"{P}edge_reduce_²": "sep_conv_3x3"}), r"reduce cell: '.*edge_reduce_²' is set"),
    ],
)
def test_config_errors_name_cell_node_and_problem(edit, pattern):
    config = _config()
    edit(config)
    with pytest.raises(InvalidArchitectureError, match=pattern):
        from_config(config)
    with pytest.raises(InvalidArchitectureError, match=pattern):
        parse(json.dumps(config))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "Genotype(",
        "Genotype(normal=[('sep_conv_3x3', 0)]",
        "Genotpye(normal=[], reduce=[])",
        "genotype.Genotype(normal=[], reduce=[])",
        "Genotype(normal=x, reduce=[])",
        "Genotype(colour=[], normal=[], reduce=[])",
        "Genotype(normal=[], normal=[], reduce=[])",
        "Genotype(1, 2, 3, 4, 5)",
        "Genotype(normal=range(2, 6, 0), reduce=[])",
        "Genotype(normal=range(10**9), reduce=[])",
        "{not json",
        "[1, 2, 3]",
        '{"a": 1}',
        "\x00",
        "Genotype(normal=" + "[" * 10_000 + ")",
        "x" * 200_000,
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
    ],
)
def test_garbage_strings_raise_the_domain_error(text):
    with pytest.raises(InvalidArchitectureError):
        from_string(text)


@pytest.mark.parametrize("thing", [None, 3, 2.5, b"Genotype()", object(), (1, 2), ((), ()), [(0, 1)] * 8, {1, 2}])
def test_other_types_raise_the_domain_error(thing):
    with pytest.raises(InvalidArchitectureError):
        parse(thing)


def test_compact_errors_name_cell_node_and_problem():
    cell = [(0, 3), (1, 3)] * 4
    with pytest.raises(InvalidArchitectureError, match=r"reduce cell, node 3: op index -1 out of range"):
        from_compact((cell, [(0, 3), (1, 3), (0, -1)] + cell[3:]))
    with pytest.raises(InvalidArchitectureError, match=r"normal cell, node 4: input 4 out of range"):
        from_compact(([(0, 3), (1, 3), (0, 3), (1, 3), (4, 3), (1, 3), (0, 3), (1, 3)], cell))
    with pytest.raises(InvalidArchitectureError, match=r"compact form: expected \(normal, reduce\)"):
        from_compact((cell,))


# --- fuzzing ---------------------------------------------------------------------------------

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parses_or_domain_error(x) -> None:
    try:
        out = parse(x)
    except InvalidArchitectureError as err:
        # the domain error is a ValueError with a message a user can act on
        assert isinstance(err, ValueError)
        assert str(err)
        return
    for g in out if isinstance(out, list) else [out]:
        assert isinstance(g, Genotype)
        assert Genotype(*g) == g  # what came out passes validation again


@FUZZ
@given(arbitrary_genotype_inputs())
@example({f"{P}inputs_node_normal_3": "²_1"})
@example(f"Genotype(normal={GOOD!r}, normal_concat=range(2, 6, 0), reduce={GOOD!r})")
def test_fuzz_parse_any_input_parses_or_raises_value_error(x):
    _parses_or_domain_error(x)


@FUZZ
@given(st.text(max_size=300))
def test_fuzz_parse_any_text(x):
    _parses_or_domain_error(x)


@FUZZ
@given(json_like())
def test_fuzz_parse_any_json_like_value(x):
    _parses_or_domain_error(x)


@FUZZ
@given(invalid_genotype_inputs())
def test_fuzz_invalid_inputs_are_rejected_with_cell_named(x):
    with pytest.raises(InvalidArchitectureError, match=r"(normal|reduce)"):
        parse(x)
