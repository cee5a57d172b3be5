"""Checks of chapter 08, activations: the reference and other correct ways pass;
every listed mistake, written here as a learner would, fails with its hint."""

import re

import nbformat
import numpy as np
import pytest

from grader import NotAttempted, verifier
from grader.check import Outcome
from grader.engine import suspicion
from grader.exercises import EXERCISES
from grader.runner import call
from solutions import activations as act
from tests.conftest import fail_message as _fail

NAMES = ["sigmoid", "sigmoid_derivative", "tanh", "tanh_derivative", "relu",
         "relu_derivative"]  # fmt: skip
OVERFLOW = "Dépassement de capacité"


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_and_stub_is_not_attempted(name):
    verifier(name, getattr(act, name), hidden=True)

    def stub(x):
        raise NotImplementedError()

    with pytest.raises(NotAttempted):
        verifier(name, stub)


def test_underflow_warnings_are_not_failures():
    # exp(-1000) underflows to 0, harmlessly: the reference itself warns
    result = call(act.sigmoid, {"x": np.array([-1000.0, 1000.0])})
    assert any("underflow" in w for w in result["warnings"])
    verifier("sigmoid", act.sigmoid)


# -- other correct implementations --------------------------------------------------
def _sigmoid_masks(x):
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1 + e)
    return out


def _sigmoid_logaddexp(x):
    return np.exp(-np.logaddexp(0, -x))


def _tanh_from_sigmoid(x):
    return 2 * _sigmoid_masks(2 * x) - 1


def _tanh_where(x):
    e = np.exp(-2 * np.abs(x))
    t = (1 - e) / (1 + e)
    return np.where(x < 0, -t, t)


@pytest.mark.parametrize(
    "name, function",
    [
        ("sigmoid", _sigmoid_masks),
        ("sigmoid", _sigmoid_logaddexp),
        ("sigmoid_derivative", lambda x: _sigmoid_masks(x) * (1 - _sigmoid_masks(x))),
        ("tanh", _tanh_from_sigmoid),
        ("tanh", _tanh_where),
        ("tanh_derivative", lambda x: 1 - _tanh_from_sigmoid(x) ** 2),
        ("tanh_derivative", lambda x: 4 * act.sigmoid_derivative(2 * x)),
        ("relu", lambda x: x * (x > 0)),
        ("relu", lambda x: np.where(x > 0, x, 0.0)),
        ("relu_derivative", lambda x: np.heaviside(x, 0)),
        ("relu_derivative", lambda x: np.where(x > 0, 1.0, 0.0).astype(x.dtype)),
    ],
)
def test_other_correct_implementations_pass(name, function):
    verifier(name, function, hidden=True)


# -- overflow ---------------------------------------------------------------------
def _naive_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _where_sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def _exp_ratio_sigmoid(x):
    return np.exp(x) / (1 + np.exp(x))


def _clipped_sigmoid(x):  # safe in float64, not in float32 (exp overflows at 88.7)
    return 1 / (1 + np.exp(-np.clip(x, -500, 500)))


@pytest.mark.parametrize(
    "name, function, label",
    [
        ("sigmoid", _naive_sigmoid, "valeurs extrêmes (float64)"),
        ("sigmoid", _where_sigmoid, "valeurs extrêmes (float64)"),
        ("sigmoid", _exp_ratio_sigmoid, "valeurs extrêmes (float64)"),
        ("sigmoid", _clipped_sigmoid, "float32"),
        (
            "sigmoid_derivative",
            lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2,
            "valeurs extrêmes",
        ),
        (
            "tanh",
            lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)),
            "valeurs extrêmes",
        ),
        ("tanh", lambda x: 2 * _naive_sigmoid(2 * x) - 1, "valeurs extrêmes"),
        (
            "tanh_derivative",
            lambda x: 4 / (np.exp(x) + np.exp(-x)) ** 2,
            "valeurs extrêmes",
        ),
    ],
)
def test_overflow_fails_even_with_right_values(name, function, label):
    with np.errstate(all="ignore"):
        message = _fail(name, function)
    assert OVERFLOW in message and "overflow encountered" in message
    assert label in message
    assert "np.where(condition, a, b) calcule a et b" in message


