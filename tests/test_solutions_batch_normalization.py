"""Chapter 09 reference against independent sources: ``keras.layers.
BatchNormalization`` with the same weights (both modes, moving statistics over
several steps), ``tf.GradientTape`` through that layer, central differences,
and the properties of the normalised values."""

import numpy as np
import pytest

from solutions import batch_normalization as bn

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

MOMENTUM, EPSILON = 0.9, 1e-2  # not Keras's defaults (0.99, 1e-3)


def _inputs(seed, m=16, n=5):
    rng = np.random.default_rng(seed)
    scales = np.array([0.03, 0.5, 1.0, 3.0, 10.0])[:n]  # some variances < epsilon
    x = rng.normal(2.0, 1.0, size=(m, n)) * scales + rng.normal(0, 3, size=n)
    state = {
        "moving_mean": rng.normal(size=n),
        "moving_variance": rng.uniform(0.5, 2.0, size=n),
    }
    return x, rng.normal(1.0, 0.5, size=n), rng.normal(size=n), state


def _keras_layer(gamma, beta, state, dtype="float64", **options):
    layer = keras.layers.BatchNormalization(
        momentum=options.get("momentum", MOMENTUM),
        epsilon=options.get("epsilon", EPSILON),
        dtype=dtype,
    )
    layer.build((None, gamma.size))
    layer.set_weights([gamma, beta, state["moving_mean"], state["moving_variance"]])
    return layer


def _moving(layer):
    return {
        "moving_mean": layer.moving_mean.numpy(),
        "moving_variance": layer.moving_variance.numpy(),
    }


@pytest.mark.parametrize("training", [True, False])
def test_forward_matches_keras_in_float64(training):
    x, gamma, beta, state = _inputs(0)
    layer = _keras_layer(gamma, beta, state)
    theirs = keras.ops.convert_to_numpy(layer(x, training=training))
    out, new_state, _ = bn.batchnorm_forward(
        x, gamma, beta, state, training, MOMENTUM, EPSILON
    )
    np.testing.assert_allclose(out, theirs, rtol=1e-12, atol=1e-12)
    for key, value in _moving(layer).items():
        np.testing.assert_allclose(new_state[key], value, rtol=1e-12)


def test_forward_matches_keras_in_float32_with_keras_defaults():
    x, gamma, beta, state = _inputs(1)
    layer = _keras_layer(gamma, beta, state, dtype="float32", momentum=0.99,
                         epsilon=1e-3)  # fmt: skip
    x32 = x.astype(np.float32)
    for training in (True, False):
        theirs = keras.ops.convert_to_numpy(layer(x32, training=training))
        out, state, _ = bn.batchnorm_forward(x, gamma, beta, state, training)
        np.testing.assert_allclose(out, theirs, rtol=1e-4, atol=1e-5)
        for key, value in _moving(layer).items():
            np.testing.assert_allclose(state[key], value, rtol=1e-6)


def test_moving_statistics_follow_keras_over_several_steps():
    x, gamma, beta, state = _inputs(2)
    layer = _keras_layer(gamma, beta, state)
    rng = np.random.default_rng(3)
    for step in range(8):
        batch = x + rng.normal(0, 0.5, size=x.shape) * step
        layer(batch, training=True)
        _, state, _ = bn.batchnorm_forward(
            batch, gamma, beta, state, True, MOMENTUM, EPSILON
        )
        for key, value in _moving(layer).items():
            np.testing.assert_allclose(state[key], value, rtol=1e-12)
    # inference then uses these moving statistics, in both implementations
    theirs = keras.ops.convert_to_numpy(layer(x, training=False))
    ours, _, _ = bn.batchnorm_forward(x, gamma, beta, state, False, MOMENTUM, EPSILON)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_keras_moving_variance_averages_the_biased_batch_variance():
    x, gamma, beta, state = _inputs(4, m=5)
    layer = _keras_layer(gamma, beta, state)
    layer(x, training=True)
    moving = _moving(layer)["moving_variance"]
    for ddof, agrees in [(0, True), (1, False)]:
        expected = MOMENTUM * state["moving_variance"] + (1 - MOMENTUM) * x.var(
            axis=0, ddof=ddof
        )
        assert np.allclose(moving, expected, rtol=1e-12) is agrees


