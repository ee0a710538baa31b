"""The nearest-neighbour novelty detector: exact distances, calibrated rate, safe files."""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from surrogate.novelty import NearestNeighbours, NoveltyError

_SCALE = np.random.default_rng(99).uniform(0.5, 3.0, size=12)
_SHIFT = np.random.default_rng(98).normal(size=12)


def _data(seed=0, n=400):
    """Rows of one fixed distribution (columns of different scales); ``seed`` draws the sample."""
    return np.random.default_rng(seed).normal(size=(n, 12)) * _SCALE + _SHIFT


def test_scores_equal_sklearn_brute_force_on_standardised_columns():
    train, query = _data(0), _data(1, n=5000)  # more rows than one chunk
    model = NearestNeighbours.fit(train, _data(2, n=100), k=5)
    mu, sd = train.mean(0), train.std(0)
    dist, _ = NearestNeighbors(n_neighbors=5).fit((train - mu) / sd).kneighbors((query - mu) / sd)
    np.testing.assert_allclose(model.score(query), dist.mean(1), rtol=1e-4, atol=1e-4)


def test_threshold_flags_the_chosen_share_of_like_data_and_all_far_rows():
    train = _data(0, n=2000)
    model = NearestNeighbours.fit(train, _data(1, n=2000), k=5, quantile=0.95)
    rate = model.flag(_data(3, n=4000)).mean()
    assert 0.02 < rate < 0.09
    far = _data(4, n=50) + 25.0
    assert model.flag(far).all()


def test_constant_columns_do_not_divide_by_zero():
    train = _data(0)
    train[:, 3] = 7.0
    model = NearestNeighbours.fit(train, _data(1, n=50), k=3)
    assert np.all(np.isfinite(model.score(_data(2, n=20))))


def test_save_load_round_trip_is_exact(tmp_path):
    model = NearestNeighbours.fit(_data(0), _data(1, n=60), k=4)
    back = NearestNeighbours.load(model.save(tmp_path / "novelty.npz"))
    q = _data(5, n=30)
    assert back.k == 4 and back.threshold == model.threshold
    np.testing.assert_array_equal(back.score(q), model.score(q))


def test_a_file_holding_pickled_objects_is_refused(tmp_path):
    path = tmp_path / "novelty.npz"
    np.savez(
        path,
        reference=np.array([{"a": 1}], dtype=object),
        mean=np.zeros(1),
        scale=np.ones(1),
        k=np.int64(1),
        threshold=np.float64(0.0),
    )
    with pytest.raises(NoveltyError, match="cannot read"):
        NearestNeighbours.load(path)


@pytest.mark.parametrize("content", [b"", b"not a zip file", b"PK\x03\x04truncated"])
def test_a_corrupt_file_is_a_novelty_error(tmp_path, content):
    path = tmp_path / "novelty.npz"
    path.write_bytes(content)
    with pytest.raises(NoveltyError):
        NearestNeighbours.load(path)


def test_bad_inputs_are_refused_with_a_message():
    model = NearestNeighbours.fit(_data(0), _data(1, n=10), k=2)
    with pytest.raises(NoveltyError, match="features"):
        model.score(np.zeros((3, 5)))
    with pytest.raises(NoveltyError, match="k="):
        NearestNeighbours(model.reference, model.mean, model.scale, 0, 1.0)
    with pytest.raises(NoveltyError, match="threshold"):
        NearestNeighbours(model.reference, model.mean, model.scale, 2, float("nan"))
    with pytest.raises(NoveltyError, match="calibration"):
        NearestNeighbours.fit(_data(0), np.zeros((0, 12)))
