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


def _parsed(text: str) -> tuple[str, dict | None]:
    """(name, settings) of a recorded fidelity; settings ``None`` when it is not a JSON object."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return str(text), None
    if not isinstance(value, dict):
        return str(text), None
    return str(value.get("name", "")), value


def _compatible(a: dict | None, b: dict | None) -> bool:
    """Same fidelity: every setting both record is equal (a setting added to the generator after a
    file was written is absent from it, not different)."""
    if a is None or b is None:
        return a is b
    return all(a[k] == b[k] for k in a.keys() & b.keys())


def fidelity_labels(dataset: Dataset) -> np.ndarray:
    """One label per row: the fidelity's ``name`` (``""`` when not recorded).

    Records of one name whose shared settings all agree are one fidelity (a newer file may record
    a setting an older one lacks). Two different fidelities recorded under one name (an edited
    config) get the name plus a short hash of their settings, so they stay apart.
    """
    if "fidelity" not in dataset.columns:
        return np.full(len(dataset), "", dtype=object)
    texts = dataset.column("fidelity").astype(object)
    by_name: dict[str, list[list[tuple[str, dict | None]]]] = {}
    for text in sorted(set(texts.tolist())):
        name, settings = _parsed(text)
        clusters = by_name.setdefault(name, [])
        for cluster in clusters:
            if all(_compatible(settings, other) for _, other in cluster):
                cluster.append((text, settings))
                break
        else:
            clusters.append([(text, settings)])
    label = {}
    for name, clusters in by_name.items():
        for cluster in clusters:
            first = cluster[0][0]
            suffix = "@" + hashlib.sha256(first.encode()).hexdigest()[:8] if len(clusters) > 1 else ""
            for text, _ in cluster:
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
        msg = (
            f"{where} mixes {len(counts)} training fidelities ({listing}); accuracies of different "
            "fidelities are not comparable: select one (fit --fidelity NAME, select_fidelity)"
        )
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
