"""Checks of chapters 02 and 03: the reference passes; every listed mistake,
written here as a learner would, fails with a hint that names it."""

import numpy as np
import pytest

import solutions as ref
from grader import NotAttempted, verifier
from grader.exercises import gradient_descent as gd
from grader.exercises import stochastic_gradient_descent as sgd
from grader.runner import RandomSource
from tests.conftest import fail_message as _fail

EXERCISES = [
    "mse_gradient", "numerical_gradient", "batch_gradient_descent",
    "learning_schedule", "stochastic_gradient_descent", "minibatch_gradient_descent",
]  # fmt: skip


@pytest.mark.parametrize("name", EXERCISES)
def test_reference_passes(name, capsys):
    verifier(name, getattr(ref, name))
    verifier(name, getattr(ref, name), hidden=True)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("name", EXERCISES)
def test_stub_is_not_attempted(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotAttempted):
        verifier(name, stub)


def test_mistake_models_with_default_flags_are_the_references():
    rng = np.random.default_rng(0)
    for _ in range(5):
        case = sgd._random_sgd(rng, minibatch=True)
        expected = ref.minibatch_gradient_descent(**_fresh(case))
        got = sgd.minibatch_variant(**_fresh(case))
        np.testing.assert_array_equal(got[0], expected[0])
        case = sgd._random_sgd(rng)
        expected = ref.stochastic_gradient_descent(**_fresh(case))
        np.testing.assert_array_equal(sgd.sgd_variant(**_fresh(case))[0], expected[0])
        case = gd._random_bgd(rng)
        expected = ref.batch_gradient_descent(**case)
        np.testing.assert_allclose(gd.bgd_variant(**case)[0], expected[0])
        case = gd._random_numerical(rng)
        np.testing.assert_allclose(
            gd.central(**case), ref.numerical_gradient(**case), rtol=1e-12
        )


def _fresh(case):
    return {k: v.make() if isinstance(v, RandomSource) else v for k, v in case.items()}


def _x_b(X):
    return np.c_[np.ones((len(X), 1)), X]


# -- chapter 02 ------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, hint",
    [
        (lambda Xb, r, m: -2 / m * Xb.T @ r, "le signe est inversé"),
        (lambda Xb, r, m: 1 / m * Xb.T @ r, "il manque le facteur 2"),
        (lambda Xb, r, m: 2 / m / m * Xb.T @ r, "divisez deux fois par m"),
        (lambda Xb, r, m: 2 * Xb.T @ r, "ne divisez pas par m"),
        (
            lambda Xb, r, m: (2 / m * Xb.T @ r) / (2 * np.sqrt(np.mean(r**2))),
            "gradient de la RMSE",
        ),
        (lambda Xb, r, m: 2 / m * r.T @ Xb, "transposé"),
    ],
)
def test_mse_gradient_mistakes(body, hint):
    def mse_gradient(X, y, theta):
        X_b = _x_b(X)
        return body(X_b, X_b @ theta - y, len(X))

    assert hint in _fail("mse_gradient", mse_gradient)


def test_mse_gradient_bias_forgotten():
    def mse_gradient(X, y, theta):
        return 2 / len(X) * X.T @ (X @ theta - y)

    assert "colonne de biais" in _fail("mse_gradient", mse_gradient)


def test_numerical_gradient_one_sided():
    def numerical_gradient(f, theta, epsilon=1e-5):
        grad = np.zeros_like(theta, dtype=float)
        for i in np.ndindex(theta.shape):
            shifted = theta.astype(float)
            shifted[i] += epsilon
            grad[i] = (f(shifted) - f(theta)) / epsilon
        return grad

    assert "différence décentrée" in _fail("numerical_gradient", numerical_gradient)


def test_numerical_gradient_step_too_large():
    def numerical_gradient(f, theta, epsilon=1e-5):
        h = 0.1
        grad = np.zeros_like(theta, dtype=float)
        for i in np.ndindex(theta.shape):
            e = np.zeros_like(theta, dtype=float)
            e[i] = h
            grad[i] = (f(theta + e) - f(theta - e)) / (2 * h)
        return grad

    assert "pas trop grand" in _fail("numerical_gradient", numerical_gradient)


