"""Run evaluation jobs in a pool of worker processes (or a Ray cluster), crash-safe and resumable.

Each worker loads the images once and trains with ``threads`` torch threads; the driver writes each
result file (atomically) the moment a job is done, so a kill at any time loses at most the jobs in
flight, and re-running the same command skips every job whose file exists at the same fidelity.

Guarantees (tested by killing runs at random moments, tests/generate/test_runner.py):

- a result file is whole or absent; a finished file is never rewritten by a resume;
- a folder holds one fidelity: a run refuses a folder with results of another fidelity unless
  ``allow_mixed``, and even then never overwrites one;
- concurrent runs into one folder split the work: a job is trained by the run holding its lock
  (:mod:`._locks`);
- workers die with the driver (SIGKILL included: a parent-death signal and a watchdog thread), and
  SIGINT/SIGTERM stop the run like Ctrl-C: in-flight jobs are abandoned, locks released, finished
  files kept.
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

from surrogate.data import write_result

from ._fidelity import Fidelity
from ._locks import JobLocks
from ._results import Job, inventory, pending, recorded_fidelity, same_fidelity

log = logging.getLogger(__name__)

_STATE: dict = {}


def _die_with_parent(parent: int) -> None:
    """End this worker when the driver (pid ``parent``) dies, however it dies (Linux:
    PR_SET_PDEATHSIG; anywhere: a daemon thread that notices the parent process changed, which
    also covers a driver that died while this worker was still starting)."""
    import signal
    import threading

    if os.getppid() != parent:
        os._exit(1)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watchdog").start()


def _init_worker(
    fidelity: Fidelity, data_root: str | None, threads: int, device: str, parent: int | None = None
) -> None:
    """A pool (or Ray) worker: leaves Ctrl-C to the driver, dies with it, loads the images."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    if parent is not None:
        _die_with_parent(parent)
    _load_state(fidelity, data_root, threads, device)


def _load_state(fidelity: Fidelity, data_root: str | None, threads: int, device: str) -> None:
    """Load and prepare the images once for this process (the one-worker path trains here)."""
    import torch

    from ._images import load_fashion_mnist
    from ._train import prepare_tensors

    torch.set_num_threads(threads)
    data = prepare_tensors(load_fashion_mnist(data_root), fidelity)
    _STATE.update(fidelity=fidelity, device=device, data=data)


