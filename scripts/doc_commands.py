"""Every command the docs show, found, checked against the CLI, and run.

Reads the fenced code blocks of README.md, docs/*.md and training_data/README.md. Each
``bash``/``sh``/``python`` block that shows a command carries a marker on the line before its
fence, so that nothing documented goes unchecked by accident:

- ``<!-- doc: run -->``: run by the test suite (seconds, on the shipped data; a full-size command
  is run scaled down, see ``scaled`` below);
- ``<!-- doc: skip (why) -->``: never run here (needs data or hardware this checkout lacks).

A ``run`` marker may carry clauses in parentheses, separated by ``;``:

- ``as NAME``: a name for the block, for ``after``;
- ``after NAME``: run the block named NAME first, in the same scratch folder (its output is not
  compared there: its own test does that), e.g. an ``evaluate`` after the ``fit`` that wrote the
  checkpoint;
- ``needs fashion-mnist``: the test is skipped where the Fashion-MNIST files are not installed;
  ``needs make-venv``: skipped unless ``make`` installed this interpreter's venv after the last
  change of pyproject.toml (else ``make run`` would install packages first);
- ``scaled OLD => NEW`` (repeatable): the block shows a full-size command and the test runs it with
  the text OLD replaced by NEW (fewer trees, a tiny fidelity, a scratch ``--out``); its output is
  then compared with every number masked (the same lines and words; the numbers are the full run's).

A ``run`` block may be followed by a block marked ``<!-- doc: output -->``: what the block prints
on stdout (the logs and progress bars on stderr are not compared), compared line by line with what
the run printed (trailing spaces ignored), so the numbers in the docs are the numbers the commands
give. Fields that differ from run to run (timings, figures of networks trained on the CPU) are
named on the output marker as ``varies PATTERN`` clauses, where ``#`` in PATTERN stands for a
number: ``<!-- doc: output (varies fit in # s; varies seconds=#) -->``; ``varies #`` masks every
number. The scratch folder sees the checkout's data, checkpoints and scripts through symlinks, so a
block that would write into them (``--out training_data/...``) fails before it runs.

Every ``surrogate ...`` command line in any bash block, marked or not, is parsed with the CLI's own
parser (unknown flags, bad choices and missing arguments fail), and every ``python
bench/...|scripts/...`` line names a script that exists and whose argument parser accepts it;
``...`` stands for "other arguments" and is dropped before parsing.

    python scripts/doc_commands.py --list            # every documented block and command, file:line
    python scripts/doc_commands.py --check           # parse every command (what the tests do)
    python scripts/doc_commands.py --run             # run the 'run' blocks, compare outputs
    python scripts/doc_commands.py --run --files docs/nas.md --show   # one document; print what failing blocks printed
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import runpy
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHELL = ("bash", "sh", "shell", "console")
MARKERS = ("run", "skip", "output")
NEEDS = ("fashion-mnist", "make-venv")
_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.S | re.M)
_MARK = re.compile(r"<!--\s*doc:\s*(?P<kind>\w+)(?P<why>.*?)\s*-->\s*$")
_COMMAND = re.compile(r"^\s*(?:[A-Z_]+=\S*\s+)*(?P<cmd>surrogate|python3?|make)\b")
_LINKED = (
    "training_data",
    "checkpoints",
    "configs",
    "bench",
    "scripts",
    "docs",
    "surrogate",
    "tests",
    "README.md",
    "Makefile",
    "pyproject.toml",
)
_NUMBER = re.compile(r"[-+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:e[-+]?\d+)?")
# an option or a redirection that writes to the path after it
_WRITES = re.compile(r"(?:--(?:out|plot|best-params|data-out)[ =]|>>?\s*)['\"]?(?P<path>[\w./-]+)")


@dataclass
class Options:
    """The clauses of a ``run`` or ``output`` marker (see the module docstring)."""

    name: str | None = None
    after: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    scaled: list[tuple[str, str]] = field(default_factory=list)
    varies: list[str] = field(default_factory=list)


def parse_options(text: str) -> Options:
    """``as NAME; after NAME; needs WHAT; scaled OLD => NEW; varies PATTERN`` (ValueError if unknown)."""
    opts = Options()
    for clause in filter(None, (c.strip() for c in text.split(";"))):
        word, _, rest = clause.partition(" ")
        rest = rest.strip()
        if word == "as" and rest:
            opts.name = rest
        elif word == "after" and rest:
            opts.after.append(rest)
        elif word == "needs" and rest in NEEDS:
            opts.needs.append(rest)
        elif word == "scaled" and (m := re.fullmatch(r"(.+?)\s*=>\s*(.*)", rest)):
            opts.scaled.append((m[1], m[2]))  # NEW may be empty: the text is dropped
        elif word == "varies" and rest:
            opts.varies.append(rest)
        else:
            raise ValueError(f"unknown marker clause {clause!r} (as, after, needs {'|'.join(NEEDS)}, scaled, varies)")
    return opts


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    body: str
    marker: str | None = None
    why: str = ""
    output: Block | None = field(default=None, repr=False)

    @property
    def options(self) -> Options:
        return parse_options(self.why) if self.marker in ("run", "output") else Options()

    def script(self) -> str:
        """The body as the test runs it: with the ``scaled`` replacements made (each must match)."""
        body = self.body
        for old, new in self.options.scaled:
            if old not in body:
                raise ValueError(f"{self.where}: scaled {old!r} is not in the block")
            body = body.replace(old, new)
        return body

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path}:{self.line}"

    def commands(self) -> list[tuple[int, str]]:
        """(line, command) for each command line of a shell block, continuations joined, comments cut."""
        out, pending, start = [], "", 0
        for i, raw in enumerate(self.body.splitlines()):
            text = raw.rstrip()
            if not pending:
                start = self.line + 1 + i
            if text.endswith("\\"):
                pending += text[:-1] + " "
                continue
            text = _strip_comment(pending + text).strip()
            pending = ""
            if text.startswith("$ "):
                text = text[2:]
            if _COMMAND.match(text):
                out.append((start, text))
        return out


def documents(root: Path = ROOT) -> list[Path]:
    """The Markdown files whose commands are checked."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md")), root / "training_data" / "README.md"]


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of one Markdown file, with their markers and output blocks attached."""
    text = path.read_text(encoding="utf-8")
    found: list[Block] = []
    for m in _FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = _MARK.search(before)
        block = Block(
            path,
            line,
            m["lang"].lower(),
            m["body"],
            mark["kind"] if mark else None,
            _unwrap(mark["why"]) if mark else "",
        )
        if block.marker == "output" and found:
            found[-1].output = block
        found.append(block)
    return found


def _unwrap(why: str) -> str:
    why = why.strip()
    return why[1:-1].strip() if why.startswith("(") and why.endswith(")") else why


def named(blocks_: list[Block]) -> dict[str, Block]:
    """The blocks with an ``as NAME`` clause, by name."""
    return {b.options.name: b for b in blocks_ if b.marker == "run" and b.options.name}


def has(need: str) -> bool:
    """Whether this machine has what a ``needs`` clause asks for."""
    if need == "fashion-mnist":
        from surrogate.generate._images import FILES, default_root

        return all((default_root() / name).exists() for name in FILES.values())
    if need == "make-venv":  # make's install stamp in this interpreter's venv, newer than pyproject.toml
        stamp = Path(sys.prefix) / ".installed"
        return stamp.exists() and stamp.stat().st_mtime >= (ROOT / "pyproject.toml").stat().st_mtime
    raise ValueError(need)


def writes_into_checkout(script: str) -> list[str]:
    """The paths under the symlinked checkout folders that a block would write to."""
    return [m["path"] for m in _WRITES.finditer(script) if m["path"].split("/")[0] in _LINKED]


def needs_marker(block: Block) -> bool:
    """A shell block showing a command, or a Python block importing the package."""
    if block.lang in SHELL:
        return bool(block.commands()) or any(_COMMAND.match(line) for line in block.body.splitlines())
    return block.lang == "python" and re.search(r"^\s*(import|from) surrogate\b", block.body, re.M) is not None


def _strip_comment(line: str) -> str:
    """The line without a trailing ``# comment`` (a ``#`` inside quotes stays)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def _tokens(command: str) -> list[str] | None:
    """The argument list of the first simple command on the line; None if it needs the shell's variables."""
    if "$" in command or "`" in command:
        return None
    words = shlex.split(command, comments=False)
    for stop in ("|", ">", ">>", "<", "&&", "||", ";", "&", "2>&1", "2>/dev/null"):
        if stop in words:
            words = words[: words.index(stop)]
    while words and re.match(r"^[A-Z_]+=", words[0]):
        words.pop(0)
    return [w.rstrip(";&") for w in words if w != "..." and w.rstrip(";&")]


