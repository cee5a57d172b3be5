"""Checks of chapter 02 (descente de gradient): mse_gradient,
numerical_gradient, batch_gradient_descent.

The known mistakes are modelled by :func:`gd_variant`, which with its default
flags is the reference algorithm (``tests/test_checks_gradient_descent.py``
checks that it agrees with :mod:`solutions`).
"""

import numpy as np

import solutions as ref
from grader.check import Case, FunctionExercise, Mistake
from grader.runner import Fn

_X = np.array([[1.0], [2.0], [3.0]])
_Y = np.array([[2.0], [3.0], [5.0]])
_X2 = np.array([[1.0, -2.0], [0.5, 3.0], [4.0, 0.0], [-1.0, 1.0]])
_Y2 = np.array([[1.0], [0.0], [2.0], [-1.0]])


def _random_problem(rng):
    m = int(rng.integers(5, 12))
    n = int(rng.integers(1, 4))
    X = rng.normal(size=(m, n)) * rng.uniform(0.5, 2.0)
    theta = rng.normal(0.0, 2.0, size=(n + 1, 1))
    y = ref.add_bias(X) @ rng.normal(0.0, 2.0, size=(n + 1, 1))
    return X, y + rng.normal(0.0, 0.5, size=(m, 1)), theta


def gd_variant(X, y, theta, factor=2.0, scale="m", sign=1.0, rmse=False):
    """The MSE gradient with a known mistake: ``factor``, ``scale`` ("m", "m2",
    "1"), ``sign``, or the gradient of the RMSE."""
    X_b = ref.add_bias(X)
    m = len(X_b)
    residual = X_b @ theta - y
    divisor = {"m": m, "m2": m * m, "1": 1}[scale]
    grad = sign * factor / divisor * X_b.T @ residual
    if rmse:
        grad = grad / (2 * np.sqrt(np.mean(residual**2)))
    return grad


mse_gradient = FunctionExercise(
    "mse_gradient",
    ref.mse_gradient,
    readable_cases=[
        Case(
            "une variable, theta = [[0.5], [1]]",
            {"X": _X, "y": _Y, "theta": np.array([[0.5], [1.0]])},
        ),
        Case(
            "deux variables, theta = 0",
            {"X": _X2, "y": _Y2, "theta": np.zeros((3, 1))},
        ),
    ],
    random_case=lambda rng: dict(
        zip(("X", "y", "theta"), _random_problem(rng), strict=True)
    ),
    mistakes=[
        Mistake(
            "le signe est inversé : le gradient est (2/m) X_bᵀ (X_b θ − y), "
            "prédictions moins cibles.",
            lambda X, y, theta: gd_variant(X, y, theta, sign=-1.0),
        ),
        Mistake(
            "il manque le facteur 2 (la dérivée de e² est 2e).",
            lambda X, y, theta: gd_variant(X, y, theta, factor=1.0),
        ),
        Mistake(
            "vous divisez deux fois par m.",
            lambda X, y, theta: gd_variant(X, y, theta, scale="m2"),
        ),
        Mistake(
            "vous ne divisez pas par m : c'est le gradient de la somme des carrés, "
            "pas de leur moyenne.",
            lambda X, y, theta: gd_variant(X, y, theta, scale="1"),
        ),
        Mistake(
            "c'est le gradient de la RMSE, pas celui de la MSE.",
            lambda X, y, theta: gd_variant(X, y, theta, rmse=True),
        ),
        Mistake(
            "le résultat est transposé : forme (1, n+1) au lieu de (n+1, 1). "
            "Calculez X_bᵀ @ (X_b @ θ − y).",
            lambda X, y, theta: gd_variant(X, y, theta).T,
        ),
    ],
    error_hint="vérifiez les formes : avez-vous ajouté la colonne de biais à X ? "
    "X_b est (m, n+1), theta (n+1, 1), le gradient (n+1, 1).",
)


def _fn(rng, n):
    M = rng.normal(size=(n, n))
    return Fn(rng.normal(size=n), M @ M.T, rng.normal(size=n))


def central(f, theta, epsilon, denominator=2.0):
    """Central differences (``denominator`` 2); 1: the step counted once."""
    theta = np.asarray(theta, dtype=float)
    grad = np.zeros_like(theta)
    for index in np.ndindex(theta.shape):
        step = np.zeros_like(theta)
        step[index] = epsilon
        grad[index] = (f(theta + step) - f(theta - step)) / (denominator * epsilon)
    return grad


def one_sided(f, theta, epsilon):
    theta = np.asarray(theta, dtype=float)
    grad = np.zeros_like(theta)
    for index in np.ndindex(theta.shape):
        step = np.zeros_like(theta)
        step[index] = epsilon
        grad[index] = (f(theta + step) - f(theta)) / epsilon
    return grad


