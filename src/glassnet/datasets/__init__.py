"""Data sets: the workshop's toy sets and the MNIST family, shaped as Keras shapes them.

``glassnet.datasets.mnist.load_data()`` / ``fashion_mnist.load_data()`` return uint8 arrays
``((x_train, y_train), (x_test, y_test))``; the toy sets (``make_astronaut``, ``make_moons`` …)
are generated, deterministic from their seed.
"""

from glassnet.datasets import digits, fashion_mnist, idx, mnist, sources
from glassnet.datasets.errors import (
    ChecksumError,
    DatasetError,
    DownloadError,
    IDXFormatError,
    MissingFilesError,
)
from glassnet.datasets.toy import (
    make_astronaut,
    make_blobs,
    make_circles,
    make_moons,
    make_regression_1d,
    make_spirals,
)

__all__ = [
    "ChecksumError",
    "DatasetError",
    "DownloadError",
    "IDXFormatError",
    "MissingFilesError",
    "digits",
    "fashion_mnist",
    "idx",
    "make_astronaut",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_regression_1d",
    "make_spirals",
    "mnist",
    "sources",
]
