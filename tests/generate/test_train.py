import dataclasses

import numpy as np
import pytest

from surrogate.generate import load_fashion_mnist, load_fidelity, prepare_tensors, train_and_evaluate
from surrogate.space import DARTS_V2


@pytest.fixture(scope="module")
def setup(idx_root):
    fid = dataclasses.replace(load_fidelity("tiny"), epochs=3)
    return fid, prepare_tensors(load_fashion_mnist(idx_root, n_val=200), fid)


def test_validation_curve_per_epoch_ends_at_the_final_score(setup):
    fid, data = setup
    r = train_and_evaluate(DARTS_V2, 0, fid, data)
    curves = r["learning_curves"]
    for key in ("val_accuracy", "val_loss", "eval_time", "train_loss", "epoch_time"):
        assert len(curves[key]) == fid.epochs, key
    assert curves["val_accuracy"][-1] == r["info"][0]["val_accuracy"]
    assert curves["val_loss"][-1] == r["info"][0]["val_loss"]
    assert all(0 <= a <= 100 for a in curves["val_accuracy"])
    assert r["hardware"]["memory_format"] == "channels_last"


def test_scoring_every_epoch_does_not_change_training(setup):
    # The per-epoch scoring must leave the optimiser, the data order and the weights alone: the
    # run with curves trains exactly as the run without.
    fid, data = setup
    with_curves = train_and_evaluate(DARTS_V2, 3, fid, data, val_curves=True)
    without = train_and_evaluate(DARTS_V2, 3, fid, data, val_curves=False)
    assert with_curves["learning_curves"]["train_loss"] == without["learning_curves"]["train_loss"]
    assert with_curves["info"][0]["val_accuracy"] == without["info"][0]["val_accuracy"]
    assert "val_accuracy" not in without["learning_curves"]
    # curve scoring is timed apart from the training cost
    assert with_curves["info"][0]["curve_eval_time"] > 0 == without["info"][0]["curve_eval_time"]


def test_nchw_and_channels_last_train_the_same_network(setup):
    # Same maths, another memory layout: losses agree to float rounding over a short run.
    fid, data = setup
    a = train_and_evaluate(DARTS_V2, 1, fid, data, channels_last=True, val_curves=False)
    b = train_and_evaluate(DARTS_V2, 1, fid, data, channels_last=False, val_curves=False)
    np.testing.assert_allclose(a["learning_curves"]["train_loss"], b["learning_curves"]["train_loss"], rtol=1e-3)
    assert a["info"][0]["model_parameters"] == b["info"][0]["model_parameters"]
    assert a["flops"] == b["flops"]


def test_a_curve_on_a_validation_prefix_ends_at_that_prefix_of_the_final_score(setup):
    fid, data = setup
    small = dataclasses.replace(fid, curve_val_size=50)
    r = train_and_evaluate(DARTS_V2, 0, small, data)
    full = train_and_evaluate(DARTS_V2, 0, fid, data)
    assert r["info"][0]["curve_val_images"] == 50 and full["info"][0]["curve_val_images"] == len(data.x_val)
    # the final score is on every validation image either way; the curve on the first 50
    assert r["info"][0]["val_accuracy"] == full["info"][0]["val_accuracy"]
    assert r["learning_curves"]["val_accuracy"][-1] * 50 / 100 == pytest.approx(
        round(r["learning_curves"]["val_accuracy"][-1] * 50 / 100)
    )
    with pytest.raises(ValueError, match="curve_val_size"):
        dataclasses.replace(fid, curve_val_size=fid.val_size + 1)


def test_scores_do_not_depend_on_the_scoring_batch(setup):
    # Eval-mode scoring runs in chunks of SCORE_BATCH images; each image's correctness and loss
    # must be the same whatever the chunk it falls in, so the chunk size is a speed choice only.
    import torch

    from surrogate.generate import Network
    from surrogate.generate._train import _per_image, _recalibrate_bn

    fid, data = setup
    torch.manual_seed(0)
    model = Network(DARTS_V2, channels=fid.channels, layers=fid.layers).to(memory_format=torch.channels_last)
    x = data.x_val.contiguous(memory_format=torch.channels_last)
    _recalibrate_bn(model, data.x_train.contiguous(memory_format=torch.channels_last))
    hits_one, loss_one = _per_image(model, x, data.y_val, batch=len(x))
    hits_many, loss_many = _per_image(model, x, data.y_val, batch=7)
    assert torch.equal(hits_one, hits_many)
    torch.testing.assert_close(loss_one, loss_many, rtol=1e-5, atol=1e-6)
