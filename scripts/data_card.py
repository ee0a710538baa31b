"""Figures for the data card (training_data/README.md): counts, ICC, accuracy distribution plot.

python scripts/data_card.py            # the default's fidelity: training_data/fmnist/summary-<fidelity>.json, accuracy-<fidelity>.png
python scripts/data_card.py --fidelity default   # the first data: training_data/fmnist/summary.json and accuracy.png
python scripts/data_card.py --out /tmp/card   # the same files elsewhere
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

#: Sources drawn uniformly from the space (``surrogate generate`` and the pilot's architectures):
#: the data issue's ICC, reliability and Spearman(val, params) bars are measured over these.
UNIFORM_SOURCES = ("rs", "pilot")


def fidelity_figures(ds, sources: tuple[str, ...] | None = None) -> dict:
    """:func:`surrogate.generate.seed_reliability` of ``ds``'s rows from ``sources`` (all by default)."""
    from surrogate.generate import seed_reliability

    keep = np.ones(len(ds), dtype=bool) if sources is None else np.isin(ds.column("source"), sources)
    return seed_reliability(ds.column("arch_hash")[keep], ds.column("val_accuracy")[keep], ds.column("params")[keep])


def source_counts(hashes: np.ndarray, sources: np.ndarray) -> dict:
    """Per source: evaluations, architectures, and architectures with at least 3 and 4 seeds (the
    data card's counts table)."""
    out = {}
    for s in np.unique(sources):
        _, seeds = np.unique(hashes[sources == s], return_counts=True)
        out[str(s)] = {
            "evaluations": int(seeds.sum()),
            "architectures": int(len(seeds)),
            "with_3_or_more_seeds": int((seeds >= 3).sum()),
            "with_4_or_more_seeds": int((seeds >= 4).sum()),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--out",
        default=str(ROOT / "training_data/fmnist"),
        help="folder for the summary and the plot (default: %(default)s)",
    )
    p.add_argument(
        "--fidelity",
        help="the evaluations' fidelity (default: the shipped default's, build_default.FIDELITY; "
        "'default' is the first, cheaper data)",
    )
    args = p.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from build_default import FIDELITY, REFERENCE_STEP_SECONDS, data_roots, load_shipped, runtime_stamps

    fidelity = args.fidelity or FIDELITY
    suffix = "" if fidelity == "default" else f"-{fidelity}"
    ds = load_shipped(fidelity)
    hashes = ds.column("arch_hash")
    val = ds.column("val_accuracy").astype(float)
    test = ds.column("test_accuracy").astype(float)
    runtime = ds.column("train_time").astype(float)
    stamped = bool(np.isfinite(runtime_stamps(ds, data_roots(fidelity))["reference"]).any())
    sources = ds.column("source")
    uniq, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    groups = [val[inverse == i] for i in np.flatnonzero(counts >= 2)]  # for the plot
    everything = fidelity_figures(ds)
    summary = {
        "evaluations": int(len(ds)),
        "architectures": int(len(uniq)),
        "architectures_with_3_or_more_seeds": int((counts >= 3).sum()),
        "per_source": source_counts(hashes, sources),
        "icc": everything["icc"],
        "icc_90ci": everything["icc_90ci"],
        "seed_std": everything["seed_std"],
        # the data issue's bars: ICC, the reliability of each architecture's seed mean (averaged
        # over architectures) and Spearman(mean val accuracy, params), uniform sources and all
        "uniform": fidelity_figures(ds, UNIFORM_SOURCES),
        "all_sources": everything,
        "val_accuracy": {
            "mean": float(val.mean()),
            "std": float(val.std()),
            "min": float(val.min()),
            "max": float(val.max()),
        },
        "val_accuracy_by_source": {
            s: {"mean": float(val[sources == s].mean()), "std": float(val[sources == s].std())}
            for s in np.unique(sources)
        },
        "test_accuracy_mean": float(np.nanmean(test)),
        "val_test_pearson": float(np.corrcoef(val[np.isfinite(test)], test[np.isfinite(test)])[0, 1]),
        "train_cpu_seconds": {
            "mean": float(np.nanmean(runtime)),
            "min": float(np.nanmin(runtime)),
            "max": float(np.nanmax(runtime)),
            # build_default.comparable_runtimes: rescaled to a machine with this reference step
            # where files carry one; blanked where wall-clock, older generator code or unstamped
            "reference_step_seconds": REFERENCE_STEP_SECONDS if stamped else None,
            "n_blank": int(np.isnan(runtime).sum()),
        },
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"summary{suffix}.json").write_text(json.dumps(summary, indent=1))
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    bins = np.linspace(val.min(), val.max(), 31)
    names = sorted(np.unique(sources), key=lambda s: -(sources == s).sum())  # largest first, at the bottom
    axes[0].hist(
        [val[sources == s] for s in names],
        bins=bins,
        stacked=True,
        label=[f"{s} ({(sources == s).sum()})" for s in names],
    )
    axes[0].legend(title="source", fontsize=8)
    axes[0].set(
        xlabel="validation accuracy (%)",
        ylabel="evaluations",
        title=f"{len(ds)} evaluations, {len(uniq)} architectures",
    )
    axes[1].scatter(val, test, s=6, alpha=0.6)
    axes[1].set(
        xlabel="validation accuracy (%)", ylabel="test accuracy (%)", title=f"r = {summary['val_test_pearson']:.2f}"
    )
    if groups:
        means = np.array([g.mean() for g in groups])
        order = np.argsort(means)
        for rank, i in enumerate(order):
            axes[2].plot([rank] * len(groups[i]), groups[i], "o", ms=3, color="#b04030")
        axes[2].set(
            xlabel="architecture (sorted by mean)",
            ylabel="validation accuracy (%)",
            title=f"seeds of {len(groups)} architectures, ICC {summary['icc']:.2f}",
        )
    fig.tight_layout()
    fig.savefig(out / f"accuracy{suffix}.png", dpi=110)
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
