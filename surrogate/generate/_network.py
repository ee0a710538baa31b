"""The DARTS network built from a :class:`~surrogate.space.Genotype`, and its exact size and cost.

The operations follow DARTS (Liu et al., 2019): ReLU-conv-BN ordering; a separable convolution is
two depthwise-separable blocks; dilated convolutions use dilation 2; ``skip_connect`` on a reducing
edge is a factorized 1x1 reduce. Reduction cells sit at 1/3 and 2/3 of the depth, each doubling the
channels. The factorized reduce pads odd inputs by one pixel so that small images (7x7) reduce too;
for even sizes it computes exactly DARTS's operation.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from surrogate.space import Genotype

from ._fast_backward import DepthwiseConv2d, offset_phases


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, padding: int) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out),
        )


class DilConv(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, padding: int, dilation: int) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            DepthwiseConv2d(c_in, kernel, stride, padding, dilation),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )


class SepConv(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, padding: int) -> None:
        super().__init__(
            DilConv(c_in, c_in, kernel, stride, padding, dilation=1),
            DilConv(c_in, c_out, kernel, 1, padding, dilation=1),
        )


class FactorizedReduce(nn.Module):
    """Halve the resolution with two offset 1x1 stride-2 convolutions, concatenated."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        if c_out % 2:
            raise ValueError(f"FactorizedReduce needs an even number of output channels, got {c_out}")
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)
        self.fast_backward = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fast_backward and torch.is_grad_enabled():
            # the same two convolutions as one grouped 1x1 convolution of the pixels they read
            # (surrogate.generate._fast_backward); without grad the modules run, so FLOP hooks see them
            weight = torch.cat([self.conv_1.weight, self.conv_2.weight])
            return self.bn(F.conv2d(offset_phases(x), weight, groups=2))
        x = self.relu(x)
        shifted = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(shifted)], dim=1))


def make_op(name: str, c: int, stride: int) -> nn.Module:
    """One DARTS operation on ``c`` channels."""
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride=stride, padding=1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c)
    if name == "sep_conv_3x3":
        return SepConv(c, c, 3, stride, 1)
    if name == "sep_conv_5x5":
        return SepConv(c, c, 5, stride, 2)
    if name == "dil_conv_3x3":
        return DilConv(c, c, 3, stride, 2, 2)
    if name == "dil_conv_5x5":
        return DilConv(c, c, 5, stride, 4, 2)
    raise ValueError(f"unknown operation {name!r}")


class Cell(nn.Module):
    def __init__(
        self,
        pairs: tuple[tuple[str, int], ...],
        c_prev_prev: int,
        c_prev: int,
        c: int,
        reduction: bool,
        reduction_prev: bool,
    ) -> None:
        super().__init__()
        self.reduction = reduction
        self.pre0 = FactorizedReduce(c_prev_prev, c) if reduction_prev else ReLUConvBN(c_prev_prev, c, 1, 1, 0)
        self.pre1 = ReLUConvBN(c_prev, c, 1, 1, 0)
        self.inputs = [inp for _, inp in pairs]
        self.ops = nn.ModuleList(make_op(op, c, 2 if reduction and inp < 2 else 1) for op, inp in pairs)
        self.n_nodes = len(pairs) // 2

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.pre0(s0), self.pre1(s1)]
        for k in range(self.n_nodes):
            a, b = 2 * k, 2 * k + 1
            states.append(self.ops[a](states[self.inputs[a]]) + self.ops[b](states[self.inputs[b]]))
        return torch.cat(states[2:], dim=1)


class Network(nn.Module):
    """A DARTS evaluation network.

    Parameters
    ----------
    genotype : Genotype
    channels : int
        Initial channels C (the stem has 3C).
    layers : int
        Number of cells; reduction cells at ``layers // 3`` and ``2 * layers // 3``.
    in_channels, num_classes : int
        Image channels (1 for Fashion-MNIST) and classes.
    fast_backward : bool
        Whether training uses the faster backward passes of
        :mod:`~surrogate.generate._fast_backward` (the default): the dense depthwise backward where
        it pays, and the factorized reduce on the pixels it reads. ``False`` is the library's plain
        path (kept for ``bench/generate.py``); both compute the same function.
    """

    def __init__(
        self,
        genotype: Genotype,
        channels: int = 8,
        layers: int = 5,
        in_channels: int = 1,
        num_classes: int = 10,
        *,
        fast_backward: bool = True,
    ) -> None:
        super().__init__()
        if layers < 3:
            raise ValueError(f"layers must be >= 3 so both reduction cells exist, got {layers}")
        stem = 3 * channels
        self.stem = nn.Sequential(nn.Conv2d(in_channels, stem, 3, padding=1, bias=False), nn.BatchNorm2d(stem))
        c_pp, c_p, c = stem, stem, channels
        reduction_prev = False
        self.cells = nn.ModuleList()
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            if reduction:
                c *= 2
            pairs = genotype.reduce if reduction else genotype.normal
            self.cells.append(Cell(pairs, c_pp, c_p, c, reduction, reduction_prev))
            reduction_prev = reduction
            c_pp, c_p = c_p, 4 * c
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_p, num_classes)
        for m in self.modules():
            if isinstance(m, DepthwiseConv2d):
                m.dense_backward = fast_backward
            elif isinstance(m, FactorizedReduce):
                m.fast_backward = fast_backward

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(self.pool(s1).flatten(1))


def count_params(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


def count_flops(model: nn.Module, input_shape: tuple[int, int, int]) -> int:
    """Multiply-accumulates of one forward pass of one image (convolutions and linear layers).

    Counted exactly from the layer shapes with forward hooks; pooling, BN and additions, which
    NAS papers conventionally leave out, are not counted.
    """
    total = 0

    def conv_hook(mod: nn.Conv2d, _inp: tuple, out: torch.Tensor) -> None:
        nonlocal total
        k = mod.kernel_size[0] * mod.kernel_size[1] * (mod.in_channels // mod.groups)
        total += int(out.shape[1] * out.shape[2] * out.shape[3] * k)

    def linear_hook(mod: nn.Linear, _inp: tuple, out: torch.Tensor) -> None:
        nonlocal total
        total += int(mod.in_features * mod.out_features)

    handles = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_shape))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return total
