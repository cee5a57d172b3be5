"""Checks of chapter 08, initialisers: the reference, Keras's own initialisers
and other correct ways of drawing pass; every listed mistake, written here as a
learner would, fails with its hint."""

import math
import time

import numpy as np
import pytest

from grader import NotAttempted, verifier
from grader.exercises import initializers as checks
from solutions import initializers as init
from tests.conftest import fail_message as _fail

NAMES = ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal"]
TRUNC = 0.87962566103423978


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_and_stub_is_not_attempted(name):
    verifier(name, getattr(init, name), hidden=True)

    def stub(fan_in, fan_out, rng):
        raise NotImplementedError()

    with pytest.raises(NotAttempted):
        verifier(name, stub)


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_many_hidden_gradings(name):
    # each hidden grading draws 20 random cases from a fresh seed; a correct
    # initialiser must never fail (false alarm rate about 1e-7 per grading)
    for _ in range(15):
        verifier(name, getattr(init, name), hidden=True)


def test_constants_of_the_checks():
    assert checks.TRUNC == TRUNC
    assert checks.KURTOSIS["normal"] == pytest.approx(2.3656, abs=1e-4)
    assert checks.BEYOND_ONE_STD["normal"] == pytest.approx(0.3494, abs=1e-4)
    rng = np.random.default_rng(0)  # the constants, seen on a huge sample
    w = init.truncated_normal(2_000_000, 1 / TRUNC, rng)
    assert np.mean(w**2) == pytest.approx(1, abs=3e-3)
    assert np.mean(w**4) == pytest.approx(checks.KURTOSIS["normal"], abs=1e-2)
    assert np.mean(np.abs(w) > 1) == pytest.approx(
        checks.BEYOND_ONE_STD["normal"], abs=2e-3
    )


# -- Keras's initialisers pass the same checks ---------------------------------------
KERAS_NAMES = {
    "glorot_uniform": "GlorotUniform",
    "glorot_normal": "GlorotNormal",
    "he_uniform": "HeUniform",
    "he_normal": "HeNormal",
}


@pytest.mark.parametrize("name", NAMES)
def test_keras_initializers_pass(name):
    keras = pytest.importorskip("keras")
    cls = getattr(keras.initializers, KERAS_NAMES[name])

    def initializer(fan_in, fan_out, rng):
        kernel = cls(seed=int(rng.integers(2**31)))((fan_in, fan_out))
        return keras.ops.convert_to_numpy(kernel).astype(np.float64)

    verifier(name, initializer, hidden=True)


# -- other correct ways of drawing -----------------------------------------------------
def _uniform_from_random(fan_in, fan_out, rng, variance):
    limit = math.sqrt(3 * variance)
    return (2 * rng.random((fan_in, fan_out)) - 1) * limit


def _normal_oversample(fan_in, fan_out, rng, variance):
    std = math.sqrt(variance) / TRUNC
    n = fan_in * fan_out
    kept = np.empty(0)
    while kept.size < n:
        draw = rng.normal(0.0, std, size=2 * n)
        kept = np.concatenate([kept, draw[np.abs(draw) <= 2 * std]])
    return kept[:n].reshape(fan_in, fan_out)


def _normal_loop(fan_in, fan_out, rng, variance):
    std = math.sqrt(variance) / TRUNC
    w = rng.normal(0.0, std, size=(fan_in, fan_out))
    while True:
        bad = np.abs(w) > 2 * std
        if not bad.any():
            return w
        w = np.where(bad, rng.normal(0.0, std, size=w.shape), w)


def _glorot_var(fan_in, fan_out):
    return 2 / (fan_in + fan_out)


def _he_var(fan_in, fan_out):
    return 2 / fan_in


def _variant(draw, var):
    def initializer(fan_in, fan_out, rng):
        return draw(fan_in, fan_out, rng, var(fan_in, fan_out))

    return initializer


