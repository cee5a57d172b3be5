"""Checks of chapters 04 and 05: the optimizer classes a learner writes.
Every listed mistake, written here as a learner would, fails with its hint;
right answers written differently from the reference pass."""

import numpy as np
import pytest

from grader import NotAttempted, verifier
from solutions import optimizers as ref
from tests.conftest import fail_message as _fail


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam"])
def test_reference_passes_and_stub_is_not_attempted(name):
    verifier(name, getattr(ref, name), hidden=True)

    class Stub:
        def __init__(self, **kwargs):
            pass

        def step(self, theta, grad):
            raise NotImplementedError()

    with pytest.raises(NotAttempted):
        verifier(name, Stub)


def test_a_function_is_not_a_class():
    assert "doit être une classe" in _fail("Adam", lambda theta, grad: theta)


def _sgd(update):
    class SGD:
        def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
            self.learning_rate = learning_rate
            self.momentum = momentum
            self.nesterov = nesterov
            self.velocity = None

        def step(self, theta, grad):
            if self.velocity is None:
                self.velocity = np.zeros_like(theta)
            return update(self, theta, grad)

    return SGD


def _sgd_right(self, theta, grad):
    self.velocity = self.momentum * self.velocity - self.learning_rate * grad
    if self.nesterov:
        return theta + self.momentum * self.velocity - self.learning_rate * grad
    return theta + self.velocity


def _sgd_uphill(self, theta, grad):
    self.velocity = self.momentum * self.velocity - self.learning_rate * grad
    return theta - self.velocity


def _sgd_forgets(self, theta, grad):
    velocity = -self.learning_rate * grad
    if self.nesterov:
        return theta + self.momentum * velocity - self.learning_rate * grad
    return theta + velocity


def _sgd_no_nesterov(self, theta, grad):
    self.velocity = self.momentum * self.velocity - self.learning_rate * grad
    return theta + self.velocity


def _sgd_twice(self, theta, grad):
    self.velocity = self.momentum * self.velocity - self.learning_rate * grad
    return theta + self.learning_rate * self.velocity


def test_sgd_written_differently_passes():
    verifier("SGD", _sgd(_sgd_right), hidden=True)


@pytest.mark.parametrize(
    "update, hint",
    [
        (_sgd_uphill, "le signe de l'inertie est inversé"),
        (_sgd_forgets, "la vitesse m n'est pas conservée"),
        (_sgd_no_nesterov, "avec nesterov=True"),
        (_sgd_twice, "appliqué deux fois"),
    ],
)
def test_sgd_mistakes(update, hint):
    assert hint in _fail("SGD", _sgd(update))


def _adagrad(square=True, start_at_zero=False, epsilon_inside=True):
    class Adagrad:
        def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1,
                     epsilon=1e-7):  # fmt: skip
            self.lr, self.eps = learning_rate, epsilon
            self.start = 0.0 if start_at_zero else initial_accumulator_value
            self.acc = None

        def step(self, theta, grad):
            if self.acc is None:
                self.acc = np.full(theta.shape, self.start)
            self.acc = self.acc + (grad**2 if square else grad)
            if epsilon_inside:
                return theta - self.lr * grad / np.sqrt(np.abs(self.acc) + self.eps)
            return theta - self.lr * grad / (np.sqrt(self.acc) + self.eps)

    return Adagrad


def test_adagrad_right_passes():
    verifier("Adagrad", _adagrad(), hidden=True)


@pytest.mark.parametrize(
    "flags, hint",
    [
        ({"square": False}, "additionne les gradients"),
        ({"start_at_zero": True}, "doit partir de initial_accumulator_value"),
        ({"epsilon_inside": False}, "epsilon est hors de la racine"),
    ],
)
def test_adagrad_mistakes(flags, hint):
    assert hint in _fail("Adagrad", _adagrad(**flags))


