"""One lock file per job, so concurrent ``generate`` runs into one folder split the work.

A run takes ``<out>/.locks/<key>.lock`` (created with ``O_CREAT | O_EXCL``, atomic on local file
systems and on NFS v3 and later) before it trains a job, and removes it once the result file is
written or the job failed. A lock records its holder's host and process id and is touched while
held (:meth:`JobLocks.refresh`). A lock is stale, and taken over, when its holder is on this host
and no longer alive, or when it was not touched for ``stale_seconds`` (a holder on another machine
that died: Ray workers or runs on several machines sharing a file system).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import threading
import time
from pathlib import Path

LOCK_DIR = ".locks"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _uninterrupted():
    """Hold Ctrl-C and SIGTERM until the block is done, then deliver them to their handlers.

    A lock file and the record that this run holds it change together: an interrupt between the
    two would leave a file that ``release_all`` does not know of. Outside the main thread (where
    Python cannot set handlers) the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if handler is not None:  # None: a handler not set from Python, left alone
            previous[sig] = signal.signal(sig, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in pending:
            signal.raise_signal(sig)


class JobLocks:
    """The locks one run holds under ``out``."""

    def __init__(self, out: str | Path, stale_seconds: float = 1800.0) -> None:
        self.dir = Path(out) / LOCK_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        self.stale_seconds = stale_seconds
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.held: set[str] = set()

    def _path(self, key: str) -> Path:
        return self.dir / f"{key}.lock"

    def _stale(self, path: Path) -> bool:
        try:
            holder = json.loads(path.read_text())
            age = time.time() - path.stat().st_mtime
        except (OSError, ValueError):
            return False  # being written or just removed: not ours to judge now
        if holder.get("host") == self.host and isinstance(holder.get("pid"), int):
            return not _alive(holder["pid"])
        return age > self.stale_seconds

    def acquire(self, key: str) -> bool:
        """Take the lock of ``key``; ``False`` when a live run holds it."""
        with _uninterrupted():
            return self._acquire(key)

    def _acquire(self, key: str) -> bool:
        path = self._path(key)
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if not self._stale(path):
                    return False
                try:
                    path.unlink()  # a dead holder's lock; retry once
                except FileNotFoundError:
                    pass
                continue
            with os.fdopen(fd, "w") as f:
                json.dump({"host": self.host, "pid": self.pid, "time": time.time()}, f)
            self.held.add(key)
            return True
        return False

    def release(self, key: str) -> None:
        with _uninterrupted():
            if key in self.held:
                try:
                    self._path(key).unlink()
                except FileNotFoundError:
                    pass
                self.held.discard(key)

    def refresh(self) -> None:
        """Touch every held lock (a heartbeat for holders on other machines to see)."""
        for key in self.held:
            try:
                os.utime(self._path(key))
            except FileNotFoundError:
                pass

    def release_all(self) -> None:
        for key in list(self.held):
            self.release(key)
