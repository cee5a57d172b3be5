"""Checks of chapter 08 (gradients instables), second half: glorot_uniform,
glorot_normal, he_uniform, he_normal.

A learner may draw in any valid way, so the checks are statistical, on the
learner's own sample (the reference's draw is not compared value by value):

1. a float64 array of shape ``(fan_in, fan_out)``, Keras's kernel shape (the
   only check on the small readable case);
2. on large samples (at least 20 000 values), every ``|w|`` within the bound:
   ``limit = sqrt(3 Var(w))`` for a uniform, ``2 sqrt(Var(w)) / 0.8796`` (two
   standard deviations of the normal before truncation) for a truncated
   normal;
3. then, on the same samples: the mean within ``Z`` standard errors of 0; the
   second moment ``mean(w**2)`` within ``Z`` standard errors of ``Var(w)``,
   the standard error ``Var(w) sqrt((κ - 1) / n)`` coming from the kurtosis κ
   of the distribution (1.8 for a uniform, 2.366 for a normal truncated at 2
   standard deviations); the largest ``|w|`` within 0.5 % of the bound (the
   probability of missing it is below ``e^-20``); and the fraction of ``|w|``
   beyond one standard deviation
   within ``Z`` binomial standard errors of its value (0.423 for a uniform,
   0.349 for the truncated normal, 0.317 for a plain normal), which tells the
   distributions apart at equal variance. ``Z = 6``: a correct
   implementation fails a statistical test with probability about ``2e-9``.

Cases use seeded ``np.random.default_rng`` generators, so a verdict is
reproducible; two calls with the same seed must give the same kernel and two
different seeds different kernels (``rng`` is the only source of randomness).
The statistics of ``keras.initializers`` pass these checks
(``tests/test_checks_initializers.py``).
"""

import math
import threading

import numpy as np

from grader.check import Case, CheckFailed, FunctionExercise, Mistake
from grader.runner import RandomSource
from solutions import initializers as ref

Z = 6.0  # standard errors allowed in each statistical test
MIN_SIZE = 20_000  # below this, only the shape and the dtype are checked
TRUNC = ref.TRUNCATED_NORMAL_STD
_FORBIDDEN = r"\bkeras\b|\btensorflow\b|\btf\.|\btorch\b|\bjax\b"


def _truncated_moments(a=2.0):
    """Second and fourth moments of a standard normal truncated to [-a, a]."""
    mass = math.erf(a / math.sqrt(2))
    density = math.exp(-(a**2) / 2) / math.sqrt(2 * math.pi)
    m2 = 1 - 2 * a * density / mass
    m4 = 3 * m2 - 2 * a**3 * density / mass
    return m2, m4


_M2, _M4 = _truncated_moments()
KURTOSIS = {"uniform": 1.8, "normal": _M4 / _M2**2}
BEYOND_ONE_STD = {  # P(|w| > std) for each distribution
    "uniform": 1 - 1 / math.sqrt(3),
    "normal": 1 - math.erf(TRUNC / math.sqrt(2)) / math.erf(2 / math.sqrt(2)),
}
_FAMILY = {"uniform": "loi uniforme", "normal": "loi normale tronquée"}


def _stats(w):
    """Statistics of a sample, as plain floats."""
    w = np.asarray(w, dtype=float)
    w2 = w * w
    m2 = float(w2.mean())
    return {
        "n": w.size,
        "mean": float(w.mean()),
        "m2": m2,
        "kurtosis": float((w2 * w2).mean()) / m2**2 if m2 > 0 else 0.0,
        "max": float(np.abs(w).max()) if w.size else 0.0,
    }


