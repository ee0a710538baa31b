"""The NAS-Bench-301 result-file format: read the official release tree, write the same schema.

The official release is a tree ``<root>/<optimizer>/results_<i>.json`` (some files are named
``results_<i>_ti.json``); ``surrogate generate`` writes the same tree with files named
``results_<arch_hash>_s<seed>.json``. One file is one evaluation::

    {
      "optimized_hyperparamater_config": {"NetworkSelectorDatasetInfo:darts:edge_normal_0": ...},
      "budget": 100,
      "runtime": 12345.6,                      # training time, s
      "test_accuracy": 94.1,                   # %
      "info": [{"val_accuracy": 94.3, "train_accuracy": 99.8, "model_parameters": 1234567,
                "epochs": 100, ...}],
      "learning_curves": {...},                # optional
      "seed": 0, "fidelity": {...}, "flops": 123456, "source": "rs"   # our files only
    }

(``hyperparamater`` is the release's spelling.) See ``docs/data-format.md``.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from tqdm import tqdm

from surrogate._util import atomic_write_text
from surrogate.space import Genotype

from ._checks import arch_fields, number
from ._dataset import Dataset
from ._report import ReadReport

#: The space of every NAS-Bench-301 result tree: the format's configs are DARTS cells.
RESULT_TREE_SPACE = "darts"

#: The key of the configuration in a result file, spelled as in the official release.
CONFIG_KEY = "optimized_hyperparamater_config"

#: The optimizer folders of the official release.
OPTIMIZERS: tuple[str, ...] = (
    "rs",
    "re",
    "de",
    "tpe",
    "bananas",
    "combo",
    "darts",
    "gdas",
    "pc_darts",
    "drnas",
    "random_ws",
)

_RESULT_NAME = re.compile(r"^results_([A-Za-z0-9_-]+)\.json$")
_NUMBERED = re.compile(r"^results_(\d+)(_ti)?\.json$")


def is_result_name(name: str) -> bool:
    """Whether a file name is a result file: ``results_<id>.json``.

    The release names files ``results_<i>.json`` and ``results_<i>_ti.json``; ``surrogate
    generate`` names them ``results_<arch_hash>_s<seed>.json``. Hidden temporary files never match.

    Examples
    --------
    >>> [is_result_name(n) for n in ("results_3_ti.json", "results_ab12_s0.json", ".tmp_x.json")]
    [True, True, False]
    """
    return _RESULT_NAME.match(name) is not None


def _sort_key(path: Path) -> tuple[int, int, str]:
    """Numbered files in index order first, then the others by name."""
    m = _NUMBERED.match(path.name)
    return (0, int(m.group(1)), path.name) if m else (1, 0, path.name)


def parse_result(result: object, source: str | None = None, path: str = "") -> dict:
    """Turn one result-file object into a :class:`Dataset` record.

    Parameters
    ----------
    result : object
        The JSON object of one result file.
    source : str, optional
        The optimizer folder; default: the file's own ``source`` key, else ``""``.
    path : str
        Stored in the record's ``path`` column (``<optimizer>/<file>`` for the tree reader).

    Returns
    -------
    dict
        ``arch`` (canonical string), ``arch_hash``, ``val_accuracy``, ``test_accuracy``,
        ``train_time``, ``params``, ``epochs``, ``seed``, ``source`` and the extra columns
        ``path``, ``train_accuracy``, ``flops``, ``budget``, ``fidelity`` (JSON text, ``""`` when
        absent), ``val_curve`` (per-epoch validation accuracy, a list, or None; see
        :func:`val_curve`) and ``curve_eval_time`` (mean seconds of one per-epoch scoring pass,
        NaN if not recorded). Missing optional values are NaN or -1.

    Raises
    ------
    ValueError
        Naming what is missing or wrong: no config, an invalid architecture, a NaN or
        out-of-range accuracy, a negative runtime, ...
    """
    if not isinstance(result, Mapping):
        raise ValueError(f"a result file holds a JSON object, got {type(result).__name__}")
    config = result.get(CONFIG_KEY)
    if not isinstance(config, Mapping):
        raise ValueError(f"{CONFIG_KEY!r} is missing or not an object")
    arch, arch_hash = arch_fields(dict(config))
    info = result.get("info")
    if isinstance(info, list) and info and isinstance(info[0], Mapping):
        info0 = info[0]
    elif isinstance(info, Mapping):
        info0 = info
    else:
        raise ValueError("'info' must be a list whose first element is an object holding val_accuracy")
    test = result.get("test_accuracy", info0.get("test_accuracy"))
    epochs = info0.get("epochs")
    if epochs is None:
        epochs = result.get("budget")
    flops = result.get("flops", info0.get("flops"))
    if source is None:
        source = result.get("source") if isinstance(result.get("source"), str) else ""
    return {
        "arch": arch,
        "arch_hash": arch_hash,
        "val_accuracy": number(info0.get("val_accuracy"), "val_accuracy"),
        "test_accuracy": number(test, "test_accuracy", missing_ok=True),
        "train_time": number(result.get("runtime"), "runtime"),
        "params": number(info0.get("model_parameters"), "params", missing_ok=True, integer=True),
        "epochs": number(epochs, "epochs", missing_ok=True, integer=True),
        "seed": number(result.get("seed"), "seed", missing_ok=True, integer=True),
        "source": source,
        "path": path,
        "train_accuracy": number(info0.get("train_accuracy"), "train_accuracy", missing_ok=True),
        "flops": number(flops, "flops", missing_ok=True),
        "budget": number(result.get("budget"), "budget", missing_ok=True),
        "fidelity": _fidelity_text(result.get("fidelity")),
        "val_curve": val_curve(result.get("learning_curves")),
        "curve_eval_time": _mean_eval_time(result.get("learning_curves")),
    }


def _mean_eval_time(curves: object) -> float:
    """Mean seconds of one per-epoch scoring pass (the generator's ``eval_time`` list), else NaN."""
    values = curves.get("eval_time") if isinstance(curves, Mapping) else None
    if (
        isinstance(values, list)
        and values
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0 for v in values)
    ):
        return float(sum(values) / len(values))
    return math.nan


