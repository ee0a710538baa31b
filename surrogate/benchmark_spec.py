"""``benchmark.json``: what a benchmark directory holds, and the checks loading (and building) runs.

The file names its search space (``space``, default ``"darts"``), maps model names to checkpoint
folders (``models``), each target to the model that answers it (``default``), each target to its
measured seed noise (``noise``), and holds the network-cost tables (``cost_tables``; ``null``
for a space without a cost model). :func:`check_spec` refuses, with one :class:`BenchmarkError`
naming the field:

- an unknown ``space``, or a checkpoint that encodes another space;
- a missing key (``models``, ``default``, ``noise``, ``cost_tables`` or one of an entry's);
- a model folder that is not a plain relative path inside the benchmark directory (``..``,
  absolute paths and symlinks out are refused);
- a checkpoint whose ``manifest.json`` does not have the recorded sha256, or whose manifest
  fails the checkpoint's own checks (:func:`surrogate.checkpoint.read_manifest`);
- an entry whose ``target`` or ``family`` differs from its checkpoint's (so swapped entries
  cannot answer an accuracy query with the runtime model);
- a ``default`` that names no model of that target;
- an ``ood_std_threshold`` that is not a finite number >= 0;
- a ``seed_std`` that is not a finite number >= 0, or that is implausible: more than twice the
  largest test RMSE recorded for the target's models (a single training run misses even a
  perfect prediction by the seed noise, so the RMSE of single runs cannot be much smaller; only
  RMSEs over at least 10 test rows count); an accuracy's seed std must also be below 50
  percentage points (the largest standard deviation a percentage can have);
- an optional ``curves`` section (learning curves, :mod:`surrogate.curves`) whose ``dir`` is not a
  relative folder inside the benchmark, whose ``epochs`` is not an int >= 2, or whose
  ``files_sha256`` does not list every file of that folder with its checksum;
- an optional ``novelty`` section (the feature-distance OOD detector) whose ``file`` is not inside
  the benchmark or does not have the recorded ``sha256``.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path, PurePosixPath
from typing import Any

from .spaces import SPACES

__all__ = ["BENCHMARK_FILE", "BenchmarkError", "check_spec", "curve_files"]

BENCHMARK_FILE = "benchmark.json"
_SECTIONS = ("models", "default", "noise", "cost_tables")
_ENTRY = ("target", "family", "dir", "manifest_sha256", "ood_std_threshold")
#: A seed std larger than this multiple of the target's test RMSE cannot have been measured.
PLAUSIBLE_RMSE_FACTOR = 2.0
#: Test rows an RMSE needs before it bounds the seed std.
MIN_RMSE_ROWS = 10


class BenchmarkError(ValueError):
    """A benchmark directory that is missing, foreign, from a newer version, or tampered with."""


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_spec(spec: Any, directory: Path) -> dict[str, Any]:
    """Check a parsed ``benchmark.json`` of ``directory`` (see the module docstring); returns it."""
    where = Path(directory) / BENCHMARK_FILE

    def bad(field: str, why: str) -> BenchmarkError:
        return BenchmarkError(f"{where}: {field} {why}")

    if not isinstance(spec, dict):
        raise BenchmarkError(f"{where} must hold a JSON object, got {type(spec).__name__}")
    for key in _SECTIONS:
        if key not in spec:
            raise bad(key, "is missing; the file is incomplete (rebuild it with surrogate.assemble)")
        if key == "cost_tables" and spec[key] is None:
            continue  # a space without a cost model
        if not isinstance(spec[key], dict) or (key == "models" and not spec[key]):
            raise bad(key, f"must be a non-empty JSON object, got {spec[key]!r:.60}")
    space = spec.get("space", "darts")
    if space not in SPACES:
        raise bad("space", f"is {space!r}; this package knows {list(SPACES)} (a newer surrogate may know more)")
    targets: dict[str, list[dict]] = {}
    for name, entry in spec["models"].items():
        field = f"models[{name!r}]"
        if not isinstance(entry, dict):
            raise bad(field, "must be a JSON object")
        for key in _ENTRY:
            if key not in entry:
                raise bad(f"{field}.{key}", "is missing")
        threshold = entry["ood_std_threshold"]
        if not _number(threshold) or threshold < 0:
            raise bad(f"{field}.ood_std_threshold", f"is {threshold!r}; it must be a finite number >= 0")
        _check_checkpoint(directory, field, entry, bad, space)
        targets.setdefault(entry["target"], []).append(entry)
    for target, name in spec["default"].items():
        if name not in spec["models"] or spec["models"][name]["target"] != target:
            raise bad(f"default[{target!r}]", f"is {name!r}, which is not a model of {target!r} in models")
    for target in spec["default"]:
        _check_noise(spec["noise"], target, targets.get(target, []), bad)
    if spec.get("curves") is not None:
        _check_curves(directory, spec["curves"], bad)
    if spec.get("novelty") is not None:
        _check_novelty(directory, spec["novelty"], bad)
    return spec


def _check_novelty(directory: Path, novelty: Any, bad: Any) -> None:
    if not isinstance(novelty, dict):
        raise bad("novelty", f"must be a JSON object or null, got {novelty!r:.60}")
    path = _inside(directory, novelty.get("file"))
    if path is None or not path.is_file():
        raise bad("novelty.file", f"is {novelty.get('file')!r}; it must be a file inside {directory}")
    if hashlib.sha256(path.read_bytes()).hexdigest() != novelty.get("sha256"):
        raise bad(
            "novelty.sha256", f"does not match {path}; the detector was modified after the benchmark was assembled"
        )


def _inside(directory: Path, rel: Any) -> Path | None:
    """``directory / rel`` when ``rel`` is a plain relative path that stays inside, else None."""
    parts = PurePosixPath(rel).parts if isinstance(rel, str) else ()
    if not parts or PurePosixPath(rel).is_absolute() or ".." in parts or "\\" in rel:
        return None
    folder = Path(directory) / rel
    return folder if folder.resolve().is_relative_to(Path(directory).resolve()) else None


def curve_files(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder`` (what ``files_sha256`` records)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _check_curves(directory: Path, curves: Any, bad: Any) -> None:
    if not isinstance(curves, dict):
        raise bad("curves", f"must be a JSON object or null, got {curves!r:.60}")
    folder = _inside(directory, curves.get("dir"))
    if folder is None or not folder.is_dir():
        raise bad("curves.dir", f"is {curves.get('dir')!r}; it must be a relative folder inside {directory}")
    epochs = curves.get("epochs")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 2:
        raise bad("curves.epochs", f"is {epochs!r}; it must be an int >= 2")
    recorded = curves.get("files_sha256")
    if not isinstance(recorded, dict) or not recorded:
        raise bad("curves.files_sha256", "is missing; it must list every file of the curve model with its sha256")
    found = curve_files(folder)
    if found != recorded:
        changed = sorted(set(found) ^ set(recorded) | {k for k in found if recorded.get(k) not in (None, found[k])})
        raise bad(
            "curves.files_sha256",
            f"does not match {folder} ({', '.join(changed[:3])}); the curve model was "
            "modified after the benchmark was assembled",
        )


def _check_checkpoint(directory: Path, field: str, entry: dict, bad: Any, space: str = "darts") -> None:
    from .checkpoint import MANIFEST, CheckpointError, read_manifest

    rel = entry["dir"]
    folder = _inside(directory, rel)
    if folder is None:
        raise bad(f"{field}.dir", f"is {rel!r}; it must be a relative folder inside {directory}")
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise bad(f"{field}.dir", f"is {rel!r}, but {manifest_path} is missing")
    if hashlib.sha256(manifest_path.read_bytes()).hexdigest() != entry["manifest_sha256"]:
        raise bad(
            f"{field}.manifest_sha256",
            f"does not match the checksum of {manifest_path}; "
            "the checkpoint was modified after the benchmark was assembled",
        )
    try:
        manifest = read_manifest(folder)
    except CheckpointError as err:
        raise bad(field, f"points to a damaged checkpoint: {err}") from None
    encoded = (manifest.get("encoder") or {}).get("space") if isinstance(manifest.get("encoder"), dict) else None
    if encoded is not None and encoded != space:
        raise bad(
            f"{field}.dir", f"is {rel!r}, a checkpoint of the {encoded!r} space, but the benchmark's space is {space!r}"
        )
    for key in ("target", "family"):
        if manifest.get(key) != entry[key]:
            raise bad(
                f"{field}.{key}",
                f"is {entry[key]!r} but its checkpoint {rel} predicts {manifest.get(key)!r}"
                if key == "target"
                else f"is {entry[key]!r} but its checkpoint {rel} holds a {manifest.get(key)!r} ensemble",
            )


def _check_noise(noise: dict, target: str, entries: list[dict], bad: Any) -> None:
    field = f"noise[{target!r}]"
    if not isinstance(noise.get(target), dict) or "seed_std" not in noise[target]:
        raise bad(f"{field}.seed_std", "is missing; every target in default needs its seed noise")
    sd = noise[target]["seed_std"]
    if not _number(sd) or sd < 0:
        raise bad(f"{field}.seed_std", f"is {sd!r}; it must be a finite number >= 0")
    rmses = [
        e["test"]["rmse"]
        for e in entries  # an RMSE of a few rows says little
        if isinstance(e.get("test"), dict)
        and _number(e["test"].get("rmse"))
        and _number(e["test"].get("n"))
        and e["test"]["n"] >= MIN_RMSE_ROWS
    ]
    if rmses and sd > PLAUSIBLE_RMSE_FACTOR * max(rmses):
        raise bad(
            f"{field}.seed_std",
            f"is {sd!r}, not plausible: more than {PLAUSIBLE_RMSE_FACTOR:g} times the "
            f"largest test RMSE of the {target!r} models ({max(rmses):.4g}); single training runs miss any "
            "prediction by at least the seed noise",
        )
    if "accuracy" in target and sd >= 50:
        raise bad(f"{field}.seed_std", f"is {sd!r}, not plausible for an accuracy in percent (at most 50)")
