"""Early stopping and L1/L2 weight penalties, as Keras defines them (chapitre 06).

A network's parameters are given as ``layers``: a list of ``(kernel, bias)``
pairs, one per Dense layer. Penalties apply to the kernels only, never to the
biases (Keras's ``kernel_regularizer``).
"""

import numpy as np


def early_stopping_epoch(val_losses, patience=0, min_delta=0.0, mode="min"):
    """Where ``keras.callbacks.EarlyStopping`` stops, and which weights it keeps.

    Replays ``EarlyStopping(monitor=..., patience, min_delta, mode,
    restore_best_weights=True)`` on a history of monitored values. Epochs are
    numbered from 0, as Keras's ``on_epoch_end`` numbers them. At each epoch
    the wait counter grows by one; a value is an improvement when it beats the
    best so far by more than ``|min_delta|`` (lower for ``"min"``, higher for
    ``"max"``; the first value always is), which records it as best and resets
    the wait to 0; otherwise training stops as soon as ``wait >= patience``.

    Parameters
    ----------
    val_losses : sequence of float
        Monitored value after each epoch (a loss, or an accuracy with "max").
    patience : int, default=0
    min_delta : float, default=0.0
        Minimum change that counts as an improvement; its sign is ignored.
    mode : {"min", "max"}, default="min"

    Returns
    -------
    stopped_epoch : int
        Last epoch trained (the last index when training is not stopped).
    best_epoch : int
        Epoch whose weights are kept (``restore_best_weights=True``).
    """
    if mode not in ("min", "max"):
        raise ValueError(f"mode doit valoir 'min' ou 'max', reçu {mode!r}")
    delta = abs(min_delta)
    best, best_epoch, wait = None, 0, 0
    for epoch, value in enumerate(val_losses):
        wait += 1
        if best is None or (
            value + delta < best if mode == "min" else value - delta > best
        ):
            best, best_epoch, wait = value, epoch, 0
            continue
        if wait >= patience and epoch > 0:
            return epoch, best_epoch
    return len(val_losses) - 1, best_epoch


def l1_penalty(layers, l1=0.01):
    """L1 penalty of the kernels, Keras's ``L1(l1)``: ``l1 * sum |W|``.

    Parameters
    ----------
    layers : list of (ndarray, ndarray)
        ``(kernel, bias)`` of each layer; biases are not penalised.
    l1 : float, default=0.01

    Returns
    -------
    float
    """
    return float(l1 * sum(np.sum(np.abs(kernel)) for kernel, _ in layers))


def l2_penalty(layers, l2=0.01):
    """L2 penalty of the kernels, Keras's ``L2(l2)``: ``l2 * sum W**2``.

    Keras has no factor 1/2; the textbook form ``(alpha / 2) * sum W**2`` is
    the same with ``l2 = alpha / 2``.

    Parameters
    ----------
    layers : list of (ndarray, ndarray)
    l2 : float, default=0.01

    Returns
    -------
    float
    """
    return float(l2 * sum(np.sum(kernel**2) for kernel, _ in layers))


def l1_gradient(layers, l1=0.01):
    """Gradient of :func:`l1_penalty`: ``l1 * sign(W)`` for each kernel, 0 for
    each bias. At ``W = 0`` the subgradient 0 is used, as TensorFlow does.

    Returns
    -------
    list of (ndarray, ndarray)
        ``(d kernel, d bias)`` for each layer.
    """
    return [(l1 * np.sign(kernel), np.zeros_like(bias)) for kernel, bias in layers]


def l2_gradient(layers, l2=0.01):
    """Gradient of :func:`l2_penalty`: ``2 * l2 * W`` for each kernel, 0 for
    each bias.

    Returns
    -------
    list of (ndarray, ndarray)
    """
    return [(2 * l2 * kernel, np.zeros_like(bias)) for kernel, bias in layers]
