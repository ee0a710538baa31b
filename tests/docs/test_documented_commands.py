"""Every command in README.md, docs/ and the data card parses, and the quick ones run as written.

The blocks marked ``<!-- doc: run -->`` are run here and their documented output compared; those
marked ``long`` are run by ``python scripts/doc_commands.py --run --all`` (fits, studies,
generation: minutes to hours). See scripts/doc_commands.py.
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


def test_every_block_showing_a_command_says_whether_it_runs():
    unmarked = [b.where for b in BLOCKS if dc.needs_marker(b) and b.marker not in ("run", "long", "skip")]
    assert not unmarked, f"add <!-- doc: run|long|skip (why) --> before: {unmarked}"
    assert all(b.why for b in BLOCKS if b.marker == "skip"), "a skipped block must say why"


@pytest.mark.parametrize("where,command", COMMANDS, ids=[w for w, _ in COMMANDS])
def test_documented_command_parses(where, command):
    assert dc.check_command(command) is None, f"{where}: {command}: {dc.check_command(command)}"


@pytest.mark.parametrize("block", RUN, ids=[b.where for b in RUN])
def test_run_block_runs_and_prints_what_the_docs_say(block, tmp_path):
    with dc.workdir() as cwd:
        rc, out = dc.run_block(block, cwd, timeout=300)
    assert rc == 0, f"{block.where} exited {rc}:\n{out[-3000:]}"
    if block.output is not None:
        assert dc.compare_output(block.output.body, out) is None, (
            f"{block.where}: {dc.compare_output(block.output.body, out)}"
        )


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


def test_an_output_block_attaches_to_the_block_before_it(tmp_path):
    md = tmp_path / "x.md"
    md.write_text(
        "<!-- doc: run -->\n```bash\nsurrogate sample -n 1\n```\n\nprints\n\n<!-- doc: output -->\n```text\nX\n```\n"
    )
    first, second = dc.blocks(md)
    assert first.output is second and second.body == "X\n"
