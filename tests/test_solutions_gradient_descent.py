"""Reference implementations of chapters 02 and 03 against independent sources:
the textbook's printed values, its global-stream code re-derived here, Keras
and TensorFlow's automatic differentiation."""

import numpy as np
import pytest

import solutions as ref
from grader.runner import Fn


@pytest.fixture(scope="module")
def data():
    return ref.make_linear_data()


def _theta0():
    np.random.seed(42)
    return np.random.randn(2, 1)


@pytest.mark.parametrize(
    "eta, printed",
    [(0.1, [4.21509616, 2.77011339]), (0.02, [4.21438446, 2.77074177])],
)
def test_batch_gradient_descent_gives_the_printed_values(data, eta, printed):
    theta, path = ref.batch_gradient_descent(*data, _theta0(), eta, 1000)
    np.testing.assert_allclose(theta.ravel(), printed, atol=5e-9)
    assert len(path) == 1001 and path[-1] is theta
    assert len({id(p) for p in path}) == 1001


def test_batch_gradient_descent_diverges_at_eta_half(data):
    theta, path = ref.batch_gradient_descent(*data, _theta0(), 0.5, 1000)
    costs = [ref.mse(data[1], ref.predict(data[0], p)) for p in path[:50]]
    assert np.all(np.diff(costs) > 0)
    assert np.abs(theta).max() > 1e20


def test_mse_gradient_matches_tensorflow_autodiff(data):
    tf = pytest.importorskip("tensorflow")
    X, y = data
    theta = np.array([[1.0], [-2.0]])
    variable = tf.Variable(theta)
    with tf.GradientTape() as tape:
        X_b = tf.constant(ref.add_bias(X))
        loss = tf.reduce_mean((X_b @ variable - y) ** 2)
    np.testing.assert_allclose(
        ref.mse_gradient(X, y, theta), tape.gradient(loss, variable).numpy(),
        rtol=1e-12,
    )  # fmt: skip


def test_mse_gradient_vanishes_at_the_normal_equation_solution(data):
    theta = ref.normal_equation(*data)
    np.testing.assert_allclose(ref.mse_gradient(*data, theta), 0.0, atol=1e-12)


def test_numerical_gradient_matches_the_analytic_gradient():
    rng = np.random.default_rng(3)
    M = rng.normal(size=(4, 4))
    f = Fn(rng.normal(size=4), M @ M.T, rng.normal(size=4))
    theta = rng.normal(size=(2, 2))
    np.testing.assert_allclose(
        ref.numerical_gradient(f, theta, 1e-4), f.gradient(theta), atol=1e-6
    )


def test_numerical_gradient_of_the_mse_matches_mse_gradient(data):
    X, y = data
    theta = np.array([[0.5], [0.5]])
    numeric = ref.numerical_gradient(
        lambda t: ref.mse(y, ref.predict(X, t)), theta, 1e-6
    )
    np.testing.assert_allclose(numeric, ref.mse_gradient(X, y, theta), rtol=1e-7)


def test_learning_schedule_is_keras_inverse_time_decay():
    keras = pytest.importorskip("keras")
    t0, t1 = 5.0, 50.0
    decay = keras.optimizers.schedules.InverseTimeDecay(
        initial_learning_rate=t0 / t1, decay_steps=t1, decay_rate=1.0
    )
    for t in [0, 1, 7, 100, 4999]:
        assert ref.learning_schedule(t, t0, t1) == pytest.approx(
            float(decay(t)), rel=1e-6
        )


def test_sgd_gives_the_printed_value_with_the_textbook_global_stream(data):
    X, y = data
    rng = np.random.RandomState(42)
    theta, path = ref.stochastic_gradient_descent(X, y, rng.randn(2, 1), rng, 50, 5, 50)
    np.testing.assert_allclose(theta.ravel(), [4.21076011, 2.74856079], atol=5e-9)
    assert len(path) == 50 * 100 + 1
    # the textbook's own code, on numpy's global stream
    X_b = np.c_[np.ones((100, 1)), X]
    np.random.seed(42)
    expected = np.random.randn(2, 1)
    for epoch in range(50):
        for iteration in range(100):
            i = np.random.randint(100)
            xi, yi = X_b[i : i + 1], y[i : i + 1]
            eta = 5 / (epoch * 100 + iteration + 50)
            expected = expected - eta * 2 * xi.T @ (xi @ expected - yi)
    np.testing.assert_array_equal(theta, expected)


def test_minibatch_gives_the_printed_value(data):
    X, y = data
    rng = np.random.RandomState(42)
    theta, path = ref.minibatch_gradient_descent(
        X, y, rng.randn(2, 1), rng, n_epochs=50, batch_size=20, t0=200, t1=1000
    )
    np.testing.assert_allclose(theta.ravel(), [4.25224124, 2.78970189], atol=5e-9)
    assert len(path) == 50 * 5 + 1


def test_minibatch_of_the_whole_set_is_batch_gradient_descent(data):
    """One mini-batch of size m and a constant schedule is batch GD."""
    X, y = data
    theta0 = _theta0()
    rng = np.random.RandomState(0)
    # t0 / (t + t1) with t1 huge is a constant step t0 / t1 = 0.1
    theta, _ = ref.minibatch_gradient_descent(
        X, y, theta0, rng, n_epochs=30, batch_size=100, t0=0.1 * 1e12, t1=1e12
    )
    expected, _ = ref.batch_gradient_descent(X, y, theta0, 0.1, 30)
    np.testing.assert_allclose(theta, expected, rtol=1e-9)
