"""Query the benchmark for architectures: mean, std, a noisy sample, runtime, params, FLOPs, OOD.

Architectures come as arguments or from a file (one per line: the Genotype string, or a JSON
config dict; `#` starts a comment, so `surrogate sample` output reads as is); anything
surrogate.space.parse accepts. Invalid ones are reported with the parser's message. Rows are
labelled by their --known name, else by their position.

Examples
--------
  surrogate query "Genotype(normal=[('sep_conv_3x3', 0), ...], ...)"
  surrogate query --file archs.txt --seed 0 --json
  surrogate query --known darts_v2
"""

from __future__ import annotations

import argparse
import json
import sys

NAME = "query"
HELP = "predict accuracy, uncertainty, runtime and cost of architectures"
RAW_HELP = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "archs",
        nargs="*",
        help="architectures in any form the benchmark's space parses (DARTS: Genotype "
        "strings or JSON config dicts; NB201 strings; generic JSON cells)",
    )
    p.add_argument("--file", help="file with one architecture per line ('-' for standard input)")
    p.add_argument("--known", nargs="*", help="well-known cells by name (darts_v1, darts_v2, ...)")
    p.add_argument("--benchmark", help="benchmark directory (default: the shipped checkpoints/default)")
    p.add_argument("--model", help="accuracy model name in the benchmark (default: its default)")
    p.add_argument("--seed", type=int, help="noise seed for the sample (default: the benchmark's generator)")
    p.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    import surrogate
    from surrogate.space import KNOWN

    items: list = list(args.archs)
    if args.file:
        text = sys.stdin.read() if args.file == "-" else _read(args.file)
        items += [line for line in (raw.split("#", 1)[0].strip() for raw in text.splitlines()) if line]
    labels = [str(i) for i in range(len(items))]
    for name in args.known or []:
        if name not in KNOWN:
            raise ValueError(f"unknown cell {name!r}; known: {', '.join(KNOWN)}")
        items.append(KNOWN[name])
        labels.append(name)
    if not items:
        raise ValueError("give architectures as arguments, with --file, or with --known")
    items = [json.loads(x) if isinstance(x, str) and x.lstrip().startswith("{") else x for x in items]
    bench = surrogate.load(args.benchmark)
    q = bench.query(items, seed=args.seed, model=args.model)
    d = q.to_dict()
    n = len(items)
    for k in ("params", "flops", "novelty"):  # None: no cost model / no novelty detector
        d[k] = d[k] if d[k] is not None else [None] * n
    if args.json:
        from surrogate._util import dump_json

        print(dump_json([{"label": labels[i], **{k: d[k][i] for k in d}} for i in range(n)], indent=2))
        return 0
    width = max(3, *(len(x) for x in labels))
    print(f"{'#':>{width}}{'val acc %':>16}{'noisy':>8}{'runtime s':>11}{'params':>9}{'MFLOPs':>8}  OOD")
    for i in range(n):
        params = "–" if d["params"][i] is None else d["params"][i]
        flops = "–" if d["flops"][i] is None else f"{d['flops'][i] / 1e6:.2f}"
        print(
            f"{labels[i]:>{width}}{d['mean'][i]:>9.2f} ± {d['std'][i]:<4.2f}{d['sample'][i]:>8.2f}{d['runtime'][i]:>11.1f}"
            f"{params:>9}{flops:>8}  {'yes' if d['ood'][i] else 'no'}"
        )
    return 0


def _read(path: str) -> str:
    """The text of ``--file``, or a ValueError saying why it cannot be read."""
    from pathlib import Path

    p = Path(path)
    if p.is_dir():
        raise ValueError(f"--file {path}: is a directory; give a file with one architecture per line")
    if not p.exists():
        raise ValueError(f"--file {path}: no such file")
    try:
        return p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"--file {path}: cannot be read ({type(err).__name__}: {err})") from None
