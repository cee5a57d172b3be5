"""Checks of chapter 09 (normalisation par lots): batchnorm_forward,
batchnorm_backward.

The forward check compares the three outputs ``(out, new_state, cache)`` with
the reference; the cache's keys are part of the contract, so that the backward
check can build its own caches (from the reference's forward pass on random
mini-batches: ``x_hat`` really has zero mean and nearly unit variance) and
call the learner's backward pass independently of the learner's forward.

Mistakes are modelled by :func:`forward_variant` and :func:`backward_variant`,
which with their default flags are the reference
(``tests/test_checks_batch_normalization.py`` checks that they agree). A
mistake is recognised on the output it changes (``out``, ``new_state`` or
``cache`` for the forward pass; a dict key by key), so that a learner making
two mistakes, or one on a single key, still gets a hint.
"""

import numpy as np

from grader.check import Case, FunctionExercise, Mistake, _matches
from solutions import batch_normalization as ref

FORBIDDEN = r"\bkeras\b|\btensorflow\b|\btf\.|\btorch\b|\bjax\b"


# -- mistakes, modelled --------------------------------------------------------------
def forward_variant(
    x, gamma, beta, state, training=True, momentum=0.99, epsilon=1e-3,
    ddof=0, eps="inside", inference_stats="moving", training_stats="batch",
    swap=False, moving_ddof=0, update_at_inference=False, cache_std=False,
):  # fmt: skip
    """Batch normalization with a known mistake: ``ddof=1`` (unbiased
    variance), ``eps`` "outside" the root or "none", ``inference_stats="batch"``,
    ``training_stats="moving"``, ``swap`` (momentum and 1 - momentum
    exchanged), ``moving_ddof=1`` (moving average of the unbiased variance),
    ``update_at_inference``, ``cache_std`` (the cache holds the standard
    deviation instead of its inverse)."""
    old_mean, old_var = state["moving_mean"], state["moving_variance"]
    batch_mean, batch_var = x.mean(axis=0), x.var(axis=0, ddof=ddof)
    use_batch = training_stats == "batch" if training else inference_stats == "batch"
    mu, var = (batch_mean, batch_var) if use_batch else (old_mean, old_var)
    if training or update_at_inference:
        keep = 1 - momentum if swap else momentum
        moving_var = x.var(axis=0, ddof=max(ddof, moving_ddof))
        new_state = {
            "moving_mean": keep * old_mean + (1 - keep) * batch_mean,
            "moving_variance": keep * old_var + (1 - keep) * moving_var,
        }
    else:
        new_state = {"moving_mean": old_mean.copy(), "moving_variance": old_var.copy()}
    std = {
        "inside": np.sqrt(var + epsilon),
        "outside": np.sqrt(var) + epsilon,
        "none": np.sqrt(var),
    }[eps]
    with np.errstate(all="ignore"):
        x_hat = (x - mu) / std
    cache = {"x_hat": x_hat, "inv_std": std if cache_std else 1 / std, "gamma": gamma}
    return gamma * x_hat + beta, new_state, cache


def backward_variant(grad_out, cache, mean_term=True, var_term=True,
                     gamma_x_hat=True, use_gamma=True):  # fmt: skip
    """Backward pass with a known mistake: a term through the batch mean
    (``mean_term``) or variance (``var_term``) missing, ``grad_gamma`` without
    ``x_hat`` (``gamma_x_hat=False``), ``gamma`` forgotten in ``grad_x``."""
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    m = grad_out.shape[0]
    grad_beta = grad_out.sum(axis=0)
    grad_gamma = (grad_out * x_hat).sum(axis=0)
    inner = grad_out - mean_term * grad_beta / m - var_term * x_hat * grad_gamma / m
    scale = (gamma if use_gamma else 1.0) * inv_std
    return scale * inner, grad_gamma if gamma_x_hat else grad_beta, grad_beta


def _on_part(reference, variant, part, **flags):
    """Test of a mistake seen on output ``part``: the variant's value there
    differs from the reference's, and the learner's value equals it. A dict
    (``new_state``, ``cache``) is looked at key by key, so that a mistake made
    on one key only (the moving mean, not the variance) is recognised too."""

    def test(kwargs, obtained):
        right = reference(**kwargs)[part]
        wrong = variant(**kwargs, **flags)[part]
        got = obtained[part]
        if isinstance(wrong, dict):
            return isinstance(got, dict) and any(
                not _matches(right[k], wrong[k]) and _matches(wrong[k], got[k])
                for k in wrong
                if k in got
            )
        return not _matches(right, wrong) and _matches(wrong, got)

    return test


# -- batchnorm_forward ----------------------------------------------------------------
class BatchNormForward(FunctionExercise):
    """``(out, new_state, cache)`` compared part by part, dicts key by key."""

    def problem(self, case, expected, obtained):
        names = ", ".join(self.output_names)
        if not isinstance(obtained, tuple | list) or len(obtained) != 3:
            return f"Type : un tuple ({names}) de 3 éléments est attendu."
        for name, exp, got in zip(self.output_names, expected, obtained, strict=True):
            problem = self._compare_nested(exp, got, f"`{name}`")
            if problem:
                return problem
        return None


