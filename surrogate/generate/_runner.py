"""Run evaluation jobs in a pool of worker processes (or a Ray cluster), crash-safe and resumable.

Each worker loads the images once, trains with ``threads`` torch threads, and writes each result
file itself (atomically) the moment it is done, so a kill at any time loses at most the jobs in
flight, and re-running the same command skips every job whose file exists.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from ._fidelity import Fidelity
from surrogate.data import write_result

from ._results import Job, pending

log = logging.getLogger(__name__)

_STATE: dict = {}


def _init_worker(fidelity: Fidelity, data_root: str | None, threads: int, device: str) -> None:
    import torch

    from ._images import load_fashion_mnist
    from ._train import prepare_tensors

    torch.set_num_threads(threads)
    _STATE["fidelity"] = fidelity
    _STATE["device"] = device
    _STATE["data"] = prepare_tensors(load_fashion_mnist(data_root), fidelity)


def _run_job(job: Job) -> tuple[Job, dict | None, str | None]:
    """Train one job; returns (job, result record or None, error text or None)."""
    from ._train import train_and_evaluate

    try:
        record = train_and_evaluate(job.genotype, job.seed, _STATE["fidelity"], _STATE["data"], _STATE["device"])
        record["source"] = job.source
        return job, record, None
    except Exception:  # a failed evaluation is reported and the run goes on
        return job, None, traceback.format_exc(limit=3)


def _ray_job(job: Job, fidelity: Fidelity, data_root: str | None, threads: int, device: str) -> tuple:
    """One job on a Ray worker. Module-level on purpose: Ray then imports this module in the
    worker and the state check reads the worker's own ``_STATE`` (a nested function would carry a
    pickled copy of the driver's, which may already hold data the worker never loaded)."""
    if "data" not in _STATE:
        _init_worker(fidelity, data_root, threads, device)
    return _run_job(job)


@dataclass
class RunSummary:
    """What a run did: counts, failures and throughput."""

    total: int
    skipped: int
    done: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def per_hour(self) -> float:
        return 3600.0 * self.done / self.seconds if self.seconds > 0 else 0.0


def default_workers() -> tuple[int, int]:
    """(workers, threads per worker): one single-threaded worker per core (measured faster than
    one process with several threads on small networks)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores), 1


def run_jobs(
    jobs: list[Job],
    out: str | Path,
    fidelity: Fidelity,
    *,
    workers: int | None = None,
    threads: int | None = None,
    data_root: str | None = None,
    device: str | None = None,
    ray_address: str | None = None,
    progress: bool | None = None,
    max_jobs: int | None = None,
) -> RunSummary:
    """Run every job whose result file under ``out`` does not exist yet.

    Parameters
    ----------
    jobs : list of Job
    out : path
        Root of the result tree (``<out>/<source>/results_*.json``).
    fidelity : Fidelity
    workers, threads : int, optional
        Worker processes and torch threads each (default: one 1-thread worker per core; on a GPU,
        4 workers sharing it).
    device : str, optional
        ``"cuda"`` when a GPU is visible, else ``"cpu"``.
    ray_address : str, optional
        Farm the same jobs to a Ray cluster (``"local"`` starts one here); needs ``pip install ray``.
    max_jobs : int, optional
        Stop after this many new evaluations (the rest stay pending for the next run).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    todo = pending(jobs, out)
    summary = RunSummary(total=len(jobs), skipped=len(jobs) - len(todo))
    if max_jobs is not None:
        todo = todo[:max_jobs]
    if not todo:
        return summary
    if device is None:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    dw, dt = default_workers()
    workers = workers or (4 if device.startswith("cuda") else dw)
    threads = threads or dt
    t0 = time.perf_counter()
    bar = tqdm(total=len(todo), desc="evaluations", unit="eval", disable=None if progress is None else not progress)

    def record(job: Job, result: dict | None, err: str | None) -> None:
        # The driver writes every file (atomically), so results from a Ray cluster land here too.
        val = None
        if result is not None:
            write_result(job.path(out), result)
            summary.done += 1
            val = result["info"][0]["val_accuracy"]
        else:
            summary.failed.append((job.key, err or ""))
            log.warning("evaluation %s failed:\n%s", job.key, err)
        elapsed = time.perf_counter() - t0
        rate = 3600.0 * summary.done / elapsed if elapsed > 0 else 0.0
        bar.set_postfix(per_hour=f"{rate:.0f}", last_val=f"{val:.2f}" if val is not None else "fail")
        bar.update(1)

    try:
        if ray_address:
            _run_ray(todo, out, fidelity, workers, threads, data_root, device, ray_address, record)
        elif workers == 1:
            _init_worker(fidelity, data_root, threads, device)
            for job in todo:
                record(*_run_job(job))
        else:
            ctx = mp.get_context("spawn")
            with ProcessPoolExecutor(
                workers, mp_context=ctx, initializer=_init_worker,
                initargs=(fidelity, data_root, threads, device),
            ) as pool:
                queue = iter(todo)
                running = set()
                for job in queue:
                    running.add(pool.submit(_run_job, job))
                    if len(running) >= 2 * workers:
                        break
                while running:
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        record(*fut.result())
                        nxt = next(queue, None)
                        if nxt is not None:
                            running.add(pool.submit(_run_job, nxt))
    finally:
        bar.close()
        summary.seconds = time.perf_counter() - t0
    return summary


def _run_ray(todo, out, fidelity, workers, threads, data_root, device, address, record) -> None:
    try:
        import ray
    except ImportError as err:  # pragma: no cover - depends on the optional extra
        raise RuntimeError("--ray-address needs Ray: pip install 'surrogate[ray]'") from err
    ray.init(address=None if address == "local" else address, ignore_reinit_error=True, log_to_driver=False)

    remote_job = ray.remote(num_cpus=threads, num_gpus=0.25 if device.startswith("cuda") else 0)(_ray_job)
    refs = [remote_job.remote(job, fidelity, data_root, threads, device) for job in todo]
    while refs:
        ready, refs = ray.wait(refs, num_returns=1)
        record(*ray.get(ready[0]))
