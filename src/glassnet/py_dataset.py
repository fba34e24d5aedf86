"""``PyDataset``: data served batch by batch by indexing (Keras's ``keras.utils.PyDataset``).

A subclass defines ``__len__`` (the number of batches) and ``__getitem__(idx)`` returning
batch ``idx`` as ``(x, y)`` or ``(x, y, sample_weight)``; ``fit`` reads every batch once per
epoch (in a random order unless ``shuffle=False``, as Keras) and calls
:meth:`PyDataset.on_epoch_end` after each epoch::

    class Batches(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, idx):
            lo = idx * self.batch_size
            return self.x[lo:lo + self.batch_size], self.y[lo:lo + self.batch_size]

    model.fit(Batches(x_train, y_train, 32), validation_data=Batches(x_val, y_val, 32))
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np


class PyDataset:
    """Base class of datasets indexed by batch.

    Parameters
    ----------
    workers : int, default 1
    use_multiprocessing : bool, default False
    max_queue_size : int, default 10
        Keras's parallel-loading settings, accepted and kept; glassnet reads the batches in
        order, in the calling thread (the results do not depend on them).
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10) -> None:
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define `__len__`.")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define `__getitem__`.")

    def on_epoch_end(self) -> None:
        """Called after each epoch of ``fit`` (shuffle here, for instance)."""

    @property
    def num_batches(self) -> int:
        return len(self)

    def __iter__(self) -> Iterator[Any]:
        """One pass over the batches, in order (what ``evaluate`` and ``predict`` read)."""
        for index in range(len(self)):
            yield self[index]

    def epochs(self, rng: np.random.Generator | None = None) -> Iterator[Any]:
        """Every batch, epoch after epoch (``fit``, which calls :meth:`on_epoch_end` at the
        end of each of its epochs); in a new random order each epoch when ``rng`` is given
        (``fit(shuffle=True)`` shuffles the batches' order, as Keras does)."""
        while len(self):
            order = range(len(self)) if rng is None else rng.permutation(len(self))
            for index in order:
                yield self[int(index)]