def test_naive_sigmoid_gives_the_right_values():
    # the overflow check is the only thing that catches it
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(_naive_sigmoid(x), act.sigmoid(x), rtol=1e-15)
    assert "np.exp(t) déborde" in _fail("sigmoid", _naive_sigmoid)


def test_overflow_is_judged_on_the_outcome_the_sandbox_sends():
    exercise = EXERCISES["sigmoid"]
    case = exercise.readable_cases[1]
    value = act.sigmoid(case.kwargs["x"])
    exercise.judge(
        case, Outcome(value=value, warnings=["underflow encountered in exp"])
    )
    with pytest.raises(AssertionError, match=OVERFLOW):
        exercise.judge(
            case, Outcome(value=value, warnings=["overflow encountered in exp"])
        )


# -- wrong values -----------------------------------------------------------------
def _s(x):
    return act.sigmoid(x)


def _sigmoid_abs(x):
    z = np.exp(-np.abs(x))
    return 1 / (1 + z)


@pytest.mark.parametrize(
    "name, function, hint",
    [
        ("sigmoid", lambda x: act.sigmoid(-x), "vous calculez σ(−x)"),
        ("sigmoid", _sigmoid_abs, "il faut deux branches"),
        ("sigmoid_derivative", lambda x: _s(x) * (1 + _s(x)), "avec un signe moins"),
        ("sigmoid_derivative", lambda x: x * (1 - x), "par rapport à x"),
        ("sigmoid_derivative", lambda x: 1 - _s(x) ** 2, "c'est la forme de celle"),
        ("sigmoid_derivative", _s, "vous renvoyez σ(x) elle-même"),
        ("tanh", lambda x: 2 * _s(x) - 1, "l'argument de σ est 2x"),
        ("tanh", lambda x: _s(2 * x), "tanh va de −1 à 1"),
        ("tanh", lambda x: act.tanh(np.abs(x)), "multipliez-la par np.sign(x)"),
        ("tanh_derivative", lambda x: 1 - x**2, "par rapport à x"),
        ("tanh_derivative", lambda x: 1 - act.tanh(x), "il manque le carré"),
        (
            "tanh_derivative",
            lambda x: 2 * act.sigmoid_derivative(2 * x),
            "il manque un facteur 2",
        ),
        ("relu", lambda x: np.minimum(x, 0), "vous gardez les valeurs négatives"),
        ("relu", lambda x: (x > 0).astype(x.dtype), "vous renvoyez la dérivée"),
        (
            "relu_derivative",
            lambda x: (x >= 0).astype(x.dtype),
            "la convention du cours, celle de TensorFlow",
        ),
        ("relu_derivative", lambda x: np.maximum(x, 0), "la dérivée vaut 1 (pas x)"),
        ("relu_derivative", lambda x: np.sign(x), "sa dérivée vaut 0, pas −1"),
    ],
)
def test_mistakes_are_named(name, function, hint):
    message = _fail(name, function)
    assert hint in message.split("Indice : ", 1)[1]


def test_relu_derivative_at_zero_is_seen_on_the_first_case():
    message = _fail("relu_derivative", lambda x: (x >= 0).astype(x.dtype))
    assert "(petit tableau)" in message and "ReLU'(0) = 0" in message


# -- dtype and in-place changes ---------------------------------------------------
@pytest.mark.parametrize(
    "name, function",
    [
        ("relu_derivative", lambda x: (x > 0) * 1.0),
        ("relu", lambda x: np.maximum(x, 0).astype(float)),
        ("sigmoid", lambda x: act.sigmoid(x.astype(np.float64))),
    ],
)
def test_float32_must_stay_float32(name, function):
    message = _fail(name, function)
    assert "Dtype : float32 attendu (celui de x), float64 obtenu" in message
    assert ".astype(x.dtype)" in message


