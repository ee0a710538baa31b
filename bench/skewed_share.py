"""What the skewed share of the training data buys: error on held-out skewed architectures with and without it.

Reads one fidelity's result tree(s), averages each architecture over its seeds (the k-seed design
the default is fit on), holds out a seeded share of the skewed architectures (``--skewed``
sources) and of the uniform ones (``--uniform``), and fits the same ensemble three ways:

- ``uniform only``: the uniform training architectures;
- ``uniform + skewed``: the same plus the remaining skewed ones;
- ``same size``: uniform + skewed, subsampled to the size of ``uniform only`` (more kinds of
  cells, not more cells).

Each is scored on the held-out skewed and the held-out uniform architectures (R², Kendall τ, RMSE).

    python bench/skewed_share.py training_data/fmnist/pilot2-f14-c8l5-n15k-e3
    python bench/skewed_share.py ROOT --family xgb --members 5 --json
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("roots", nargs="+", help="result tree(s) of one fidelity")
    p.add_argument(
        "--uniform", nargs="+", default=["rs", "pilot"], help="sources of uniform samples (default: %(default)s)"
    )
    p.add_argument("--skewed", nargs="+", default=["skewed"], help="sources of skewed samples (default: %(default)s)")
    p.add_argument("--held-out", type=float, default=0.25, help="share of each group held out (default: %(default)s)")
    p.add_argument("--family", default="lgb", help="model family (default: %(default)s)")
    p.add_argument("--members", type=int, default=5, help="ensemble members (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the split and the fits (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print JSON")
    args = p.parse_args(argv)

    from surrogate.data import Dataset, read_nb301
    from surrogate.fit import fit_surrogate
    from surrogate.metrics import regression_report

    ds = Dataset.concat([read_nb301(r, progress=False)[0] for r in args.roots]).mean_over_seeds()
    source = ds.column("source")
    rng = np.random.default_rng(args.seed)
    groups = {
        "uniform": np.flatnonzero(np.isin(source, args.uniform)),
        "skewed": np.flatnonzero(np.isin(source, args.skewed)),
    }
    if any(len(g) < 8 for g in groups.values()):
        raise SystemExit(
            f"need at least 8 architectures of each group; have { ({k: len(v) for k, v in groups.items()}) }"
        )
    held, train = {}, {}
    for name, idx in groups.items():
        idx = rng.permutation(idx)
        k = max(2, int(round(args.held_out * len(idx))))
        held[name], train[name] = np.sort(idx[:k]), idx[k:]
    both = np.concatenate([train["uniform"], train["skewed"]])
    designs = {
        "uniform only": train["uniform"],
        "uniform + skewed": both,
        "same size": rng.choice(both, size=len(train["uniform"]), replace=False),
    }
    test = np.concatenate([held["uniform"], held["skewed"]])
    y = ds.column("val_accuracy").astype(float)
    out = {
        "architectures": {k: int(len(v)) for k, v in groups.items()},
        "held_out": {k: int(len(v)) for k, v in held.items()},
        "results": {},
    }
    X = None
    for name, rows in designs.items():
        rows = rng.permutation(rows)
        n_val = max(2, len(rows) // 8)
        result = fit_surrogate(
            ds,
            family=args.family,
            n_members=args.members,
            seed=args.seed,
            split=(np.sort(rows[n_val:]), np.sort(rows[:n_val]), test),
            progress=False,
        )
        if result.ensemble.model_class.input_kind != "matrix":
            raise SystemExit("use a tree family (lgb, xgb) here")
        X = result.space.features(ds.genotypes()) if X is None else X  # one encoding for every design
        out["results"][name] = {"train_architectures": int(len(rows))}
        for g, idx in held.items():
            mean, std = result.ensemble.predict(X[idx])
            r = regression_report(y[idx], mean, std)
            out["results"][name][g] = {k: float(r[k]) for k in ("r2", "kendall_tau", "rmse")}
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"architectures {out['architectures']}, held out {out['held_out']} (seed means)")
    print(f"{'trained on':<18}{'n':>6}  {'held-out skewed R² / τ / RMSE':>31}  {'held-out uniform R² / τ / RMSE':>32}")
    for name, r in out["results"].items():
        cell = lambda m: f"{m['r2']:6.2f} / {m['kendall_tau']:5.2f} / {m['rmse']:5.2f}"  # noqa: E731
        print(f"{name:<18}{r['train_architectures']:>6}  {cell(r['skewed']):>31}  {cell(r['uniform']):>32}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
