"""Inverted dropout, as ``keras.layers.Dropout`` does it (chapitre 07)."""

import numpy as np


def dropout_forward(x, rate, rng, training=True):
    """Dropout in training, identity in inference (Srivastava et al., 2014).

    ``rate`` is the fraction of units dropped (Keras's convention). In
    training each unit is kept with probability ``1 - rate`` and kept units are
    scaled by ``1 / (1 - rate)`` ("inverted dropout"), so that the expected
    output equals the input and nothing changes at inference.

    Parameters
    ----------
    x : ndarray
    rate : float
        In [0, 1).
    rng : numpy.random.Generator
        Source of the mask: ``mask = rng.random(x.shape) >= rate``.
    training : bool, default=True

    Returns
    -------
    out : ndarray, shaped like ``x``
    mask : ndarray of bool, shaped like ``x``
        True where the unit is kept (all True at inference).

    References
    ----------
    N. Srivastava, G. Hinton, A. Krizhevsky, I. Sutskever, R. Salakhutdinov,
    "Dropout: a simple way to prevent neural networks from overfitting",
    JMLR 15, 2014.
    """
    if not training or rate == 0:
        return x.copy(), np.ones(x.shape, dtype=bool)
    mask = rng.random(x.shape) >= rate
    return np.where(mask, x / (1 - rate), 0.0).astype(x.dtype), mask


def dropout_backward(grad_out, mask, rate):
    """Gradient through dropout: ``grad_out * mask / (1 - rate)``, with the
    forward pass's mask.

    Parameters
    ----------
    grad_out : ndarray
    mask : ndarray of bool
    rate : float

    Returns
    -------
    ndarray, shaped like ``grad_out``
    """
    return grad_out * mask / (1 - rate)