def test_cache_holds_normalised_values():
    x, gamma, beta, state = _inputs(5)
    _, _, cache = bn.batchnorm_forward(x, gamma, beta, state, True, MOMENTUM, EPSILON)
    assert set(cache) == {"x_hat", "inv_std", "gamma"}
    var = x.var(axis=0)
    np.testing.assert_allclose(cache["x_hat"].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(cache["x_hat"].var(axis=0), var / (var + EPSILON))
    np.testing.assert_allclose(cache["inv_std"], (var + EPSILON) ** -0.5)
    np.testing.assert_array_equal(cache["gamma"], gamma)
    _, _, cache = bn.batchnorm_forward(x, gamma, beta, state, False, MOMENTUM, EPSILON)
    np.testing.assert_allclose(
        cache["inv_std"], (state["moving_variance"] + EPSILON) ** -0.5
    )


def test_forward_leaves_its_inputs_untouched():
    x, gamma, beta, state = _inputs(6)
    copies = [a.copy() for a in (x, gamma, beta, *state.values())]
    for training in (True, False):
        _, new_state, _ = bn.batchnorm_forward(
            x, gamma, beta, state, training, MOMENTUM, EPSILON
        )
        assert all(new_state[k] is not state[k] for k in state)
    for original, copy in zip((x, gamma, beta, *state.values()), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


def test_backward_matches_gradient_tape_through_keras_layer():
    x, gamma, beta, state = _inputs(7)
    grad_out = np.random.default_rng(8).normal(size=x.shape)
    layer = _keras_layer(gamma, beta, state)
    x_var = tf.Variable(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x_var, training=True) * grad_out)
    tape_grads = tape.gradient(loss, [x_var, layer.gamma, layer.beta])
    _, _, cache = bn.batchnorm_forward(x, gamma, beta, state, True, MOMENTUM, EPSILON)
    ours = bn.batchnorm_backward(grad_out, cache)
    for mine, theirs in zip(ours, tape_grads, strict=True):
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-9, atol=1e-11)


def test_backward_matches_central_differences():
    x, gamma, beta, state = _inputs(9, m=6, n=4)
    grad_out = np.random.default_rng(10).normal(size=x.shape)

    def loss(x, gamma, beta):
        out, _, _ = bn.batchnorm_forward(x, gamma, beta, state, True, MOMENTUM, EPSILON)
        return np.sum(out * grad_out)

    def numeric(which):
        args = [x, gamma, beta]
        grad = np.zeros_like(args[which])
        for idx in np.ndindex(grad.shape):
            step = np.zeros_like(grad)
            step[idx] = 1e-6
            plus = [a + step if i == which else a for i, a in enumerate(args)]
            minus = [a - step if i == which else a for i, a in enumerate(args)]
            grad[idx] = (loss(*plus) - loss(*minus)) / 2e-6
        return grad

    _, _, cache = bn.batchnorm_forward(x, gamma, beta, state, True, MOMENTUM, EPSILON)
    for which, analytic in enumerate(bn.batchnorm_backward(grad_out, cache)):
        np.testing.assert_allclose(analytic, numeric(which), rtol=1e-5, atol=1e-7)


def test_backward_gradient_sums_to_zero_over_the_batch():
    """Shifting every observation by the same amount changes nothing in
    training: the gradient with respect to x sums to zero over the batch, and
    it is orthogonal to x_hat (scaling invariance)."""
    x, gamma, beta, state = _inputs(11)
    grad_out = np.random.default_rng(12).normal(size=x.shape)
    _, _, cache = bn.batchnorm_forward(x, gamma, beta, state, True, MOMENTUM, EPSILON)
    grad_x, _, _ = bn.batchnorm_backward(grad_out, cache)
    np.testing.assert_allclose(grad_x.sum(axis=0), 0, atol=1e-10)
    # without epsilon, x_hat would be exactly scale-invariant; with it, nearly
    _, _, cache0 = bn.batchnorm_forward(x, gamma, beta, state, True, MOMENTUM, 0.0)
    grad_x0, _, _ = bn.batchnorm_backward(grad_out, cache0)
    np.testing.assert_allclose(np.sum(grad_x0 * cache0["x_hat"], axis=0), 0,
                               atol=1e-9)  # fmt: skip
