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
``ensemble`` (size, seeds, member folders), the ``calibration``, validation/test ``metrics``
(a non-finite metric is ``null`` with its value and the reason under ``not_finite``), the
``packages`` it was written with and ``files`` (path -> sha256). ``manifest.json.sha256`` beside
it holds the manifest's own sha256 (``sha256sum -c`` reads it). Nothing is pickled; no code is
read from the directory.

Loading verifies, and refuses with a :class:`CheckpointError` naming what is wrong:

- the manifest: valid JSON of this kind, a format version this code reads, its own checksum
  (format 2 on; format 1 checkpoints have none and load only if everything below holds);
- the files: every file in the directory is listed in ``files`` and has its recorded sha256,
  every listed file belongs to a listed member, no path leaves the directory;
- the ensemble: ``n_members`` member folders, each listed once, with ``n_members`` seeds, each
  member's ``model.json`` of the manifest's family, with its seed and hyperparameters;
- the calibration: a known method, finite ``scale > 0``, finite ``noise >= 0``, ``n >= 2``;
- every member file reads: a damaged native file is a ``CheckpointError`` naming it, never the
  library's own error (LightGBM model texts are checked before LightGBM parses them, since it
  aborts the process on some damaged ones).

The checksums detect damage and edits; they are no signature: whoever can write the directory
can also rewrite the checksums (a benchmark's ``benchmark.json`` records each manifest's sha256
from outside the checkpoint).

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
from typing import Any, NamedTuple

from .ensemble import Calibration, Ensemble
from .models import model_class
from .models._base import MODEL_FILE
from .spaces import INPUT_ENCODERS, Space, get_space

__all__ = [
    "FORMAT_VERSION",
    "KIND",
    "MANIFEST",
    "MANIFEST_SHA256",
    "CheckpointError",
    "FittedCheckpoint",
    "load_checkpoint",
    "load_fitted",
    "read_manifest",
    "save_checkpoint",
    "space_of",
    "upgrade_checkpoint",
    "verify_checkpoint",
]

#: The manifest layout this code writes and the newest it reads. 2: ``manifest.json.sha256``
#: beside the manifest, ``not_finite`` notes in the metrics.
FORMAT_VERSION = 2
#: ``manifest.json["kind"]``: tells a checkpoint from any other directory with a manifest.
KIND = "surrogate-checkpoint"
MANIFEST = "manifest.json"
#: The manifest's own checksum, in ``sha256sum`` format (format 2 on).
MANIFEST_SHA256 = "manifest.json.sha256"
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
    from ._version import __version__

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


