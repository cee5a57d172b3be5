"""Checks of chapters 06 and 07: the reference passes; every listed mistake,
written here as a learner would, fails with the hint that names it."""

import numpy as np
import pytest

from grader import NotAttempted, verifier
from grader.exercises import regularization as checks
from solutions import dropout as drop
from solutions import regularization as reg
from tests.conftest import fail_message as _fail

NAMES = ["early_stopping_epoch", "l1_penalty", "l2_penalty", "l1_gradient",
         "l2_gradient", "dropout_forward", "dropout_backward"]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_and_stub_is_not_attempted(name):
    module = drop if name.startswith("dropout") else reg
    verifier(name, getattr(module, name), hidden=True)

    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotAttempted):
        verifier(name, stub)


def test_stopping_model_with_default_flags_is_the_reference():
    rng = np.random.default_rng(0)
    for _ in range(200):
        case = checks._random_history(rng)
        assert checks.stopping_variant(**case) == reg.early_stopping_epoch(**case)


def _stopping(reset=True, sign=1, use_mode=True, keep_last=False, strict=False):
    def early_stopping_epoch(val_losses, patience=0, min_delta=0.0, mode="min"):
        if not use_mode:
            mode = "min"
        best, best_epoch, wait = None, 0, 0
        for epoch, value in enumerate(val_losses):
            wait += 1
            if mode == "min":
                better = best is None or value + sign * min_delta < best
            else:
                better = best is None or value - sign * min_delta > best
            if better:
                best, best_epoch = value, epoch
                if reset:
                    wait = 0
            elif (wait > patience if strict else wait >= patience) and epoch > 0:
                return epoch, epoch if keep_last else best_epoch
        last = len(val_losses) - 1
        return last, last if keep_last else best_epoch

    return early_stopping_epoch


def test_stopping_written_by_hand_passes():
    verifier("early_stopping_epoch", _stopping(), hidden=True)


@pytest.mark.parametrize(
    "flags, hint",
    [
        ({"reset": False}, "comptée depuis la première époque"),
        ({"sign": 0}, "min_delta est ignoré"),
        ({"sign": -1}, "mauvais signe"),
        ({"use_mode": False}, "mode est ignoré"),
        ({"keep_last": True}, "ceux de la dernière époque"),
        ({"strict": True}, "une époque trop tard"),
    ],
)
def test_stopping_mistakes(flags, hint):
    assert hint in _fail("early_stopping_epoch", _stopping(**flags))


def test_l2_with_half():
    def l2_penalty(layers, l2=0.01):
        return 0.5 * l2 * sum(float(np.sum(W**2)) for W, b in layers)

    assert "facteur 1/2 en trop" in _fail("l2_penalty", l2_penalty)


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_bias_included(kind):
    f = np.abs if kind == "l1" else np.square

    def penalty(layers, **factor):
        (value,) = factor.values()
        return float(value * sum(np.sum(f(W)) + np.sum(f(b)) for W, b in layers))

    def l1_penalty(layers, l1=0.01):
        return penalty(layers, l1=l1)

    def l2_penalty(layers, l2=0.01):
        return penalty(layers, l2=l2)

    func = l1_penalty if kind == "l1" else l2_penalty
    assert "les biais sont pénalisés" in _fail(f"{kind}_penalty", func)


def test_l1_gradient_at_zero_not_handled():
    def l1_gradient(layers, l1=0.01):
        return [(l1 * W / np.abs(W), np.zeros_like(b)) for W, b in layers]

    def l1_gradient_plus_minus(layers, l1=0.01):
        return [(np.where(W >= 0, l1, -l1), np.zeros_like(b)) for W, b in layers]

    with np.errstate(all="ignore"):
        message = _fail("l1_gradient", l1_gradient)
    assert "en W = 0" in message
    assert "en W = 0" in _fail("l1_gradient", l1_gradient_plus_minus)


def test_gradients_of_biases_must_be_zero():
    def l2_gradient(layers, l2=0.01):
        return [(2 * l2 * W, 2 * l2 * b) for W, b in layers]

    assert "gradient des biais doit être nul" in _fail("l2_gradient", l2_gradient)


def test_l2_gradient_without_factor_two():
    def l2_gradient(layers, l2=0.01):
        return [(l2 * W, np.zeros_like(b)) for W, b in layers]

    assert "il manque le facteur 2" in _fail("l2_gradient", l2_gradient)


# -- dropout ----------------------------------------------------------------------
def _forward(keep_as_rate=False, scale="divide", train_only=True, at_inference=False):
    def dropout_forward(x, rate, rng, training=True):
        if not training and not at_inference:
            out = x / (1 - rate) if not train_only else x.copy()
            return out, np.ones(x.shape, dtype=bool)
        keep = rate if keep_as_rate else 1 - rate
        mask = rng.random(x.shape) < keep
        factor = {"divide": 1 / (1 - rate), "none": 1.0, "multiply": 1 - rate}[scale]
        return np.where(mask, x * factor, 0.0), mask

    return dropout_forward


def test_dropout_drawn_differently_passes():
    verifier("dropout_forward", _forward(), hidden=True)


@pytest.mark.parametrize(
    "flags, hint",
    [
        ({"keep_as_rate": True}, "pas la probabilité de conservation"),
        ({"scale": "none"}, "ne sont pas remises à l'échelle"),
        ({"scale": "multiply"}, "multipliées par 1 − rate"),
        ({"train_only": False}, "la sortie est remise à l'échelle"),
        ({"at_inference": True}, "appliqué en inférence"),
    ],
)
def test_dropout_forward_mistakes(flags, hint):
    assert hint in _fail("dropout_forward", _forward(**flags))


@pytest.mark.parametrize(
    "backward, hint",
    [
        (lambda g, mask, rate: g * mask, "il manque l'échelle"),
        (lambda g, mask, rate: g * mask * (1 - rate), "multiplié par 1 − rate"),
        (lambda g, mask, rate: g / (1 - rate), "le masque est ignoré"),
        (
            lambda g, mask, rate: g * (np.random.random(g.shape) >= rate) / (1 - rate),
            "un nouveau masque est tiré",
        ),
    ],
)
def test_dropout_backward_mistakes(backward, hint):
    def dropout_backward(grad_out, mask, rate):
        return backward(grad_out, mask, rate)

    assert hint in _fail("dropout_backward", dropout_backward)