class _Parsed(Exception):
    pass


def check_command(command: str) -> str | None:
    """None if the command parses, else why not (one line)."""
    words = _tokens(command)
    if words is None or not words:
        return None
    if words[0] == "surrogate":
        from surrogate.cli import build_parser

        return _parse(lambda: build_parser().parse_args(words[1:]))
    if words[0].startswith("python"):
        if len(words) < 2 or words[1] == "-m" or words[1].startswith("-"):
            return None
        script = ROOT / words[1]
        if not script.is_file():
            return f"{words[1]} does not exist"
        if "argparse" not in script.read_text(encoding="utf-8"):  # no parser to ask: it would just run
            return f"{words[1]} takes no arguments" if words[2:] else None
        return _parse(lambda: _run_parser_only(script, words[2:]))
    return None


def _parse(call) -> str | None:
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            call()
    except _Parsed:
        return None
    except SystemExit as exc:
        if exc.code in (0, None):
            return None
        lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
        return lines[-1] if lines else f"exit {exc.code}"
    return None


def _run_parser_only(script: Path, argv: list[str]) -> None:
    """Run ``script`` as __main__ with ``argv`` until its parser has parsed them, then stop."""
    original = argparse.ArgumentParser.parse_args

    def parse_then_stop(self, args=None, namespace=None):
        original(self, args, namespace)
        raise _Parsed()

    old_argv, old_path = sys.argv, list(sys.path)
    argparse.ArgumentParser.parse_args = parse_then_stop
    sys.argv, sys.path = [str(script), *argv], [str(script.parent), *sys.path]
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        argparse.ArgumentParser.parse_args = original
        sys.argv, sys.path = old_argv, old_path


