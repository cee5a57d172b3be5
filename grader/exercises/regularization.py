"""Checks of chapter 06 (régularisation et arrêt précoce): early_stopping_epoch,
l1_penalty, l2_penalty, l1_gradient, l2_gradient.

Mistakes are modelled by :func:`stopping_variant`, which with its default
flags replays Keras's ``EarlyStopping`` like the reference
(``tests/test_checks_regularization.py`` checks that they agree).
"""

import numpy as np

from grader.check import Case, FunctionExercise, Mistake
from solutions import regularization as ref

_HISTORY = [1.0, 0.8, 0.7, 0.72, 0.71, 0.69, 0.75, 0.8, 0.85, 0.9, 0.95]
_ACCURACY = [0.5, 0.7, 0.8, 0.79, 0.82, 0.81, 0.8, 0.83, 0.8, 0.79, 0.78]


def stopping_variant(
    val_losses, patience, min_delta, mode, reset=True, use_delta=1.0,
    use_mode=True, keep="best", strict=False,
):  # fmt: skip
    """Early stopping with a known mistake: ``reset=False`` (patience counted
    from the start, not from the best), ``use_delta`` 0 (ignored) or -1 (wrong
    sign), ``use_mode=False`` (always "min"), ``keep="last"`` (the last epoch's
    weights), ``strict=True`` (stops when wait > patience)."""
    mode = mode if use_mode else "min"
    delta = use_delta * abs(min_delta)
    best, best_epoch, wait = None, 0, 0
    for epoch, value in enumerate(val_losses):
        wait += 1
        better = best is None or (
            value + delta < best if mode == "min" else value - delta > best
        )
        if better:
            best, best_epoch = value, epoch
            if reset:
                wait = 0
            continue
        if (wait > patience if strict else wait >= patience) and epoch > 0:
            return epoch, epoch if keep == "last" else best_epoch
    last = len(val_losses) - 1
    return last, last if keep == "last" else best_epoch


def _random_history(rng):
    n = int(rng.integers(6, 30))
    t = np.arange(n)
    if rng.integers(2):
        values = 1 / (1 + 0.4 * t) + 0.01 * t + rng.normal(0, 0.015, n)
        mode = "min"
    else:
        values = 0.9 - 0.5 / (1 + 0.4 * t) - 0.006 * t + rng.normal(0, 0.01, n)
        mode = "max"
    return {
        "val_losses": [float(v) for v in np.round(values, 3)],
        "patience": int(rng.integers(1, 5)),
        "min_delta": float(rng.choice([0.005, 0.01, 0.02])),
        "mode": mode,
    }


def _stop_mistake(hint, **flags):
    return Mistake(
        hint,
        lambda val_losses, patience, min_delta, mode: stopping_variant(
            val_losses, patience, min_delta, mode, **flags
        ),
    )


early_stopping_epoch = FunctionExercise(
    "early_stopping_epoch",
    ref.early_stopping_epoch,
    readable_cases=[
        Case(
            "pertes de validation, patience = 2, min_delta = 0.015",
            {"val_losses": _HISTORY, "patience": 2, "min_delta": 0.015, "mode": "min"},
        ),
        Case(
            "exactitude de validation (mode « max »), patience = 3, min_delta = 0.005",
            {"val_losses": _ACCURACY, "patience": 3, "min_delta": 0.005, "mode": "max"},
        ),
        Case(
            "pertes de validation, patience = 1, min_delta = 0",
            {"val_losses": _HISTORY, "patience": 1, "min_delta": 0.0, "mode": "min"},
        ),
    ],  # fmt: skip
    random_case=_random_history,
    returns=("int", "int"),
    output_names=("stopped_epoch", "best_epoch"),
    mistakes=[
        _stop_mistake(
            "la patience est comptée depuis la première époque : elle doit repartir "
            "de 0 à chaque amélioration (compteur remis à zéro au meilleur).",
            reset=False,
        ),
        _stop_mistake(
            "min_delta est ignoré : une amélioration doit dépasser min_delta.",
            use_delta=0.0,
        ),
        _stop_mistake(
            "min_delta est appliqué avec le mauvais signe : en mode « min », il "
            "faut valeur + min_delta < meilleure.",
            use_delta=-1.0,
        ),
        _stop_mistake(
            "mode est ignoré : en mode « max » (une exactitude), plus grand est "
            "meilleur.",
            use_mode=False,
        ),
        _stop_mistake(
            "les poids gardés sont ceux de la dernière époque : avec "
            "restore_best_weights, ce sont ceux de la meilleure.",
            keep="last",
        ),
        _stop_mistake(
            "l'arrêt vient une époque trop tard : Keras s'arrête dès que "
            "l'attente atteint la patience (attente >= patience).",
            strict=True,
        ),
    ],
)