class InitializerExercise(FunctionExercise):
    """Statistical check of an initialiser (see the module docstring).

    Parameters
    ----------
    name : str
    family : {"uniform", "normal"}
    mode : {"fan_avg", "fan_in"}
        ``Var(w) = 2 / (fan_in + fan_out)`` (Glorot) or ``2 / fan_in`` (He).
    sizes : two (fan_in, fan_out)
        Sizes of the large readable cases.
    mistakes : list of (hint, predicate)
        ``predicate(kwargs, stats, obtained)`` is true when the learner's
        sample looks like the mistake.
    """

    show_expected = False

    def __init__(self, name, family, mode, sizes, mistakes):
        (fi_a, fo_a), (fi_b, fo_b) = sizes
        readable = [
            _case("petite matrice 3 × 5 (forme et dtype)", 3, 5, 17),
            _case(f"grand échantillon {fi_a} × {fo_a}, graine 11", fi_a, fo_a, 11),
            _case("même appel, même graine 11 (reproductibilité)", fi_a, fo_a, 11),
            _case(f"grand échantillon {fi_a} × {fo_a}, graine 12", fi_a, fo_a, 12),
            _case(f"grand échantillon {fi_b} × {fo_b}, graine 13", fi_b, fo_b, 13),
        ]
        super().__init__(
            name,
            getattr(ref, name),
            readable_cases=readable,
            random_case=_random_case,
            mistakes=[
                Mistake(hint, test=_on_sample(predicate))
                for hint, predicate in mistakes
            ],
            forbidden=_FORBIDDEN,
        )
        self.family = family
        self.mode = mode
        self._local = threading.local()  # sample of readable case 1, per thread

    # -- the distribution the exercise asks for ------------------------------
    def variance(self, fan_in, fan_out):
        return 2 / (fan_in + fan_out) if self.mode == "fan_avg" else 2 / fan_in

    def bound(self, fan_in, fan_out):
        std = math.sqrt(self.variance(fan_in, fan_out))
        return math.sqrt(3) * std if self.family == "uniform" else 2 * std / TRUNC

    def _formula(self):
        var = "2/(fan_in + fan_out)" if self.mode == "fan_avg" else "2/fan_in"
        if self.family == "uniform":
            return f"loi uniforme sur [−r, r], r = √(3 × {var}) (variance {var})"
        return (
            f"loi normale tronquée à 2 écarts types, d'écart type final √({var}), "
            f"soit √({var}) / {TRUNC:.4f} avant troncature"
        )

    # -- verdict ---------------------------------------------------------------
    def problem(self, case, expected, obtained):
        fi, fo = case.kwargs["fan_in"], case.kwargs["fan_out"]
        if not isinstance(obtained, np.ndarray):
            return "Type : un tableau numpy (np.ndarray) est attendu."
        if obtained.shape != (fi, fo):
            return (
                f"Forme : ({fi}, {fo}) attendue, c'est-à-dire (fan_in, fan_out), la "
                f"forme du noyau d'une couche Dense de Keras ; {obtained.shape} "
                "obtenue."
            )
        if obtained.dtype != np.float64:
            return f"Dtype : float64 attendu, {obtained.dtype} obtenu."
        if not np.all(np.isfinite(obtained)):
            return "Valeurs : le tableau contient des NaN ou des infinis."
        s = _stats(obtained)
        if s["n"] < MIN_SIZE:
            return None
        bound = self.bound(fi, fo)
        var = self.variance(fi, fo)
        law = self._formula()
        beyond = int(np.sum(np.abs(obtained) > bound * (1 + 1e-6)))
        if beyond:
            return (
                f"Bornes : {beyond} valeur(s) sur {s['n']} dépassent la borne "
                f"{bound:.6g} en valeur absolue (la plus grande vaut {s['max']:.6g}). "
                f"Attendu : {law} ; aucune valeur ne dépasse {bound:.6g}."
            )
        se_mean = math.sqrt(var / s["n"])
        if abs(s["mean"]) > Z * se_mean:
            return (
                f"Moyenne : {s['mean']:.3g} ; les poids doivent être centrés en 0 "
                f"(tolérance : {Z:g} erreurs types, soit {Z * se_mean:.3g})."
            )
        se_var = var * math.sqrt((KURTOSIS[self.family] - 1) / s["n"])
        if abs(s["m2"] - var) > Z * se_var:
            return (
                f"Variance : {var:.6g} attendue (écart type {math.sqrt(var):.6g}), "
                f"{s['m2']:.6g} obtenue, soit {s['m2'] / var:.3f} fois la cible "
                f"(tolérance : {Z:g} erreurs types, soit ±{Z * se_var / var:.1%}). "
                f"Attendu : {law}."
            )
        if s["max"] < bound * (1 - 0.005):
            return (
                f"Bornes : sur {s['n']} tirages, la plus grande valeur |w| vaut "
                f"{s['max']:.6g}, loin de la borne {bound:.6g}. Attendu : {law} ; "
                f"sur autant de tirages, max |w| dépasse {1 - 0.005:g} × "
                f"{bound:.6g} (sauf malchance de probabilité < e^(−20))."
            )
        p = BEYOND_ONE_STD[self.family]
        frac = float(np.mean(np.abs(obtained) > math.sqrt(var)))
        se_frac = math.sqrt(p * (1 - p) / s["n"])
        if abs(frac - p) > Z * se_frac:
            other = "normal" if self.family == "uniform" else "uniform"
            return (
                f"Forme de la loi : {frac:.1%} des poids dépassent un écart type en "
                f"valeur absolue ; une {_FAMILY[self.family]} en donne {p:.1%} "
                f"(une {_FAMILY[other]} {BEYOND_ONE_STD[other]:.1%}, une loi normale "
                f"non tronquée 31,7 %). Tolérance : ±{Z * se_frac:.1%}."
            )
        return None

    def judge(self, case, outcome):
        super().judge(case, outcome)
        # readable cases 1 and 2 (same seed) must agree, 1 and 3 (other seed)
        # differ; cases are judged in order, in one thread per graded notebook
        memory = self._memory
        if case is self.readable_cases[1]:
            memory.first = np.array(outcome.value, copy=True)
        elif case is self.readable_cases[2] and memory.first is not None:
            if not np.array_equal(outcome.value, memory.first):
                memory.first = None
                self._fail_randomness(case, same=True)
        elif case is self.readable_cases[3] and memory.first is not None:
            first, memory.first = memory.first, None
            if np.array_equal(outcome.value, first):
                self._fail_randomness(case, same=False)
        elif case is self.readable_cases[0]:
            memory.first = None

    @property
    def _memory(self):
        if not hasattr(self._local, "first"):
            self._local.first = None
        return self._local

    def _fail_randomness(self, case, same):
        if same:
            text = (
                "Reproductibilité : deux appels avec des générateurs de même graine "
                f"({case.kwargs['rng'].describe()}) donnent des poids différents. "
                "Tirez uniquement avec rng (rng.uniform, rng.normal, "
                "rng.standard_normal…), jamais avec np.random.uniform ou "
                "np.random.normal, qui utilisent un autre générateur."
            )
        else:
            text = (
                "Hasard : deux générateurs de graines différentes (11 et 12) donnent "
                "exactement les mêmes poids : le hasard doit venir de rng ; ne créez "
                "pas de générateur à graine fixe dans la fonction."
            )
        raise CheckFailed(f"{self._header(case)}\n{text}")


