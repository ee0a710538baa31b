"""Surrogate quality on real NAS-Bench-201 data no one here made (issue 3, "Done means").

Fits GIN, XGBoost, LightGBM, random-forest and kNN ensembles on the analog-nasbench table
(``training_data/nb201_analog``: all 15,625 NB201 cells trained on CIFAR-10, target
``val_accuracy`` = the source's ``baseline_accuracy``) with one seeded 80/10/10 split by
architecture (:func:`surrogate.fit.split_indices`, the ``fit`` default: isomorphic cells share one
``arch_hash`` and so one part), calibrates each ensemble's std on the validation part and reports
on the test part: R², Kendall τ, sparse τ, MAE, 68%/95% coverage, fit time. Then it refits the
two models with the best *validation* τ on 100, 1,000 and 10,000 training cells (a seeded
subsample of the training part; validation and test parts unchanged) for a learning curve.

Every test metric is given twice: per row (one row = one trained cell, what the issue asks for)
and per isomorphism class (one row per ``arch_hash``: the class's mean accuracy against the one
prediction all its cells share). The two differ because five classes hold 341 cells each (every
cell whose only live edge is one op from input to output) and the split puts each class whole
into one part; see docs/nb201-quality.md.

    python bench/nb201_quality.py --out bench/results/nb201_quality.json
    python bench/nb201_quality.py --models xgb knn --members 2 --sizes 100 --json   # quick look
    python bench/nb201_quality.py --gin-members 5 --params '{"gin": {"epochs": 20}}'
    python bench/nb201_quality.py --split rows --out bench/results/nb201_quality_rows.json

Results are written to ``--out`` after every ensemble (atomically), so a stopped run keeps what it
finished; ``complete`` is true only when everything ran.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "training_data" / "nb201_analog" / "nb201_analog.parquet"
FAMILIES = ("gin", "xgb", "lgb", "rf", "knn")
DEFAULT_SIZES = (100, 1000, 10_000)
TARGET = "val_accuracy"

#: Per-run hyperparameters on top of ``configs/models/<family>.yaml``, chosen on the *validation*
#: split of this data (log in docs/nb201-quality.md). The 30 one-hot edge-op columns of an NB201
#: cell need every column in every tree (column subsampling at 0.5 loses 0.05-0.1 τ) and deep
#: trees (the six edges interact); the GIN is the config default cut to 12 epochs (about 25 CPU
#: seconds a member here) with the pairwise ranking loss on (+0.025 validation τ).
BENCH_PARAMS: dict[str, dict[str, Any]] = {
    "gin": {
        "hidden_dim": 64,
        "n_layers": 4,
        "batch_size": 128,
        "epochs": 12,
        "learning_rate": 0.003,
        "patience": 12,
        "rank_weight": 0.5,
    },
    "xgb": {"learning_rate": 0.1, "max_depth": 12, "colsample_bytree": 1.0},
    "lgb": {"learning_rate": 0.1, "num_leaves": 127, "min_child_samples": 5, "feature_fraction": 1.0},
    "rf": {"max_features": 0.3, "min_samples_leaf": 1},
    "knn": {},
}
_THREADED = ("xgb", "lgb", "rf", "knn")  # families with an ``n_jobs`` parameter


def load(path: str | os.PathLike = DEFAULT_DATA) -> Any:
    """The NB201 table at ``path`` as a :class:`surrogate.data.Dataset` (``space="nb201"``)."""
    from surrogate.data import read_table

    # every NB201 cell index is a row of its own, isomorphic ones included (each was trained on
    # its own): the protocol behind docs/nb201-quality.md, so no de-duplication
    dataset, report = read_table(path, space="nb201", dedupe=False, progress=False)
    if report.n_skipped:
        raise ValueError(
            f"{path}: {report.n_skipped} rows could not be read; the table is damaged, re-convert it "
            "(training_data/nb201_analog/README.md)"
        )
    return dataset


def row_split(n: int, seed: int = 0, fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> tuple[np.ndarray, ...]:
    """Rows ``0..n-1`` split at random into sorted parts of the given fractions, ignoring isomorphism."""
    order = np.random.default_rng(seed).permutation(n)
    cuts = np.round(np.cumsum(fractions) * n).astype(np.int64)
    cuts[-1] = n
    return tuple(np.sort(part).astype(np.int64) for part in np.split(order, cuts[:-1]))


def _cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _clean(x: Any) -> Any:
    """JSON-ready: non-finite floats become ``None``, numpy scalars plain numbers."""
    if isinstance(x, Mapping):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return float(x) if math.isfinite(float(x)) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


def write_json(results: Mapping[str, Any], path: str | os.PathLike) -> None:
    """Write ``results`` to ``path`` atomically (a stop mid-write leaves the previous file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(_clean(results), indent=1) + "\n")
    os.replace(tmp, path)


