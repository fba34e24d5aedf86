"""Merge layers: gradients by central differences, worked examples, shapes and errors."""

import numpy as np
import pytest

from glassnet.gradcheck import check_merge_layer
from glassnet.layers import Add, Average, Concatenate, Dense, Input, Multiply, Subtract
from glassnet.layers.base import deserialize_layer, serialize_layer

MERGE_CASES = {
    "add_2": (Add, [(3, 4), (3, 4)]),
    "add_3": (Add, [(2, 3, 2), (2, 3, 2), (2, 3, 2)]),
    "subtract": (Subtract, [(3, 4), (3, 4)]),
    "multiply_3": (Multiply, [(3, 4), (3, 4), (3, 4)]),
    "average_3": (Average, [(3, 4), (3, 4), (3, 4)]),
    "concatenate_last": (Concatenate, [(3, 2), (3, 5), (3, 1)]),
    "concatenate_axis1": (lambda: Concatenate(axis=1), [(2, 3, 4), (2, 1, 4)]),
    "concatenate_3d_last": (lambda: Concatenate(axis=-1), [(2, 3, 4), (2, 3, 2)]),
}


@pytest.mark.parametrize("case", sorted(MERGE_CASES))
def test_merge_gradients(case, rng):
    make, shapes = MERGE_CASES[case]
    errors = check_merge_layer(make(), [rng.standard_normal(s) for s in shapes], rng)
    assert len(errors) == len(shapes)
    assert max(errors.values()) < 1e-6, errors


def test_worked_examples():
    a = np.array([[1.0, 2.0]], dtype=np.float32)
    b = np.array([[10.0, -1.0]], dtype=np.float32)
    assert Add()([a, b]).tolist() == [[11.0, 1.0]]
    assert Subtract()([a, b]).tolist() == [[-9.0, 3.0]]
    assert Multiply()([a, b]).tolist() == [[10.0, -2.0]]
    assert Average()([a, b]).tolist() == [[5.5, 0.5]]
    assert Concatenate()([a, b]).tolist() == [[1.0, 2.0, 10.0, -1.0]]
    for layer in (Add(), Subtract(), Multiply(), Average(), Concatenate()):
        assert layer([a, b]).dtype == np.float32, type(layer).__name__


def test_add_backward_gives_each_input_its_own_array():
    layer = Add()
    layer([np.ones((2, 3)), np.ones((2, 3))])
    g = np.arange(6.0).reshape(2, 3)
    ga, gb = layer.backward(g)
    np.testing.assert_array_equal(ga, g)
    np.testing.assert_array_equal(gb, g)
    gb += 1  # a downstream layer writing into its gradient must not change the other branch
    np.testing.assert_array_equal(ga, g)


def test_multiply_with_zero_factor():
    layer = Multiply()
    x = [np.array([[0.0, 2.0]]), np.array([[3.0, 0.0]])]
    layer(x)
    ga, gb = layer.backward(np.ones((1, 2)))
    np.testing.assert_array_equal(ga, [[3.0, 0.0]])
    np.testing.assert_array_equal(gb, [[0.0, 2.0]])


def test_output_shapes():
    assert Add().output_shape([(4,), (4,)]) == (4,)
    assert Concatenate().output_shape([(3, 2), (3, 5)]) == (3, 7)
    assert Concatenate(axis=1).output_shape([(3, 2), (1, 2)]) == (4, 2)
    assert Concatenate(axis=-2).output_shape([(3, 2), (1, 2)]) == (4, 2)


def test_symbolic_shapes():
    x = Input(shape=(4,))
    assert Add()([x, Dense(4)(x)]).shape == (None, 4)
    assert Concatenate()([x, Dense(3)(x)]).shape == (None, 7)


def test_add_shape_mismatch_message():
    x = Input(shape=(4,))
    with pytest.raises(ValueError,
                       match=r"Add expects inputs of equal shapes, got \(None, 4\) and \(None, 5\)"):
        Add()([x, Dense(5)(x)])


def test_concatenate_shape_mismatch_and_bad_axis():
    with pytest.raises(ValueError, match=r"equal shapes except along axis -1, got \(None, 3, 2\) "
                                         r"and \(None, 4, 2\)"):
        Concatenate().output_shape([(3, 2), (4, 2)])
    with pytest.raises(ValueError, match="axis 0 is the batch"):
        Concatenate(axis=0)
    with pytest.raises(ValueError, match="out of range"):
        Concatenate(axis=3).output_shape([(3,), (3,)])


def test_input_count_errors():
    x = Input(shape=(4,))
    with pytest.raises(ValueError, match="at least 2 inputs, got 1"):
        Add()([x])
    with pytest.raises(ValueError, match="exactly 2 inputs, got 3"):
        Subtract()([x, Dense(4)(x), Dense(4)(x)])
    with pytest.raises(TypeError, match=r"call it on a list, e.g. Add\(\)\(\[a, b\]\)"):
        Add()(x)
    with pytest.raises(TypeError, match="takes one input tensor, got a list of 2"):
        Dense(3)([x, x])
    with pytest.raises(TypeError, match="call it on a list"):
        Add()(np.ones((2, 3)))


def test_config_round_trip():
    layer = Concatenate(axis=-2, name="cat")
    clone = deserialize_layer(serialize_layer(layer))
    assert isinstance(clone, Concatenate)
    assert clone.axis == -2 and clone.name == "cat"
    assert isinstance(deserialize_layer(serialize_layer(Add())), Add)
