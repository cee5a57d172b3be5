"""Registry of the course's exercise checks, by exercise identifier."""

from grader.exercises import linear_regression

EXERCISES = {
    ex.name: ex
    for module in (linear_regression,)
    for ex in vars(module).values()
    if hasattr(ex, "judge") and hasattr(ex, "name")
}
