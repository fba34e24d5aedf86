"""The data sets of ``glassnet compare``: one train/test split each, features flattened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: Data sets :func:`load_dataset` knows.
DATASETS = ("digits", "mnist", "fashion-mnist", "toy-moons", "toy-circles", "toy-spirals",
            "toy-blobs", "toy-astronaut")
@dataclass
class Dataset:
    """One train/test split, features flattened to ``(n, n_features)`` float32.

    ``image_shape`` is ``(h, w)`` for image data (``x.reshape(-1, h, w)`` gives the images)
    and ``None`` for feature tables such as the 2-D toy sets, whose columns ``feature_names``
    names (``("height", "fitness")`` for the astronaut set).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    image_shape: tuple[int, int] | None = None
    note: str = ""
    feature_names: tuple[str, ...] | None = None

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])


def _subsample(x: np.ndarray, y: np.ndarray, n: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stratified random ``n`` of the samples (all of them when ``n`` is None or larger)."""
    if n is None or n >= len(x):
        return x, y
    from glassnet.preprocessing import train_test_split

    _, x_keep, _, y_keep = train_test_split(x, y, test_size=int(n), stratify=y, seed=seed)
    return x_keep, y_keep


def _toy(name: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    from glassnet.datasets import toy

    if name == "toy-moons":
        x, y = toy.make_moons(n, noise=0.25, seed=seed)
    elif name == "toy-circles":
        x, y = toy.make_circles(n, noise=0.1, factor=0.5, seed=seed)
    elif name == "toy-spirals":
        x, y = toy.make_spirals(n, n_classes=3, noise=0.2, seed=seed)
    elif name == "toy-blobs":
        x, y = toy.make_blobs(n, centers=4, cluster_std=1.5, seed=seed)
    else:
        x, y = toy.make_astronaut(n, seed=seed)
        return x, y.reshape(-1).astype(np.int64), tuple(toy.ASTRONAUT_TARGET_NAMES)
    y = np.asarray(y, dtype=np.int64)
    return x, y, tuple(f"class {c}" for c in range(int(y.max()) + 1))


def _scaled(x: np.ndarray, scale: float) -> np.ndarray:
    """``x`` flattened to (n, features), float32, divided by ``scale`` (no float64 copy)."""
    out = x.reshape(len(x), -1).astype(np.float32)
    out *= np.float32(1.0 / scale)
    return out


def load_dataset(name: str, *, max_train: int | None = None, quick: bool = False, seed: int = 0,
                 download: bool | None = None, path: str | None = None,
                 progress: bool = False) -> Dataset:
    """Load ``name`` (one of :data:`DATASETS`) as a :class:`Dataset`.

    Images are scaled to [0, 1]. Toy sets have 1,000 points (300 with ``quick``), a
    stratified 75/25 split. ``max_train`` keeps a stratified random subset of the training
    part; ``quick`` keeps at most 1,000 training and 500 test images. ``download`` is passed
    to the MNIST and Fashion-MNIST loaders (None: unless ``$GLASSNET_OFFLINE`` is set), with
    ``path`` (a folder searched first) and ``progress`` (a download progress bar).
    """
    if name not in DATASETS:
        raise ValueError(f"`name` must be one of {', '.join(DATASETS)}, got {name!r}.")
    notes = []
    features: tuple[str, ...] | None = None
    if name.startswith("toy-"):
        from glassnet.datasets import toy
        from glassnet.preprocessing import train_test_split

        x, y, names = _toy(name, 300 if quick else 1000, seed)
        x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, stratify=y, seed=seed)
        shape, scale = None, 1.0
        features = (tuple(toy.ASTRONAUT_FEATURE_NAMES) if name == "toy-astronaut"
                    else ("$x_0$", "$x_1$"))
    else:
        mod: Any  # digits, mnist or fashion_mnist: their load_data signatures differ
        if name == "digits":
            from glassnet.datasets import digits as mod

            (x_tr, y_tr), (x_te, y_te) = mod.load_data(seed=seed)
            scale = float(mod.MAX_VALUE)
        else:
            from glassnet.datasets import fashion_mnist, mnist

            mod = mnist if name == "mnist" else fashion_mnist
            (x_tr, y_tr), (x_te, y_te) = mod.load_data(path, download=download,
                                                       progress=progress)
            scale = 255.0
        names, shape = tuple(mod.CLASS_NAMES), tuple(x_tr.shape[1:3])
    if quick:
        max_train = min(max_train or 1000, 1000)
        x_te, y_te = _subsample(x_te, y_te, 500, seed)
    n_full = len(x_tr)
    x_tr, y_tr = _subsample(x_tr, y_tr, max_train, seed)
    if len(x_tr) < n_full:
        notes.append(f"stratified random {len(x_tr):,} of the {n_full:,} training samples")
    return Dataset(
        name=name,
        x_train=_scaled(x_tr, scale),
        y_train=np.asarray(y_tr, dtype=np.int64),
        x_test=_scaled(x_te, scale),
        y_test=np.asarray(y_te, dtype=np.int64),
        class_names=names, image_shape=shape, note="; ".join(notes), feature_names=features,
    )
