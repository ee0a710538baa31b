"""How good are the default fits: each family at its defaults against a plain one-hot XGBoost.

For every real data set the project reaches and two training budgets (1,000 rows and the whole
training part), on the same seeded split by architecture (80/10/10, ``split="random"``,
``train_size`` for the budget), this fits

- ``xgb``, ``lgb``, ``gin``: ``surrogate.fit.fit_surrogate`` with the family's defaults
  (``configs/models/<family>.yaml``), 10 members, one worker (``threads=1``);
- ``baseline``: ``xgboost.XGBRegressor()`` with the library's defaults (``n_jobs=1``) on the
  simplest encoding of the raw (not canonicalised) cell: one-hot op and one-hot input node of
  every (op, input) slot of a DARTS genotype; one-hot op of every edge of a NAS-Bench-201 cell
  (its adjacency is fixed); one-hot label of every node (by its index) and the upper triangle of
  the adjacency matrix of a generic cell (for NAS-Bench-Graph: one-hot op of each of the 4
  computing nodes and the link pattern). It trains on the training rows only (no early stopping).

and prints test Kendall tau, R^2 and fit time per (data set, budget, family), mean and spread
over the split seeds, writing every run to ``--out`` (JSON; runs already there for the same
key are replaced, so families can be measured in separate calls).

Data sets:

- ``fmnist``: ``training_data/fmnist/default.parquet``, the shipped Fashion-MNIST evaluations
  (DARTS space, several seeds per architecture for some).
- ``nb201``: ``training_data/nb201_analog/nb201_analog.parquet``, NAS-Bench-201 on CIFAR-10 from
  AnalogNAS-Bench (one row per isomorphism class after the reader's de-duplication).
- ``nbg-cora``, ``nbg-arxiv``: ``training_data/nas_bench_graph/{cora,arxiv}.parquet``, all 26,206
  architectures of NAS-Bench-Graph trained on Cora and ogbn-arxiv (generic cells; from the PyPI
  package ``nas-bench-graph``, ``scripts/convert_nas_bench_graph.py``).

    python bench/defaults.py                                  # trees and baseline, 3 seeds
    python bench/defaults.py --families gin --seeds 0         # the GIN, one seed
    python bench/defaults.py --cv                             # 5-fold CV of tree settings on the training parts
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

DATASETS = {
    "fmnist": ("training_data/fmnist/default.parquet", None),
    "nb201": ("training_data/nb201_analog/nb201_analog.parquet", "nb201"),
    "nbg-cora": ("training_data/nas_bench_graph/cora.parquet", "generic"),
    "nbg-arxiv": ("training_data/nas_bench_graph/arxiv.parquet", "generic"),
}
BUDGETS = {"1k": 1000, "full": None}
FAMILIES = ("xgb", "lgb", "gin", "baseline")
TARGET = "val_accuracy"


def load(name: str):
    from surrogate.data import read_data

    path, space = DATASETS[name]
    return read_data(path, space=space)


def baseline_features(space: str, archs, train_archs=None) -> np.ndarray:
    """The plain encoding of the raw cells (see the module docstring); a generic cell's label
    vocabulary and node count come from ``train_archs`` (default ``archs``)."""
    if space == "darts":
        from surrogate.space import OPS

        n_ops, n_in = len(OPS), 6
        op_index = {op: i for i, op in enumerate(OPS)}
        out = np.zeros((len(archs), 16, n_ops + n_in), dtype=np.float32)
        for r, g in enumerate(archs):
            for s, (op, node) in enumerate(list(g.normal) + list(g.reduce)):
                out[r, s, op_index[op]] = 1
                out[r, s, n_ops + node] = 1
        return out.reshape(len(archs), -1)
    if space == "nb201":
        from surrogate.space.nb201 import N_EDGES, OPS

        idx = np.array([c.indices for c in archs], dtype=np.int64)
        out = np.zeros((len(archs), N_EDGES, len(OPS)), dtype=np.float32)
        out[np.arange(len(archs))[:, None], np.arange(N_EDGES), idx] = 1
        return out.reshape(len(archs), -1)
    if space == "generic":
        ref = list(archs if train_archs is None else train_archs)
        labels = {lab: i for i, lab in enumerate(sorted({lab for c in ref for lab in c.nodes}))}
        n = max(len(c.nodes) for c in ref)
        iu = np.triu_indices(n, 1)
        ops = np.zeros((len(archs), n, len(labels) + 1), dtype=np.float32)
        adj = np.zeros((len(archs), n, n), dtype=np.float32)
        for r, c in enumerate(archs):
            for k, lab in enumerate(c.nodes[:n]):
                ops[r, k, labels.get(lab, len(labels))] = 1
            for s, t in c.edges:
                if s < n and t < n:
                    adj[r, s, t] = 1
        return np.hstack([ops.reshape(len(archs), -1), adj[:, iu[0], iu[1]]])
    raise ValueError(f"no baseline encoding for the {space!r} space")


def split(ds, seed: int, budget: int | None):
    """(train, val, test) rows with a finite target: what ``prepare_fit`` fits on."""
    from surrogate.split_spec import resolve_split

    (tr, va, te), _ = resolve_split(ds, "random", seed, train_size=budget)
    ok = np.isfinite(ds.column(TARGET).astype(float))
    return tr[ok[tr]], va[ok[va]], te[ok[te]]


def run_baseline(ds, seed: int, budget: int | None) -> dict:
    import xgboost as xgb

    from surrogate.metrics import kendall_tau, r2

    tr, _, te = split(ds, seed, budget)
    y = ds.column(TARGET).astype(float)
    a_tr = ds.take(tr).architectures()
    X_tr = baseline_features(ds.space, a_tr)
    X_te = baseline_features(ds.space, ds.take(te).architectures(), train_archs=a_tr)
    t = time.perf_counter()
    model = xgb.XGBRegressor(n_jobs=1, random_state=seed).fit(X_tr, y[tr])
    seconds = time.perf_counter() - t
    pred = model.predict(X_te)
    return {
        "tau": kendall_tau(y[te], pred),
        "r2": r2(y[te], pred),
        "fit_seconds": seconds,
        "train_rows": int(len(tr)),
        "test_rows": int(len(te)),
        "members": 1,
    }


def run_family(ds, family: str, seed: int, budget: int | None, members: int, params: dict | None = None) -> dict:
    from surrogate.fit import fit_surrogate

    res = fit_surrogate(
        ds,
        family=family,
        split="random",
        seed=seed,
        train_size=budget,
        n_members=members,
        params=params,
        threads=1,
        progress=False,
    )
    test = res.metrics["test"]
    return {
        "tau": float(test["kendall_tau"]),
        "r2": float(test["r2"]),
        "fit_seconds": res.fit_seconds,
        "train_rows": res.sizes["train"],
        "test_rows": res.sizes["test"],
        "members": members,
    }


def _key(r: dict) -> tuple:
    return (r["dataset"], r["budget"], r["family"], r["seed"])


def summarise(runs: list[dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for r in runs:
        groups.setdefault(_key(r)[:3], []).append(r)
    rows = []
    for (d, b, f), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], list(BUDGETS).index(kv[0][1]), kv[0][2])):
        tau = np.array([r["tau"] for r in rs])
        r2v = np.array([r["r2"] for r in rs])
        sec = np.array([r["fit_seconds"] for r in rs])
        rows.append(
            {
                "dataset": d,
                "budget": b,
                "family": f,
                "seeds": len(rs),
                "train_rows": int(np.mean([r["train_rows"] for r in rs])),
                "tau_mean": float(tau.mean()),
                "tau_sd": float(tau.std(ddof=1)) if len(rs) > 1 else float("nan"),
                "r2_mean": float(r2v.mean()),
                "r2_sd": float(r2v.std(ddof=1)) if len(rs) > 1 else float("nan"),
                "fit_seconds_mean": float(sec.mean()),
            }
        )
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| data set | budget | train rows | family | seeds | test tau | test R2 | fit s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        sd = "" if np.isnan(r["tau_sd"]) else f" ± {r['tau_sd']:.3f}"
        sd2 = "" if np.isnan(r["r2_sd"]) else f" ± {r['r2_sd']:.3f}"
        lines.append(
            f"| {r['dataset']} | {r['budget']} | {r['train_rows']:,} | {r['family']} | {r['seeds']} | "
            f"{r['tau_mean']:.3f}{sd} | {r['r2_mean']:.3f}{sd2} | {r['fit_seconds_mean']:.1f} |"
        )
    return "\n".join(lines)


def measure(args: argparse.Namespace) -> None:
    out = Path(args.out)
    old = json.loads(out.read_text())["runs"] if out.exists() else []
    runs = {_key(r): r for r in old}
    for name in args.datasets:
        ds = load(name)
        for budget_name in args.budgets:
            for family in args.families:
                for seed in args.seeds:
                    budget = BUDGETS[budget_name]
                    t = time.perf_counter()
                    if family == "baseline":
                        r = run_baseline(ds, seed, budget)
                    else:
                        r = run_family(ds, family, seed, budget, args.members)
                    r.update(dataset=name, budget=budget_name, family=family, seed=seed)
                    r["wall_seconds"] = time.perf_counter() - t
                    runs[_key(r)] = r
                    print(
                        f"{name:7s} {budget_name:4s} {family:8s} seed {seed}: tau {r['tau']:.3f} "
                        f"R2 {r['r2']:.3f} fit {r['fit_seconds']:.1f} s ({r['train_rows']} train rows)",
                        flush=True,
                    )
                    allruns = sorted(runs.values(), key=_key)
                    payload = {
                        "command": "python bench/defaults.py " + " ".join(args.argv),
                        "load_average_1min": os.getloadavg()[0],
                        "cpus": os.cpu_count(),
                        "runs": allruns,
                        "summary": summarise(allruns),
                    }
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_text(json.dumps(payload, indent=1) + "\n")
    print(table(summarise(sorted(runs.values(), key=_key))))


def main(argv: list[str] | None = None) -> None:
    import sys

    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    p.add_argument("--budgets", nargs="+", default=list(BUDGETS), choices=list(BUDGETS))
    p.add_argument("--families", nargs="+", default=["xgb", "lgb", "baseline"], choices=FAMILIES)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--members", type=int, default=10)
    p.add_argument("--out", default="bench/results/defaults.json")
    args = p.parse_args(argv)
    args.argv = argv
    measure(args)


if __name__ == "__main__":
    main()