def _random_numerical(rng):
    shape = [(3, 1), (4,), (2, 2), (2, 1)][int(rng.integers(4))]
    size = int(np.prod(shape))
    return {
        "f": _fn(rng, size),
        "theta": rng.normal(size=shape),
        "epsilon": float(rng.choice([1e-2, 3e-3])),
    }


numerical_gradient = FunctionExercise(
    "numerical_gradient",
    ref.numerical_gradient,
    readable_cases=[
        Case(
            "f(θ) = θ₀³ + θ₀² + 2θ₁² + θ₀ − θ₁ en θ = [[1], [2]], epsilon = 0.01",
            {
                "f": Fn([1.0, 0.0], [[2.0, 0.0], [0.0, 4.0]], [1.0, -1.0]),
                "theta": np.array([[1.0], [2.0]]),
                "epsilon": 1e-2,
            },
        ),
    ],
    random_case=_random_numerical,
    rtol=1e-6,
    atol=1e-8,
    mistakes=[
        Mistake(
            "différence décentrée (f(θ+ε) − f(θ)) / ε : son erreur est en O(ε), "
            "celle de la différence centrée (f(θ+ε) − f(θ−ε)) / (2ε) en O(ε²).",
            one_sided,
        ),
        Mistake(
            "le pas est compté une seule fois : divisez par 2ε, l'écart entre "
            "θ+ε et θ−ε.",
            lambda f, theta, epsilon: central(f, theta, epsilon, denominator=1.0),
        ),
        Mistake(
            "l'argument epsilon est ignoré (pas fixé à 1e-5) : utilisez le pas reçu.",
            lambda f, theta, epsilon: central(f, theta, 1e-5),
        ),
        Mistake(
            "pas trop grand : avec ε = 0,1 l'erreur de troncature domine ; "
            "utilisez le pas reçu en argument.",
            lambda f, theta, epsilon: central(f, theta, 0.1),
        ),
    ],
)


def bgd_variant(X, y, theta0, learning_rate, n_iterations, alias=False,
                with_start=True, **gradient):  # fmt: skip
    """Batch GD with a known mistake (see :func:`gd_variant`); ``alias`` "all":
    every path entry is the final theta, "tail": all but the first;
    ``with_start``: path begins with theta0."""
    theta = np.array(theta0, dtype=float)
    path = [theta] if with_start else []
    for _ in range(n_iterations):
        theta = theta - learning_rate * gd_variant(X, y, theta, **gradient)
        path.append(theta)
    if alias == "all":
        path = [theta] * len(path)
    elif alias == "tail":  # theta0 copied, then one array updated in place
        path = path[:1] + [theta] * (len(path) - 1)
    return theta, path


def _random_bgd(rng):
    X, y, theta = _random_problem(rng)
    return {
        "X": X,
        "y": y,
        "theta0": theta,
        "learning_rate": float(rng.uniform(0.01, 0.08)),
        "n_iterations": int(rng.integers(3, 15)),
    }


def _bgd_mistake(hint, **flags):
    return Mistake(
        hint,
        lambda X, y, theta0, learning_rate, n_iterations: bgd_variant(
            X, y, theta0, learning_rate, n_iterations, **flags
        ),
    )


batch_gradient_descent = FunctionExercise(
    "batch_gradient_descent",
    ref.batch_gradient_descent,
    readable_cases=[
        Case(
            "une variable, theta0 = 0, learning_rate = 0.05, 3 itérations",
            {
                "X": _X,
                "y": _Y,
                "theta0": np.zeros((2, 1)),
                "learning_rate": 0.05,
                "n_iterations": 3,
            },
        ),  # fmt: skip
    ],
    random_case=_random_bgd,
    returns=("array", "path"),
    output_names=("theta", "path"),
    mistakes=[
        _bgd_mistake(
            "θ monte le long du gradient : la mise à jour est θ − η ∇, pas θ + η ∇.",
            sign=-1.0,
        ),
        _bgd_mistake("il manque le facteur 2 du gradient de la MSE.", factor=1.0),
        _bgd_mistake("le gradient est divisé deux fois par m.", scale="m2"),
        _bgd_mistake("le gradient n'est pas divisé par m.", scale="1"),
        _bgd_mistake("c'est le gradient de la RMSE, pas de la MSE.", rmse=True),
        *(
            _bgd_mistake(
                "les éléments du chemin sont un même tableau, modifié en place "
                "(theta -= ...) : ajoutez des copies, ou écrivez theta = theta - ...",
                alias=alias,
            )
            for alias in ("all", "tail")
        ),
        _bgd_mistake(
            "le chemin doit commencer par theta0 : n_iterations + 1 tableaux.",
            with_start=False,
        ),
    ],
    error_hint="vérifiez les formes : avez-vous ajouté la colonne de biais à X ?",
)
