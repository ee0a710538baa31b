"""Fashion-MNIST from the Debian package's gzipped IDX files, read with numpy.

``apt-get install dataset-fashion-mnist`` puts the files under /usr/share/datasets/fashion-mnist/;
set ``SURROGATE_FASHION_MNIST`` or pass ``root`` to read them elsewhere.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_ROOT = Path("/usr/share/datasets/fashion-mnist")
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def default_root() -> Path:
    return Path(os.environ.get("SURROGATE_FASHION_MNIST", DEFAULT_ROOT))


def read_idx(path: Path) -> np.ndarray:
    """Read one (optionally gzipped) IDX file into a numpy array of its declared shape."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic number)")
    dtype_code, ndim = data[2], data[3]
    if dtype_code != 0x08:
        raise ValueError(f"{path}: expected unsigned-byte IDX data (0x08), got 0x{dtype_code:02x}")
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=header)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says shape {shape} but the file holds {body.size} values")
    return body.reshape(shape)


@dataclass(frozen=True)
class ImageSplits:
    """uint8 images (N, H, W) and int64 labels for train, validation and test."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_fashion_mnist(root: str | Path | None = None, n_val: int | None = None, split_seed: int = 0) -> ImageSplits:
    """The 60k training images split into train/validation with a fixed seed, and the 10k test set.

    ``n_val`` defaults to 10,000 (a fifth of a smaller stand-in set). The training subset a
    fidelity uses is a prefix of the shuffled training part, the validation set a prefix of the
    shuffled validation part, so every architecture sees the same images.

    Raises
    ------
    FileNotFoundError
        naming the Debian package when the files are missing.
    """
    base = Path(root) if root is not None else default_root()
    missing = [name for name in FILES.values() if not (base / name).exists()]
    if missing:
        raise FileNotFoundError(
            f"Fashion-MNIST files not found in {base} (missing {', '.join(missing)}). Install them "
            "with `apt-get install dataset-fashion-mnist`, or point SURROGATE_FASHION_MNIST (or "
            "--data-root) at a folder holding the four gzipped IDX files."
        )
    arrays = {key: read_idx(base / name) for key, name in FILES.items()}
    x, y = arrays["train_images"], arrays["train_labels"].astype(np.int64)
    if n_val is None:
        n_val = min(10_000, len(x) // 5)
    if not 0 < n_val < len(x):
        raise ValueError(f"n_val must be between 1 and {len(x) - 1}, got {n_val}")
    perm = np.random.default_rng(split_seed).permutation(len(x))
    val, train = perm[:n_val], perm[n_val:]
    return ImageSplits(
        x_train=x[train],
        y_train=y[train],
        x_val=x[val],
        y_val=y[val],
        x_test=arrays["test_images"],
        y_test=arrays["test_labels"].astype(np.int64),
    )
