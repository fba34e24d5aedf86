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


@pytest.mark.parametrize("name", ALL)
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