def workdir() -> tempfile.TemporaryDirectory:
    """A scratch folder that sees the checkout's data, checkpoints and scripts (symlinked)."""
    tmp = tempfile.TemporaryDirectory(prefix="doc-commands-")
    for name in _LINKED:
        if (ROOT / name).exists():
            os.symlink(ROOT / name, Path(tmp.name) / name)
    return tmp


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_block(block: Block, cwd: str | Path, timeout: float = 600.0, prior: dict[str, Block] | None = None) -> Ran:
    """Run a shell or Python block in ``cwd`` (scaled as its marker says), after the blocks it names.

    A prerequisite that fails is reported as this block's failure, with its own output.
    """
    for name in block.options.after:
        if prior is None or name not in prior:
            return Ran(2, "", f"{block.where}: no block is marked 'as {name}'")
        first = run_block(prior[name], cwd, timeout, prior)
        if first.returncode:
            return Ran(first.returncode, first.stdout, f"(in {prior[name].where}, run first)\n{first.stderr}")
    script = block.script()
    if bad := writes_into_checkout(script):
        return Ran(
            2, "", f"{block.where}: would write into the checkout: {', '.join(bad)} (scale it to a scratch path)"
        )
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("SURROGATE_THREADS", "1")
    env["MPLBACKEND"] = "Agg"
    env["VENV"] = sys.prefix  # `make` targets use this interpreter's venv (the Makefile's VENV ?= .venv)
    if block.lang == "python":
        cmd = [sys.executable, "-c", script]
    else:
        cmd = ["bash", "-euo", "pipefail", "-c", script]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def check_output(block: Block, ran: Ran) -> str | None:
    """None if the block's documented output (if any) matches what it printed, else the first difference."""
    if block.output is None:
        return None
    varies = block.output.options.varies + (["#"] if block.options.scaled else [])
    return compare_output(block.output.body, ran.stdout, varies)


