"""Is seed noise a function of the architecture? Measured on the multi-seed architectures of a data set.

For every architecture with at least ``--min-seeds`` seeds, the seed std of validation accuracy.
Then:

- heterogeneity: the spread (std) of those per-architecture stds against the spread expected if
  every architecture had the same seed noise (simulated with the pooled std and the same seed
  counts; a 90% interval). Observed inside the interval = no evidence that noise depends on the
  architecture;
- Spearman of the per-architecture std with the mean accuracy, the parameter count and the number
  of parameter-free operations in the normal cell (what a noise model could condition on).

    python scripts/seed_noise.py training_data/fmnist/default.parquet
    python scripts/seed_noise.py training_data/fmnist/pilot2/pilot2-f14-c8l5-n15k-e3 --json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def _read(path: Path):
    from surrogate.data import Dataset, read_nb301

    if path.is_dir():
        return read_nb301(path)[0]
    return Dataset.read_parquet(path)


def analyse(ds, min_seeds: int = 2, n_sim: int = 2000, seed: int = 0) -> dict:
    from scipy.stats import spearmanr

    from surrogate.space import parse

    hashes = ds.column("arch_hash")
    val = ds.column("val_accuracy").astype(float)
    params = ds.column("params").astype(float)
    archs = ds.column("arch")
    groups: dict[str, list[int]] = {}
    for i, h in enumerate(hashes):
        groups.setdefault(h, []).append(i)
    multi = [ix for ix in groups.values() if len(ix) >= min_seeds]
    if len(multi) < 3:
        raise ValueError(f"need at least 3 architectures with >= {min_seeds} seeds, found {len(multi)}")
    sd = np.array([val[ix].std(ddof=1) for ix in multi])
    n = np.array([len(ix) for ix in multi])
    pooled = float(np.sqrt(np.sum((n - 1) * sd**2) / np.sum(n - 1)))
    gen = np.random.default_rng(seed)
    sims = np.array([np.std([gen.normal(0, pooled, k).std(ddof=1) for k in n]) for _ in range(n_sim)])
    free = {"skip_connect", "max_pool_3x3", "avg_pool_3x3"}
    n_free = np.array([sum(op in free for op, _ in parse(archs[ix[0]]).normal) for ix in multi])
    mean = np.array([val[ix].mean() for ix in multi])
    p = np.array([params[ix[0]] for ix in multi])

    def rho(x: np.ndarray) -> dict:
        r = spearmanr(sd, x)
        return {"rho": float(r.statistic), "p": float(r.pvalue)}

    lo, hi = np.percentile(sims, [5, 95])
    return {
        "architectures": len(multi),
        "seeds_per_architecture": float(n.mean()),
        "pooled_seed_std": pooled,
        "std_of_seed_std": {
            "observed": float(sd.std()),
            "homogeneous_90": [float(lo), float(hi)],
            "heterogeneous": bool(sd.std() > hi),
        },
        "spearman_seed_std_with": {"mean_accuracy": rho(mean), "params": rho(p), "free_ops_normal": rho(n_free)},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="a result tree or a Dataset Parquet file")
    ap.add_argument("--min-seeds", type=int, default=2, help="seeds an architecture needs (default: %(default)s)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args(argv)
    res = analyse(_read(args.data), args.min_seeds)
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    h = res["std_of_seed_std"]
    print(
        f"{res['architectures']} architectures, {res['seeds_per_architecture']:.1f} seeds each, "
        f"pooled seed std {res['pooled_seed_std']:.3f}"
    )
    print(
        f"std of the per-architecture seed std: {h['observed']:.3f} (homogeneous noise: "
        f"{h['homogeneous_90'][0]:.3f}-{h['homogeneous_90'][1]:.3f}) -> "
        f"{'depends on the architecture' if h['heterogeneous'] else 'no evidence it depends on the architecture'}"
    )
    for k, v in res["spearman_seed_std_with"].items():
        print(f"Spearman(seed std, {k}) = {v['rho']:+.2f} (p = {v['p']:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
