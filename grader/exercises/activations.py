"""Checks of chapter 08 (gradients instables), first half: sigmoid, tanh, relu
and their derivatives.

Values are compared with :mod:`solutions.activations` (itself tested against
``keras.activations``, ``tf.GradientTape`` and central differences), with a
tolerance that depends on the dtype of ``x``: float32 inputs must give float32
outputs. A function that returns the right values but lets ``np.exp``
overflow (``1 / (1 + np.exp(-x))`` at ``x = -1000``) fails too: the overflow
warning recorded by :func:`grader.runner.call` is a failure of its own,
checked before the values.
"""

import copy

import numpy as np

from grader.check import Case, CheckFailed, FunctionExercise, Mistake, describe
from solutions import activations as ref

_FORBIDDEN = (
    r"\b(?:np|numpy|math)\.tanh\b|\bscipy\b|\bexpit\b|\bkeras\b|\btensorflow\b"
    r"|\btf\.|\btorch\b|\bjax\b"
)
_TOLERANCES = {np.dtype(np.float64): (1e-7, 1e-12), np.dtype(np.float32): (1e-5, 1e-6)}

_READABLE = [
    Case("petit tableau", {"x": np.array([-2.0, -0.5, 0.0, 0.5, 2.0])}),
    Case(
        "valeurs extrêmes (float64)",
        {"x": np.array([-1000.0, -50.0, -20.0, 0.0, 20.0, 50.0, 1000.0])},
    ),
    Case(
        "tableau 2 × 3 en float32, avec des valeurs extrêmes",
        {"x": np.array([[-200.0, -3.0, 0.0], [1e-3, 3.0, 200.0]], dtype=np.float32)},
    ),
    Case("valeurs proches de 0", {"x": np.array([-1e-6, -1e-12, 0.0, 1e-9, 1e-4])}),
]


def _random_x(rng):
    shape = [(7,), (3, 4), (2, 3, 4), (40,)][int(rng.integers(4))]
    scale = float(rng.choice([0.5, 3.0, 30.0, 300.0]))
    x = rng.normal(scale=scale, size=shape)
    x[rng.random(shape) < 0.1] = 0.0  # ReLU's derivative at 0
    dtype = np.float32 if rng.random() < 0.3 else np.float64
    return {"x": x.astype(dtype)}


class ActivationExercise(FunctionExercise):
    """Values against the reference, tolerance by dtype, and no overflow."""

    def __init__(self, name, reference, mistakes, overflow_hint):
        super().__init__(
            name,
            reference,
            readable_cases=_READABLE,
            random_case=_random_x,
            mistakes=mistakes,
            rtol=_TOLERANCES[np.dtype(np.float64)][0],
            atol=_TOLERANCES[np.dtype(np.float64)][1],
            forbidden=_FORBIDDEN,
        )
        self.overflow_hint = overflow_hint

    def judge(self, case, outcome):
        overflow = [w for w in outcome.warnings if "overflow" in w.lower()]
        if outcome.error is None and overflow:
            expected = self.expected(case)
            raise CheckFailed(
                f"{self._header(case)}\n"
                f"Dépassement de capacité : le calcul a émis l'avertissement "
                f"« {overflow[0]} » (overflow : un nombre trop grand pour le type "
                f"{case.kwargs['x'].dtype}, remplacé par inf). Même si les valeurs "
                "finales sont justes, le calcul doit rester stable pour les x "
                "très grands en valeur absolue.\n"
                f"Attendu : {describe(expected)}\n"
                f"Obtenu : {describe(outcome.value)}\n"
                f"Indice : {self.overflow_hint}"
            )
        super().judge(case, outcome)

    def problem(self, case, expected, obtained):
        dtype = case.kwargs["x"].dtype
        if isinstance(obtained, np.ndarray) and obtained.shape == expected.shape:
            if obtained.dtype != dtype:
                return (
                    f"Dtype : {dtype} attendu (celui de x), {obtained.dtype} obtenu. "
                    "Une opération a changé le type, par exemple un tableau de "
                    "booléens multiplié par 1.0, ou un np.array(..., dtype=float) : "
                    "terminez par .astype(x.dtype)."
                )
        twin = copy.copy(self)
        twin.rtol, twin.atol = _TOLERANCES.get(dtype, (self.rtol, self.atol))
        return FunctionExercise.problem(twin, case, expected, obtained)


_EXP_HINT = (
    "np.exp(t) déborde dès que t dépasse environ 709 en float64 (88,7 en float32) : "
    "np.exp(1000) vaut inf. N'appelez np.exp que sur des nombres négatifs ou nuls, "
    "par exemple z = np.exp(-np.abs(x)), toujours dans ]0, 1]. Attention : "
    "np.where(condition, a, b) calcule a et b sur tout le tableau avant de choisir ; "
    "une branche « protégée » par np.where déborde donc quand même."
)


def _sigmoid_abs(x):
    return ref.sigmoid(np.abs(x))


sigmoid = ActivationExercise(
    "sigmoid",
    ref.sigmoid,
    mistakes=[
        Mistake(
            "vous calculez σ(−x) = 1 / (1 + e^x) : vérifiez le signe de l'exposant "
            "(σ(x) = 1 / (1 + e^(−x))) ou l'ordre des branches de np.where.",
            lambda x: ref.sigmoid(-x),
        ),
        Mistake(
            "1 / (1 + e^(−|x|)) ne vaut σ(x) que pour x ≥ 0 ; pour x < 0, "
            "σ(x) = e^x / (1 + e^x) = z / (1 + z) avec z = e^(−|x|) : il faut deux "
            "branches.",
            _sigmoid_abs,
        ),
    ],
    overflow_hint=_EXP_HINT,
)

