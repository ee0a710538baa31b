"""Sample architectures uniformly from the DARTS space and print them.

Examples
--------
  surrogate sample -n 3 --seed 0
  surrogate sample -n 100 --seed 1 --json > archs.json
"""

from __future__ import annotations

import argparse
import json

NAME = "sample"
HELP = "sample architectures uniformly from the DARTS space"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", type=int, default=5, help="how many architectures")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--json", action="store_true", help="print JSON (string, hash, config) instead of text")


def run(args: argparse.Namespace) -> int:
    from surrogate.space import arch_hash, sample

    archs = sample(args.n, rng=args.seed)
    if args.json:
        rows = [{"genotype": str(g), "hash": arch_hash(g), "config": g.to_config()} for g in archs]
        print(json.dumps(rows, indent=2))
    else:
        for g in archs:
            print(arch_hash(g), g)
    return 0