def _case(label, fan_in, fan_out, seed):
    return Case(
        label,
        {"fan_in": fan_in, "fan_out": fan_out,
         "rng": RandomSource(seed, generator=True)},
    )  # fmt: skip


def _random_case(rng):
    fan_in = int(rng.integers(60, 700))
    fan_out = max(40, round(float(rng.uniform(40_000, 80_000)) / fan_in))
    return {
        "fan_in": fan_in,
        "fan_out": fan_out,
        "rng": RandomSource(int(rng.integers(2**31)), generator=True),
    }


def _on_sample(predicate):
    """A Mistake test from ``predicate(kwargs, stats, obtained)``, run only on
    finite float arrays."""

    def test(kwargs, obtained):
        if not isinstance(obtained, np.ndarray) or obtained.dtype.kind != "f":
            return False
        if obtained.size == 0 or not np.all(np.isfinite(obtained)):
            return False
        return bool(predicate(kwargs, _stats(obtained), obtained))

    return test


# -- known mistakes, recognised on the learner's sample --------------------------
def _ratio_near(variance, factor, tol=0.05):
    """Sample variance ≈ factor × the target (``variance(fan_in, fan_out)``)."""

    def predicate(kwargs, s, obtained):
        if s["n"] < MIN_SIZE:
            return False
        target = factor(kwargs["fan_in"], kwargs["fan_out"])
        ratio = s["m2"] / variance(kwargs["fan_in"], kwargs["fan_out"])
        return abs(ratio / target - 1) < tol

    return predicate


