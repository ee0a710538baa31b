"""Shared by the tests of bench/ scripts: load one script as a module, bench/ on the path."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def bench_module(script: str, name: str | None = None) -> Iterator[ModuleType]:
    """``bench/<script>.py`` imported as ``name`` (default: the script's name) for the block, with
    bench/ on ``sys.path`` (scripts import each other); both undone after it."""
    name = name or script
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{script}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)
        sys.path.remove(str(ROOT / "bench"))


@pytest.fixture(scope="session")
def load_bench():
    """:func:`bench_module`, for a test module's own fixture."""
    return bench_module
