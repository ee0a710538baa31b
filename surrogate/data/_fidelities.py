"""Which training fidelity each row was measured at, and keeping one fidelity per table.

The ``fidelity`` column holds the fidelity a result file records (JSON text, ``""`` when the file
records none, as the official NAS-Bench-301 files do). Accuracies of different fidelities are
different quantities (1-epoch and 4-epoch accuracies are not comparable), so a surrogate must be
fit on one: :func:`check_fidelities` warns (or, strict, refuses) when a table mixes them and
:func:`select_fidelity` keeps one.
"""

from __future__ import annotations

import hashlib
import json
import logging

import numpy as np

from ._dataset import Dataset

logger = logging.getLogger("surrogate.data")


def _name(text: str) -> str:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return str(text)
    return str(value.get("name", "")) if isinstance(value, dict) else str(text)


def fidelity_labels(dataset: Dataset) -> np.ndarray:
    """One label per row: the fidelity's ``name`` (``""`` when not recorded).

    Two different fidelities recorded under one name (an edited config) get the name plus a short
    hash of their settings, so they stay apart.
    """
    if "fidelity" not in dataset.columns:
        return np.full(len(dataset), "", dtype=object)
    texts = dataset.column("fidelity").astype(object)
    uniques = {t: _name(t) for t in set(texts.tolist())}
    by_name: dict[str, list[str]] = {}
    for text, name in uniques.items():
        by_name.setdefault(name, []).append(text)
    label = {}
    for name, group in by_name.items():
        for text in group:
            suffix = "@" + hashlib.sha256(text.encode()).hexdigest()[:8] if len(group) > 1 else ""
            label[text] = name + suffix
    return np.array([label[t] for t in texts.tolist()], dtype=object)


def fidelity_counts(dataset: Dataset) -> dict[str, int]:
    """Rows per fidelity label, most rows first."""
    labels, counts = np.unique(fidelity_labels(dataset).astype(str), return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return {str(labels[i]): int(counts[i]) for i in order}


def check_fidelities(dataset: Dataset, *, strict: bool = False, where: str = "the data") -> dict[str, int]:
    """Warn when ``dataset`` mixes fidelities (raise ``ValueError`` with ``strict``); the counts."""
    counts = fidelity_counts(dataset)
    if len(counts) > 1:
        listing = ", ".join(f"{name or '(none recorded)'}: {n}" for name, n in counts.items())
        msg = (f"{where} mixes {len(counts)} training fidelities ({listing}); accuracies of different "
               "fidelities are not comparable: select one (fit --fidelity NAME, select_fidelity)")
        if strict:
            raise ValueError(msg)
        logger.warning(msg)
    return counts


def select_fidelity(dataset: Dataset, name: str) -> Dataset:
    """The rows measured at fidelity ``name`` (a label of :func:`fidelity_labels`).

    Raises ``ValueError`` naming the fidelities present when no row matches.
    """
    labels = fidelity_labels(dataset)
    mask = labels == name
    if not mask.any():
        present = ", ".join(f"{k or '(none recorded)'} ({n})" for k, n in fidelity_counts(dataset).items())
        raise ValueError(f"no rows at fidelity {name!r}; the data holds: {present}")
    return dataset.filter(mask)