_X = np.array([[1.0, 2.0, 0.0], [3.0, 6.0, 1.0], [5.0, 4.0, -1.0], [7.0, 0.0, 0.0]])
_GAMMA, _BETA = np.array([1.0, 2.0, 0.5]), np.array([0.0, 1.0, -1.0])
_STATE = {"moving_mean": np.zeros(3), "moving_variance": np.ones(3)}
_LEARNED = {"moving_mean": np.array([3.0, 2.0, 0.5]),
            "moving_variance": np.array([4.0, 9.0, 0.25])}  # fmt: skip
_SMALL = np.array([[2.00, -1.0], [2.01, -1.0], [1.99, -1.02], [2.02, -0.98]])


def _forward_case(label, x, gamma, beta, state, **options):
    return Case(label, {"x": x, "gamma": gamma, "beta": beta, "state": state,
                        **options})  # fmt: skip


def _random_state(rng, n):
    return {
        "moving_mean": rng.normal(size=n),
        "moving_variance": rng.uniform(0.1, 3.0, size=n),
    }


def _random_forward(rng):
    m, n = int(rng.integers(3, 40)), int(rng.integers(1, 8))
    scales = 10 ** rng.uniform(-2, 1, size=n)  # variances from 1e-4 to 100
    return {
        "x": rng.normal(size=(m, n)) * scales + rng.normal(0, 3, size=n),
        "gamma": rng.normal(1.0, 0.5, size=n),
        "beta": rng.normal(size=n),
        "state": _random_state(rng, n),
        "training": bool(rng.random() < 0.6),
        "momentum": float(rng.uniform(0.6, 0.98)),
        "epsilon": float(10 ** rng.uniform(-5, -1)),
    }


FORWARD_OUTPUTS = ("out", "new_state", "cache")
BACKWARD_OUTPUTS = ("grad_x", "grad_gamma", "grad_beta")


def _forward_mistake(hint, part, **flags):
    index = FORWARD_OUTPUTS.index(part)
    return Mistake(hint, test=_on_part(ref.batchnorm_forward, forward_variant,
                                       index, **flags))  # fmt: skip


batchnorm_forward = BatchNormForward(
    "batchnorm_forward",
    ref.batchnorm_forward,
    readable_cases=[
        _forward_case(
            "entraînement, 4 observations de 3 unités, momentum = 0.9, epsilon = 0.01",
            _X,
            _GAMMA,
            _BETA,
            _STATE,
            training=True,
            momentum=0.9,
            epsilon=0.01,
        ),
        _forward_case(
            "inférence, mêmes entrées, moyennes mobiles apprises",
            _X,
            _GAMMA,
            _BETA,
            _LEARNED,
            training=False,
            momentum=0.9,
            epsilon=0.01,
        ),
        _forward_case(
            "entraînement, variances du mini-lot plus petites que epsilon, "
            "momentum = 0.8, epsilon = 0.005",
            _SMALL,
            np.array([1.5, 0.5]),
            np.array([0.2, -0.3]),
            _random_state(np.random.default_rng(9), 2),
            training=True,
            momentum=0.8,
            epsilon=0.005,
        ),
    ],
    random_case=_random_forward,
    returns=("array", "nested", "nested"),
    output_names=FORWARD_OUTPUTS,
    rtol=1e-6,
    atol=1e-9,
    forbidden=FORBIDDEN,
    mistakes=[
        _forward_mistake(
            "la variance du mini-lot est divisée par m − 1 (variance non biaisée) : "
            "la normalisation par lots divise par m (np.var(x, axis=0), ddof=0).",
            "out",
            ddof=1,
        ),
        _forward_mistake(
            "epsilon est ajouté hors de la racine : il faut "
            "(x − μ) / √(σ² + ε), pas (x − μ) / (√σ² + ε).",
            "out",
            eps="outside",
        ),
        _forward_mistake(
            "epsilon est oublié : il faut diviser par √(σ² + ε).", "out", eps="none"
        ),
        _forward_mistake(
            "en inférence (training=False), la sortie est normalisée avec les "
            "statistiques du mini-lot : il faut utiliser moving_mean et "
            "moving_variance.",
            "out",
            inference_stats="batch",
        ),
        _forward_mistake(
            "en entraînement, la sortie est normalisée avec les moyennes mobiles : "
            "il faut la moyenne et la variance du mini-lot.",
            "out",
            training_stats="moving",
        ),
        _forward_mistake(
            "momentum et 1 − momentum sont inversés : momentum est le poids de "
            "l'ANCIENNE valeur, moving_mean = momentum × moving_mean + "
            "(1 − momentum) × μ.",
            "new_state",
            swap=True,
        ),
        _forward_mistake(
            "la moyenne mobile de la variance suit la variance non biaisée "
            "(divisée par m − 1, comme PyTorch) : Keras moyenne la variance du "
            "mini-lot divisée par m.",
            "new_state",
            moving_ddof=1,
        ),
        _forward_mistake(
            "les moyennes mobiles sont mises à jour en inférence : avec "
            "training=False, new_state doit rester égal à state.",
            "new_state",
            update_at_inference=True,
        ),
        _forward_mistake(
            "cache['inv_std'] contient l'écart type √(σ² + ε) : il faut son "
            "inverse, 1 / √(σ² + ε).",
            "cache",
            cache_std=True,
        ),
    ],
)


