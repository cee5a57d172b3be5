"""Glorot and He weight initialisations, drawn as Keras 3 draws them (chapitre 08).

Every initialiser takes ``fan_in`` (number of inputs of the layer), ``fan_out``
(number of outputs) and ``rng``, a ``numpy.random.Generator``, the only source
of randomness. It returns a float64 kernel of shape ``(fan_in, fan_out)``, the
shape of a Keras ``Dense`` kernel (``outputs = inputs @ kernel + bias``).

Each targets a variance ``Var(w)``; the uniform variants draw from
``U[-limit, limit]`` with ``limit = sqrt(3 Var(w))``, the normal ones from a
normal truncated at two standard deviations (values beyond are drawn again),
whose standard deviation before truncation is ``sqrt(Var(w)) / 0.8796...`` so
that the standard deviation after truncation is ``sqrt(Var(w))``
(``keras.initializers.VarianceScaling``).

========================  ==========================  =======================
Keras initialiser         ``Var(w)``                  uniform ``limit``
========================  ==========================  =======================
``GlorotUniform/Normal``  ``2 / (fan_in + fan_out)``  ``sqrt(6 / (fan_in + fan_out))``
``HeUniform/Normal``      ``2 / fan_in``              ``sqrt(6 / fan_in)``
========================  ==========================  =======================
"""

import math

import numpy as np

TRUNCATED_NORMAL_STD = 0.87962566103423978
"""Standard deviation of a standard normal truncated to ``[-2, 2]``, the
constant of ``keras.initializers.VarianceScaling``:
``sqrt(1 - 4 φ(2) / (2 Φ(2) - 1))``, with φ and Φ the standard normal
density and distribution function."""


def truncated_normal(shape, stddev, rng):
    """Normal ``N(0, stddev**2)`` truncated at two standard deviations.

    Values with ``|w| > 2 stddev`` are drawn again until none is left, as
    ``keras.initializers.TruncatedNormal(stddev=stddev)`` does. The standard
    deviation of the result is ``0.8796 * stddev``, not ``stddev``.

    Parameters
    ----------
    shape : tuple of int
    stddev : float
        Standard deviation of the normal before truncation.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of float64, of shape ``shape``, within ``[-2 stddev, 2 stddev]``
    """
    z = rng.standard_normal(shape)
    outside = np.abs(z) > 2
    while outside.any():
        z[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(z) > 2
    return stddev * z


def glorot_uniform(fan_in, fan_out, rng):
    """Glorot (Xavier) uniform: ``U[-limit, limit]``,
    ``limit = sqrt(6 / (fan_in + fan_out))``.

    The variance ``limit**2 / 3 = 2 / (fan_in + fan_out)`` is the compromise
    of Glorot & Bengio between keeping the variance of the activations
    (``fan_in Var(w) = 1``) and that of the back-propagated gradients
    (``fan_out Var(w) = 1``) for an activation of slope 1 at 0, such as tanh.
    For the logistic function, of slope 1/4 at 0, the limit is multiplied
    by 4 (Bengio, 2012); Keras's ``GlorotUniform`` has no such factor.

    Parameters
    ----------
    fan_in, fan_out : int
        Numbers of inputs and outputs of the layer, positive.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of float64, of shape ``(fan_in, fan_out)``

    References
    ----------
    X. Glorot, Y. Bengio, "Understanding the difficulty of training deep
    feedforward neural networks", AISTATS 2010, eq. (16).
    Y. Bengio, "Practical recommendations for gradient-based training of deep
    architectures", arXiv:1206.5533, 2012.
    """
    limit = math.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def glorot_normal(fan_in, fan_out, rng):
    """Glorot (Xavier) normal: truncated normal of standard deviation
    ``sqrt(2 / (fan_in + fan_out))`` after truncation.

    Parameters
    ----------
    fan_in, fan_out : int
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of float64, of shape ``(fan_in, fan_out)``, within
    ``2 sqrt(2 / (fan_in + fan_out)) / 0.8796`` of 0
    """
    stddev = math.sqrt(2 / (fan_in + fan_out)) / TRUNCATED_NORMAL_STD
    return truncated_normal((fan_in, fan_out), stddev, rng)


def he_uniform(fan_in, fan_out, rng):
    """He uniform: ``U[-limit, limit]``, ``limit = sqrt(6 / fan_in)``.

    ReLU zeroes half of its inputs, so that ``E[relu(z)**2] = Var(z) / 2``:
    keeping the variance through a ReLU layer asks ``fan_in Var(w) / 2 = 1``,
    that is ``Var(w) = 2 / fan_in`` (He et al., 2015).

    Parameters
    ----------
    fan_in, fan_out : int
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of float64, of shape ``(fan_in, fan_out)``

    References
    ----------
    K. He, X. Zhang, S. Ren, J. Sun, "Delving deep into rectifiers: surpassing
    human-level performance on ImageNet classification", ICCV 2015.
    """
    limit = math.sqrt(6 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    """He normal: truncated normal of standard deviation ``sqrt(2 / fan_in)``
    after truncation.

    Parameters
    ----------
    fan_in, fan_out : int
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of float64, of shape ``(fan_in, fan_out)``, within
    ``2 sqrt(2 / fan_in) / 0.8796`` of 0
    """
    stddev = math.sqrt(2 / fan_in) / TRUNCATED_NORMAL_STD
    return truncated_normal((fan_in, fan_out), stddev, rng)
