"""Reference implementations of chapter 01 against independent sources."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error, root_mean_squared_error

import solutions as ref


@pytest.fixture(scope="module")
def data():
    return ref.make_linear_data()


def test_linear_data_is_the_textbook_recipe():
    np.random.seed(42)
    X = 2 * np.random.rand(100, 1)
    y = 4 + 3 * X + np.random.randn(100, 1)
    X_ref, y_ref = ref.make_linear_data()
    np.testing.assert_array_equal(X_ref, X)
    np.testing.assert_array_equal(y_ref, y)


def test_normal_equation_gives_the_printed_textbook_value(data):
    # Géron, Hands-On Machine Learning, 3rd ed., chapter 4: theta_best
    theta = ref.normal_equation(*data)
    assert theta.shape == (2, 1)
    np.testing.assert_allclose(theta, [[4.21509616], [2.77011339]], atol=5e-9)


def test_normal_equation_matches_lstsq_pinv_and_sklearn(data):
    X, y = data
    rng = np.random.default_rng(0)
    X3 = rng.normal(size=(50, 3))
    y3 = X3 @ [[1.5], [-2.0], [0.5]] + 3.0 + rng.normal(size=(50, 1))
    for X_, y_ in [(X, y), (X3, y3)]:
        theta = ref.normal_equation(X_, y_)
        X_b = np.c_[np.ones(len(X_)), X_]
        np.testing.assert_allclose(
            theta, np.linalg.lstsq(X_b, y_, rcond=None)[0], rtol=1e-10
        )
        np.testing.assert_allclose(theta, np.linalg.pinv(X_b) @ y_, rtol=1e-10)
        model = LinearRegression().fit(X_, y_)
        np.testing.assert_allclose(theta[0], model.intercept_, rtol=1e-10)
        np.testing.assert_allclose(theta[1:].T, model.coef_, rtol=1e-10)


def test_add_bias_puts_ones_first():
    X = np.arange(6.0).reshape(3, 2)
    X_b = ref.add_bias(X)
    assert X_b.shape == (3, 3)
    np.testing.assert_array_equal(X_b[:, 0], 1.0)
    np.testing.assert_array_equal(X_b[:, 1:], X)


def test_predict_matches_sklearn(data):
    X, y = data
    model = LinearRegression().fit(X, y)
    theta = ref.normal_equation(X, y)
    X_new = np.array([[0.0], [2.0], [1.3]])
    np.testing.assert_allclose(ref.predict(X_new, theta), model.predict(X_new))


def test_mse_and_rmse_match_sklearn(data):
    X, y = data
    y_pred = ref.predict(X, ref.normal_equation(X, y))
    assert ref.mse(y, y_pred) == pytest.approx(mean_squared_error(y, y_pred))
    assert ref.rmse(y, y_pred) == pytest.approx(root_mean_squared_error(y, y_pred))
    assert isinstance(ref.mse(y, y_pred), float)


def test_mse_matches_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    y_true = rng.normal(size=(20, 1))
    y_pred = rng.normal(size=(20, 1))
    # Keras averages over the last axis then over the batch: same as the mean here
    loss = float(keras.losses.MeanSquaredError()(y_true, y_pred))
    assert ref.mse(y_true, y_pred) == pytest.approx(loss, rel=1e-6)
