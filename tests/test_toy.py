"""Toy data sets: determinism, shapes, balance, validation, and the astronaut set's shape."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

from glassnet.datasets import toy
from glassnet.datasets.toy import (
    make_astronaut,
    make_blobs,
    make_circles,
    make_moons,
    make_regression_1d,
    make_spirals,
)
from glassnet.scratch import GD, init_params, predict

CLASSIFIERS: list[tuple[Callable, dict, int]] = [
    (make_moons, {}, 2),
    (make_circles, {}, 2),
    (make_spirals, {}, 2),
    (make_spirals, {"n_classes": 3}, 3),
    (make_blobs, {}, 3),
    (make_blobs, {"centers": 4, "n_features": 3}, 4),
]
ALL = [make_astronaut, make_moons, make_circles, make_spirals, make_blobs, make_regression_1d]


@pytest.mark.parametrize("make", ALL)
def test_deterministic_by_seed(make: Callable) -> None:
    X1, y1 = make(n_samples=50, seed=3)
    X2, y2 = make(n_samples=50, seed=3)
    X3, _ = make(n_samples=50, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize(("make", "kwargs", "n_classes"), CLASSIFIERS)
@pytest.mark.parametrize("n", [1, 7, 101])
def test_classifier_shapes_dtypes_balance(
    make: Callable, kwargs: dict, n_classes: int, n: int
) -> None:
    X, y = make(n_samples=n, seed=0, **kwargs)
    n_features = kwargs.get("n_features", 2)
    assert X.shape == (n, n_features) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=n_classes)
    assert counts.sum() == n and len(counts) == n_classes
    assert counts.max() - counts.min() <= 1  # as balanced as n allows
    assert np.all(np.isfinite(X))


def test_astronaut_shapes_balance_and_names() -> None:
    X, y = make_astronaut(n_samples=201, seed=0)
    assert X.shape == (201, 2) and X.dtype == np.float64
    assert y.shape == (201, 1) and y.dtype == np.float64
    assert set(np.unique(y)) == {0.0, 1.0}
    assert int(y.sum()) == 100  # 100 astronauts, 101 others
    assert toy.feature_names == ("height", "fitness")
    assert toy.target_names == ("not an astronaut", "astronaut")
    assert np.all((X > -0.2) & (X < 1.2))


def test_astronaut_labels_follow_the_rule_without_noise() -> None:
    X, y = make_astronaut(n_samples=400, noise=0.0, seed=5)
    h, f = X[:, 0], X[:, 1]
    rule = (h > 0.35) & (h < 0.65) & (f > 0.5)
    np.testing.assert_array_equal(rule, y[:, 0] == 1.0)
    # Astronauts on both sides in height: too short and too tall both fail.
    neg_fit = (y[:, 0] == 0) & (f > 0.6)
    assert np.any(neg_fit & (h < 0.3)) and np.any(neg_fit & (h > 0.7))


def _train_accuracy(sizes: list[int], X: np.ndarray, y: np.ndarray) -> float:
    w, b = init_params(sizes, seed=0)
    w, b, _ = GD(X, y, w, b, epoch=2000, lr=6.0, gradient="backprop")
    return float(np.mean((predict(X, w, b) >= 0.5) == (y >= 0.5)))


def test_astronaut_needs_a_hidden_layer() -> None:
    X, y = make_astronaut(seed=0)
    # A [2, 1] network is logistic regression: one straight boundary.
    assert _train_accuracy([2, 1], X, y) < 0.9
    assert _train_accuracy([2, 3, 1], X, y) >= 0.95


def test_moons_and_circles_geometry() -> None:
    X, y = make_circles(n_samples=200, noise=0.0, factor=0.3, seed=0)
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)
    X, y = make_moons(n_samples=200, noise=0.0, seed=0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0)


def test_spirals_inside_unit_disc() -> None:
    X, y = make_spirals(n_samples=300, n_classes=3, noise=0.3, seed=0)
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0 + 1e-12)
    assert set(np.unique(y)) == {0, 1, 2}


def test_blobs_given_centers() -> None:
    centers = np.array([[0.0, 0.0, 0.0], [100.0, 100.0, 100.0]])
    X, y = make_blobs(n_samples=40, centers=centers, cluster_std=0.5, seed=0)
    assert X.shape == (40, 3)
    for c in range(2):
        np.testing.assert_allclose(X[y == c].mean(axis=0), centers[c], atol=0.6)


def test_regression_1d() -> None:
    X, y = make_regression_1d(n_samples=100, noise=0.0, seed=0)
    assert X.shape == y.shape == (100, 1)
    assert X.dtype == y.dtype == np.float64
    np.testing.assert_allclose(y, 0.5 + 0.35 * np.sin(2 * np.pi * X))
    assert np.all((X >= 0) & (X < 1))
    _, y_noisy = make_regression_1d(n_samples=100, noise=0.1, seed=0)
    assert 0.05 < np.std(y_noisy - y) < 0.15


@pytest.mark.parametrize("make", ALL)
@pytest.mark.parametrize("n", [0, -5, 2.5, True])
def test_rejects_bad_n_samples(make: Callable, n: object) -> None:
    message = f"`n_samples` must be an integer >= 1, got {n!r}."
    with pytest.raises(ValueError, match=re.escape(message)):
        make(n_samples=n)


@pytest.mark.parametrize(
    "make", [make_astronaut, make_moons, make_circles, make_spirals, make_regression_1d]
)
def test_rejects_negative_noise(make: Callable) -> None:
    message = "`noise` must be a finite number >= 0, got -0.1."
    with pytest.raises(ValueError, match=re.escape(message)):
        make(noise=-0.1)


@pytest.mark.parametrize(
    ("make", "kwargs", "message"),
    [
        (make_circles, {"factor": 1.0}, "`factor` must be a number in (0, 1), got 1.0."),
        (make_spirals, {"n_classes": 1}, "`n_classes` must be an integer >= 2, got 1."),
        (make_blobs, {"centers": 0}, "`centers` must be an integer >= 1, got 0."),
        (make_blobs, {"centers": [1.0, 2.0]}, "`centers` must be a positive integer or an array"),
        (make_blobs, {"n_features": 0}, "`n_features` must be an integer >= 1, got 0."),
        (make_blobs, {"cluster_std": -1.0}, "`cluster_std` must be a finite number >= 0, got -1.0"),
    ],
)
def test_rejects_bad_arguments(make: Callable, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        make(**kwargs)
