"""Tune a model family's hyperparameters with Optuna (TPE) on the validation split; resumable.

The search space and the fixed defaults are configs/models/<family>.yaml. Each trial fits an
ensemble of --members on the training rows and scores it on the validation rows (the test rows
are never used): --metric rmse (minimised, default) or kendall_tau (maximised); both are kept
on every trial. GIN trials are pruned on their validation loss (median rule).

The study is stored in --storage (any Optuna storage URL) under --study-name. Running the same
command again continues it until --trials trials have finished (complete or pruned), so an
interrupted run loses only the trial in flight. With a PostgreSQL URL several machines can run
the command at once and tune one study together. The best parameters are written as YAML for
`surrogate fit --params`.

Examples
--------
  surrogate tune --data training_data/nb201_analog/nb201_analog.parquet --space nb201 \\
      --family xgb --trials 100
  surrogate fit --data training_data/nb201_analog/nb201_analog.parquet --space nb201 \\
      --family xgb --params runs/best-xgb-val_accuracy.yaml --out checkpoints/nb201-xgb-tuned
  # several machines, one study:
  surrogate tune --data evals.parquet --family gin --trials 200 \\
      --storage postgresql://user:password@db-host:5432/optuna --study-name gin-darts
"""

from __future__ import annotations

import argparse

from ._common import FAMILIES, add_data_arguments, add_output_arguments, dump_json, progress_on

NAME = "tune"
HELP = "tune a model family's hyperparameters with Optuna (resumable; any Optuna storage)"
RAW_HELP = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    from surrogate.split_spec import SPEC_HELP
    from surrogate.tune import METRICS

    add_data_arguments(p)
    p.add_argument("--family", choices=FAMILIES, default="xgb", help="model family (default: %(default)s)")
    p.add_argument("--target", default="val_accuracy", help="column to predict (default: %(default)s)")
    p.add_argument(
        "--trials",
        type=int,
        default=50,
        help="finished trials wanted in the study in total, counting earlier runs (default: %(default)s)",
    )
    p.add_argument(
        "--storage",
        help="Optuna storage URL, e.g. sqlite:///runs/tune.db or postgresql://user:pw@host/db "
        "(default: sqlite:///runs/tune-<family>.db)",
    )
    p.add_argument("--study-name", help="study to create or continue (default: <family>-<target>)")
    p.add_argument(
        "--seed", type=int, default=0, help="seeds the split, the members and the sampler (default: %(default)s)"
    )
    p.add_argument("--timeout", type=float, help="stop starting trials after this many seconds (default: no limit)")
    p.add_argument(
        "--split",
        default="random",
        help=f"train/val/test split, as for fit: {SPEC_HELP}; only train and val are used (default: %(default)s)",
    )
    p.add_argument("--members", type=int, default=1, help="ensemble members per trial (default: %(default)s)")
    p.add_argument(
        "--metric",
        choices=tuple(METRICS),
        default="rmse",
        help="validation objective: rmse (minimised) or kendall_tau (maximised) (default: %(default)s)",
    )
    p.add_argument(
        "--params",
        metavar="YAML",
        help="hyperparameters held fixed in every trial and taken out of the search "
        "(default: none; the rest come from configs/models/<family>.yaml)",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="hold one hyperparameter fixed, e.g. --param n_estimators=200 (repeatable; value read as "
        "YAML) (default: none)",
    )
    p.add_argument(
        "--best-params",
        metavar="YAML",
        help="where to write the best parameters (default: runs/best-<study-name>.yaml)",
    )
    add_output_arguments(p)


def run(args: argparse.Namespace) -> int:
    from surrogate.tune import default_storage, parse_param_overrides, read_params, tune

    from ._common import read_data

    if args.trials < 1:
        raise ValueError(f"--trials must be at least 1, got {args.trials}")
    if args.members < 1:
        raise ValueError(f"--members must be at least 1, got {args.members}")
    fixed = parse_param_overrides(args.param, read_params(args.params, family=args.family) if args.params else {})
    show = progress_on(args)
    dataset = read_data(args.data, args.space, progress=show)
    storage = args.storage or default_storage(args.family)
    study_name = args.study_name or f"{args.family}-{args.target}"
    best_path = args.best_params or f"runs/best-{study_name}.yaml"
    result = tune(
        dataset,
        args.family,
        args.target,
        n_trials=args.trials,
        storage=storage,
        study_name=study_name,
        seed=args.seed,
        timeout=args.timeout,
        split=args.split,
        n_members_per_trial=args.members,
        metric=args.metric,
        fixed=fixed,
        params_out=best_path,
        progress=show,
    )
    if args.json:
        print(dump_json(result.to_dict()))
        return 0
    print(
        f"study {result.study_name!r} in {result.storage}: {result.n_trials} finished trials "
        f"({result.n_complete} complete, {result.n_pruned} pruned; {result.n_failed} failed)"
    )
    attrs = result.best_attrs
    print(
        f"best: trial {result.best_trial}, validation {result.metric} = {result.best_value:.4f}"
        + (f" (RMSE {attrs['rmse']:.4f}, Kendall τ {attrs['kendall_tau']:.4f})" if "rmse" in attrs else "")
    )
    for key, value in result.best_params.items():
        print(f"  {key}: {value}")
    print(
        f"best parameters written to {result.params_path}; fit with:\n"
        f"  surrogate fit --data {args.data}{f' --space {args.space}' if args.space else ''} "
        f"--family {args.family} --params {result.params_path} --out CHECKPOINT_DIR"
    )
    return 0
