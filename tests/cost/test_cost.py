import numpy as np
import pytest

from surrogate.cost import build_cost_tables, network_cost
from surrogate.generate import Network, count_flops, count_params
from surrogate.space import sample


@pytest.mark.parametrize("layers,channels,resolution", [(4, 6, 14), (5, 8, 14), (3, 4, 7)])
def test_tables_match_the_built_networks_exactly(layers, channels, resolution):
    tables = build_cost_tables(layers, channels, resolution)
    archs = sample(6, rng=layers * 100 + channels)
    params, flops = network_cost(archs, tables)
    for g, p, f in zip(archs, params, flops):
        net = Network(g, channels=channels, layers=layers)
        assert p == count_params(net)
        assert f == count_flops(net, (1, resolution, resolution))


def test_tables_are_json_numbers_and_batch_of_zero():
    import json

    tables = json.loads(json.dumps(build_cost_tables(3, 4, 7)))
    p, f = network_cost(np.zeros((0, 2, 8, 2), dtype=np.int8), tables)
    assert p.shape == f.shape == (0,)
