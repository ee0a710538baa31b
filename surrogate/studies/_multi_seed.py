"""Architectures with several training seeds, gathered into a (architectures × seeds) table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from surrogate.data import Dataset

__all__ = ["MIN_SEEDS", "MultiSeedTable", "multi_seed_table"]

#: The smallest number of seeds per architecture the seed studies accept.
MIN_SEEDS = 3


@dataclass(frozen=True)
class MultiSeedTable:
    """The ``k`` runs of every architecture that has at least ``k``, as row indices and values.

    Attributes
    ----------
    rows : numpy.ndarray of int64, shape (n_archs, k)
        Row indices into the dataset; column ``i`` is replicate ``i`` (the ``i``-th seed).
    values : numpy.ndarray of float64, shape (n_archs, k)
        The target at those rows.
    seeds : numpy.ndarray of int64, shape (n_archs, k)
        The ``seed`` column at those rows.
    hashes : numpy.ndarray of str, shape (n_archs,)
        The architectures' hashes (sorted).
    rest : numpy.ndarray of int64
        One row (the first in seed order) of each architecture with fewer than ``k`` runs.
    n_duplicates : int
        Rows dropped because they repeat an (architecture, seed) pair with a known seed.
    """

    rows: np.ndarray
    values: np.ndarray
    seeds: np.ndarray
    hashes: np.ndarray
    rest: np.ndarray
    n_duplicates: int

    @property
    def k(self) -> int:
        """Runs per architecture."""
        return int(self.rows.shape[1])

    def seed_label(self, i: int) -> int | None:
        """The seed of replicate ``i`` when every architecture shares it, else ``None``."""
        col = self.seeds[:, i]
        return int(col[0]) if col.size and np.all(col == col[0]) and col[0] >= 0 else None

    def pooled_std(self) -> float:
        """``sqrt`` of the mean within-architecture variance (``ddof=1``): the seed noise."""
        return float(np.sqrt(np.mean(np.var(self.values, axis=1, ddof=1))))


def multi_seed_table(dataset: Dataset, target: str = "val_accuracy", n_seeds: int | None = None) -> MultiSeedTable:
    """Group ``dataset`` into architectures with at least ``n_seeds`` finite runs of ``target``.

    Parameters
    ----------
    dataset : Dataset
        Evaluations at one fidelity (one value of ``epochs``).
    target : str, default "val_accuracy"
    n_seeds : int, optional
        Runs per architecture ``k`` (at least 3); default the smallest count ≥ 3 in the data, so
        every architecture with 3 or more runs is kept.

    Returns
    -------
    MultiSeedTable

    Raises
    ------
    ValueError
        When the target is not a column, the data mixes fidelities, or no architecture has
        enough runs.
    """
    if target not in dataset.columns:
        raise ValueError(f"target {target!r} is not a column; columns: {', '.join(dataset.columns)}")
    if n_seeds is not None and (
        isinstance(n_seeds, bool) or not isinstance(n_seeds, (int, np.integer)) or n_seeds < MIN_SEEDS
    ):
        raise ValueError(
            f"n_seeds must be an int ≥ {MIN_SEEDS} (one seed is compared with the mean of at least two "
            f"others), got {n_seeds!r}"
        )
    y = dataset.column(target).astype(np.float64)
    hashes = dataset.column("arch_hash").astype(str)
    seeds = dataset.column("seed").astype(np.int64)
    idx = np.flatnonzero(np.isfinite(y))
    fidelities = np.unique(dataset.column("epochs")[idx])
    if len(fidelities) > 1:
        raise ValueError(
            f"the data mixes fidelities (epochs {fidelities.tolist()}); seed noise is only comparable "
            "within one: pick one with epochs=... (--epochs on the command line)"
        )
    order = np.lexsort((idx, seeds[idx], hashes[idx]))  # by hash, then seed, then row
    idx = idx[order]
    h, s = hashes[idx], seeds[idx]
    dup = np.zeros(len(idx), dtype=bool)
    dup[1:] = (h[1:] == h[:-1]) & (s[1:] == s[:-1]) & (s[1:] >= 0)
    n_dup = int(dup.sum())
    idx = idx[~dup]
    h = hashes[idx]
    starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]]) if len(idx) else np.zeros(0, dtype=np.int64)
    counts = np.diff(np.r_[starts, len(idx)])
    threshold = MIN_SEEDS if n_seeds is None else int(n_seeds)
    keep = counts >= threshold
    if not keep.any():
        most = int(counts.max()) if len(counts) else 0
        raise ValueError(
            f"no architecture has {threshold} or more runs with a finite {target!r} (the data has "
            f"{len(counts)} architectures, at most {most} runs of one). The study compares one seed with "
            f"the mean of the others, so it needs architectures trained with {MIN_SEEDS}+ seeds: generate "
            "them with `surrogate generate --n-seeds 3 --multi-seed-every K`, or pass data that has them"
        )
    k = int(counts[keep].min()) if n_seeds is None else int(n_seeds)
    rows = idx[starts[keep][:, None] + np.arange(k)[None, :]]
    return MultiSeedTable(
        rows=rows.astype(np.int64),
        values=y[rows],
        seeds=seeds[rows],
        hashes=h[starts[keep]],
        rest=idx[starts[~keep]].astype(np.int64),
        n_duplicates=n_dup,
    )
