"""``keras.utils.timeseries_dataset_from_array``: sliding windows over an array, as batches.

Window ``i`` starts at ``p_i = start_index + i * sequence_stride`` and holds
``data[p_i + k * sampling_rate]`` for ``k < sequence_length``; its target is
``targets[p_i]``. There are ``end_index - start_index - (sequence_length - 1) *
sampling_rate`` possible starts (at most ``len(targets)``), taken every
``sequence_stride``. The result is a :class:`~glassnet.py_dataset.PyDataset` of batches
``(windows, targets)`` (``windows`` alone without targets), which ``fit``, ``evaluate`` and
``predict`` accept.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.py_dataset import PyDataset


class TimeseriesDataset(PyDataset):
    """Batches of windows of ``data`` (and their targets); see the module.

    Parameters
    ----------
    data : ndarray of shape (steps, ...)
    targets : ndarray of shape (steps, ...) or None
    starts : ndarray of int
        The first index of each window, in order of the batches.
    sequence_length, sampling_rate : int
    batch_size : int or None
        None: one window per item, without a batch axis.
    """

    def __init__(self, data: np.ndarray, targets: np.ndarray | None, starts: np.ndarray,
                 sequence_length: int, sampling_rate: int, batch_size: int | None) -> None:
        super().__init__()
        self.data, self.targets, self.starts = data, targets, starts
        self.offsets = np.arange(sequence_length) * sampling_rate
        self.batch_size = batch_size

    def __len__(self) -> int:
        if self.batch_size is None:
            return len(self.starts)
        return -(-len(self.starts) // self.batch_size)

    def __getitem__(self, index: int) -> Any:
        if not -len(self) <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches.")
        index %= len(self)
        if self.batch_size is None:
            starts = self.starts[index:index + 1]
        else:
            starts = self.starts[index * self.batch_size:(index + 1) * self.batch_size]
        windows = self.data[starts[:, None] + self.offsets]
        out: Any = windows if self.targets is None else (windows, self.targets[starts])
        if self.batch_size is None:
            out = windows[0] if self.targets is None else (windows[0], self.targets[starts][0])
        return out


def timeseries_dataset_from_array(data: Any, targets: Any, sequence_length: int,
                                  sequence_stride: int = 1, sampling_rate: int = 1,
                                  batch_size: int | None = 128, shuffle: bool = False,
                                  seed: int | None = None, start_index: int | None = None,
                                  end_index: int | None = None) -> TimeseriesDataset:
    """Windows of ``data`` with their targets, in batches (Keras's function).

    Parameters
    ----------
    data : array-like of shape (steps, ...)
    targets : array-like or None
        ``targets[p]`` is the target of the window that starts at ``p``.
    sequence_length : int
        Steps per window.
    sequence_stride : int, default 1
        Steps between the starts of consecutive windows.
    sampling_rate : int, default 1
        Steps between two entries of a window.
    batch_size : int or None, default 128
        Windows per batch; None yields single windows.
    shuffle : bool, default False
        Shuffle the windows' order (NumPy's ``RandomState(seed)``, as Keras shuffles the
        starts).
    seed : int, optional
    start_index, end_index : int, optional
        Only ``data[start_index:end_index]`` is used.

    Returns
    -------
    TimeseriesDataset
        A :class:`~glassnet.py_dataset.PyDataset` of ``(windows, targets)`` batches.
    """
    owner = "timeseries_dataset_from_array"
    data = np.asarray(data)
    if data.ndim < 1:
        raise ValueError(f"{owner} `data` must be an array of time steps, got a scalar.")
    n = len(data)
    sequence_length = _validate.check_int(owner, "sequence_length", sequence_length, min=1)
    if start_index:
        _validate.check_int(owner, "start_index", start_index, min=0, max=n - 1)
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        _validate.check_int(owner, "end_index", end_index, min=1, max=n - 1)
    sampling_rate = _validate.check_int(owner, "sampling_rate", sampling_rate, min=1, max=n - 1)
    sequence_stride = _validate.check_int(owner, "sequence_stride", sequence_stride, min=1,
                                          max=n - 1)
    if batch_size is not None:
        batch_size = _validate.check_int(owner, "batch_size", batch_size, min=1)
    start = start_index or 0
    end = n if end_index is None else end_index
    count = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets))
    positions = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:
        if seed is None:
            seed = int(np.random.default_rng().integers(1_000_000))
        np.random.RandomState(seed).shuffle(positions)
    if targets is not None:
        targets = targets[start:end] if start or end_index is not None else targets
    return TimeseriesDataset(data[start:end], targets, positions, sequence_length,
                             sampling_rate, batch_size)
