"""Checks of chapter 09: the reference passes; correct implementations written
differently pass; every listed mistake, written here as a learner would, fails
with the hint that names it; the stub is "non traité". Also the dict support
of ``FunctionExercise._compare_nested``, ``describe`` and ``_matches``."""

import time

import numpy as np
import pytest

from grader import CheckFailed, NotAttempted, verifier
from grader.check import Case, FunctionExercise, _matches, describe
from grader.exercises import EXERCISES
from grader.exercises import batch_normalization as checks
from solutions import batch_normalization as bn
from tests.conftest import fail_message as _fail

NAMES = ["batchnorm_forward", "batchnorm_backward"]


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_fast_and_stub_is_not_attempted(name):
    start = time.perf_counter()
    verifier(name, getattr(bn, name), hidden=True)
    assert time.perf_counter() - start < 1.0

    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotAttempted):
        verifier(name, stub)


def test_cases_use_hyperparameters_other_than_the_defaults():
    cases = checks.batchnorm_forward.cases(seed=0, n_random=50)
    assert {c.kwargs["training"] for c in cases} == {True, False}
    for case in cases:
        assert case.kwargs["momentum"] != 0.99 and case.kwargs["epsilon"] != 1e-3


def test_backward_cases_hold_consistent_caches():
    for case in checks.batchnorm_backward.cases(seed=1, n_random=30):
        cache, grad_out = case.kwargs["cache"], case.kwargs["grad_out"]
        x_hat, inv_std = cache["x_hat"], cache["inv_std"]
        assert x_hat.shape == grad_out.shape and inv_std.shape == x_hat.shape[1:]
        np.testing.assert_allclose(x_hat.mean(axis=0), 0, atol=1e-12)
        # var(x_hat) = var / (var + eps) = 1 - eps * inv_std**2: eps is recovered
        variance = x_hat.var(axis=0)
        assert np.all(variance > 0) and np.all(variance <= 1)
        epsilon = (1 - variance) / inv_std**2
        assert np.all(epsilon > 0.9e-5) and np.all(epsilon < 0.11)


def test_variants_with_default_flags_are_the_reference():
    rng = np.random.default_rng(0)
    for _ in range(100):
        kwargs = checks._random_forward(rng)
        assert _matches(
            bn.batchnorm_forward(**kwargs), checks.forward_variant(**kwargs)
        )
        kwargs = checks._random_backward(rng)
        assert _matches(
            bn.batchnorm_backward(**kwargs), checks.backward_variant(**kwargs)
        )


# -- batchnorm_forward, written as learners would ----------------------------------
def _forward(
    ddof=0, eps="inside", ignore_training=False, moving_in_training=False,
    swap=False, torch_variance=False, update_always=False, cache_std=False,
):  # fmt: skip
    def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.99,
                          epsilon=1e-3):  # fmt: skip
        m = x.shape[0]
        new_state = dict(state)
        if training or ignore_training:
            mean = np.sum(x, axis=0) / m
            variance = np.sum((x - mean) ** 2, axis=0) / (m - ddof)
            unbiased = variance * (m - ddof) / (m - 1)
            stored = unbiased if torch_variance else variance
            a, b = (1 - momentum, momentum) if swap else (momentum, 1 - momentum)
            new_state = {
                "moving_mean": a * state["moving_mean"] + b * mean,
                "moving_variance": a * state["moving_variance"] + b * stored,
            }
            if moving_in_training:
                mean, variance = state["moving_mean"], state["moving_variance"]
        else:
            mean, variance = state["moving_mean"], state["moving_variance"]
            if update_always:
                new_state = {
                    "moving_mean": momentum * mean + (1 - momentum) * x.mean(axis=0),
                    "moving_variance": momentum * variance
                    + (1 - momentum) * x.var(axis=0),
                }
        if eps == "inside":
            std = np.sqrt(variance + epsilon)
        elif eps == "outside":
            std = np.sqrt(variance) + epsilon
        else:
            std = np.sqrt(variance)
        x_hat = (x - mean) / std
        cache = {"x_hat": x_hat, "inv_std": std if cache_std else 1 / std,
                 "gamma": gamma}  # fmt: skip
        return gamma * x_hat + beta, new_state, cache

    return batchnorm_forward


def test_forward_written_by_hand_passes():
    verifier("batchnorm_forward", _forward(), hidden=True)


