"""Assemble a benchmark directory from evaluation data: fit each model, measure, write benchmark.json.

The shipped default (``checkpoints/default``) is made by ``scripts/build_default.py``, which calls
:func:`assemble_benchmark` on the shipped Fashion-MNIST evaluations.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .benchmark import BENCHMARK_FILE, FORMAT_VERSION
from .benchmark_spec import check_spec
from .data import Dataset
from .fit import evaluate, fit_surrogate, seed_statistics, split_indices
from .metrics import report_to_json

__all__ = ["assemble_benchmark", "fidelity_of", "pooled_seed_std"]


def pooled_seed_std(dataset: Dataset, target: str) -> tuple[float, int]:
    """sqrt of the mean within-architecture variance over architectures with >= 2 seeds, and their count.

    Rows without a finite ``target`` (e.g. runs whose training time was not measured) are left
    out. Raises ``ValueError`` when no architecture has two such rows, or the estimate is not a
    finite number: a benchmark cannot add noise it could not measure.
    """
    y = np.asarray(dataset.column(target), dtype=float)
    _, _, std = seed_statistics(dataset.filter(np.isfinite(y)), target)
    if len(std) == 0:
        raise ValueError(
            f"no architecture has two or more seeds with a finite {target!r}, so the seed noise of "
            f"{target!r} cannot be measured; generate a multi-seed subset (surrogate generate --multi-seed-every)"
        )
    sd = float(np.sqrt(np.mean(std**2)))
    if not np.isfinite(sd):
        raise ValueError(f"the seed noise of {target!r} came out {sd}; check the {target!r} column")
    return sd, int(len(std))


def fidelity_of(dataset: Dataset) -> dict:
    """The one fidelity the dataset was generated at (its ``fidelity`` column, JSON text)."""
    if "fidelity" not in dataset.columns:
        raise ValueError("the dataset has no 'fidelity' column; it was not made by surrogate generate")
    values = {v for v in dataset.column("fidelity").tolist() if v}
    if len(values) != 1:
        raise ValueError(f"expected data of one fidelity, found {len(values)}; filter the dataset first")
    return json.loads(values.pop())


def assemble_benchmark(
    dataset: Dataset,
    out: str | Path,
    *,
    models: Sequence[tuple[str, str]] = (("val_accuracy", "xgb"), ("val_accuracy", "gin"), ("train_time", "lgb")),
    default: Mapping[str, str] | None = None,
    n_members: int = 10,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int = 0,
    progress: bool | None = None,
    overwrite: bool = False,
) -> Path:
    """Fit ``models`` (pairs of target and family) on ``dataset`` and write a benchmark to ``out``.

    ``default`` maps a target to the family that answers it (default: the first listed).
    ``params`` maps a model name (``"<target>-<family>"``, e.g. ``"val_accuracy-lgb"``) or a family
    to hyperparameters; the model name wins. Every model uses the same seeded split.
    """
    from .cost import build_cost_tables

    out = Path(out)
    if out.exists():
        if not overwrite:
            raise ValueError(f"{out} exists; pass overwrite=True to replace it")
        if not (out / BENCHMARK_FILE).exists():
            raise ValueError(f"{out} exists and is not a benchmark directory; refusing to replace it")
    fid = fidelity_of(dataset)
    noise = {}  # measured first: a noise model that cannot be estimated fails before any fit
    for target in dict.fromkeys(t for t, _ in models):
        sd, n = pooled_seed_std(dataset, target)
        noise[target] = {"seed_std": sd, "n_multi_seed_architectures": n,
                         "how": "pooled within-architecture std over the multi-seed subset (rows with a finite value)"}
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (_, _, te), split_desc = split_indices(dataset, None, seed)
    entries: dict[str, dict] = {}
    for target, family in models:
        name = f"{target}-{family}"
        result = fit_surrogate(
            dataset, family=family, target=target, n_members=n_members,
            params=(params or {}).get(name, (params or {}).get(family)), seed=seed, progress=progress,
        )
        result.save(out / name, extra={"fidelity": fid})
        _, _, std = evaluate(result.ensemble, result.space, dataset, target, te)
        entries[name] = {
            "target": target,
            "family": family,
            "dir": name,
            "manifest_sha256": hashlib.sha256((out / name / "manifest.json").read_bytes()).hexdigest(),
            "ood_std_threshold": float(np.quantile(std, 0.99)),
            "test": report_to_json(result.metrics.get("test", {})),
            "fit_seconds": result.fit_seconds,
        }
    defaults = dict(default or {})
    for target, family in models:
        defaults.setdefault(target, f"{target}-{family}")
    for target, name in list(defaults.items()):
        if name not in entries and f"{target}-{name}" in entries:
            defaults[target] = f"{target}-{name}"
    spec = {
        "format_version": FORMAT_VERSION,
        "space": dataset.space,
        "fidelity": fid,
        "data": {"rows": len(dataset), "architectures": int(len(np.unique(dataset.column("arch_hash")))),
                 "fingerprint": dataset.fingerprint()},
        "split": split_desc,
        "models": entries,
        "default": defaults,
        "noise": noise,
        "cost_tables": build_cost_tables(fid["layers"], fid["channels"], fid["resolution"]),
    }
    check_spec(spec, out)  # what loading checks, so a bad benchmark fails here, not at query time
    (out / BENCHMARK_FILE).write_text(json.dumps(spec, indent=1, allow_nan=False))
    return out
