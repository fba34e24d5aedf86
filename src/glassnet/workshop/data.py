"""Data for the workshop's Keras example: MNIST when it is on this machine, else a stand-in.

The notebooks must run offline. :func:`mnist_or_fallback` never downloads: it returns MNIST
when glassnet finds its files, else scikit-learn's 8x8 digits scaled up to 28x28 pixels, else
(without scikit-learn) a generated set of ten noisy digit-like patterns. All three have 784
pixel inputs in [0, 1] and ten classes, so the slides' model and its 24,790 parameters stay
the same; only the accuracy changes.
"""

from __future__ import annotations

import numpy as np

Split = tuple[np.ndarray, np.ndarray]


def _one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(10, dtype=np.float32)[labels.astype(int)]


def _upscale(images: np.ndarray, size: int = 28) -> np.ndarray:
    """Nearest-neighbour resize of ``(n, h, w)`` images to ``(n, size, size)``."""
    rows = (np.arange(size) * images.shape[1]) // size
    cols = (np.arange(size) * images.shape[2]) // size
    return images[:, rows][:, :, cols]


def _patterns(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    prototypes = rng.uniform(size=(10, 28, 28)) > 0.7
    labels = rng.integers(0, 10, size=n)
    noise = rng.uniform(size=(n, 28, 28)) < 0.1
    images = np.logical_xor(prototypes[labels], noise).astype(np.float32)
    return images, labels


def mnist_or_fallback(seed: int = 0) -> tuple[Split, Split, str]:
    """``(x_train, y_train), (x_test, y_test)`` ready for the slides' model, and what they are.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x`` float32 of shape (n, 784) in [0, 1]; ``y`` one-hot float32 of shape (n, 10).
    description : str
        Which data set this is, and why.
    """
    from glassnet.datasets import DatasetError, mnist

    try:
        (x_train, y_train), (x_test, y_test) = mnist.load_data(download=False, progress=False)
        scale, what = 255.0, "MNIST (found on this machine)"
    except (DatasetError, OSError):
        try:
            from glassnet.datasets import digits

            (x_train, y_train), (x_test, y_test) = digits.load_data()
            x_train, x_test = _upscale(x_train), _upscale(x_test)
            scale = float(digits.MAX_VALUE)
            what = ("MNIST is not on this machine (glassnet.datasets.mnist.load_data() downloads it once), "
                    "so these are scikit-learn's 8x8 digits scaled up to 28x28 pixels")
        except ImportError:
            rng = np.random.default_rng(seed)
            x_train, y_train = _patterns(rng, 2000)
            x_test, y_test = _patterns(rng, 500)
            scale = 1.0
            what = ("neither MNIST nor scikit-learn is installed, so these are ten generated 28x28 "
                    "patterns with noise")

    def prepare(x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=np.float32) / scale).reshape(len(x), 784)

    return ((prepare(x_train), _one_hot(y_train)), (prepare(x_test), _one_hot(y_test)), what)
