"""Run NAS optimizers on the benchmark and write their trajectories, a table and a plot.

Each optimizer runs --repeats times with independent seeds; every run stops before the
evaluation that would pass the budget (simulated training seconds from the runtime model, or a
number of queries). The optimizers observe noisy accuracies (like training once with a seed);
the regret of each run's incumbent is measured by the noiseless mean, from the best mean
evaluated in the whole study unless --reference is given.

Writes <out>/trajectories.json (every evaluation, lossless), <out>/trajectories.csv (one row per
evaluation) and <out>/trajectories.png (mean ± standard error per optimizer), then prints the
final table (or, with --json, the summary as JSON).

Examples
--------
  surrogate search --budget-queries 200 --repeats 5 --out runs/search
  surrogate search --optimizers re ls --budget-seconds 2e6 --repeats 10 --seed 1 --out runs/re-ls
  surrogate search --checkpoint checkpoints/my-ensemble --budget-queries 100 --json
"""

from __future__ import annotations

import argparse
import json
import math

from surrogate.nas import MULTI_FIDELITY, OPTIMIZERS

NAME = "search"
HELP = (
    "run NAS optimizers (rs, re, ls, tpe; sh, hb with learning curves) on the benchmark; write trajectories and a plot"
)
RAW_HELP = True
_OPTIMIZERS = tuple(OPTIMIZERS)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--benchmark",
        "--checkpoint",
        dest="benchmark",
        help="benchmark directory (default: the shipped checkpoints/default); --checkpoint is an old alias",
    )
    p.add_argument(
        "--optimizers",
        nargs="+",
        default=list(_OPTIMIZERS),
        choices=(*_OPTIMIZERS, *MULTI_FIDELITY),
        metavar="NAME",
        help="optimizers to run: rs (random search), re (regularized evolution), ls (local search), "
        "tpe (Optuna TPE); on a benchmark with learning curves also sh (successive halving) and "
        "hb (Hyperband), whose rungs are epochs (default: %(default)s)",
    )
    p.add_argument("--repeats", type=int, default=5, help="independent runs per optimizer (default: %(default)s)")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument(
        "--budget-seconds", type=float, help="simulated training seconds per run (sum of predicted runtimes)"
    )
    budget.add_argument(
        "--budget-queries", type=int, help="architectures evaluated per run (default when no budget is given: 200)"
    )
    p.add_argument("--seed", type=int, default=0, help="root seed of the study (default: %(default)s)")
    p.add_argument(
        "--reference",
        type=float,
        help="accuracy (%%) that regret is measured from (default: the best noiseless mean evaluated in the study)",
    )
    p.add_argument("--out", default="search-results", help="output folder (default: %(default)s)")
    p.add_argument(
        "--x",
        choices=("time", "queries"),
        help="horizontal axis of the plot (default: time with --budget-seconds, else queries)",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")


def _fmt(x: float, spec: str = ".2f") -> str:
    return "nan" if not math.isfinite(x) else format(x, spec)


def _table(result) -> str:
    head = ("optimizer", "runs", "final best acc (%)", "final regret", "queries", "sim. seconds")
    rows = [
        (
            s.optimizer,
            str(s.runs),
            f"{_fmt(s.final_accuracy_mean)} ± {_fmt(s.final_accuracy_std)}",
            _fmt(s.final_regret_mean, ".3f"),
            _fmt(s.queries_mean, ".1f"),
            _fmt(s.seconds_mean, ".4g"),
        )
        for s in result.summary
    ]
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in (head, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from surrogate.nas import Budget, search

    if args.budget_seconds is None and args.budget_queries is None:
        args.budget_queries = 200
    budget = Budget(seconds=args.budget_seconds, queries=args.budget_queries)
    from surrogate import load

    bench = load() if args.benchmark is None else load(args.benchmark)
    result = search(
        bench,
        args.optimizers,
        budget=budget,
        repeats=args.repeats,
        seed=args.seed,
        reference=args.reference,
        out=args.out,
        x=args.x,
        progress=not args.no_progress,
    )
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(f"budget per run: {budget.describe()}; regret from {_fmt(result.reference, '.3f')} %")
        print(_table(result))
        for kind, path in result.files.items():
            print(f"wrote {kind}: {path}")
    return 0
