"""How many architectures per second the encoders handle, parsing included.

Times, on one batch of ``--n`` uniformly sampled architectures written as DARTS strings:

- ``parse``: strings -> Genotypes (:func:`surrogate.space.parse`)
- ``parse+features``: strings -> Genotypes -> feature matrix (:func:`surrogate.encode.features`)
- ``parse+graph``: strings -> Genotypes -> one torch_geometric Batch (:func:`graph_batch`)
- ``features`` / ``graph``: the encoder alone, from Genotypes

Each pipeline is timed end to end on its own (the parse is not shared). torch is imported and
both encoders are warmed up on a small batch before any timing.

Examples
--------
  python bench/encode.py                 # 100k architectures
  python bench/encode.py --n 10000 --json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time


def _timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=100_000, help="batch size (default: 100000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampled batch (default: 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = p.parse_args(argv)
    if args.n < 1:
        p.error(f"--n must be at least 1, got {args.n}")

    import numpy as np
    import torch

    from surrogate.encode import features, graph_batch
    from surrogate.space import parse, sample

    log = sys.stderr if args.json else sys.stdout
    print(f"sampling {args.n} architectures (seed {args.seed}) ...", file=log, flush=True)
    genotypes = sample(args.n, rng=args.seed)
    strings = [str(g) for g in genotypes]
    features(genotypes[:100])  # warm-up: imports, first-call allocations
    graph_batch(genotypes[:100])

    stages = {
        "parse": lambda: parse(strings),
        "parse+features": lambda: features(parse(strings)),
        "parse+graph": lambda: graph_batch(parse(strings)),
        "features": lambda: features(genotypes),
        "graph": lambda: graph_batch(genotypes),
    }
    results = {}
    for name, fn in stages.items():
        out, seconds = _timed(fn)
        del out
        results[name] = {"seconds": round(seconds, 4), "archs_per_s": round(args.n / seconds, 1)}
        if not args.json:
            print(f"{name:>15}: {args.n} in {seconds:8.3f} s = {args.n / seconds:12,.0f} archs/s", flush=True)

    if args.json:
        meta = {
            "n": args.n,
            "seed": args.seed,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "machine": platform.machine(),
        }
        print(json.dumps({**meta, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
