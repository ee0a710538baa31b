"""Hyperband on the surrogate's curves vs on real curves: issue 14's last-rung Kendall τ, cross-fitted.

Every architecture must be one the surrogate was *not* fit on, and a single held-out split of a
few hundred evaluations leaves too few for Hyperband's brackets. So the architectures are split
into ``--folds`` folds; for each fold a benchmark (LightGBM accuracy and runtime ensembles with
the curve model, as ``scripts/build_default.py`` fits them) is assembled on the other folds, and
each architecture's curves and costs are answered by the benchmark that never saw it. On that
pool :func:`surrogate.studies.hyperband_real_vs_surrogate` runs Hyperband twice, same brackets:
on the real curves and on the surrogate's noisy ones.

Truth is the mean of seeds 1 and 2 of each architecture (those with seeds 0, 1 and 2). Beside the
surrogate, the same comparison is run with seed 0's *real* curves as the oracle: what re-training
once more gives, the ceiling a surrogate of seed noise this size can be held to.

Reported per bracket seed and on average: Kendall τ between the real final accuracy and the
oracle's final value over the architectures either run promotes to the last rung, the overlap of
those sets, and each run's regret.

    python bench/hyperband.py --fidelity pilot2-f14-c8l5-n15k-e3
    python bench/hyperband.py --data TABLE.parquet --folds 5 --seeds 0 1 2 3 4 --json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


class CrossFitted:
    """Answers each architecture's curves from the benchmark whose fit left it out."""

    def __init__(self, benches: list, fold_of: dict[str, int]):
        self.benches, self.fold_of = benches, fold_of
        self.epochs = benches[0].epochs

    def _route(self, archs: list, call) -> np.ndarray:
        from surrogate.space import arch_hash

        folds = np.array([self.fold_of[arch_hash(a)] for a in archs])
        out = np.empty((len(archs), self.epochs))
        for f in np.unique(folds):
            idx = np.flatnonzero(folds == f)
            out[idx] = np.asarray(call(self.benches[f], [archs[i] for i in idx]), dtype=float).reshape(len(idx), -1)
        return out

    def predict_curve(self, archs: list, with_noise: bool = False, seed: int | None = None) -> np.ndarray:
        return self._route(archs, lambda b, a: b.predict_curve(a, with_noise=with_noise, seed=seed))

    def elapsed_time(self, archs: list) -> np.ndarray:
        return self._route(archs, lambda b, a: b.elapsed_time(a))


class RealSeed:
    """An oracle answering one seed's real curves (and its real training time spread over epochs)."""

    def __init__(self, dataset, seed: int):
        from surrogate.curves import CurveTable
        from surrogate.space import arch_hash

        table = CurveTable(dataset, seed=seed)
        self.epochs = table.epochs
        times = table.arch_mean(dataset.column("train_time").astype(float)[table.rows])
        self._curve = {arch_hash(g): c for g, c in zip(table.genotypes, table.means)}
        self._time = {arch_hash(g): t for g, t in zip(table.genotypes, times)}

    def predict_curve(self, archs: list, with_noise: bool = False, seed: int | None = None) -> np.ndarray:
        from surrogate.space import arch_hash

        return np.array([self._curve[arch_hash(a)] for a in archs])

    def elapsed_time(self, archs: list) -> np.ndarray:
        from surrogate.space import arch_hash

        t = np.array([self._time[arch_hash(a)] for a in archs])
        return np.cumsum(np.repeat(t[:, None] / self.epochs, self.epochs, 1), 1)