def test_numerical_gradient_ignores_epsilon():
    def numerical_gradient(f, theta, epsilon=1e-5):
        grad = np.zeros_like(theta, dtype=float)
        for i in np.ndindex(theta.shape):
            e = np.zeros_like(theta, dtype=float)
            e[i] = 1e-5
            grad[i] = (f(theta + e) - f(theta - e)) / 2e-5
        return grad

    assert "epsilon est ignoré" in _fail("numerical_gradient", numerical_gradient)


def test_numerical_gradient_step_counted_once():
    def numerical_gradient(f, theta, epsilon=1e-5):
        grad = np.zeros_like(theta, dtype=float)
        for i in np.ndindex(theta.shape):
            e = np.zeros_like(theta, dtype=float)
            e[i] = epsilon
            grad[i] = (f(theta + e) - f(theta - e)) / epsilon
        return grad

    assert "divisez par 2ε" in _fail("numerical_gradient", numerical_gradient)


def test_numerical_gradient_that_moves_theta_is_caught():
    def numerical_gradient(f, theta, epsilon=1e-5):
        grad = np.zeros_like(theta, dtype=float)
        for i in np.ndindex(theta.shape):
            theta[i] += epsilon
            up = f(theta)
            theta[i] -= 2 * epsilon
            grad[i] = (up - f(theta)) / (2 * epsilon)  # theta left shifted
        return grad

    assert "modifié en place" in _fail("numerical_gradient", numerical_gradient)


def _bgd(update, alias=False, start=True):
    def batch_gradient_descent(X, y, theta0, learning_rate=0.1, n_iterations=1000):
        X_b = _x_b(X)
        m = len(X_b)
        theta = theta0.copy()
        path = [theta.copy()] if start else []
        for _ in range(n_iterations):
            step = update(X_b, X_b @ theta - y, m, learning_rate)
            if alias:
                theta -= -step
                path.append(theta)
            else:
                theta = theta + step
                path.append(theta.copy())
        return theta, path

    return batch_gradient_descent


@pytest.mark.parametrize(
    "update, hint",
    [
        (lambda Xb, r, m, eta: eta * 2 / m * Xb.T @ r, "θ monte le long du gradient"),
        (lambda Xb, r, m, eta: -eta / m * Xb.T @ r, "facteur 2"),
        (lambda Xb, r, m, eta: -eta * 2 / m**2 * Xb.T @ r, "divisé deux fois par m"),
        (lambda Xb, r, m, eta: -eta * 2 * Xb.T @ r, "pas divisé par m"),
    ],
)
def test_batch_gradient_descent_mistakes(update, hint):
    assert hint in _fail("batch_gradient_descent", _bgd(update))


def _right(Xb, r, m, eta):
    return -eta * 2 / m * Xb.T @ r


def test_batch_gradient_descent_aliasing():
    message = _fail("batch_gradient_descent", _bgd(_right, alias=True))
    assert "un même tableau, modifié en place" in message


def test_batch_gradient_descent_path_without_start():
    message = _fail("batch_gradient_descent", _bgd(_right, start=False))
    assert "commencer par theta0" in message


def test_batch_gradient_descent_bias_forgotten():
    def batch_gradient_descent(X, y, theta0, learning_rate=0.1, n_iterations=1000):
        theta, path = theta0, [theta0]
        for _ in range(n_iterations):
            theta = theta - learning_rate * 2 / len(X) * X.T @ (X @ theta - y)
            path.append(theta)
        return theta, path

    assert "colonne de biais" in _fail("batch_gradient_descent", batch_gradient_descent)


def test_batch_gradient_descent_must_return_a_pair():
    def batch_gradient_descent(X, y, theta0, learning_rate=0.1, n_iterations=1000):
        return ref.batch_gradient_descent(X, y, theta0, learning_rate, n_iterations)[0]

    assert "un tuple (theta, path)" in _fail(
        "batch_gradient_descent", batch_gradient_descent
    )


# -- chapter 03 ------------------------------------------------------------------
@pytest.mark.parametrize(
    "schedule, hint",
    [
        (lambda t, t0, t1: t0 / t + t1, "priorité des opérations"),
        (lambda t, t0, t1: t1 / (t + t0), "inversés"),
        (lambda t, t0, t1: t0 * (t + t1), "produit au lieu"),
    ],
)
def test_learning_schedule_mistakes(schedule, hint):
    def learning_schedule(t, t0=5, t1=50):
        return schedule(t, t0, t1)

    assert hint in _fail("learning_schedule", learning_schedule)


