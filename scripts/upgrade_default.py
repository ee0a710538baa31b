"""Re-write a benchmark built before checkpoint format 2 (the shipped checkpoints/default) without refitting.

Every checkpoint is verified by format 1's rules and the new ones (every file listed and hashed,
member count, seeds, calibration), then its manifest is re-written as format 2 with its own
checksum beside it (``surrogate.checkpoint.upgrade_checkpoint``; the member files are untouched).
``benchmark.json`` gets the new manifest checksums and each target's seed noise measured the way
``surrogate.assemble`` now measures it, on the rows with a finite value (the shipped file held
``"seed_std": NaN`` for ``train_time``: the training times blanked as wall-clock measurements went
into the estimate). The result is loaded and checked as users load it.

    python scripts/upgrade_default.py                      # checkpoints/default in place
    python scripts/upgrade_default.py --benchmark DIR --data TABLE.parquet
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--benchmark", default=str(ROOT / "checkpoints/default"), help="benchmark directory (default: %(default)s)"
    )
    p.add_argument(
        "--data",
        default=str(ROOT / "training_data/fmnist/default.parquet"),
        help="the Dataset Parquet the benchmark was fit on (default: %(default)s)",
    )
    args = p.parse_args()

    import surrogate
    from surrogate.assemble import pooled_seed_std
    from surrogate.benchmark_spec import BENCHMARK_FILE, check_spec
    from surrogate.checkpoint import load_checkpoint, upgrade_checkpoint
    from surrogate.data import Dataset
    from surrogate.metrics import report_to_json

    bench = Path(args.benchmark)
    spec_path = bench / BENCHMARK_FILE
    spec = json.loads(spec_path.read_text())
    dataset = Dataset.read_parquet(args.data)
    if dataset.fingerprint() != spec["data"]["fingerprint"]:
        raise SystemExit(f"{args.data} is not the data {bench} was fit on (fingerprints differ)")
    for name, entry in spec["models"].items():
        folder = bench / entry["dir"]
        print(f"{name}: {'upgraded' if upgrade_checkpoint(folder) else 'already current'}")
        entry["manifest_sha256"] = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
        entry["test"] = report_to_json(entry.get("test", {}))
    for target, noise in spec["noise"].items():
        sd, n = pooled_seed_std(dataset, target)
        print(f"noise of {target}: seed_std {noise['seed_std']} -> {sd} over {n} multi-seed architectures")
        noise.update(
            seed_std=sd,
            n_multi_seed_architectures=n,
            how="pooled within-architecture std over the multi-seed subset (rows with a finite value)",
        )
    check_spec(spec, bench)
    spec_path.write_text(json.dumps(spec, indent=1, allow_nan=False))
    loaded = surrogate.load(bench)
    for entry in spec["models"].values():
        load_checkpoint(bench / entry["dir"])
    print(f"{bench}: loads and verifies ({sorted(loaded.models)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