#: Where a result file keeps its per-epoch validation accuracy: ``surrogate generate`` writes
#: ``val_accuracy``, the official NAS-Bench-301 files ``Train/val_accuracy``.
CURVE_KEYS = ("val_accuracy", "Train/val_accuracy")


def val_curve(curves: object) -> list[float] | None:
    """The per-epoch validation accuracies of a ``learning_curves`` object, or None.

    None when there is no curve, or when it is not a non-empty list of finite numbers in
    [0, 100]: a curve is optional, so a damaged one is dropped, never the evaluation.
    """
    if not isinstance(curves, Mapping):
        return None
    for key in CURVE_KEYS:
        values = curves.get(key)
        if isinstance(values, list) and values:
            if all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 100
                for v in values
            ):
                return [float(v) for v in values]
            return None
    return None


def _fidelity_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        try:
            return json.dumps(value, sort_keys=True, default=str)
        except (TypeError, ValueError, RecursionError) as err:
            raise ValueError(f"'fidelity' cannot be written as JSON: {err}") from None
    raise ValueError(f"'fidelity' must be an object or a string, got {type(value).__name__}")


def read_result(path: str | os.PathLike, source: str | None = None) -> dict:
    """Read and check one result file; return its record (see :func:`parse_result`).

    Raises ``ValueError`` naming the file and the reason when it is unreadable or invalid.
    """
    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
        return parse_result(obj, source=source, path=f"{path.parent.name}/{path.name}")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: cannot read ({type(err).__name__}: {err})") from None
    except (json.JSONDecodeError, RecursionError) as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from None
    except ValueError as err:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"{path}: {err}") from None


