"""Registry of the course's exercise checks, by exercise identifier."""

from grader.exercises import (
    activations,
    augmentation,
    batch_normalization,
    dropout,
    gradient_descent,
    initializers,
    linear_regression,
    optimizers,
    project,
    regularization,
    stochastic_gradient_descent,
)

EXERCISES = {
    ex.name: ex
    for module in (
        linear_regression,
        gradient_descent,
        stochastic_gradient_descent,
        optimizers,
        regularization,
        dropout,
        activations,
        initializers,
        batch_normalization,
        augmentation,
        project,
    )
    for ex in vars(module).values()
    if hasattr(ex, "judge") and hasattr(ex, "name")
}