def class_metrics(
    dataset: Any, indices: np.ndarray, mean: np.ndarray, std: np.ndarray, n_worst: int = 5
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Metrics with one row per isomorphism class among ``indices``, and the worst classes.

    The truth of a class is the mean accuracy of its cells; its prediction the mean (and std) of
    the predictions for its cells, which are equal since isomorphic cells encode identically.
    The worst classes are those with the largest summed absolute error over their rows.
    """
    from surrogate.metrics import regression_report

    hashes = dataset.column("arch_hash")[indices]
    y = dataset.column(TARGET).astype(float)[indices]
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)

    def per_class(v: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=v) / counts

    truth, pred, spread = per_class(y), per_class(mean), per_class(std)
    report = regression_report(truth, pred, spread)
    first = np.full(len(counts), -1, dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(inverse))[::-1]
    archs = dataset.column("arch")[indices]
    cost = counts * np.abs(truth - pred)
    worst = [
        {
            "arch": str(archs[first[c]]),
            "cells": int(counts[c]),
            "truth": float(truth[c]),
            "pred": float(pred[c]),
            "std": float(spread[c]),
        }
        for c in np.argsort(-cost)[:n_worst]
    ]
    return report, worst


def _member_log(log: Callable[[str], Any], label: str) -> tuple[Callable[[int, int], None], Callable]:
    """A progress callable (one line per member) and a per-epoch callback (GIN: every 4th epoch)."""
    t0 = time.perf_counter()
    state = {"member": 1}

    def progress(done: int, total: int) -> None:
        log(f"  [{label}] member {done}/{total} done, {time.perf_counter() - t0:.0f} s")
        state["member"] = done + 1

    def callback(epoch: int, info: Mapping[str, float]) -> None:
        if epoch % 4 == 3:
            val = f" val {info['val']:.4f}" if "val" in info else ""
            log(f"  [{label}] member {state['member']} epoch {epoch + 1} train {info['train']:.4f}{val}")

    return progress, callback


def _fit_one(
    dataset: Any,
    family: str,
    split: tuple[np.ndarray, ...],
    n_members: int,
    params: Mapping[str, Any],
    seed: int,
    log: Callable[[str], Any],
    label: str,
) -> dict[str, Any]:
    """Fit, calibrate and measure one ensemble; the summary that goes into the results."""
    from surrogate.fit import evaluate, fit_surrogate

    progress, callback = _member_log(log, label)
    wall, cpu = time.perf_counter(), _cpu_seconds()
    result = fit_surrogate(
        dataset,
        family=family,
        target=TARGET,
        split=split,
        n_members=n_members,
        params=params,
        seed=seed,
        progress=progress,
        callback=callback if family == "gin" else None,
    )
    total_wall, total_cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    test = split[2]
    _, mean, std = evaluate(result.ensemble, result.space, dataset, TARGET, test)
    by_class, worst = class_metrics(dataset, test, mean, std)
    cal = getattr(result.ensemble, "calibration_", None)
    return {
        "family": family,
        "members": n_members,
        "params": dict(params),
        "sizes": result.sizes,
        "fit_seconds": result.fit_seconds,
        "wall_seconds": total_wall,
        "cpu_seconds": total_cpu,
        "calibration": cal.to_dict() if cal is not None else None,
        "val": result.metrics["val"],
        "test": result.metrics["test"],
        "test_by_class": by_class,
        "test_worst_classes": worst,
    }


def _environment(threads: int) -> dict[str, Any]:
    import importlib.metadata as md

    versions = {}
    for lib in ("numpy", "scikit-learn", "xgboost", "lightgbm", "torch", "torch-geometric"):
        versions[lib] = None
        for dist in (lib, f"{lib}-cpu"):  # xgboost also ships as xgboost-cpu
            try:
                versions[lib] = md.version(dist)
                break
            except md.PackageNotFoundError:
                pass
    processor = platform.processor() or None
    try:
        processor = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": processor,
        "cpu_count": os.cpu_count(),
        "threads": threads,
        "load_average_start": list(os.getloadavg()),
        "versions": versions,
    }


def run_quality(
    dataset: Any,
    *,
    models: Sequence[str] = FAMILIES,
    members: int = 10,
    gin_members: int | None = None,
    sizes: Sequence[int] = DEFAULT_SIZES,
    curve_models: Sequence[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    split: str = "architecture",
    seed: int = 0,
    threads: int | None = 1,
    out: str | os.PathLike | None = None,
    log: Callable[[str], Any] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit every family in ``models`` on one seeded split of ``dataset`` and the learning curve.

    Parameters
    ----------
    dataset : surrogate.data.Dataset
        An NB201 table (see :func:`load`) with a ``val_accuracy`` column.
    models : sequence of str, default all five families
    members : int, default 10
        Ensemble members per family.
    gin_members : int, optional
        Members of the GIN ensemble when it should differ from ``members`` (CPU budget).
    sizes : sequence of int, default (100, 1000, 10000)
        Training cells for the learning curve (a seeded subsample of the training part); sizes
        above the training part are skipped. Empty: no learning curve.
    curve_models : sequence of str, optional
        Families for the learning curve; default the two with the best validation Kendall τ.
    params : mapping of family -> mapping, optional
        Hyperparameters over :data:`BENCH_PARAMS` (which sit over ``configs/models``).
    split : {"architecture", "rows"}, default "architecture"
        ``"architecture"``: :func:`surrogate.fit.split_indices` (isomorphic cells share a part).
        ``"rows"``: :func:`row_split`, cells at random regardless of isomorphism, so a test cell's
        isomorphic twins may be in training (for comparison with figures measured that way).
    seed : int, default 0
        Seeds the split, the members and the subsamples.
    threads : int or None, default 1
        ``n_jobs`` of the tree and kNN models (``None``: their default, all cores).
    out : path, optional
        JSON results file, rewritten after every ensemble.
    log : callable, optional
        Gets one progress line at a time (default: print to stderr).
    meta : mapping, optional
        Recorded under ``"run"`` (command line, environment).

    Returns
    -------
    dict
        ``data``, ``split``, ``models`` (per family: metrics on ``val``, ``test`` and
        ``test_by_class``, calibration, times), ``learning_curve`` and ``complete``.
    """
    from surrogate.fit import split_indices
    from surrogate.models import MODELS

    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    unknown = [m for m in [*models, *(curve_models or [])] if m not in MODELS]
    if unknown:
        raise ValueError(f"unknown model families {unknown}; choose from {sorted(MODELS)}")
    if isinstance(members, bool) or members < 1 or (gin_members is not None and gin_members < 1):
        raise ValueError(f"members must be >= 1, got members={members}, gin_members={gin_members}")
    if TARGET not in dataset.columns:
        raise ValueError(f"the dataset has no {TARGET!r} column; columns: {dataset.columns}")
    overrides = {k: dict(v) for k, v in (params or {}).items()}
    bad = sorted(set(overrides) - set(MODELS))
    if bad:
        raise ValueError(f"params has unknown families {bad}; give e.g. {{'gin': {{'epochs': 20}}}}")

    def params_of(family: str) -> dict[str, Any]:
        p = {**BENCH_PARAMS.get(family, {}), **overrides.get(family, {})}
        if family in _THREADED and threads is not None:
            p.setdefault("n_jobs", threads)
        return p

    def members_of(family: str) -> int:
        return gin_members if family == "gin" and gin_members is not None else members

    if split == "architecture":
        (tr, va, te), split_desc = split_indices(dataset, None, seed)
    elif split == "rows":
        (tr, va, te), split_desc = (
            row_split(len(dataset), seed),
            {"kind": "random_by_row", "fractions": [0.8, 0.1, 0.1], "seed": seed},
        )
    else:
        raise ValueError(f"split must be 'architecture' or 'rows', got {split!r}")
    hashes = dataset.column("arch_hash")
    results: dict[str, Any] = {
        "benchmark": "nb201_quality",
        "target": TARGET,
        "data": {"rows": len(dataset), "classes": int(len(np.unique(hashes))), "fingerprint": dataset.fingerprint()},
        "split": {
            **split_desc,
            "rows": [len(tr), len(va), len(te)],
            "classes": [int(len(np.unique(hashes[p]))) for p in (tr, va, te)],
        },
        "run": dict(meta or {}),
        "models": {},
        "learning_curve": None,
        "complete": False,
    }

    def save() -> None:
        if out is not None:
            write_json(results, out)

    save()
    log(f"split: {len(tr)} / {len(va)} / {len(te)} rows, classes {results['split']['classes']}")
    for family in models:
        n = members_of(family)
        log(f"[{family}] fitting {n} members on {len(tr)} cells, params {params_of(family)}")
        summary = _fit_one(dataset, family, (tr, va, te), n, params_of(family), seed, log, family)
        results["models"][family] = summary
        t, c = summary["test"], summary["test_by_class"]
        log(
            f"[{family}] test tau {t['kendall_tau']:.4f} (by class {c['kendall_tau']:.4f}), R2 {t['r2']:.4f}, "
            f"cov68/95 {t['coverage_68']:.3f}/{t['coverage_95']:.3f}, fit {summary['fit_seconds']:.0f} s"
        )
        save()

    sizes = [int(s) for s in sizes]
    if sizes:
        if curve_models is None:
            ranked = sorted(results["models"], key=lambda f: -_nan_low(results["models"][f]["val"]["kendall_tau"]))
            chosen, chosen_by = ranked[:2], "validation kendall_tau"
        else:
            chosen, chosen_by = list(curve_models), "given"
        curve: dict[str, Any] = {"models": chosen, "chosen_by": chosen_by, "sizes": sizes, "results": {}}
        results["learning_curve"] = curve
        rng = np.random.default_rng(np.random.SeedSequence([seed, 201]))
        order = rng.permutation(tr)  # nested subsamples: the 100 cells are among the 1,000
        for size in sizes:
            if size > len(tr):
                log(f"[curve] skipping {size}: the training part has only {len(tr)} cells")
                continue
            sub = np.sort(order[:size])
            for family in chosen:
                n = members_of(family)
                label = f"{family}@{size}"
                log(f"[{label}] fitting {n} members")
                summary = _fit_one(dataset, family, (sub, va, te), n, params_of(family), seed, log, label)
                curve["results"].setdefault(family, {})[str(size)] = {
                    k: summary[k] for k in ("members", "fit_seconds", "cpu_seconds", "val", "test", "test_by_class")
                }
                log(
                    f"[{label}] test tau {summary['test']['kendall_tau']:.4f} "
                    f"(by class {summary['test_by_class']['kendall_tau']:.4f})"
                )
                save()
        # the full training part completes each curve
        for family in chosen:
            if family in results["models"]:
                full = results["models"][family]
                curve["results"].setdefault(family, {})[str(len(tr))] = {
                    k: full[k] for k in ("members", "fit_seconds", "cpu_seconds", "val", "test", "test_by_class")
                }
    results["complete"] = True
    results["run"]["load_average_end"] = list(os.getloadavg())
    save()
    return results


def _nan_low(x: float | None) -> float:
    return -math.inf if x is None or not math.isfinite(x) else x


def format_tables(results: Mapping[str, Any]) -> str:
    """The model table (test split, per row and per class) and the learning-curve τ as Markdown."""
    lines = [
        "| model | members | R² | Kendall τ | sparse τ | MAE | cov 68% | cov 95% | τ by class | cov 68/95% by class "
        "| fit (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for family, s in results["models"].items():
        t, c = s["test"], s["test_by_class"]
        lines.append(
            f"| {family} | {s['members']} | {_f(t['r2'], 3)} | {_f(t['kendall_tau'], 3)} | "
            f"{_f(t['sparse_kendall_tau'], 3)} | {_f(t['mae'], 2)} | {_pct(t['coverage_68'])} | "
            f"{_pct(t['coverage_95'])} | {_f(c['kendall_tau'], 3)} | {_pct(c['coverage_68'])} / "
            f"{_pct(c['coverage_95'])} | {s['fit_seconds']:.0f} |"
        )
    curve = results.get("learning_curve")
    if curve and curve["results"]:
        sizes = sorted({int(k) for r in curve["results"].values() for k in r})
        lines += ["", "| model | " + " | ".join(f"{n:,} cells" for n in sizes) + " |", "|---|" + "---|" * len(sizes)]
        for family, r in curve["results"].items():
            cells = []
            for n in sizes:
                e = r.get(str(n))
                cells.append(
                    "—"
                    if e is None
                    else f"{_f(e['test']['kendall_tau'], 3)} ({_f(e['test_by_class']['kendall_tau'], 3)})"
                )
            lines.append(f"| {family} | " + " | ".join(cells) + " |")
        lines.append("")
        lines.append("Learning curve: test Kendall τ per row (per class in brackets).")
    return "\n".join(lines)


def _f(x: float | None, digits: int) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def _pct(x: float | None) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{100 * x:.1f}"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(DEFAULT_DATA), help="the NB201 table (default: %(default)s)")
    p.add_argument(
        "--models",
        nargs="+",
        default=list(FAMILIES),
        choices=FAMILIES,
        help="families to fit, in this order (default: all five)",
    )
    p.add_argument("--members", type=int, default=10, help="ensemble members per family (default: %(default)s)")
    p.add_argument(
        "--gin-members", type=int, default=None, help="members of the GIN ensemble if different (default: --members)"
    )
    p.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=list(DEFAULT_SIZES),
        help="training cells for the learning curve; none to skip it (default: %(default)s)",
    )
    p.add_argument(
        "--curve-models",
        nargs="+",
        choices=FAMILIES,
        default=None,
        help="families for the learning curve (default: the best two by validation tau)",
    )
    p.add_argument(
        "--params",
        default=None,
        help='JSON object of per-family hyperparameters over the bench defaults, e.g. \'{"gin": {"epochs": 20}}\'',
    )
    p.add_argument(
        "--split",
        choices=("architecture", "rows"),
        default="architecture",
        help="80/10/10 by isomorphism class (fit's default) or by row, ignoring isomorphism (default: %(default)s)",
    )
    p.add_argument("--seed", type=int, default=0, help="split, member and subsample seed (default: %(default)s)")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per model (n_jobs; torch threads); 0 = library default (default: %(default)s)",
    )
    p.add_argument("--out", default=None, help="JSON results file, rewritten after every ensemble")
    p.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")
    args = p.parse_args(argv)
    try:
        params = json.loads(args.params) if args.params else None
        if params is not None and not isinstance(params, dict):
            raise ValueError("--params must be a JSON object mapping family to parameters")
    except json.JSONDecodeError as err:
        p.error(f'--params is not valid JSON ({err}); e.g. \'{{"gin": {{"epochs": 20}}}}\'')
    threads = args.threads or None
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    meta = {
        "command": "python bench/nb201_quality.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "data": str(args.data),
        **_environment(args.threads),
    }
    dataset = load(args.data)
    try:
        results = run_quality(
            dataset,
            models=args.models,
            members=args.members,
            gin_members=args.gin_members,
            sizes=args.sizes,
            curve_models=args.curve_models,
            params=params,
            split=args.split,
            seed=args.seed,
            threads=threads,
            out=args.out,
            meta=meta,
        )
    except ValueError as err:
        p.error(str(err))
    print(json.dumps(_clean(results), indent=1) if args.json else format_tables(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