def load(args):
    from surrogate.data import Dataset

    if args.data:
        return Dataset.read_parquet(args.data)
    sys.path.insert(0, str(ROOT / "scripts"))
    from build_default import load_shipped

    return load_shipped(args.fidelity)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--fidelity", default="pilot2-f14-c8l5-n15k-e3", help="shipped data of this fidelity (default: %(default)s)"
    )
    src.add_argument(
        "--data", help="a Dataset Parquet of one fidelity instead (e.g. what build_default.py --data-out wrote)"
    )
    p.add_argument("--folds", type=int, default=5, help="cross-fitting folds by architecture (default: %(default)s)")
    p.add_argument("--members", type=int, default=5, help="ensemble members per model (default: %(default)s)")
    p.add_argument("--eta", type=int, default=3, help="Hyperband's eta (default: %(default)s)")
    p.add_argument("--repeats", type=int, default=20, help="Hyperband iterations per run (default: %(default)s)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="bracket/noise seeds (default: 0-4)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--out", help="also write the JSON here")
    args = p.parse_args(argv)

    import surrogate
    from surrogate.assemble import assemble_benchmark
    from surrogate.studies import hyperband_real_vs_surrogate

    sys.path.insert(0, str(ROOT / "scripts"))
    from build_default import PARAMS

    ds = load(args)
    hashes, seeds = ds.column("arch_hash"), ds.column("seed")
    full = [h for h in np.unique(hashes) if {0, 1, 2} <= set(seeds[hashes == h].tolist())]
    rng = np.random.default_rng(0)
    uniq = rng.permutation(np.unique(hashes))
    fold_of = {h: i % args.folds for i, h in enumerate(uniq)}
    benches = []
    with tempfile.TemporaryDirectory() as tmp:
        for f in range(args.folds):
            train = ds.filter(np.array([fold_of[h] != f for h in hashes]))
            out = assemble_benchmark(
                train,
                Path(tmp) / f"fold{f}",
                models=[("val_accuracy", "lgb"), ("train_time", "lgb")],
                n_members=args.members,
                params=PARAMS,
                seed=f,
                progress=False,
                curves=True,
            )
            benches.append(surrogate.load(out))
        oracles = {"surrogate": CrossFitted(benches, fold_of), "real seed 0": RealSeed(ds, 0)}
        truth = ds.filter(np.isin(hashes, full) & np.isin(seeds, [1, 2]))
        runs: dict[str, list] = {k: [] for k in oracles}
        for name, oracle in oracles.items():
            for s in args.seeds:
                r = hyperband_real_vs_surrogate(truth, oracle, eta=args.eta, seed=s, repeats=args.repeats)
                runs[name].append(
                    {
                        "seed": s,
                        "kendall_tau_last_rung": r.kendall_tau_last_rung,
                        "overlap_last_rung": r.overlap_last_rung,
                        "last_rung": {k: len(v) for k, v in r.last_rung.items()},
                        "regret": r.regret,
                        "brackets": r.info["brackets"],
                    }
                )
    result = {
        "evaluations": len(ds),
        "architectures": len(uniq),
        "pool": len(full),
        "epochs": benches[0].epochs,
        "folds": args.folds,
        "truth": "mean of seeds 1 and 2",
        "runs": runs,
        "mean": {
            name: {
                "kendall_tau_last_rung": float(np.nanmean([r["kendall_tau_last_rung"] for r in rs])),
                "overlap_last_rung": float(np.nanmean([r["overlap_last_rung"] for r in rs])),
                "regret_oracle": float(np.mean([r["regret"]["surrogate"] for r in rs])),
                "regret_real": float(np.mean([r["regret"]["real"] for r in rs])),
            }
            for name, rs in runs.items()
        },
    }
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(
        f"{result['evaluations']} evaluations, {result['architectures']} architectures, {args.folds}-fold cross-fitted; "
        f"pool: {result['pool']} architectures with seeds 0-2, {result['epochs']} epochs; truth: {result['truth']}"
    )
    print(f"Hyperband eta={args.eta}, {args.repeats} iterations, brackets {runs['surrogate'][0]['brackets']}")
    for name, m in result["mean"].items():
        taus = " ".join(f"{r['kendall_tau_last_rung']:+.2f}" for r in runs[name])
        print(
            f"  oracle {name:<12} last-rung tau {m['kendall_tau_last_rung']:+.2f} (per seed {taus})  overlap "
            f"{m['overlap_last_rung']:.2f}  regret {m['regret_oracle']:.2f} (real curves: {m['regret_real']:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