def test_forward_with_moments_and_shared_state_passes():
    """Variance as E[x²] − E[x]², x_hat by multiplication, and in inference the
    state dict returned as given (the same values)."""

    def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.99,
                          epsilon=1e-3):  # fmt: skip
        if not training:
            scale = (state["moving_variance"] + epsilon) ** -0.5
            x_hat = (x - state["moving_mean"]) * scale
            return gamma * x_hat + beta, state, dict(x_hat=x_hat, inv_std=scale,
                                                     gamma=gamma)  # fmt: skip
        mu = x.mean(axis=0)
        var = (x**2).mean(axis=0) - mu**2
        scale = (var + epsilon) ** -0.5
        x_hat = (x - mu) * scale
        out = x_hat * gamma + beta
        moving = {}
        for key, value in (("moving_mean", mu), ("moving_variance", var)):
            moving[key] = state[key] + (1 - momentum) * (value - state[key])
        return out, moving, {"gamma": gamma, "inv_std": scale, "x_hat": x_hat}

    verifier("batchnorm_forward", batchnorm_forward, hidden=True)


@pytest.mark.parametrize(
    "flags, hint",
    [
        ({"ddof": 1}, "divisée par m − 1"),
        ({"eps": "outside"}, "epsilon est ajouté hors de la racine"),
        ({"eps": "none"}, "epsilon est oublié"),
        ({"ignore_training": True}, "statistiques du mini-lot : il faut utiliser"),
        ({"moving_in_training": True}, "normalisée avec les moyennes mobiles"),
        ({"swap": True}, "momentum et 1 − momentum sont inversés"),
        ({"torch_variance": True}, "suit la variance non biaisée"),
        ({"update_always": True}, "mises à jour en inférence"),
        ({"cache_std": True}, "contient l'écart type"),
    ],
)
def test_forward_mistakes(flags, hint):
    with np.errstate(all="ignore"):
        assert hint in _fail("batchnorm_forward", _forward(**flags))


def test_momentum_swapped_on_the_moving_mean_only_gets_the_hint():
    def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.99,
                          epsilon=1e-3):  # fmt: skip
        out, new_state, cache = bn.batchnorm_forward(
            x, gamma, beta, state, training, momentum, epsilon
        )
        if training:
            new_state["moving_mean"] = (1 - momentum) * state[
                "moving_mean"
            ] + momentum * x.mean(axis=0)
        return out, new_state, cache

    message = _fail("batchnorm_forward", batchnorm_forward)
    assert "`new_state`['moving_mean'] — Valeurs" in message
    assert "momentum et 1 − momentum sont inversés" in message


def test_forward_mistakes_combined_still_get_a_hint():
    message = _fail("batchnorm_forward", _forward(swap=True, cache_std=True))
    assert "momentum et 1 − momentum sont inversés" in message


def test_epsilon_outside_fails_on_the_small_variance_case():
    """Outside the root, epsilon matters most when the variance is small: the
    readable case with variances below epsilon shows it by a wide margin."""
    check = checks.batchnorm_forward
    case = check.readable_cases[2]
    assert np.all(case.kwargs["x"].var(axis=0) < case.kwargs["epsilon"])
    outcome = check.run(_forward(eps="outside"), case)
    with pytest.raises(AssertionError, match="hors de la racine"):
        check.judge(case, outcome)


def test_state_mutated_in_place_fails():
    def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.99,
                          epsilon=1e-3):  # fmt: skip
        mu, var = (x.mean(0), x.var(0)) if training else (
            state["moving_mean"], state["moving_variance"])  # fmt: skip
        if training:
            state["moving_mean"] *= momentum
            state["moving_mean"] += (1 - momentum) * mu
            state["moving_variance"] *= momentum
            state["moving_variance"] += (1 - momentum) * var
        inv_std = 1 / np.sqrt(var + epsilon)
        x_hat = (x - mu) * inv_std
        return gamma * x_hat + beta, state, {"x_hat": x_hat, "inv_std": inv_std,
                                             "gamma": gamma}  # fmt: skip

    assert "a modifié en place son argument `state`" in _fail(
        "batchnorm_forward", batchnorm_forward
    )


def test_cache_with_other_keys_fails_naming_them():
    def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.99,
                          epsilon=1e-3):  # fmt: skip
        out, new_state, cache = bn.batchnorm_forward(
            x, gamma, beta, state, training, momentum, epsilon
        )
        cache["x_norm"] = cache.pop("x_hat")
        return out, new_state, cache

    message = _fail("batchnorm_forward", batchnorm_forward)
    assert "Structure : `cache` doit avoir les clés" in message
    assert "clé(s) manquante(s) : 'x_hat'" in message
    assert "clé(s) en trop : 'x_norm'" in message


