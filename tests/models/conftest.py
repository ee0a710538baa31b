"""Fixtures for the model tests."""

from __future__ import annotations

import pytest
from model_tasks import FAMILIES, Task, make_task


@pytest.fixture(scope="module", params=FAMILIES)
def task(request: pytest.FixtureRequest) -> Task:
    return make_task(request.param)
