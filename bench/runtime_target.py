"""Which training times should the runtime model learn from? Measured on the shipped data.

The result files at the default's fidelity mix two machine kinds about 2x apart in speed, and code
versions. Since session 10 every file carries its worker's reference step
(``hardware.reference_step_seconds``), so ``runtime x REFERENCE / stamp`` puts stamped files on one
machine's scale (scripts/build_default.py, ``comparable_runtimes``). This script compares what
the runtime model is fit on:

- ``fast, raw``: every file of the faster backward passes, seconds as recorded (the rule before
  stamps);
- ``stamped, rescaled``: the stamped files alone, rescaled (the rule now);
- ``stamped rescaled + unstamped fast raw``: both, the unstamped files taken as if written on the
  reference machine.

Each repeat holds out a quarter of the stamped architectures (every seed of one architecture on
one side), early-stops one LightGBM member (the shipped runtime settings) on a tenth of the rest
and scores it on the held-out stamped rows against their rescaled runtime: Kendall tau, R2, and
the median ratio of prediction to truth per source (a model that learned the machine instead of
the architecture is biased by source: which kind trained a file depends on its source).

    python bench/runtime_target.py                  # ~1 minute on 2 cores
    python bench/runtime_target.py --repeats 10 --json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5, help="held-out splits (default 5)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)

    import build_default as bd
    import pyarrow as pa
    from scipy.stats import kendalltau

    from surrogate.fit import encode, fit_surrogate

    ds = bd.load_shipped(bd.FIDELITY)
    stamps = bd.runtime_stamps(ds, bd.data_roots(bd.FIDELITY))
    raw, ref = stamps["runtime"], stamps["reference"]
    stamped = np.isfinite(ref) & stamps["cpu_seconds"]
    rescaled = np.where(stamped, raw * bd.REFERENCE_STEP_SECONDS / np.where(stamped, ref, 1.0), np.nan)
    fast = stamps["fast_backward"] & stamps["cpu_seconds"]
    targets = {
        "fast, raw": np.where(fast, raw, np.nan),
        "stamped, rescaled": rescaled,
        "stamped rescaled + unstamped fast raw": np.where(stamped, rescaled, np.where(fast, raw, np.nan)),
    }
    column = ds.table.schema.get_field_index("train_time")
    parts = {
        name: type(ds).from_arrow(ds.table.set_column(column, "train_time", pa.array(y)), space=ds.space)
        for name, y in targets.items()
    }  # one table per target, shared by the repeats
    hashes, sources = ds.column("arch_hash"), ds.column("source")
    held_pool = np.unique(hashes[stamped])
    rng = np.random.default_rng(args.seed)
    out: dict[str, dict] = {name: {"tau": [], "r2": [], "n_train": [], "ratio": {}} for name in targets}
    for rep in range(args.repeats):
        held = np.isin(hashes, rng.choice(held_pool, size=len(held_pool) // 4, replace=False))
        test = np.flatnonzero(held & stamped)
        truth = rescaled[test]
        for name, y in targets.items():
            rows = np.flatnonzero(~held & np.isfinite(y))
            rows = rng.permutation(rows)
            n_val = max(len(rows) // 10, 1)
            part = parts[name]
            res = fit_surrogate(
                part,
                family="lgb",
                target="train_time",
                split=(rows[n_val:], rows[:n_val], test[:0]),
                n_members=1,
                params=dict(bd.PARAMS["train_time-lgb"]),
                seed=args.seed + rep,
                calibrate=False,
                progress=False,
            )
            X = encode(res.space, part.take(test).architectures(), res.ensemble.model_class.input_kind)
            pred = res.ensemble.predict(X)[0]
            o = out[name]
            o["tau"].append(float(kendalltau(pred, truth)[0]))
            o["r2"].append(float(1 - np.sum((pred - truth) ** 2) / np.sum((truth - truth.mean()) ** 2)))
            o["n_train"].append(len(rows))
            for s in np.unique(sources[test]):
                m = sources[test] == s
                o["ratio"].setdefault(str(s), []).append(float(np.median(pred[m] / truth[m])))
    summary = {
        "evaluations": len(ds),
        "stamped": int(stamped.sum()),
        "fast_backward": int(fast.sum()),
        "reference_step_seconds": bd.REFERENCE_STEP_SECONDS,
        "stamps": {"min": float(np.nanmin(ref)), "median": float(np.nanmedian(ref)), "max": float(np.nanmax(ref))},
        "repeats": args.repeats,
        "targets": {
            name: {
                "n_train": float(np.mean(o["n_train"])),
                "tau": float(np.mean(o["tau"])),
                "tau_sd": float(np.std(o["tau"], ddof=1)) if args.repeats > 1 else 0.0,
                "r2": float(np.mean(o["r2"])),
                "median_ratio_by_source": {s: float(np.mean(v)) for s, v in o["ratio"].items()},
            }
            for name, o in out.items()
        },
    }
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    st = summary["stamps"]
    print(
        f"{summary['evaluations']} evaluations, {summary['stamped']} stamped (reference step "
        f"{st['min']:.3f}-{st['max']:.3f} s, median {st['median']:.3f}), {summary['fast_backward']} fast-backward; "
        f"rescaled to {bd.REFERENCE_STEP_SECONDS} s; {args.repeats} held-out quarters of the stamped architectures"
    )
    print(f"{'fit on':40s} {'rows':>5s} {'tau':>13s} {'R2':>7s}  median pred/true by source")
    for name, t in summary["targets"].items():
        ratios = "  ".join(f"{s} {r:.2f}" for s, r in sorted(t["median_ratio_by_source"].items()))
        print(f"{name:40s} {t['n_train']:5.0f} {t['tau']:6.3f} ± {t['tau_sd']:.3f} {t['r2']:7.3f}  {ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
