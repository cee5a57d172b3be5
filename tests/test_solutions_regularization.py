"""Chapters 06 and 07 references against Keras: EarlyStopping's own
``on_epoch_end``, ``keras.regularizers`` with ``tf.GradientTape``, and
``keras.layers.Dropout``."""

import numpy as np
import pytest

from solutions import dropout as drop
from solutions import regularization as reg

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")


class _Model:
    """What EarlyStopping asks of a model."""

    stop_training = False

    def get_weights(self):
        return []

    def set_weights(self, weights):
        pass


def keras_early_stopping(values, patience, min_delta, mode):
    callback = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, min_delta=min_delta, mode=mode,
        restore_best_weights=True,
    )  # fmt: skip
    model = _Model()
    callback.set_model(model)
    callback.on_train_begin()
    last = len(values) - 1
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": float(value)})
        if model.stop_training:
            last = epoch
            break
    return last, callback.best_epoch


def _history(rng, n):
    kind = rng.integers(3)
    if kind == 0:  # noisy U-shaped validation loss
        t = np.arange(n)
        return 1 / (1 + 0.3 * t) + 0.002 * t**1.5 / n + rng.normal(0, 0.02, n)
    if kind == 1:  # plateaus: exact repeats
        return np.round(rng.uniform(0.2, 1.0, n), 1)
    return np.minimum.accumulate(rng.uniform(0.5, 1.0, n)) + rng.normal(0, 0.01, n)


def test_early_stopping_matches_keras_on_many_histories():
    rng = np.random.default_rng(0)
    for _ in range(400):
        values = _history(rng, int(rng.integers(1, 40)))
        patience = int(rng.integers(0, 6))
        min_delta = float(rng.choice([0.0, 0.01, 0.05, -0.02]))
        mode = str(rng.choice(["min", "max"]))
        assert reg.early_stopping_epoch(values, patience, min_delta, mode) == (
            keras_early_stopping(values, patience, min_delta, mode)
        ), (values, patience, min_delta, mode)


def _layers(rng):
    return [
        (rng.normal(size=(4, 3)), rng.normal(size=3)),
        (np.array([[0.0, 1.5], [-2.0, 0.0], [0.5, 0.0]]), rng.normal(size=2)),
    ]


def test_penalties_match_keras_regularizers():
    layers = _layers(np.random.default_rng(1))
    kernels = [k for k, _ in layers]
    l1, l2 = 0.03, 0.2
    assert reg.l1_penalty(layers, l1) == pytest.approx(
        sum(float(keras.regularizers.L1(l1)(k)) for k in kernels), rel=1e-6
    )
    assert reg.l2_penalty(layers, l2) == pytest.approx(
        sum(float(keras.regularizers.L2(l2)(k)) for k in kernels), rel=1e-6
    )
    both = keras.regularizers.L1L2(l1=l1, l2=l2)
    assert reg.l1_penalty(layers, l1) + reg.l2_penalty(layers, l2) == pytest.approx(
        sum(float(both(k)) for k in kernels), rel=1e-6
    )


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_gradients_match_gradient_tape(kind):
    layers = _layers(np.random.default_rng(2))
    factor = 0.07
    regularizer = {"l1": keras.regularizers.L1, "l2": keras.regularizers.L2}[kind](
        factor
    )
    variables = [(tf.Variable(k), tf.Variable(b)) for k, b in layers]
    with tf.GradientTape() as tape:
        penalty = tf.add_n([regularizer(k) for k, _ in variables])
    grads = tape.gradient(penalty, [v for pair in variables for v in pair])
    ours = getattr(reg, f"{kind}_gradient")(layers, factor)
    for (dk, db), tk, tb in zip(ours, grads[::2], grads[1::2], strict=True):
        # Keras keeps the factor in float32: agreement to float32 precision
        np.testing.assert_allclose(dk, tk.numpy(), rtol=1e-6)
        assert tb is None  # the bias is not in the penalty
        np.testing.assert_array_equal(db, 0.0)


def test_dropout_statistics_match_keras():
    x = np.random.default_rng(3).normal(size=(200, 500)).astype(np.float32)
    rate = 0.3
    layer = keras.layers.Dropout(rate, seed=7)
    theirs = np.asarray(layer(x, training=True))
    ours, mask = drop.dropout_forward(x, rate, np.random.default_rng(7))
    n = x.size
    sigma = np.sqrt(rate * (1 - rate) / n)
    for out in (ours, theirs):
        assert abs(np.mean(out == 0) - rate) < 5 * sigma
        kept = out != 0
        np.testing.assert_allclose(out[kept], x[kept] / (1 - rate), rtol=1e-6)
    np.testing.assert_array_equal(ours == 0, ~mask)
    assert abs(ours.mean() - theirs.mean()) < 0.02
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    same, _ = drop.dropout_forward(x, rate, np.random.default_rng(7), training=False)
    np.testing.assert_array_equal(same, x)


def test_dropout_backward_matches_gradient_tape():
    rng = np.random.default_rng(4)
    rate = 0.4
    x = tf.Variable(rng.normal(size=(50, 20)))
    _, mask = drop.dropout_forward(x.numpy(), rate, np.random.default_rng(5))
    grad_out = rng.normal(size=(50, 20))
    with tf.GradientTape() as tape:
        out = tf.where(mask, x / (1 - rate), tf.zeros_like(x))
        loss = tf.reduce_sum(out * grad_out)
    np.testing.assert_allclose(
        drop.dropout_backward(grad_out, mask, rate),
        tape.gradient(loss, x).numpy(),
        rtol=1e-12,
    )
