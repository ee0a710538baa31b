"""How fast the benchmark answers: single-architecture latency, batched throughput, memory, the old
query path and the naive loop, on the cores as they are and with a CPU-bound process beside it.

For every model of a benchmark, each measured in a fresh subprocess (so peak RSS is its own):

- single: ``predict(one Genotype string)`` latency, median and p90;
- batched: archs/s from strings (parse + encode + members) and from Genotype objects (what NAS
  optimizers hold), at each ``--sizes``; peak RSS after the largest batch;
- old: the pre-issue-12 path in the same process — ``fit.encode`` (torch_geometric ``Batch`` for
  the GIN), every member's own ``predict``, numpy mean/std, the caller's threads — single and
  batched (at ``--old-size``);
- naive: one architecture at a time, each member one row at a time (NAS-Bench-301's API), and
  the ratio of the batched throughput to it;
- trees: for LightGBM models the largest batch again on LightGBM's own predictor
  (``SURROGATE_TREE_KERNEL=0``), beside the compiled loop of ``surrogate/models/_forest.py``;
- one member: a one-member ensemble's single query beside the bare booster's one-thread call on a
  pre-encoded row (NAS-Bench-301 predicts one model per call like this).

``--busy`` repeats everything with a busy-loop subprocess started beside each worker;
``--parallel K`` runs K workers at once, each predicting ``--parallel-size`` architectures with
the default model, against one alone.

    python bench/predict.py                       # every model of the shipped default
    python bench/predict.py --busy --sizes 10000 100000 --single 500
    python bench/predict.py --models val_accuracy-gin --sizes 2000 --parallel 4
    python bench/predict.py --models --parallel 4 --parallel-size 100000   # the parallel figure only
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

BUSY = "while True: pass"


def _latency(call, items) -> tuple[float, float]:
    import numpy as np

    times = []
    for s in items:
        t = time.perf_counter()
        call(s)
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times), 1e3 * float(np.quantile(times, 0.9))


def _rate(call, items) -> float:
    t = time.perf_counter()
    call(items)
    return len(items) / (time.perf_counter() - t)


def measure(benchmark: str | None, model: str, sizes: list[int], n_single: int, n_naive: int, old_size: int) -> dict:
    import numpy as np

    import surrogate
    from surrogate.ensemble import Ensemble
    from surrogate.fit import encode
    from surrogate.space import parse, sample

    bench = surrogate.load(benchmark)
    target = bench.models[model]["target"]
    call = (lambda a: bench.predict(a, model=model)) if target == "val_accuracy" else bench.predict_runtime
    pool = [str(g) for g in sample(max(sizes + [n_single, n_naive, old_size]), rng=0)]
    objs = parse(pool)
    call(pool[0])  # load the model, warm caches
    ensemble, _, space = bench._model(model)
    kind = ensemble.model_class.input_kind
    out = {"model": model, "target": target, "family": bench.models[model]["family"], "members": len(ensemble.members_)}
    out["single_ms_median"], out["single_ms_p90"] = _latency(call, pool[:n_single])
    for n in sizes:
        out[f"batch_{n}_strings"] = _rate(call, pool[:n])
        out[f"batch_{n}_genotypes"] = _rate(call, objs[:n])
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if kind == "matrix" and out["family"] == "lgb":  # the same query on LightGBM's own predictor
        import os

        from surrogate.models._forest import ENV_VAR, kernel_enabled

        out["compiled_trees"] = kernel_enabled()
        os.environ[ENV_VAR] = "0"
        n = max(sizes)
        out["lightgbm_batch_genotypes"] = _rate(call, objs[:n])
        out["lightgbm_batch_strings"] = _rate(call, pool[:n])
        del os.environ[ENV_VAR]

    def old(archs):  # what Benchmark._mean_std did before issue 12
        X = encode(space, parse(archs), kind)
        preds = np.stack([m.predict(X) for m in ensemble.members_])
        return preds.mean(axis=0), preds.std(axis=0, ddof=1)

    old(pool[:2])
    out["old_single_ms_median"], out["old_single_ms_p90"] = _latency(lambda s: old([s]), pool[: max(20, n_single // 4)])
    out["old_batch_strings"] = _rate(old, pool[:old_size])
    out["old_batch_genotypes"] = _rate(old, objs[:old_size])
    t = time.perf_counter()
    for s in pool[:n_naive]:
        X = encode(space, [parse(s)], kind)
        prepared = ensemble.model_class.prepare(X, "X")
        preds = [m.predict(prepared) for m in ensemble.members_]
        float(np.mean(preds)), float(np.std(preds))
    out["naive_archs_per_s"] = n_naive / (time.perf_counter() - t)
    out["speedup_vs_naive"] = max(out[f"batch_{n}_strings"] for n in sizes) / out["naive_archs_per_s"]
    out["speedup_vs_old"] = max(out[f"batch_{n}_genotypes"] for n in sizes) / out["old_batch_genotypes"]
    if kind == "matrix":  # one member: the benchmark's query beside the bare booster, one thread
        one = Ensemble.from_members(ensemble.members_[:1])
        bench._loaded[model] = (one, *bench._loaded[model][1:])
        out["one_member_single_ms"], _ = _latency(call, objs[:n_single])
        bench._loaded[model] = (ensemble, *bench._loaded[model][1:])
        member = ensemble.members_[0]
        rows = [space.features([g]) for g in objs[:n_single]]
        if out["family"] == "lgb":
            out["bare_booster_1thread_ms"], _ = _latency(lambda r: member.booster_.predict(r, num_threads=1), rows)
        elif out["family"] == "xgb":
            member.booster_.set_param({"nthread": 1})
            out["bare_booster_1thread_ms"], _ = _latency(member.booster_.inplace_predict, rows)
    return out


def parallel_worker(benchmark: str | None, n: int) -> dict:
    import surrogate
    from surrogate.space import sample

    bench = surrogate.load(benchmark)
    archs = sample(n, rng=1)
    bench.predict(archs[:1])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    bench.predict(archs)
    return {
        "seconds": time.perf_counter() - t,
        "rss_before_mb": before,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _run(cmd: list[str], busy: bool) -> dict:
    hog = subprocess.Popen([sys.executable, "-c", BUSY]) if busy else None
    try:
        res = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    if res.returncode != 0:
        raise RuntimeError(res.stderr)
    return json.loads(res.stdout.strip().splitlines()[-1])


def _print(r: dict, sizes: list[int], label: str) -> None:
    batch = "  ".join(
        f"{n // 1000}k: {r[f'batch_{n}_genotypes']:,.0f}/s Genotypes, {r[f'batch_{n}_strings']:,.0f}/s strings"
        for n in sizes
    )
    print(
        f"[{label}] {r['model']:<18} members={r['members']:<2} single {r['single_ms_median']:.2f} ms "
        f"(p90 {r['single_ms_p90']:.2f}; old {r['old_single_ms_median']:.2f}/{r['old_single_ms_p90']:.2f})  "
        f"batched {batch}  (old {r['old_batch_genotypes']:,.0f}/s Genotypes, {r['old_batch_strings']:,.0f}/s strings; "
        f"x{r['speedup_vs_old']:.1f})  naive {r['naive_archs_per_s']:,.0f}/s x{r['speedup_vs_naive']:.0f}  "
        f"peak {r['peak_rss_mb']:.0f} MB",
        flush=True,
    )
    if "lightgbm_batch_genotypes" in r:
        n = max(sizes)
        print(
            f"[{label}] {r['model']:<18} trees: {n // 1000}k on LightGBM's own predictor "
            f"{r['lightgbm_batch_genotypes']:,.0f}/s Genotypes, {r['lightgbm_batch_strings']:,.0f}/s strings "
            f"(compiled loop {'on' if r['compiled_trees'] else 'unavailable'}: x{r[f'batch_{n}_genotypes'] / r['lightgbm_batch_genotypes']:.1f})",
            flush=True,
        )
    if "one_member_single_ms" in r:
        print(
            f"[{label}] {r['model']:<18} one member: query {r['one_member_single_ms']:.3f} ms, bare booster on one "
            f"thread {r.get('bare_booster_1thread_ms', float('nan')):.3f} ms (pre-encoded row)",
            flush=True,
        )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--benchmark", help="benchmark directory (default: the shipped checkpoints/default)")
    p.add_argument("--models", nargs="*", help="model names (default: all)")
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="batch sizes (default: %(default)s)")
    p.add_argument("--single", type=int, default=1000, help="single-architecture calls (default: %(default)s)")
    p.add_argument("--naive", type=int, default=500, help="architectures for the naive loop (default: %(default)s)")
    p.add_argument("--old-size", type=int, default=2000, help="batch for the old path (default: %(default)s)")
    p.add_argument("--busy", action="store_true", help="also measure with a CPU-bound process beside each worker")
    p.add_argument("--parallel", type=int, default=0, help="K processes at once with the default model")
    p.add_argument("--parallel-size", type=int, default=100_000, help="predictions per parallel process")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--parallel-worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.parallel_worker:
        print(json.dumps(parallel_worker(args.benchmark, args.parallel_size)))
        return 0
    if args.worker:
        print(json.dumps(measure(args.benchmark, args.worker, args.sizes, args.single, args.naive, args.old_size)))
        return 0
    import os

    import surrogate

    bench = surrogate.load(args.benchmark)
    extra = ["--benchmark", args.benchmark] if args.benchmark else []
    print(f"# {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    rows = []
    for busy in [False, True] if args.busy else [False]:
        label = "busy" if busy else "as is"
        for name in sorted(bench.models) if args.models is None else args.models:
            cmd = [
                sys.executable,
                __file__,
                "--worker",
                name,
                "--sizes",
                *map(str, args.sizes),
                "--single",
                str(args.single),
                "--naive",
                str(args.naive),
                "--old-size",
                str(args.old_size),
                *extra,
            ]
            rows.append({**_run(cmd, busy), "busy": busy})
            if not args.json:
                _print(rows[-1], args.sizes, label)
    if args.parallel:
        cmd = [sys.executable, __file__, "--parallel-worker", "--parallel-size", str(args.parallel_size), *extra]
        alone = _run(cmd, False)
        t = time.perf_counter()
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(args.parallel)]
        outs = [json.loads(pr.communicate()[0].strip().splitlines()[-1]) for pr in procs]
        wall = time.perf_counter() - t
        slowest = max(o["seconds"] for o in outs)
        par = {
            "alone_s": alone["seconds"],
            "parallel": args.parallel,
            "each_s": [o["seconds"] for o in outs],
            "wall_with_start_s": wall,
            "ratio": slowest / alone["seconds"],
            "rss_before_mb": alone["rss_before_mb"],
            "peak_rss_mb": max(o["peak_rss_mb"] for o in outs),
        }
        rows.append(par)
        if not args.json:
            print(
                f"parallel: {args.parallel_size:,} predictions alone {alone['seconds']:.1f} s (RSS {alone['rss_before_mb']:.0f} "
                f"-> {alone['peak_rss_mb']:.0f} MB); {args.parallel} at once: slowest {slowest:.1f} s "
                f"({par['ratio']:.2f}x alone; {wall:.1f} s wall with start-up), peak {par['peak_rss_mb']:.0f} MB each",
                flush=True,
            )
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