def result_files(root: str | os.PathLike, optimizers: Iterable[str] | None = None) -> list[Path]:
    """The result files under ``root``, folder by folder (sorted), each in index order.

    ``optimizers=None`` takes every sub-folder holding result files.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"data root {str(root)!r} is not a folder; expected <root>/<optimizer>/results_<i>.json")
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    if optimizers is not None:
        wanted = list(optimizers)
        names = {p.name for p in folders}
        missing = [o for o in wanted if o not in names]
        if missing:
            raise ValueError(f"no optimizer folder {missing} under {root}; found {sorted(names)}")
        folders = [root / o for o in wanted]
    files: list[Path] = []
    for folder in folders:
        files.extend(sorted((p for p in folder.iterdir() if is_result_name(p.name)), key=_sort_key))
    return files


def read_nb301(
    root: str | os.PathLike,
    optimizers: Iterable[str] | None = None,
    *,
    strict: bool = False,
    dedupe: bool = True,
    progress: bool | None = None,
) -> tuple[Dataset, ReadReport]:
    """Read a NAS-Bench-301 result tree (the official release or ``surrogate generate`` output).

    Parameters
    ----------
    root : path
        The folder holding ``<optimizer>/results_<id>.json`` (see :func:`is_result_name`).
    optimizers : iterable of str, optional
        Folders to read, in this order; default every folder with result files, sorted.
    strict : bool, default False
        Raise ``ValueError`` at the first bad file, or when the files record more than one
        training fidelity, instead of reporting and skipping / warning.
    dedupe : bool, default True
        Keep only the first file of each (architecture up to isomorphism, seed); files without a
        seed share seed -1, so repeated evaluations of one architecture collapse to the first.
    progress : bool or None, default None
        Show a progress bar; ``None`` shows it only on a terminal.

    Returns
    -------
    dataset : Dataset
        One row per kept file; ``source`` is the optimizer folder, ``path`` is
        ``<optimizer>/<file>`` (what official split files are matched against).
    report : ReadReport
        Files seen, read, skipped (with reasons) and duplicates dropped.
    """
    files = result_files(root, optimizers)
    report = ReadReport(n_seen=len(files))
    records = []
    disable = None if progress is None else not progress
    for path in tqdm(files, desc="reading results", unit="file", disable=disable):
        try:
            records.append(read_result(path, source=path.parent.name))
        except ValueError as err:
            report.skip(str(path), str(err).removeprefix(f"{path}: "), strict=strict)
    if not any(r["val_curve"] is not None for r in records):
        for r in records:  # no curves at all: no columns (older trees keep their fingerprint)
            del r["val_curve"], r["curve_eval_time"]
    dataset = Dataset.from_records(records)
    if dedupe:
        dataset, report.n_duplicates = dataset.dedupe()
    report.n_read = len(dataset)
    from ._fidelities import check_fidelities  # the module imports Dataset, as this one does

    report.fidelities = check_fidelities(dataset, strict=strict, where=str(root))
    return dataset, report.finish()


def make_result(
    genotype: Genotype,
    *,
    val_accuracy: float,
    test_accuracy: float | None,
    runtime: float,
    params: int,
    epochs: int,
    seed: int,
    source: str,
    train_accuracy: float | None = None,
    flops: float | None = None,
    fidelity: Mapping | None = None,
    budget: float | None = None,
    learning_curves: Mapping | None = None,
    info: Mapping | None = None,
    extra: Mapping | None = None,
) -> dict:
    """A result-file dict in the official schema plus our additions, checked by :func:`parse_result`.

    ``info`` adds keys to ``info[0]``; ``extra`` adds top-level keys (e.g. ``hardware``).
    ``learning_curves`` (per-epoch lists) go at the top level, as in the official files.
    NaN becomes ``null`` so the file is strict JSON. Raises ``ValueError`` when the values would
    not read back (e.g. an accuracy outside [0, 100]).
    """

    def clean(x: object) -> object:
        return None if isinstance(x, float) and math.isnan(x) else x

    result = {
        CONFIG_KEY: genotype.to_config(),
        "budget": clean(epochs if budget is None else budget),
        "runtime": clean(runtime),
        "test_accuracy": clean(test_accuracy),
        "info": [
            {
                "val_accuracy": clean(val_accuracy),
                "train_accuracy": clean(train_accuracy),
                "model_parameters": params,
                "epochs": epochs,
                "flops": clean(flops),
                **(info or {}),
            }
        ],
        "learning_curves": dict(learning_curves or {}),
        "seed": seed,
        "fidelity": dict(fidelity or {}),
        "flops": clean(flops),
        "source": source,
        **(extra or {}),
    }
    parse_result(result)
    return result


def write_result(path: str | os.PathLike, result: Mapping) -> Path:
    """Check ``result`` with :func:`parse_result` and write it as JSON, atomically.

    The file appears complete or not at all (temp file in the same folder, then rename), so a
    kill at any moment never leaves a half-written result. Parent folders are created.
    """
    parse_result(result)
    path = Path(path)
    if not is_result_name(path.name):
        raise ValueError(
            f"result files are named results_<id>.json (<id>: letters, digits, _ or -) so the reader "
            f"finds them, got {path.name!r}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        text = json.dumps(_finite(result), allow_nan=False, default=_json_default)
    except (TypeError, ValueError, RecursionError) as err:
        raise ValueError(f"result for {path.name} cannot be written as JSON: {err}") from None
    return atomic_write_text(path, text, fsync=True)


def _finite(x: object) -> object:
    """NaN and infinities become ``null``: the file stays strict JSON (the reader reads null as missing)."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, Mapping):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def _json_default(x: object) -> object:
    # numpy scalars and arrays from training code
    if hasattr(x, "tolist"):
        return x.tolist()
    raise TypeError(f"cannot write {type(x).__name__} to a result file")