_DERIVATIVE_OVERFLOW_HINT = (
    "calculez la dérivée à partir de la fonction elle-même, écrite de façon "
    "stable : σ'(x) = σ(x)(1 − σ(x)), tanh'(x) = 1 − tanh(x)². " + _EXP_HINT
)

sigmoid_derivative = ActivationExercise(
    "sigmoid_derivative",
    ref.sigmoid_derivative,
    mistakes=[
        Mistake(
            "σ'(x) = σ(x)(1 − σ(x)), avec un signe moins : vous avez écrit "
            "σ(x)(1 + σ(x)).",
            lambda x: ref.sigmoid(x) * (1 + ref.sigmoid(x)),
        ),
        Mistake(
            "la dérivée se calcule par rapport à x, la pré-activation : calculez "
            "d'abord s = σ(x), puis s(1 − s). La formule x(1 − x) suppose que x est "
            "déjà la sortie σ de la couche.",
            lambda x: x * (1 - x),
        ),
        Mistake(
            "1 − σ(x)² n'est pas la dérivée de σ (c'est la forme de celle de tanh) : "
            "σ'(x) = σ(x)(1 − σ(x)).",
            lambda x: 1 - ref.sigmoid(x) ** 2,
        ),
        Mistake(
            "vous renvoyez σ(x) elle-même : la dérivée est σ(x)(1 − σ(x)).",
            ref.sigmoid,
        ),
    ],
    overflow_hint=_DERIVATIVE_OVERFLOW_HINT,
)

tanh = ActivationExercise(
    "tanh",
    ref.tanh,
    mistakes=[
        Mistake(
            "tanh(x) = 2σ(2x) − 1 : l'argument de σ est 2x, pas x (vous calculez "
            "tanh(x/2)).",
            lambda x: ref.tanh(x / 2),
        ),
        Mistake(
            "vous calculez σ(2x), qui va de 0 à 1 ; tanh va de −1 à 1 : "
            "tanh(x) = 2σ(2x) − 1.",
            lambda x: ref.sigmoid(2 * x),
        ),
        Mistake(
            "tanh est impaire, tanh(−x) = −tanh(x) : la formule en e^(−2|x|) donne "
            "tanh(|x|), multipliez-la par np.sign(x).",
            lambda x: ref.tanh(np.abs(x)),
        ),
    ],
    overflow_hint=(
        "(e^x − e^(−x)) / (e^x + e^(−x)) déborde pour |x| grand. Écrivez tanh avec "
        "e^(−2|x|) et le signe de x, ou à partir de votre sigmoïde stable : "
        "tanh(x) = 2σ(2x) − 1. " + _EXP_HINT
    ),
)

tanh_derivative = ActivationExercise(
    "tanh_derivative",
    ref.tanh_derivative,
    mistakes=[
        Mistake(
            "la dérivée se calcule par rapport à x, la pré-activation : "
            "tanh'(x) = 1 − tanh(x)². La formule 1 − x² suppose que x est déjà la "
            "sortie tanh de la couche.",
            lambda x: 1 - x**2,
        ),
        Mistake(
            "il manque le carré : tanh'(x) = 1 − tanh(x)².",
            lambda x: 1 - ref.tanh(x),
        ),
        Mistake(
            "il manque un facteur 2 : de tanh(x) = 2σ(2x) − 1 on tire "
            "tanh'(x) = 4σ'(2x) (un 2 devant σ, un 2 pour la dérivée de 2x).",
            lambda x: 2 * ref.sigmoid_derivative(2 * x),
        ),
    ],
    overflow_hint=_DERIVATIVE_OVERFLOW_HINT,
)

relu = ActivationExercise(
    "relu",
    ref.relu,
    mistakes=[
        Mistake(
            "ReLU(x) = max(x, 0) : vous gardez les valeurs négatives "
            "(np.minimum au lieu de np.maximum ?).",
            lambda x: np.minimum(x, 0),
        ),
        Mistake(
            "vous renvoyez la dérivée (0 ou 1) : ReLU garde x là où x > 0.",
            ref.relu_derivative,
        ),
    ],
    overflow_hint="ReLU n'a besoin d'aucune exponentielle : np.maximum(x, 0).",
)

relu_derivative = ActivationExercise(
    "relu_derivative",
    ref.relu_derivative,
    mistakes=[
        Mistake(
            "en x = 0, ReLU n'est pas dérivable ; la convention du cours, celle de "
            "TensorFlow et de Keras, est ReLU'(0) = 0 : testez x > 0, pas x >= 0.",
            lambda x: (x >= 0).astype(x.dtype),
        ),
        Mistake(
            "vous renvoyez ReLU(x) : la dérivée vaut 1 (pas x) là où x > 0.",
            ref.relu,
        ),
        Mistake(
            "pour x < 0, ReLU est constante (nulle) : sa dérivée vaut 0, pas −1 "
            "(np.sign n'est pas la bonne fonction).",
            lambda x: np.sign(x),
        ),
    ],
    overflow_hint="la dérivée de ReLU n'a besoin d'aucune exponentielle : x > 0.",
)