def _transposed(kwargs, s, obtained):
    fi, fo = kwargs["fan_in"], kwargs["fan_out"]
    return fi != fo and obtained.shape == (fo, fi)


def _kurtosis_near(value, tol):
    return lambda kwargs, s, obtained: (
        s["n"] >= MIN_SIZE and abs(s["kurtosis"] - value) < tol
    )


def _bell_shaped(kwargs, s, obtained):
    """Kurtosis of a (truncated) normal, 2.37 to 3, not the uniform's 1.8."""
    return s["n"] >= MIN_SIZE and s["kurtosis"] > 2.1


def _not_centred(kwargs, s, obtained):
    return s["n"] >= MIN_SIZE and abs(s["mean"]) > 0.3 * math.sqrt(s["m2"])


def _clipped(kwargs, s, obtained):
    at_max = np.abs(obtained) >= s["max"] * (1 - 1e-9)
    return s["n"] >= MIN_SIZE and float(np.mean(at_max)) > 0.005


def _glorot(fi, fo):
    return 2 / (fi + fo)


def _he(fi, fo):
    return 2 / fi


_SHAPE_HINT = (
    "la forme est inversée : le noyau d'une couche Dense de Keras a la forme "
    "(fan_in, fan_out), une ligne par entrée et une colonne par sortie, "
    "car la couche calcule x @ W."
)
_FACTOR_4_HINT = (
    "vos poids sont 4 fois trop grands (variance × 16) : le facteur 4 appartient à "
    "la sigmoïde (logistique), pas à {keras} ni à tanh. Certaines tables "
    "l'attribuent à tort à tanh ; l'initialisation de Keras n'a pas de facteur 4."
)
_UNIFORM_FROM_STD_HINT = (
    "la borne est calculée comme l'écart type de la loi normale, √({var}) : "
    "variance 3 fois trop petite. Une loi uniforme sur [−r, r] a pour variance "
    "r²/3 ; pour une variance {var}, il faut r = √(3 × {var})."
)
_SQRT3_HINT = (
    "la variance est 3 fois trop grande : la borne √(3 × {var}) a été multipliée "
    "une fois de trop par √3 (r = √3 × écart type, et √(3 × {var}) est déjà la "
    "borne, pas l'écart type)."
)
_STD_FROM_LIMIT_HINT = (
    "l'écart type est celui de la formule de la borne uniforme, √(3 × {var}) : "
    "variance 3 fois trop grande. L'écart type visé est √({var})."
)
_NO_TRUNCATION_HINT = (
    "vos poids suivent une loi normale sans troncature : des valeurs dépassent "
    "2 écarts types. Retirez (tirez à nouveau) toutes les valeurs w telles que "
    "|w| > 2σ, σ étant l'écart type avant troncature."
)
_NO_CORRECTION_HINT = (
    "la variance vaut environ 0,774 fois la cible : la troncature à 2 écarts types "
    "réduit l'écart type d'un facteur 0,8796. Divisez l'écart type visé par "
    "0.87962566103423978 avant de tirer et de tronquer."
)
_CLIP_HINT = (
    "beaucoup de valeurs sont exactement égales à la borne : elles ont été "
    "ramenées à la borne (np.clip) au lieu d'être tirées à nouveau."
)
_HE_FAN_OUT_HINT = (
    "la variance vaut 2/fan_out au lieu de 2/fan_in : He utilise le nombre "
    "d'entrées fan_in (fan_in et fan_out inversés ?)."
)
_LECUN_HINT = (
    "la variance vaut 1/fan_in (initialisation de LeCun) : celle de He est "
    "2/fan_in, le facteur 2 compensant la moitié des entrées annulée par ReLU."
)
_GLOROT_FOR_HE_HINT = (
    "la variance vaut 2/(fan_in + fan_out), celle de Glorot : He utilise 2/fan_in."
)
_UNIFORM_NOT_NORMAL_HINT = (
    "vos poids suivent une loi uniforme (aplatissement proche de 1,8) : une loi "
    "normale tronquée est demandée."
)
_NORMAL_NOT_UNIFORM_HINT = (
    "vos poids suivent une loi en cloche (normale ?) : une loi uniforme sur "
    "[−r, r] est demandée (rng.uniform(-r, r, size=...))."
)
_NOT_CENTRED_HINT = (
    "les poids ne sont pas centrés en 0 : tirez dans [−r, r], pas dans [0, r] "
    "(rng.random() donne des nombres de [0, 1[)."
)


