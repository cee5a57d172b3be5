"""Checks of chapter 01 (équation normale): add_bias, predict, mse, rmse,
normal_equation."""

import numpy as np

import solutions as ref
from grader.check import Case, FunctionExercise, Mistake

_X = np.array([[1.0], [2.0], [3.0]])
_X2 = np.array([[1.0, -2.0], [0.5, 3.0], [4.0, 0.0], [-1.0, 1.0]])
_Y_TRUE = np.array([[1.0], [2.0], [3.0]])
_Y_PRED = np.array([[2.0], [2.0], [6.0]])


def _random_X(rng, n_max=4):
    m = int(rng.integers(5, 12))
    n = int(rng.integers(1, n_max + 1))
    return rng.normal(size=(m, n)) * rng.uniform(0.5, 3.0)


def _random_targets(rng):
    m = int(rng.integers(3, 12))
    y_true = rng.normal(2.0, 3.0, size=(m, 1))
    return {"y_true": y_true, "y_pred": y_true + rng.normal(0.5, 1.5, size=(m, 1))}


def _bias_last(X):
    return np.hstack([X, np.ones((len(X), 1))])


add_bias = FunctionExercise(
    "add_bias",
    ref.add_bias,
    readable_cases=[
        Case("une variable, 3 observations", {"X": _X}),
        Case("deux variables, 4 observations", {"X": _X2}),
    ],
    random_case=lambda rng: {"X": _random_X(rng)},
    mistakes=[
        Mistake(
            "la colonne de uns est ajoutée en dernier ; elle doit venir en premier "
            "(x₀ = 1, pour que theta[0] soit le terme constant).",
            _bias_last,
        ),
        Mistake(
            "vous avez ajouté une colonne de zéros ; le terme constant vient d'une "
            "colonne de uns (np.ones).",
            lambda X: np.hstack([np.zeros((len(X), 1)), X]),
        ),
        Mistake(
            "X est renvoyé sans la colonne de biais : il faut ajouter une colonne "
            "de uns.",
            lambda X: X,
        ),
        Mistake(
            "vous avez ajouté une ligne de uns (axe 0) au lieu d'une colonne (axe 1).",
            lambda X: np.vstack([np.ones((1, X.shape[1])), X]),
        ),
    ],
)


def _random_predict(rng):
    X = _random_X(rng)
    return {"X": X, "theta": rng.normal(0.0, 2.0, size=(X.shape[1] + 1, 1))}


predict = FunctionExercise(
    "predict",
    ref.predict,
    readable_cases=[
        Case(
            "une variable, theta = [[4], [3]]",
            {"X": _X, "theta": np.array([[4.0], [3.0]])},
        ),
        Case(
            "deux variables",
            {"X": _X2, "theta": np.array([[1.0], [2.0], [-1.0]])},
        ),
    ],
    random_case=_random_predict,
    mistakes=[
        Mistake(
            "le terme constant θ₀ est oublié (X @ theta[1:]) : ajoutez la colonne "
            "de biais avec add_bias(X) puis calculez X_b @ theta.",
            lambda X, theta: X @ theta[1:],
        ),
        Mistake(
            "la colonne de biais est placée en dernier : θ₀ multiplie alors la "
            "dernière variable. Utilisez add_bias, qui la place en premier.",
            lambda X, theta: _bias_last(X) @ theta,
        ),
        Mistake(
            "le résultat est transposé : forme (1, m) au lieu de (m, 1). "
            "Calculez X_b @ theta, pas theta.T @ X_b.T.",
            lambda X, theta: theta.T @ ref.add_bias(X).T,
        ),
        Mistake(
            "produit terme à terme (*) au lieu du produit matriciel (@).",
            lambda X, theta: ref.add_bias(X) * theta.T,
        ),
    ],
    error_hint="vérifiez les formes : X_b est (m, n+1), theta est (n+1, 1), "
    "le produit X_b @ theta est (m, 1). Avez-vous ajouté la colonne de biais ?",
)


