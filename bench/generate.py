"""CPU-seconds per real evaluation, the old training path against the new one, in one run.

Trains a fixed set of architectures (DARTS_V2 and ``--n-archs - 1`` uniform samples, seed 0) at
one fidelity, each with ``--seeds`` seeds, through both paths of
:func:`surrogate.generate.train_and_evaluate`, interleaved (old, new, old, new, ...) so machine load
hits both alike:

- ``old``: NCHW tensors, the library's backward passes, no per-epoch validation scoring (the path
  before the speed-up);
- ``new``: ``channels_last`` throughout training, BN re-estimation and scoring, the faster
  backward passes of :mod:`surrogate.generate._fast_backward`, with the per-epoch validation
  curve the new result files carry;
- ``new-nocurve``: the new path without the per-epoch curve, i.e. the same work as ``old``
  (``speedup_same_work`` is old / new-nocurve);
- ``library``: ``new-nocurve`` with the library's backward passes (the generator of sessions 4-7),
  so ``speedup_fast_backward`` (library / new-nocurve) is what the faster backward adds.

CPU-seconds are the worker's own process time (one torch thread), training plus scoring, so a
second process on the machine changes them little. Also prints, per architecture, the mean
validation accuracy of each path and the paired difference against the seed std, so a change of
the accuracy distribution beyond seed noise shows.

Examples
--------
  python bench/generate.py                               # default fidelity, 4 archs x 2 seeds
  python bench/generate.py --fidelity tiny --n-archs 2 --seeds 1 --json
  python bench/generate.py --fidelity pilot2-f14-c8l5-n15k-e3 --n-archs 3 --seeds 2   # ~40 min here
"""

from __future__ import annotations

import argparse
import json
import platform
import sys


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--fidelity", default="default", help="fidelity name or YAML path (default: %(default)s)")
    p.add_argument("--n-archs", type=int, default=4, help="architectures (default: %(default)s)")
    p.add_argument(
        "--seeds", type=int, default=2, help="training seeds per architecture and path (default: %(default)s)"
    )
    p.add_argument("--data-root", help="folder with the Fashion-MNIST IDX files")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    if args.n_archs < 1 or args.seeds < 1:
        p.error("--n-archs and --seeds must be at least 1")

    import numpy as np
    import torch

    from surrogate.generate import load_fashion_mnist, load_fidelity, prepare_tensors, train_and_evaluate
    from surrogate.space import DARTS_V2, sample

    torch.set_num_threads(1)
    fidelity = load_fidelity(args.fidelity)
    data = prepare_tensors(load_fashion_mnist(args.data_root), fidelity)
    archs = [DARTS_V2, *sample(args.n_archs - 1, rng=0)]
    paths = {
        "old": {"channels_last": False, "val_curves": False, "fast_backward": False},
        "new": {"channels_last": True, "val_curves": True, "fast_backward": True},
        "new-nocurve": {"channels_last": True, "val_curves": False, "fast_backward": True},
        "library": {"channels_last": True, "val_curves": False, "fast_backward": False},
    }
    log = sys.stderr if args.json else sys.stdout
    rows: list[dict] = []
    for a, g in enumerate(archs):
        for seed in range(args.seeds):
            for name, kwargs in paths.items():
                r = train_and_evaluate(g, seed, fidelity, data, **kwargs)
                info = r["info"][0]
                rows.append(
                    {
                        "arch": a,
                        "seed": seed,
                        "path": name,
                        "train_cpu_s": r["runtime"],
                        "eval_cpu_s": info["eval_time"] + info.get("curve_eval_time", 0.0),
                        "val_accuracy": info["val_accuracy"],
                    }
                )
                print(
                    f"arch {a} seed {seed} {name}: {r['runtime'] + rows[-1]['eval_cpu_s']:.1f} CPU-s, "
                    f"val {info['val_accuracy']:.2f}",
                    file=log,
                    flush=True,
                )

    def per_path(name: str, key: str) -> float:
        return float(np.mean([r[key] for r in rows if r["path"] == name]))

    total = {n: per_path(n, "train_cpu_s") + per_path(n, "eval_cpu_s") for n in paths}
    acc = np.array(
        [
            [
                [r["val_accuracy"] for r in rows if r["arch"] == a and r["seed"] == s and r["path"] == n]
                for s in range(args.seeds)
            ]
            for a in range(len(archs))
            for n in paths
        ]
    ).reshape(len(archs), len(paths), args.seeds)
    diffs = acc[:, 1, :].mean(1) - acc[:, 0, :].mean(1)
    seed_std = float(np.sqrt(np.mean(acc.var(axis=2, ddof=1)))) if args.seeds > 1 else float("nan")
    result = {
        "fidelity": fidelity.name,
        "archs": len(archs),
        "seeds": args.seeds,
        "cpu_s_per_eval": {n: round(total[n], 2) for n in paths},
        "train_cpu_s": {n: round(per_path(n, "train_cpu_s"), 2) for n in paths},
        "eval_cpu_s": {n: round(per_path(n, "eval_cpu_s"), 2) for n in paths},
        "speedup": round(total["old"] / total["new"], 2),
        "speedup_same_work": round(total["old"] / total["new-nocurve"], 2),
        "speedup_training": round(per_path("old", "train_cpu_s") / per_path("new", "train_cpu_s"), 2),
        "speedup_fast_backward": round(total["library"] / total["new-nocurve"], 2),
        "mean_val_accuracy": {n: round(float(acc[:, i].mean()), 2) for i, n in enumerate(paths)},
        "paired_diff_new_minus_old": [round(float(d), 2) for d in diffs],
        "paired_diff_fast_minus_library": [round(float(d), 2) for d in acc[:, 2, :].mean(1) - acc[:, 3, :].mean(1)],
        "seed_std": round(seed_std, 2),
        "cpu": platform.processor() or platform.machine(),
        "torch": torch.__version__,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"fidelity {result['fidelity']}: {len(archs)} architectures x {args.seeds} seeds per path")
        print(f"{'path':<12}{'train CPU-s':>12}{'eval CPU-s':>12}{'total':>8}{'mean val':>10}")
        for n in paths:
            print(
                f"{n:<12}{result['train_cpu_s'][n]:>12.2f}{result['eval_cpu_s'][n]:>12.2f}"
                f"{result['cpu_s_per_eval'][n]:>8.2f}{result['mean_val_accuracy'][n]:>10.2f}"
            )
        print(
            f"speed-up, old / new CPU-s per evaluation: {result['speedup']:.2f}x with the curve, "
            f"{result['speedup_same_work']:.2f}x for the same work, {result['speedup_training']:.2f}x of training alone"
        )
        print(f"of which the faster backward, library / new-nocurve: {result['speedup_fast_backward']:.2f}x")
        print(
            f"per-architecture mean val difference new - old: {result['paired_diff_new_minus_old']} "
            f"(seed std within a path: {result['seed_std']})"
        )
        print(f"fast - library backward, same work: {result['paired_diff_fast_minus_library']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
