"""Train one DARTS network at one fidelity and seed, and score it: one real evaluation."""

from __future__ import annotations

import math
import platform
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from surrogate.space import Genotype, arch_hash

from ._fidelity import Fidelity
from ._images import ImageSplits
from ._network import Network, count_flops, count_params

# Fashion-MNIST pixel statistics (of the 60k training images, in [0, 1]).
_MEAN, _STD = 0.2860, 0.3530


@dataclass(frozen=True)
class Tensors:
    """The image splits as normalised float tensors at one resolution."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def _prepare(x: np.ndarray, resolution: int) -> torch.Tensor:
    t = torch.from_numpy(np.array(x, copy=True)).float().div_(255.0).unsqueeze(1)
    if resolution != t.shape[-1]:
        t = F.avg_pool2d(t, t.shape[-1] // resolution)
    return (t - _MEAN) / _STD


def prepare_tensors(images: ImageSplits, fidelity: Fidelity) -> Tensors:
    """Subset, pool and normalise the images once per process for a fidelity."""
    n_train = min(fidelity.train_subset, len(images.x_train))
    n_val = min(fidelity.val_size, len(images.x_val))
    n_test = min(fidelity.test_size, len(images.x_test))
    return Tensors(
        x_train=_prepare(images.x_train[:n_train], fidelity.resolution),
        y_train=torch.from_numpy(images.y_train[:n_train]),
        x_val=_prepare(images.x_val[:n_val], fidelity.resolution),
        y_val=torch.from_numpy(images.y_val[:n_val]),
        x_test=_prepare(images.x_test[:n_test], fidelity.resolution),
        y_test=torch.from_numpy(images.y_test[:n_test]),
    )


def _augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Per-image random crop (zero padding of 1/14 of the side) and horizontal flip."""
    b, _, h, w = x.shape
    pad = max(1, h // 14)
    xp = F.pad(x, (pad, pad, pad, pad))
    oy = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    ox = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    rows = (oy[:, None] + torch.arange(h))[:, :, None]
    cols = (ox[:, None] + torch.arange(w))[:, None, :]
    out = xp[torch.arange(b)[:, None, None], 0, rows, cols].unsqueeze(1)
    flip = torch.rand(b, generator=gen) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(-1), out)


@torch.no_grad()
def _recalibrate_bn(model: torch.nn.Module, x: torch.Tensor, n: int = 2000, batch: int = 500) -> None:
    """Re-estimate BatchNorm statistics as a plain average over ``n`` training images.

    After a few hundred SGD steps the exponential running averages still lag the weights, and a
    short run scored in eval mode can fall to chance; averaging afresh fixes that (precise BN).
    """
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    for i in range(0, min(n, len(x)), batch):
        model(x[i : i + batch])
    for m in bns:
        m.momentum = 0.1


#: Images per forward pass when scoring. In eval mode each image's output does not depend on the
#: batch (tests/generate/test_train.py); 256 measured 1.2-1.6x less CPU per image than 1000 with
#: channels_last on one thread (cache-sized activations), the same scores to the bit.
SCORE_BATCH = 256