mse = FunctionExercise(
    "mse",
    ref.mse,
    readable_cases=[
        Case("3 observations", {"y_true": _Y_TRUE, "y_pred": _Y_PRED}),
        Case("prédictions parfaites", {"y_true": _Y_TRUE, "y_pred": _Y_TRUE}),
    ],
    random_case=_random_targets,
    returns="scalar",
    mistakes=[
        Mistake(
            "vous renvoyez la somme des carrés des erreurs : il manque la moyenne "
            "(divisez par m, ou utilisez np.mean).",
            lambda y_true, y_pred: np.sum((y_pred - y_true) ** 2),
        ),
        Mistake(
            "un facteur 1/2 en trop : certains manuels l'ajoutent pour simplifier "
            "le gradient, mais la MSE de ce cours (comme celle de Keras) n'en a pas.",
            lambda y_true, y_pred: np.mean((y_pred - y_true) ** 2) / 2,
        ),
        Mistake(
            "racine carrée en trop : c'est la RMSE, pas la MSE.",
            lambda y_true, y_pred: np.sqrt(np.mean((y_pred - y_true) ** 2)),
        ),
        Mistake(
            "valeur absolue au lieu du carré : c'est l'erreur absolue moyenne (MAE).",
            lambda y_true, y_pred: np.mean(np.abs(y_pred - y_true)),
        ),
        Mistake(
            "carré de l'erreur moyenne au lieu de la moyenne des carrés : élevez "
            "chaque erreur au carré avant de faire la moyenne.",
            lambda y_true, y_pred: np.mean(y_pred - y_true) ** 2,
        ),
    ],
)


rmse = FunctionExercise(
    "rmse",
    ref.rmse,
    readable_cases=[
        Case("3 observations", {"y_true": _Y_TRUE, "y_pred": _Y_PRED}),
        Case(
            "erreur constante de 2",
            {"y_true": _Y_TRUE, "y_pred": _Y_TRUE + 2.0},
        ),
    ],
    random_case=_random_targets,
    returns="scalar",
    mistakes=[
        Mistake(
            "vous renvoyez la MSE : il manque la racine carrée (np.sqrt).",
            lambda y_true, y_pred: np.mean((y_pred - y_true) ** 2),
        ),
        Mistake(
            "racine de la somme des carrés : prenez la racine de la moyenne.",
            lambda y_true, y_pred: np.sqrt(np.sum((y_pred - y_true) ** 2)),
        ),
        Mistake(
            "moyenne des racines des carrés, c'est-à-dire l'erreur absolue moyenne "
            "(MAE) : la racine se prend après la moyenne.",
            lambda y_true, y_pred: np.mean(np.sqrt((y_pred - y_true) ** 2)),
        ),
    ],
)


def _random_regression(rng):
    X = _random_X(rng, n_max=3)
    theta = rng.normal(0.0, 3.0, size=(X.shape[1] + 1, 1))
    y = ref.add_bias(X) @ theta + rng.normal(0.0, 0.5, size=(len(X), 1))
    return {"X": X, "y": y}


def _normal_equation_on(X_b, y):
    return np.linalg.solve(X_b.T @ X_b, X_b.T @ y)


normal_equation = FunctionExercise(
    "normal_equation",
    ref.normal_equation,
    readable_cases=[
        Case(
            "points exactement sur y = 1 + 2 x",
            {
                "X": np.array([[0.0], [1.0], [2.0], [3.0]]),
                "y": np.array([[1.0], [3.0], [5.0], [7.0]]),
            },
        ),
        Case("données bruitées", {"X": _X, "y": np.array([[2.0], [2.0], [5.0]])}),
    ],
    random_case=_random_regression,
    rtol=1e-6,
    atol=1e-8,
    mistakes=[
        Mistake(
            "l'équation normale est appliquée à X au lieu de X_b : la colonne de "
            "biais est oubliée, et theta n'a pas de terme constant.",
            lambda X, y: _normal_equation_on(X, y),
        ),
        Mistake(
            "la colonne de biais est en dernier : le terme constant se retrouve "
            "à la fin de theta. Utilisez add_bias.",
            lambda X, y: _normal_equation_on(_bias_last(X), y),
        ),
        Mistake(
            "theta est un vecteur à une dimension : gardez la forme (n+1, 1) "
            "(y est une colonne (m, 1) ; n'utilisez pas ravel ni flatten).",
            lambda X, y: ref.normal_equation(X, y).ravel(),
        ),
    ],
    error_hint="vérifiez les transpositions : X_bᵀ X_b est (n+1, n+1) et X_bᵀ y "
    "est (n+1, 1) ; theta = (X_bᵀ X_b)⁻¹ X_bᵀ y.",
    forbidden=r"\bLinearRegression\b|\bsklearn\b|\bstatsmodels\b",
)
