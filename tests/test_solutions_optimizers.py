"""Reference optimizers step for step against keras.optimizers (float32)."""

import numpy as np
import pytest

from solutions import optimizers as ref

keras = pytest.importorskip("keras")

SETTINGS = [
    ("SGD", {"learning_rate": 0.05}),
    ("SGD", {"learning_rate": 0.01, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.02, "momentum": 0.5, "nesterov": True}),
    ("SGD", {"learning_rate": 0.01, "momentum": 0.95, "nesterov": True}),
    ("Adagrad", {}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5,
                 "epsilon": 1e-4}),
    ("RMSprop", {}),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.7, "epsilon": 1e-3}),
    ("Adam", {}),
    ("Adam", {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-3}),
]  # fmt: skip
SHAPES = [(3,), (4, 2), (2, 3, 2)]


def _keras_run(name, params, theta0, grads):
    variable = keras.Variable(theta0)
    optimizer = getattr(keras.optimizers, name)(**params)
    out = []
    for g in grads:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(g), variable)])
        out.append(np.array(variable.numpy()))
    return out


@pytest.mark.parametrize("name, params", SETTINGS)
@pytest.mark.parametrize("shape", SHAPES)
def test_step_for_step_with_keras(name, params, shape):
    rng = np.random.default_rng(abs(hash((name, str(params), shape))) % 2**32)
    theta0 = rng.normal(size=shape).astype(np.float32)
    grads = [
        (rng.normal(size=shape) * rng.uniform(0.1, 3.0)).astype(np.float32)
        for _ in range(200)
    ]
    expected = _keras_run(name, params, theta0, grads)
    optimizer = getattr(ref, name)(**params)
    theta = theta0.copy()
    for k, g in enumerate(grads):
        theta = optimizer.step(theta, g)
        assert theta.dtype == np.float32
        np.testing.assert_allclose(
            theta, expected[k], rtol=2e-5, atol=2e-6, err_msg=f"pas {k + 1}"
        )


def test_defaults_are_keras_defaults():
    for name in ["SGD", "Adagrad", "RMSprop", "Adam"]:
        ours = getattr(ref, name)()
        theirs = getattr(keras.optimizers, name)().get_config()
        for key, value in vars(ours).items():
            if key in theirs:
                assert theirs[key] == pytest.approx(value), (name, key)


def test_adam_first_step_moves_each_parameter_by_the_learning_rate():
    """With the bias correction, |step 1| = lr * |g| / (|g| + eps / sqrt(1 -
    beta_2)) ~ lr, whatever the scale of the gradient (Kingma & Ba, §3)."""
    for scale in [1e-2, 1.0, 1e3]:
        theta = np.zeros(3)
        grad = np.array([1.0, -2.0, 0.5]) * scale
        moved = ref.Adam(learning_rate=0.01).step(theta, grad)
        np.testing.assert_allclose(np.abs(moved), 0.01, rtol=1e-3)


def test_state_follows_one_array():
    optimizer = ref.Adam()
    optimizer.step(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="la forme de theta a changé"):
        optimizer.step(np.zeros(4), np.ones(4))
