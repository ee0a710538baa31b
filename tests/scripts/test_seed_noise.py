import numpy as np
from seed_noise import analyse

from surrogate.data import Dataset
from surrogate.space import sample


def _ds(sd_of_arch):
    rng = np.random.default_rng(0)
    recs = []
    for i, g in enumerate(sample(len(sd_of_arch), rng=1)):
        for s in range(3):
            recs.append(
                {
                    "arch": str(g),
                    "val_accuracy": 80 + rng.normal(0, sd_of_arch[i]),
                    "train_time": 1.0,
                    "seed": s,
                    "params": 1000 + i,
                }
            )
    return Dataset.from_records(recs)


def test_homogeneous_noise_is_not_called_architecture_dependent():
    res = analyse(_ds(np.full(150, 0.5)), n_sim=300)
    assert not res["std_of_seed_std"]["heterogeneous"]
    assert abs(res["pooled_seed_std"] - 0.5) < 0.06


def test_noise_growing_with_size_is_found():
    res = analyse(_ds(np.linspace(0.1, 2.0, 150)), n_sim=300)
    assert res["std_of_seed_std"]["heterogeneous"]
    assert res["spearman_seed_std_with"]["params"]["rho"] > 0.5
