"""Checkpoints: an ensemble on disk, as a directory with a manifest and one folder per member.

::

    my-checkpoint/
      manifest.json            what this is, how it was made, and the sha256 of every file below
      members/00/model.json    member 0: family, parameters, learned scalars
      members/00/model.ubj     member 0: the library's native model file
      members/01/...

``manifest.json`` holds ``kind`` (always ``"surrogate-checkpoint"``), ``format_version``, the
model ``family``, the ``target`` column, the ``encoder`` (name and version), a
``data_fingerprint``, the ``split`` description, the members' ``hyperparameters``, the
``ensemble`` (size, seeds, member folders), the ``calibration``, validation/test ``metrics``,
the ``packages`` it was written with and ``files`` (path -> sha256). Loading checks all of it and
says what is wrong with a bad, foreign, newer or tampered directory. Nothing is pickled; no code
is read from the directory.

Examples
--------
>>> import tempfile, numpy as np
>>> from surrogate.ensemble import Ensemble
>>> from surrogate.checkpoint import save_checkpoint, load_checkpoint
>>> X = np.random.default_rng(0).random((100, 3), dtype=np.float32)
>>> ens = Ensemble("knn", n_members=2, seed=0).fit(X, X[:, 0])
>>> path = save_checkpoint(ens, tempfile.mkdtemp() + "/ckpt", target="val_accuracy")
>>> loaded, manifest = load_checkpoint(path)
>>> manifest["family"], manifest["target"], len(loaded.members_)
('knn', 'val_accuracy', 2)
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import platform
import shutil
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from .ensemble import Calibration, Ensemble
from .models import model_class
from .models._base import MODEL_FILE

__all__ = [
    "FORMAT_VERSION",
    "KIND",
    "MANIFEST",
    "CheckpointError",
    "load_checkpoint",
    "read_manifest",
    "save_checkpoint",
    "verify_checkpoint",
]

#: The manifest layout this code writes and the newest it reads.
FORMAT_VERSION = 1
#: ``manifest.json["kind"]``: tells a checkpoint from any other directory with a manifest.
KIND = "surrogate-checkpoint"
MANIFEST = "manifest.json"
_MEMBERS = "members"
_REQUIRED = ("family", "hyperparameters", "ensemble", "files")
_BASE_PACKAGES = ("numpy", "scipy")


class CheckpointError(ValueError):
    """A directory that is not a loadable checkpoint; the message says why and what to do."""


# -- writing -------------------------------------------------------------------------------------


def _jsonable(value: Any, where: str) -> Any:
    """Plain JSON types; non-finite floats become ``None`` (JSON has no NaN)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # numpy scalar
        return _jsonable(value.item(), where)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise CheckpointError(f"{where} must be JSON data (numbers, strings, lists, dicts), got {type(value).__name__}")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _packages(libraries: tuple[str, ...]) -> dict[str, str | None]:
    from . import __version__

    out: dict[str, str | None] = {"surrogate": __version__, "python": platform.python_version()}
    for name in (*_BASE_PACKAGES, *libraries):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _encoder(encoder: Any) -> Any:
    if encoder is None or isinstance(encoder, Mapping):
        return encoder
    if isinstance(encoder, str):
        return {"name": encoder, "version": None}
    raise CheckpointError(f"encoder must be a name or a mapping like {{'name': ..., 'version': ...}}, got {encoder!r}")


