"""Issue 10, point 4: a GIN fit is the same model whatever torch thread count the caller runs with.

Training sums gradients in an order that depends on how many threads torch splits an operation
over (measured: 1 and 2 threads give different weights after one epoch, and on a loaded machine
MKL may pick fewer threads than asked, so two identical multi-threaded runs differed). The model
trains on one thread and restores the caller's setting afterwards.
"""

from __future__ import annotations

import pytest
from model_tasks import graph_task

torch = pytest.importorskip("torch")

from surrogate.models import make_model  # noqa: E402

PARAMS = {"hidden_dim": 16, "n_layers": 2, "epochs": 2, "batch_size": 32}


def _fit_with_threads(threads: int, X, y) -> tuple[dict, int]:
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        model = make_model("gin", **PARAMS, seed=5).fit(X, y)
        after = torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
    return {k: v.clone() for k, v in model.net_.state_dict().items()}, after


def test_gin_fit_does_not_depend_on_the_callers_thread_count() -> None:
    X, y = graph_task(96, seed=3)
    one, after_one = _fit_with_threads(1, X, y)
    two, after_two = _fit_with_threads(2, X, y)
    assert (after_one, after_two) == (1, 2), "the caller's thread count is restored after fit"
    assert one.keys() == two.keys()
    different = [k for k in one if not torch.equal(one[k], two[k])]
    assert not different, f"weights differ between 1 and 2 threads: {different[:3]}"


def test_gin_fit_restores_the_thread_count_when_it_fails() -> None:
    X, y = graph_task(20, seed=4)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with pytest.raises(RuntimeError, match="stop here"):

            def stop(step, info):
                raise RuntimeError("stop here")

            make_model("gin", **PARAMS).fit(X, y, callback=stop)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