@pytest.mark.parametrize(
    "name, initializer",
    [
        ("glorot_uniform", _variant(_uniform_from_random, _glorot_var)),
        ("he_uniform", _variant(_uniform_from_random, _he_var)),
        ("glorot_normal", _variant(_normal_oversample, _glorot_var)),
        ("glorot_normal", _variant(_normal_loop, _glorot_var)),
        ("he_normal", _variant(_normal_oversample, _he_var)),
        ("he_normal", _variant(_normal_loop, _he_var)),
        (
            "glorot_uniform",
            lambda fan_in, fan_out, rng: (
                rng.uniform(-1, 1, size=(fan_out, fan_in)).T
                * np.sqrt(6)
                / np.sqrt(fan_in + fan_out)
            ),
        ),
    ],
)
def test_other_correct_implementations_pass(name, initializer):
    verifier(name, initializer, hidden=True)


def test_scipy_truncnorm_passes():
    stats = pytest.importorskip("scipy.stats")

    def he_normal(fan_in, fan_out, rng):
        std = np.sqrt(2 / fan_in) / TRUNC
        return stats.truncnorm(-2, 2, scale=std).rvs(
            (fan_in, fan_out), random_state=rng
        )

    verifier("he_normal", he_normal, hidden=True)


# -- mistakes ------------------------------------------------------------------------
def _uniform(scale=1.0, mode="fan_avg", transpose=False, low=-1.0):
    """A uniform initialiser with a learner's mistake."""

    def initializer(fan_in, fan_out, rng):
        var = {
            "fan_avg": 2 / (fan_in + fan_out),
            "fan_in": 2 / fan_in,
            "fan_out": 2 / fan_out,
            "lecun": 1 / fan_in,
        }[mode]
        limit = scale * np.sqrt(3 * var)
        shape = (fan_out, fan_in) if transpose else (fan_in, fan_out)
        return rng.uniform(low * limit, limit, size=shape)

    return initializer


def _normal(scale=1.0, mode="fan_avg", transpose=False, truncate="redraw",
            correct=True):  # fmt: skip
    """A truncated-normal initialiser with a learner's mistake."""

    def initializer(fan_in, fan_out, rng):
        var = {
            "fan_avg": 2 / (fan_in + fan_out),
            "fan_in": 2 / fan_in,
            "fan_out": 2 / fan_out,
            "lecun": 1 / fan_in,
        }[mode]
        std = scale * np.sqrt(var) / (TRUNC if correct else 1.0)
        shape = (fan_out, fan_in) if transpose else (fan_in, fan_out)
        w = rng.normal(0.0, std, size=shape)
        if truncate == "clip":
            return np.clip(w, -2 * std, 2 * std)
        while truncate == "redraw" and np.any(np.abs(w) > 2 * std):
            bad = np.abs(w) > 2 * std
            w[bad] = rng.normal(0.0, std, size=int(bad.sum()))
        return w

    return initializer


FACTOR_4 = "le facteur 4 appartient à la sigmoïde (logistique)"
SHAPE = "la forme est inversée"
SQRT3 = math.sqrt(3)


