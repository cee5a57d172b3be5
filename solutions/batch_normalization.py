"""Batch normalization, as ``keras.layers.BatchNormalization`` does it (chapitre 09).

Shapes: ``x`` is ``(m, n)``, a mini-batch of ``m`` observations of ``n`` units;
``gamma``, ``beta`` and the moving statistics are ``(n,)``. The moving
statistics live in a dict named after Keras's weights,
``{"moving_mean": (n,), "moving_variance": (n,)}``.
"""

import numpy as np


def batchnorm_forward(
    x, gamma, beta, state, training=True, momentum=0.99, epsilon=1e-3
):
    """Forward pass of batch normalization (Ioffe & Szegedy, 2015, algorithm 1).

    In training, each unit is normalised with the statistics of the mini-batch::

        mu = mean(x, axis=0)
        var = mean((x - mu)**2, axis=0)            # biased: divides by m
        x_hat = (x - mu) / sqrt(var + epsilon)     # epsilon inside the root
        out = gamma * x_hat + beta

    and the moving statistics are updated as Keras 3 does (``momentum`` is the
    weight of the old value; the moving variance averages the *biased* batch
    variance, unlike the paper's algorithm 2 and PyTorch, which use the
    unbiased ``m / (m - 1) * var``)::

        moving_mean = momentum * moving_mean + (1 - momentum) * mu
        moving_variance = momentum * moving_variance + (1 - momentum) * var

    In inference (``training=False``), ``mu`` and ``var`` are the moving
    statistics, which are left unchanged.

    Parameters
    ----------
    x : ndarray of shape (m, n)
    gamma, beta : ndarray of shape (n,)
        Scale and shift, learned.
    state : dict
        ``{"moving_mean": ndarray (n,), "moving_variance": ndarray (n,)}``;
        not modified.
    training : bool, default=True
    momentum : float, default=0.99
        Keras's default.
    epsilon : float, default=1e-3
        Keras's default.

    Returns
    -------
    out : ndarray of shape (m, n)
    new_state : dict
        Updated moving statistics (new arrays; equal to ``state`` in inference).
    cache : dict
        ``{"x_hat": (m, n), "inv_std": 1 / sqrt(var + epsilon) (n,),
        "gamma": (n,)}``, what :func:`batchnorm_backward` needs.

    References
    ----------
    S. Ioffe, C. Szegedy, "Batch Normalization: Accelerating Deep Network
    Training by Reducing Internal Covariate Shift", ICML 2015,
    arXiv:1502.03167.
    """
    if training:
        mu = x.mean(axis=0)
        var = x.var(axis=0)  # ddof=0
        new_state = {
            "moving_mean": momentum * state["moving_mean"] + (1 - momentum) * mu,
            "moving_variance": momentum * state["moving_variance"]
            + (1 - momentum) * var,
        }
    else:
        mu, var = state["moving_mean"], state["moving_variance"]
        new_state = {key: np.array(value) for key, value in state.items()}
    inv_std = 1 / np.sqrt(var + epsilon)
    x_hat = (x - mu) * inv_std
    out = gamma * x_hat + beta
    return out, new_state, {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma}


def batchnorm_backward(grad_out, cache):
    """Backward pass of batch normalization in training mode.

    With ``m`` observations, the gradients are (Ioffe & Szegedy, 2015,
    section 3, simplified)::

        grad_beta = sum(grad_out, axis=0)
        grad_gamma = sum(grad_out * x_hat, axis=0)
        grad_x = gamma * inv_std / m * (m * grad_out - grad_beta - x_hat * grad_gamma)

    The last two terms come through the batch mean and variance, which depend
    on every observation. In inference the statistics are constants and the
    gradient would be ``gamma * inv_std * grad_out`` alone.

    Parameters
    ----------
    grad_out : ndarray of shape (m, n)
        Gradient of the loss with respect to the output ``out``.
    cache : dict
        The ``cache`` returned by :func:`batchnorm_forward` in training.

    Returns
    -------
    grad_x : ndarray of shape (m, n)
    grad_gamma, grad_beta : ndarray of shape (n,)
    """
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    m = grad_out.shape[0]
    grad_beta = grad_out.sum(axis=0)
    grad_gamma = (grad_out * x_hat).sum(axis=0)
    grad_x = gamma * inv_std / m * (m * grad_out - grad_beta - x_hat * grad_gamma)
    return grad_x, grad_gamma, grad_beta
