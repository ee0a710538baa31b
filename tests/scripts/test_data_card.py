import numpy as np
import pytest

from surrogate.data import Dataset
from surrogate.space import sample


@pytest.fixture(scope="module")
def card(script):
    return script("data_card")


def _ds():
    """Uniform rows where larger cells do better, skewed rows where they do much worse."""
    rng = np.random.default_rng(0)
    recs = []
    for i, g in enumerate(sample(60, rng=2)):
        source = ("rs", "pilot", "skewed")[i % 3]
        true = 80 + 0.05 * i if source != "skewed" else 90 - 0.2 * i
        for s in range(3):
            recs.append(
                {
                    "arch": str(g),
                    "val_accuracy": true + rng.normal(0, 0.1),
                    "train_time": 1.0,
                    "seed": s,
                    "params": 1000 + i,
                    "source": source,
                }
            )
    return Dataset.from_records(recs)


def test_uniform_figures_leave_the_other_sources_out(card):
    ds = _ds()
    uniform = card.fidelity_figures(ds, card.UNIFORM_SOURCES)
    everything = card.fidelity_figures(ds)
    assert uniform["architectures"] == 40 and everything["architectures"] == 60
    assert uniform["spearman_val_params"] > 0.9
    assert everything["spearman_val_params"] < 0.5
    assert uniform["seeds_per_architecture"] == [3, 3]


def test_source_counts_count_seeds_per_architecture_within_each_source(card):
    hashes = np.array(["a", "a", "a", "a", "b", "b", "b", "c", "d", "d", "d"])
    sources = np.array(["rs"] * 8 + ["skewed"] * 3)
    counts = card.source_counts(hashes, sources)
    assert counts["rs"] == {
        "evaluations": 8,
        "architectures": 3,
        "with_3_or_more_seeds": 2,
        "with_4_or_more_seeds": 1,
    }
    assert counts["skewed"] == {
        "evaluations": 3,
        "architectures": 1,
        "with_3_or_more_seeds": 1,
        "with_4_or_more_seeds": 0,
    }
