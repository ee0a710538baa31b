"""Give an existing benchmark the feature-distance OOD detector, without refitting any model.

The detector (:class:`surrogate.novelty.NearestNeighbours`) is fit on the training rows of the
benchmark's recorded split of the data it was fit on (the fingerprint must match) and calibrated to
flag 1% of its test split (:func:`surrogate.assemble.add_novelty`). Benchmarks assembled since it
was added have it already.

    python scripts/add_novelty.py checkpoints/default training_data/fmnist/default.parquet
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("benchmark", help="benchmark directory")
    p.add_argument("data", help="the Dataset Parquet the benchmark was fit on")
    args = p.parse_args(argv)

    from surrogate.assemble import add_novelty
    from surrogate.data import Dataset

    add_novelty(args.benchmark, Dataset.read_parquet(args.data))
    spec = json.loads((Path(args.benchmark) / "benchmark.json").read_text())
    print(json.dumps(spec["novelty"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