# -- batchnorm_backward ----------------------------------------------------------------
def _cache(rng, m, n, epsilon):
    """A consistent training cache: the reference's forward pass on a mini-batch."""
    scales = 10 ** rng.uniform(-1, 1, size=n)
    x = rng.normal(size=(m, n)) * scales + rng.normal(0, 2, size=n)
    gamma = rng.normal(1.0, 0.5, size=n)
    _, _, cache = ref.batchnorm_forward(
        x, gamma, np.zeros(n), _random_state(rng, n), True, 0.9, epsilon
    )
    return cache


def _random_backward(rng):
    m, n = int(rng.integers(3, 40)), int(rng.integers(1, 8))
    return {
        "grad_out": rng.normal(size=(m, n)),
        "cache": _cache(rng, m, n, float(10 ** rng.uniform(-5, -1))),
    }


_READABLE_CACHE = ref.batchnorm_forward(_X, _GAMMA, _BETA, _STATE, True, 0.9, 0.01)[2]
_GRAD_OUT = np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 0.0], [0.0, -2.0, 1.0],
                      [-1.0, 0.5, 2.0]])  # fmt: skip


def _backward_mistake(hint, part, **flags):
    index = BACKWARD_OUTPUTS.index(part)
    return Mistake(hint, test=_on_part(ref.batchnorm_backward, backward_variant,
                                       index, **flags))  # fmt: skip


def _wrong_axis(kwargs, obtained):
    """grad_gamma or grad_beta summed over the units (axis 1) or over all."""
    grad_out, x_hat = kwargs["grad_out"], kwargs["cache"]["x_hat"]
    candidates = [
        (grad_out * x_hat).sum(axis=1), grad_out.sum(axis=1),
        (grad_out * x_hat).sum(), grad_out.sum(),
    ]  # fmt: skip
    return any(_matches(c, obtained[k]) for c in candidates for k in (1, 2))


batchnorm_backward = FunctionExercise(
    "batchnorm_backward",
    ref.batchnorm_backward,
    readable_cases=[
        Case(
            "cache de la passe avant en entraînement sur 4 observations de 3 "
            "unités (epsilon = 0.01)",
            {"grad_out": _GRAD_OUT, "cache": _READABLE_CACHE},
        ),
        Case(
            "mini-lot de 6 observations de 2 unités (epsilon = 0.002)",
            {
                "grad_out": np.random.default_rng(1).normal(size=(6, 2)),
                "cache": _cache(np.random.default_rng(2), 6, 2, 0.002),
            },
        ),
    ],
    random_case=_random_backward,
    returns=("array", "array", "array"),
    output_names=BACKWARD_OUTPUTS,
    rtol=1e-6,
    atol=1e-9,
    forbidden=FORBIDDEN,
    error_hint=(
        "vérifiez les axes : grad_gamma et grad_beta somment sur les observations "
        "(axis=0) et ont la forme (n,) ; grad_x a la forme (m, n) de grad_out."
    ),
    mistakes=[
        _backward_mistake(
            "il manque les termes qui passent par la moyenne et la variance du "
            "mini-lot : grad_x n'est pas seulement grad_out × γ / √(σ² + ε), car μ "
            "et σ² dépendent de chaque observation.",
            "grad_x",
            mean_term=False,
            var_term=False,
        ),
        _backward_mistake(
            "il manque le terme qui passe par la moyenne du mini-lot : "
            "retranchez grad_beta / m.",
            "grad_x",
            mean_term=False,
        ),
        _backward_mistake(
            "il manque le terme qui passe par la variance du mini-lot : "
            "retranchez x_hat × grad_gamma / m.",
            "grad_x",
            var_term=False,
        ),
        _backward_mistake(
            "γ manque dans grad_x : la sortie vaut γ x̂ + β, le gradient par "
            "rapport à x̂ est donc γ × grad_out.",
            "grad_x",
            use_gamma=False,
        ),
        _backward_mistake(
            "grad_gamma oublie x_hat : γ multiplie x̂, donc grad_gamma = "
            "Σ grad_out × x_hat sur les observations.",
            "grad_gamma",
            gamma_x_hat=False,
        ),
        Mistake(
            "somme sur le mauvais axe : grad_gamma et grad_beta somment sur les "
            "observations (axis=0), une valeur par unité.",
            test=_wrong_axis,
        ),
    ],
)
