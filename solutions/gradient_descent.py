"""Batch gradient descent on the MSE of a linear model (chapitre 02).

Shapes follow :mod:`solutions.linear_regression`: ``X`` (m, n) without the bias
column, ``y`` (m, 1), ``theta`` (n + 1, 1).
"""

import numpy as np

from solutions.linear_regression import add_bias


def mse_gradient(X, y, theta):
    """Gradient of the MSE of a linear model with respect to ``theta``.

    ``grad = (2 / m) X_b^T (X_b theta - y)``, the vector of partial
    derivatives ``d MSE / d theta_j = (2 / m) sum_i (x_i^T theta - y_i) x_ij``.

    Parameters
    ----------
    X : ndarray of shape (m, n)
    y : ndarray of shape (m, 1)
    theta : ndarray of shape (n + 1, 1)

    Returns
    -------
    ndarray of shape (n + 1, 1)
    """
    X_b = add_bias(X)
    return 2 / len(X_b) * X_b.T @ (X_b @ theta - y)


def numerical_gradient(f, theta, epsilon=1e-5):
    """Gradient of ``f`` at ``theta`` by central differences.

    ``g_i = (f(theta + eps e_i) - f(theta - eps e_i)) / (2 eps)``; the
    truncation error is O(eps^2), against O(eps) for the one-sided difference
    (Nocedal & Wright, *Numerical Optimization*, 2nd ed., §8.1).

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``theta``, returns a float.
    theta : ndarray
        Point of evaluation; not modified.
    epsilon : float, default=1e-5
        Step of the differences.

    Returns
    -------
    ndarray of the shape of ``theta``
    """
    theta = np.asarray(theta, dtype=float)
    grad = np.zeros_like(theta)
    for index in np.ndindex(theta.shape):
        step = np.zeros_like(theta)
        step[index] = epsilon
        grad[index] = (f(theta + step) - f(theta - step)) / (2 * epsilon)
    return grad


def batch_gradient_descent(X, y, theta0, learning_rate=0.1, n_iterations=1000):
    """Batch gradient descent on the MSE.

    ``theta_{k+1} = theta_k - learning_rate * grad MSE(theta_k)`` with the
    gradient of :func:`mse_gradient` computed on the whole training set.

    Parameters
    ----------
    X : ndarray of shape (m, n)
    y : ndarray of shape (m, 1)
    theta0 : ndarray of shape (n + 1, 1)
        Starting point; not modified.
    learning_rate : float, default=0.1
    n_iterations : int, default=1000

    Returns
    -------
    theta : ndarray of shape (n + 1, 1)
    path : list of ndarray of shape (n + 1, 1)
        ``theta0`` then every iterate: ``n_iterations + 1`` distinct arrays.

    References
    ----------
    Géron, *Hands-On Machine Learning*, 3rd ed. (2022), ch. 4.
    """
    theta = np.array(theta0, dtype=float)
    path = [theta]
    for _ in range(n_iterations):
        theta = theta - learning_rate * mse_gradient(X, y, theta)
        path.append(theta)
    return theta, path
