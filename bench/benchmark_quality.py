"""Does a DARTS benchmark behave like a NAS benchmark? The data issue's figures, measured.

For a benchmark folder and the Dataset it was fit on (``scripts/build_default.py`` writes both):

- the data: evaluations and architectures per source; the ICC of one run with its 90% bootstrap
  interval and the reliability of the k-seed mean, on the uniform architectures only (sources
  ``--uniform``; corner or skewed cells would inflate it); Spearman(val_accuracy, params) over
  the uniform architectures' seed means;
- each accuracy model on the benchmark's own test split: R² and Kendall τ against single-seed
  targets (every row) and against the seed means (one value per architecture);
- the corner cells (``surrogate.space.CORNERS``) trained for real at the benchmark's fidelity
  (``--corners``: a result tree with their evaluations, never fit on): real seed mean, predicted
  mean, and the share of ``--n-rank`` uniform architectures each is predicted above; whether the
  parameter-free corners are predicted below DARTS_V1, DARTS_V2 and the uniform median;
- the spread of predicted means over ``--n`` uniform architectures (p95 - p5) against the seed
  std the benchmark's noise uses.

    python bench/benchmark_quality.py                         # the shipped default and its data
    python bench/benchmark_quality.py --benchmark DIR --data TABLE.parquet --corners training_data/fmnist/pilot2/FIDELITY --json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def data_figures(ds, uniform: tuple[str, ...]) -> dict:
    """Counts by source; ICC (90% CI), k-seed reliability and Spearman(val, params) on uniform cells."""
    from surrogate.generate import icc1, icc1_bootstrap, reliability
    from surrogate.metrics import spearman

    hashes, sources = ds.column("arch_hash"), ds.column("source")
    val = ds.column("val_accuracy").astype(float)
    params = ds.column("params").astype(float) if "params" in ds.columns else np.full(len(ds), np.nan)
    per_source = {
        str(s): {"evaluations": int((sources == s).sum()), "architectures": int(len(np.unique(hashes[sources == s])))}
        for s in np.unique(sources)
    }
    mask = np.isin(sources, uniform)
    uniq, inverse, counts = np.unique(hashes[mask], return_inverse=True, return_counts=True)
    groups = [val[mask][inverse == i] for i in range(len(uniq))]
    multi = [g for g in groups if len(g) >= 2]
    icc = icc1(multi)
    lo, hi = icc1_bootstrap(multi)
    k = int(np.median([len(g) for g in multi])) if multi else 1
    means = np.array([g.mean() for g in groups])
    arch_params = np.array([params[mask][inverse == i][0] for i in range(len(uniq))])
    finite = np.isfinite(arch_params)
    _, all_counts = np.unique(hashes, return_counts=True)
    return {
        "evaluations": int(len(ds)),
        "architectures": int(len(np.unique(hashes))),
        "architectures_with_3_or_more_seeds": int((all_counts >= 3).sum()),
        "per_source": per_source,
        "uniform_sources": list(uniform),
        "uniform_architectures": int(len(uniq)),
        "uniform_multi_seed_architectures": int(len(multi)),
        "icc": icc,
        "icc_90ci": [lo, hi],
        "seeds_per_architecture": k,
        "reliability_of_k_seed_mean": reliability(icc, k) if np.isfinite(icc) else float("nan"),
        "seed_std": float(np.sqrt(np.mean([g.var(ddof=1) for g in multi]))) if multi else float("nan"),
        "spearman_val_params": spearman(means[finite], arch_params[finite]) if finite.sum() > 2 else float("nan"),
    }


def model_figures(bench, ds) -> dict:
    """Test R²/τ of each accuracy model against single seeds and against seed means."""
    from surrogate.fit import split_indices
    from surrogate.metrics import kendall_tau, r2

    split = bench.spec["split"]
    (_, _, test), _ = split_indices(ds, tuple(split["fractions"]), split["seed"])
    archs = ds.take(test).architectures()
    y = ds.column("val_accuracy").astype(float)[test]
    hashes = ds.column("arch_hash")[test]
    uniq, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    y_mean = np.array([y[inverse == i].mean() for i in range(len(uniq))])
    out = {}
    for name, entry in bench.models.items():
        if entry["target"] != "val_accuracy":
            continue
        pred = np.asarray(bench.predict(archs, model=name), dtype=float)
        out[name] = {
            "test_rows": int(len(test)),
            "test_architectures": int(len(uniq)),
            "single_seed": {"r2": r2(y, pred), "kendall_tau": kendall_tau(y, pred)},
            "seed_mean": {"r2": r2(y_mean, pred[first]), "kendall_tau": kendall_tau(y_mean, pred[first])},
        }
    return out


def noise_figures(bench, ds, n_draws: int = 200) -> dict:
    """How the benchmark's seed noise compares with real seeds, on the test split's multi-seed
    architectures (never fit on).

    - ``seed_model``: each real run's deviation from its architecture's seed mean, in units of the
      noise the benchmark adds (``seed_std``, scaled by sqrt((k-1)/k) for a mean of k runs):
      the share within 1 and 1.96 units (68% and 95% if the noise model is right);
    - ``noisy_predictions``: ``n_draws`` draws of ``predict(with_noise=True, seed=s)`` per
      architecture (the benchmark's stand-in for "train it once more"): the share of real runs
      inside the draws' central 68% and 95% intervals. This adds the surrogate's own error to the
      seed noise, so it is what a user of noisy queries meets.
    """
    from surrogate.fit import split_indices

    split = bench.spec["split"]
    (_, _, test), _ = split_indices(ds, tuple(split["fractions"]), split["seed"])
    hashes = ds.column("arch_hash")[test]
    y = ds.column("val_accuracy").astype(float)[test]
    uniq, first, inverse, counts = np.unique(hashes, return_index=True, return_inverse=True, return_counts=True)
    multi = counts[inverse] >= 2
    sd = float(bench.spec["noise"]["val_accuracy"]["seed_std"])
    mean = np.bincount(inverse, y) / counts
    k = counts[inverse]
    z = (y - mean[inverse]) / (sd * np.sqrt((k - 1) / k))
    archs = ds.take(test[first]).architectures()
    draws = np.stack([np.asarray(bench.predict(archs, with_noise=True, seed=s), dtype=float) for s in range(n_draws)])
    lo68, hi68, lo95, hi95 = np.quantile(draws, [0.16, 0.84, 0.025, 0.975], axis=0)
    a = inverse[multi]
    ym = y[multi]
    return {
        "seed_std": sd,
        "architectures": int((counts >= 2).sum()),
        "runs": int(multi.sum()),
        "seed_model": {
            "within_1": float((np.abs(z[multi]) <= 1).mean()),
            "within_1.96": float((np.abs(z[multi]) <= 1.96).mean()),
            "real_seed_std": float(np.sqrt(np.sum((y[multi] - mean[a]) ** 2) / np.sum(counts[counts >= 2] - 1))),
        },
        "noisy_predictions": {
            "draws": n_draws,
            "within_68": float(((ym >= lo68[a]) & (ym <= hi68[a])).mean()),
            "within_95": float(((ym >= lo95[a]) & (ym <= hi95[a])).mean()),
        },
    }


def corner_figures(bench, corners_root: Path | None, uniform_pred: np.ndarray) -> dict:
    """Real and predicted accuracy of each corner cell, and its predicted rank among uniform cells."""
    from surrogate.space import CORNERS, arch_hash, degenerate_ranked_low

    real: dict[str, list[float]] = {}
    if corners_root is not None and corners_root.is_dir():
        from surrogate.data import read_nb301

        ds, _ = read_nb301(corners_root, progress=False)
        by_hash: dict[str, list[float]] = {}
        for h, v in zip(ds.column("arch_hash").tolist(), ds.column("val_accuracy").astype(float).tolist()):
            by_hash.setdefault(h, []).append(v)
        real = {name: by_hash[arch_hash(g)] for name, g in CORNERS.items() if arch_hash(g) in by_hash}
    pred = np.asarray(bench.predict(list(CORNERS.values())), dtype=float)
    median = float(np.median(uniform_pred))
    rows = {}
    for (name, _), p in zip(CORNERS.items(), pred):
        rows[name] = {
            "real_mean": float(np.mean(real[name])) if name in real else None,
            "real_seeds": len(real.get(name, [])),
            "predicted": float(p),
            "predicted_above_uniform": float((uniform_pred < p).mean()),
        }
    return {
        "cells": rows,
        "uniform_median_predicted": median,
        "degenerate_below_darts_and_median": degenerate_ranked_low(
            {n: r["predicted"] for n, r in rows.items()}, median
        ),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--benchmark", default=str(ROOT / "checkpoints/default"), help="benchmark folder (default: %(default)s)"
    )
    p.add_argument(
        "--data",
        help="the Dataset Parquet the benchmark was fit on "
        "(default: training_data/fmnist/<the benchmark's fidelity name>.parquet)",
    )
    p.add_argument(
        "--corners",
        help="result tree with the corner cells' evaluations at the benchmark's fidelity "
        "(default: training_data/fmnist/pilot2/<the benchmark's fidelity name> if it exists)",
    )
    p.add_argument("--uniform", default="rs,pilot", help="sources of uniform samples (default: %(default)s)")
    p.add_argument("--n", type=int, default=10_000, help="uniform architectures for the spread (default: %(default)s)")
    p.add_argument(
        "--n-rank", type=int, default=1_000, help="uniform architectures to rank corners among (default: %(default)s)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the uniform samples (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)

    import surrogate
    from surrogate.data import Dataset
    from surrogate.space import sample

    bench = surrogate.load(args.benchmark)
    fid = (bench.spec.get("fidelity") or {}).get("name")
    ds = Dataset.read_parquet(args.data or ROOT / f"training_data/fmnist/{fid}.parquet")
    corners = Path(args.corners) if args.corners else (ROOT / "training_data/fmnist/pilot2" / fid if fid else None)
    uniform = np.asarray(bench.predict(sample(args.n, rng=args.seed)), dtype=float)
    seed_std = float(bench.spec["noise"]["val_accuracy"]["seed_std"])
    spread = float(np.quantile(uniform, 0.95) - np.quantile(uniform, 0.05))
    result = {
        "benchmark": args.benchmark,
        "fidelity": fid,
        "data": data_figures(ds, tuple(args.uniform.split(","))),
        "models": model_figures(bench, ds),
        "noise": noise_figures(bench, ds),
        "corners": corner_figures(bench, corners, uniform[: args.n_rank]),
        "spread": {"n": args.n, "p95_minus_p5": spread, "seed_std": seed_std, "ratio": spread / seed_std},
    }
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    d = result["data"]
    print(
        f"{args.benchmark} (fidelity {fid}): {d['evaluations']} evaluations, {d['architectures']} architectures, "
        f"{d['architectures_with_3_or_more_seeds']} with 3+ seeds"
    )
    for s, c in d["per_source"].items():
        print(f"  {s:<8} {c['evaluations']:>5} evaluations  {c['architectures']:>4} architectures")
    print(
        f"uniform ({','.join(d['uniform_sources'])}: {d['uniform_architectures']} archs, {d['uniform_multi_seed_architectures']} multi-seed): "
        f"ICC {d['icc']:.2f} ({d['icc_90ci'][0]:.2f}-{d['icc_90ci'][1]:.2f}), reliability of the "
        f"{d['seeds_per_architecture']}-seed mean {d['reliability_of_k_seed_mean']:.2f}, seed std {d['seed_std']:.2f}, "
        f"Spearman(val, params) {d['spearman_val_params']:+.2f}"
    )
    for name, m in result["models"].items():
        s, a = m["single_seed"], m["seed_mean"]
        print(
            f"{name:<20} test ({m['test_rows']} rows, {m['test_architectures']} archs): single seed R2 {s['r2']:.3f} tau {s['kendall_tau']:.3f}"
            f" | seed mean R2 {a['r2']:.3f} tau {a['kendall_tau']:.3f}"
        )
    nz = result["noise"]
    print(
        f"seed noise on the test split's {nz['architectures']} multi-seed archs ({nz['runs']} runs): real seed std "
        f"{nz['seed_model']['real_seed_std']:.2f} vs the benchmark's {nz['seed_std']:.2f}; real runs within 1 / 1.96 noise sd of "
        f"their mean {nz['seed_model']['within_1']:.0%} / {nz['seed_model']['within_1.96']:.0%} (68% / 95% if right); "
        f"inside the central 68% / 95% of {nz['noisy_predictions']['draws']} noisy predictions "
        f"{nz['noisy_predictions']['within_68']:.0%} / {nz['noisy_predictions']['within_95']:.0%}"
    )
    c = result["corners"]
    print(
        f"corner cells (predicted above x% of {args.n_rank} uniform; uniform median {c['uniform_median_predicted']:.2f}):"
    )
    for name, r in c["cells"].items():
        real = f"{r['real_mean']:.2f} ({r['real_seeds']} seeds)" if r["real_mean"] is not None else "-"
        print(f"  {name:<22} real {real:<16} predicted {r['predicted']:.2f}  above {r['predicted_above_uniform']:.1%}")
    for name, ok in c["degenerate_below_darts_and_median"].items():
        print(f"  {name} below darts_v1/v2 and the uniform median: {'yes' if ok else 'NO'}")
    sp = result["spread"]
    print(
        f"spread of predicted means over {sp['n']:,} uniform: p95-p5 {sp['p95_minus_p5']:.2f} = {sp['ratio']:.2f}x the seed std {sp['seed_std']:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
