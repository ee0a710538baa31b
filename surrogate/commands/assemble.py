"""Build a benchmark folder from fit checkpoints, so that `surrogate query`, `search` and
`surrogate.load()` answer for architectures of their space (DARTS, NB201 or generic cells).

Each checkpoint (written by `surrogate fit --out`) is verified and copied into --out as
<target>-<family>; a val_accuracy model is needed, a train_time model makes runtime queries and
--budget-seconds searches work. --data is the data the checkpoints were fit on: it gives each
model's out-of-distribution threshold (its calibrated std on its own test split) and the seed
noise of each target (the pooled std of architectures with several seeds); for data with one
run per architecture give the noise with --seed-std TARGET=SD (0: no noise). Cost tables
(params, FLOPs) are measured for spaces with a cost model (DARTS) at the training fidelity
recorded in the data.

Examples
--------
  surrogate fit --data training_data/nb201_analog/nb201_analog.parquet --space nb201 \\
      --family xgb --members 5 --out runs/nb201-xgb
  surrogate assemble runs/nb201-xgb --data training_data/nb201_analog/nb201_analog.parquet \\
      --space nb201 --seed-std val_accuracy=0 --out runs/nb201-bench
  surrogate search --benchmark runs/nb201-bench --budget-queries 100
  surrogate assemble ckpt/val-gin ckpt/val-xgb ckpt/time-lgb --data my_evals.jsonl \\
      --default val_accuracy=gin --out my-bench
"""

from __future__ import annotations

import argparse

from ._common import add_data_arguments, dump_json

NAME = "assemble"
HELP = "build a benchmark folder from fit checkpoints (for query, search and surrogate.load)"
RAW_HELP = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "checkpoints",
        nargs="+",
        metavar="CHECKPOINT",
        help="checkpoint folders written by `surrogate fit --out` (one space; a val_accuracy model among them)",
    )
    add_data_arguments(p)
    p.add_argument("--out", required=True, metavar="DIR", help="the benchmark folder to write")
    p.add_argument(
        "--seed-std",
        action="append",
        default=[],
        metavar="TARGET=SD",
        help="seed noise of a target instead of measuring it from repeated seeds in --data, e.g. "
        "val_accuracy=0.2 (repeatable) (default: measured)",
    )
    p.add_argument(
        "--default",
        action="append",
        default=[],
        metavar="TARGET=MODEL",
        help="the model answering a target, by name or family, e.g. val_accuracy=gin (repeatable) "
        "(default: the first checkpoint of that target)",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing benchmark folder at --out (default: off)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a summary (default: off)")


def _pairs(items: list[str], option: str, number: bool) -> dict:
    out: dict = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key or not value:
            raise ValueError(f"{option} takes TARGET=VALUE, got {item!r}")
        if number:
            try:
                out[key] = float(value)
            except ValueError:
                raise ValueError(f"{option} {item!r}: {value!r} is not a number") from None
        else:
            out[key] = value
    return out


def run(args: argparse.Namespace) -> int:
    import surrogate
    from surrogate.assemble import assemble_from_checkpoints

    from ._common import read_data

    seed_std = _pairs(args.seed_std, "--seed-std", number=True)
    default = _pairs(args.default, "--default", number=False)
    dataset = read_data(args.data, args.space, progress=False)
    out = assemble_from_checkpoints(
        args.checkpoints, args.out, dataset, seed_std=seed_std, default=default, overwrite=args.overwrite
    )
    bench = surrogate.load(out)
    summary = {
        "out": str(out),
        "space": bench.space_name,
        "models": sorted(bench.models),
        "default": bench.spec["default"],
        "seed_std": {t: v["seed_std"] for t, v in bench.spec["noise"].items()},
        "runtime": bench.has_runtime,
        "cost": bench.has_cost,
    }
    if args.json:
        print(dump_json(summary))
        return 0
    print(f"wrote a {bench.space_name} benchmark to {out}: {', '.join(sorted(bench.models))}")
    for target, name in bench.spec["default"].items():
        print(f"  {target}: {name} (seed noise std {bench.spec['noise'][target]['seed_std']:.4g})")
    if not bench.has_runtime:
        print("  no train_time model: search with --budget-queries")
    print(f"query it: surrogate query --benchmark {out} ARCH   (or surrogate.load({str(out)!r}))")
    return 0
