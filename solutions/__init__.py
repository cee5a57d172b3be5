"""Reference implementations of the course ``Cours RN`` (numpy)."""

from .linear_regression import (
    add_bias,
    make_linear_data,
    mse,
    normal_equation,
    predict,
    rmse,
)

__all__ = [
    "add_bias",
    "make_linear_data",
    "mse",
    "normal_equation",
    "predict",
    "rmse",
]
