"""How far the default GIN is from this machine's compute limit, for queries and for training.

The issues' GIN throughput targets (4,000 architectures/s for a 10-member query, 3x the old
training throughput) are only meaningful beside what the arithmetic allows. This script:

- counts the floating-point operations of the default GIN (``configs/models/gin.yaml``) on DARTS
  graphs with :class:`torch.utils.flop_counter.FlopCounterMode` (every matmul-like op, forward
  and backward): per member-graph of a query (the dense stack's forward) and of training (one
  epoch of the dense stacked trainer, forward + backward, divided by the member-graphs it saw);
- measures, on one thread, the rate this core sustains on the GIN's own matmul shapes (a stacked
  ``baddbmm`` of ``(M, B*N, H) x (M, H, H)`` at the query chunk) and on a large square matmul
  (about the core's practical peak);
- measures the actual query and training rates, on one thread, and prints each as a share of the
  peak and the ceiling the peak implies (rate = GFLOP/s / FLOPs per unit).

Element-wise work (ReLU, BatchNorm statistics, the optimizer) is not counted: the ceilings are
upper bounds. Data: DARTS architectures sampled uniformly, a synthetic target (speed only).

    python bench/gin_limit.py                 # about a minute
    python bench/gin_limit.py --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _gflops_of(fn, repeat: int) -> tuple[float, float]:
    """(seconds per call, GFLOP per call) of ``fn`` (FLOPs counted on one call)."""
    from torch.utils.flop_counter import FlopCounterMode

    fn()  # warm
    with FlopCounterMode(display=False) as counter:
        fn()
    flops = counter.get_total_flops()
    t = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t) / repeat, flops / 1e9


def measure(n_query: int, n_train: int) -> dict:
    import torch
    from fit import _data

    from surrogate.models._dense_gin import CHUNK, DenseGINStack, DenseGraphs, dense_graphs
    from surrogate.models.gin import STACK, GINModel

    torch.set_num_threads(1)
    out: dict = {"threads": 1, "cpus": os.cpu_count()}

    # the core's practical peak, and its rate on the GIN's own layer shape
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    s, g = _gflops_of(lambda: a @ b, 10)
    out["peak_gflops"] = g / s
    m, hidden, nodes = 10, 64, 30
    h, w, bias = torch.randn(m, CHUNK * nodes, hidden), torch.randn(m, hidden, hidden), torch.randn(m, 1, hidden)
    s, g = _gflops_of(lambda: torch.baddbmm(bias, h, w), 200)
    out["layer_gemm_gflops"] = g / s

    # the query: a 10-member dense stack, CHUNK graphs a pass
    (X, y), _, _ = _data(max(n_query, n_train), "gin")
    members = [GINModel(epochs=1, seed=i) for i in range(m)]
    GINModel.fit_ensemble(members, X[:256], y[:256], threads=1)
    stack = DenseGINStack.from_models(members)
    x, adj, mask = dense_graphs(X[:n_query])
    with torch.inference_mode():
        s, g = _gflops_of(lambda: stack.forward(x[:CHUNK], adj[:CHUNK], None), 50)
    out["query_mflop_per_arch"] = 1e3 * g / CHUNK
    out["query_mflop_per_member_graph"] = out["query_mflop_per_arch"] / m
    t = time.perf_counter()
    stack.predict(DenseGraphs(x, adj, mask))
    out["query_archs_per_s"] = n_query / (time.perf_counter() - t)

    # training: one epoch of the dense stacked trainer (STACK members), as bench/fit.py's throughput
    def epoch() -> None:
        GINModel.fit_ensemble([GINModel(epochs=1, seed=i) for i in range(STACK)], X[:n_train], y[:n_train], threads=1)

    s, g = _gflops_of(epoch, 2)
    work = STACK * n_train
    out["train_mflop_per_member_graph"] = 1e3 * g / work
    out["train_member_graphs_per_s"] = work / s

    peak = out["peak_gflops"]
    out["query_share_of_peak"] = out["query_archs_per_s"] * out["query_mflop_per_arch"] / 1e3 / peak
    out["train_share_of_peak"] = out["train_member_graphs_per_s"] * out["train_mflop_per_member_graph"] / 1e3 / peak
    out["query_ceiling_archs_per_s_per_core"] = peak * 1e3 / out["query_mflop_per_arch"]
    out["train_ceiling_member_graphs_per_s_per_core"] = peak * 1e3 / out["train_mflop_per_member_graph"]
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--query", type=int, default=2000, help="architectures for the query rate (default: %(default)s)")
    p.add_argument("--train", type=int, default=1000, help="training graphs for the epoch (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print JSON")
    args = p.parse_args(argv)
    r = measure(args.query, args.train)
    if args.json:
        print(json.dumps(r, indent=1))
        return
    print(f"# one thread; {r['cpus']} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(
        f"core: {r['peak_gflops']:.1f} GFLOP/s on a 1024^3 matmul, {r['layer_gemm_gflops']:.1f} on the GIN's layer GEMM"
    )
    print(
        f"query: {r['query_mflop_per_arch']:.2f} MFLOP an architecture (10 members); measured "
        f"{r['query_archs_per_s']:,.0f}/s = {100 * r['query_share_of_peak']:.0f}% of peak; ceiling "
        f"{r['query_ceiling_archs_per_s_per_core']:,.0f}/s a core"
    )
    print(
        f"training: {r['train_mflop_per_member_graph']:.2f} MFLOP a member-graph; measured "
        f"{r['train_member_graphs_per_s']:,.0f}/s = {100 * r['train_share_of_peak']:.0f}% of peak; ceiling "
        f"{r['train_ceiling_member_graphs_per_s_per_core']:,.0f}/s a core"
    )


if __name__ == "__main__":
    main()
