"""Score a checkpoint on evaluations: metrics, a predicted-vs-true scatter plot, JSON.

With --split test (the default) or val, the split recorded in the checkpoint's manifest is
rebuilt on --data, which must be the data the checkpoint was fit on (its fingerprint is
checked); the metrics then reproduce the manifest's exactly, and the command says so (and exits
with status 1 when they do not: other package versions, other hardware, a damaged copy). With
--split all, every row of --data is scored (e.g. fresh evaluations the model never saw).

The plot (PNG) shows the ensemble mean against the truth with the calibrated ±1 std as error
bars. It goes to --plot, else into --out, else next to the checkpoint as <checkpoint>-<split>.png.

Examples
--------
  surrogate evaluate --checkpoint checkpoints/nb201-xgb \\
      --data training_data/nb201_analog/nb201_analog.parquet --space nb201
  surrogate evaluate --checkpoint ckpt/gin --data fresh_evals/ --split all --out reports/gin --json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._common import add_data_arguments, add_output_arguments, dump_json, metrics_table, progress_on

NAME = "evaluate"
HELP = "score a checkpoint on data; write a predicted-vs-true plot (PNG) and --json metrics"
RAW_HELP = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    from surrogate.evaluation import ROWS

    p.add_argument(
        "--checkpoint", required=True, metavar="DIR", help="checkpoint directory (from `surrogate fit --out`)"
    )
    add_data_arguments(p, space_default="the checkpoint's space")
    p.add_argument(
        "--split",
        choices=ROWS,
        default="test",
        help="rows to score: a part of the checkpoint's own split, or all rows of --data (default: %(default)s)",
    )
    p.add_argument("--target", help="column to score against (default: the checkpoint's target)")
    p.add_argument(
        "--rename",
        action="append",
        metavar="OLD=NEW",
        help="rename a table column before reading, as for fit (repeatable) (default: none)",
    )
    p.add_argument(
        "--plot",
        metavar="PNG",
        help="scatter plot path (default: <out>/predicted-vs-true-<split>.png with --out, "
        "else <checkpoint>-<split>.png beside the checkpoint)",
    )
    p.add_argument(
        "--out", metavar="DIR", help="also write metrics.json and the plot into this directory (default: none)"
    )
    add_output_arguments(p)


def run(args: argparse.Namespace) -> int:
    from surrogate.checkpoint import load_fitted
    from surrogate.evaluation import evaluate_checkpoint, plot_predictions

    from ._common import parse_renames, read_data

    checkpoint = Path(args.checkpoint)
    ensemble, manifest, fitted_space = load_fitted(checkpoint)
    space = args.space or fitted_space.name
    dataset = read_data(args.data, space, progress=progress_on(args), rename=parse_renames(args.rename))
    fidelity = (manifest.get("extra") or {}).get("fidelity")
    if isinstance(fidelity, str) and fidelity:  # fit --fidelity NAME: the same rows again (assemble records a dict)
        from surrogate.data import select_fidelity

        dataset = select_fidelity(dataset, fidelity)
    ev = evaluate_checkpoint((ensemble, manifest), dataset, rows=args.split, target=args.target)
    out = Path(args.out) if args.out else None
    if args.plot:
        plot_path = Path(args.plot)
    elif out is not None:
        plot_path = out / f"predicted-vs-true-{args.split}.png"
    else:
        named = checkpoint if checkpoint.name not in ("", "..") else checkpoint.resolve()  # "." has no name
        plot_path = named.parent / f"{named.name}-{args.split}.png"  # shown as given: relative stays relative
    target = args.target or manifest.get("target") or "target"
    label = f"{target} (%)" if "accuracy" in target else target
    plot_predictions(
        ev.y,
        ev.mean,
        ev.std,
        plot_path,
        label=label,
        title=f"{checkpoint.name}: {manifest['family']} × {len(ensemble.members_)}, {args.split} rows",
    )
    matches = ev.matches_manifest()
    summary = {
        "checkpoint": str(checkpoint),
        "family": manifest["family"],
        "target": target,
        "split": args.split,
        "rows": int(len(ev.indices)),
        "metrics": ev.metrics,
        "manifest_metrics": ev.recorded(),
        "reproduces_manifest": matches,
        "plot": str(plot_path),
    }
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "metrics.json").write_text(dump_json(summary) + "\n")
    failed = 1 if matches is False else 0  # the recorded metrics do not reproduce: a failure
    if args.json:
        print(dump_json(summary))
        return failed
    print(
        f"{checkpoint}: {manifest['family']} ensemble of {len(ensemble.members_)} on {target}, "
        f"{len(ev.indices)} {args.split} rows"
    )
    print(metrics_table({args.split: ev.metrics}))
    if matches is True:
        print(f"reproduces the checkpoint's recorded {args.split} metrics exactly")
    print(f"plot written to {plot_path}")
    if matches is False:
        diff = ", ".join(f"{k}: {a} -> {b}" for k, (a, b) in ev.differences().items())
        print(
            f"surrogate evaluate: error: the checkpoint's recorded {args.split} metrics do not reproduce on "
            f"this data: {diff}",
            file=sys.stderr,
        )
    return failed
