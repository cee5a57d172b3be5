"""Reference implementations of the course ``Cours RN`` (numpy)."""

from .gradient_descent import batch_gradient_descent, mse_gradient, numerical_gradient
from .linear_regression import (
    add_bias,
    make_linear_data,
    mse,
    normal_equation,
    predict,
    rmse,
)
from .stochastic_gradient_descent import (
    learning_schedule,
    minibatch_gradient_descent,
    stochastic_gradient_descent,
)

__all__ = [
    "add_bias",
    "batch_gradient_descent",
    "learning_schedule",
    "make_linear_data",
    "minibatch_gradient_descent",
    "mse",
    "mse_gradient",
    "normal_equation",
    "numerical_gradient",
    "predict",
    "rmse",
    "stochastic_gradient_descent",
]
