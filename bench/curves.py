"""Learning-curve quality on held-out real curves (issue 14's targets), per epoch, never pooled.

Reads one fidelity's result tree(s) (the ``val_curve`` of every run that has one,
:class:`surrogate.curves.CurveTable`), splits the architectures (seeded), fits what a benchmark
ships (:class:`surrogate.curves.CurveBundle`) on the training ones, and on the held-out ones
reports at 25/50/75/100 % of training:

- R² and Kendall τ of :class:`surrogate.curves.CurveModel` against the held-out seed-mean curves,
  given (a) the true final epoch ("shape" alone) and (b) a LightGBM final-epoch model fit on the
  training architectures ("full"), and of a retrained per-epoch-feature XGBoost baseline
  (JAHS-Bench-201 style: the epoch is an input, each epoch predicted on its own);
- Spearman(epoch k, final) of the predicted curves against the real data's;
- monotonicity violations of the mean curves over ``--n-random`` random architectures, and of
  the mean cumulative cost (:class:`surrogate.curves.EpochCost`);
- whole curves per second, batched (the curve model alone, and with features and a final-epoch model);
- coverage of the 68 % / 95 % intervals of noisy curves (:class:`surrogate.curves.CurveNoise`)
  over the held-out seeds' curves, around the held-out seed mean (noise alone).

    python bench/curves.py training_data/fmnist/pilot2/pilot2-f14-c8l5-n6k-e8
    python bench/curves.py ROOT [ROOT ...] --json --out bench/results/curves.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("roots", nargs="+", help="result tree(s) of one fidelity")
    p.add_argument("--test-fraction", type=float, default=0.25, help="held-out architectures (default: %(default)s)")
    p.add_argument("--rank", type=int, default=3, help="rank of the increment basis (default: %(default)s)")
    p.add_argument("--n-random", type=int, default=100_000, help="random architectures for the monotonicity count")
    p.add_argument("--seed", type=int, default=0, help="seed of the split and the models (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--out", help="also write the JSON here")
    args = p.parse_args(argv)

    from scipy.stats import spearmanr

    from surrogate.curves import CurveBundle, CurveTable
    from surrogate.data import Dataset, read_nb301
    from surrogate.metrics import regression_report
    from surrogate.models import make_model
    from surrogate.space import sample
    from surrogate.spaces import get_space

    ds = Dataset.concat([read_nb301(r, progress=False)[0] for r in args.roots])
    table = CurveTable(ds)
    E, n_arch, inverse, counts, mean_curve = table.epochs, len(table), table.arch, table.counts, table.means
    rng = np.random.default_rng(args.seed)
    test_arch = np.zeros(n_arch, dtype=bool)
    test_arch[rng.permutation(n_arch)[: max(2, int(round(args.test_fraction * n_arch)))]] = True
    space = get_space("darts")
    X = space.features(table.genotypes)
    tr, te = ~test_arch, test_arch
    # what a benchmark ships (curve model, seed noise, epoch cost), fit on the training architectures' runs
    bundle = CurveBundle.fit(
        ds.take(table.rows[tr[inverse]]), space, rank=args.rank, seed=args.seed, min_architectures=2
    )
    model, noise, cost = bundle.model, bundle.noise, bundle.cost
    final_model = make_model(
        "lgb", n_estimators=300, learning_rate=0.05, num_leaves=7, min_child_samples=5, n_jobs=1, seed=args.seed
    ).fit(X[tr], mean_curve[tr, -1])
    shape = model.curve(X[te], mean_curve[te, -1])
    full = model.curve(X[te], final_model.predict(X[te]))
    # JAHS-style baseline: one XGBoost on (features, epoch) rows, each epoch predicted on its own
    ep = np.arange(1, E + 1, dtype=np.float32)
    Xe = lambda Z: np.concatenate([np.repeat(Z, E, 0), np.tile(ep, len(Z))[:, None]], axis=1)  # noqa: E731
    base = make_model("xgb", n_estimators=300, learning_rate=0.05, max_depth=4, n_jobs=1, seed=args.seed)
    base.fit(Xe(X[tr]), mean_curve[tr].reshape(-1))
    jahs = base.predict(Xe(X[te])).reshape(-1, E)

    at = sorted({max(1, int(round(q * E))) for q in (0.25, 0.5, 0.75, 1.0)})
    truth = mean_curve[te]
    per_epoch = {}
    for k in at:
        row = {}
        for name, pred in (("curve_model_shape", shape), ("curve_model_full", full), ("jahs_xgb", jahs)):
            r = regression_report(truth[:, k - 1], pred[:, k - 1])
            row[name] = {"r2": r["r2"], "kendall_tau": r["kendall_tau"]}
        row["spearman_with_final"] = {
            "real": float(spearmanr(truth[:, k - 1], truth[:, -1])[0]),
            "curve_model_full": float(spearmanr(full[:, k - 1], full[:, -1])[0]),
            "jahs_xgb": float(spearmanr(jahs[:, k - 1], jahs[:, -1])[0]),
        }
        per_epoch[str(k)] = row

    rand = sample(args.n_random, rng=[args.seed, 7])
    import time

    t0 = time.perf_counter()
    Xr = space.features(rand)
    final_r = final_model.predict(Xr)
    t1 = time.perf_counter()
    mean_r = model.curve(Xr, final_r)
    t2 = time.perf_counter()
    speed = {
        "architectures": args.n_random,
        "curves_per_second_curve_model": args.n_random / (t2 - t1),
        "curves_per_second_with_features_and_final_model": args.n_random / (t2 - t0),
    }
    jahs_r = base.predict(Xe(Xr[: min(len(Xr), 20000)])).reshape(-1, E)
    real_monotone = np.all(np.diff(mean_curve, axis=1) >= 0, axis=1)
    cum = cost.elapsed(np.random.default_rng(1).uniform(1, 500, size=args.n_random))
    monotone = {
        "random_architectures": args.n_random,
        "curve_model_violations": int(np.sum(np.any(np.diff(mean_r, axis=1) < 0, axis=1))),
        "jahs_xgb_violations_of_20000": int(np.sum(np.any(np.diff(jahs_r, axis=1) < 0, axis=1))),
        "cost_violations": int(np.sum(np.any(np.diff(cum, axis=1) <= 0, axis=1))),
        "real_seed_mean_curves_monotone_share": float(real_monotone.mean()),
    }

    multi_te = te[inverse] & (counts[inverse] >= 2)
    coverage = {}
    if multi_te.any():
        dev = table.runs[multi_te] - mean_curve[inverse[multi_te]]
        # a seed mean of k runs is nearer each run than the true mean: deviations shrink by (k-1)/k
        k_seeds = counts[inverse[multi_te]][:, None]
        sd = np.sqrt(np.diag(noise.cov))[None, :] * np.sqrt((k_seeds - 1) / k_seeds)
        coverage = {
            "held_out_runs": int(multi_te.sum()),
            "cov68": float(np.mean(np.abs(dev) <= 0.9945 * sd)),
            "cov95": float(np.mean(np.abs(dev) <= 1.96 * sd)),
            "seed_std_per_epoch": np.sqrt(np.diag(noise.cov)).tolist(),
        }
    result = {
        "roots": args.roots,
        "epochs": E,
        "architectures": n_arch,
        "evaluations": int(len(inverse)),
        "test_architectures": int(te.sum()),
        "rank": model.basis.shape[0],
        "per_epoch": per_epoch,
        "monotonicity": monotone,
        "noise_coverage": coverage,
        "speed": speed,
        "epoch_train_share": cost.train_share.tolist(),
        "epoch_eval_seconds": cost.eval_seconds.tolist(),
    }
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(
        f"{n_arch} architectures ({int(te.sum())} held out), {len(inverse)} runs, {E} epochs, rank {model.basis.shape[0]}"
    )
    print(
        f"{'epoch':>5}  {'model (true final)':>19}  {'model (LGB final)':>18}  {'JAHS-style XGB':>15}  {'rho(k,final) real/model/jahs':>30}"
    )
    for k, row in per_epoch.items():
        cells = [
            f"{row[n]['r2']:6.2f} / {row[n]['kendall_tau']:5.2f}"
            for n in ("curve_model_shape", "curve_model_full", "jahs_xgb")
        ]
        s = row["spearman_with_final"]
        print(
            f"{k:>5}  {cells[0]:>19}  {cells[1]:>18}  {cells[2]:>15}  "
            f"{s['real']:8.2f} {s['curve_model_full']:6.2f} {s['jahs_xgb']:6.2f}"
        )
    print("(R² / Kendall τ against held-out seed-mean curves)")
    print(f"monotonicity: {monotone}")
    print(
        f"whole curves per second, batched ({args.n_random}): curve model {speed['curves_per_second_curve_model']:,.0f}; "
        f"with features and the final-epoch model {speed['curves_per_second_with_features_and_final_model']:,.0f}"
    )
    if coverage:
        print(
            f"noise coverage of held-out seeds (68% / 95%): {coverage['cov68']:.3f} / {coverage['cov95']:.3f} "
            f"over {coverage['held_out_runs']} runs"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