def test_learning_schedule_with_hard_coded_defaults_fails():
    def learning_schedule(t, t0=5, t1=50):
        return 5 / (t + 50)

    _fail("learning_schedule", learning_schedule)


def _sgd(step="global", divide_by_m=False, reseed=False):
    def stochastic_gradient_descent(X, y, theta0, rng, n_epochs=50, t0=5, t1=50):
        X_b = _x_b(X)
        m = len(X_b)
        theta = theta0.copy()
        path = [theta]
        for epoch in range(n_epochs):
            for i in range(m):
                if reseed:
                    rng = np.random.RandomState(42)
                k = rng.randint(m)
                xi, yi = X_b[k : k + 1], y[k : k + 1]
                g = 2 * xi.T @ (xi @ theta - yi)
                if divide_by_m:
                    g = g / m
                t = {"global": epoch * m + i, "epoch": epoch, "restart": i}[step]
                theta = theta - t0 / (t + t1) * g
                path.append(theta)
        return theta, path

    return stochastic_gradient_descent


@pytest.mark.parametrize(
    "flags, hint",
    [
        ({"step": "epoch"}, "indexé par l'époque"),
        ({"step": "restart"}, "repart de 0 à chaque époque"),
        ({"divide_by_m": True}, "divisé par m"),
        ({"reseed": True}, "toujours le même exemple"),
    ],
)
def test_sgd_mistakes(flags, hint):
    assert hint in _fail("stochastic_gradient_descent", _sgd(**flags))


def _minibatch(shuffle_each_epoch=True, last="keep", divide_by_len=True,
               step="global"):  # fmt: skip
    def minibatch_gradient_descent(X, y, theta0, rng, n_epochs=50, batch_size=20,
                                   t0=200, t1=1000):  # fmt: skip
        X_b = _x_b(X)
        m = len(X_b)
        theta, path, t = theta0.copy(), [theta0.copy()], 0
        order = rng.permutation(m)
        for epoch in range(n_epochs):
            if shuffle_each_epoch and epoch:
                order = rng.permutation(m)
            n_batches = m // batch_size if last == "drop" else -(-m // batch_size)
            for b in range(n_batches):
                batch = order[b * batch_size : (b + 1) * batch_size]
                if last == "twice" and len(batch) < batch_size:
                    batch = np.concatenate([batch, order[: batch_size - len(batch)]])
                size = len(batch) if divide_by_len else batch_size
                g = 2 / size * X_b[batch].T @ (X_b[batch] @ theta - y[batch])
                k = {"global": t, "restart": b}[step]
                theta = theta - t0 / (k + t1) * g
                path.append(theta)
                t += 1
        return theta, path

    return minibatch_gradient_descent


@pytest.mark.parametrize(
    "flags, hint",
    [
        ({"shuffle_each_epoch": False}, "mélangées qu'une fois"),
        ({"last": "drop"}, "incomplet est abandonné"),
        ({"last": "twice"}, "comptent deux fois"),
        ({"divide_by_len": False}, "au lieu de sa taille réelle"),
        ({"step": "restart"}, "repart de 0 à chaque époque"),
    ],
)
def test_minibatch_mistakes(flags, hint):
    assert hint in _fail("minibatch_gradient_descent", _minibatch(**flags))


def test_minibatch_written_like_the_reference_passes():
    verifier("minibatch_gradient_descent", _minibatch(), hidden=True)
    verifier("stochastic_gradient_descent", _sgd(), hidden=True)


def test_sgd_aliasing():
    def stochastic_gradient_descent(X, y, theta0, rng, n_epochs=50, t0=5, t1=50):
        X_b = _x_b(X)
        m = len(X_b)
        theta = theta0.copy()
        path = [theta]
        for epoch in range(n_epochs):
            for i in range(m):
                k = rng.randint(m)
                xi, yi = X_b[k : k + 1], y[k : k + 1]
                theta -= t0 / (epoch * m + i + t1) * 2 * xi.T @ (xi @ theta - yi)
                path.append(theta)
        return theta, path

    message = _fail("stochastic_gradient_descent", stochastic_gradient_descent)
    assert "un même tableau, modifié en place" in message
