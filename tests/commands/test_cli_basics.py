"""What every command owes its user: --help with defaults, one-line errors with exit code 1."""

from __future__ import annotations

import re

import pytest

from surrogate.cli import main

COMMANDS = ("fit", "evaluate", "tune")


def _help(capsys, command: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    return re.sub(r"\s+", " ", capsys.readouterr().out)


@pytest.mark.parametrize(
    "command, expected",
    [
        (
            "fit",
            [
                "--family {gin,xgb,lgb,rf,knn} model family (default: xgb)",
                "ensemble members (default: 10)",
                "(default: 0)",
                "(default: random)",
                "(default: val_accuracy)",
                "Examples",
            ],
        ),
        ("evaluate", ["(default: test)", "(default: the checkpoint's target)", "<checkpoint>-<split>.png", "Examples"]),
        (
            "tune",
            [
                "(default: 50)",
                "(default: sqlite:///runs/tune-<family>.db)",
                "(default: <family>-<target>)",
                "(default: rmse)",
                "(default: 1)",
                "(default: runs/best-<study-name>.yaml)",
                "Examples",
            ],
        ),
    ],
)
def test_help_explains_defaults(capsys, command, expected):
    text = _help(capsys, command)
    for phrase in expected:
        assert phrase in text, phrase


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_says_its_default(command):
    """Each optional option's help names its default (flags say on/off)."""
    import argparse

    from surrogate.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for action in sub.choices[command]._actions:
        if action.required or action.dest in ("help", "debug"):
            continue
        assert "default" in (action.help or ""), f"{command} {action.option_strings}: {action.help}"


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_data_is_one_line_and_exit_1(capsys, command, tmp_path):
    missing = tmp_path / "no-such-data"
    args = [command, "--data", str(missing)]
    if command == "evaluate":
        args += ["--checkpoint", str(tmp_path)]  # checked first: not a checkpoint either
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"surrogate {command}: error:")
    assert (str(missing) in err) if command != "evaluate" else ("manifest.json" in err)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("evals.txt", "x", "unknown file type"),
        ("evals.csv", "genotype,val_accuracy\nnot-a-genotype,90\n", "no usable evaluations"),
        (
            "cells.jsonl",
            '{"arch": "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", "val_accuracy": 50}\n',
            "--space nb201",
        ),
    ],
)
def test_unusable_data_says_why(capsys, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    assert main(["fit", "--data", str(path), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_bad_split_and_members_are_errors(capsys, nb301_tree):
    assert main(["fit", "--data", str(nb301_tree), "--split", "halves", "--no-progress"]) == 1
    assert "unknown split" in capsys.readouterr().err
    assert main(["fit", "--data", str(nb301_tree), "--split", "leave-out:source=zz", "--no-progress"]) == 1
    assert "values present" in capsys.readouterr().err
    assert main(["fit", "--data", str(nb301_tree), "--members", "0"]) == 1
    assert "--members" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_before_or_after_the_command_shows_the_traceback(where, tmp_path, capsys):
    argv = ["evaluate", "--checkpoint", str(tmp_path / "missing"), "--data", str(tmp_path / "none.parquet")]
    argv = ["--debug", *argv] if where == "before" else [*argv, "--debug"]
    with pytest.raises((ValueError, FileNotFoundError)):
        main(argv)
    assert main(argv[1:] if where == "before" else argv[:-1]) == 1  # without it: one line, exit 1
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--known", "darts_v2", "--seed", "1180591620717411303424"],
            "seed must be a non-negative int below 2\\*\\*63",
        ),
        (["--known", "darts_v2", "--seed", "-3"], "seed must be a non-negative int"),
        (["--file", "{tmp}"], "--file .*: is a directory"),
        (["--file", "{tmp}/missing.txt"], "--file .*missing.txt: no such file"),
    ],
)
def test_query_errors_are_one_line(capsys, tmp_path, args, message):
    """Issue 10, point 9: OverflowError and IsADirectoryError tracebacks before."""
    assert main(["query", *[a.format(tmp=tmp_path) for a in args]]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("surrogate query: error:"), err
    assert re.search(message, err), err


def test_an_os_error_is_one_line_not_a_traceback(capsys, tmp_path, nb301_tree):
    """Any OSError a command meets (here: --out under a regular file) is one line and exit 1."""
    ckpt = tmp_path / "ck"
    assert (
        main(
            ["fit", "--data", str(nb301_tree), "--family", "knn", "--members", "2", "--out", str(ckpt), "--no-progress"]
        )
        == 0
    )
    (tmp_path / "file").write_text("x")
    capsys.readouterr()
    assert (
        main(
            [
                "evaluate",
                "--checkpoint",
                str(ckpt),
                "--data",
                str(nb301_tree),
                "--out",
                str(tmp_path / "file" / "report"),
                "--no-progress",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("surrogate evaluate: error:"), err
    assert "file/report" in err


def test_sample_output_feeds_query_and_known_rows_keep_their_names(capsys, tmp_path):
    import json

    assert main(["sample", "-n", "3", "--seed", "4", "--sampler", "skewed"]) == 0
    path = tmp_path / "archs.txt"
    path.write_text("# three skewed samples\n" + capsys.readouterr().out)
    assert main(["query", "--file", str(path), "--known", "darts_v1", "darts_v2", "--seed", "0", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in rows] == ["0", "1", "2", "darts_v1", "darts_v2"]
    assert all(40 < r["mean"] < 100 for r in rows)