def _mask(line: str, patterns: list[str]) -> str:
    """The line with each pattern's numbers replaced by ``#``; then, as widths may change with them,
    runs of spaces as one space and rules of dashes as ``--``."""
    if not patterns:
        return line
    for pattern in patterns:
        regex = re.compile(_NUMBER.pattern.join(re.escape(part) for part in pattern.split("#")))
        line = regex.sub(lambda _m, pattern=pattern: pattern, line)
    return re.sub(r"-{2,}", "--", re.sub(r"\s+", " ", line)).strip()


def compare_output(expected: str, got: str, varies: list[str] = ()) -> str | None:
    """None if equal line by line (trailing spaces and blank lines at the ends ignored), else the first difference.

    ``varies``: patterns whose ``#`` stands for a number that is not compared (``#`` alone: every number).
    """
    a = [ln.rstrip() for ln in expected.strip("\n").splitlines()]
    b = [ln.rstrip() for ln in got.strip("\n").splitlines()]
    for i, (x, y) in enumerate(zip(a, b)):
        if _mask(x, list(varies)) != _mask(y, list(varies)):
            return f"line {i + 1}: documented {x!r}, printed {y!r}"
    if len(a) != len(b):
        return f"documented {len(a)} lines, printed {len(b)}"
    return None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--list", action="store_true", help="list every documented block and command")
    what.add_argument("--check", action="store_true", help="parse every documented command")
    what.add_argument("--run", action="store_true", help="run the blocks marked 'run' and compare their outputs")
    p.add_argument(
        "--files",
        nargs="+",
        metavar="DOC",
        help="only these documents (paths from the repository root, e.g. docs/nas.md)",
    )
    p.add_argument("--show", action="store_true", help="with --run: print what each failing block printed")
    args = p.parse_args(argv)

    docs = documents()
    if args.files:
        docs = [d for d in docs if str(d.relative_to(ROOT)) in args.files]
    every = [b for path in docs for b in blocks(path)]
    if args.list:
        for b in every:
            if needs_marker(b):
                print(f"{b.where} [{b.lang}] {b.marker or 'UNMARKED'}")
                for line, cmd in b.commands():
                    print(f"    {line}: {cmd}")
        return 0
    if args.check:
        bad = [
            f"{b.where}: block has no <!-- doc: run|skip --> marker"
            for b in every
            if needs_marker(b) and b.marker not in ("run", "skip")
        ]
        bad += [
            f"{b.path.relative_to(ROOT)}:{line}: {cmd}\n    {why}"
            for b in every
            if b.lang in SHELL
            for line, cmd in b.commands()
            if (why := check_command(cmd))
        ]
        print("\n".join(bad) if bad else "every documented command parses")
        return 1 if bad else 0
    failures, prior = 0, named([b for path in documents() for b in blocks(path)])
    for b in every:
        if b.marker != "run":
            continue
        if missing := [need for need in b.options.needs if not has(need)]:
            print(f"skip {b.where}: needs {', '.join(missing)}")
            continue
        with workdir() as cwd:
            ran = run_block(b, cwd, timeout=600.0, prior=prior)
        why = f"exit {ran.returncode}: {ran.stderr[-500:]}" if ran.returncode else check_output(b, ran)
        print(f"{'FAIL' if why else 'ok  '} {b.where}" + (f": {why}" if why else ""))
        if why and args.show:
            print(ran.stdout)
        failures += bool(why)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
