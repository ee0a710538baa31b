"""Measure candidate fidelities: ICC of seeds and cost per evaluation, then pick one.

Trains the same N architectures with 3 seeds at each candidate fidelity, then prints, per
fidelity, the intraclass correlation of validation accuracy (share of variance between
architectures), its bootstrap interval, seed noise, architecture spread and CPU-seconds per
evaluation. The pick: the best ICC per CPU-second among candidates with ICC >= --min-icc.

Examples
--------
  surrogate pilot --fidelities pilot-l4c6-e4 pilot-l5c8-e2 -n 8 --out runs/pilot
  surrogate pilot --fidelities tiny -n 3 --out /tmp/p --json
"""

from __future__ import annotations

import argparse
import json

NAME = "pilot"
HELP = "measure the ICC and cost of candidate fidelities"
RAW_HELP = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fidelities", nargs="+", required=True, help="fidelity names or YAML paths")
    p.add_argument("-n", "--n-archs", type=int, default=8, help="architectures per fidelity (default: %(default)s)")
    p.add_argument("--n-seeds", type=int, default=3, help="seeds per architecture (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1000, help="seed of the architecture stream (default: %(default)s)")
    p.add_argument("--out", default="runs/pilot", help="root; each fidelity writes <out>/<name>/ (default: %(default)s)")
    p.add_argument("--min-icc", type=float, default=0.7, help="ICC a fidelity must reach to be picked (default: %(default)s)")
    p.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    p.add_argument("--data-root", help="folder with Fashion-MNIST IDX files")
    p.add_argument("--summarise-only", action="store_true", help="do not train; summarise what is on disk")
    p.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from surrogate.generate import load_fidelity, pilot_summary, plan_jobs, run_jobs, uniform_archs

    archs = uniform_archs(args.n_archs, seed=args.seed)
    rows = {}
    for name in args.fidelities:
        fid = load_fidelity(name)
        out = Path(args.out) / fid.name
        if not args.summarise_only:
            jobs = plan_jobs(archs, "pilot", multi_seed_every=1, n_seeds=args.n_seeds)
            run_jobs(jobs, out, fid, workers=args.workers, data_root=args.data_root)
        records = [json.loads(p.read_text()) for p in sorted(out.glob("*/results_*.json"))]
        rows[fid.name] = {"fidelity": fid.to_dict(), **pilot_summary(records)}
    ok = {k: v for k, v in rows.items() if v["icc"] >= args.min_icc}
    pick = max(ok, key=lambda k: ok[k]["icc_per_cpu_second"]) if ok else max(rows, key=lambda k: rows[k]["icc"])
    result = {"candidates": rows, "pick": pick, "pick_reaches_min_icc": pick in ok, "min_icc": args.min_icc}
    (Path(args.out) / "pilot.json").write_text(json.dumps(result, indent=2))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{'fidelity':<22}{'evals':>6}{'archs':>6}{'ICC':>7}{'90% CI':>15}{'seed sd':>9}{'arch sd':>9}{'mean':>7}{'s/eval':>8}")
        for k, v in rows.items():
            ci = f"[{v['icc_90ci'][0]:.2f},{v['icc_90ci'][1]:.2f}]"
            print(f"{k:<22}{v['evaluations']:>6}{v['architectures']:>6}{v['icc']:>7.2f}{ci:>15}{v['seed_std']:>9.2f}{v['arch_std']:>9.2f}{v['mean_val_accuracy']:>7.2f}{v['cpu_seconds_per_eval']:>8.1f}")
        print(f"pick: {pick}" + ("" if pick in ok else f" (no candidate reached ICC {args.min_icc}; highest ICC)"))
    return 0
