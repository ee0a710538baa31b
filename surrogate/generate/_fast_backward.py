"""Backward passes for two DARTS operations that are faster on the CPU than the library's, with the
same gradients (to float rounding): what ``Network(fast_backward=True)`` uses for training.

**Depthwise convolutions** (:class:`DepthwiseConv2d`). On small images the library's depthwise
backward is slow for some shapes (measured with oneDNN, one thread, batch 128 in channels_last:
4-20 ms for a 5x5 kernel on a 4x4 image or a dilated kernel on 4x4, 7x7 and 14x14 images, against
0.1-0.2 ms for the forward pass and 0.9-5 ms for the dense backward below). The same gradients
follow from a fixed 0/1 tensor ``S[tap, out_pixel, in_pixel]``: the convolution of one channel is
the matrix ``M_c = sum_t w[c, t] S[t]``, so the input gradient is ``go @ M_c`` and the weight
gradient is ``sum_{o, i} (x^T go)[c, i, o] S[t, o, i]``, two batched matrix products of a few
million multiply-adds here. The forward pass stays the library's convolution.

**The factorized reduce's sampling** (:func:`offset_phases`). DARTS's factorized reduce applies a
ReLU to the whole input, pads and shifts a copy, and reads a quarter of each through stride-2 1x1
convolutions; every full-size intermediate has a full-size backward (zero fills and strided copies:
about a third of a DARTS_V2 training step here). The two convolutions only read the (even, even)
and (odd, odd) pixels, so :func:`offset_phases` takes those, applies the ReLU to them alone, and
writes its gradient into one zeroed tensor.

``bench/generate.py`` gives the whole-training figure (its ``library`` path).
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import nn

#: The largest image (pixels) the dense backward takes: its matrices grow with the square of the
#: pixel count (at 14x14 a 5x5 tap tensor is 1M entries; at 28x28 it would be 15M).
MAX_PIXELS = 196


def dense_backward_pays(height: int, width: int, kernel: int, dilation: int) -> bool:
    """Whether the dense backward is used for this shape: an image of at most :data:`MAX_PIXELS`
    pixels with a dilated kernel or a kernel wider than the image (measured faster in each case;
    for the other shapes at these sizes the library's kernels are faster)."""
    return height * width <= MAX_PIXELS and (dilation > 1 or kernel > min(height, width))


@functools.lru_cache(maxsize=64)
def _taps(
    h: int, w: int, k: int, stride: int, pad: int, dil: int, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor, int, int]:
    """``S[t, o, i] = 1`` where output pixel ``o`` reads input pixel ``i`` through tap ``t``, as a
    ``(taps, out * in)`` matrix and as its ``(in * out, taps)`` rearrangement, with the output size."""
    ho = (h + 2 * pad - dil * (k - 1) - 1) // stride + 1
    wo = (w + 2 * pad - dil * (k - 1) - 1) // stride + 1
    oy, ox = torch.arange(ho).view(-1, 1, 1, 1), torch.arange(wo).view(1, -1, 1, 1)
    ky, kx = torch.arange(k).view(1, 1, -1, 1), torch.arange(k).view(1, 1, 1, -1)
    iy, ix = oy * stride - pad + ky * dil, ox * stride - pad + kx * dil
    inside = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
    shape = (ho, wo, k, k)
    out_pixel = (oy * wo + ox).expand(shape)[inside]
    tap = (ky * k + kx).expand(shape)[inside]
    in_pixel = (iy * w + ix).expand(shape)[inside]
    s = torch.zeros(k * k, ho * wo, h * w, dtype=dtype)
    s[tap, out_pixel, in_pixel] = 1.0
    return s.reshape(k * k, -1), s.permute(2, 1, 0).reshape(-1, k * k).contiguous(), ho, wo


class _DenseBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor, stride: int, pad: int, dil: int) -> torch.Tensor:
        ctx.save_for_backward(x, weight)
        ctx.conf = (stride, pad, dil)
        return F.conv2d(x, weight, None, stride, pad, dil, x.shape[1])

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        x, weight = ctx.saved_tensors
        stride, pad, dil = ctx.conf
        b, c, h, w = x.shape
        k = weight.shape[-1]
        s_out_in, s_in_out, ho, wo = _taps(h, w, k, stride, pad, dil, x.dtype)
        # channel-major copies (channel, batch, out pixel) for batched matrix products per channel
        go = grad_out.permute(1, 0, 2, 3).reshape(c, b, ho * wo).contiguous()
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:
            m = (weight.reshape(c, k * k) @ s_out_in).view(c, ho * wo, h * w)  # each channel's matrix
            gx = torch.bmm(go, m)  # (channel, batch, in pixel)
            grad_x = gx.view(c, b, h, w).permute(1, 0, 2, 3).contiguous(memory_format=torch.channels_last)
        if ctx.needs_input_grad[1]:
            xt = x.permute(1, 2, 3, 0).reshape(c, h * w, b).contiguous()
            corr = torch.bmm(xt, go)  # (channel, in pixel, out pixel)
            grad_w = (corr.view(c, -1) @ s_in_out).view(c, 1, k, k)
        return grad_x, grad_w, None, None, None


class _OffsetPhases(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        even = x[:, :, ::2, ::2].relu()
        odd = x[:, :, 1::2, 1::2].relu()
        if odd.shape[-2:] != even.shape[-2:]:  # odd sizes: the shifted copy's last row/column is padding
            odd = F.pad(odd, (0, even.shape[-1] - odd.shape[-1], 0, even.shape[-2] - odd.shape[-2]))
        out = torch.cat([even, odd], dim=1).contiguous(memory_format=torch.channels_last)
        ctx.save_for_backward(out)
        ctx.in_shape = x.shape
        return out

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor) -> torch.Tensor:
        (out,) = ctx.saved_tensors
        b, c, h, w = ctx.in_shape
        g = grad_out * (out > 0)
        grad_x = g.new_zeros((b, h, w, c)).permute(0, 3, 1, 2)  # channels_last strides
        grad_x[:, :, ::2, ::2] = g[:, :c]
        grad_x[:, :, 1::2, 1::2] = g[:, c:, : h // 2, : w // 2]
        return grad_x


def offset_phases(x: torch.Tensor) -> torch.Tensor:
    """``relu(x)`` at the (even, even) pixels, then at the (odd, odd) pixels, on the channel axis.

    ``(n, c, h, w) -> (n, 2c, ceil(h/2), ceil(w/2))``; the second half is zero-padded where ``h`` or
    ``w`` is odd. These are exactly the pixels DARTS's factorized reduce reads: its stride-2 1x1
    convolutions on ``relu(x)`` and on ``relu(x)`` shifted by one pixel (zero-padded) are a grouped
    1x1 convolution of this.
    """
    return _OffsetPhases.apply(x)


class DepthwiseConv2d(nn.Conv2d):
    """``nn.Conv2d(c, c, kernel, groups=c, bias=False)`` with the dense backward on the CPU for the
    shapes :func:`dense_backward_pays` names; ``dense_backward = False`` keeps the library's."""

    def __init__(self, channels: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> None:
        super().__init__(channels, channels, kernel, stride, padding, dilation=dilation, groups=channels, bias=False)
        self.dense_backward = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if (
            self.dense_backward
            and torch.is_grad_enabled()
            and x.device.type == "cpu"
            and dense_backward_pays(x.shape[-2], x.shape[-1], self.kernel_size[0], self.dilation[0])
        ):
            return _DenseBackward.apply(x, self.weight, self.stride[0], self.padding[0], self.dilation[0])
        return super().forward(x)
