"""How many threads a prediction runs on: chosen per call by batch size, then given back.

One architecture costs a millisecond or less; starting and synchronising a thread team costs as
much, and on a machine where other processes (other searches, training) hold the cores, threads
that wait for a core cost far more (measured on 2 loaded cores: a single GIN query 441 ms wall
with torch's default 2 threads, 41 ms on one). So a query runs on

``min(cap, idle cores, ceil(rows / ROWS_PER_THREAD))``

threads: one thread for a small batch, up to the cores for a large one. Idle cores are the
usable cores less the other work on them: the 1-minute load average less this process's own
share of it (:func:`_own_load`, the same 1-minute average of this process's CPU use; one before
it has a history). Measured on 2 cores with two training processes beside it, the GIN predicted
176 architectures/s on 2 threads and 901/s on one. Counting this process as one flat, as before,
mistook its own threads for other work: on idle cores, a 2-thread 100k-architecture query raised
the load to ~2 and the next one ran on one thread at half the speed (4,448/s, then 2,150/s). ``cap`` is the
``threads`` argument where one is given, else the environment variable ``SURROGATE_THREADS``,
else no cap. :func:`query_threads` sets torch's thread count (when torch is loaded) for the call
and restores the caller's afterwards; the boosters read :func:`current_threads` and pass it as
their own ``num_threads``/``nthread`` per call, so no process-wide OpenMP setting changes
(threadpoolctl would work too, but finding the loaded libraries costs ~4 ms a call). Running many searches side by side: give each process
``SURROGATE_THREADS=1`` (see docs/guide-query.md).

Fitting (issue 13) has one rule for every family: **a member trains on one thread, and members
train side by side in** :func:`fit_workers` **processes**, as many as the idle cores allow
(capped like queries: the ``threads`` argument, else ``SURROGATE_THREADS``). Measured on 2 cores
held by two training processes, 10,000 rows: two XGBoost members took 4.8 s one after another
on one thread each and 13.0 s on two threads each (LightGBM 3.7 s and 10.6 s): threads of one
booster wait for each other at every split when another process holds a core. One thread per
member also makes a seed's model the same on any machine and core count (LightGBM is
deterministic only for a fixed thread count). A booster's explicit ``n_jobs`` overrides it.
"""

from __future__ import annotations

import contextvars
import math
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = [
    "ENV_VAR",
    "ROWS_PER_THREAD",
    "booster_fit_threads",
    "current_fit_threads",
    "current_threads",
    "fit_threads",
    "fit_workers",
    "query_threads",
    "thread_count",
]

#: The environment variable that caps the threads of every query.
ENV_VAR = "SURROGATE_THREADS"
#: Rows (architectures) that justify one more thread.
ROWS_PER_THREAD = 1024

_CURRENT: contextvars.ContextVar[int | None] = contextvars.ContextVar("surrogate_threads", default=None)
_FIT: contextvars.ContextVar[int | None] = contextvars.ContextVar("surrogate_fit_threads", default=None)


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


#: The load average's time constant (seconds): the kernel's 1-minute average.
_LOAD_WINDOW = 60.0
#: This process's own load estimate: last clock readings and the average so far.
_OWN = {"wall": None, "cpu": 0.0, "load": 1.0}


def _own_load() -> float:
    """This process's share of the 1-minute load average: its CPU seconds per second (all its
    threads), averaged the way the kernel averages the load (exponentially, over a minute); 1.0
    until it has two readings."""
    wall, cpu = time.monotonic(), time.process_time()
    last = _OWN["wall"]
    if last is not None and wall > last:
        dt = wall - last
        decay = math.exp(-dt / _LOAD_WINDOW)
        _OWN["load"] = _OWN["load"] * decay + (cpu - _OWN["cpu"]) / dt * (1.0 - decay)
    _OWN["wall"], _OWN["cpu"] = wall, cpu
    return float(_OWN["load"])


def _idle_cores() -> int:
    """Usable cores less the load of other processes (the load average less :func:`_own_load`)."""
    cores = _cores()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return cores
    others = max(0.0, load - _own_load())
    return max(1, min(cores, cores - int(others + 0.5)))


def _check_cap(cap: object, what: str) -> int:
    if isinstance(cap, str):
        try:
            cap = int(cap.strip())
        except ValueError:
            raise ValueError(f"{what} must be a positive integer, got {cap!r:.40}") from None
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
        raise ValueError(f"{what} must be a positive integer, got {cap!r:.40}")
    return cap


def _cap(cap: int | None) -> int | None:
    if cap is not None:
        return _check_cap(cap, "threads")
    if os.environ.get(ENV_VAR, "").strip():
        return _check_cap(os.environ[ENV_VAR], ENV_VAR)
    return None


def fit_workers(n_tasks: int, cap: int | None = None) -> int:
    """Worker processes for ``n_tasks`` independent single-threaded fits: ``min(n_tasks, idle
    cores, cap)``; ``cap`` overrides ``SURROGATE_THREADS`` (module docstring)."""
    cap = _cap(cap)
    want = min(max(int(n_tasks), 1), _idle_cores())
    return max(1, want if cap is None else min(want, cap))


def current_fit_threads() -> int | None:
    """The threads a booster's ``fit`` uses inside :func:`fit_threads` (``None`` outside one:
    then a lone fit takes :func:`fit_workers` of as many tasks as cores)."""
    return _FIT.get()


def booster_fit_threads(n_jobs: int | None) -> int:
    """A booster fit's threads: its ``n_jobs``, else :func:`current_fit_threads`, else the idle
    cores (capped)."""
    if n_jobs is not None:
        return int(n_jobs)
    return current_fit_threads() or fit_workers(_cores())


@contextmanager
def fit_threads(n: int) -> Iterator[int]:
    """Fit boosters in the block on ``n`` threads each (an ensemble's members: one)."""
    token = _FIT.set(_check_cap(n, "threads"))
    try:
        yield n
    finally:
        _FIT.reset(token)


def thread_count(n_rows: int, cap: int | None = None) -> int:
    """Threads for a batch of ``n_rows`` (module docstring); ``cap`` overrides ``SURROGATE_THREADS``."""
    if cap is not None:
        cap = _check_cap(cap, "threads")
    elif os.environ.get(ENV_VAR, "").strip():
        cap = _check_cap(os.environ[ENV_VAR], ENV_VAR)
    want = max(1, math.ceil(max(int(n_rows), 0) / ROWS_PER_THREAD))
    if cap is not None:
        want = min(want, cap)
    return want if want == 1 else max(1, min(want, _idle_cores()))


def current_threads() -> int | None:
    """The thread count of the enclosing :func:`query_threads`, or ``None`` outside one."""
    return _CURRENT.get()


@contextmanager
def query_threads(n_rows: int, cap: int | None = None) -> Iterator[int]:
    """Run the block on :func:`thread_count` threads; restore the caller's settings after it."""
    n = thread_count(n_rows, cap)
    token = _CURRENT.set(n)
    torch = sys.modules.get("torch")  # never import torch for a tree query
    before = torch.get_num_threads() if torch is not None else None
    try:
        if torch is not None and before != n:
            torch.set_num_threads(n)
        yield n
    finally:
        if torch is not None and before is not None and torch.get_num_threads() != before:
            torch.set_num_threads(before)
        _CURRENT.reset(token)
