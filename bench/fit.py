"""How fast ensembles fit: GIN training throughput and the wall time of default fits per family,
the pre-issue-13 paths beside the new ones, on the cores as they are (and with ``--busy``, a
CPU-bound process beside each measurement).

Data: architectures sampled uniformly from the DARTS space (``surrogate.space.sample``), with a
synthetic target (a fixed random two-layer function of the tree features plus noise: learnable
by every family, so early stopping behaves as on real data; the figures are about speed, not
accuracy), split 80/10/10 by row. Every measurement runs in a fresh subprocess.

- ``throughput``: GIN training, member-graphs per second (one member seeing one graph once is
  one), a fixed number of epochs without validation, one thread. ``old``: the torch_geometric
  loop of one member (``GINModel._dense_training = False``); ``new``: one dense stack of
  ``STACK`` members.
- ``fit``: a default ensemble (10 members, the family's defaults, early stopping on the
  validation part) through ``Ensemble.fit``. ``old``: members one after another in this process
  (the GIN's torch_geometric loop; the boosters with every core's thread, what ``n_jobs: null``
  did), ``--old-members`` of them (they run in turn, so the time per member times 10 is the
  ensemble's); ``new``: the issue-13 policy (one thread per member, stacks, worker processes as the idle
  cores allow: ``workers`` says how many it took). GIN fits above ``--gin-full-rows`` run
  ``--gin-epochs`` epochs only and report the time per epoch and the projection to the default
  100 epochs (an upper bound: early stopping ends most fits sooner). From ``--large-rows``
  rows, fits use ``--large-members`` members (the time per member is printed).

    python bench/fit.py --quick                  # 1k rows, a few minutes
    python bench/fit.py                          # throughput on 1k, 10k, 60k rows; fits on 1k, 10k, 20k
    python bench/fit.py --busy --sizes 1000      # also with a CPU-bound process beside it
    python bench/fit.py --quality                # old vs new GIN on the shipped data and NAS-Bench-201
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

BUSY = "while True: pass"
FAMILIES = ("gin", "xgb", "lgb")


def _data(n: int, family: str, seed: int = 0):
    import numpy as np

    from surrogate.encode import features, graph_batch
    from surrogate.space import sample

    archs = sample(n, rng=seed)
    F = features(archs)
    rng = np.random.default_rng(1234)
    w1 = rng.normal(size=(F.shape[1], 16)) / np.sqrt(F.shape[1])
    y = np.tanh(F @ w1) @ rng.normal(size=16) + 0.1 * rng.normal(size=n)
    X = F if family != "gin" else graph_batch(archs)
    a, b = int(0.8 * n), int(0.9 * n)
    if family == "gin":
        from surrogate.models import GraphSet

        X = GraphSet.from_data(X)
    return (X[:a], y[:a]), (X[a:b], y[a:b]), (X[b:], y[b:])


def throughput(n: int, path: str, epochs: int) -> dict:
    import torch

    from surrogate.models.gin import STACK, GINModel

    torch.set_num_threads(1)
    (X, y), _, _ = _data(n, "gin")
    if path == "old":
        GINModel._dense_training = False
        members = [GINModel(epochs=epochs, seed=0)]
    else:
        members = [GINModel(epochs=epochs, seed=s) for s in range(STACK)]
    t = time.perf_counter()
    c = time.process_time()
    GINModel.fit_ensemble(members, X, y, threads=1)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    work = len(y) * epochs * len(members)
    return {
        "kind": "throughput",
        "family": "gin",
        "rows": n,
        "train_rows": len(y),
        "path": path,
        "members": len(members),
        "epochs": epochs,
        "seconds": wall,
        "cpu_seconds": cpu,
        "member_graphs_per_s": work / wall,
        "member_graphs_per_cpu_s": work / cpu,
    }


def fit(family: str, n: int, path: str, members: int, epochs: int | None) -> dict:
    import numpy as np
    from scipy.stats import kendalltau

    from surrogate.ensemble import Ensemble
    from surrogate.models._threads import fit_workers

    (X, y), (Xv, yv), (Xt, yt) = _data(n, family)
    params: dict = {}
    threads = None
    if family == "gin":
        import torch

        torch.set_num_threads(1)
        if epochs is not None:
            params["epochs"] = epochs
        if path == "old":
            from surrogate.models.gin import GINModel

            GINModel._dense_training = False
            threads = 1
    elif path == "old":
        params["n_jobs"] = os.cpu_count()  # what n_jobs: null took: every thread, members in turn
    ens = Ensemble(family, n_members=members, params=params, seed=0)
    if family == "gin":
        from surrogate.models.gin import STACK

        tasks = -(-members // STACK)
    else:
        tasks = members
    workers = fit_workers(tasks, threads) if path == "new" else 1  # what fit_ensemble will take
    t = time.perf_counter()
    ens.fit(X, y, Xv, yv, threads=threads)
    wall = time.perf_counter() - t
    steps = [len(m.history_) if family == "gin" else m.n_rounds_ for m in ens.members_]
    mean, _ = ens.predict(Xt)
    return {
        "kind": "fit",
        "family": family,
        "rows": n,
        "train_rows": len(y),
        "path": path,
        "members": members,
        "epochs_cap": epochs,
        "workers": workers,
        "seconds": wall,
        "steps_mean": float(np.mean(steps)),
        "test_tau": float(kendalltau(yt, mean)[0]),
    }


def quality(data: str, path: str) -> dict:
    """A default GIN fit through ``fit_surrogate`` on real data, old path or new: validation and
    test tau/R^2 (``shipped``: the Fashion-MNIST default data, 10 members, split by architecture;
    ``nb201``: NAS-Bench-201, row split, 3 members on a 2,000-row training budget)."""
    import torch

    from surrogate.data import read_table
    from surrogate.fit import fit_surrogate
    from surrogate.models.gin import GINModel

    torch.set_num_threads(1)
    if data == "shipped":
        from surrogate.data import Dataset

        ds = Dataset.read_parquet("training_data/fmnist/default.parquet")
        kw = {"split": "random", "n_members": 10}
    else:
        ds, _ = read_table("training_data/nb201_analog/nb201_analog.parquet", space="nb201")
        kw = {"split": "rows", "n_members": 3, "train_size": 2000}
    GINModel._dense_training = path == "new"
    t = time.perf_counter()
    r = fit_surrogate(ds, family="gin", seed=0, progress=False, threads=1, **kw)
    return {
        "kind": "quality",
        "family": "gin",
        "data": data,
        "path": path,
        "seconds": time.perf_counter() - t,
        "members": kw["n_members"],
        "epochs": [len(m.history_) for m in r.ensemble.members_],
        **{f"{part}_{k}": r.metrics[part][k] for part in ("val", "test") for k in ("kendall_tau", "r2")},
    }


def _run(args: list[str], busy: bool) -> dict:
    hog = subprocess.Popen([sys.executable, "-c", BUSY]) if busy else None
    try:
        res = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def _fmt_s(s: float) -> str:
    return f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1000, 10_000, 60_000],
        help="rows of the GIN throughput runs (default: %(default)s)",
    )
    p.add_argument(
        "--fit-sizes",
        type=int,
        nargs="+",
        default=[1000, 10_000, 20_000],
        help="rows of the ensemble fits (default: %(default)s)",
    )
    p.add_argument("--families", nargs="+", choices=FAMILIES, default=list(FAMILIES))
    p.add_argument("--members", type=int, default=10, help="ensemble members of a fit (default: %(default)s)")
    p.add_argument("--epochs", type=int, default=2, help="epochs of a throughput run (default: %(default)s)")
    p.add_argument(
        "--gin-full-rows",
        type=int,
        default=1000,
        help="largest rows for a full default GIN fit; above, --gin-epochs only (default: %(default)s)",
    )
    p.add_argument("--gin-epochs", type=int, default=1, help="epochs of a capped GIN fit (default: %(default)s)")
    p.add_argument(
        "--old-max-rows", type=int, default=1000, help="largest rows the old paths are fit on (default: %(default)s)"
    )
    p.add_argument(
        "--old-members",
        type=int,
        default=3,
        help="members of an old-path fit (one after another, so per member x members is its "
        "ensemble's time) (default: %(default)s)",
    )
    p.add_argument(
        "--large-rows",
        type=int,
        default=10_000,
        help="from this many rows, fits use --large-members members (default: %(default)s)",
    )
    p.add_argument("--large-members", type=int, default=2, help="(default: %(default)s)")
    p.add_argument("--busy", action="store_true", help="also measure with a CPU-bound process beside each run")
    p.add_argument("--quick", action="store_true", help="1,000 rows, one throughput epoch, 5 members")
    p.add_argument(
        "--quality",
        nargs="*",
        choices=("shipped", "nb201"),
        help="only: default GIN fits old vs new on real data, validation/test tau and R^2",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "throughput":
            out = throughput(int(rest[0]), rest[1], int(rest[2]))
        elif kind == "quality":
            out = quality(rest[0], rest[1])
        else:
            out = fit(rest[0], int(rest[1]), rest[2], int(rest[3]), None if rest[4] == "-" else int(rest[4]))
        print(json.dumps(out))
        return 0
    if args.quick:
        args.sizes, args.fit_sizes, args.epochs, args.members, args.old_members = [1000], [1000], 1, 5, 2
    load = os.getloadavg()[0]
    print(f"# {os.cpu_count()} CPUs, load average {load:.1f} at start; rows split 80/10/10", flush=True)
    rows = []
    if args.quality is not None:
        for data in args.quality or ["shipped", "nb201"]:
            for path in ("old", "new"):
                r = _run(["--worker", "quality", data, path], False)
                rows.append(r)
                if not args.json:
                    print(
                        f"quality gin x{r['members']} {data} {path}: val tau {r['val_kendall_tau']:.3f} R2 "
                        f"{r['val_r2']:.3f}, test tau {r['test_kendall_tau']:.3f} R2 {r['test_r2']:.3f}; "
                        f"{_fmt_s(r['seconds'])}, epochs {r['epochs']}",
                        flush=True,
                    )
        if args.json:
            print(json.dumps(rows, indent=2))
        return 0
    for busy in [False, True] if args.busy else [False]:
        label = "busy" if busy else "as is"
        if "gin" in args.families:
            for n in args.sizes:
                pair = {}
                for path in ("old", "new"):
                    r = {**_run(["--worker", "throughput", str(n), path, str(args.epochs)], busy), "busy": busy}
                    rows.append(r)
                    pair[path] = r
                    if not args.json:
                        print(
                            f"[{label}] throughput gin {n:>6} rows {path}: {r['member_graphs_per_s']:,.0f} "
                            f"member-graphs/s wall ({r['member_graphs_per_cpu_s']:,.0f}/CPU-s; {r['members']} "
                            f"member(s) x {r['epochs']} epochs in {_fmt_s(r['seconds'])})",
                            flush=True,
                        )
                if not args.json:
                    ratio = pair["new"]["member_graphs_per_s"] / pair["old"]["member_graphs_per_s"]
                    cpu = pair["new"]["member_graphs_per_cpu_s"] / pair["old"]["member_graphs_per_cpu_s"]
                    print(
                        f"[{label}] throughput gin {n:>6} rows new/old: x{ratio:.2f} wall, x{cpu:.2f} CPU", flush=True
                    )
        for family in args.families:
            for n in args.fit_sizes:
                capped = family == "gin" and n > args.gin_full_rows
                epochs = args.gin_epochs if capped else None
                pair = {}
                for path in ("old", "new"):
                    if path == "old" and n > args.old_max_rows:
                        continue
                    members = args.old_members if path == "old" else args.members
                    if n >= args.large_rows:
                        members = min(members, args.large_members)
                    r = {
                        **_run(
                            [
                                "--worker",
                                "fit",
                                family,
                                str(n),
                                path,
                                str(members),
                                "-" if epochs is None else str(epochs),
                            ],
                            busy,
                        ),
                        "busy": busy,
                    }
                    r["seconds_per_member"] = r["seconds"] / members
                    rows.append(r)
                    pair[path] = r
                    if not args.json:
                        what = (
                            f"{epochs} epoch(s): {_fmt_s(r['seconds'] / epochs)} per epoch, at most "
                            f"{_fmt_s(r['seconds'] / epochs * 100)} for 100"
                            if capped
                            else f"{_fmt_s(r['seconds'])}, {r['steps_mean']:.0f} {'epochs' if family == 'gin' else 'rounds'} "
                            f"a member, test tau {r['test_tau']:.3f}"
                        )
                        print(
                            f"[{label}] fit {family} x{r['members']} {n:>6} rows {path} ({r['workers']} worker(s)): "
                            f"{what}; {_fmt_s(r['seconds_per_member'])} per member",
                            flush=True,
                        )
                if len(pair) == 2 and not args.json:
                    print(
                        f"[{label}] fit {family} {n:>6} rows old/new wall per member: "
                        f"x{pair['old']['seconds_per_member'] / pair['new']['seconds_per_member']:.2f}",
                        flush=True,
                    )
    if args.json:
        print(json.dumps(rows, indent=2))
    print(f"# load average {os.getloadavg()[0]:.1f} at the end", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