@pytest.mark.parametrize(
    "name, initializer, hint",
    [
        # shape (fan_out, fan_in)
        ("glorot_uniform", _uniform(transpose=True), SHAPE),
        ("glorot_normal", _normal(transpose=True), SHAPE),
        ("he_uniform", _uniform(mode="fan_in", transpose=True), SHAPE),
        ("he_normal", _normal(mode="fan_in", transpose=True), SHAPE),
        # He with fan_out
        ("he_uniform", _uniform(mode="fan_out"), "au lieu de 2/fan_in"),
        ("he_normal", _normal(mode="fan_out"), "au lieu de 2/fan_in"),
        # the factor 4 of the logistic function
        ("glorot_uniform", _uniform(scale=4), FACTOR_4),
        ("glorot_normal", _normal(scale=4), FACTOR_4),
        # uniform limit computed from the normal std, and an extra sqrt(3)
        ("glorot_uniform", _uniform(scale=1 / SQRT3), "calculée comme l'écart type"),
        ("he_uniform", _uniform(scale=1 / SQRT3, mode="fan_in"), "r = √(3 × 2/fan_in)"),
        ("glorot_uniform", _uniform(scale=SQRT3), "une fois de trop par √3"),
        ("he_uniform", _uniform(scale=SQRT3, mode="fan_in"), "une fois de trop par √3"),
        # normal std computed from the uniform limit
        ("glorot_normal", _normal(scale=SQRT3), "celui de la formule de la borne"),
        ("he_normal", _normal(scale=SQRT3, mode="fan_in"), "celui de la formule"),
        # no truncation at all, with or without the std correction
        ("glorot_normal", _normal(truncate=None, correct=False), "sans troncature"),
        ("glorot_normal", _normal(truncate=None), "sans troncature"),
        ("he_normal", _normal(mode="fan_in", truncate=None), "sans troncature"),
        # truncation without the 0.8796 correction
        ("glorot_normal", _normal(correct=False), "0.87962566103423978"),
        ("he_normal", _normal(mode="fan_in", correct=False), "0.87962566103423978"),
        # clipped instead of drawn again
        ("glorot_normal", _normal(truncate="clip"), "(np.clip)"),
        # LeCun's 1/fan_in, Glorot's formula for He
        ("he_uniform", _uniform(mode="lecun"), "initialisation de LeCun"),
        ("he_normal", _normal(mode="lecun"), "initialisation de LeCun"),
        ("he_uniform", _uniform(), "celle de Glorot"),
        ("he_normal", _normal(), "celle de Glorot"),
        # the wrong family at the right variance
        ("glorot_normal", _uniform(), "loi uniforme (aplatissement"),
        ("he_normal", _uniform(mode="fan_in"), "loi uniforme (aplatissement"),
        ("glorot_uniform", _normal(), "loi en cloche"),
        ("he_uniform", _normal(mode="fan_in", truncate=None), "loi en cloche"),
        # [0, r] instead of [-r, r]
        ("glorot_uniform", _uniform(low=0.0), "pas centrés en 0"),
    ],
)  # fmt: skip
def test_mistakes_are_named(name, initializer, hint):
    message = _fail(name, initializer)
    assert hint in message.split("Indice : ", 1)[1], message


def test_messages_say_what_is_wrong():
    message = _fail("he_normal", _normal(mode="fan_in", correct=False))
    assert "grand échantillon 500 × 100" in message
    assert "Variance : 0.004 attendue" in message and "0.77" in message
    message = _fail("glorot_normal", _normal(truncate=None))
    assert "Bornes :" in message and "dépassent la borne" in message
    message = _fail("glorot_normal", _uniform())
    assert "Bornes :" in message and "loin de la borne" in message
    message = _fail("glorot_uniform", _uniform(low=0.0))
    assert "Moyenne :" in message
    message = _fail("glorot_uniform", _uniform(transpose=True))
    assert "petite matrice 3 × 5" in message and "(3, 5) attendue" in message


def test_distribution_shape_is_checked_at_equal_bounds_and_variance():
    # half uniform, half at ±0.999 std: right bound, maximum, mean and variance
    def glorot_uniform(fan_in, fan_out, rng):
        limit = np.sqrt(6 / (fan_in + fan_out))
        w = rng.uniform(-limit, limit, size=(fan_in, fan_out))
        std = limit / np.sqrt(3)
        atoms = np.where(rng.random(w.shape) < 0.5, -0.999, 0.999) * std
        return np.where(rng.random(w.shape) < 0.5, w, atoms)

    message = _fail("glorot_uniform", glorot_uniform)
    assert (
        "Forme de la loi : 21" in message and "une loi uniforme en donne 42" in message
    )


def test_float32_is_refused():
    def glorot_uniform(fan_in, fan_out, rng):
        return init.glorot_uniform(fan_in, fan_out, rng).astype(np.float32)

    assert "Dtype : float64 attendu, float32 obtenu" in _fail(
        "glorot_uniform", glorot_uniform
    )


def test_global_random_state_is_refused():
    def he_uniform(fan_in, fan_out, rng):
        limit = np.sqrt(6 / fan_in)
        return np.random.uniform(-limit, limit, size=(fan_in, fan_out))

    message = _fail("he_uniform", he_uniform)
    assert "même graine 11 (reproductibilité)" in message
    assert "jamais avec np.random.uniform" in message


def test_fixed_seed_inside_is_refused():
    def he_normal(fan_in, fan_out, rng):
        return init.he_normal(fan_in, fan_out, np.random.default_rng(0))

    message = _fail("he_normal", he_normal)
    assert "graine 12" in message and "le hasard doit venir de rng" in message


@pytest.mark.parametrize("name", NAMES)
def test_hidden_check_is_fast(name):
    start = time.perf_counter()
    verifier(name, getattr(init, name), hidden=True)
    assert time.perf_counter() - start < 0.5
