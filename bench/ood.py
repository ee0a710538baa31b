"""Which out-of-distribution detector fires on cells unlike the training data: measured rates.

Two detectors, each calibrated to flag 1% of held-out architectures drawn like the training data
(uniform samples), then applied to architectures unlike it:

- ``std``: the benchmark's ensemble standard deviation above its threshold (what ``query`` flags);
- ``knn``: the mean distance to the ``k`` nearest training architectures in the tree feature space
  (:func:`surrogate.encode.features`, standardised on the training rows;
  :class:`surrogate.novelty.NearestNeighbours`).

A third column, ``shipped``, is ``query().ood`` as the benchmark ships it (its own detector and
threshold, calibrated on its held-out split). Reported: the share flagged among fresh uniform samples (should stay near 1%), skewed samples
(:func:`surrogate.space.sample_skewed`), the skewed samples with 6 or more parameter-free normal
edges, and each corner cell (:data:`surrogate.space.CORNERS`).

    python bench/ood.py                                   # the shipped default and its data
    python bench/ood.py --benchmark DIR --data PARQUET --json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--benchmark", help="benchmark directory (default: the shipped default)")
    p.add_argument(
        "--data",
        help="the Dataset the benchmark was fit on "
        "(default: training_data/fmnist/<the benchmark's fidelity name>.parquet)",
    )
    p.add_argument("--n", type=int, default=2000, help="samples per group (default: %(default)s)")
    p.add_argument("--k", type=int, default=5, help="neighbours of the knn detector (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the samples (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print JSON")
    args = p.parse_args(argv)

    import surrogate
    from surrogate.data import Dataset
    from surrogate.encode import features
    from surrogate.novelty import NearestNeighbours
    from surrogate.space import CORNERS, DEGENERATE, sample, sample_skewed
    from surrogate.space._skewed import FREE_OPS

    bench = surrogate.load(args.benchmark)
    fid = (bench.spec.get("fidelity") or {}).get("name")
    train = Dataset.read_parquet(args.data or ROOT / "training_data" / "fmnist" / f"{fid}.parquet").genotypes()
    calib = sample(args.n, rng=[args.seed, 1])
    knn = NearestNeighbours.fit(features(train), features(calib), k=args.k)

    def knn_score(archs: list) -> np.ndarray:
        return knn.score(features(archs))

    def std_score(archs: list) -> np.ndarray:
        return np.asarray(bench.query(archs, seed=0).std, dtype=float)

    groups = {
        "uniform (fresh)": sample(args.n, rng=[args.seed, 2]),
        "skewed": sample_skewed(args.n, rng=[args.seed, 3]),
    }
    groups["skewed, >= 6 free normal edges"] = [
        g for g in groups["skewed"] if sum(op in FREE_OPS for op, _ in g.normal) >= 6
    ]

    def shipped_flag(archs: list) -> np.ndarray:
        return np.asarray(bench.query(archs, seed=0).ood, dtype=float)

    detectors = {"std": std_score, "knn": knn_score, "shipped": shipped_flag}
    threshold = {name: float(np.quantile(f(calib), 0.99)) for name, f in detectors.items() if name != "shipped"}
    threshold["shipped"] = 0.5  # query().ood as it is shipped, with its own threshold
    rates = {
        name: {g: float((f(archs) > threshold[name]).mean()) for g, archs in groups.items()}
        for name, f in detectors.items()
    }
    corners = {
        name: {c: bool(f([g])[0] > threshold[name]) for c, g in CORNERS.items()} for name, f in detectors.items()
    }
    result = {
        "n": args.n,
        "k": args.k,
        "thresholds": threshold,
        "flag_rate": rates,
        "corner_flagged": corners,
        "degenerate": list(DEGENERATE),
        "sizes": {g: len(a) for g, a in groups.items()},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"share flagged (std, knn: threshold at 1% of {args.n} fresh uniform samples; shipped: query().ood)")
    print(f"{'group':<34}" + "".join(f"{d:>9}" for d in detectors))
    for g in groups:
        print(f"{g:<34}" + "".join(f"{100 * rates[d][g]:>8.1f}%" for d in detectors))
    print(f"{'corner cell':<34}" + "".join(f"{d:>9}" for d in detectors))
    for c in CORNERS:
        print(f"{c:<34}" + "".join(f"{'yes' if corners[d][c] else 'no':>9}" for d in detectors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
