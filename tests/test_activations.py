import numpy as np
import pytest

from glassnet import activations
from glassnet.gradcheck import numeric_gradient, relative_error

ALL = activations.names()


@pytest.mark.parametrize("name", ALL)
def test_backward_matches_central_differences(name, rng):
    act = activations.get(name)
    z = rng.standard_normal((4, 5)) * 2
    z[np.abs(z) < 1e-3] = 0.5  # keep away from the kinks of relu & co.
    g = rng.standard_normal(z.shape)
    a = act.forward(z)
    analytic = act.backward(z, a, g)
    numeric = numeric_gradient(lambda: float(np.sum(g * act.forward(z))), z)
    assert relative_error(analytic, numeric) < 1e-6


@pytest.mark.parametrize("name", [n for n in ALL if n != "exponential"])  # exp(1000) is inf
def test_stable_at_extremes(name):
    act = activations.get(name)
    z = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = act.forward(z)
        act.backward(z, a, np.ones_like(z))
    assert np.isfinite(a).all()


def test_known_values():
    z = np.array([[-1000.0, 0.0, 1000.0]])
    np.testing.assert_allclose(activations.get("sigmoid")(z), [[0.0, 0.5, 1.0]])
    np.testing.assert_allclose(activations.get("relu")(z), [[0.0, 0.0, 1000.0]])
    np.testing.assert_allclose(activations.get("softplus")(np.array([0.0])), [np.log(2)])
    np.testing.assert_allclose(activations.get("gelu")(np.array([1.0])), [0.8413447460685429])
    s = activations.get("softmax")(np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]]))
    np.testing.assert_allclose(s, [[0.5, 0.5], [0.25, 0.75]])


def test_softmax_rows_sum_to_one(rng):
    z = rng.standard_normal((7, 11)) * 30
    np.testing.assert_allclose(activations.get("softmax")(z).sum(axis=1), 1.0)


def test_float32_stays_float32(rng):
    z = rng.standard_normal((3, 4)).astype(np.float32)
    for name in ALL:
        act = activations.get(name)
        a = act.forward(z)
        assert a.dtype == np.float32, name
        assert act.backward(z, a, np.ones_like(z)).dtype == np.float32, name


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown activation 'rellu'.*relu.*sigmoid"):
        activations.get("rellu")


@pytest.mark.parametrize("name", ALL)
def test_into_variants_match_and_write_strided_views(name, rng):
    # Recurrent cells write gates into column blocks of one array: forward_into/backward_into.
    act = activations.get(name)
    z = rng.standard_normal((4, 6)) * 3
    a = act.forward(z)
    grad = rng.standard_normal((4, 6))
    block = np.full((4, 9), np.nan)
    out = block[:, 2:8]  # a strided view
    assert act.forward_into(z, out) is out
    np.testing.assert_allclose(block[:, 2:8], a, rtol=1e-12)
    assert np.isnan(block[:, :2]).all() and np.isnan(block[:, 8:]).all()
    assert act.backward_into(z, a, grad, out) is out
    np.testing.assert_allclose(out, act.backward(z, a, grad), rtol=1e-12)


@pytest.mark.parametrize("name", ["linear", "sigmoid", "tanh", "relu", "softmax"])
def test_forward_owned_writes_over_z_only_when_backward_reads_only_a(name, rng):
    act = activations.get(name)
    assert act.backward_uses_z is False
    z = rng.standard_normal((3, 5))
    expected = act.forward(z.copy())
    a = act.forward_owned(z)
    assert a is z
    np.testing.assert_allclose(a, expected)
    elu = activations.get("elu")  # its derivative reads z: z must survive
    z2 = rng.standard_normal((3, 5))
    kept = z2.copy()
    elu.forward_owned(z2)
    np.testing.assert_array_equal(z2, kept)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_tails_exact_without_warnings(dtype):
    z = np.array([-1e4, -1000.0, -80.0, -20.0, 0.0, 20.0, 1000.0], dtype=dtype)
    with np.errstate(all="raise"):
        a = activations.get("sigmoid").forward(z)
    assert a.dtype == dtype
    assert a[0] == 0.0 and a[1] == 0.0 and a[-1] == 1.0 and a[4] == 0.5
    ref = 1.0 / (1.0 + np.exp(-z[2:4].astype(np.float64)))  # tails keep relative precision
    np.testing.assert_allclose(a[2:4], ref, rtol=1e-5)
