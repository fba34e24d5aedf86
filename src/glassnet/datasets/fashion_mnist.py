"""Fashion-MNIST (Zalando): 60,000 training and 10,000 test images of clothing, 28x28 grey.

A drop-in replacement for MNIST -- same file names, shapes and dtypes -- that is harder to
classify. Labels 0..9 name :data:`CLASS_NAMES`.

>>> from glassnet.datasets import fashion_mnist
>>> (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()   # doctest: +SKIP

Files are looked for as for :mod:`glassnet.datasets.mnist`, in ``path``,
``$GLASSNET_DATA/fashion-mnist`` (or ``fashion_mnist/``, ``FashionMNIST/raw/``, ...), the user
cache ``~/.cache/glassnet/fashion-mnist``, :data:`SYSTEM_DIRS` -- where Debian's
``dataset-fashion-mnist`` package installs them -- and last :data:`MIRRORS`.

:data:`CHECKSUMS` pins the official files' MD5s (Zalando's README) and the SHA-256 of
Debian's copies, which hold the same data re-gzipped without the file name in the header.
"""

from __future__ import annotations

# Fashion-MNIST keeps MNIST's file names and splits.
from glassnet.datasets.mnist import (  # noqa: F401
    FILES,
    SPLITS,
    IdxDataset,
    Split,
    check_split,
    load_mnist_like,
)
from glassnet.datasets.sources import DataSource

#: Names of the classes, by label (as in Zalando's README and Keras's docs).
CLASS_NAMES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
#: Base URLs tried in turn.
MIRRORS: list[str] = [
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
]
#: Directories distributions install the files to (Debian: package dataset-fashion-mnist).
SYSTEM_DIRS: list[str] = ["/usr/share/datasets/fashion-mnist"]
#: Official MD5s, and SHA-256 of Debian's re-gzipped copies.
CHECKSUMS: dict[str, tuple[str, ...]] = {
    "train-images-idx3-ubyte.gz": (
        "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "sha256:b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    ),
    "train-labels-idx1-ubyte.gz": (
        "md5:25c81989df183df01b3e8a0aad5dffbe",
        "sha256:0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    ),
    "t10k-images-idx3-ubyte.gz": (
        "md5:bef4ecab320f06d8554ea6380940ec79",
        "sha256:cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "md5:bb300cfdad3c16e7a12a480ee83cd310",
        "sha256:8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
    ),
}
NUM_CLASSES = 10

SOURCE = DataSource(
    name="fashion-mnist",
    title="Fashion-MNIST",
    dirnames=("fashion-mnist", "fashion_mnist", "FashionMNIST/raw", "FashionMNIST"),
    offline_hint="On Debian or Ubuntu, `apt install dataset-fashion-mnist` installs the files "
    "in /usr/share/datasets/fashion-mnist, where they are found without a download.",
)


_DATASET = IdxDataset(__name__, SOURCE)
#: One split, as :func:`glassnet.datasets.mnist.load_split`.
load_split = _DATASET.load_split
#: ``(x_train, y_train), (x_test, y_test)``, as :func:`glassnet.datasets.mnist.load_data`;
#: ``y_train`` holds 6000 of each class.
load_data = _DATASET.load_data
