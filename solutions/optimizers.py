"""Optimizers of Keras 3, in numpy, step for step (chapitres 04 et 05).

Each optimizer updates one parameter array of any shape: ``step(theta, grad)``
returns the new parameters and keeps the optimizer's state (velocity,
accumulators, moments, step counter) for the next call. Names, defaults and
conventions are Keras's (``keras.optimizers``), which differ from some
textbooks where noted. Computations keep the dtype of ``theta``.
"""

import math

import numpy as np


class _Optimizer:
    """Lazily created state, shaped like the first ``theta`` seen."""

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate
        self.iterations = 0

    def _state(self, theta, name, fill=0.0):
        if not hasattr(self, name):
            setattr(self, name, np.full_like(theta, fill))
        value = getattr(self, name)
        if value.shape != np.shape(theta):
            raise ValueError(
                f"{type(self).__name__} : la forme de theta a changé "
                f"({value.shape} -> {np.shape(theta)}) ; un optimiseur suit un "
                "seul tableau de paramètres."
            )
        return value


class SGD(_Optimizer):
    """Gradient descent with momentum (Polyak, 1964) and Nesterov momentum.

    Keras's form, with ``m`` the velocity (starts at 0)::

        m = momentum * m - learning_rate * g
        theta = theta + m                                   (momentum)
        theta = theta + momentum * m - learning_rate * g    (nesterov=True)

    The Nesterov form is Sutskever et al. (2013)'s look-ahead rewritten on the
    shifted parameters ``theta + momentum * m`` (Nesterov, 1983). With
    ``momentum=0`` both reduce to ``theta = theta - learning_rate * g``.

    Parameters
    ----------
    learning_rate : float, default=0.01
    momentum : float, default=0.0
        Friction: 0 is none (plain gradient descent), close to 1 is little.
    nesterov : bool, default=False

    References
    ----------
    B. T. Polyak, "Some methods of speeding up the convergence of iteration
    methods", USSR Comp. Math. and Math. Physics 4(5), 1964.
    Y. Nesterov, "A method for unconstrained convex minimization problem with
    the rate of convergence O(1/k^2)", Doklady AN SSSR 269, 1983.
    I. Sutskever, J. Martens, G. Dahl, G. Hinton, "On the importance of
    initialization and momentum in deep learning", ICML 2013.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__(learning_rate)
        self.momentum = momentum
        self.nesterov = nesterov

    def step(self, theta, grad):
        """Return the updated parameters; update the velocity."""
        self.iterations += 1
        if self.momentum == 0:
            return theta - self.learning_rate * grad
        m = self.momentum * self._state(theta, "m") - self.learning_rate * grad
        self.m = m
        if self.nesterov:
            return theta + (self.momentum * m - self.learning_rate * grad)
        return theta + m


class Adagrad(_Optimizer):
    """AdaGrad (Duchi, Hazan & Singer, 2011), Keras's form::

        acc = acc + g**2          (acc starts at initial_accumulator_value)
        theta = theta - learning_rate * g / sqrt(acc + epsilon)

    ``epsilon`` is inside the square root, and the accumulator starts at
    ``initial_accumulator_value`` (0.1), not at 0 as in the paper.

    Parameters
    ----------
    learning_rate : float, default=0.001
    initial_accumulator_value : float, default=0.1
    epsilon : float, default=1e-7

    References
    ----------
    J. Duchi, E. Hazan, Y. Singer, "Adaptive subgradient methods for online
    learning and stochastic optimization", JMLR 12, 2011.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1,
                 epsilon=1e-7):  # fmt: skip
        super().__init__(learning_rate)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def step(self, theta, grad):
        """Return the updated parameters; update the accumulator."""
        self.iterations += 1
        acc = self._state(theta, "accumulator", self.initial_accumulator_value)
        self.accumulator = acc + grad**2
        return theta - self.learning_rate * grad / np.sqrt(
            self.accumulator + self.epsilon
        )


class RMSprop(_Optimizer):
    """RMSProp (Tieleman & Hinton, 2012), Keras's form (no momentum, not
    centered)::

        v = rho * v + (1 - rho) * g**2          (v starts at 0)
        theta = theta - learning_rate * g / sqrt(v + epsilon)

    ``epsilon`` is inside the square root.

    Parameters
    ----------
    learning_rate : float, default=0.001
    rho : float, default=0.9
        Decay of the moving average of squared gradients.
    epsilon : float, default=1e-7

    References
    ----------
    T. Tieleman, G. Hinton, Lecture 6.5 "rmsprop", COURSERA: Neural Networks
    for Machine Learning, 2012.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7):
        super().__init__(learning_rate)
        self.rho = rho
        self.epsilon = epsilon

    def step(self, theta, grad):
        """Return the updated parameters; update the average of squares."""
        self.iterations += 1
        v = self._state(theta, "velocity")
        self.velocity = self.rho * v + (1 - self.rho) * grad**2
        return theta - self.learning_rate * grad / np.sqrt(self.velocity + self.epsilon)


class Adam(_Optimizer):
    """Adam (Kingma & Ba, 2015), Keras's form: the "epsilon hat" variant of
    the paper's section 2, with the bias correction folded into the step::

        t = t + 1
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        alpha_t = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        theta = theta - alpha_t * m / (sqrt(v) + epsilon)

    The stored moments ``m`` and ``v`` are never corrected; ``epsilon`` is
    outside the square root. The textbook form with ``m_hat = m / (1 -
    beta_1**t)``, ``v_hat = v / (1 - beta_2**t)`` and ``m_hat / (sqrt(v_hat) +
    epsilon)`` is the same update up to where epsilon is scaled.

    Parameters
    ----------
    learning_rate : float, default=0.001
    beta_1 : float, default=0.9
    beta_2 : float, default=0.999
    epsilon : float, default=1e-7

    References
    ----------
    D. P. Kingma, J. Ba, "Adam: A method for stochastic optimization",
    ICLR 2015, algorithm 1 and section 2.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def step(self, theta, grad):
        """Return the updated parameters; update the moments and the counter."""
        self.iterations += 1
        t = self.iterations
        m, v = self._state(theta, "m"), self._state(theta, "v")
        self.m = m + (1 - self.beta_1) * (grad - m)
        self.v = v + (1 - self.beta_2) * (grad**2 - v)
        correction = math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        alpha = self.learning_rate * correction
        return theta - alpha * self.m / (np.sqrt(self.v) + self.epsilon)
