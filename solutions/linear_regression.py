"""Régression linéaire et équation normale (chapitre 01).

Shape vocabulary used across the package: ``m`` observations, ``n`` features.
``X`` has shape ``(m, n)``, ``X_b`` (``X`` with its bias column) ``(m, n + 1)``,
``y`` ``(m, 1)`` and ``theta`` ``(n + 1, 1)``.
"""

import numpy as np


def make_linear_data(m=100, seed=42):
    """Make the course's noisy linear data.

    Reproduces, with numpy's legacy global ``RandomState`` stream, the data of
    Géron (2022), chapter 4::

        np.random.seed(42)
        X = 2 * np.random.rand(100, 1)
        y = 4 + 3 * X + np.random.randn(100, 1)

    Parameters
    ----------
    m : int, default=100
        Number of observations.
    seed : int, default=42
        Seed given to ``np.random.seed``.

    Returns
    -------
    X : ndarray of shape (m, 1)
        Uniform on [0, 2).
    y : ndarray of shape (m, 1)
        ``4 + 3 X`` plus standard normal noise.

    Notes
    -----
    The global stream is reseeded, as the textbook does; the modern
    ``np.random.default_rng(seed)`` gives other numbers.
    """
    np.random.seed(seed)
    X = 2 * np.random.rand(m, 1)
    y = 4 + 3 * X + np.random.randn(m, 1)
    return X, y


def add_bias(X):
    """Prepend the bias column ``x_0 = 1`` to ``X``.

    Parameters
    ----------
    X : ndarray of shape (m, n)

    Returns
    -------
    X_b : ndarray of shape (m, n + 1)
        ``[1, X]``: the column of ones comes first, so that ``theta[0]`` is
        the bias term.
    """
    X = np.asarray(X, dtype=float)
    return np.hstack([np.ones((X.shape[0], 1)), X])


def predict(X, theta):
    """Predictions of the linear model, ``y_hat = X_b theta``.

    Parameters
    ----------
    X : ndarray of shape (m, n)
        Features, without the bias column.
    theta : ndarray of shape (n + 1, 1)
        Bias term first, then one weight per feature.

    Returns
    -------
    y_pred : ndarray of shape (m, 1)
    """
    return add_bias(X) @ theta


def mse(y_true, y_pred):
    """Mean squared error, ``MSE = (1/m) sum_i (y_pred_i - y_true_i)^2``.

    No factor 1/2 (Keras's ``MeanSquaredError`` convention); arguments in
    Keras's order.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (m, 1)

    Returns
    -------
    float
    """
    return float(np.mean((np.asarray(y_pred) - np.asarray(y_true)) ** 2))


def rmse(y_true, y_pred):
    """Root mean squared error, ``RMSE = sqrt(MSE)``, in the unit of ``y``.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (m, 1)

    Returns
    -------
    float
    """
    return float(np.sqrt(mse(y_true, y_pred)))


def normal_equation(X, y):
    """Least-squares parameters by the normal equation.

    Setting the gradient of the MSE to zero gives
    ``X_b^T X_b theta = X_b^T y``, hence
    ``theta_hat = (X_b^T X_b)^{-1} X_b^T y``. The system is solved with
    ``np.linalg.solve`` rather than by forming the inverse (fewer operations,
    smaller rounding errors); it needs ``X_b^T X_b`` invertible, i.e. ``X_b``
    of full column rank.

    Parameters
    ----------
    X : ndarray of shape (m, n)
        Features, without the bias column.
    y : ndarray of shape (m, 1)

    Returns
    -------
    theta : ndarray of shape (n + 1, 1)

    References
    ----------
    Géron, *Hands-On Machine Learning*, 3rd ed. (2022), ch. 4, eq. 4-4.
    Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*,
    2nd ed. (2009), eq. 3.6.
    """
    X_b = add_bias(X)
    return np.linalg.solve(X_b.T @ X_b, X_b.T @ np.asarray(y, dtype=float))