def test_boolean_derivative_is_a_dtype_failure():
    message = _fail("relu_derivative", lambda x: x > 0)
    assert "Dtype : float64 attendu (celui de x), bool obtenu" in message


def test_relu_in_place_is_refused():
    def relu(x):
        x[x < 0] = 0
        return x

    assert "modifié en place son argument `x`" in _fail("relu", relu)


# -- a library doing the work makes the exercise suspect ---------------------------
def _cell(name, source):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": name, "solution": True, "grade": False}
    return cell


@pytest.mark.parametrize(
    "name, source",
    [
        ("tanh", "def tanh(x):\n    return np.tanh(x)"),
        ("tanh_derivative", "def tanh_derivative(x):\n    return 1 - np.tanh(x)**2"),
        ("sigmoid", "from scipy.special import expit\nsigmoid = expit"),
        ("sigmoid", "def sigmoid(x):\n    return 0.5 * (1 + math.tanh(x / 2))"),
        ("relu", "import keras\n\ndef relu(x):\n    return keras.ops.relu(x)"),
        ("relu_derivative", "def relu_derivative(x):\n    return tf.cast(x > 0, 'f')"),
        ("sigmoid", "import torch"),
    ],
)  # fmt: skip
def test_library_solutions_are_suspect(name, source):
    nb = nbformat.v4.new_notebook(cells=[_cell(name, source)])
    found = suspicion(nb, {name: EXERCISES[name]})
    assert name in found and "fait le travail demandé" in found[name]


def test_own_solutions_are_not_suspect():
    sources = {
        "sigmoid": "def sigmoid(x):\n    z = np.exp(-np.abs(x))\n    return z\n",
        "tanh": "def tanh(x):\n    return 2 * sigmoid(2 * x) - 1\n",
        "tanh_derivative": "def tanh_derivative(x):\n    return 1 - tanh(x) ** 2\n",
        "relu": "def relu(x):\n    return np.maximum(x, 0)\n",
    }
    nb = nbformat.v4.new_notebook(cells=[_cell(n, s) for n, s in sources.items()])
    assert suspicion(nb, {n: EXERCISES[n] for n in sources}) == {}
    assert re.search(EXERCISES["tanh"].forbidden, "np.tanh(x)")


# -- the same verdicts when the learner's code runs in the sandbox -----------------
def _graded(sources):
    """Verdicts of a small notebook graded by the engine (learner's code confined)."""
    from grader.engine import grade_notebook

    cells = [nbformat.v4.new_code_cell("import numpy as np")]
    for name, source in sources.items():
        cells.append(_cell(name, source))
        test = nbformat.v4.new_code_cell(f'verifier("{name}", {name})')
        test.metadata["nbgrader"] = {"grade_id": f"test_{name}", "grade": True,
                                     "solution": False, "points": 1}  # fmt: skip
        cells.append(test)
    return grade_notebook(nbformat.v4.new_notebook(cells=cells)).verdicts


def test_overflow_and_reproducibility_are_seen_through_the_sandbox():
    verdicts = _graded({
        "sigmoid": "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))",
        "relu": "def relu(x):\n    return np.maximum(x, 0)",
        "tanh": "def tanh(x):\n    return 2 / (1 + np.exp(-2 * x)) - 1",
        "he_uniform": (
            "def he_uniform(fan_in, fan_out, rng):\n"
            "    r = np.sqrt(6 / fan_in)\n"
            "    return np.random.uniform(-r, r, size=(fan_in, fan_out))"
        ),
    })  # fmt: skip
    assert verdicts["relu"].status == "réussi"
    for name in ("sigmoid", "tanh"):
        assert verdicts[name].status == "échoué"
        assert OVERFLOW in verdicts[name].message
    assert verdicts["he_uniform"].status == "échoué"
    assert "Reproductibilité" in verdicts["he_uniform"].message