_LAYERS = [
    (np.array([[0.5, -1.0], [0.0, 2.0]]), np.array([0.1, -0.2])),
    (np.array([[1.5], [-0.5]]), np.array([3.0])),
]


def _random_layers(rng):
    sizes = [int(s) for s in rng.integers(1, 5, size=int(rng.integers(2, 4)) + 1)]
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:], strict=False):
        kernel = rng.normal(size=(n_in, n_out))
        kernel[rng.random(kernel.shape) < 0.2] = 0.0  # some exact zeros
        layers.append((kernel, rng.normal(size=n_out)))
    return layers


def _nan_at_zero(kwargs, obtained):
    return any(
        np.isnan(np.asarray(d_kernel, dtype=float)).any() for d_kernel, _ in obtained
    )


def _penalty_exercise(name, factor, mistakes, returns="scalar", tests=()):
    reference = getattr(ref, name)
    return FunctionExercise(
        name,
        reference,
        readable_cases=[
            Case(
                f"deux couches (noyaux avec un zéro), {factor} = 0.1",
                {"layers": _LAYERS, factor: 0.1},
            )
        ],
        random_case=lambda rng: {
            "layers": _random_layers(rng),
            factor: float(rng.uniform(0.001, 0.5)),
        },
        returns=returns,
        mistakes=[Mistake(hint, model) for hint, model in mistakes]
        + [Mistake(hint, test=test) for hint, test in tests],
    )


def _sum_all(layers, f):
    return sum(np.sum(f(k)) + np.sum(f(b)) for k, b in layers)


_BIAS_HINT = "les biais sont pénalisés : la pénalité porte sur les noyaux seulement."

l1_penalty = _penalty_exercise(
    "l1_penalty",
    "l1",
    [
        (_BIAS_HINT, lambda layers, l1: float(l1 * _sum_all(layers, np.abs))),
        (
            "moyenne au lieu de somme : Keras calcule l1 · Σ |W|.",
            lambda layers, l1: float(l1 * sum(np.mean(np.abs(k)) for k, _ in layers)),
        ),
    ],
)
l2_penalty = _penalty_exercise(
    "l2_penalty",
    "l2",
    [
        (
            "facteur 1/2 en trop : Keras calcule l2 · Σ W², sans 1/2 (le manuel "
            "écrit (α/2) Σ W², avec α = 2 · l2).",
            lambda layers, l2: float(0.5 * l2 * sum(np.sum(k**2) for k, _ in layers)),
        ),
        (_BIAS_HINT, lambda layers, l2: float(l2 * _sum_all(layers, np.square))),
        (
            "norme au lieu de somme des carrés : pas de racine carrée.",
            lambda layers, l2: float(
                l2 * sum(np.sqrt(np.sum(k**2)) for k, _ in layers)
            ),
        ),
    ],
)
_ZERO_HINT = (
    "en W = 0, le gradient de |W| n'est pas défini : prenez 0 (np.sign), "
    "comme TensorFlow, pas ±l1 ni nan."
)
l1_gradient = _penalty_exercise(
    "l1_gradient",
    "l1",
    [
        (
            _ZERO_HINT,
            lambda layers, l1: [
                (np.where(k >= 0, l1, -l1), np.zeros_like(b)) for k, b in layers
            ],
        ),
        (
            "le gradient des biais doit être nul : ils ne sont pas pénalisés.",
            lambda layers, l1: [(l1 * np.sign(k), l1 * np.sign(b)) for k, b in layers],
        ),
    ],
    returns="nested",
    tests=[(_ZERO_HINT, _nan_at_zero)],
)
l2_gradient = _penalty_exercise(
    "l2_gradient",
    "l2",
    [
        (
            "il manque le facteur 2 : la dérivée de l2 · W² est 2 · l2 · W.",
            lambda layers, l2: [(l2 * k, np.zeros_like(b)) for k, b in layers],
        ),
        (
            "le gradient des biais doit être nul : ils ne sont pas pénalisés.",
            lambda layers, l2: [(2 * l2 * k, 2 * l2 * b) for k, b in layers],
        ),
    ],
    returns="nested",
)