def _mistakes(family, mode):
    """The (hint, predicate) pairs of one initialiser, most specific first."""
    variance = _glorot if mode == "fan_avg" else _he
    var = "2/(fan_in + fan_out)" if mode == "fan_avg" else "2/fan_in"
    keras = {
        ("uniform", "fan_avg"): "GlorotUniform",
        ("normal", "fan_avg"): "GlorotNormal",
    }.get((family, mode), "l'initialisation de He")
    found = [(_SHAPE_HINT, _transposed)]
    if mode == "fan_in":
        found += [
            (_HE_FAN_OUT_HINT, _ratio_near(variance, lambda fi, fo: fi / fo)),
            (_LECUN_HINT, _ratio_near(variance, lambda fi, fo: 0.5)),
            (_GLOROT_FOR_HE_HINT, _ratio_near(variance, lambda fi, fo: fi / (fi + fo))),
        ]
    found.append(
        (_FACTOR_4_HINT.format(keras=keras), _ratio_near(variance, lambda fi, fo: 16))
    )
    if family == "uniform":
        found += [
            (_NOT_CENTRED_HINT, _not_centred),
            (_UNIFORM_FROM_STD_HINT.format(var=var),
             _ratio_near(variance, lambda fi, fo: 1 / 3)),
            (_SQRT3_HINT.format(var=var), _ratio_near(variance, lambda fi, fo: 3)),
            (_NORMAL_NOT_UNIFORM_HINT, _bell_shaped),
        ]  # fmt: skip
    else:
        found += [
            (_CLIP_HINT, _clipped),
            (_NO_TRUNCATION_HINT, _kurtosis_near(3.0, 0.25)),
            (_STD_FROM_LIMIT_HINT.format(var=var),
             _ratio_near(variance, lambda fi, fo: 3)),
            (_NO_CORRECTION_HINT, _ratio_near(variance, lambda fi, fo: _M2)),
            (_UNIFORM_NOT_NORMAL_HINT, _kurtosis_near(KURTOSIS["uniform"], 0.15)),
        ]  # fmt: skip
    return found


glorot_uniform = InitializerExercise(
    "glorot_uniform", "uniform", "fan_avg", [(200, 300), (320, 150)],
    _mistakes("uniform", "fan_avg"),
)  # fmt: skip
glorot_normal = InitializerExercise(
    "glorot_normal", "normal", "fan_avg", [(200, 300), (320, 150)],
    _mistakes("normal", "fan_avg"),
)  # fmt: skip
he_uniform = InitializerExercise(
    "he_uniform", "uniform", "fan_in", [(500, 100), (80, 640)],
    _mistakes("uniform", "fan_in"),
)  # fmt: skip
he_normal = InitializerExercise(
    "he_normal", "normal", "fan_in", [(500, 100), (80, 640)],
    _mistakes("normal", "fan_in"),
)  # fmt: skip
