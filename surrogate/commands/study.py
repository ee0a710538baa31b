"""Run a study on evaluation data; print its table and write JSON, CSV and a PNG.

Studies
-------
tabular-vs-surrogate
    The NAS-Bench-301 paper's Table 1 protocol on architectures trained with 3 or more seeds: for
    each seed i, a surrogate fit on seed i alone against the seed-i "table", both scored by MAE
    and Kendall τ against the mean of the other seeds (docs/guide-studies.md).
leave-one-out
    Fit without one value of a column (an optimizer: --column source), test on it; R², Kendall τ
    and MAE per held-out value, beside a random-split baseline.

--data takes a NAS-Bench-301-format result tree (a directory of <optimizer>/results_*.json, as
`surrogate generate` writes) or a .parquet/.csv/.jsonl table; the default is the table the shipped
default benchmark is fit on, training_data/fmnist/pilot2-f14-c8l5-n15k-e3.parquet (every
architecture with 3 seeds); the first, cheaper fidelity is training_data/fmnist/default.parquet.

Examples
--------
  surrogate study tabular-vs-surrogate --members 5 --out study-results/tvs
  surrogate study tabular-vs-surrogate --data evals.parquet --family lgb --folds 5 --json
  surrogate study tabular-vs-surrogate --data training_data/fmnist/pilot/pilot-l4c6-e4 \\
      --family rf --members 2 --folds 4
  surrogate study leave-one-out --data nb301_results/ --column source --min-rows 100
  surrogate study leave-one-out --data evals.csv --param n_estimators=200 --values re rs
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

NAME = "study"
HELP = "studies on evaluation data: tabular-vs-surrogate (NB301 Table 1), leave-one-out"
RAW_HELP = True

#: The Fashion-MNIST evaluations the shipped default is fit on (relative to the working directory or
#: the checkout): scripts/build_default.py writes this table.
DEFAULT_DATA = "training_data/fmnist/pilot2-f14-c8l5-n15k-e3.parquet"


def _common(p: argparse.ArgumentParser, study: str) -> None:
    from ._common import FAMILIES, SPACES, add_output_arguments

    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks and debug logging")
    p.add_argument(
        "--data",
        default=DEFAULT_DATA,
        metavar="PATH",
        help="evaluations: a NAS-Bench-301-format result tree directory or a .parquet/.csv/.jsonl "
        "table (docs/data-format.md) (default: %(default)s, the shipped data)",
    )
    p.add_argument(
        "--space",
        choices=SPACES,
        default=None,
        help="search space of the architectures in a table (default: from the data, else darts)",
    )
    p.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="use only evaluations at this fidelity (the 'epochs' column) (default: all)",
    )
    p.add_argument("--target", default="val_accuracy", help="column to predict (default: %(default)s)")
    p.add_argument("--family", choices=FAMILIES, default="xgb", help="surrogate family (default: %(default)s)")
    p.add_argument("--members", type=int, default=5, help="ensemble members per fit (default: %(default)s)")
    p.add_argument(
        "--params",
        metavar="YAML",
        help="hyperparameters file (from `surrogate tune` or a plain mapping) (default: configs/models/<family>.yaml)",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one hyperparameter, e.g. --param n_estimators=200 (repeatable; value read as YAML)",
    )
    p.add_argument("--seed", type=int, default=0, help="seeds the splits and the ensembles (default: %(default)s)")
    p.add_argument(
        "--out",
        default=f"study-results/{study}",
        metavar="DIR",
        help="folder for the JSON, CSV and PNG (default: %(default)s)",
    )
    p.add_argument("--no-plot", action="store_true", help="do not write the PNG (default: write it)")
    add_output_arguments(p)


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="study", metavar="STUDY", required=True)
    tvs = sub.add_parser(
        "tabular-vs-surrogate",
        help="surrogate fit on one seed vs that seed's table entries (NAS-Bench-301 Table 1)",
        description="For each seed i of architectures with 3+ seeds: fit a surrogate on seed i of the training "
        "architectures; score it and the seed-i values (the 'table') against the mean of the other "
        "seeds on held-out architectures (MAE, Kendall τ).",
    )
    _common(tvs, "tabular-vs-surrogate")
    tvs.add_argument(
        "--n-seeds",
        type=int,
        default=None,
        help="seeds per architecture k, at least 3 (default: the smallest count ≥ 3 in the data)",
    )
    tvs.add_argument(
        "--split",
        type=_random_fractions,
        default="random:0.8,0.1,0.1",
        metavar="random:TRAIN,VAL,TEST",
        help="shares of the multi-seed architectures, written as for fit --split (default: random:0.8,0.1,0.1)",
    )
    tvs.add_argument(
        "--folds",
        type=int,
        default=None,
        help="cross-validate over architectures in this many folds instead of one split, so every "
        "architecture is scored (default: one split)",
    )
    tvs.add_argument(
        "--train-on-rest",
        action="store_true",
        help="also train on one run of each architecture with fewer seeds (default: off, as in the paper)",
    )
    loo = sub.add_parser(
        "leave-one-out",
        help="fit without one value of a column (an optimizer), test on it",
        description="For each value of --column with --min-rows rows: fit on the other rows (less any row of a "
        "held-out architecture), test on the held-out rows; R², Kendall τ, MAE per value.",
    )
    _common(loo, "leave-one-out")
    loo.add_argument("--column", default="source", help="the column whose values are held out (default: %(default)s)")
    loo.add_argument(
        "--values",
        nargs="+",
        default=None,
        metavar="VALUE",
        help="hold out only these values (default: every value with --min-rows rows)",
    )
    loo.add_argument("--min-rows", type=int, default=20, help="skip values with fewer rows (default: %(default)s)")
    loo.add_argument(
        "--val-fraction",
        type=float,
        default=0.1,
        help="validation share of the training architectures (default: %(default)s)",
    )
    loo.add_argument(
        "--no-baseline", action="store_true", help="skip the random-split fit on all rows (default: fit it)"
    )


def _data_path(path: str) -> Path:
    p = Path(path)
    if p.exists() or path != DEFAULT_DATA:
        return p
    shipped = Path(__file__).resolve().parents[2] / DEFAULT_DATA
    if shipped.exists():
        return shipped
    raise ValueError(
        f"the default --data {DEFAULT_DATA} does not exist here (it ships in the repository checkout); "
        "run from the checkout or pass --data PATH"
    )


def _params(args: argparse.Namespace) -> dict[str, Any]:
    from surrogate.tune import parse_param_overrides, read_params

    return parse_param_overrides(args.param, read_params(args.params, family=args.family) if args.params else {})


def _dataset(args: argparse.Namespace, show: bool) -> Any:
    import numpy as np

    from ._common import read_data

    dataset = read_data(_data_path(args.data), args.space, progress=show)
    if args.epochs is not None:
        epochs = dataset.column("epochs")
        keep = epochs == args.epochs
        if not keep.any():
            raise ValueError(
                f"--epochs {args.epochs}: no evaluation at that fidelity; present: "
                f"{sorted(set(np.unique(epochs).tolist()))}"
            )
        dataset = dataset.filter(keep)
    return dataset


def run(args: argparse.Namespace) -> int:
    from ._common import dump_json, progress_on

    if args.members < 1:
        raise ValueError(f"--members must be at least 1, got {args.members}")
    if args.seed < 0:
        raise ValueError(f"--seed must be non-negative, got {args.seed}")
    show = progress_on(args)
    params = _params(args)
    dataset = _dataset(args, show)
    common = {
        "family": args.family,
        "target": args.target,
        "n_members": args.members,
        "params": params,
        "seed": args.seed,
        "progress": show,
    }
    if args.study == "tabular-vs-surrogate":
        from surrogate.studies import tabular_vs_surrogate

        result = tabular_vs_surrogate(
            dataset,
            n_seeds=args.n_seeds,
            split=tuple(args.split),
            folds=args.folds,
            train_on_rest=args.train_on_rest,
            **common,
        )
    else:
        from surrogate.studies import leave_one_out

        result = leave_one_out(
            dataset,
            column=args.column,
            values=args.values,
            min_rows=args.min_rows,
            val_fraction=args.val_fraction,
            baseline=not args.no_baseline,
            **common,
        )
    files = result.write(args.out, plot=not args.no_plot)
    if args.json:
        print(dump_json({**result.to_dict(), "data": str(args.data), "files": {k: str(v) for k, v in files.items()}}))
        return 0
    print(result.to_table())
    for kind, path in files.items():
        print(f"wrote {kind}: {path}")
    return 0


def _random_fractions(text: str) -> tuple[float, ...]:
    """``random:TRAIN,VAL,TEST`` (as ``fit --split``) -> the three shares."""
    from surrogate.split_spec import parse_fractions

    kind, _, rest = text.partition(":")
    if kind != "random" or not rest:
        raise argparse.ArgumentTypeError(f"expected random:TRAIN,VAL,TEST such as random:0.8,0.1,0.1, got {text!r}")
    try:
        return parse_fractions(rest)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
