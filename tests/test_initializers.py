"""Initializers: shapes, dtypes, statistics, determinism, fans, registry errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassnet import initializers
from glassnet.initializers import (
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    VarianceScaling,
    compute_fans,
)

NAMES = sorted(initializers._REGISTRY)
DETERMINISTIC = {"zeros", "ones", "constant", "identity"}


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        (name, shape)
        for name in NAMES
        for shape in [(3, 4), (2, 3, 4, 5), (7,)]
        if not (name == "orthogonal" and len(shape) < 2)  # needs 2 axes (tested below)
        and not (name == "identity" and len(shape) != 2)  # a matrix only
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_shape_dtype_and_determinism(name, shape, dtype):
    init = initializers.get(name)
    a = init(shape, rng=np.random.default_rng(7), dtype=dtype)
    b = init(shape, rng=np.random.default_rng(7), dtype=dtype)
    assert a.shape == shape and a.dtype == np.dtype(dtype)
    assert np.all(np.isfinite(a))
    np.testing.assert_array_equal(a, b)  # same generator state, same weights
    if name not in DETERMINISTIC:
        c = init(shape, rng=np.random.default_rng(8), dtype=dtype)
        assert not np.array_equal(a, c)


def test_compute_fans_as_keras():
    assert compute_fans(()) == (1, 1)
    assert compute_fans((5,)) == (5, 5)
    assert compute_fans((784, 128)) == (784, 128)
    assert compute_fans((3, 3, 16, 32)) == (3 * 3 * 16, 3 * 3 * 32)  # (kh, kw, in, out)
    assert compute_fans((5, 8, 4)) == (40, 20)  # Conv1D (k, in, out)


SHAPE = (400, 600)  # 240k entries: the variance is known to well under 2 %
FAN_IN, FAN_OUT = SHAPE


@pytest.mark.parametrize(
    ("name", "variance", "bound"),
    [
        # uniform U[-a, a] has variance a^2 / 3 and |w| <= a
        ("glorot_uniform", 2 / (FAN_IN + FAN_OUT), math.sqrt(6 / (FAN_IN + FAN_OUT))),
        ("xavier_uniform", 2 / (FAN_IN + FAN_OUT), math.sqrt(6 / (FAN_IN + FAN_OUT))),
        ("he_uniform", 2 / FAN_IN, math.sqrt(6 / FAN_IN)),
        ("lecun_uniform", 1 / FAN_IN, math.sqrt(3 / FAN_IN)),
        # truncated normals: the variance asked for, and |w| <= 2 * sqrt(variance) / 0.8796
        ("glorot_normal", 2 / (FAN_IN + FAN_OUT), 2 * math.sqrt(2 / (FAN_IN + FAN_OUT)) / 0.8796),
        ("xavier_normal", 2 / (FAN_IN + FAN_OUT), 2 * math.sqrt(2 / (FAN_IN + FAN_OUT)) / 0.8796),
        ("he_normal", 2 / FAN_IN, 2 * math.sqrt(2 / FAN_IN) / 0.8796),
        ("lecun_normal", 1 / FAN_IN, 2 * math.sqrt(1 / FAN_IN) / 0.8796),
        ("random_normal", 0.05**2, None),
        ("random_uniform", 0.1**2 / 12, 0.05),
        ("truncated_normal", 0.05**2 * 0.8796**2, 0.1),
    ],
)
def test_statistics(name, variance, bound, rng):
    w = initializers.get(name)(SHAPE, rng=rng, dtype="float64")
    assert abs(w.mean()) < 4 * math.sqrt(variance / w.size)
    assert w.var() == pytest.approx(variance, rel=0.02)
    if bound is not None:
        assert np.abs(w).max() <= bound * (1 + 1e-6)


def test_he_normal_on_a_conv_kernel_uses_the_receptive_field(rng):
    w = HeNormal()((3, 3, 64, 128), rng=rng, dtype="float32")
    assert w.var() == pytest.approx(2 / (3 * 3 * 64), rel=0.02)


def test_float32_sampling_keeps_the_statistics(rng):
    w = GlorotUniform()(SHAPE, rng=rng, dtype="float32")
    assert w.dtype == np.float32
    assert float(w.var()) == pytest.approx(2 / (FAN_IN + FAN_OUT), rel=0.02)


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5), (2, 3, 8)])
def test_orthogonal(shape, rng):
    w = Orthogonal(gain=2.0)(shape, rng=rng, dtype="float64")
    assert w.shape == shape
    m = w.reshape(-1, shape[-1]) / 2.0
    small = min(m.shape)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T  # the smaller Gram matrix
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)


def test_constants():
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(initializers.get("zeros")((2, 2), rng=rng), np.zeros((2, 2)))
    np.testing.assert_array_equal(initializers.get("ones")((3,), rng=rng), np.ones(3))
    got = initializers.get({"class_name": "Constant", "config": {"value": 0.25}})((2,), rng=rng)
    np.testing.assert_array_equal(got, [0.25, 0.25])
    assert got.dtype == np.float32  # the default dtype


def test_random_normal_and_uniform_parameters(rng):
    w = RandomNormal(mean=3.0, stddev=0.5)((100_000,), rng=rng, dtype="float64")
    assert w.mean() == pytest.approx(3.0, abs=0.01) and w.std() == pytest.approx(0.5, rel=0.02)
    w = RandomUniform(-1.0, 3.0)((100_000,), rng=rng, dtype="float64")
    assert w.min() >= -1.0 and w.max() < 3.0 and w.mean() == pytest.approx(1.0, abs=0.02)


INSTANCES = [
    GlorotUniform(),
    HeNormal(),
    Constant(0.5),
    RandomNormal(0.1, 0.2),
    RandomUniform(-0.3, 0.3),
    VarianceScaling(2.0, "fan_out", "untruncated_normal"),
    Orthogonal(1.5),
]


@pytest.mark.parametrize("init", INSTANCES, ids=repr)
def test_config_round_trip(init):
    clone = initializers.get(initializers.serialize(init))
    assert type(clone) is type(init) and clone.get_config() == init.get_config()
    a = init((4, 5), rng=np.random.default_rng(3), dtype="float64")
    b = clone((4, 5), rng=np.random.default_rng(3), dtype="float64")
    np.testing.assert_array_equal(a, b)


def test_get_accepts_names_class_names_instances_and_callables():
    assert type(initializers.get("glorot_uniform")) is GlorotUniform
    assert type(initializers.get("GlorotUniform")) is GlorotUniform
    assert type(initializers.get("XAVIER_NORMAL")) is GlorotNormal
    init = HeNormal()
    assert initializers.get(init) is init

    def my_init(shape, rng, dtype):
        return np.full(shape, 7.0, dtype=dtype)

    assert initializers.get(my_init) is my_init


def test_get_errors():
    with pytest.raises(
        ValueError,
        match=r"Unknown initializer 'glorot'. Valid: "
        r"constant, .*glorot_normal, glorot_uniform, he_normal",
    ):
        initializers.get("glorot")
    with pytest.raises(TypeError, match="Could not interpret initializer identifier 0.1"):
        initializers.get(0.1)


def test_call_errors():
    init = GlorotUniform()
    with pytest.raises(TypeError, match="`rng` of GlorotUniform must be a np.random.Generator"):
        init((2, 2), rng=42)
    with pytest.raises(TypeError, match="`rng`"):
        init((2, 2), rng=np.random.RandomState(0))
    with pytest.raises(TypeError, match="`dtype` of GlorotUniform must be a floating dtype"):
        init((2, 2), rng=np.random.default_rng(0), dtype="int32")
    with pytest.raises(ValueError, match=r"`shape` of GlorotUniform must be non-negative ints"):
        init((2, -1), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="Orthogonal needs a shape of at least 2 axes"):
        Orthogonal()((5,), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="`mode` of VarianceScaling must be one of 'fan_in', "):
        VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="`distribution` of VarianceScaling must be one of"):
        VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match=r"`stddev` of RandomNormal must be a number in \[0"):
        RandomNormal(stddev=-1.0)


# -- standalone use, as Keras --------------------------------------------------------------
def test_standalone_call_without_a_generator():
    np.testing.assert_array_equal(initializers.Ones()(shape=(2, 2)), np.ones((2, 2), "float32"))
    assert initializers.Ones()(shape=(2, 2)).dtype == np.float32
    assert initializers.Zeros()((3,), dtype="float64").dtype == np.float64
    np.testing.assert_array_equal(initializers.Identity(2.0)((2, 3)), [[2, 0, 0], [0, 2, 0]])


def test_a_seeded_initializer_repeats_its_values_and_an_unseeded_one_does_not():
    a = initializers.GlorotUniform(seed=42)(shape=(3, 4))
    b = initializers.GlorotUniform(seed=42)(shape=(3, 4))
    init = initializers.GlorotUniform(seed=42)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(init((3, 4)), init((3, 4)))
    assert not np.array_equal(a, initializers.GlorotUniform(seed=43)(shape=(3, 4)))
    free = initializers.RandomNormal()
    assert not np.array_equal(free((50,)), free((50,)))
    limit = np.sqrt(6 / 7)
    assert np.all(np.abs(a) <= limit) and a.dtype == np.float32


def test_a_seed_wins_over_the_layer_generator_and_is_in_the_config():
    init = initializers.HeNormal(seed=5)
    np.testing.assert_array_equal(init((4, 4), rng=np.random.default_rng(1)),
                                  init((4, 4), rng=np.random.default_rng(2)))
    assert init.get_config() == {"seed": 5}
    assert initializers.deserialize(initializers.serialize(init)).seed == 5
    with pytest.raises(ValueError, match="`seed` of RandomUniform must be an integer in"):
        initializers.RandomUniform(seed=-1)
