"""MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grey levels.

>>> from glassnet.datasets import mnist
>>> (x_train, y_train), (x_test, y_test) = mnist.load_data()   # doctest: +SKIP
>>> x_test, y_test = mnist.load_split("test")                   # doctest: +SKIP

Arrays are shaped as Keras's loader shapes them: images uint8 ``(n, 28, 28)`` in 0..255,
labels uint8 ``(n,)`` in 0..9.

Where the files are looked for, in order (see :mod:`glassnet.datasets.sources`): ``path``;
``$GLASSNET_DATA/mnist`` (then ``$GLASSNET_DATA/MNIST/raw``, ``$GLASSNET_DATA/MNIST``,
``$GLASSNET_DATA``); the user cache ``~/.cache/glassnet/mnist``; :data:`SYSTEM_DIRS`; and last
a download from :data:`MIRRORS`, verified against :data:`CHECKSUMS`, into the cache. The four
files keep their official names (``train-images-idx3-ubyte.gz``, ...), gzip-compressed or not.

``path`` may also name a Keras-style ``.npz`` file holding ``x_train``, ``y_train``,
``x_test`` and ``y_test`` (as Keras's ``mnist.npz``); it is then read directly.

:data:`MIRRORS`, :data:`SYSTEM_DIRS` and :data:`CHECKSUMS` are read at each call, so they can
be changed (or passed as arguments) to point at a local server or directory.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.datasets.errors import DatasetError, MissingFilesError
from glassnet.datasets.idx import read_images, read_labels
from glassnet.datasets.sources import Checksums, DataSource, locate

SPLITS = ("train", "test")
#: File names of each split: ``{split: (images, labels)}``.
FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
#: Base URLs tried in turn (Yann LeCun's original site now often refuses downloads).
MIRRORS: list[str] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]
#: Directories distributions may install the files to.
SYSTEM_DIRS: list[str] = ["/usr/share/datasets/mnist"]
#: Digests of the official .gz files: the published MD5s, and SHA-256 of the test files.
CHECKSUMS: dict[str, tuple[str, ...]] = {
    "train-images-idx3-ubyte.gz": ("md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",),
    "train-labels-idx1-ubyte.gz": ("md5:d53e105ee54ea40749a09fcbcd1e9432",),
    "t10k-images-idx3-ubyte.gz": (
        "md5:9fb629c4189551a2d022fa330f9573f3",
        "sha256:8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "md5:ec29112dd5afa0611ce80d1b7f02629c",
        "sha256:f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    ),
}
NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28)
#: Names of the classes, by label.
CLASS_NAMES: tuple[str, ...] = tuple(str(d) for d in range(10))

SOURCE = DataSource(
    name="mnist",
    title="MNIST",
    dirnames=("mnist", "MNIST/raw", "MNIST"),
    offline_hint="MNIST's official files are the four *-ubyte.gz files of "
    "http://yann.lecun.com/exdb/mnist/ (mirrored in glassnet.datasets.mnist.MIRRORS).",
)

Split = tuple[np.ndarray, np.ndarray]


def check_split(split: str) -> str:
    """``split`` if it is 'train' or 'test', else a ValueError listing the choices."""
    if split not in SPLITS:
        raise ValueError(f"`split` must be one of {SPLITS}, got {split!r}.")
    return split


def _from_npz(path: Path, splits: Sequence[str], title: str) -> list[Split]:
    with np.load(path, allow_pickle=False) as npz:
        keys = [k for s in splits for k in (f"x_{s}", f"y_{s}")]
        absent = [k for k in keys if k not in npz.files]
        if absent:
            raise DatasetError(
                f"{title} archive '{path}' lacks arrays {absent}; it holds {sorted(npz.files)}."
            )
        return [(npz[f"x_{s}"], npz[f"y_{s}"]) for s in splits]


def _check_pair(images: np.ndarray, labels: np.ndarray, where: str, num_classes: int,
                image_shape: tuple[int, int]) -> Split:
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != image_shape:
        raise DatasetError(
            f"{where}: images must be uint8 of shape (n, {image_shape[0]}, {image_shape[1]}), "
            f"got {images.dtype} of shape {images.shape}."
        )
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise DatasetError(
            f"{where}: {images.shape[0]} images but labels of shape {labels.shape}; the images "
            "and labels files do not belong together."
        )
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise DatasetError(
            f"{where}: labels must lie in [0, {num_classes}), got values from {labels.min()} "
            f"to {labels.max()}."
        )
    return images, labels.astype(np.uint8, copy=False)


def load_mnist_like(
    splits: Sequence[str],
    source: DataSource,
    files: dict[str, tuple[str, str]],
    path: str | os.PathLike[str] | None = None,
    *,
    mirrors: Sequence[str] = (),
    system_dirs: Sequence[str | os.PathLike[str]] = (),
    checksums: Checksums | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    download: bool | None = None,
    progress: bool = True,
    num_classes: int = NUM_CLASSES,
    image_shape: tuple[int, int] = IMAGE_SHAPE,
    hint: str = "",
) -> list[Split]:
    """Load ``splits`` of any data set stored as MNIST is (Fashion-MNIST, KMNIST, ...).

    Returns one ``(images, labels)`` pair per split, images uint8 ``(n, *image_shape)`` and
    labels uint8 ``(n,)``. The other arguments are those of :func:`load_data` and of
    :func:`glassnet.datasets.sources.locate`.
    """
    if path is not None and Path(path).expanduser().is_file():
        p = Path(path).expanduser()
        if p.suffix != ".npz":
            raise DatasetError(
                f"`path` must be a directory or a Keras-style .npz file, got the file '{p}'."
            )
        pairs = _from_npz(p, splits, source.title)
        return [_check_pair(x, y, f"'{p}' ({s})", num_classes, image_shape)
                for (x, y), s in zip(pairs, splits, strict=True)]
    if path is not None and not Path(path).expanduser().exists():
        raise MissingFilesError(
            f"`path` '{path}' does not exist; pass a directory holding the {source.title} files "
            "or a Keras-style .npz file.",
            missing=(str(path),),
        )
    needed = [f for s in splits for f in files[s]]
    where = locate(needed, source, path, system_dirs=system_dirs, mirrors=mirrors,
                   checksums=checksums, cache=cache_dir, download=download, progress=progress,
                   hint=hint)
    out = []
    for s in splits:
        img_file, lbl_file = (where[f] for f in files[s])
        images, labels = read_images(img_file), read_labels(lbl_file)
        out.append(_check_pair(images, labels, f"{source.title} {s} files '{img_file}' and "
                               f"'{lbl_file}'", num_classes, image_shape))
    return out


class IdxDataset:
    """The two loaders, ``load_split`` and ``load_data``, of a data set stored as MNIST is.

    Parameters
    ----------
    module : str
        The data set's module (``"glassnet.datasets.fashion_mnist"``): its ``MIRRORS``,
        ``SYSTEM_DIRS`` and ``CHECKSUMS`` are read at each call, so they can be changed there.
    source : DataSource
        Where its files are looked for.
    """

    def __init__(self, module: str, source: DataSource) -> None:
        self.module = module
        self.source = source

    def _sources(self, mirrors: Sequence[str] | None,
                 system_dirs: Sequence[str | os.PathLike[str]] | None,
                 checksums: Checksums | None) -> dict[str, Any]:
        """The arguments, or else the module's current ``MIRRORS``, ``SYSTEM_DIRS``, ``CHECKSUMS``."""
        module = sys.modules[self.module]
        return {
            "mirrors": module.MIRRORS if mirrors is None else mirrors,
            "system_dirs": module.SYSTEM_DIRS if system_dirs is None else system_dirs,
            "checksums": module.CHECKSUMS if checksums is None else checksums,
        }

    def load_split(
        self,
        split: str,
        path: str | os.PathLike[str] | None = None,
        *,
        download: bool | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        mirrors: Sequence[str] | None = None,
        system_dirs: Sequence[str | os.PathLike[str]] | None = None,
        checksums: Checksums | None = None,
        progress: bool = True,
    ) -> Split:
        """Load one split; only that split's two files need to exist.

        Parameters
        ----------
        split : {'train', 'test'}
            Which split.
        path, download, cache_dir, mirrors, system_dirs, checksums, progress
            As for ``load_data``.

        Returns
        -------
        x : ndarray of shape (n, 28, 28), uint8
            n = 60000 for 'train', 10000 for 'test'.
        y : ndarray of shape (n,), uint8
        """
        check_split(split)
        (pair,) = load_mnist_like(
            [split], self.source, FILES, path, download=download, cache_dir=cache_dir,
            progress=progress, **self._sources(mirrors, system_dirs, checksums),
        )
        return pair

    def load_data(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        download: bool | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        mirrors: Sequence[str] | None = None,
        system_dirs: Sequence[str | os.PathLike[str]] | None = None,
        checksums: Checksums | None = None,
        progress: bool = True,
    ) -> tuple[Split, Split]:
        """Load the data set as Keras does: ``(x_train, y_train), (x_test, y_test)``.

        Parameters
        ----------
        path : str or path-like, optional
            A directory searched first (also its subdirectory named after the data set, e.g.
            ``mnist/``), or a Keras-style ``.npz`` file, read directly. A path that does not
            exist is an error.
        download : bool, optional
            Allow downloading missing files into the cache; by default unless
            ``$GLASSNET_OFFLINE`` is set.
        cache_dir : path-like, optional
            Replaces the user cache directory (``~/.cache/glassnet/mnist``,
            ``~/.cache/glassnet/fashion-mnist``).
        mirrors, system_dirs, checksums : optional
            Replace the module's ``MIRRORS``, ``SYSTEM_DIRS``, ``CHECKSUMS``.
        progress : bool, default True
            Show a progress bar while downloading (when tqdm is installed).

        Returns
        -------
        (x_train, y_train), (x_test, y_test)
            ``x_train`` uint8 of shape (60000, 28, 28), ``y_train`` uint8 of shape (60000,),
            ``x_test`` uint8 (10000, 28, 28), ``y_test`` uint8 (10000,).

        Raises
        ------
        MissingFilesError
            Some of the four files were found nowhere (the message names them and every
            directory searched); use ``load_split`` to load a split whose files do exist.
        IDXFormatError, DatasetError
            A file is corrupt or the images and labels disagree.
        """
        for arg, value in (("path", path), ("cache_dir", cache_dir)):
            if value is not None and not isinstance(value, (str, os.PathLike)):
                raise TypeError(f"`{arg}` must be a path (str or path-like), got {value!r} "
                                f"({type(value).__name__}).")
        train, test = load_mnist_like(
            SPLITS, self.source, FILES, path, download=download, cache_dir=cache_dir,
            progress=progress, **self._sources(mirrors, system_dirs, checksums),
            hint=f"To load only a split whose files exist, use {self.module}.load_split('test') "
            "(or 'train').",
        )
        return train, test


_DATASET = IdxDataset(__name__, SOURCE)
load_split = _DATASET.load_split
load_data = _DATASET.load_data
