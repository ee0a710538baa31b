"""Out-of-distribution detection by distance to the training architectures in feature space.

The ensemble's disagreement misses cells unlike anything it was trained on: on the shipped
default an all-pooling cell got an ordinary std, and only 6.9 % of skewed (pool/skip-heavy)
samples were flagged (``bench/ood.py``). The mean distance to the ``k`` nearest training
architectures in standardised tree-feature space flags 10 of the 11 corner cells and 26.7 % of
skewed samples at the same 1 % false-alarm rate on uniform samples, so that is the detector a
benchmark stores beside its ensemble std.

:class:`NearestNeighbours` holds the standardised training features (float32), the column means
and scales, ``k`` and the threshold; it is saved as one ``.npz`` of plain arrays (loaded with
``allow_pickle=False``) and scored by chunked brute force, which is exact and, for a few
thousand training rows, faster than a tree index in 252 dimensions.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ._util import atomic_path

__all__ = ["NearestNeighbours", "NoveltyError"]

_CHUNK = 4096


class NoveltyError(ValueError):
    """A novelty file that is missing, malformed or inconsistent."""


class NearestNeighbours:
    """Mean Euclidean distance to the ``k`` nearest reference rows, after standardising columns."""

    def __init__(self, reference: np.ndarray, mean: np.ndarray, scale: np.ndarray, k: int, threshold: float):
        reference = np.ascontiguousarray(reference, dtype=np.float32)
        mean, scale = np.asarray(mean, dtype=np.float32), np.asarray(scale, dtype=np.float32)
        if reference.ndim != 2 or mean.shape != (reference.shape[1],) or scale.shape != mean.shape:
            raise NoveltyError(
                f"inconsistent shapes: reference {reference.shape}, mean {mean.shape}, scale {scale.shape}"
            )
        if not 1 <= int(k) <= len(reference):
            raise NoveltyError(f"k={k} must be between 1 and the {len(reference)} reference rows")
        if not (np.all(np.isfinite(reference)) and np.all(np.isfinite(mean)) and np.all(scale > 0)):
            raise NoveltyError("reference, mean and scale must be finite and every scale > 0")
        if not (np.isfinite(threshold) and threshold >= 0):
            raise NoveltyError(f"threshold {threshold!r} must be a finite number >= 0")
        self.reference, self.mean, self.scale = reference, mean, scale
        self.k, self.threshold = int(k), float(threshold)
        self._ref_sq = np.einsum("ij,ij->i", reference, reference)

    @classmethod
    def fit(cls, train: np.ndarray, calibration: np.ndarray, k: int = 5, quantile: float = 0.99) -> NearestNeighbours:
        """Reference = ``train``; threshold = the ``quantile`` of the scores of ``calibration``.

        ``calibration`` must be held out from ``train`` (e.g. the test split): scored against
        themselves, training rows are at distance 0 and the threshold would be meaningless.
        """
        train = np.asarray(train, dtype=np.float64)
        if train.ndim != 2 or len(train) < 2:
            raise NoveltyError(f"need a 2-D matrix of at least 2 training rows, got shape {train.shape}")
        if not 0 < quantile < 1:
            raise NoveltyError(f"quantile {quantile!r} must be in (0, 1)")
        mean, scale = train.mean(0), train.std(0)
        scale = np.where(scale > 0, scale, 1.0)
        model = cls((train - mean) / scale, mean, scale, min(k, len(train)), 0.0)
        calibration = np.asarray(calibration, dtype=np.float64)
        if len(calibration) == 0:
            raise NoveltyError("the calibration set is empty")
        model.threshold = float(np.quantile(model.score(calibration), quantile))
        return model

    def score(self, features: np.ndarray) -> np.ndarray:
        """Mean distance of each row to its ``k`` nearest reference rows (float64, one per row)."""
        x = np.asarray(features, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.reference.shape[1]:
            raise NoveltyError(f"expected rows of {self.reference.shape[1]} features, got shape {x.shape}")
        out = np.empty(len(x), dtype=np.float64)
        for start in range(0, len(x), _CHUNK):
            z = (x[start : start + _CHUNK] - self.mean) / self.scale
            d2 = np.einsum("ij,ij->i", z, z)[:, None] + self._ref_sq[None, :] - 2.0 * (z @ self.reference.T)
            near = np.partition(d2, self.k - 1, axis=1)[:, : self.k]
            out[start : start + len(z)] = np.sqrt(np.maximum(near, 0.0)).mean(1)
        return out

    def flag(self, features: np.ndarray) -> np.ndarray:
        """True where the score is above the threshold."""
        return self.score(features) > self.threshold

    def save(self, path: str | Path) -> Path:
        """Write one ``.npz`` of plain arrays (no pickled objects)."""
        path = Path(path)
        with atomic_path(path, mkdir=False) as tmp, open(tmp, "wb") as fh:
            np.savez(
                fh,
                reference=self.reference,
                mean=self.mean,
                scale=self.scale,
                k=np.int64(self.k),
                threshold=np.float64(self.threshold),
            )
        return path

    @classmethod
    def load(cls, path: str | Path) -> NearestNeighbours:
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {name: z[name] for name in ("reference", "mean", "scale", "k", "threshold")}
        except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise NoveltyError(f"cannot read the novelty file {path}: {exc}") from exc
        return cls(arrays["reference"], arrays["mean"], arrays["scale"], int(arrays["k"]), float(arrays["threshold"]))
