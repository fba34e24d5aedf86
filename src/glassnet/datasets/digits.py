"""scikit-learn's bundled 8x8 handwritten digits (UCI "optdigits" test set): 1797 images.

Needs scikit-learn (the ``sklearn`` extra), which ships the data, so nothing is downloaded.
Shaped like the MNIST loaders, but smaller: images uint8 of shape ``(n, 8, 8)`` whose grey
levels run from 0 to **16** (not 255 -- scale with
``glassnet.preprocessing.scale_to_unit(x, max_value=16)``), labels uint8 of shape ``(n,)``
in 0..9 (about 180 of each).

>>> from glassnet.datasets import digits
>>> (x_train, y_train), (x_test, y_test) = digits.load_data()   # doctest: +SKIP
>>> x_train.shape, x_test.shape                                 # doctest: +SKIP
((1347, 8, 8), (450, 8, 8))
"""

from __future__ import annotations

import numpy as np

N_SAMPLES = 1797
IMAGE_SHAPE = (8, 8)
#: The largest grey level: pixels are counts of "on" cells in 4x4 blocks of a 32x32 bitmap.
MAX_VALUE = 16
CLASS_NAMES: tuple[str, ...] = tuple(str(d) for d in range(10))


def load_arrays() -> tuple[np.ndarray, np.ndarray]:
    """All 1797 digits in scikit-learn's order.

    Returns
    -------
    x : ndarray of shape (1797, 8, 8), uint8
        Grey levels 0..16.
    y : ndarray of shape (1797,), uint8
        Labels 0..9.

    Raises
    ------
    ImportError
        If scikit-learn is not installed, naming the extra that installs it.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError(
            "glassnet.datasets.digits needs scikit-learn, which ships the 8x8 digits: "
            "pip install 'glassnet[sklearn]'."
        ) from exc
    bunch = load_digits()
    x = np.rint(bunch.images).astype(np.uint8)
    y = np.asarray(bunch.target).astype(np.uint8)
    return x, y


#: Alias of :func:`load_arrays`.
load = load_arrays


def load_data(
    test_size: float = 0.25, seed: int = 0
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The digits split like Keras's loaders: ``(x_train, y_train), (x_test, y_test)``.

    The split is stratified (each class keeps its share in both parts) and deterministic:
    the same ``test_size`` and ``seed`` always give the same split.

    Parameters
    ----------
    test_size : float, default 0.25
        Fraction of the samples in the test part: 0.25 gives 1347 train and 450 test.
    seed : int, default 0
        Seed of the shuffle.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        Images uint8 of shape (n, 8, 8) in 0..16, labels uint8 of shape (n,).
    """
    from glassnet.preprocessing import train_test_split

    x, y = load_arrays()
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, stratify=y, seed=seed
    )
    return (x_train, y_train), (x_test, y_test)