def save_checkpoint(
    ensemble: Ensemble,
    directory: str | Path,
    *,
    target: str | None = None,
    encoder: str | Mapping[str, Any] | None = None,
    data_fingerprint: str | None = None,
    split: Any = None,
    metrics: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``ensemble`` and its provenance as a checkpoint directory.

    The directory is assembled beside its destination and moved into place at the end, so an
    interrupted save leaves no half-written checkpoint under ``directory``.

    Parameters
    ----------
    ensemble : Ensemble
        Fitted (and optionally calibrated).
    directory : path
        Created. An existing non-empty directory is replaced only with ``overwrite=True`` and
        only if it is itself a checkpoint.
    target : str, optional
        The predicted column, e.g. ``"val_accuracy"``.
    encoder : str or mapping, optional
        The input encoding, e.g. ``{"name": "darts-graph", "version": 1}``; a loader must encode
        the same way.
    data_fingerprint : str, optional
        A hash of the training data.
    split : JSON data, optional
        How train/val/test were made (e.g. ``{"kind": "random", "seed": 0, "fractions": [...]}``).
    metrics : mapping, optional
        E.g. ``{"val": regression_report(...), "test": ...}``.
    extra : mapping, optional
        Anything else worth keeping (JSON data).
    overwrite : bool, default False

    Returns
    -------
    Path
        ``directory``.
    """
    if not isinstance(ensemble, Ensemble):
        raise CheckpointError(f"save_checkpoint takes an Ensemble, got {type(ensemble).__name__}")
    ensemble._check_fitted()
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        if not overwrite:
            raise CheckpointError(f"{directory} already exists; pass overwrite=True to replace it")
        if not (directory / MANIFEST).is_file():
            raise CheckpointError(f"{directory} exists and is not a checkpoint; refusing to replace it")
    cls = model_class(ensemble.family)
    hyper = {k: v for k, v in ensemble.members_[0].get_params().items() if k != "seed"}
    manifest: dict[str, Any] = {
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "family": ensemble.family,
        "target": _jsonable(target, "target"),
        "encoder": _jsonable(_encoder(encoder), "encoder"),
        "data_fingerprint": _jsonable(data_fingerprint, "data_fingerprint"),
        "split": _jsonable(split, "split"),
        "hyperparameters": _jsonable(hyper, "hyperparameters"),
        "ensemble": {
            "n_members": len(ensemble.members_),
            "seed": int(ensemble.seed),
            "member_seeds": [int(s) for s in ensemble.member_seeds_],
            "members": [],
        },
        "calibration": ensemble.calibration_.to_dict() if hasattr(ensemble, "calibration_") else None,
        "metrics": _jsonable(metrics or {}, "metrics"),
        "packages": _packages(cls.libraries),
        "extra": _jsonable(extra or {}, "extra"),
        "files": {},
    }
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = directory.parent / f".{directory.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        width = max(2, len(str(len(ensemble.members_) - 1)))
        for i, member in enumerate(ensemble.members_):
            rel = f"{_MEMBERS}/{i:0{width}d}"
            member.save(tmp / rel)
            manifest["ensemble"]["members"].append(rel)
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        manifest["files"] = {p.relative_to(tmp).as_posix(): _sha256(p) for p in files}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, allow_nan=False) + "\n")
        if directory.exists():
            old = directory.parent / f".{directory.name}.old-{os.getpid()}"
            directory.rename(old)
            tmp.rename(directory)
            shutil.rmtree(old)
        else:
            tmp.rename(directory)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return directory


# -- reading -------------------------------------------------------------------------------------


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """Read and check ``manifest.json`` (kind, version, required keys); files are not hashed."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CheckpointError(f"{directory} is not a directory; a checkpoint is a directory with {MANIFEST}")
    path = directory / MANIFEST
    if not path.is_file():
        hint = ""
        if (directory / MODEL_FILE).is_file():
            hint = " It holds a single saved model: load it with surrogate.models.load_model."
        raise CheckpointError(
            f"{directory} has no {MANIFEST}, so it is not a surrogate checkpoint (or the copy is incomplete).{hint}"
        )
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(
            f"{path} is not valid JSON ({err}); it is truncated or damaged, copy the checkpoint again"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise CheckpointError(
            f"{path} is not a surrogate checkpoint manifest (kind is {manifest.get('kind') if isinstance(manifest, dict) else None!r}, "
            f"expected {KIND!r}); this directory belongs to something else"
        )
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CheckpointError(f"{path} has an invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{directory} was written with checkpoint format {version}, newer than this code reads "
            f"({FORMAT_VERSION}); upgrade the surrogate package (pip install -U surrogate)"
        )
    missing = [k for k in _REQUIRED if k not in manifest]
    if missing:
        raise CheckpointError(f"{path} lacks {missing}; the manifest is damaged")
    files = manifest["files"]
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise CheckpointError(f"{path}: 'files' must map relative paths to sha256 strings")
    for rel in files:
        p = PurePosixPath(rel)
        if p.is_absolute() or ".." in p.parts or not p.parts:
            raise CheckpointError(f"{path} lists the file {rel!r}, which is outside the checkpoint; refusing it")
    return manifest


def verify_checkpoint(directory: str | Path, manifest: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Check that every file the manifest lists exists and has its recorded sha256."""
    directory = Path(directory)
    manifest = dict(manifest) if manifest is not None else read_manifest(directory)
    for rel, digest in manifest["files"].items():
        path = directory / rel
        if not path.is_file():
            raise CheckpointError(f"{directory}: member file {rel} is missing; the checkpoint is incomplete")
        actual = _sha256(path)
        if actual != digest:
            raise CheckpointError(
                f"{directory}: {rel} has sha256 {actual[:12]}…, but the manifest records {digest[:12]}…; "
                "the file was changed or corrupted after saving"
            )
    return manifest


def load_checkpoint(directory: str | Path) -> tuple[Ensemble, dict[str, Any]]:
    """Load a checkpoint written by :func:`save_checkpoint`, after checking version and checksums.

    Returns
    -------
    (Ensemble, dict)
        The ensemble (with its calibration) and the manifest.
    """
    directory = Path(directory)
    manifest = verify_checkpoint(directory)
    family = manifest["family"]
    try:
        cls = model_class(family)
    except ValueError as err:
        raise CheckpointError(f"{directory}: {err}; it may come from a newer surrogate package") from None
    info = manifest["ensemble"]
    rels = info.get("members") if isinstance(info, dict) else None
    if not rels or not isinstance(rels, list):
        raise CheckpointError(f"{directory}/{MANIFEST}: ensemble.members lists no member folders")
    members = []
    for rel in rels:
        model_json = f"{rel}/{MODEL_FILE}"
        if model_json not in manifest["files"]:
            raise CheckpointError(f"{directory}: member {rel} has no {MODEL_FILE} listed in the manifest")
        try:
            member = cls.load(directory / rel)
        except ValueError as err:
            raise CheckpointError(f"{directory}: member {rel} does not load: {err}") from None
        members.append(member)
    calibration = None
    if manifest.get("calibration") is not None:
        try:
            calibration = Calibration.from_dict(manifest["calibration"])
        except ValueError as err:
            raise CheckpointError(f"{directory}/{MANIFEST}: {err}") from None
    ensemble = Ensemble.from_members(
        members,
        params=manifest["hyperparameters"],
        seed=int(info.get("seed", 0)),
        member_seeds=info.get("member_seeds"),
        calibration=calibration,
    )
    return ensemble, manifest
