"""Propose architectures for new evaluations: the ones a NAS optimizer reaches on a benchmark.

Runs an optimizer (regularized evolution by default) on a benchmark fit on the data so far and
writes the last architectures it evaluated that are not in --exclude-data, one JSON object per
line ({"arch": genotype string, "predicted": mean accuracy, "optimizer": name}). Train them with
`surrogate generate --archs FILE --source NAME`; the source then names the optimizer in
leave-one-optimizer-out studies, as in NAS-Bench-301.

Examples
--------
  surrogate propose --checkpoint interim/ --optimizer re -n 100 --exclude-data training_data/fmnist/results --out re.jsonl
  surrogate generate --archs re.jsonl --source re --n-seeds 1
"""

from __future__ import annotations

import argparse
import json

from surrogate.nas import OPTIMIZERS

NAME = "propose"
HELP = "architectures a NAS optimizer reaches on a benchmark, to train next (JSONL for generate --archs)"
RAW_HELP = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--benchmark",
        "--checkpoint",
        dest="benchmark",
        help="benchmark directory (default: the shipped checkpoints/default); --checkpoint is an old alias",
    )
    p.add_argument("--optimizer", default="re", choices=tuple(OPTIMIZERS), help="optimizer (default: %(default)s)")
    p.add_argument("-n", type=int, default=100, help="architectures to propose (default: %(default)s)")
    p.add_argument("--queries", type=int, help="query budget per run (default: 4 n / repeats, at least 50)")
    p.add_argument("--repeats", type=int, default=1, help="independent runs, interleaved (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default: %(default)s)")
    p.add_argument(
        "--exclude-data",
        action="append",
        default=[],
        metavar="PATH",
        help="evaluations whose architectures are not proposed again (result tree or table; repeatable)",
    )
    p.add_argument("--out", required=True, help="JSONL file to write")
    p.add_argument("--json", action="store_true", help="print a JSON summary")


def run(args: argparse.Namespace) -> int:
    from surrogate import load
    from surrogate.commands._common import read_data
    from surrogate.nas import propose, write_proposals

    bench = load() if args.benchmark is None else load(args.benchmark)
    exclude: set[str] = set()
    for path in args.exclude_data:
        exclude.update(read_data(path, progress=False).column("arch_hash").tolist())
    archs = propose(
        bench, args.optimizer, args.n, exclude=exclude, queries=args.queries, repeats=args.repeats, seed=args.seed
    )
    mean = bench.predict(archs) if archs else []
    out = write_proposals(args.out, archs, mean, args.optimizer, space=bench.space)
    predicted = float(sum(mean) / len(mean)) if len(archs) else None
    summary = {
        "out": str(out),
        "proposed": len(archs),
        "optimizer": args.optimizer,
        "excluded": len(exclude),
        "predicted_mean": predicted,
    }
    shown = "n/a" if predicted is None else f"{predicted:.2f}%"
    print(
        json.dumps(summary)
        if args.json
        else f"wrote {len(archs)} {args.optimizer} proposals to {out} (mean predicted accuracy {shown}; "
        f"{len(exclude)} known architectures excluded)"
    )
    return 0
