"""Checks of chapter 03 (SGD et mini-lots): learning_schedule,
stochastic_gradient_descent, minibatch_gradient_descent.

The known mistakes are modelled by :func:`sgd_variant` and
:func:`minibatch_variant`, which with their default flags are the reference
algorithms (``tests/test_checks_sgd.py`` checks that they agree with
:mod:`solutions`).
"""

import numpy as np

import solutions as ref
from grader.check import Case, FunctionExercise, Mistake
from grader.runner import RandomSource

_X = np.array([[0.5], [1.0], [1.5], [2.0]])
_Y = np.array([[5.0], [7.5], [8.0], [10.5]])


def _schedule_mistake(hint, model):
    return Mistake(hint, lambda t, t0, t1: model(t, t0, t1))


learning_schedule = FunctionExercise(
    "learning_schedule",
    ref.learning_schedule,
    readable_cases=[
        Case("t = 10, t0 = 3, t1 = 20", {"t": 10, "t0": 3, "t1": 20}),
        Case("t = 0, t0 = 200, t1 = 1000", {"t": 0, "t0": 200, "t1": 1000}),
    ],
    random_case=lambda rng: {
        "t": int(rng.integers(0, 10_000)),
        "t0": float(rng.uniform(1, 300)),
        "t1": float(rng.uniform(10, 2000)),
    },
    returns="scalar",
    mistakes=[
        _schedule_mistake(
            "priorité des opérations : t0 / t + t1 n'est pas t0 / (t + t1).",
            lambda t, t0, t1: t0 / t + t1 if t else np.inf,
        ),
        _schedule_mistake(
            "t0 et t1 sont inversés : η(t) = t0 / (t + t1).",
            lambda t, t0, t1: t1 / (t + t0),
        ),
        _schedule_mistake(
            "produit au lieu d'un quotient : η(t) = t0 / (t + t1).",
            lambda t, t0, t1: t0 * (t + t1),
        ),
    ],
)


def sgd_variant(X, y, theta0, rng, n_epochs, t0, t1, counter="global",
                divide_by_m=False, fresh_seed=False, alias=False):  # fmt: skip
    """SGD with a known mistake: ``counter`` "global" (right), "epoch" (the
    schedule indexed by the epoch) or "restart" (restarting at each epoch);
    ``divide_by_m``; ``fresh_seed`` (a new RandomState(42) at each step);
    ``alias`` ("all": every path entry is the final theta; "tail": all but
    the first)."""
    X_b = ref.add_bias(X)
    m = len(X_b)
    theta = np.array(theta0, dtype=float)
    path = [theta]
    for epoch in range(n_epochs):
        for i in range(m):
            k = np.random.RandomState(42).randint(m) if fresh_seed else rng.randint(m)
            xi, yi = X_b[k : k + 1], y[k : k + 1]
            gradient = 2 * xi.T @ (xi @ theta - yi)
            if divide_by_m:
                gradient = gradient / m
            t = {"global": epoch * m + i, "epoch": epoch, "restart": i}[counter]
            theta = theta - ref.learning_schedule(t, t0, t1) * gradient
            path.append(theta)
    if alias == "all":
        path = [theta] * len(path)
    elif alias == "tail":
        path = path[:1] + [theta] * (len(path) - 1)
    return theta, path


def _random_sgd(rng, minibatch=False):
    m = int(rng.integers(5, 11))
    n = int(rng.integers(1, 3))
    X = rng.uniform(0.0, 2.0, size=(m, n))
    y = ref.add_bias(X) @ rng.normal(2.0, 1.0, size=(n + 1, 1))
    case = {
        "X": X,
        "y": y + rng.normal(0.0, 0.3, size=(m, 1)),
        "theta0": rng.normal(size=(n + 1, 1)),
        "rng": RandomSource(int(rng.integers(2**31))),
        "n_epochs": int(rng.integers(2, 4)),
    }
    if minibatch:
        sizes = [b for b in range(2, m) if m % b] or [2]
        case["batch_size"] = int(rng.choice(sizes))
        case.update(t0=float(rng.uniform(5, 50)), t1=float(rng.uniform(50, 300)))
    else:
        case.update(t0=float(rng.uniform(1, 10)), t1=float(rng.uniform(20, 100)))
    return case


def _sgd_mistake(hint, **flags):
    return Mistake(
        hint,
        lambda X, y, theta0, rng, n_epochs, t0, t1: sgd_variant(
            X, y, theta0, rng, n_epochs, t0, t1, **flags
        ),
    )


_STEP_HINTS = {
    "epoch": "l'échéancier est indexé par l'époque : η doit dépendre du compteur "
    "global d'étapes t = époque × m + i.",
    "restart": "le compteur d'étapes repart de 0 à chaque époque : il doit "
    "compter toutes les étapes depuis le début (t = époque × m + i).",
}
_ALIAS_HINT = (
    "les éléments du chemin sont un même tableau, modifié en place : "
    "ajoutez des copies, ou écrivez theta = theta - ..."
)