def test_wrong_moving_variance_names_the_key():
    def batchnorm_forward(x, gamma, beta, state, training=True, momentum=0.99,
                          epsilon=1e-3):  # fmt: skip
        out, new_state, cache = bn.batchnorm_forward(
            x, gamma, beta, state, training, momentum, epsilon
        )
        new_state["moving_variance"] = new_state["moving_variance"] ** 2
        return out, new_state, cache

    message = _fail("batchnorm_forward", batchnorm_forward)
    assert "\n`new_state`['moving_variance'] — Valeurs" in message


# -- batchnorm_backward, written as learners would ----------------------------------
def test_backward_step_by_step_passes():
    """The chain rule written out through mu and var, as in CS231n: x − mu and
    var + epsilon are recovered from the cache."""

    def batchnorm_backward(grad_out, cache):
        x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
        m = grad_out.shape[0]
        centred = x_hat / inv_std  # x - mu
        grad_x_hat = grad_out * gamma
        grad_var = np.sum(grad_x_hat * centred, axis=0) * -0.5 * inv_std**3
        grad_mu = np.sum(-grad_x_hat * inv_std, axis=0) + grad_var * np.mean(
            -2 * centred, axis=0
        )
        grad_x = grad_x_hat * inv_std + grad_var * 2 * centred / m + grad_mu / m
        return grad_x, np.sum(grad_out * x_hat, axis=0), np.sum(grad_out, axis=0)

    verifier("batchnorm_backward", batchnorm_backward, hidden=True)


def test_backward_through_the_jacobian_passes():
    """Per unit, the Jacobian of x_hat with respect to x, built explicitly."""

    def batchnorm_backward(grad_out, cache):
        x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
        m, n = grad_out.shape
        grad_x = np.empty_like(grad_out)
        for j in range(n):
            h = x_hat[:, j]
            jac = inv_std[j] * (np.eye(m) - 1 / m - np.outer(h, h) / m)
            grad_x[:, j] = jac.T @ (gamma[j] * grad_out[:, j])
        return grad_x, (grad_out * x_hat).sum(0), grad_out.sum(0)

    verifier("batchnorm_backward", batchnorm_backward, hidden=True)


def _right(g, h, s, gamma, m, d_gamma, d_beta):
    return gamma * s / m * (m * g - d_beta - h * d_gamma)


def _backward(
    grad_x=_right,
    grad_gamma=lambda g, h: (g * h).sum(axis=0),
    grad_beta=lambda g, h: g.sum(axis=0),
):
    """A learner's backward pass, built from its three formulas."""

    def batchnorm_backward(grad_out, cache):
        x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
        m = grad_out.shape[0]
        d_gamma, d_beta = grad_gamma(grad_out, x_hat), grad_beta(grad_out, x_hat)
        return (
            grad_x(grad_out, x_hat, inv_std, gamma, m, d_gamma, d_beta),
            d_gamma,
            d_beta,
        )

    return batchnorm_backward


@pytest.mark.parametrize(
    "backward, hint",
    [
        (_backward(lambda g, h, s, gamma, m, dg, db: g * gamma * s),
         "il manque les termes qui passent par la moyenne et la variance"),
        (_backward(lambda g, h, s, gamma, m, dg, db: gamma * s * (g - h * dg / m)),
         "il manque le terme qui passe par la moyenne"),
        (_backward(lambda g, h, s, gamma, m, dg, db: gamma * s * (g - db / m)),
         "il manque le terme qui passe par la variance"),
        (_backward(lambda g, h, s, gamma, m, dg, db: s / m * (m * g - db - h * dg)),
         "γ manque dans grad_x"),
        (_backward(_right, grad_gamma=lambda g, h: g.sum(axis=0)),
         "grad_gamma oublie x_hat"),
        (_backward(_right, grad_beta=lambda g, h: np.sum(g)),
         "somme sur le mauvais axe"),
    ],
)  # fmt: skip
def test_backward_mistakes(backward, hint):
    assert hint in _fail("batchnorm_backward", backward)


