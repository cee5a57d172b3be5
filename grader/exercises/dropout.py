"""Checks of chapter 07 (dropout): dropout_forward, dropout_backward.

A learner may draw the mask in any way that keeps each unit with probability
``1 - rate``, so the forward pass is checked through properties (Keras's
``Dropout`` gives no exact values either): at inference the identity; in
training, kept values exactly ``x / (1 - rate)``, dropped ones 0, the mask
matching the zeros, and the fraction dropped within five binomial standard
deviations of ``rate`` on large inputs.
"""

import numpy as np

from grader.check import Case, FunctionExercise, Mistake
from grader.runner import RandomSource
from solutions import dropout as ref

_SMALL = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])


def _large(seed, shape=(100, 100)):
    return np.random.default_rng(seed).normal(1.0, 2.0, size=shape)


def _fraction_dropped(kwargs, out):
    return float(np.mean(np.asarray(out[0]) == 0))


def _near(value, target, n):
    return abs(value - target) <= 5 * np.sqrt(max(target * (1 - target), 1e-4) / n)


def _kept(kwargs, out):
    x, got = kwargs["x"], np.asarray(out[0], dtype=float)
    return x[got != 0], got[got != 0]


class DropoutForward(FunctionExercise):
    """Property check of ``dropout_forward`` (see module docstring)."""

    show_expected = False

    def problem(self, case, expected, obtained):
        x, rate, training = (case.kwargs[k] for k in ("x", "rate", "training"))
        if not isinstance(obtained, tuple | list) or len(obtained) != 2:
            return "Type : un tuple (out, mask) de 2 éléments est attendu."
        out, mask = obtained
        if not isinstance(out, np.ndarray) or out.shape != x.shape:
            return f"`out` : un tableau de forme {x.shape} est attendu."
        if out.dtype != x.dtype:
            return f"`out` : dtype {x.dtype} attendu, {out.dtype} obtenu."
        if not isinstance(mask, np.ndarray) or mask.shape != x.shape:
            return f"`mask` : un tableau de forme {x.shape} est attendu."
        if not np.all((mask == 0) | (mask == 1)):
            return "`mask` : des booléens (True = unité conservée) sont attendus."
        mask = mask.astype(bool)
        if not training:
            if not np.array_equal(out, x):
                return "En inférence (training=False), la sortie doit être x inchangé."
            if not mask.all():
                return "En inférence, le masque doit conserver toutes les unités."
            return None
        if not np.array_equal(out == 0, ~mask | (x == 0)):
            return "`out` doit valoir 0 exactement là où `mask` est False."
        if not np.allclose(out[mask], x[mask] / (1 - rate), rtol=1e-12, atol=0):
            return (
                "Les valeurs conservées doivent valoir exactement x / (1 - rate) "
                "(dropout inversé)."
            )
        dropped = float(np.mean(~mask))
        if not _near(dropped, rate, x.size):
            return (
                f"Fraction d'unités éteintes : {dropped:.3f}, loin de rate = {rate} "
                f"(tolérance : 5 écarts types binomiaux sur {x.size} unités)."
            )
        return None


def _case(label, x, rate, training, seed):
    return Case(
        label,
        {"x": x, "rate": rate, "rng": RandomSource(seed, generator=True),
         "training": training},
    )  # fmt: skip


dropout_forward = DropoutForward(
    "dropout_forward",
    ref.dropout_forward,
    readable_cases=[
        _case("inférence, petit tableau, rate = 0.5", _SMALL, 0.5, False, 0),
        _case("entraînement, 100 × 100, rate = 0.3", _large(1), 0.3, True, 1),
        _case("entraînement, 100 × 100, rate = 0.6", _large(2), 0.6, True, 2),
    ],
    random_case=lambda rng: {
        "x": rng.normal(size=(int(rng.integers(50, 120)), 80)),
        "rate": float(rng.uniform(0.1, 0.7)),
        "rng": RandomSource(int(rng.integers(2**31)), generator=True),
        "training": bool(rng.random() < 0.8),
    },
    returns=("array", "array"),
    output_names=("out", "mask"),
    mistakes=[
        Mistake(
            "rate est la fraction d'unités ÉTEINTES (convention de Keras), pas la "
            "probabilité de conservation : gardez une unité si rng.random() >= rate.",
            test=lambda kw, out: (
                kw["training"]
                and _near(_fraction_dropped(kw, out), 1 - kw["rate"], kw["x"].size)
            ),
        ),
        Mistake(
            "les unités conservées ne sont pas remises à l'échelle : divisez-les "
            "par 1 − rate pendant l'entraînement.",
            test=lambda kw, out: (
                kw["training"] and np.allclose(*_kept(kw, out), rtol=1e-12)
            ),
        ),
        Mistake(
            "les unités conservées sont multipliées par 1 − rate : il faut diviser.",
            test=lambda kw, out: (
                kw["training"]
                and np.allclose(
                    _kept(kw, out)[0] * (1 - kw["rate"]), _kept(kw, out)[1], rtol=1e-12
                )
            ),
        ),
        Mistake(
            "en inférence, la sortie est remise à l'échelle : avec le dropout "
            "inversé, l'inférence est l'identité.",
            test=lambda kw, out: (
                not kw["training"] and np.allclose(out[0], kw["x"] / (1 - kw["rate"]))
            ),
        ),
        Mistake(
            "le dropout est appliqué en inférence : avec training=False, rien n'est "
            "éteint.",
            test=lambda kw, out: (
                not kw["training"] and np.mean(np.asarray(out[0]) == 0) > 0.05
            ),
        ),
    ],
)


def _random_backward(rng):
    shape = (int(rng.integers(20, 60)), int(rng.integers(5, 30)))
    rate = float(rng.uniform(0.1, 0.7))
    return {
        "grad_out": rng.normal(size=shape),
        "mask": rng.random(shape) >= rate,
        "rate": rate,
    }


def _new_mask(kwargs, obtained):
    got = np.asarray(obtained)
    zeros = got == 0
    return not np.array_equal(zeros, ~kwargs["mask"]) and _near(
        float(np.mean(zeros)), kwargs["rate"], got.size
    )


dropout_backward = FunctionExercise(
    "dropout_backward",
    ref.dropout_backward,
    readable_cases=[
        Case(
            "petit tableau, rate = 0.5",
            {
                "grad_out": _SMALL,
                "mask": np.array([[True, False, True], [False, True, True]]),
                "rate": 0.5,
            },
        ),  # fmt: skip
    ],
    random_case=_random_backward,
    mistakes=[
        Mistake(
            "il manque l'échelle : le gradient passe par les unités conservées "
            "multiplié par 1 / (1 − rate), comme en avant.",
            lambda grad_out, mask, rate: grad_out * mask,
        ),
        Mistake(
            "le gradient est multiplié par 1 − rate : il faut diviser.",
            lambda grad_out, mask, rate: grad_out * mask * (1 - rate),
        ),
        Mistake(
            "le masque est ignoré : seules les unités conservées en avant "
            "reçoivent un gradient.",
            lambda grad_out, mask, rate: grad_out / (1 - rate),
        ),
        Mistake(
            "un nouveau masque est tiré : la rétropropagation doit réutiliser le "
            "masque de la passe avant.",
            test=_new_mask,
        ),
    ],
)