def _metrics_json(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """``metrics`` as JSON data; each split's report records its non-finite values and why."""
    from .metrics import report_to_json

    if not isinstance(metrics, Mapping):
        raise CheckpointError(f"metrics must be a mapping like {{'val': report, 'test': report}}, got {metrics!r:.80}")
    return {
        str(k): _jsonable(report_to_json(v) if isinstance(v, Mapping) else v, f"metrics.{k}")
        for k, v in metrics.items()
    }


def _write_manifest(directory: Path, manifest: Mapping[str, Any]) -> None:
    """Write ``manifest.json`` and, beside it, its sha256 (``manifest.json.sha256``)."""
    text = json.dumps(manifest, indent=2, allow_nan=False) + "\n"
    (directory / MANIFEST).write_text(text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    (directory / MANIFEST_SHA256).write_text(f"{digest}  {MANIFEST}\n")


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
        "metrics": _metrics_json(metrics or {}),
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
        _write_manifest(tmp, manifest)
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
    """Read and check ``manifest.json``: kind, version, its own checksum, required keys, file
    paths, the ensemble's members and seeds, the calibration. Member files are not hashed here
    (:func:`verify_checkpoint` does that)."""
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
    raw = path.read_bytes()
    try:
        manifest = json.loads(raw)
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
    if version >= 2 or (directory / MANIFEST_SHA256).exists():
        _check_manifest_sha256(directory, raw)
    missing = [k for k in _REQUIRED if k not in manifest]
    if missing:
        raise CheckpointError(f"{path} lacks {missing}; the manifest is damaged")
    files = manifest["files"]
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise CheckpointError(f"{path}: 'files' must map relative paths to sha256 strings")
    for rel in files:
        if not _inside(rel):
            raise CheckpointError(f"{path} lists the file {rel!r}, which is outside the checkpoint; refusing it")
    _check_ensemble(path, manifest)
    if manifest.get("calibration") is not None:
        try:
            Calibration.from_dict(manifest["calibration"])
        except ValueError as err:
            raise CheckpointError(f"{path}: {err}") from None
    return manifest


def _inside(rel: object) -> bool:
    """Whether ``rel`` is a relative POSIX path that stays inside the directory."""
    if not isinstance(rel, str) or not rel or "\\" in rel:
        return False
    p = PurePosixPath(rel)
    return not p.is_absolute() and ".." not in p.parts and "." not in rel.split("/") and bool(p.parts)


def _check_manifest_sha256(directory: Path, raw: bytes) -> None:
    sum_path = directory / MANIFEST_SHA256
    if not sum_path.is_file():
        raise CheckpointError(
            f"{directory}: {MANIFEST_SHA256} is missing, so {MANIFEST} cannot be verified; "
            "the copy is incomplete, copy the checkpoint again"
        )
    recorded = sum_path.read_text(errors="replace").strip()
    actual = hashlib.sha256(raw).hexdigest()
    if recorded != f"{actual}  {MANIFEST}":
        shown = recorded[:12] if recorded else "nothing"
        raise CheckpointError(
            f"{directory}: {MANIFEST} has sha256 {actual[:12]}…, but {MANIFEST_SHA256} records {shown}…; "
            "the manifest was changed or corrupted after saving"
        )


def _check_ensemble(path: Path, manifest: Mapping[str, Any]) -> None:
    """``ensemble``: ``n_members`` distinct member folders inside, each with a listed model.json,
    and ``n_members`` seeds."""
    info = manifest["ensemble"]
    if not isinstance(info, dict):
        raise CheckpointError(f"{path}: 'ensemble' must be a mapping")
    n = info.get("n_members")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise CheckpointError(f"{path}: ensemble.n_members must be a positive int, got {n!r}")
    rels = info.get("members")
    if not isinstance(rels, list) or not rels:
        raise CheckpointError(f"{path}: ensemble.members lists no member folders")
    if len(rels) != n:
        raise CheckpointError(f"{path}: ensemble lists {len(rels)} member folders but n_members is {n}")
    seen: set[str] = set()
    for rel in rels:
        if not _inside(rel):
            raise CheckpointError(
                f"{path}: ensemble.members holds {rel!r}, which is not a folder inside the checkpoint"
            )
        if rel in seen:
            raise CheckpointError(f"{path}: ensemble lists {rel} twice")
        seen.add(rel)
        if f"{rel}/{MODEL_FILE}" not in manifest["files"]:
            raise CheckpointError(f"{path}: member {rel} has no {MODEL_FILE} listed in the manifest")
    seeds = info.get("member_seeds")
    if (
        not isinstance(seeds, list)
        or len(seeds) != n
        or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in seeds)
    ):
        count = len(seeds) if isinstance(seeds, list) else "no"
        raise CheckpointError(f"{path}: ensemble has {count} member_seeds for {n} members (non-negative ints)")
    for rel in manifest["files"]:
        if not any(rel.startswith(f"{m}/") for m in seen):
            raise CheckpointError(f"{path}: {rel} is listed in files but belongs to no member in ensemble.members")


def verify_checkpoint(directory: str | Path, manifest: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Check that the directory holds exactly the files the manifest lists, each with its
    recorded sha256 (besides ``manifest.json`` and ``manifest.json.sha256``)."""
    directory = Path(directory)
    manifest = dict(manifest) if manifest is not None else read_manifest(directory)
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory).as_posix()
        if (
            (path.is_file() or path.is_symlink())
            and rel not in manifest["files"]
            and rel not in (MANIFEST, MANIFEST_SHA256)
        ):
            raise CheckpointError(
                f"{directory}: {rel} is not listed in the manifest, so it cannot be verified; "
                "remove it, or copy the checkpoint again"
            )
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
    """Load a checkpoint written by :func:`save_checkpoint`, after every check of the module
    docstring.

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
    hyper = _jsonable(manifest["hyperparameters"], "hyperparameters")
    members = []
    for rel, seed in zip(info["members"], info["member_seeds"]):
        try:
            member = cls.load(directory / rel)
        except ValueError as err:
            raise CheckpointError(f"{directory}: member {rel} does not load: {err}") from None
        params = member.get_params()
        if params.get("seed") != seed:
            raise CheckpointError(
                f"{directory}: {rel} was fit with seed {params.get('seed')!r} but the manifest records {seed}; "
                "the member does not belong to this checkpoint"
            )
        own = _jsonable({k: v for k, v in params.items() if k != "seed"}, "hyperparameters")
        if own != hyper:
            diff = sorted(k for k in own.keys() | hyper.keys() if own.get(k) != hyper.get(k))
            raise CheckpointError(
                f"{directory}: {rel} has hyperparameters {diff} unlike the manifest's; "
                "the member does not belong to this checkpoint"
            )
        members.append(member)
    calibration = None
    if manifest.get("calibration") is not None:
        calibration = Calibration.from_dict(manifest["calibration"])  # checked by read_manifest
    ensemble = Ensemble.from_members(
        members,
        params=manifest["hyperparameters"],
        seed=int(info.get("seed", 0)),
        member_seeds=info["member_seeds"],
        calibration=calibration,
    )
    return ensemble, manifest


def upgrade_checkpoint(directory: str | Path) -> bool:
    """Rewrite an older checkpoint's manifest in the current format, after verifying all of it.

    The member files are left as they are (their checksums do not change); the manifest gets
    ``format_version`` :data:`FORMAT_VERSION` and its own checksum file. Returns whether
    anything was rewritten (``False`` for a checkpoint already in the current format).
    """
    directory = Path(directory)
    load_checkpoint(directory)  # every check, so only a verified checkpoint is upgraded
    manifest = read_manifest(directory)
    if manifest["format_version"] == FORMAT_VERSION:
        return False
    manifest["format_version"] = FORMAT_VERSION
    manifest["metrics"] = _metrics_json(manifest.get("metrics") or {})
    tmp = directory / f".{MANIFEST}.tmp-{os.getpid()}"
    try:
        tmp.mkdir()
        _write_manifest(tmp, manifest)
        (tmp / MANIFEST_SHA256).replace(directory / MANIFEST_SHA256)
        (tmp / MANIFEST).replace(directory / MANIFEST)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return True


# -- a fitted surrogate: ensemble, manifest and the encoder it was fit with ------------------------


class FittedCheckpoint(NamedTuple):
    """What :func:`load_fitted` returns: the ensemble, the manifest and the space that encodes its
    inputs (encoder state restored, encoder version checked)."""

    ensemble: Ensemble
    manifest: dict[str, Any]
    space: Space


def space_of(manifest: Mapping[str, Any], input_kind: str | None = None, where: object = "the checkpoint") -> Space:
    """The search space a checkpoint's inputs are encoded in, with its recorded encoder state.

    Checks the manifest's ``encoder`` record against this package: the space must be registered
    (:data:`surrogate.spaces.SPACES`) and, for ``input_kind`` (``"matrix"`` or ``"graphs"``; default
    the family's), the recorded encoding version must be the space's current one, so a model is
    never fed inputs encoded another way.

    Raises
    ------
    CheckpointError
        For a missing or unknown encoder record, a version mismatch, or encoder state that does
        not load; the message says which and what to do.
    """
    encoder = manifest.get("encoder")
    if not isinstance(encoder, Mapping) or not encoder.get("space"):
        raise CheckpointError(
            f"{where}: the manifest records no encoder space, so its inputs cannot be rebuilt; it was not "
            "written by surrogate.fit.fit_surrogate (refit it with surrogate fit)"
        )
    try:
        space = get_space(encoder["space"])
    except ValueError as err:
        raise CheckpointError(f"{where}: {err}; it may come from a newer surrogate package") from None
    if input_kind is None:
        try:
            input_kind = model_class(manifest["family"]).input_kind
        except (KeyError, ValueError) as err:
            raise CheckpointError(f"{where}: {err}") from None
    key = INPUT_ENCODERS.get(input_kind)
    if key is None:
        raise CheckpointError(f"{where}: unknown model input kind {input_kind!r}")
    recorded, current = encoder.get(key), space.encoder_version.get(key)
    if recorded != current:
        raise CheckpointError(
            f"{where}: its {key} encoder is {recorded!r} but this package encodes {space.name!r} inputs as "
            f"{current!r}; the model would be fed inputs it was not fit on. Refit it with this version "
            "(surrogate fit), or use the surrogate version that wrote it"
        )
    if encoder.get("state") is not None:
        try:
            space.load_state_dict(dict(encoder["state"]))
        except (ValueError, TypeError) as err:
            raise CheckpointError(f"{where}: its encoder state does not load: {err}") from None
    return space


def load_fitted(directory: str | Path) -> FittedCheckpoint:
    """Load a checkpoint written by ``fit_surrogate`` with everything needed to predict: every
    check of :func:`load_checkpoint`, then :func:`space_of` (encoder space, version and state).

    The one loader the benchmark, the evaluation and the CLI use.
    """
    ensemble, manifest = load_checkpoint(directory)
    return FittedCheckpoint(ensemble, manifest, space_of(manifest, ensemble.model_class.input_kind, directory))
