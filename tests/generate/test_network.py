import pytest
import torch

from surrogate.generate import Network, count_flops, count_params
from surrogate.space import Genotype, sample

DARTS_V2 = Genotype(
    normal=[
        ("sep_conv_3x3", 0),
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 0),
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 1),
        ("skip_connect", 0),
        ("skip_connect", 0),
        ("dil_conv_3x3", 2),
    ],
    reduce=[
        ("max_pool_3x3", 0),
        ("max_pool_3x3", 1),
        ("skip_connect", 2),
        ("max_pool_3x3", 1),
        ("max_pool_3x3", 0),
        ("skip_connect", 2),
        ("skip_connect", 2),
        ("max_pool_3x3", 1),
    ],
)


@pytest.mark.parametrize("resolution", [7, 14, 28])
def test_forward_shapes_every_resolution(resolution):
    for g in sample(3, rng=resolution) + [DARTS_V2]:
        net = Network(g, channels=4, layers=5)
        assert net(torch.zeros(2, 1, resolution, resolution)).shape == (2, 10)


def test_darts_v2_cifar_size_matches_the_paper():
    # DARTS (V2) at C=36, 20 cells, 3 input channels, 10 classes has 3.3M parameters without the
    # auxiliary head (the paper reports 3.3M).
    net = Network(DARTS_V2, channels=36, layers=20, in_channels=3)
    assert 3.2e6 < count_params(net) < 3.4e6


def test_params_and_flops_grow_with_channels_and_ops():
    g = DARTS_V2
    assert count_params(Network(g, channels=8)) > count_params(Network(g, channels=4))
    pool_only = Genotype(
        normal=[("max_pool_3x3", 0), ("avg_pool_3x3", 1)] * 4, reduce=[("max_pool_3x3", 0), ("avg_pool_3x3", 1)] * 4
    )
    conv = Genotype(
        normal=[("sep_conv_5x5", 0), ("dil_conv_5x5", 1)] * 4, reduce=[("sep_conv_5x5", 0), ("dil_conv_5x5", 1)] * 4
    )
    f_pool = count_flops(Network(pool_only), (1, 14, 14))
    f_conv = count_flops(Network(conv), (1, 14, 14))
    assert f_conv > f_pool > 0
    # FLOPs scale with pixels: 28x28 costs about 4x what 14x14 does.
    assert 3.5 < count_flops(Network(conv), (1, 28, 28)) / f_conv < 4.5


def test_first_conv_flops_counted_exactly():
    net = Network(DARTS_V2, channels=4, layers=3)
    stem = net.stem[0]
    full = count_flops(net, (1, 8, 8))
    # the stem alone: 12 output channels * 8*8 pixels * 3*3*1 weights
    assert stem.out_channels * 8 * 8 * 9 == 12 * 64 * 9
    assert full > 12 * 64 * 9


def test_layers_below_three_rejected():
    with pytest.raises(ValueError, match="layers"):
        Network(DARTS_V2, layers=2)
