"""Chapter 08 activations against independent sources: ``keras.activations``,
``tf.GradientTape``, central differences, numpy's own ``tanh`` and closed-form
values; and their numerical stability (no floating-point warning)."""

import numpy as np
import pytest

from solutions import activations as act

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

NAMES = ["sigmoid", "tanh", "relu"]
TF_FUNCTIONS = {"sigmoid": tf.sigmoid, "tanh": tf.tanh, "relu": tf.nn.relu}


def _inputs(dtype):
    rng = np.random.default_rng(0)
    x = np.concatenate([
        rng.normal(scale=3.0, size=200),
        [-1000.0, -100.0, -30.0, -1e-8, 0.0, 1e-8, 30.0, 100.0, 1000.0],
    ])  # fmt: skip
    return x.astype(dtype)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activations_match_keras(name, dtype):
    x = _inputs(dtype)
    ours = getattr(act, name)(x)
    theirs = keras.ops.convert_to_numpy(getattr(keras.activations, name)(x))
    assert ours.dtype == x.dtype == theirs.dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-30)


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_match_gradient_tape(name):
    x = tf.Variable(_inputs(np.float64))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(TF_FUNCTIONS[name](x))
    theirs = tape.gradient(total, x).numpy()
    ours = getattr(act, f"{name}_derivative")(x.numpy())
    # TensorFlow computes sigmoid' as s * (1 - s), which cancels for large x
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_relu_derivative_at_zero_follows_tensorflow():
    x = tf.Variable(np.array([-1.0, 0.0, 1.0]))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(tf.nn.relu(x))
    assert tape.gradient(total, x).numpy().tolist() == [0.0, 0.0, 1.0]
    assert act.relu_derivative(np.array([-1.0, 0.0, 1.0])).tolist() == [0, 0, 1]


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_match_central_differences(name):
    x = np.random.default_rng(1).uniform(-6, 6, size=300)
    x = x[np.abs(x) > 1e-3]  # ReLU has no derivative at 0
    h = 1e-6
    f = getattr(act, name)
    numeric = (f(x + h) - f(x - h)) / (2 * h)
    np.testing.assert_allclose(
        getattr(act, f"{name}_derivative")(x), numeric, rtol=1e-6, atol=1e-9
    )


def test_closed_form_values():
    assert act.sigmoid(np.array([0.0]))[0] == 0.5
    assert act.sigmoid_derivative(np.array([0.0]))[0] == 0.25
    assert act.tanh_derivative(np.array([0.0]))[0] == 1.0
    grid = np.linspace(-10, 10, 20001)
    assert act.sigmoid_derivative(grid).max() == 0.25  # maximum 1/4, at 0
    np.testing.assert_allclose(
        act.sigmoid(np.log([1 / 3, 3.0])), [0.25, 0.75], rtol=1e-15
    )
    np.testing.assert_allclose(act.tanh(grid), 2 * act.sigmoid(2 * grid) - 1,
                               atol=1e-15)  # fmt: skip


def test_tanh_is_accurate_near_zero_and_everywhere():
    tiny = np.array([-1e-300, -1e-10, 1e-16, 1e-8, 1e-4])
    np.testing.assert_allclose(act.tanh(tiny), np.tanh(tiny), rtol=1e-15)
    x = np.linspace(-30, 30, 6001)
    np.testing.assert_allclose(act.tanh(x), np.tanh(x), rtol=4e-16, atol=0)
    np.testing.assert_allclose(
        act.tanh_derivative(x), 1 / np.cosh(x) ** 2, rtol=1e-14, atol=0
    )


@pytest.mark.parametrize(
    "name", ["sigmoid", "sigmoid_derivative", "tanh", "tanh_derivative"]
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_no_overflow_for_extreme_inputs(name, dtype):
    x = np.array([-1000.0, -200.0, -89.0, 89.0, 200.0, 1000.0], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        out = getattr(act, name)(x)
    assert np.all(np.isfinite(out))
    limits = {
        "sigmoid": [0, 0, 0, 1, 1, 1],
        "tanh": [-1, -1, -1, 1, 1, 1],
    }.get(name, [0] * 6)
    np.testing.assert_allclose(out, limits, atol=1e-30)


@pytest.mark.parametrize(
    "name", [f"{n}{s}" for n in NAMES for s in ("", "_derivative")]
)
def test_shape_and_dtype_are_kept(name):
    x = np.random.default_rng(2).normal(size=(2, 3, 4)).astype(np.float32)
    out = getattr(act, name)(x)
    assert out.shape == x.shape and out.dtype == np.float32
    np.testing.assert_allclose(
        out, getattr(act, name)(x.astype(np.float64)), rtol=1e-6, atol=1e-7
    )


def test_naive_sigmoid_overflows_where_ours_does_not():
    x = np.array([-1000.0, 0.0, 1000.0])
    with pytest.warns(RuntimeWarning, match="overflow"):
        with np.errstate(over="warn"):
            naive = 1 / (1 + np.exp(-x))
    np.testing.assert_array_equal(naive, act.sigmoid(x))
