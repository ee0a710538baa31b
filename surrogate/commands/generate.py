"""Train DARTS architectures on Fashion-MNIST and write real evaluations (NB301 result files).

Writes <out>/<source>/results_<hash>_s<seed>.json, one file per evaluation, atomically: a kill
loses at most the evaluations in flight, and re-running the same command skips what is done.
The plan is prefix-stable: raising -n later re-uses every result already on disk.

Examples
--------
  surrogate generate --fidelity tiny -n 4 --out runs/tiny           # seconds, for a smoke test
  surrogate generate --fidelity default -n 600 --out training_data/fmnist/results
  surrogate generate ... --ray-address local                        # same jobs on Ray
  surrogate generate --device cuda --workers 24 --max-seconds 540 ... # a GPU lent for ten minutes

A folder holds one fidelity: a result counts as done only at the fidelity being run, and a folder
with another fidelity's results is refused (--allow-mixed-fidelity adds to it, never overwriting).
Two runs into one folder split the jobs (a lock file per job under <out>/.locks). Ctrl-C or
SIGTERM stops the run: finished files are kept, in-flight jobs are abandoned, exit status 130/143.
"""

from __future__ import annotations

import argparse
import json

NAME = "generate"
HELP = "train architectures on Fashion-MNIST and write result files (resumable)"
RAW_HELP = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--fidelity", default="default", help="name in configs/generate/ or a YAML path (default: %(default)s)"
    )
    p.add_argument("-n", "--n-archs", type=int, default=600, help="architectures in the plan (default: %(default)s)")
    p.add_argument("--out", default="training_data/fmnist/results", help="result tree root (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the architecture stream (default: %(default)s)")
    p.add_argument(
        "--sampler",
        choices=("uniform", "skewed"),
        default="uniform",
        help="how architectures are drawn without --archs: uniformly, or skewed (per-architecture "
        "biases towards parameter-free or convolution-heavy, deep or wide cells) (default: %(default)s)",
    )
    p.add_argument("--source", help="source label (folder) of these jobs (default: rs for uniform, skewed for skewed)")
    p.add_argument(
        "--archs",
        help="JSONL/JSON file of architectures to train instead of uniform samples (any form surrogate accepts)",
    )
    p.add_argument(
        "--multi-seed-every",
        type=int,
        default=5,
        help="every k-th architecture is trained with --n-seeds seeds (default: %(default)s)",
    )
    p.add_argument("--n-seeds", type=int, default=3, help="seeds for the multi-seed subset (default: %(default)s)")
    p.add_argument("--workers", type=int, help="worker processes (default: one per core; 4 on a GPU)")
    p.add_argument("--threads", type=int, help="torch threads per worker (default: 1)")
    p.add_argument("--device", help="cpu or cuda (default: cuda when visible)")
    p.add_argument(
        "--data-root",
        help="folder with Fashion-MNIST IDX files (default: $SURROGATE_FASHION_MNIST or /usr/share/datasets/fashion-mnist)",
    )
    p.add_argument("--max-jobs", type=int, help="stop after this many new evaluations")
    p.add_argument(
        "--max-seconds", type=float, help="wall-time bound: start no job after it, abandon jobs still running at it"
    )
    p.add_argument(
        "--allow-mixed-fidelity",
        action="store_true",
        help="add to a folder holding another fidelity's results (never overwrites them)",
    )
    p.add_argument("--ray-address", help="run on a Ray cluster at this address ('local' starts one)")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")


def _read_archs(path: str) -> list:
    from surrogate.nas import read_proposals

    return read_proposals(path)


def run(args: argparse.Namespace) -> int:
    from surrogate.generate import load_fidelity, plan_jobs, run_jobs, sampled_archs

    fidelity = load_fidelity(args.fidelity)
    archs = _read_archs(args.archs) if args.archs else sampled_archs(args.n_archs, seed=args.seed, sampler=args.sampler)
    if args.archs and not args.source:
        raise ValueError("--archs needs --source NAME (the optimizer or origin the folder is named for)")
    source = args.source or ("rs" if args.sampler == "uniform" else "skewed")
    jobs = plan_jobs(archs, source, multi_seed_every=args.multi_seed_every, n_seeds=args.n_seeds)
    summary = run_jobs(
        jobs,
        args.out,
        fidelity,
        workers=args.workers,
        threads=args.threads,
        data_root=args.data_root,
        device=args.device,
        ray_address=args.ray_address,
        max_jobs=args.max_jobs,
        max_seconds=args.max_seconds,
        allow_mixed=args.allow_mixed_fidelity,
    )
    result = {
        "fidelity": fidelity.name,
        "out": args.out,
        "jobs": summary.total,
        "already_done": summary.skipped,
        "done": summary.done,
        "failed": len(summary.failed),
        "locked_by_another_run": summary.locked,
        "conflicts": summary.conflicts,
        "stopped_at_deadline": summary.stopped_at_deadline,
        "seconds": round(summary.seconds, 1),
        "evaluations_per_hour": round(summary.per_hour, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(" ".join(f"{k}={v}" for k, v in result.items()))
    return 1 if summary.failed else 0
