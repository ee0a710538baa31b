"""The faster backward passes compute the library's gradients, and run only where they are meant to."""

import itertools

import pytest
import torch
import torch.nn.functional as F

from surrogate.generate import Network
from surrogate.generate._fast_backward import DepthwiseConv2d, _DenseBackward, dense_backward_pays, offset_phases
from surrogate.generate._network import FactorizedReduce
from surrogate.space import sample

SHAPES = list(itertools.product((3, 4, 5, 7, 14), (3, 5), (1, 2), (1, 2)))


@pytest.mark.parametrize("layout", [torch.channels_last, torch.contiguous_format], ids=["nhwc", "nchw"])
@pytest.mark.parametrize(("size", "kernel", "stride", "dilation"), SHAPES)
def test_dense_backward_gives_the_convolution_gradients(size, kernel, stride, dilation, layout):
    # float64 so that a wrong tap, pad or stride shows as an error far above rounding
    torch.manual_seed(size * 100 + kernel * 10 + stride + dilation)
    pad = dilation * (kernel - 1) // 2
    x = torch.randn(3, 5, size, size + 1, dtype=torch.float64).contiguous(memory_format=layout).requires_grad_()
    w = torch.randn(5, 1, kernel, kernel, dtype=torch.float64, requires_grad=True)
    ref = F.conv2d(x, w, None, stride, pad, dilation, 5)
    out = _DenseBackward.apply(x, w, stride, pad, dilation)
    assert torch.equal(out, ref)
    g = torch.randn_like(ref)
    for got, want in zip(torch.autograd.grad(out, (x, w), g), torch.autograd.grad(ref, (x, w), g), strict=True):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


def test_the_dense_path_passes_gradcheck():
    x = torch.randn(2, 3, 4, 4, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, 1, 5, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: _DenseBackward.apply(a, b, 1, 4, 2), (x, w))


def test_the_rule_takes_small_dilated_or_overwide_kernels_only():
    assert dense_backward_pays(4, 4, 5, 1) and dense_backward_pays(7, 7, 3, 2) and dense_backward_pays(14, 14, 5, 2)
    assert not dense_backward_pays(7, 7, 5, 1) and not dense_backward_pays(14, 14, 3, 1)
    assert not dense_backward_pays(28, 28, 3, 2)  # its tap tensor would be 15M entries


def test_the_module_switches_paths_by_shape_and_grad_mode(monkeypatch):
    calls = []
    real = _DenseBackward.apply
    monkeypatch.setattr(_DenseBackward, "apply", lambda *a: calls.append(a[0].shape) or real(*a))
    conv = DepthwiseConv2d(4, 3, 1, 2, dilation=2)
    plain = torch.nn.Conv2d(4, 4, 3, 1, 2, dilation=2, groups=4, bias=False)
    plain.weight.data.copy_(conv.weight.data)
    small, large = torch.randn(2, 4, 7, 7), torch.randn(2, 4, 28, 28)
    torch.testing.assert_close(conv(small), plain(small))
    torch.testing.assert_close(conv(large), plain(large))
    with torch.no_grad():
        conv(small)
    conv.dense_backward = False
    conv(small)
    assert calls == [small.shape]  # grad mode, small and dilated, switch on: the one dense call


def test_the_network_switch_trains_the_same_network():
    # Same parameters and forward either way; gradients agree to float32 rounding.
    g = next(a for a in sample(20, rng=3) if sum(op.startswith("dil_conv") for op, _ in a.normal + a.reduce) >= 2)
    grads = []
    for dense in (True, False):
        torch.manual_seed(0)
        net = Network(g, channels=4, layers=5, fast_backward=dense)
        x = torch.randn(8, 1, 14, 14)
        loss = F.cross_entropy(net(x), torch.arange(8))
        loss.backward()
        grads.append(torch.cat([p.grad.flatten() for p in net.parameters()]))
        assert all(m.dense_backward is dense for m in net.modules() if isinstance(m, DepthwiseConv2d))
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("layout", [torch.channels_last, torch.contiguous_format], ids=["nhwc", "nchw"])
@pytest.mark.parametrize(("height", "width"), [(14, 14), (7, 7), (4, 5), (3, 3)])
def test_the_factorized_reduce_fast_path_computes_the_plain_one(height, width, layout):
    torch.manual_seed(height * 10 + width)
    fr = FactorizedReduce(6, 8).double()
    x = torch.randn(4, 6, height, width, dtype=torch.float64).contiguous(memory_format=layout).requires_grad_()
    results = []
    for fast in (True, False):
        fr.fast_backward = fast
        y = fr(x)
        g = torch.randn(y.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
        results.append((y, *torch.autograd.grad(y, (x, *fr.parameters()), g)))
    assert results[0][0].shape == (4, 8, (height + 1) // 2, (width + 1) // 2)
    for got, want in zip(*results, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


def test_offset_phases_passes_gradcheck():
    x = torch.randn(2, 3, 5, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(offset_phases, (x,))
