"""Helpers shared by the ``fit``, ``evaluate`` and ``tune`` commands: reading ``--data``, the
options they share, progress bars and the metrics table."""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from surrogate.models import MODELS
from surrogate.spaces import SPACES as SPACE_CLASSES

logger = logging.getLogger("surrogate.commands")

#: CLI choices, from the registries (a new family or space appears here by itself).
FAMILIES = tuple(MODELS)
SPACES = tuple(SPACE_CLASSES)

#: (manifest key, label) of the rows of the metrics table, in order.
METRIC_ROWS = (
    ("n", "rows"),
    ("r2", "R²"),
    ("mae", "MAE"),
    ("rmse", "RMSE"),
    ("kendall_tau", "Kendall τ"),
    ("sparse_kendall_tau", "sparse Kendall τ"),
    ("spearman", "Spearman ρ"),
    ("gaussian_nll", "Gaussian NLL"),
    ("coverage_68", "68% coverage"),
    ("coverage_95", "95% coverage"),
    ("mean_std", "mean std"),
    ("kl_to_seeds", "KL to seeds"),
    ("n_multi_seed", "multi-seed archs"),
)


def add_data_arguments(p: argparse.ArgumentParser, *, space_default: str = "from the data") -> None:
    """``--data`` and ``--space``."""
    p.add_argument(
        "--data",
        required=True,
        metavar="PATH",
        help="evaluations: a NAS-Bench-301-format result tree (a directory of <optimizer>/results_*.json, "
        "as `surrogate generate` writes), a Dataset Parquet file, or a .parquet/.csv/.jsonl table "
        "with an 'arch' (or 'genotype') column and 'val_accuracy' (docs/data-format.md)",
    )
    p.add_argument(
        "--space",
        choices=SPACES,
        default=None,
        help=f"search space of the architectures in a table (default: {space_default}; "
        "darts for tables without a recorded space)",
    )


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    """``--json`` and ``--no-progress``."""
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables (default: off)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars (default: shown)")


def read_data(
    path: str | Path, space: str | None = None, progress: bool | None = None, rename: dict[str, str] | None = None
) -> Any:
    """``--data``: :func:`surrogate.data.read_data`, its errors prefixed with the option."""
    from surrogate.data import read_data as read

    try:
        return read(path, space, progress=progress, rename=rename)
    except ValueError as err:
        raise ValueError(f"--data {err}") from None


def progress_on(args: argparse.Namespace) -> bool:
    """Progress bars unless ``--no-progress`` (or ``--json`` with stderr not a terminal)."""
    return not args.no_progress and not (args.json and not sys.stderr.isatty())


class StepBar:
    """A tqdm bar over one member's epochs or boosting rounds, fed by the model callback.

    It restarts when the step count goes back (the next member) and shows the validation loss.
    """

    def __init__(self, total: int | None, unit: str) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, unit=unit, desc="  member", leave=False, position=1)
        self.last = -1

    def __call__(self, step: int, info: Mapping[str, float]) -> bool:
        if step <= self.last:
            self.bar.reset()
        self.bar.update(step + 1 - self.bar.n)
        self.last = step
        if "val" in info:
            self.bar.set_postfix_str(f"val loss {info['val']:.4g}", refresh=False)
        return False

    def close(self) -> None:
        self.bar.close()


def step_bar(family: str, params: Mapping[str, Any]) -> StepBar | None:
    """A :class:`StepBar` for the iterative families (GIN epochs, boosting rounds), else ``None``."""
    from surrogate.models import load_config

    merged = {**load_config(family).defaults, **params}
    if family == "gin":
        return StepBar(merged.get("epochs"), "epoch")
    if family in ("xgb", "lgb"):
        return StepBar(merged.get("n_estimators"), "tree")
    return None


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, int):
        return f"{value:d}"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.4g}"
    return str(value)


def metrics_table(metrics: Mapping[str, Mapping[str, Any]]) -> str:
    """The metrics of each split (``{"val": report, "test": report}``) as an aligned text table."""
    columns = [c for c in ("train", "val", "test", "all") if c in metrics] + [
        c for c in metrics if c not in ("train", "val", "test", "all")
    ]
    keys = [(k, label) for k, label in METRIC_ROWS if any(k in metrics[c] for c in columns)]
    rows = [["metric", *columns]] + [[label, *(_fmt(metrics[c].get(k)) for c in columns)] for k, label in keys]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for j, r in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(r)))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def dump_json(obj: Any) -> str:
    """JSON with NaN/inf written as ``null`` (:func:`surrogate._util.dump_json`, indented)."""
    from surrogate._util import dump_json as dump

    return dump(obj, indent=2)


def parse_renames(items: list[str] | None) -> dict[str, str]:
    """``["OLD=NEW", ...]`` (``--rename``) -> ``{"OLD": "NEW"}``; a ValueError naming a bad item."""
    out: dict[str, str] = {}
    for item in items or []:
        old, eq, new = item.partition("=")
        if not eq or not old or not new:
            raise ValueError(f"--rename takes OLD=NEW (e.g. valid_acc=val_accuracy), got {item!r}")
        out[old] = new
    return out
