"""Small synthetic data sets: the workshop's astronauts and the classic 2-D toy problems.

Every generator is deterministic given ``seed`` (it draws from
``np.random.default_rng(seed)`` and touches no global state) and returns float64 features.

Target shapes differ on purpose:

* :func:`make_astronaut` returns ``y`` of shape ``(m, 1)``, float64 0.0/1.0, because the
  workshop's network (:mod:`glassnet.scratch`) compares its ``(m, 1)`` sigmoid output to
  ``y`` with the mean squared error;
* :func:`make_moons`, :func:`make_circles`, :func:`make_spirals`, :func:`make_blobs` return
  integer labels of shape ``(n,)``, as scikit-learn does;
* :func:`make_regression_1d` returns ``X`` and ``y`` of shape ``(n, 1)``, float64.
"""

from __future__ import annotations

import numbers

import numpy as np

#: Column names of :func:`make_astronaut`'s ``X``.
ASTRONAUT_FEATURE_NAMES: tuple[str, str] = ("height", "fitness")
#: Names of :func:`make_astronaut`'s classes 0 and 1.
ASTRONAUT_TARGET_NAMES: tuple[str, str] = ("not an astronaut", "astronaut")
#: Aliases in scikit-learn's spelling.
feature_names = ASTRONAUT_FEATURE_NAMES
target_names = ASTRONAUT_TARGET_NAMES

# The astronaut rule, in the [0, 1] scaled units of X: height within a band (neither too
# short nor too tall for the seat and the suit) and fitness above a bar.
_HEIGHT_BAND = (0.35, 0.65)
_FITNESS_MIN = 0.5
# Non-astronauts are drawn outside the rule widened by this margin, so the classes are
# separated by a thin gap before ``noise`` blurs it.
_MARGIN = 0.04


# --------------------------------------------------------------------------- validation


