"""A reference timing of the worker's machine, stamped into every result file.

The recorded ``runtime`` (training CPU-seconds) depends on the machine and on the code version as
much as on the architecture: the machines this project ran on differed by 2.3x for the same work,
and the faster backward passes changed it by about 1.5x. A worker therefore times a fixed piece of
work right before each job: a few SGD steps of DARTS_V2 at the fidelity's network size and batch
size on the worker's own training images, with the same code path the jobs use. Result files carry
it as ``hardware.reference_step_seconds``, so a runtime model can divide it out (runtime in units
of the reference step) and runtimes from different machines, loads and versions become comparable.
(Files written before session 12 carry one timing per worker, taken when it started.)
"""

from __future__ import annotations

import statistics
import time

import torch

from ..space import DARTS_V2
from ._fidelity import Fidelity
from ._network import Network
from ._train import sgd_step

#: Steps timed after the warm-up steps; the median is reported.
TIMED_STEPS = 6
WARMUP_STEPS = 2


def reference_step_seconds(
    fidelity: Fidelity, x_train: torch.Tensor, y_train: torch.Tensor, device: str = "cpu"
) -> float:
    """Median seconds of one DARTS_V2 training step at ``fidelity`` (CPU time on the CPU, wall on a GPU).

    Leaves the global torch RNG as it was, so the jobs that follow train exactly as without it.
    """
    on_cpu = device == "cpu"
    clock = time.process_time if on_cpu else time.perf_counter
    fmt = torch.channels_last
    with torch.random.fork_rng(devices=[] if on_cpu else [torch.device(device)]):
        torch.manual_seed(0)
        model = Network(DARTS_V2, channels=fidelity.channels, layers=fidelity.layers, fast_backward=True)
        model = model.to(device=device, memory_format=fmt).train()
        opt = torch.optim.SGD(model.parameters(), lr=fidelity.lr, momentum=fidelity.momentum, nesterov=True)
        n = min(fidelity.batch_size, len(x_train))
        xb = x_train[:n].to(device).contiguous(memory_format=fmt)
        yb = y_train[:n].to(device)
        times = []
        for i in range(WARMUP_STEPS + TIMED_STEPS):
            t0 = clock()
            # no gradient clip: the stamp was defined without it, and files already carry it
            sgd_step(model, opt, xb, yb, clip=None)
            if not on_cpu:
                torch.cuda.synchronize(device)
            if i >= WARMUP_STEPS:
                times.append(clock() - t0)
    return statistics.median(times)
