"""The main job: query the shipped benchmark and run a short NAS on it.

Predicts well-known cells (the DARTS paper's cells, two extremes) and a few random ones with
mean ± std, a noisy sample, runtime, params, FLOPs and the out-of-distribution flag; then runs
regularized evolution against random search on the benchmark, prints a table and writes the
trajectory plot. Takes well under a minute on 2 CPU cores.

Examples
--------
  surrogate demo
  surrogate demo --benchmark checkpoints/default --out runs/demo --json
"""

from __future__ import annotations

import argparse
import json
import time

NAME = "demo"
HELP = "query the shipped benchmark and run a short NAS on it (the main job)"
RAW_HELP = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--benchmark", help="benchmark directory (default: the shipped checkpoints/default)")
    p.add_argument("--out", default="runs/demo", help="folder for the trajectory plot and files (default: %(default)s)")
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the random cells, the noise and the searches (default: %(default)s)",
    )
    p.add_argument(
        "--random", type=int, default=3, help="random cells to query besides the known ones (default: %(default)s)"
    )
    p.add_argument("--queries", type=int, default=150, help="query budget of each search run (default: %(default)s)")
    p.add_argument("--repeats", type=int, default=3, help="search runs per optimizer (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")


def run(args: argparse.Namespace) -> int:
    import surrogate
    from surrogate.nas import Budget, search
    from surrogate.space import KNOWN, sample

    t0 = time.perf_counter()
    bench = surrogate.load(args.benchmark)
    names = list(KNOWN) + [f"random_{i}" for i in range(args.random)]
    archs = list(KNOWN.values()) + sample(args.random, rng=args.seed)
    q = bench.query(archs, seed=args.seed)
    rows = [
        {
            "cell": n,
            "mean": float(q.mean[i]),
            "std": float(q.std[i]),
            "sample": float(q.sample[i]),
            "runtime_s": float(q.runtime[i]),
            "params": int(q.params[i]),
            "flops": int(q.flops[i]),
            "ood": bool(q.ood[i]),
            "genotype": str(archs[i]),
        }
        for i, n in enumerate(names)
    ]
    result = search(
        bench,
        ["re", "rs"],
        budget=Budget(queries=args.queries),
        repeats=args.repeats,
        seed=args.seed,
        out=args.out,
        progress=not args.json,
    )
    seconds = time.perf_counter() - t0
    fid = bench.spec.get("fidelity", {})
    if args.json:
        print(
            json.dumps(
                {
                    "benchmark": str(bench.path),
                    "fidelity": fid,
                    "cells": rows,
                    "search": result.to_dict(),
                    "seconds": seconds,
                },
                indent=2,
            )
        )
        return 0
    print(
        f"benchmark: {bench.path}  (data: {bench.spec['data']['rows']} real evaluations on "
        f"Fashion-MNIST, fidelity {fid.get('name', '?')}; default accuracy model "
        f"{bench.default_model('val_accuracy')})"
    )
    print(f"\n{'cell':<20}{'val acc %':>16}{'noisy':>8}{'runtime s':>11}{'params':>9}{'MFLOPs':>8}  OOD")
    for r in rows:
        print(
            f"{r['cell']:<20}{r['mean']:>9.2f} ± {r['std']:<4.2f}{r['sample']:>8.2f}{r['runtime_s']:>11.1f}"
            f"{r['params']:>9}{r['flops'] / 1e6:>8.2f}  {'yes' if r['ood'] else 'no'}"
        )
    print(f"\nNAS on the benchmark: {args.repeats} runs per optimizer, {args.queries} queries each")
    print(f"{'optimizer':<10}{'final acc (noisy)':>20}{'final mean acc':>16}{'regret':>9}")
    for s in result.summary:
        print(
            f"{s.optimizer:<10}{s.final_accuracy_mean:>13.2f} ± {s.final_accuracy_std:<4.2f}"
            f"{s.final_mean_accuracy:>16.2f}{s.final_regret_mean:>9.3f}"
        )
    if "plot" in result.files:
        print(f"\ntrajectory plot: {result.files['plot']}")
    print(f"done in {seconds:.1f} s")
    return 0
