"""Measure candidate fidelities: ICC of seeds and cost per evaluation, then pick one.

Trains the same N uniform architectures with 3 seeds, plus the corner cells (DARTS_V1/V2,
all-pooling, all-skip, skip-heavy, all-sep-conv, all-dil-conv, ...; `surrogate.space.CORNERS`)
with 2 seeds, at each candidate fidelity. Prints, per fidelity, the intraclass correlation of
validation accuracy over the uniform architectures only (share of variance between architectures)
with its bootstrap interval, seed noise, architecture spread, Spearman(val accuracy, params),
CPU-seconds per evaluation, the seeds a mean needs for reliability 0.8, and each corner cell's mean
and the share of uniform architectures it beats.

The pick: the cheapest candidate with ICC >= --min-icc and Spearman >= --min-spearman; else the
k-seed design (k <= 3 seeds whose mean reaches reliability 0.8) at the least CPU per architecture;
else the highest ICC, said plainly.

Examples
--------
  surrogate pilot --fidelities pilot2-f14-c8l5-n15k-e3 pilot2-f14-c4l5-n15k-e3 --workers 2 \
      --out training_data/fmnist/pilot2 --plot training_data/fmnist/pilot2/frontier.png
  surrogate pilot --fidelities tiny -n 3 --corner-seeds 1 --out /tmp/p --json
"""

from __future__ import annotations

import argparse
import json

NAME = "pilot"
HELP = "measure the ICC and cost of candidate fidelities"
RAW_HELP = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fidelities", nargs="+", required=True, help="fidelity names or YAML paths")
    p.add_argument(
        "-n", "--n-archs", type=int, default=24, help="uniform architectures per fidelity (default: %(default)s)"
    )
    p.add_argument("--n-seeds", type=int, default=3, help="seeds per uniform architecture (default: %(default)s)")
    p.add_argument(
        "--corner-seeds", type=int, default=2, help="seeds per corner cell; 0 skips them (default: %(default)s)"
    )
    p.add_argument("--seed", type=int, default=1000, help="seed of the architecture stream (default: %(default)s)")
    p.add_argument(
        "--out", default="runs/pilot", help="root; each fidelity writes <out>/<name>/ (default: %(default)s)"
    )
    p.add_argument("--min-icc", type=float, default=0.75, help="ICC a single run must reach (default: %(default)s)")
    p.add_argument(
        "--min-spearman",
        type=float,
        default=0.3,
        help="Spearman(val accuracy, params) a fidelity must reach (default: %(default)s)",
    )
    p.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    p.add_argument("--data-root", help="folder with Fashion-MNIST IDX files")
    p.add_argument("--summarise-only", action="store_true", help="do not train; summarise what is on disk")
    p.add_argument(
        "--plot",
        metavar="PNG",
        help="write the frontier: ICC (90%% CI) and Spearman(val, params) against CPU-seconds per evaluation",
    )
    p.add_argument("--markdown", action="store_true", help="print the tables as Markdown (for the data card)")
    p.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from surrogate.generate import choose_fidelity, load_fidelity, pilot_summary, plan_jobs, run_jobs, uniform_archs
    from surrogate.space import CORNERS, arch_hash

    archs = uniform_archs(args.n_archs, seed=args.seed)
    corner_hashes = {arch_hash(g): name for name, g in CORNERS.items()}
    rows = {}
    for name in args.fidelities:
        fid = load_fidelity(name)
        out = Path(args.out) / fid.name
        if not args.summarise_only:
            jobs = plan_jobs(archs, "pilot", multi_seed_every=1, n_seeds=args.n_seeds)
            if args.corner_seeds:
                jobs += plan_jobs(list(CORNERS.values()), "corner", multi_seed_every=1, n_seeds=args.corner_seeds)
            run_jobs(jobs, out, fid, workers=args.workers, data_root=args.data_root)
        records = [json.loads(p.read_text()) for p in sorted(out.glob("*/results_*.json"))]
        rows[fid.name] = {"fidelity": fid.to_dict(), **pilot_summary(records, corner_hashes)}
    pick = choose_fidelity(rows, min_icc=args.min_icc, min_spearman=args.min_spearman)
    result = {"candidates": rows, **pick, "min_icc": args.min_icc, "min_spearman": args.min_spearman}
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "pilot.json").write_text(json.dumps(result, indent=2))
    if args.plot:
        _plot_frontier(rows, args.plot, args.min_icc, args.min_spearman)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    if args.markdown:
        print(_markdown(rows))
        return 0
    print(
        f"{'fidelity':<20}{'evals':>6}{'archs':>6}{'ICC':>6}{'90% CI':>14}{'seed sd':>8}{'arch sd':>8}"
        f"{'rho(p)':>7}{'mean':>7}{'s/eval':>7}{'k@0.8':>6}"
    )
    for k, v in rows.items():
        ci = f"[{v['icc_90ci'][0]:.2f},{v['icc_90ci'][1]:.2f}]"
        print(
            f"{k:<20}{v['evaluations']:>6}{v['architectures']:>6}{v['icc']:>6.2f}{ci:>14}{v['seed_std']:>8.2f}"
            f"{v['arch_std']:>8.2f}{v['spearman_val_params']:>7.2f}{v['mean_val_accuracy']:>7.2f}"
            f"{v['cpu_seconds_per_eval']:>7.1f}{v['seeds_for_reliability_0.8'] or '-':>6}"
        )
    for k, v in rows.items():
        if v["corners"]:
            print(f"corner cells at {k} (mean val, share of uniform architectures beaten):")
            for name, c in v["corners"].items():
                print(f"  {name:<20}{c['mean_val_accuracy']:>7.2f}{100 * c['beats_share_of_uniform']:>6.0f}%")
    verdict = {
        "single seed": "single runs reach the bar",
        "k-seed mean": f"mean of {pick['seeds']} seeds reaches reliability 0.8",
        "best available": "no candidate reaches the bar; highest ICC",
    }[pick["design"]]
    print(f"pick: {pick['pick']} ({verdict})")
    return 0