def test_backward_summing_over_units_gets_the_axis_hint():
    """Summed over axis 1, grad_beta has shape (m,) and grad_x cannot be
    broadcast: the call raises ValueError, and the hint names the axes."""

    def batchnorm_backward(grad_out, cache):
        x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
        m = grad_out.shape[0]
        grad_beta = np.sum(grad_out, axis=1)
        grad_gamma = np.sum(grad_out * x_hat, axis=1)
        grad_x = gamma * inv_std / m * (m * grad_out - grad_beta - x_hat * grad_gamma)
        return grad_x, grad_gamma, grad_beta

    message = _fail("batchnorm_backward", batchnorm_backward)
    assert "l'appel a levé ValueError" in message
    assert "somment sur les observations (axis=0)" in message


def test_backward_with_only_a_wrong_axis_in_the_output_gets_the_hint():
    def batchnorm_backward(grad_out, cache):
        grad_x, grad_gamma, _ = bn.batchnorm_backward(grad_out, cache)
        return grad_x, grad_gamma, grad_out.sum(axis=1)

    assert "somme sur le mauvais axe" in _fail("batchnorm_backward", batchnorm_backward)


# -- dict support of the generic checks ------------------------------------------
def _nested_check():
    return FunctionExercise(
        "essai", lambda: None, [Case("essai", {})], lambda rng: {}, returns="nested"
    )


def test_compare_nested_dicts_key_by_key():
    check = _nested_check()
    expected = {"a": np.zeros(2), "b": [np.ones(1)]}
    assert (
        check._compare_nested(expected, {"a": np.zeros(2), "b": [np.ones(1)]}) is None
    )
    assert "doit être un dict de clés 'a', 'b'" in check._compare_nested(
        expected, [np.zeros(2), np.ones(1)]
    )
    message = check._compare_nested(expected, {"a": np.zeros(2), "c": 1})
    assert "clé(s) manquante(s) : 'b'" in message
    assert "clé(s) en trop : 'c'" in message
    message = check._compare_nested(expected, {"a": np.array([0.0, 1.0]),
                                               "b": [np.ones(1)]})  # fmt: skip
    assert message.startswith("résultat['a'] — Valeurs")
    message = check._compare_nested(expected, {"a": np.zeros(2), "b": [np.ones(2)]})
    assert message.startswith("résultat['b'][0] — Forme")


def test_matches_and_describe_dicts():
    wrong = {"a": np.array([1.0, 2.0]), "b": np.array(3.0)}
    assert _matches(wrong, {"a": np.array([1.0, 2.0]), "b": 3.0})
    assert not _matches(wrong, {"a": np.array([1.0, 2.0])})
    assert not _matches(wrong, {"a": np.array([1.0, 2.5]), "b": 3.0})
    assert not _matches(wrong, [np.array([1.0, 2.0]), 3.0])
    text = describe(wrong)
    assert text.startswith("dict de 2 clé(s) : {'a' : tableau de forme (2,)")
    assert "[1. 2.]" in text
    assert "{'a' : tableau de forme (2,) ; 'b' : tableau de forme ()}" in describe(
        (wrong,)
    )


@pytest.mark.parametrize(
    "name, learner, hint",
    [
        ("batchnorm_forward", _forward(swap=True), "sont inversés"),
        ("batchnorm_forward", _forward(torch_variance=True), "variance non biaisée"),
        ("batchnorm_forward", _forward(cache_std=True), "contient l'écart type"),
        ("batchnorm_backward", _backward(grad_gamma=lambda g, h: g.sum(axis=0)),
         "grad_gamma oublie x_hat"),
    ],
)  # fmt: skip
def test_hints_survive_the_sandbox_encoding(name, learner, hint):
    """In grading, outputs cross the sandbox as plain data (tuples of dicts of
    arrays); the hints must be found on the decoded values too."""
    from grader import runner

    check = EXERCISES[name]
    messages = []
    for case in check.grading_cases():
        outcome = check.run(learner, case)
        outcome.value = runner.decode(runner.encode(outcome.value))
        try:
            check.judge(case, outcome)
        except CheckFailed as failure:
            messages.append(str(failure))
    assert messages and all(hint in m for m in messages)


def test_solution_using_keras_is_suspect_and_the_notebook_is_not():
    import nbformat

    from grader.course import chapters
    from grader.engine import suspicion

    exercises = {name: EXERCISES[name] for name in NAMES}
    nb = nbformat.read(chapters()["09_normalisation_par_lots"].path, as_version=4)
    assert suspicion(nb, exercises) == {}
    for cell in nb.cells:
        if cell.get("id") == "sol-batchnorm_forward":
            cell.source += "\n    keras.layers.BatchNormalization()"
    assert set(suspicion(nb, exercises)) == {"batchnorm_forward"}
