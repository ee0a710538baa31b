"""Sample architectures from the DARTS space and print them, one per line.

Each line is the Genotype string followed by `# <arch hash>`, so the output feeds
`surrogate query --file` (and `generate --archs` takes the --json form).

Examples
--------
  surrogate sample -n 3 --seed 0
  surrogate sample -n 20 --sampler skewed > archs.txt && surrogate query --file archs.txt
  surrogate sample -n 100 --seed 1 --json > archs.json
"""

from __future__ import annotations

import argparse
import json

NAME = "sample"
HELP = "sample architectures from the DARTS space (uniform or skewed)"
RAW_HELP = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", type=int, default=5, help="how many architectures (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.add_argument(
        "--sampler",
        choices=("uniform", "skewed"),
        default="uniform",
        help="uniform, or skewed towards parameter-free/conv-heavy, deep/wide cells (default: %(default)s)",
    )
    p.add_argument("--json", action="store_true", help="print JSON (string, hash, config) instead of text")


def run(args: argparse.Namespace) -> int:
    from surrogate.space import arch_hash, sample, sample_skewed

    archs = (sample if args.sampler == "uniform" else sample_skewed)(args.n, rng=args.seed)
    if args.json:
        rows = [{"genotype": str(g), "hash": arch_hash(g), "config": g.to_config()} for g in archs]
        print(json.dumps(rows, indent=2))
    else:
        for g in archs:
            print(f"{g}  # {arch_hash(g)}")
    return 0
