"""Ensemble members fit side by side in worker processes, each member on one thread.

:func:`fit_tasks` runs *tasks* (lists of member indices: one member each for the boosters, a
stack of up to :data:`surrogate.models.gin.STACK` members for the GIN) on ``workers``
processes. With one worker everything runs in this process. Otherwise the inputs are written
once to a temporary folder (numpy ``.npy`` for matrices, safetensors for graphs: no pickle), each
worker (``python -m surrogate.models._workers FOLDER TASK``) fits its members with
``fit_ensemble`` on one thread, reports every epoch or boosting round on its stdout as a JSON line
(relayed to ``on_step`` here, for the progress bars) and saves its members in their own format;
they are loaded back here. A worker that fails fails the fit with its error; a fit that is
interrupted ends its workers.

Every member trains on one thread wherever it runs, and the GIN's stacks are fixed by the
members' order, so the same seeds give the same member files with any number of workers.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["MIN_ROWS", "fit_tasks"]

#: Fewest training rows for which workers are started: below it a fit takes about as long as
#: starting a worker process (1-3 s: importing numpy, the booster or torch).
MIN_ROWS = 500

#: ``on_step(member, step, info)``: member ``member`` (its index in the ensemble) finished epoch
#: or boosting round ``step`` with losses ``info``.
OnStep = Callable[[int, int, Mapping[str, float]], Any]


def _save_input(X: Any, path: Path) -> None:
    from ._graphs import GraphSet

    if isinstance(X, GraphSet):
        from safetensors.torch import save_file

        tensors = {"x": X.x, "edge_index": X.edge_index, "node_ptr": X.node_ptr, "edge_ptr": X.edge_ptr}
        if X.edge_attr is not None:
            tensors["edge_attr"] = X.edge_attr
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(path.with_suffix(".safetensors")))
    else:
        np.save(path.with_suffix(".npy"), np.ascontiguousarray(X), allow_pickle=False)


def _load_input(path: Path) -> Any:
    if path.with_suffix(".npy").exists():
        return np.load(path.with_suffix(".npy"), allow_pickle=False)
    from safetensors.torch import load_file

    from ._graphs import GraphSet

    t = load_file(str(path.with_suffix(".safetensors")))
    return GraphSet(t["x"], t["edge_index"], t.get("edge_attr"), t["node_ptr"], t["edge_ptr"])


def _run_here(
    family: str,
    members: list[Any],
    tasks: Sequence[Sequence[int]],
    X: Any,
    y: np.ndarray,
    val: tuple[Any, np.ndarray] | None,
    on_step: OnStep | None,
    on_done: Callable[[int], Any] | None,
    callback: Any,
) -> None:
    from ._threads import fit_threads

    for task in tasks:
        group = [members[i] for i in task]
        with fit_threads(1):
            type(group[0])._fit_task(
                group,
                X,
                y,
                val,
                callback=callback,
                on_step=None if on_step is None else (lambda j, s, info, t=task: on_step(t[j], s, info)),
            )
        for i in task:
            if on_done is not None:
                on_done(i)


def fit_tasks(
    members: list[Any],
    tasks: Sequence[Sequence[int]],
    X: Any,
    y: np.ndarray,
    val: tuple[Any, np.ndarray] | None,
    *,
    workers: int,
    on_step: OnStep | None = None,
    on_done: Callable[[int], Any] | None = None,
    callback: Any = None,
) -> None:
    """Fit ``members`` (unfitted, inputs already checked) task by task on ``workers`` processes;
    the fitted state replaces each member's in place. ``callback`` (the model callback) needs
    this process, so it runs the tasks here, as do fits of fewer than :data:`MIN_ROWS` rows."""
    family = members[0].family
    if workers <= 1 or len(tasks) <= 1 or callback is not None or len(y) < MIN_ROWS:
        _run_here(family, members, tasks, X, y, val, on_step, on_done, callback)
        return
    from . import load_model

    with tempfile.TemporaryDirectory(prefix="surrogate-fit-") as tmp:
        folder = Path(tmp)
        _save_input(X, folder / "X")
        np.save(folder / "y.npy", np.asarray(y, dtype=np.float64), allow_pickle=False)
        if val is not None:
            _save_input(val[0], folder / "X_val")
            np.save(folder / "y_val.npy", np.asarray(val[1], dtype=np.float64), allow_pickle=False)
        for t, task in enumerate(tasks):
            spec = {"family": family, "members": [{"index": i, "params": members[i].get_params()} for i in task]}
            (folder / f"task-{t}.json").write_text(json.dumps(spec))
        pending = list(range(len(tasks)))
        running: dict[int, subprocess.Popen] = {}
        sel = selectors.DefaultSelector()
        buffers: dict[int, bytes] = {}
        package_root = str(Path(__file__).resolve().parents[2])  # so workers import this very package
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
        env = {
            **os.environ,
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": path,
        }
        try:
            while pending or running:
                while pending and len(running) < workers:
                    t = pending.pop(0)
                    proc = subprocess.Popen(
                        [sys.executable, "-m", "surrogate.models._workers", str(folder), str(t)],
                        stdout=subprocess.PIPE,
                        stderr=open(folder / f"task-{t}.err", "wb"),
                        env=env,
                    )
                    running[t] = proc
                    buffers[t] = b""
                    sel.register(proc.stdout, selectors.EVENT_READ, t)
                for key, _ in sel.select(timeout=1.0):
                    t = key.data
                    chunk = os.read(key.fileobj.fileno(), 65536)
                    if chunk:
                        buffers[t] += chunk
                        *lines, buffers[t] = buffers[t].split(b"\n")
                        for line in lines:
                            event = json.loads(line)
                            if on_step is not None and "step" in event:
                                on_step(event["member"], event["step"], event["info"])
                        continue
                    sel.unregister(key.fileobj)
                    proc = running.pop(t)
                    code = proc.wait()
                    if code != 0:
                        err = (folder / f"task-{t}.err").read_text(errors="replace").strip().splitlines()
                        raise RuntimeError(
                            f"a fit worker failed (exit code {code}): "
                            + (" | ".join(err[-3:]) if err else "no message")
                        )
                    for i in tasks[t]:
                        fitted = load_model(folder / f"member-{i}")
                        members[i].__dict__.update(fitted.__dict__)
                        if on_done is not None:
                            on_done(i)
        finally:
            for proc in running.values():
                proc.kill()
                proc.wait()
            sel.close()


def _worker(folder: Path, t: int) -> None:
    """One task in a worker process: fit, report each step on stdout, save the members."""
    from . import make_model
    from ._threads import fit_threads

    spec = json.loads((folder / f"task-{t}.json").read_text())
    X = _load_input(folder / "X")
    y = np.load(folder / "y.npy", allow_pickle=False)
    val = None
    if (folder / "y_val.npy").exists():
        val = (_load_input(folder / "X_val"), np.load(folder / "y_val.npy", allow_pickle=False))
    members = [make_model(spec["family"], **m["params"]) for m in spec["members"]]
    index = [m["index"] for m in spec["members"]]
    prepared = [m._start_fit(X, y, *(val if val is not None else (None, None))) for m in members]
    X, y, val = prepared[0]

    def report(j: int, step: int, info: Mapping[str, float]) -> None:
        sys.stdout.write(json.dumps({"member": index[j], "step": int(step), "info": dict(info)}) + "\n")
        sys.stdout.flush()

    with fit_threads(1):
        type(members[0])._fit_task(members, X, y, val, callback=None, on_step=report)
    for i, m in zip(index, members):
        m.save(folder / f"member-{i}")


if __name__ == "__main__":
    _worker(Path(sys.argv[1]), int(sys.argv[2]))