def _markdown(rows: dict) -> str:
    """The candidates table and the corner-cell table in Markdown."""
    lines = [
        "| fidelity | evals | archs | ICC (90% CI) | seed std | arch std | Spearman(val, params) | mean val | CPU-s/eval | seeds for 0.8 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for k, v in rows.items():
        lo, hi = v["icc_90ci"]
        lines.append(
            f"| {k} | {v['evaluations']} | {v['architectures']} | {v['icc']:.2f} ({lo:.2f}-{hi:.2f}) | "
            f"{v['seed_std']:.2f} | {v['arch_std']:.2f} | {v['spearman_val_params']:.2f} | "
            f"{v['mean_val_accuracy']:.2f} | {v['cpu_seconds_per_eval']:.0f} | {v['seeds_for_reliability_0.8'] or '> 10'} |"
        )
    names = sorted({c for v in rows.values() for c in v["corners"]})
    if names:
        lines += ["", "| corner cell | " + " | ".join(rows) + " |", "|---|" + "---|" * len(rows)]
        for c in names:
            cells = []
            for v in rows.values():
                r = v["corners"].get(c)
                cells.append(
                    f"{r['mean_val_accuracy']:.2f} (beats {100 * r['beats_share_of_uniform']:.0f}%)" if r else "-"
                )
            lines.append(f"| {c} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _plot_frontier(rows: dict, path: str, min_icc: float, min_spearman: float) -> None:
    """ICC (with its 90% CI) and Spearman(val, params) of each candidate against its cost."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for name, v in rows.items():
        x = v["cpu_seconds_per_eval"]
        lo, hi = v["icc_90ci"]
        a.errorbar([x], [v["icc"]], yerr=[[v["icc"] - lo], [hi - v["icc"]]], fmt="o", capsize=3, label=name)
        b.plot([x], [v["spearman_val_params"]], "o", label=name)
    a.axhline(min_icc, ls="--", c="grey", lw=1)
    b.axhline(min_spearman, ls="--", c="grey", lw=1)
    b.axhline(0, c="k", lw=0.5)
    a.set(
        xlabel="CPU-seconds per evaluation", ylabel="ICC of one run (uniform architectures)", title="seed reliability"
    )
    b.set(xlabel="CPU-seconds per evaluation", ylabel="Spearman(val accuracy, params)", title="does size matter")
    a.legend(fontsize=7)
    fig.savefig(path, dpi=120)
    plt.close(fig)
