import gzip
import struct
from pathlib import Path

import numpy as np
import pytest


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", s) for s in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture(name="write_idx")
def _write_idx_fixture():
    return write_idx


@pytest.fixture(scope="session")
def idx_root(tmp_path_factory) -> Path:
    """A small stand-in for the Fashion-MNIST files (random pixels; for plumbing tests only)."""
    root = tmp_path_factory.mktemp("fmnist")
    rng = np.random.default_rng(0)
    write_idx(root / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (1200, 28, 28)))
    write_idx(root / "train-labels-idx1-ubyte.gz", rng.integers(0, 10, 1200))
    write_idx(root / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (300, 28, 28)))
    write_idx(root / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, 300))
    return root
