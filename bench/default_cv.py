"""Choose the shipped default's hyperparameters and accuracy model by cross-validation on its data.

``scripts/build_default.py`` fits the default on one seeded 80/10/10 split by architecture. Its
validation part is small (about 20 architectures at 200), so choosing hyperparameters or the
family on it is a coin toss. This script cuts the split's training and validation parts (never its
test part) into ``--folds`` folds by architecture. For each fold it fits one member of each
candidate on three folds, early-stops it on the next fold and scores it on the held-out fold:
Kendall tau against the held-out architectures' seed means (what a NAS run ranks by), and
against single-seed rows. ``--repeats R`` runs the CV on R fold assignments and prints the sd of
the R means beside the fold sd: two candidates closer than that are not told apart by this data.

    python bench/default_cv.py --data training_data/fmnist/pilot2-f14-c8l5-n15k-e3.parquet
    python bench/default_cv.py --data TABLE --families gin --only "100 epochs" "150 epochs" --repeats 3
    python bench/default_cv.py --data TABLE --families lgb xgb --json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

#: The candidates per family: the shipped settings (scripts/build_default.PARAMS), the family
#: defaults (configs/models/<family>.yaml) and a few between or beyond.
CANDIDATES = {
    "lgb": {
        "shipped": "val_accuracy-lgb",
        "family defaults": {},
        "leaves 8, ff 0.5, l2 10, 300 trees": {
            "num_leaves": 8,
            "feature_fraction": 0.5,
            "lambda_l2": 10.0,
            "learning_rate": 0.05,
            "n_estimators": 300,
        },
        "leaves 4, ff 0.3, l2 30, 400 trees": {
            "num_leaves": 4,
            "feature_fraction": 0.3,
            "lambda_l2": 30.0,
            "learning_rate": 0.05,
            "n_estimators": 400,
            "min_child_samples": 10,
        },
    },
    "xgb": {
        "family defaults": {},
        "depth 3, cs 0.3, l2 30": {
            "max_depth": 3,
            "colsample_bytree": 0.3,
            "reg_lambda": 30.0,
            "learning_rate": 0.05,
            "n_estimators": 400,
        },
    },
    "gin": {
        "shipped (L1 + rank loss 0.5)": "val_accuracy-gin",
        "without the rank loss": ("val_accuracy-gin", {"rank_weight": 0.0}),
        "rank loss 1.0": ("val_accuracy-gin", {"rank_weight": 1.0}),
        "mse + rank loss 0.5": ("val_accuracy-gin", {"loss": "mse"}),
        "mse, no rank loss": ("val_accuracy-gin", {"loss": "mse", "rank_weight": 0.0}),
        "100 epochs": ("val_accuracy-gin", {"epochs": 100}),
        "150 epochs": ("val_accuracy-gin", {"epochs": 150}),
        "100 epochs, mse + rank loss 0.5": ("val_accuracy-gin", {"epochs": 100, "loss": "mse"}),
        "mean pooling": ("val_accuracy-gin", {"pooling": "mean"}),
        "learning rate 0.001": ("val_accuracy-gin", {"learning_rate": 0.001}),
        "mean pooling, learning rate 0.001": ("val_accuracy-gin", {"pooling": "mean", "learning_rate": 0.001}),
    },
}


def resolve(spec) -> dict:
    """A candidate's parameter overrides: a name in build_default.PARAMS, a dict, or (name, dict)."""
    from build_default import PARAMS

    if isinstance(spec, str):
        return dict(PARAMS[spec])
    if isinstance(spec, tuple):
        return {**PARAMS[spec[0]], **spec[1]}
    return dict(spec)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="the Dataset Parquet the default is fit on")
    p.add_argument("--families", nargs="+", default=list(CANDIDATES), choices=list(CANDIDATES))
    p.add_argument("--only", nargs="+", metavar="NAME", help="run only these candidates (names as printed)")
    p.add_argument("--folds", type=int, default=5, help="folds by architecture (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="the default's split seed (default: %(default)s)")
    p.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="CV repeats on other fold assignments (fold seeds SEED, SEED+1, ...) (default: %(default)s)",
    )
    p.add_argument("--json", action="store_true", help="print JSON at the end")
    args = p.parse_args(argv)

    from surrogate.crossval import cross_validate
    from surrogate.data import Dataset
    from surrogate.fit import split_indices

    ds = Dataset.read_parquet(args.data)
    (tr, va, _te), _ = split_indices(ds, None, seed=args.seed)
    rows = np.concatenate([tr, va])
    n_arch = len(set(ds.column("arch_hash")[rows].tolist()))
    print(
        f"{len(rows)} rows of {n_arch} architectures (the split's train + val), {args.folds} folds"
        + (f" x {args.repeats} repeats" if args.repeats > 1 else ""),
        flush=True,
    )
    out = []
    for family in args.families:
        for name, spec in CANDIDATES[family].items():
            if args.only and name not in args.only:
                continue
            t = time.perf_counter()
            r = {"family": family, "candidate": name, "params": resolve(spec)}
            r.update(
                cross_validate(ds, family, r["params"], rows=rows, k=args.folds, seed=args.seed, repeats=args.repeats)
            )
            r["seconds"] = time.perf_counter() - t
            out.append(r)
            repeat_sd = f", repeats sd {r['tau_seed_mean_repeat_sd']:.3f}" if args.repeats > 1 else ""
            print(
                f"{family:4s} {name:38s} tau vs seed means {r['tau_seed_mean']:.3f} (fold sd {r['tau_seed_mean_sd']:.3f}"
                f"{repeat_sd})  vs rows {r['tau_rows']:.3f}  collapsed {r['collapsed_folds']}/{args.folds * args.repeats}"
                f"  ({r['seconds']:.0f} s)",
                flush=True,
            )
    if args.json:
        print(json.dumps({"data": args.data, "folds": args.folds, "repeats": args.repeats, "results": out}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
