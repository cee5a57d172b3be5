"""Chapter 08 initialisers against ``keras.initializers``: same kernel shape
convention, same bounds, same standard deviation, same distribution (two-sample
Kolmogorov-Smirnov test on large samples); and the truncated-normal constant
against its closed form and ``scipy.stats.truncnorm``."""

import math

import numpy as np
import pytest

from solutions import initializers as init

keras = pytest.importorskip("keras")
stats = pytest.importorskip("scipy.stats")

# name -> (Keras initialiser, mode, uniform?)
SPECS = {
    "glorot_uniform": (keras.initializers.GlorotUniform, "fan_avg", True),
    "glorot_normal": (keras.initializers.GlorotNormal, "fan_avg", False),
    "he_uniform": (keras.initializers.HeUniform, "fan_in", True),
    "he_normal": (keras.initializers.HeNormal, "fan_in", False),
}
VARIANCE = {  # Var(w) = scale / n, n = fan_in or (fan_in + fan_out) / 2
    "fan_avg": lambda fan_in, fan_out: 1 / ((fan_in + fan_out) / 2),
    "fan_in": lambda fan_in, fan_out: 2 / fan_in,
}
SHAPES = [(200, 300), (500, 100), (80, 640)]
TRUNCNORM = stats.truncnorm(-2, 2)  # standard normal truncated to [-2, 2]


def _keras_sample(name, shape, seed):
    kernel = SPECS[name][0](seed=seed)(shape)
    return keras.ops.convert_to_numpy(kernel).astype(np.float64)


def _bound(name, shape):
    _, mode, uniform = SPECS[name]
    std = math.sqrt(VARIANCE[mode](*shape))
    return math.sqrt(3) * std if uniform else 2 * std / init.TRUNCATED_NORMAL_STD


def test_truncated_normal_constant():
    phi2 = math.exp(-2) / math.sqrt(2 * math.pi)
    mass = math.erf(2 / math.sqrt(2))  # 2 Φ(2) - 1
    assert init.TRUNCATED_NORMAL_STD == pytest.approx(
        math.sqrt(1 - 4 * phi2 / mass), rel=1e-15
    )
    assert init.TRUNCATED_NORMAL_STD == pytest.approx(TRUNCNORM.std(), rel=1e-12)


@pytest.mark.parametrize("name", SPECS)
@pytest.mark.parametrize("shape", SHAPES)
def test_statistics_match_keras(name, shape):
    ours = getattr(init, name)(*shape, np.random.default_rng(7))
    theirs = _keras_sample(name, shape, seed=7)
    assert ours.shape == theirs.shape == shape and ours.dtype == np.float64
    target = math.sqrt(VARIANCE[SPECS[name][1]](*shape))
    bound = _bound(name, shape)
    n = ours.size
    for sample in (ours, theirs):
        # the standard deviation within 6 standard errors (from the 4th moment)
        kurtosis = 1.8 if SPECS[name][2] else 3 + float(TRUNCNORM.stats(moments="k"))
        se = target**2 * math.sqrt((kurtosis - 1) / n)
        assert abs(np.mean(sample**2) - target**2) < 6 * se
        assert np.abs(sample).max() <= bound * (1 + 1e-6)  # float32 rounding
        assert np.abs(sample).max() > bound * 0.995
    assert ours.std() == pytest.approx(theirs.std(), rel=0.03)
    assert stats.ks_2samp(ours.ravel(), theirs.ravel()).pvalue > 1e-3


@pytest.mark.parametrize("name", ["glorot_normal", "he_normal"])
def test_ks_test_rejects_the_uncorrected_truncation(name):
    shape = (200, 300)
    theirs = _keras_sample(name, shape, seed=3)
    std = math.sqrt(VARIANCE[SPECS[name][1]](*shape))
    wrong = init.truncated_normal(shape, std, np.random.default_rng(3))
    assert stats.ks_2samp(wrong.ravel(), theirs.ravel()).pvalue < 1e-8
    uniform = np.random.default_rng(3).uniform(-1, 1, shape) * math.sqrt(3) * std
    assert stats.ks_2samp(uniform.ravel(), theirs.ravel()).pvalue < 1e-8


def test_truncated_normal_matches_keras_truncated_normal():
    shape, stddev = (300, 300), 0.3
    ours = init.truncated_normal(shape, stddev, np.random.default_rng(5))
    kernel = keras.initializers.TruncatedNormal(stddev=stddev, seed=5)(shape)
    theirs = keras.ops.convert_to_numpy(kernel).astype(np.float64)
    for sample in (ours, theirs):
        assert np.abs(sample).max() <= 2 * stddev * (1 + 1e-6)
        # the standard deviation shrinks by 0.8796: Keras does not correct it
        assert sample.std() == pytest.approx(
            init.TRUNCATED_NORMAL_STD * stddev, rel=0.01
        )
    assert stats.ks_2samp(ours.ravel(), theirs.ravel()).pvalue > 1e-3


def test_limits_in_closed_form():
    rng = np.random.default_rng(0)
    w = init.glorot_uniform(200, 300, rng)
    assert np.abs(w).max() <= math.sqrt(6 / 500)
    w = init.he_uniform(500, 100, rng)
    assert np.abs(w).max() <= math.sqrt(6 / 500)
    assert np.abs(w).max() > 0.999 * math.sqrt(6 / 500)
    w = init.he_normal(500, 100, rng)
    assert np.abs(w).max() <= 2 * math.sqrt(2 / 500) / 0.87962566103423978


@pytest.mark.parametrize("name", SPECS)
def test_rng_is_the_only_source_of_randomness(name):
    f = getattr(init, name)
    np.random.seed(0)
    a = f(30, 40, np.random.default_rng(1))
    np.random.seed(1)
    b = f(30, 40, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, f(30, 40, np.random.default_rng(2)))