def _run_job(job: Job) -> tuple[Job, dict | None, str | None]:
    """Train one job; returns (job, result record or None, error text or None).

    The reference step is timed right before each job (about 1.5 % of a job's CPU time at
    ``pilot2-f14-c8l5-n15k-e3``), so the stamp sees the load the job trains under: timed once
    when the worker started, it missed how the load changed over the worker's hours."""
    from . import _reference
    from ._train import train_and_evaluate

    fid, data, device = _STATE["fidelity"], _STATE["data"], _STATE["device"]
    try:
        reference = _reference.reference_step_seconds(fid, data.x_train, data.y_train, device)
        record = train_and_evaluate(job.genotype, job.seed, fid, data, device)
        record["source"] = job.source
        record["hardware"]["reference_step_seconds"] = reference
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
    locked: int = 0
    conflicts: int = 0
    stopped_at_deadline: bool = False

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
    max_seconds: float | None = None,
    allow_mixed: bool = False,
) -> RunSummary:
    """Run every job whose result file under ``out`` does not exist yet at ``fidelity``.

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
    max_seconds : float, optional
        Wall-time bound: no job starts after it, and jobs still running then are abandoned (their
        files are not written; the next run trains them).
    allow_mixed : bool, default False
        Write into a folder that holds results of another fidelity (their files are never
        overwritten: a job whose file holds another fidelity is skipped as a conflict).

    Raises
    ------
    ValueError
        When ``out`` holds results of another fidelity and ``allow_mixed`` is off.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    inv = inventory(out, fidelity)
    if inv.other and not allow_mixed:
        names = ", ".join(f"{k} ({n} files)" for k, n in inv.other_names().items())
        raise ValueError(
            f"{out} holds results of another fidelity ({names}), not {fidelity.name!r}: write each "
            "fidelity into its own folder, or pass allow_mixed (--allow-mixed-fidelity) to add to it"
        )
    todo = pending(jobs, out, fidelity)
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
    deadline = None if max_seconds is None else t0 + max_seconds
    locks = JobLocks(out)
    bar = tqdm(total=len(todo), desc="evaluations", unit="eval", disable=None if progress is None else not progress)

    def claim(job: Job) -> bool:
        """Whether this run should train ``job`` now: not done meanwhile, not another fidelity's
        file, and its lock taken."""
        path = job.path(out)
        if path.exists():
            if not same_fidelity(recorded_fidelity(path), fidelity):
                summary.conflicts += 1
            else:
                summary.skipped += 1
            bar.update(1)
            return False
        if not locks.acquire(job.key):
            summary.locked += 1
            bar.update(1)
            return False
        if path.exists():  # finished by another run between the check and the lock
            locks.release(job.key)
            summary.skipped += 1
            bar.update(1)
            return False
        return True

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
        locks.release(job.key)
        locks.refresh()
        elapsed = time.perf_counter() - t0
        rate = 3600.0 * summary.done / elapsed if elapsed > 0 else 0.0
        bar.set_postfix(per_hour=f"{rate:.0f}", last_val=f"{val:.2f}" if val is not None else "fail")
        bar.update(1)

    def before_deadline() -> bool:
        if deadline is not None and time.perf_counter() >= deadline:
            summary.stopped_at_deadline = True
            return False
        return True

    try:
        if ray_address:
            claimed = [job for job in todo if claim(job)]
            _run_ray(claimed, out, fidelity, workers, threads, data_root, device, ray_address, record, before_deadline)
        elif workers == 1:
            _load_state(fidelity, data_root, threads, device)
            for job in todo:
                if not before_deadline():
                    break
                if claim(job):
                    record(*_run_job(job))
        else:
            _run_pool(todo, fidelity, workers, threads, data_root, device, claim, record, before_deadline)
    finally:
        locks.release_all()
        bar.close()
        summary.seconds = time.perf_counter() - t0
    return summary


def _run_pool(todo, fidelity, workers, threads, data_root, device, claim, record, before_deadline) -> None:
    """Keep ``2 * workers`` jobs in flight in a spawned process pool; stop at the deadline or on
    an interrupt, killing the workers (in-flight jobs are abandoned, never half-written)."""
    ctx = mp.get_context("spawn")
    pool = ProcessPoolExecutor(
        workers,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(fidelity, data_root, threads, device, os.getpid()),
    )
    queue = iter(todo)
    running: set = set()

    def submit_next() -> None:
        for job in queue:
            if not before_deadline():
                return
            if claim(job):
                running.add(pool.submit(_run_job, job))
                return

    clean = False
    try:
        for _ in range(2 * workers):
            submit_next()
        while running and before_deadline():
            finished, _ = wait(running, timeout=5.0, return_when=FIRST_COMPLETED)
            running.difference_update(finished)
            for fut in finished:
                record(*fut.result())
                submit_next()
        clean = not running
    finally:
        if clean:
            pool.shutdown(wait=True)
        else:
            _kill_pool(pool)


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel what has not started, kill the workers, do not wait for them."""
    processes = list(getattr(pool, "_processes", {}).values())  # CPython's ProcessPoolExecutor
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.kill()
    for proc in processes:
        proc.join(timeout=5)


def _run_ray(todo, out, fidelity, workers, threads, data_root, device, address, record, before_deadline) -> None:
    try:
        import ray
    except ImportError as err:  # pragma: no cover - depends on the optional extra
        raise RuntimeError("--ray-address needs Ray: pip install 'surrogate[ray]'") from err
    ray.init(address=None if address == "local" else address, ignore_reinit_error=True, log_to_driver=False)

    remote_job = ray.remote(num_cpus=threads, num_gpus=0.25 if device.startswith("cuda") else 0)(_ray_job)
    refs = [remote_job.remote(job, fidelity, data_root, threads, device) for job in todo]
    while refs:
        ready, refs = ray.wait(refs, num_returns=1, timeout=5.0)
        for ref in ready:
            record(*ray.get(ref))
        if not before_deadline():
            for ref in refs:
                ray.cancel(ref, force=True)
            return
