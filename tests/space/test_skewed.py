import numpy as np
import pytest

from surrogate.space import Genotype, sample, sample_skewed
from surrogate.space._skewed import FREE_OPS


def _free(g: Genotype) -> int:
    return sum(op in FREE_OPS for op, _ in g.normal)


def _from_nodes(g: Genotype) -> int:
    return sum(inp >= 2 for _, inp in g.normal)


def test_seeded_valid_and_independent_of_global_state():
    a = sample_skewed(50, rng=3)
    np.random.seed(1)
    assert sample_skewed(50, rng=3) == a
    assert sample_skewed(50, rng=4) != a
    for g in a:  # the public constructor validated them; a round trip through the string agrees
        assert Genotype.from_string(str(g)) == g


def test_reaches_the_corners_uniform_sampling_misses():
    uni, skw = sample(4000, rng=0), sample_skewed(4000, rng=0)
    share = lambda gs, f: np.mean([f(g) for g in gs])  # noqa: E731
    # parameter-free-heavy and convolution-only cells
    assert share(skw, lambda g: _free(g) >= 6) > 4 * share(uni, lambda g: _free(g) >= 6)
    assert share(skw, lambda g: _free(g) == 0) > 10 * share(uni, lambda g: _free(g) == 0)
    assert share(skw, lambda g: sum(op == "skip_connect" for op, _ in g.normal) >= 6) > 0.02
    # deep chains and wide cells
    assert share(skw, lambda g: _from_nodes(g) == 5) > 2 * share(uni, lambda g: _from_nodes(g) == 5)
    assert share(skw, lambda g: _from_nodes(g) == 0) > 2 * share(uni, lambda g: _from_nodes(g) == 0)


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_bad_n_is_value_error(bad):
    with pytest.raises(ValueError, match="n must be"):
        sample_skewed(bad)


def test_bad_biases_are_value_errors():
    with pytest.raises(ValueError, match="beta"):
        sample_skewed(2, beta=(0.0, 1.0))
