"""Stochastic and mini-batch gradient descent with a learning schedule
(chapitre 03). Shapes as in :mod:`solutions.linear_regression`.

The random source ``rng`` is a ``np.random.RandomState`` passed in explicitly:
its legacy stream reproduces the textbook's numbers.
"""

import numpy as np

from solutions.linear_regression import add_bias


def learning_schedule(t, t0=5, t1=50):
    """Learning rate at step ``t``: ``eta(t) = t0 / (t + t1)``.

    Equal to Keras's ``InverseTimeDecay(initial_learning_rate=t0 / t1,
    decay_steps=t1, decay_rate=1)``: ``(t0 / t1) / (1 + t / t1)``.

    Parameters
    ----------
    t : int
        Global step counter (over all epochs), from 0.
    t0, t1 : float

    Returns
    -------
    float
    """
    return t0 / (t + t1)


def stochastic_gradient_descent(X, y, theta0, rng, n_epochs=50, t0=5, t1=50):
    """Stochastic gradient descent: one example drawn at random per step.

    At step ``t = epoch * m + i``: ``k = rng.randint(m)``,
    ``theta <- theta - eta(t) * 2 x_k^T (x_k theta - y_k)`` with
    ``eta`` = :func:`learning_schedule` (Robbins & Monro, 1951).

    Parameters
    ----------
    X : ndarray of shape (m, n)
    y : ndarray of shape (m, 1)
    theta0 : ndarray of shape (n + 1, 1)
        Starting point; not modified.
    rng : numpy.random.RandomState
        Source of the indices (sampling with replacement).
    n_epochs : int, default=50
    t0, t1 : float, default=5, 50

    Returns
    -------
    theta : ndarray of shape (n + 1, 1)
    path : list of ndarray of shape (n + 1, 1)
        ``theta0`` then every iterate: ``n_epochs * m + 1`` arrays.
    """
    X_b = add_bias(X)
    m = len(X_b)
    theta = np.array(theta0, dtype=float)
    path = [theta]
    for epoch in range(n_epochs):
        for i in range(m):
            k = rng.randint(m)
            xi, yi = X_b[k : k + 1], y[k : k + 1]
            gradient = 2 * xi.T @ (xi @ theta - yi)
            theta = theta - learning_schedule(epoch * m + i, t0, t1) * gradient
            path.append(theta)
    return theta, path


def minibatch_gradient_descent(
    X, y, theta0, rng, n_epochs=50, batch_size=20, t0=200, t1=1000
):
    """Mini-batch gradient descent, reshuffled at each epoch.

    Each epoch draws ``rng.permutation(m)`` and walks it in consecutive
    mini-batches of ``batch_size`` (the last one may be smaller and is used
    once). Update ``theta <- theta - eta(t) * (2 / b) X_B^T (X_B theta - y_B)``
    with ``b`` the size of the mini-batch and ``t`` the global step counter.

    Parameters
    ----------
    X : ndarray of shape (m, n)
    y : ndarray of shape (m, 1)
    theta0 : ndarray of shape (n + 1, 1)
        Starting point; not modified.
    rng : numpy.random.RandomState
    n_epochs : int, default=50
    batch_size : int, default=20
    t0, t1 : float, default=200, 1000

    Returns
    -------
    theta : ndarray of shape (n + 1, 1)
    path : list of ndarray of shape (n + 1, 1)
        ``theta0`` then every iterate: ``n_epochs * ceil(m / batch_size) + 1``
        arrays.
    """
    X_b = add_bias(X)
    m = len(X_b)
    theta = np.array(theta0, dtype=float)
    path = [theta]
    t = 0
    for _ in range(n_epochs):
        indices = rng.permutation(m)
        for start in range(0, m, batch_size):
            batch = indices[start : start + batch_size]
            gradient = 2 / len(batch) * X_b[batch].T @ (X_b[batch] @ theta - y[batch])
            theta = theta - learning_schedule(t, t0, t1) * gradient
            path.append(theta)
            t += 1
    return theta, path