def _rmsprop(swap=False):
    class RMSprop:
        def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7):
            self.lr, self.rho, self.eps = learning_rate, rho, epsilon
            self.v = 0.0

        def step(self, theta, grad):
            a, b = (1 - self.rho, self.rho) if swap else (self.rho, 1 - self.rho)
            self.v = a * self.v + b * grad**2
            return theta - self.lr * grad / np.sqrt(self.v + self.eps)

    return RMSprop


def test_rmsprop():
    verifier("RMSprop", _rmsprop(), hidden=True)
    assert "rho et 1 − rho sont inversés" in _fail("RMSprop", _rmsprop(swap=True))


def _adam(correct=True, t_start=0, increment=True, swap=False, eps_inside=False,
          store_corrected=False, keras_epsilon=True):  # fmt: skip
    class Adam:
        def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                     epsilon=1e-7):  # fmt: skip
            self.lr, self.b1, self.b2, self.eps = learning_rate, beta_1, beta_2, epsilon
            self.m = self.v = 0.0
            self.t = t_start

        def step(self, theta, grad):
            if increment:
                self.t += 1
            t = max(self.t, 1) if not increment else self.t
            self.m = self.b1 * self.m + (1 - self.b1) * grad
            self.v = self.b2 * self.v + (1 - self.b2) * grad**2
            m_hat, v_hat, eps = self.m, self.v, self.eps
            if correct:
                m_hat = self.m / (1 - self.b1**t)
                v_hat = self.v / (1 - self.b2**t)
                if keras_epsilon:  # Keras's epsilon, scaled back: "epsilon hat"
                    eps = self.eps / np.sqrt(1 - self.b2**t)
            if store_corrected:
                self.m, self.v = m_hat, v_hat
            if swap:
                m_hat, v_hat = v_hat, m_hat
            with np.errstate(all="ignore"):
                if eps_inside:
                    return theta - self.lr * m_hat / np.sqrt(v_hat + eps)
                return theta - self.lr * m_hat / (np.sqrt(v_hat) + eps)

    return Adam


def test_adam_in_keras_form_written_with_corrected_moments_passes():
    verifier("Adam", _adam(), hidden=True)


@pytest.mark.parametrize(
    "flags, hint",
    [
        ({"correct": False, "keras_epsilon": False}, "la correction du biais manque"),
        ({"increment": False, "t_start": 1}, "le compteur de pas n'avance pas"),
        ({"swap": True}, "m et v sont inversés"),
        ({"eps_inside": True, "keras_epsilon": False}, "epsilon est sous la racine"),
        ({"store_corrected": True}, "appliquée aux moments stockés"),
        ({"keras_epsilon": False}, "forme du manuel"),
    ],
)
def test_adam_mistakes(flags, hint):
    assert hint in _fail("Adam", _adam(**flags))


def test_adam_counter_starting_at_zero():
    class Adam:
        def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                     epsilon=1e-7):  # fmt: skip
            self.lr, self.b1, self.b2, self.eps = learning_rate, beta_1, beta_2, epsilon
            self.m = self.v = 0.0
            self.t = 0

        def step(self, theta, grad):
            self.m = self.b1 * self.m + (1 - self.b1) * grad
            self.v = self.b2 * self.v + (1 - self.b2) * grad**2
            with np.errstate(all="ignore"):
                alpha = self.lr * np.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)
                self.t += 1
                return theta - alpha * self.m / (np.sqrt(self.v) + self.eps)

    assert "le compteur de pas part de 0" in _fail("Adam", Adam)


def test_adam_model_in_keras_form_is_the_reference():
    from grader.exercises.optimizers import _adam as model

    rng = np.random.default_rng(0)
    theta = rng.normal(size=(3, 2))
    ours, theirs = (
        model(keras_epsilon=True)(0.1, 0.8, 0.9, 1e-2),
        ref.Adam(0.1, 0.8, 0.9, 1e-2),
    )
    a = b = theta
    for _ in range(20):
        g = rng.normal(size=theta.shape)
        a, b = ours.step(a, g), theirs.step(b, g)
    np.testing.assert_allclose(a, b, rtol=1e-12)
