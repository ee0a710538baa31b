"""Fit a surrogate ensemble on evaluations, print its validation and test metrics, save a checkpoint.

The data is split (default: seeded 80/10/10 by architecture), the ensemble's members are fit on
the training rows with early stopping on the validation rows, the ensemble's std is calibrated
on the validation rows, and every metric is measured on validation and test. Everything is
deterministic given --seed: the same data, parameters, seed and library versions write the same
member files (the GIN trains on one torch thread for this; on a GPU it is not bit-reproducible).
--params takes a YAML file of hyperparameters (as `surrogate tune` writes, or a plain mapping);
unnamed ones come from configs/models/<family>.yaml.

Examples
--------
  surrogate fit --data training_data/nb201_analog/nb201_analog.parquet --space nb201 \\
      --family xgb --members 10 --out checkpoints/nb201-xgb
  surrogate fit --data nb301/ --family gin --split official:nb301_splits/default_split --out ckpt/gin
  surrogate fit --data my_evals.csv --family lgb --split leave-out:source=re --json
  surrogate fit --data training_data/nb201_analog/nb201_analog.parquet --family lgb --split rows  # NB201 papers' protocol
  surrogate fit --data my_evals.jsonl --family xgb --params runs/best-xgb-val_accuracy.yaml --out ckpt/xgb
"""

from __future__ import annotations

import argparse
import sys

from ._common import FAMILIES, add_data_arguments, add_output_arguments, dump_json, metrics_table, progress_on

NAME = "fit"
HELP = "fit a surrogate ensemble on evaluations; print metrics; save a checkpoint"
RAW_HELP = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    from surrogate.split_spec import SPEC_HELP

    add_data_arguments(p)
    p.add_argument("--family", choices=FAMILIES, default="xgb", help="model family (default: %(default)s)")
    p.add_argument(
        "--target",
        default="val_accuracy",
        help="column to predict, e.g. val_accuracy or train_time (default: %(default)s)",
    )
    p.add_argument("--members", type=int, default=10, help="ensemble members (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seeds the split and the members' seeds (default: %(default)s)")
    p.add_argument(
        "--split",
        default="random",
        help=f"train/val/test split: {SPEC_HELP}; random is 80/10/10 by architecture (default: %(default)s)",
    )
    p.add_argument(
        "--rename",
        action="append",
        metavar="OLD=NEW",
        help="rename a table column before reading, e.g. valid_acc=val_accuracy (repeatable) (default: none)",
    )
    p.add_argument(
        "--train-size",
        type=int,
        metavar="N",
        help="fit on a seeded subsample of N rows of the training part (recorded, so evaluate rebuilds "
        "it); validation and test parts stay whole (default: the whole training part)",
    )
    p.add_argument(
        "--fidelity",
        metavar="NAME",
        help="fit on the rows of this training fidelity only (the data's 'fidelity' column; "
        "a result tree mixing fidelities is warned about) (default: all rows)",
    )
    p.add_argument(
        "--params",
        metavar="YAML",
        help="hyperparameters file (from `surrogate tune` or a plain mapping) (default: the family's "
        "configs/models/<family>.yaml defaults)",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one hyperparameter, e.g. --param n_estimators=200 (repeatable; value read as "
        "YAML) (default: none)",
    )
    p.add_argument(
        "--out",
        metavar="CHECKPOINT_DIR",
        help="write the checkpoint to this directory (default: none, only print metrics)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing checkpoint at --out (default: off)")
    p.add_argument(
        "--no-calibrate",
        action="store_true",
        help="keep the members' raw std instead of calibrating it on validation (default: calibrate)",
    )
    p.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="most cores to train on: members train on one thread each, side by side in up to N "
        "worker processes (default: $SURROGATE_THREADS, else the idle cores)",
    )
    add_output_arguments(p)


def run(args: argparse.Namespace) -> int:
    from surrogate.fit import fit_surrogate
    from surrogate.tune import parse_param_overrides, read_params

    from ._common import parse_renames, read_data

    if args.members < 1:
        raise ValueError(f"--members must be at least 1, got {args.members}")
    if args.seed < 0:
        raise ValueError(f"--seed must be non-negative, got {args.seed}")
    params = parse_param_overrides(args.param, read_params(args.params, family=args.family) if args.params else {})
    show = progress_on(args)
    dataset = read_data(args.data, args.space, progress=show, rename=parse_renames(args.rename))
    if args.fidelity:
        from surrogate.data import select_fidelity

        dataset = select_fidelity(dataset, args.fidelity)
    result = fit_surrogate(
        dataset,
        family=args.family,
        target=args.target,
        split=args.split,
        train_size=args.train_size,
        n_members=args.members,
        params=params,
        seed=args.seed,
        calibrate=not args.no_calibrate,
        progress=show,
        threads=args.threads,
    )
    path = None
    if args.out:
        path = result.save(
            args.out,
            overwrite=args.overwrite,
            extra={"params_file": args.params, "param_overrides": list(args.param), "fidelity": args.fidelity},
        )
    if args.json:
        print(
            dump_json(
                {
                    "family": args.family,
                    "target": args.target,
                    "space": dataset.space,
                    "split": result.split,
                    "sizes": result.sizes,
                    "fit_seconds": result.fit_seconds,
                    "metrics": result.metrics,
                    "calibration": result.ensemble.calibration_.to_dict()
                    if hasattr(result.ensemble, "calibration_")
                    else None,
                    "checkpoint": str(path) if path else None,
                }
            )
        )
        return 0
    sizes = result.sizes
    print(
        f"{args.family} ensemble of {args.members} on {args.target} ({dataset.space} space): "
        f"{sizes['train']} train, {sizes['val']} val, {sizes['test']} test rows; fit in {result.fit_seconds:.1f} s"
    )
    print(metrics_table(result.metrics))
    if path:
        print(f"checkpoint written to {path}")
    else:
        print("(no checkpoint written; pass --out DIR to keep the model)", file=sys.stderr)
    return 0
