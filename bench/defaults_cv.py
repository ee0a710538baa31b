"""Choose tree defaults by cross-validation on the TRAINING parts of every data set of
``bench/defaults.py`` jointly (the test parts are never read).

For each data set and budget (1,000 rows, the whole training part of the seed-0 split by
architecture), the training rows are cut into ``--folds`` folds by architecture; each candidate
(family, feature set, hyperparameter overrides) is fit on the other folds, early-stopped on the
split's validation part (as ``fit_surrogate`` does), and scored by Kendall tau on the held-out
fold; one member per fold. Prints mean CV tau per candidate, data set and budget, and the
candidate's lowest gain over the family's defaults across them (what "helps on all data sets"
means).

Feature sets: ``default`` (the space's ``features``), ``extra`` (``default`` plus the columns of
:func:`extra_features`, candidates for the encoder; DARTS and NB201 only), ``features-1`` (generic
cells only: the ``generic-features-1`` encoding, without the structural columns that
``generic-features-2`` added). A set a data set lacks is left out of its scores.

    python bench/defaults_cv.py                      # features, then hyperparameters
    python bench/defaults_cv.py --stage features
    python bench/defaults_cv.py --stage features --datasets nbg-cora nbg-arxiv
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import defaults as bench  # noqa: E402

from surrogate.crossval import folds_by_arch  # noqa: E402

# Paths from the input (0) to the output (3) of an NB201 cell, as edge indices in NB201 string
# order (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2).
NB201_PATHS = ((3,), (0, 4), (1, 5), (0, 2, 5))


def extra_features(space: str, archs) -> np.ndarray:
    """Candidate columns: for NB201, op counts, a positional path encoding (one column per input-
    output path and op sequence, 100), live paths, shortest/longest live path, fewest and most
    convolutions on a live path."""
    if space == "nb201":
        from surrogate.encode.nb201 import canonical_ops

        ops = canonical_ops(list(archs))  # none, skip, conv1x1, conv3x3, pool
        n = len(ops)
        counts = np.stack([(ops == k).sum(1) for k in range(5)], 1)
        cols = [counts]
        live_len, conv_on = [], []
        for path in NB201_PATHS:
            seq = ops[:, list(path)]
            live = (seq != 0).all(1)
            code = ((seq - 1) * (4 ** np.arange(len(path) - 1, -1, -1))).sum(1)
            onehot = np.zeros((n, 4 ** len(path)))
            onehot[np.flatnonzero(live), code[live]] = 1
            cols.append(onehot)
            live_len.append(np.where(live, len(path), np.nan))
            conv_on.append(np.where(live, np.isin(seq, (2, 3)).sum(1), np.nan))
        L, C = np.stack(live_len, 1), np.stack(conv_on, 1)
        any_live = np.isfinite(L).any(1)
        with np.errstate(all="ignore"):
            agg = np.stack(
                [
                    np.isfinite(L).sum(1),
                    np.where(any_live, np.nanmin(np.where(np.isfinite(L), L, np.inf), 1), 0),
                    np.where(any_live, np.nanmax(np.where(np.isfinite(L), L, -np.inf), 1), 0),
                    np.where(any_live, np.nanmin(np.where(np.isfinite(C), C, np.inf), 1), -1),
                    np.where(any_live, np.nanmax(np.where(np.isfinite(C), C, -np.inf), 1), -1),
                    counts[:, 2] + 9 * counts[:, 3],
                ],
                1,
            )
        cols.append(agg)
        return np.hstack(cols).astype(np.float32)
    if space == "darts":
        from surrogate.encode import feature_names, features

        F = features(list(archs))
        names = feature_names()
        out = []
        for cell in ("normal", "reduce"):
            c = {op: F[:, names.index(f"{cell}_count_{op}")] for op in ("max_pool_3x3", "avg_pool_3x3", "skip_connect")}
            free = c["max_pool_3x3"] + c["avg_pool_3x3"] + c["skip_connect"]
            sep3 = F[:, names.index(f"{cell}_count_sep_conv_3x3")]
            sep5 = F[:, names.index(f"{cell}_count_sep_conv_5x5")]
            dil3 = F[:, names.index(f"{cell}_count_dil_conv_3x3")]
            dil5 = F[:, names.index(f"{cell}_count_dil_conv_5x5")]
            # parameters per op for C channels, leading C^2 terms: sep conv 2 pointwise, dil conv 1
            out += [free, 2 * sep3 + 2 * sep5 + dil3 + dil5]
        # the network has 3x as many normal cells as reduction cells at the default fidelity
        out.append(3 * out[1] + 2 * out[3])
        return np.stack(out, 1).astype(np.float32)
    raise ValueError(space)


def cv_score(model_cls, params, X, y, folds, X_va, y_va, seed) -> float:
    from surrogate.metrics import kendall_tau

    taus = []
    for f, hold in enumerate(folds):
        fit_rows = np.concatenate([folds[g] for g in range(len(folds)) if g != f])
        m = model_cls(**{**params, "seed": seed + f, "n_jobs": 1})
        m.fit(X[fit_rows], y[fit_rows], X_va, y_va)
        taus.append(kendall_tau(y[hold], m.predict(X[hold])))
    return float(np.mean(taus))


def prepare(k: int, names=tuple(bench.DATASETS)):
    """Per (data set, budget): encoded training and validation parts of the seed-0 split."""
    from surrogate.encode.generic import features as generic_features
    from surrogate.spaces import get_space

    out = {}
    for name in names:
        ds = bench.load(name)
        space = get_space(ds.space)
        y_all = ds.column(bench.TARGET).astype(float)
        for b, budget in bench.BUDGETS.items():
            tr, va, _ = bench.split(ds, 0, budget)
            a_tr, a_va = ds.take(tr).architectures(), ds.take(va).architectures()
            space.fit(a_tr)
            feats = {
                "default": (space.features(a_tr), space.features(a_va)),
            }
            if ds.space == "generic":
                v1 = dataclasses.replace(space.vocabulary, positions=None, n_positions=0)
                feats["features-1"] = (generic_features(a_tr, v1), generic_features(a_va, v1))
            else:
                feats["extra"] = tuple(
                    np.hstack([f, extra_features(ds.space, a)]) for f, a in zip(feats["default"], (a_tr, a_va))
                )
            # fold indices are positions within tr
            folds = folds_by_arch(ds.column("arch_hash")[tr], k, seed=0)
            out[(name, b)] = (feats, y_all[tr], y_all[va], folds)
    return out


def main(argv=None) -> None:
    from surrogate.models import model_class
    from surrogate.models._config import load_config

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--stage", choices=["features", "params", "all"], default="all")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--families", nargs="+", default=["xgb", "lgb"])
    p.add_argument("--datasets", nargs="+", default=list(bench.DATASETS), choices=list(bench.DATASETS))
    p.add_argument("--out", default="bench/results/defaults_cv.json")
    args = p.parse_args(argv)
    data = prepare(args.folds, args.datasets)
    grids = {
        "xgb": {"max_depth": [4, 6, 8], "min_child_weight": [1.0, 3.0], "colsample_bytree": [0.5, 0.8]},
        "lgb": {"num_leaves": [15, 31], "min_child_samples": [5, 20], "feature_fraction": [0.5, 0.8]},
    }
    results = []
    for family in args.families:
        cls = model_class(family)
        base = dict(load_config(family).defaults)
        cands = []
        if args.stage in ("features", "all"):
            cands += [("default", {}), ("extra", {}), ("features-1", {})]
        if args.stage in ("params", "all"):
            keys = list(grids[family])
            for combo in itertools.product(*(grids[family][k] for k in keys)):
                over = {k: v for k, v in zip(keys, combo) if base.get(k) != v}
                if over:
                    for fs in ("default", "extra", "features-1"):
                        cands.append((fs, over))
        for fs, over in cands:
            row = {"family": family, "features": fs, "params": over, "cv_tau": {}}
            t = time.perf_counter()
            for (name, b), (feats, y_tr, y_va, folds) in data.items():
                if fs not in feats:
                    continue
                X, X_va = feats[fs]
                row["cv_tau"][f"{name}/{b}"] = cv_score(cls, {**base, **over}, X, y_tr, folds, X_va, y_va, 0)
            row["seconds"] = time.perf_counter() - t
            results.append(row)
            ref = next(r for r in results if r["family"] == family and r["features"] == "default" and not r["params"])
            if not row["cv_tau"]:
                results.pop()
                continue
            gains = {k: row["cv_tau"][k] - ref["cv_tau"][k] for k in row["cv_tau"]}
            row["min_gain"] = min(gains.values())
            row["mean_gain"] = float(np.mean(list(gains.values())))
            print(
                f"{family} {fs:7s} {json.dumps(over):70s} "
                + " ".join(f"{k} {v:.3f}" for k, v in row["cv_tau"].items())
                + f" | min gain {row['min_gain']:+.3f} mean {row['mean_gain']:+.3f} ({row['seconds']:.0f} s)",
                flush=True,
            )
            Path(args.out).write_text(
                json.dumps(
                    {"command": "python bench/defaults_cv.py " + " ".join(argv or sys.argv[1:]), "results": results},
                    indent=1,
                )
                + "\n"
            )


if __name__ == "__main__":
    main()