stochastic_gradient_descent = FunctionExercise(
    "stochastic_gradient_descent",
    ref.stochastic_gradient_descent,
    readable_cases=[
        Case(
            "4 observations, 2 époques, t0 = 3, t1 = 20, RandomState(0)",
            {
                "X": _X,
                "y": _Y,
                "theta0": np.zeros((2, 1)),
                "rng": RandomSource(0),
                "n_epochs": 2,
                "t0": 3,
                "t1": 20,
            },
        ),  # fmt: skip
    ],
    random_case=_random_sgd,
    returns=("array", "path"),
    output_names=("theta", "path"),
    mistakes=[
        _sgd_mistake(_STEP_HINTS["epoch"], counter="epoch"),
        _sgd_mistake(_STEP_HINTS["restart"], counter="restart"),
        _sgd_mistake(
            "le gradient d'un seul exemple est divisé par m : pour un exemple, "
            "c'est 2 xᵢᵀ (xᵢ θ − yᵢ), sans 1/m.",
            divide_by_m=True,
        ),
        _sgd_mistake(
            "un nouveau générateur avec la même graine à chaque étape tire toujours "
            "le même exemple : utilisez le générateur rng reçu, une seule fois "
            "créé.",
            fresh_seed=True,
        ),
        *(_sgd_mistake(_ALIAS_HINT, alias=alias) for alias in ("all", "tail")),
    ],
    error_hint="vérifiez les formes : xᵢ doit rester une ligne (1, n+1), "
    "par exemple X_b[i:i + 1].",
)


def minibatch_variant(X, y, theta0, rng, n_epochs, batch_size, t0, t1,
                      counter="global", shuffle="epoch", last="keep",
                      divide_by="len", alias=False):  # fmt: skip
    """Mini-batch GD with a known mistake: ``counter`` as in
    :func:`sgd_variant`; ``shuffle`` "epoch" (right) or "once"; ``last``
    "keep" (right), "drop" or "wrap" (the last batch completed with examples
    from the start, counted twice); ``divide_by`` "len" (right) or "size"."""
    X_b = ref.add_bias(X)
    m = len(X_b)
    theta = np.array(theta0, dtype=float)
    path = [theta]
    t = 0
    indices = rng.permutation(m)
    for epoch in range(n_epochs):
        if shuffle == "epoch" and epoch > 0:
            indices = rng.permutation(m)
        stop = m - m % batch_size if last == "drop" else m
        for number, start in enumerate(range(0, stop, batch_size)):
            if last == "wrap":
                batch = np.take(indices, range(start, start + batch_size), mode="wrap")
            else:
                batch = indices[start : start + batch_size]
            size = len(batch) if divide_by == "len" else batch_size
            gradient = 2 / size * X_b[batch].T @ (X_b[batch] @ theta - y[batch])
            step = {"global": t, "epoch": epoch, "restart": number}[counter]
            theta = theta - ref.learning_schedule(step, t0, t1) * gradient
            path.append(theta)
            t += 1
    if alias == "all":
        path = [theta] * len(path)
    elif alias == "tail":
        path = path[:1] + [theta] * (len(path) - 1)
    return theta, path


def _minibatch_mistake(hint, **flags):
    return Mistake(
        hint,
        lambda X, y, theta0, rng, n_epochs, batch_size, t0, t1: minibatch_variant(
            X, y, theta0, rng, n_epochs, batch_size, t0, t1, **flags
        ),
    )


minibatch_gradient_descent = FunctionExercise(
    "minibatch_gradient_descent",
    ref.minibatch_gradient_descent,
    readable_cases=[
        Case(
            "7 observations, mini-lots de 3 (le dernier en a 1), 2 époques, "
            "t0 = 10, t1 = 50, RandomState(0)",
            {
                "X": np.linspace(0.0, 2.0, 7).reshape(-1, 1),
                "y": np.array([[4.0], [5.2], [5.9], [7.1], [8.3], [8.8], [10.2]]),
                "theta0": np.zeros((2, 1)),
                "rng": RandomSource(0),
                "n_epochs": 2,
                "batch_size": 3,
                "t0": 10,
                "t1": 50,
            },
        ),  # fmt: skip
    ],
    random_case=lambda rng: _random_sgd(rng, minibatch=True),
    returns=("array", "path"),
    output_names=("theta", "path"),
    mistakes=[
        _minibatch_mistake(
            "les données ne sont mélangées qu'une fois : tirez une nouvelle "
            "permutation (rng.permutation(m)) au début de chaque époque.",
            shuffle="once",
        ),
        _minibatch_mistake(
            "le dernier mini-lot incomplet est abandonné : il doit être utilisé, "
            "avec sa taille réelle.",
            last="drop",
        ),
        _minibatch_mistake(
            "le dernier mini-lot est complété avec des exemples du début : ils "
            "comptent deux fois dans l'époque. Gardez le dernier mini-lot tel quel.",
            last="wrap",
        ),
        _minibatch_mistake(
            "le gradient du dernier mini-lot est divisé par batch_size au lieu de "
            "sa taille réelle len(batch).",
            divide_by="size",
        ),
        _minibatch_mistake(_STEP_HINTS["epoch"], counter="epoch"),
        _minibatch_mistake(_STEP_HINTS["restart"], counter="restart"),
        *(_minibatch_mistake(_ALIAS_HINT, alias=a) for a in ("all", "tail")),
    ],
)
