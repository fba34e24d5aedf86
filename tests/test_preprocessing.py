"""Splits, scaling, standardisation and one-hot labels."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.preprocessing import (
    StandardScaler,
    scale_to_unit,
    standardize,
    to_categorical,
    train_test_split,
    validation_split,
)

# ----------------------------------------------------------------------------- splits


def test_train_test_split_order_sizes_and_partition():
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.3, seed=0)
    assert x_tr.shape == (7, 2) and x_te.shape == (3, 2) and y_tr.shape == (7,)
    np.testing.assert_array_equal(x_tr[:, 0] // 2, y_tr)  # rows stay paired
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == list(range(10))
    again = train_test_split(x, y, test_size=0.3, seed=0)
    np.testing.assert_array_equal(again[3], y_te)
    assert not np.array_equal(train_test_split(x, y, test_size=0.3, seed=1)[3], y_te)


def test_train_test_split_int_size_and_no_shuffle():
    y = np.arange(10)
    y_tr, y_te = train_test_split(y, test_size=4, shuffle=False)
    assert y_tr.tolist() == [0, 1, 2, 3, 4, 5] and y_te.tolist() == [6, 7, 8, 9]


def test_stratified_split_keeps_class_shares(rng):
    y = np.repeat([0, 1, 2], [60, 30, 10])
    x = rng.standard_normal((100, 3))
    _, _, y_tr, y_te = train_test_split(x, y, test_size=0.2, stratify=y, seed=rng)
    assert np.bincount(y_te).tolist() == [12, 6, 2]
    assert np.bincount(y_tr).tolist() == [48, 24, 8]
    onehot = np.eye(3)[y]
    _, y_te2 = train_test_split(y, test_size=0.2, stratify=onehot, seed=3)
    assert np.bincount(y_te2).tolist() == [12, 6, 2]


def test_stratified_allocation_sums_exactly():
    y = np.repeat([0, 1, 2], [7, 7, 7])
    _, y_te = train_test_split(y, test_size=5, stratify=y, seed=0)
    assert len(y_te) == 5 and np.bincount(y_te, minlength=3).max() == 2


def test_split_errors():
    with pytest.raises(ValueError, match=r"same number of samples, got lengths \[3, 4\]"):
        train_test_split(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"`test_size` as a fraction must lie in \(0, 1\), got 1.5"):
        train_test_split(np.zeros(4), test_size=1.5)
    with pytest.raises(ValueError, match="leaves 4 of 4 samples for testing and 0 for training"):
        train_test_split(np.zeros(4), test_size=4)
    with pytest.raises(TypeError, match="`test_size` must be a float in"):
        train_test_split(np.zeros(4), test_size="half")
    with pytest.raises(ValueError, match="stratified split needs `shuffle=True`"):
        train_test_split(np.zeros(4), stratify=np.zeros(4), shuffle=False)
    with pytest.raises(ValueError, match=r"`stratify` must have shape \(4,\)"):
        train_test_split(np.zeros(4), stratify=np.zeros(5))
    with pytest.raises(ValueError, match="needs at least one array"):
        train_test_split()
    with pytest.raises(TypeError, match="`seed` must be an int, a numpy Generator or None"):
        train_test_split(np.zeros(4), seed=0.5)


def test_validation_split():
    x = np.arange(40).reshape(20, 2)
    y = np.repeat([0, 1], 10)
    (x_tr, y_tr), (x_val, y_val) = validation_split(x, y, 0.2, stratify=True, seed=0)
    assert x_val.shape == (4, 2) and np.bincount(y_val).tolist() == [2, 2]
    assert len(x_tr) == len(y_tr) == 16
    (_, _), (x_last, _) = validation_split(x, y, 0.1, shuffle=False)
    np.testing.assert_array_equal(x_last, x[-2:])  # as Keras's fit(validation_split=...)
    with pytest.raises(ValueError, match=r"`fraction` must be a float in \(0, 1\), got 0"):
        validation_split(x, y, 0)


# ----------------------------------------------------------------------------- scaling


def test_scale_to_unit():
    x = np.array([[0, 51, 255]], dtype=np.uint8)
    out = scale_to_unit(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.0, 0.2, 1.0]])
    np.testing.assert_allclose(scale_to_unit(np.array([0, 8, 16]), max_value=16), [0, 0.5, 1])
    assert scale_to_unit(x, dtype="float64").dtype == np.float64
    with pytest.raises(TypeError, match="`max_value` is needed for arrays of dtype float64"):
        scale_to_unit(np.array([0.5]))
    with pytest.raises(ValueError, match=r"`x` must lie in \[0, max_value=16\], got .* to 17"):
        scale_to_unit(np.array([0, 17]), max_value=16)
    with pytest.raises(ValueError, match="`max_value` must be a finite number > 0, got 0"):
        scale_to_unit(x, max_value=0)
    with pytest.raises(TypeError, match="`dtype` must be a floating dtype, got int32"):
        scale_to_unit(x, dtype="int32")


def test_standard_scaler_learns_on_train_only(rng):
    x_train = rng.normal(5.0, 3.0, size=(500, 4, 4)).astype(np.float32)
    x_test = rng.normal(5.0, 3.0, size=(50, 4, 4)).astype(np.float32)
    scaler = StandardScaler().fit(x_train)
    z = scaler.transform(x_train)
    assert z.dtype == np.float32 and scaler.mean_.shape == (4, 4)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-5)
    np.testing.assert_allclose(scaler.transform(x_test),
                               (x_test - x_train.mean(0)) / x_train.std(0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(x_test)), x_test,
                               rtol=1e-5, atol=1e-4)
    z_train, z_test = standardize(x_train, x_test)
    np.testing.assert_allclose(z_test, scaler.transform(x_test))


def test_standard_scaler_axes_constant_features_and_integers():
    x = np.zeros((6, 2, 2, 3), dtype=np.uint8)
    x[..., 1] = np.arange(6)[:, None, None]
    scaler = StandardScaler(axis=(0, 1, 2)).fit(x)
    assert scaler.mean_.shape == (3,) and scaler.scale_[0] == 1.0  # constant channel
    out = scaler.transform(x)
    assert out.dtype == np.float32 and np.all(out[..., 0] == 0)
    constant = np.full((5, 3), 0.1)  # std is rounding noise, not a scale to divide by
    assert np.all(standardize(constant) == 0)
    g = StandardScaler(axis=None).fit(np.array([[1.0, 3.0]]))
    assert g.mean_.shape == () and float(g.mean_) == 2.0


def test_standard_scaler_errors():
    scaler = StandardScaler()
    with pytest.raises(ValueError, match="StandardScaler.transform was called before `fit`"):
        scaler.transform(np.zeros((2, 3)))
    scaler.fit(np.ones((4, 28, 28)))
    with pytest.raises(ValueError, match=r"fitted on an array of shape \(4, 28, 28\).*got shape "
                       r"\(4, 784\)"):
        scaler.transform(np.ones((4, 784)))
    with pytest.raises(ValueError, match=r"`axis` must name axes of the 2-D input, got 3"):
        StandardScaler(axis=3).fit(np.ones((2, 2)))
    with pytest.raises(ValueError, match="needs a non-empty array"):
        StandardScaler().fit(np.ones((0, 2)))


# ----------------------------------------------------------------------------- one-hot


def test_to_categorical_as_keras():
    out = to_categorical([0, 2, 1])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert to_categorical(np.array([[1], [0]]), num_classes=4).shape == (2, 4)
    assert to_categorical(np.array([1.0, 0.0]), dtype="uint8").dtype == np.uint8
    assert to_categorical([], num_classes=3).shape == (0, 3)


def test_to_categorical_errors():
    with pytest.raises(ValueError, match=r"labels in \[0, 3\) for num_classes=3, got values "
                       r"from 0 to 3"):
        to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match=r"values from -1 to 1"):
        to_categorical([-1, 1])
    with pytest.raises(ValueError, match="integer class labels, got non-integer floats"):
        to_categorical([0.5])
    with pytest.raises(TypeError, match="integer class labels, got dtype <U1"):
        to_categorical(["a"])
    with pytest.raises(ValueError, match="`num_classes` must be a positive int, got 0"):
        to_categorical([0], num_classes=0)
    with pytest.raises(ValueError, match="`num_classes` is needed when `y` is empty"):
        to_categorical([])