@torch.no_grad()
def _per_image(
    model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = SCORE_BATCH
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image correctness (bool) and cross-entropy of ``model`` in eval mode on ``x``, ``y``."""
    model.eval()
    hits, losses = [], []
    for i in range(0, len(x), batch):
        logits = model(x[i : i + batch])
        yb = y[i : i + batch]
        hits.append(logits.argmax(1) == yb)
        losses.append(F.cross_entropy(logits, yb, reduction="none"))
    if not hits:
        return torch.zeros(0, dtype=torch.bool), torch.zeros(0)
    return torch.cat(hits), torch.cat(losses)


#: Gradient-norm clip of every training step.
CLIP_NORM = 5.0


def sgd_step(
    model: torch.nn.Module,
    opt: torch.optim.Optimizer,
    xb: torch.Tensor,
    yb: torch.Tensor,
    clip: float | None = CLIP_NORM,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One training step on a batch: forward, cross-entropy, backward, gradient clip, ``opt`` step.

    Returns the batch's logits and loss. The learning-rate schedule is the caller's.
    """
    logits = model(xb)
    loss = F.cross_entropy(logits, yb)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if clip is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return logits, loss


def _summary(hits: torch.Tensor, losses: torch.Tensor) -> tuple[float, float]:
    """(accuracy in %, mean cross-entropy); NaN for no images."""
    if len(hits) == 0:
        return float("nan"), float("nan")
    return 100.0 * int(hits.sum()) / len(hits), float(losses.double().mean())


def train_and_evaluate(
    genotype: Genotype,
    seed: int,
    fidelity: Fidelity,
    data: Tensors,
    device: str = "cpu",
    *,
    channels_last: bool = True,
    val_curves: bool = True,
    fast_backward: bool = True,
) -> dict:
    """Train ``genotype`` with ``seed`` at ``fidelity``; return a result record.

    The record follows the official NAS-Bench-301 result schema (``optimized_hyperparamater_config``,
    ``budget``, ``runtime``, ``test_accuracy``, ``info[0]`` with ``val_accuracy``,
    ``train_accuracy``, ``model_parameters``, ``epochs``) and adds ``seed``, ``fidelity``,
    ``flops`` and per-epoch ``learning_curves``. ``runtime`` is the training cost in seconds: the
    process's CPU time on the CPU (independent of other load on the machine), wall time on a GPU;
    both wall times are kept in ``info[0]``. The global torch RNG is left as it was.

    With ``val_curves`` (the default) the network is scored on the validation set after every epoch
    (BatchNorm statistics re-estimated first, as for the final score): on all of it by default, so
    ``learning_curves["val_accuracy"][-1] == info[0]["val_accuracy"]`` and every epoch's point is
    what the same run, stopped there, would report; on its first ``fidelity.curve_val_size``
    images where that is set (``info[0]["curve_val_images"]`` says how many). That scoring is timed apart from training
    (``learning_curves["eval_time"]``) and does not touch the optimiser or the data order, so a run
    trains exactly as it would without it. ``channels_last`` (the default) runs every convolution in
    NHWC layout, about twice as fast on CPUs; ``False`` is the plain NCHW path (kept for
    ``bench/generate.py``).
    """
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Network(genotype, channels=fidelity.channels, layers=fidelity.layers, fast_backward=fast_backward)
    params = count_params(model)
    flops = count_flops(model, (1, fidelity.resolution, fidelity.resolution))
    model = model.to(device=device, memory_format=fmt)
    gen = torch.Generator().manual_seed(seed)

    def to_dev(x: torch.Tensor) -> torch.Tensor:
        return x.to(device).contiguous(memory_format=fmt) if x.dim() == 4 else x.to(device)

    x_train, y_train = to_dev(data.x_train), to_dev(data.y_train)
    x_val, y_val = to_dev(data.x_val), to_dev(data.y_val)
    n_curve = fidelity.curve_val_size or len(x_val)
    n = len(x_train)
    steps_per_epoch = math.ceil(n / fidelity.batch_size)
    total_steps = steps_per_epoch * fidelity.epochs
    opt = torch.optim.SGD(
        model.parameters(),
        lr=fidelity.lr,
        momentum=fidelity.momentum,
        weight_decay=fidelity.weight_decay,
        nesterov=True,
    )
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / total_steps)))
    curves: dict[str, list[float]] = {"train_loss": [], "train_accuracy": [], "epoch_time": []}
    if val_curves:
        curves.update(val_accuracy=[], val_loss=[], eval_time=[])
    clock = time.process_time if device == "cpu" else time.perf_counter
    t_start, c_start = time.perf_counter(), time.process_time()
    curve_wall = curve_cpu = 0.0
    for epoch in range(fidelity.epochs):
        t_epoch = clock()
        model.train()
        perm = torch.randperm(n, generator=gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, n, fidelity.batch_size):
            idx = perm[i : i + fidelity.batch_size]
            xb, yb = x_train[idx], y_train[idx]
            if fidelity.augment:
                xb = _augment(xb, gen)
            if channels_last:
                xb = xb.contiguous(memory_format=fmt)
            logits, loss = sgd_step(model, opt, xb, yb)
            sched.step()
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        curves["train_loss"].append(loss_sum / n)
        curves["train_accuracy"].append(100.0 * correct / n)
        curves["epoch_time"].append(clock() - t_epoch)
        if val_curves and epoch < fidelity.epochs - 1:
            w0, c0, k0 = time.perf_counter(), time.process_time(), clock()
            _recalibrate_bn(model, x_train)
            acc, loss_val = _summary(*_per_image(model, x_val[:n_curve], y_val[:n_curve]))
            curves["val_accuracy"].append(acc)
            curves["val_loss"].append(loss_val)
            curves["eval_time"].append(clock() - k0)
            curve_wall += time.perf_counter() - w0
            curve_cpu += time.process_time() - c0
    train_wall = time.perf_counter() - t_start - curve_wall
    train_cpu = time.process_time() - c_start - curve_cpu
    t_eval, c_eval, k_eval = time.perf_counter(), time.process_time(), clock()
    _recalibrate_bn(model, x_train)
    hits, losses = _per_image(model, x_val, y_val)
    val_acc, val_loss = _summary(hits, losses)
    if val_curves:  # the last point: the final network on the same images as the earlier points
        acc, loss_val = _summary(hits[:n_curve], losses[:n_curve])
        curves["val_accuracy"].append(acc)
        curves["val_loss"].append(loss_val)
        curves["eval_time"].append(clock() - k_eval)
    test_acc, _ = _summary(*_per_image(model, to_dev(data.x_test), to_dev(data.y_test)))
    eval_wall = time.perf_counter() - t_eval
    eval_cpu = time.process_time() - c_eval
    # The cost recorded as `runtime` is what the surrogate learns as training time, so it must not
    # depend on what else the machine runs: on the CPU, the worker's own CPU-seconds (workers are
    # single-threaded by default, so this equals uncontended wall time); on a GPU, wall time.
    on_cpu = device == "cpu"
    train_time = train_cpu if on_cpu else train_wall
    eval_time = eval_cpu if on_cpu else eval_wall
    if not math.isfinite(curves["train_loss"][-1]):
        raise RuntimeError(f"training diverged (loss {curves['train_loss'][-1]}) for seed {seed}")
    return {
        "optimized_hyperparamater_config": genotype.to_config(),
        "budget": fidelity.epochs,
        "runtime": train_time,
        "test_accuracy": test_acc,
        "info": [
            {
                "val_accuracy": val_acc,
                "val_loss": val_loss,
                "train_accuracy": curves["train_accuracy"][-1],
                "model_parameters": params,
                "epochs": fidelity.epochs,
                "flops": flops,
                "eval_time": eval_time,
                "train_wall_time": train_wall,
                "eval_wall_time": eval_wall,
                "curve_eval_time": curve_cpu if on_cpu else curve_wall,
                "curve_val_images": n_curve if val_curves else 0,
                "runtime_measure": "process_cpu_seconds" if on_cpu else "wall_seconds",
            }
        ],
        "learning_curves": curves,
        "genotype": str(genotype),
        "arch_hash": arch_hash(genotype),
        "seed": seed,
        "fidelity": fidelity.to_dict(),
        "flops": flops,
        "hardware": {
            "device": device if device == "cpu" else torch.cuda.get_device_name(device),
            "torch_threads": torch.get_num_threads(),
            "machine": platform.machine(),
            "torch": torch.__version__,
            "memory_format": "channels_last" if channels_last else "nchw",
            "backward": "fast" if fast_backward else "library",
        },
    }