def _check_n(n: int, name: str = "n_samples", minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {n!r}.")
    return int(n)


def _check_nonneg(x: float, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not (np.isfinite(x) and x >= 0):
        raise ValueError(f"`{name}` must be a finite number >= 0, got {x!r}.")
    return float(x)


def _split(n: int, k: int) -> list[int]:
    """Sizes of ``k`` classes as equal as possible, summing to ``n``."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _shuffled(
    rng: np.random.Generator, X: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(X.shape[0])
    return X[order], y[order]


# --------------------------------------------------------------------------- astronauts


def _is_astronaut(X: np.ndarray, margin: float = 0.0) -> np.ndarray:
    lo, hi = _HEIGHT_BAND
    h, f = X[:, 0], X[:, 1]
    return (h > lo - margin) & (h < hi + margin) & (f > _FITNESS_MIN - margin)


def make_astronaut(
    n_samples: int = 200, noise: float = 0.02, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The workshop's "astronaut / not an astronaut" set: two features, two classes.

    Astronauts have a height inside a band and a fitness above a bar; everyone else is
    not an astronaut. Being too tall disqualifies as surely as being too short, so no
    straight line separates the classes: the network needs its hidden layer.

    Parameters
    ----------
    n_samples : int, default 200
        Number of people, half of each class (the extra one is a non-astronaut when odd).
    noise : float, default 0.02
        Standard deviation of Gaussian jitter added to both features after labelling;
        above ~0.02 some points cross the boundary and 100% accuracy is out of reach.
    seed : int or None, default 0
        Seed for ``np.random.default_rng``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
        Columns ``feature_names = ("height", "fitness")``, scaled to about ``[0, 1]``
        (height 0 ≈ 150 cm, 1 ≈ 200 cm; fitness a 0–1 score).
    y : ndarray of shape (n_samples, 1), float64
        1.0 for an astronaut, 0.0 otherwise (``target_names``). A column, unlike the other
        toy sets' ``(n,)`` integer labels, because the workshop's MSE compares it to the
        network's ``(m, 1)`` output.

    Notes
    -----
    An astronaut satisfies 0.35 < height < 0.65 and fitness > 0.5. Astronauts are drawn
    uniformly inside that region; non-astronauts uniformly in the unit square outside the
    region widened by 0.04, so a small gap separates the classes before ``noise``.
    """
    n = _check_n(n_samples)
    noise = _check_nonneg(noise, "noise")
    rng = np.random.default_rng(seed)
    n_neg, n_pos = _split(n, 2)
    lo, hi = _HEIGHT_BAND
    pos = np.column_stack(
        [rng.uniform(lo, hi, n_pos), rng.uniform(_FITNESS_MIN, 1.0, n_pos)]
    )
    # Rejection sampling: about 75% of the square lies outside the widened region.
    neg = np.empty((0, 2))
    while neg.shape[0] < n_neg:
        cand = rng.uniform(0.0, 1.0, (2 * n_neg + 8, 2))
        neg = np.concatenate([neg, cand[~_is_astronaut(cand, _MARGIN)]])
    neg = neg[:n_neg]
    X = np.concatenate([neg, pos])
    y = np.concatenate([np.zeros(n_neg), np.ones(n_pos)]).reshape(-1, 1)
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(rng, X, y)


# --------------------------------------------------------------------------- 2-D classics


def _two_classes(rng: np.random.Generator, first: np.ndarray, second: np.ndarray,
                 noise: float) -> tuple[np.ndarray, np.ndarray]:
    """``first`` (label 0) and ``second`` (label 1), 2-D points, with Gaussian noise of std
    ``noise`` added to the coordinates, shuffled together."""
    n0, n1 = len(first), len(second)
    X = np.concatenate([first, second]) + noise * rng.standard_normal((n0 + n1, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _shuffled(rng, X, y)


def make_moons(
    n_samples: int = 200, noise: float = 0.1, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's ``make_moons``).

    Parameters
    ----------
    n_samples : int, default 200
        Total points, split as evenly as possible between the two moons.
    noise : float, default 0.1
        Standard deviation of Gaussian noise added to the coordinates.
    seed : int or None, default 0

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64, labels 0 (upper moon) and 1 (lower moon)
    """
    n = _check_n(n_samples)
    noise = _check_nonneg(noise, "noise")
    rng = np.random.default_rng(seed)
    n0, n1 = _split(n, 2)
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    return _two_classes(rng, upper, lower, noise)


def make_circles(
    n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A small circle inside a large one (as scikit-learn's ``make_circles``).

    Parameters
    ----------
    n_samples : int, default 200
        Total points, split as evenly as possible between the circles.
    noise : float, default 0.05
        Standard deviation of Gaussian noise added to the coordinates.
    factor : float, default 0.5
        Radius of the inner circle relative to the outer one (radius 1), in (0, 1).
    seed : int or None, default 0

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64, labels 0 (outer) and 1 (inner)
    """
    n = _check_n(n_samples)
    noise = _check_nonneg(noise, "noise")
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0 < factor < 1:
        raise ValueError(f"`factor` must be a number in (0, 1), got {factor!r}.")
    rng = np.random.default_rng(seed)
    n_out, n_in = _split(n, 2)
    t_out = np.linspace(0.0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0.0, 2 * np.pi, n_in, endpoint=False)
    outer = np.column_stack([np.cos(t_out), np.sin(t_out)])
    inner = factor * np.column_stack([np.cos(t_in), np.sin(t_in)])
    return _two_classes(rng, outer, inner, noise)


def make_spirals(
    n_samples: int = 300, n_classes: int = 2, noise: float = 0.2, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n spiral set).

    Parameters
    ----------
    n_samples : int, default 300
        Total points, split as evenly as possible between the arms.
    n_classes : int, default 2
        Number of arms (classes), >= 2.
    noise : float, default 0.2
        Standard deviation of Gaussian noise added to each point's angle (radians).
    seed : int or None, default 0

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64, inside the unit disc
    y : ndarray of shape (n_samples,), int64, labels 0 .. n_classes - 1

    Notes
    -----
    Arm ``k`` has radius :math:`r \\in [0, 1]` and angle
    :math:`\\theta = 2\\pi k / K + 4 r + \\text{noise}\\cdot\\mathcal N(0, 1)`, so each arm
    winds about two thirds of a turn.
    """
    n = _check_n(n_samples)
    k = _check_n(n_classes, "n_classes", minimum=2)
    noise = _check_nonneg(noise, "noise")
    rng = np.random.default_rng(seed)
    X_parts, y_parts = [], []
    for c, n_c in enumerate(_split(n, k)):
        r = np.linspace(0.0, 1.0, n_c)
        theta = 2 * np.pi * c / k + 4.0 * r + noise * rng.standard_normal(n_c)
        X_parts.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
        y_parts.append(np.full(n_c, c, dtype=np.int64))
    return _shuffled(rng, np.concatenate(X_parts), np.concatenate(y_parts))


def make_blobs(
    n_samples: int = 200,
    centers: int | np.ndarray = 3,
    n_features: int = 2,
    cluster_std: float = 1.0,
    seed: int | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters, one per class (as scikit-learn's ``make_blobs``).

    Parameters
    ----------
    n_samples : int, default 200
        Total points, split as evenly as possible between the clusters.
    centers : int or array-like of shape (n_centers, n_features), default 3
        How many clusters (centres drawn uniformly in ``[-10, 10]^n_features``), or the
        centres themselves.
    n_features : int, default 2
        Dimensions; ignored when ``centers`` is an array (its width is used).
    cluster_std : float, default 1.0
        Standard deviation of every cluster, >= 0.
    seed : int or None, default 0

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), int64, the cluster of each point
    """
    n = _check_n(n_samples)
    std = _check_nonneg(cluster_std, "cluster_std")
    rng = np.random.default_rng(seed)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _check_n(centers, "centers")
        d = _check_n(n_features, "n_features")
        C = rng.uniform(-10.0, 10.0, (k, d))
    else:
        C = np.asarray(centers, dtype=np.float64)
        if C.ndim != 2 or C.shape[0] < 1 or C.shape[1] < 1:
            raise ValueError(
                "`centers` must be a positive integer or an array of shape "
                f"(n_centers, n_features), got {C.shape if C.ndim else centers!r}."
            )
    sizes = _split(n, C.shape[0])
    X = np.concatenate(
        [c + std * rng.standard_normal((s, C.shape[1])) for c, s in zip(C, sizes, strict=True)]
    )
    y = np.repeat(np.arange(C.shape[0], dtype=np.int64), sizes)
    return _shuffled(rng, X, y)


# --------------------------------------------------------------------------- regression


def make_regression_1d(
    n_samples: int = 200, noise: float = 0.05, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A 1-D nonlinear regression problem: one period of a sine wave, with noise.

    Parameters
    ----------
    n_samples : int, default 200
    noise : float, default 0.05
        Standard deviation of Gaussian noise added to the targets.
    seed : int or None, default 0

    Returns
    -------
    X : ndarray of shape (n_samples, 1), float64, uniform in [0, 1)
    y : ndarray of shape (n_samples, 1), float64

    Notes
    -----
    :math:`y = 0.5 + 0.35 \\sin(2\\pi x) + \\text{noise}\\cdot\\mathcal N(0, 1)`. The curve
    stays inside (0.15, 0.85), so even the workshop's all-sigmoid network, whose output
    lives in (0, 1), can fit it.
    """
    n = _check_n(n_samples)
    noise = _check_nonneg(noise, "noise")
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.0, 1.0, (n, 1))
    y = 0.5 + 0.35 * np.sin(2 * np.pi * X) + noise * rng.standard_normal((n, 1))
    return X, y
