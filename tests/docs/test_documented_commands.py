"""Every command in README.md, docs/ and the data card parses, and every block marked run is run.

The blocks marked ``<!-- doc: run -->`` are run here, one test each (so pytest-xdist spreads them),
full-size ones scaled down as their marker says, and their documented output compared; the
others are marked ``skip`` with what they need that this checkout cannot have. See
scripts/doc_commands.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import doc_commands as dc  # noqa: E402

BLOCKS = [b for path in dc.documents() for b in dc.blocks(path)]
COMMANDS = [
    (f"{b.path.relative_to(ROOT)}:{line}", cmd) for b in BLOCKS if b.lang in dc.SHELL for line, cmd in b.commands()
]
RUN = [b for b in BLOCKS if b.marker == "run"]
NAMED = dc.named(BLOCKS)


def test_every_block_showing_a_command_says_whether_it_runs():
    unmarked = [b.where for b in BLOCKS if dc.needs_marker(b) and b.marker not in ("run", "skip")]
    assert not unmarked, f"add <!-- doc: run|skip (why) --> before: {unmarked}"
    assert all(b.why for b in BLOCKS if b.marker == "skip"), "a skipped block must say why"
    unknown = [b.where for b in BLOCKS if b.marker and b.marker not in dc.MARKERS]
    assert not unknown, f"markers are run, skip or output: {unknown}"


def test_every_marker_clause_is_known_and_every_scaled_text_is_in_its_block():
    for b in BLOCKS:
        b.script()  # raises on an unknown clause or a scaled text the block does not hold
        assert all(name in NAMED for name in b.options.after), f"{b.where}: after {b.options.after}"


@pytest.mark.parametrize("where,command", COMMANDS, ids=[w for w, _ in COMMANDS])
def test_documented_command_parses(where, command):
    assert dc.check_command(command) is None, f"{where}: {command}: {dc.check_command(command)}"


@pytest.mark.parametrize("block", RUN, ids=[b.where for b in RUN])
def test_run_block_runs_and_prints_what_the_docs_say(block):
    missing = [need for need in block.options.needs if not dc.has(need)]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    with dc.workdir() as cwd:
        ran = dc.run_block(block, cwd, timeout=600, prior=NAMED)
    assert ran.returncode == 0, f"{block.where} exited {ran.returncode}:\n{ran.stdout[-2000:]}\n{ran.stderr[-3000:]}"
    why = dc.check_output(block, ran)
    assert why is None, f"{block.where}: {why}\n--- stderr ---\n{ran.stderr[-2000:]}"


# --- the checker itself -------------------------------------------------------------------------


def test_a_wrong_flag_a_bad_choice_and_a_missing_script_are_caught():
    assert "unrecognized arguments" in dc.check_command("surrogate query --known darts_v1 --no-such-flag")
    assert "invalid choice" in dc.check_command("surrogate generate --sampler nope -n 2")
    assert "does not exist" in dc.check_command("python bench/no_such_script.py --out x")
    assert "unrecognized arguments" in dc.check_command("python bench/ood.py --no-such-flag")


def test_ellipses_pipes_comments_and_continuations_are_handled(tmp_path):
    assert dc.check_command("surrogate generate ... --sampler skewed -n 3") is None
    assert dc.check_command("surrogate sample -n 3 --seed 0 > archs.txt") is None
    assert dc.check_command("python bench/ood.py --n 10 --json | head") is None
    md = tmp_path / "x.md"
    md.write_text(
        "text\n<!-- doc: skip (why not) -->\n```bash\nsurrogate query \\\n  --known darts_v1  # a comment\n```\n"
    )
    (block,) = dc.blocks(md)
    assert (block.marker, block.why) == ("skip", "why not")
    assert block.commands() == [(4, "surrogate query    --known darts_v1")]


def test_output_comparison_finds_a_changed_number():
    assert dc.compare_output("a  1.00\nb  2.00\n", "a  1.00  \nb  2.00") is None
    assert "line 2" in dc.compare_output("a  1.00\nb  2.00\n", "a  1.00\nb  2.01\n")
    assert "lines" in dc.compare_output("a\n", "a\nb\n")


def test_a_varying_field_is_masked_and_nothing_else():
    varies = ["fit in # s"]
    assert dc.compare_output("fit in 1.3 s; tau 0.91\n", "fit in 15.8 s; tau 0.91\n", varies) is None
    assert "line 1" in dc.compare_output("fit in 1.3 s; tau 0.91\n", "fit in 15.8 s; tau 0.92\n", varies)
    # every number masked (a scaled run): words and lines still count, column widths do not
    assert dc.compare_output("a   1.0  ----\nb 2\n", "a 10.5  ------\nb 3\n", ["#"]) is None
    assert "line 2" in dc.compare_output("a 1.0\nb 2\n", "a 1.0\nc 2\n", ["#"])


def test_scaled_blocks_run_replaced_text_and_writes_into_the_checkout_are_refused(tmp_path):
    md = tmp_path / "x.md"
    md.write_text(
        "<!-- doc: run (as big; scaled -n 400 => -n 2; scaled --out training_data/x => --out runs/x) -->\n"
        "```bash\nsurrogate generate -n 400 --out training_data/x\n```\n"
        "<!-- doc: run (after big; scaled nope => x) -->\n```bash\nsurrogate sample -n 1\n```\n"
    )
    big, other = dc.blocks(md)
    assert big.script() == "surrogate generate -n 2 --out runs/x\n" and dc.named([big, other]) == {"big": big}
    with pytest.raises(ValueError, match="not in the block"):
        other.script()
    assert dc.writes_into_checkout(big.body) == ["training_data/x"] and dc.writes_into_checkout(big.script()) == []
    assert dc.writes_into_checkout("python scripts/data_card.py > checkpoints/x.txt") == ["checkpoints/x.txt"]
    with pytest.raises(ValueError, match="unknown marker clause"):
        dc.parse_options("as a; fast please")


def test_an_output_block_attaches_to_the_block_before_it(tmp_path):
    md = tmp_path / "x.md"
    md.write_text(
        "<!-- doc: run -->\n```bash\nsurrogate sample -n 1\n```\n\nprints\n\n<!-- doc: output -->\n```text\nX\n```\n"
    )
    first, second = dc.blocks(md)
    assert first.output is second and second.body == "X\n"
