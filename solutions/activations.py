"""Activation functions and their derivatives, numerically stable (chapitre 08).

Every function takes an ndarray ``x`` of any shape (float64 or float32), the
pre-activation, and returns an ndarray of the same shape and dtype. The
derivatives are taken with respect to ``x``, not to the activation's output.

The logistic function and tanh are written with exponentials of non-positive
arguments only, ``exp(-|x|)``, which lie in ``(0, 1]`` and never overflow
(``np.exp`` overflows above about 709 in float64 and 88.7 in float32). For
large ``|x|`` they may underflow to 0, which is harmless.
"""

import numpy as np


def sigmoid(x):
    """Logistic function ``σ(x) = 1 / (1 + exp(-x))``, without overflow.

    With ``z = exp(-|x|)``: ``σ(x) = 1 / (1 + z)`` for ``x >= 0`` and
    ``σ(x) = z / (1 + z)`` for ``x < 0`` (multiply the numerator and the
    denominator of the definition by ``exp(x)``). Both branches are computed
    on the whole array by ``np.where``, which is why ``z`` must be safe for
    every element.

    Parameters
    ----------
    x : ndarray
        Pre-activation, any shape, float64 or float32.

    Returns
    -------
    ndarray, shaped and typed like ``x``, in ``[0, 1]``

    References
    ----------
    X. Glorot, Y. Bengio, "Understanding the difficulty of training deep
    feedforward neural networks", AISTATS 2010.
    """
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def sigmoid_derivative(x):
    """Derivative of the logistic function: ``σ'(x) = σ(x) (1 - σ(x))``.

    Written ``z / (1 + z)**2`` with ``z = exp(-|x|)`` (the derivative is even),
    which keeps full relative precision where ``1 - σ(x)`` would cancel. Its
    maximum is ``σ'(0) = 1/4``: a gradient crossing a logistic layer is at
    least divided by 4.

    Parameters
    ----------
    x : ndarray
        Pre-activation (not the output ``σ(x)``).

    Returns
    -------
    ndarray, shaped and typed like ``x``, in ``[0, 1/4]``
    """
    z = np.exp(-np.abs(x))
    return z / (1 + z) ** 2


def tanh(x):
    """Hyperbolic tangent ``tanh(x) = (e^x - e^-x) / (e^x + e^-x)``, stable.

    With ``u = exp(-2|x|) - 1`` (``np.expm1``, exact near 0):
    ``tanh(x) = sign(x) * (1 - exp(-2|x|)) / (1 + exp(-2|x|))
    = -sign(x) * u / (2 + u)``. Equivalently ``tanh(x) = 2 σ(2x) - 1``.

    Parameters
    ----------
    x : ndarray
        Pre-activation, any shape, float64 or float32.

    Returns
    -------
    ndarray, shaped and typed like ``x``, in ``[-1, 1]``
    """
    u = np.expm1(-2 * np.abs(x))
    return -np.sign(x) * u / (2 + u)


def tanh_derivative(x):
    """Derivative of tanh: ``tanh'(x) = 1 - tanh(x)**2``, maximum 1 at 0.

    Written ``4 z / (1 + z)**2`` with ``z = exp(-2|x|)`` (``1 / cosh(x)**2``),
    without the cancellation of ``1 - tanh(x)**2`` for large ``|x|``.

    Parameters
    ----------
    x : ndarray
        Pre-activation (not the output ``tanh(x)``).

    Returns
    -------
    ndarray, shaped and typed like ``x``, in ``[0, 1]``
    """
    z = np.exp(-2 * np.abs(x))
    return 4 * z / (1 + z) ** 2


def relu(x):
    """Rectified linear unit ``ReLU(x) = max(x, 0)`` (Nair & Hinton, 2010).

    Parameters
    ----------
    x : ndarray

    Returns
    -------
    ndarray, shaped and typed like ``x``
    """
    return np.maximum(x, 0)


def relu_derivative(x):
    """Derivative of ReLU: 1 where ``x > 0``, 0 elsewhere.

    ReLU has no derivative at 0; the value 0 is the convention of
    TensorFlow's gradient of ``tf.nn.relu`` (and of Keras's ``"relu"``).

    Parameters
    ----------
    x : ndarray

    Returns
    -------
    ndarray of 0 and 1, shaped and typed like ``x``
    """
    return (x > 0).astype(x.dtype)
