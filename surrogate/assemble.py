"""Assemble a benchmark directory: from evaluation data (fit each model, measure, write
benchmark.json) or from checkpoints already fit (copy them, measure, write benchmark.json).

:func:`assemble_benchmark` fits the models itself; the shipped default (``checkpoints/default``) is
made by ``scripts/build_default.py``, which calls it on the shipped Fashion-MNIST evaluations.
:func:`assemble_from_checkpoints` (the ``surrogate assemble`` command) takes checkpoints of
``surrogate fit``, of any search space, and the data they were fit on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._util import atomic_write_text
from .benchmark import BENCHMARK_FILE, FORMAT_VERSION
from .benchmark_spec import check_spec
from .data import Dataset
from .fit import fit_surrogate, seed_statistics, split_indices
from .metrics import report_to_json
from .spaces import get_space

logger = logging.getLogger(__name__)

__all__ = ["assemble_benchmark", "assemble_from_checkpoints", "fidelity_of", "pooled_seed_std"]


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
    curves: bool | None = None,
) -> Path:
    """Fit ``models`` (pairs of target and family) on ``dataset`` and write a benchmark to ``out``.

    ``default`` maps a target to the family that answers it (default: the first listed).
    ``curves``: also fit the learning-curve model (:class:`surrogate.curves.CurveBundle`, per-epoch
    queries) on the dataset's ``val_curve`` column; ``None`` (default) does when the column holds
    curves of at least 20 architectures, ``True`` insists, ``False`` never.
    ``params`` maps a model name (``"<target>-<family>"``, e.g. ``"val_accuracy-lgb"``) or a family
    to hyperparameters; the model name wins. Every model uses the same seeded split.
    """
    out = Path(out)
    if out.exists():
        if not overwrite:
            raise ValueError(f"{out} exists; pass overwrite=True to replace it")
        if not (out / BENCHMARK_FILE).exists():
            raise ValueError(f"{out} exists and is not a benchmark directory; refusing to replace it")
    space = get_space(dataset.space)
    fid = fidelity_of(dataset) if space.has_cost or "fidelity" in dataset.columns else None
    noise = {}  # measured first: a noise model that cannot be estimated fails before any fit
    for target in dict.fromkeys(t for t, _ in models):
        sd, n = pooled_seed_std(dataset, target)
        noise[target] = {
            "seed_std": sd,
            "n_multi_seed_architectures": n,
            "how": "pooled within-architecture std over the multi-seed subset (rows with a finite value)",
        }
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (tr, va, te), split_desc = split_indices(dataset, None, seed)
    entries: dict[str, dict] = {}
    for target, family in models:
        name = f"{target}-{family}"
        result = fit_surrogate(
            dataset,
            family=family,
            target=target,
            n_members=n_members,
            params=(params or {}).get(name, (params or {}).get(family)),
            seed=seed,
            progress=progress,
        )
        result.save(out / name, extra={"fidelity": fid} if fid is not None else None)
        if result.test_std is None:
            raise ValueError(f"the split leaves no test rows with a finite {target!r} to set the OOD threshold on")
        entries[name] = {
            "target": target,
            "family": family,
            "dir": name,
            "manifest_sha256": hashlib.sha256((out / name / "manifest.json").read_bytes()).hexdigest(),
            "ood_std_threshold": float(np.quantile(result.test_std, 0.99)),
            "test": report_to_json(result.metrics.get("test", {})),
            "fit_seconds": result.fit_seconds,
        }
    curve_entry = _fit_curves(dataset, space, out, seed, curves)
    _write_spec(
        out,
        dataset,
        space,
        fid,
        split_desc,
        entries,
        _defaults(default, models, entries),
        noise,
        curves=curve_entry,
        novelty=fit_novelty(dataset, space, out, tr, np.concatenate([va, te])),
    )
    return out


#: Neighbours of the novelty detector, and the share of held-out architectures it flags.
NOVELTY_K, NOVELTY_QUANTILE = 5, 0.99
NOVELTY_FILE = "novelty.npz"


def fit_novelty(dataset: Dataset, space: Any, out: Path, train: np.ndarray, test: np.ndarray) -> dict:
    """Fit the feature-distance OOD detector (:class:`surrogate.novelty.NearestNeighbours`) on the
    training rows' architectures, calibrated to flag 1% of the held-out (validation and test)
    architectures ``test``; save it into ``out``.

    Chosen by measurement (``bench/ood.py`` on the shipped default): at the same 1% false-alarm
    rate on uniform samples, the ensemble std flagged 0 of 11 corner cells and 6.9% of skewed
    samples, this detector 10 of 11 and 26.7%.
    """
    from .novelty import NearestNeighbours

    genotypes = dataset.genotypes()
    hashes = dataset.column("arch_hash")

    def unique_features(rows: np.ndarray) -> np.ndarray:
        _, first = np.unique(hashes[rows], return_index=True)
        return space.features([genotypes[i] for i in np.asarray(rows)[np.sort(first)]])

    detector = NearestNeighbours.fit(
        unique_features(train), unique_features(test), k=NOVELTY_K, quantile=NOVELTY_QUANTILE
    )
    path = detector.save(Path(out) / NOVELTY_FILE)
    return {
        "file": NOVELTY_FILE,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "k": detector.k,
        "threshold": detector.threshold,
        "reference_architectures": int(len(detector.reference)),
        "how": f"mean distance to the {detector.k} nearest training architectures in standardised tree-feature "
        f"space; threshold: the {NOVELTY_QUANTILE:.0%} quantile over the held-out (validation and test) "
        "architectures",
    }


def add_novelty(directory: str | Path, dataset: Dataset) -> Path:
    """Give an existing benchmark the novelty detector, from the data it was fit on (its recorded
    fingerprint must match) and its recorded split; rewrites ``benchmark.json``."""
    directory = Path(directory)
    spec = json.loads((directory / BENCHMARK_FILE).read_text())
    if spec.get("data", {}).get("fingerprint") != dataset.fingerprint():
        raise ValueError(f"{directory}: the dataset is not the one the benchmark was fit on (fingerprints differ)")
    split = spec.get("split") or {}
    if split.get("kind") != "random_by_architecture":
        raise ValueError(f"{directory}: cannot rebuild a {split.get('kind')!r} split; reassemble the benchmark")
    (tr, va, te), _ = split_indices(dataset, tuple(split["fractions"]), split["seed"])
    spec["novelty"] = fit_novelty(dataset, get_space(dataset.space), directory, tr, np.concatenate([va, te]))
    check_spec(spec, directory)
    atomic_write_text(directory / BENCHMARK_FILE, json.dumps(spec, indent=1, allow_nan=False))
    return directory


def _fit_curves(dataset: Dataset, space: Any, out: Path, seed: int, wanted: bool | None) -> dict | None:
    """Fit and save the curve model into ``out/curves`` when wanted; its ``benchmark.json`` entry."""
    from .benchmark_spec import curve_files
    from .curves import CurveBundle

    if wanted is False:
        return None
    has = "val_curve" in dataset.columns and sum(c is not None for c in dataset.table.column("val_curve").to_pylist())
    if not has and not wanted:
        return None
    try:
        bundle = CurveBundle.fit(dataset, space, seed=seed)
    except ValueError as err:
        if wanted:
            raise
        logger.warning("no learning-curve model: %s", err)
        return None
    folder = bundle.save(out / "curves")
    return {
        "dir": "curves",
        "epochs": bundle.epochs,
        "files_sha256": curve_files(folder),
        "info": bundle.info,
        "what": "epoch k = after k epochs of the benchmark's one training run (a prefix, not a shorter run)",
    }


def _defaults(default: Mapping[str, str] | None, models: Sequence[tuple[str, str]], entries: Mapping) -> dict:
    """Target -> model name: ``default`` (a model name or a family), else the first listed."""
    defaults = dict(default or {})
    for target, family in models:
        defaults.setdefault(target, f"{target}-{family}")
    for target, name in list(defaults.items()):
        if name not in entries and f"{target}-{name}" in entries:
            defaults[target] = f"{target}-{name}"
    return defaults


def _write_spec(
    out: Path,
    dataset: Dataset,
    space: Any,
    fid: Mapping | None,
    split: Any,
    entries: dict,
    defaults: dict,
    noise: dict,
    curves: dict | None = None,
    novelty: dict | None = None,
) -> None:
    """Check and write ``benchmark.json``; cost tables where the space has a cost model and the
    fidelity is known (measured from the real network modules, which imports torch)."""
    tables = None
    if space.has_cost and fid is not None:
        from .cost import build_cost_tables

        tables = build_cost_tables(fid["layers"], fid["channels"], fid["resolution"])
    elif space.has_cost:
        logger.warning("no training fidelity known, so the benchmark gets no cost tables (params, FLOPs)")
    spec = {
        "format_version": FORMAT_VERSION,
        "space": space.name,
        "fidelity": None if fid is None else dict(fid),
        "data": {
            "rows": len(dataset),
            "architectures": int(len(np.unique(dataset.column("arch_hash")))),
            "fingerprint": dataset.fingerprint(),
        },
        "split": split,
        "models": entries,
        "default": defaults,
        "noise": noise,
        "cost_tables": tables,
    }
    if curves is not None:
        spec["curves"] = curves
    if novelty is not None:
        spec["novelty"] = novelty
    check_spec(spec, out)  # what loading checks, so a bad benchmark fails here, not at query time
    atomic_write_text(out / BENCHMARK_FILE, json.dumps(spec, indent=1, allow_nan=False))


def _noise(dataset: Dataset, target: str, seed_std: Mapping[str, float]) -> dict:
    if target in seed_std:
        sd = seed_std[target]
        if isinstance(sd, bool) or not isinstance(sd, (int, float)) or not np.isfinite(sd) or sd < 0:
            raise ValueError(f"seed_std[{target!r}] must be a finite number >= 0, got {sd!r}")
        return {"seed_std": float(sd), "how": "given when the benchmark was assembled"}
    try:
        sd, n = pooled_seed_std(dataset, target)
    except ValueError as err:
        raise ValueError(
            f"{err}; or give the seed noise yourself (seed_std={{{target!r}: SD}}, "
            f"surrogate assemble --seed-std {target}=SD; 0 for none)"
        ) from None
    return {
        "seed_std": sd,
        "n_multi_seed_architectures": n,
        "how": "pooled within-architecture std over the multi-seed subset (rows with a finite value)",
    }


def assemble_from_checkpoints(
    checkpoints: Sequence[str | Path],
    out: str | Path,
    dataset: Dataset,
    *,
    seed_std: Mapping[str, float] | None = None,
    default: Mapping[str, str] | None = None,
    fidelity: Mapping[str, Any] | None = None,
    overwrite: bool = False,
    curves: bool | None = None,
) -> Path:
    """Build a benchmark directory at ``out`` from checkpoints of ``fit_surrogate`` / ``surrogate fit``.

    Each checkpoint is loaded with every check (:func:`surrogate.checkpoint.load_fitted`) and
    copied to ``out/<target>-<family>`` (its folder name when two share that). ``dataset`` is the
    data they were fit on: it gives each model's out-of-distribution threshold (the 99th
    percentile of its calibrated std on its own test split, rebuilt from the manifest; on all
    rows when the data is not the fit data) and the seed noise of each target (the pooled
    within-architecture std of its multi-seed rows) unless ``seed_std`` gives it.

    Parameters
    ----------
    checkpoints : paths
        One or more checkpoint directories, all of one search space, with a ``val_accuracy``
        model among them (a ``train_time`` model makes runtime queries and time budgets work).
    out : path
        The benchmark directory to write.
    dataset : Dataset
        The evaluations the checkpoints were fit on.
    seed_std : mapping, optional
        ``{target: std}``: the seed noise to add with ``with_noise=True``, for data without
        repeated seeds (0 adds none).
    default : mapping, optional
        ``{target: model name or family}`` answering each target (default: the first listed).
    fidelity : mapping, optional
        The training fidelity (``layers``, ``channels``, ``resolution``) for a space with a cost
        model; default: recorded in a checkpoint, else the data's ``fidelity`` column.
    overwrite : bool, default False
        Replace an existing benchmark directory at ``out``.
    curves : bool, optional
        Fit the learning-curve model on ``dataset``'s ``val_curve`` column (as
        :func:`assemble_benchmark`; ``None`` does when it holds curves of 20+ architectures).

    The novelty detector (``query().ood``) is fit on the accuracy checkpoint's training rows and
    calibrated on its held-out rows when ``dataset`` is its fit data; otherwise the benchmark flags
    OOD by the ensemble std, with a warning.

    Returns
    -------
    Path
        ``out``; :func:`surrogate.load` reads it.

    Raises
    ------
    ValueError
        For checkpoints of different spaces or of another space than the data, two of one name,
        no ``val_accuracy`` model, seed noise that cannot be measured, or an ``out`` that exists.
    """
    from .checkpoint import load_fitted
    from .evaluation import evaluate_checkpoint

    out = Path(out)
    paths = [Path(c) for c in checkpoints]
    if not paths:
        raise ValueError("assemble needs at least one checkpoint")
    if out.exists() and not overwrite:
        raise ValueError(f"{out} exists; pass overwrite=True (--overwrite) to replace it")
    if out.exists() and not (out / BENCHMARK_FILE).exists():
        raise ValueError(f"{out} exists and is not a benchmark directory; refusing to replace it")
    if any(out.resolve() == p.resolve() or out.resolve() in p.resolve().parents for p in paths):
        raise ValueError(f"{out} holds one of the checkpoints; write the benchmark elsewhere")
    fitted = [load_fitted(p) for p in paths]
    spaces = {f.space.name for f in fitted}
    if len(spaces) != 1:
        raise ValueError(f"the checkpoints encode different spaces {sorted(spaces)}; a benchmark has one")
    space = fitted[0].space
    if dataset.space != space.name:
        raise ValueError(f"the checkpoints are of the {space.name!r} space but the data is {dataset.space!r}")
    names: dict[str, int] = {}
    for i, f in enumerate(fitted):
        name = f"{f.manifest.get('target')}-{f.manifest['family']}"
        if name in names:
            name = paths[i].name
        if name in names:
            raise ValueError(f"two checkpoints would both be {name!r} in the benchmark; rename a folder")
        names[name] = i
    models = [(fitted[i].manifest.get("target"), fitted[i].manifest["family"]) for i in names.values()]
    if "val_accuracy" not in {t for t, _ in models}:
        raise ValueError(
            "a benchmark answers val_accuracy: give a checkpoint fit on it (surrogate fit --target val_accuracy)"
        )
    noise = {target: _noise(dataset, target, dict(seed_std or {})) for target in dict.fromkeys(t for t, _ in models)}
    fid = dict(fidelity) if fidelity is not None else None
    for f in fitted:
        recorded = (f.manifest.get("extra") or {}).get("fidelity")
        if fid is None and isinstance(recorded, Mapping):
            fid = dict(recorded)
    if fid is None and space.has_cost and "fidelity" in dataset.columns:
        fid = fidelity_of(dataset)
    entries: dict[str, dict] = {}
    for name, i in names.items():
        f, target = fitted[i], fitted[i].manifest.get("target")
        same_data = f.manifest.get("data_fingerprint") == dataset.fingerprint()
        rows = "test" if same_data and f.manifest.get("split") else "all"
        ev = evaluate_checkpoint((f.ensemble, f.manifest), dataset, rows=rows, target=target)
        if rows == "test" and len(ev.std) == 0:
            ev = evaluate_checkpoint((f.ensemble, f.manifest), dataset, rows="val", target=target)
        entries[name] = {
            "target": target,
            "family": f.manifest["family"],
            "dir": name,
            "ood_std_threshold": float(np.quantile(ev.std, 0.99)),
            "test": report_to_json(ev.metrics) if rows != "all" else (f.manifest.get("metrics") or {}).get("test"),
            "source": str(paths[i]),
        }
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name, i in names.items():
        shutil.copytree(paths[i], out / name)
        entries[name]["manifest_sha256"] = hashlib.sha256((out / name / "manifest.json").read_bytes()).hexdigest()
    accuracy = fitted[names[next(n for n, (t, _) in zip(names, models) if t == "val_accuracy")]]
    split = accuracy.manifest.get("split")
    try:
        novelty = _novelty_from_split(dataset, space, out, accuracy.manifest)
        curve_entry = _fit_curves(dataset, space, out, 0, curves)
        _write_spec(
            out,
            dataset,
            space,
            fid,
            split,
            entries,
            _defaults(default, models, entries),
            noise,
            curves=curve_entry,
            novelty=novelty,
        )
    except Exception:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return out


def _novelty_from_split(dataset: Dataset, space: Any, out: Path, manifest: Mapping) -> dict | None:
    """The novelty detector from the accuracy checkpoint's own split of ``dataset`` (its training
    rows as reference, the held-out ones to calibrate); None, with a warning, when the data is not
    the fit data or the split cannot be rebuilt: then ``query().ood`` falls back to the std flag."""
    from .split_spec import rebuild_split

    if manifest.get("data_fingerprint") != dataset.fingerprint() or not manifest.get("split"):
        logger.warning(
            "no novelty detector: the data is not the accuracy checkpoint's fit data, so its training "
            "architectures are unknown; query().ood uses the ensemble std"
        )
        return None
    try:
        tr, va, te = rebuild_split(dataset, manifest["split"])
    except ValueError as err:
        logger.warning("no novelty detector: %s", err)
        return None
    return fit_novelty(dataset, space, out, tr, np.concatenate([va, te]))
