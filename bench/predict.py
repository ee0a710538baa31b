"""How fast the benchmark answers: single-architecture latency, batched throughput, memory, and the
same work done the naive way (one architecture at a time, each member one row at a time, as
NAS-Bench-301's API does), reported as a ratio measured in the same run.

Batched throughput is measured twice: from Genotype strings (parse from text + encode + every
member) and from Genotype objects, which is what NAS optimizers hold and pass (validation is then a
set look-up per cell, so encode + members dominate).

Each model is measured in a fresh subprocess so its peak memory is its own.

    python bench/predict.py                       # every model of the shipped default
    python bench/predict.py --benchmark DIR --json
    python bench/predict.py --sizes 10000 --single 200 --naive 200   # quicker
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time


def measure(benchmark: str | None, model: str, sizes: list[int], n_single: int, n_naive: int) -> dict:
    import numpy as np

    import surrogate
    from surrogate.fit import encode
    from surrogate.space import parse, sample

    bench = surrogate.load(benchmark)
    target = bench.models[model]["target"]
    call = (lambda a: bench.predict(a, model=model)) if target == "val_accuracy" else bench.predict_runtime
    pool = [str(g) for g in sample(max(sizes + [n_single, n_naive]), rng=0)]
    call(pool[0])  # load the model, warm caches
    times = []
    for s in pool[:n_single]:
        t = time.perf_counter()
        call(s)
        times.append(time.perf_counter() - t)
    out = {"model": model, "target": target, "family": bench.models[model]["family"],
           "single_ms_median": 1e3 * statistics.median(times),
           "single_ms_p90": 1e3 * float(np.quantile(times, 0.9))}
    for n in sizes:
        t = time.perf_counter()
        call(pool[:n])
        dt = time.perf_counter() - t
        out[f"batch_{n}_archs_per_s"] = n / dt
    objs = parse(pool[:max(sizes)])
    for n in sizes:
        t = time.perf_counter()
        call(objs[:n])
        out[f"batch_{n}_genotypes_archs_per_s"] = n / (time.perf_counter() - t)
    # naive: parse and encode one architecture at a time, every member one row at a time
    ensemble, _, space = bench._model(model)
    kind = ensemble.model_class.input_kind
    t = time.perf_counter()
    for s in pool[:n_naive]:
        X = encode(space, [parse(s)], kind)
        prepared = ensemble.model_class.prepare(X, "X")
        preds = [m.predict(prepared) for m in ensemble.members_]
        float(np.mean(preds)), float(np.std(preds))
    out["naive_archs_per_s"] = n_naive / (time.perf_counter() - t)
    best = max(out[f"batch_{n}_archs_per_s"] for n in sizes)  # from strings, like the naive loop
    out["speedup_vs_naive"] = best / out["naive_archs_per_s"]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["members"] = len(ensemble.members_)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--benchmark", help="benchmark directory (default: the shipped checkpoints/default)")
    p.add_argument("--models", nargs="*", help="model names (default: all)")
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="batch sizes (default: %(default)s)")
    p.add_argument("--single", type=int, default=1000, help="single-architecture calls (default: %(default)s)")
    p.add_argument("--naive", type=int, default=500, help="architectures for the naive loop (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(measure(args.benchmark, args.worker, args.sizes, args.single, args.naive)))
        return 0
    import surrogate

    bench = surrogate.load(args.benchmark)
    rows = []
    for name in args.models or sorted(bench.models):
        cmd = [sys.executable, __file__, "--worker", name, "--sizes", *map(str, args.sizes),
               "--single", str(args.single), "--naive", str(args.naive)]
        if args.benchmark:
            cmd += ["--benchmark", args.benchmark]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            print(res.stderr, file=sys.stderr)
            return 1
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
        if not args.json:
            r = rows[-1]
            batch = "  ".join(f"{n // 1000}k: {r[f'batch_{n}_archs_per_s']:,.0f}/s "
                              f"({r[f'batch_{n}_genotypes_archs_per_s']:,.0f}/s from Genotypes)" for n in args.sizes)
            print(f"{r['model']:<22} members={r['members']:<3} single {r['single_ms_median']:.2f} ms (p90 "
                  f"{r['single_ms_p90']:.2f})  batched {batch}  naive {r['naive_archs_per_s']:,.0f}/s  "
                  f"x{r['speedup_vs_naive']:.0f}  peak {r['peak_rss_mb']:.0f} MB", flush=True)
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
