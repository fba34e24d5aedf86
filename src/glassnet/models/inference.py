"""The prediction loop behind ``Model.predict``: batches in inference mode, with Keras's
``on_predict_*`` hooks when callbacks are given.

Without callbacks the batches are 256 rows (fewer, larger products; the outputs are the
same) and written straight into one output array; with callbacks they are Keras's 32 rows,
so each ``on_predict_batch_end`` sees the batches Keras's would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.models import data
from glassnet.models.threads import blas_threads
from glassnet.models.training import RELEASE_CACHES

if TYPE_CHECKING:
    from glassnet.callbacks import CallbackList
    from glassnet.models.model import Model


def callback_list(model: Model, callbacks: Any, params: dict[str, Any]) -> CallbackList | None:
    """``callbacks`` (a list, or a running loop's ``CallbackList``) as a CallbackList; None
    when there are none."""
    from glassnet.callbacks import CallbackList

    if not callbacks:
        return None
    if isinstance(callbacks, CallbackList):
        return callbacks
    return CallbackList(list(callbacks), model, params)


def run_predict(model: Model, x: Any, batch_size: int | None, steps: int | None,
                callbacks: Any) -> Any:
    """The loop behind :meth:`Model.predict` (arguments as documented there).

    Returns
    -------
    ndarray of shape (n, *output_shape)
    """
    from glassnet.models.model import _batch_size

    cb = callback_list(model, callbacks, {"verbose": 0, "epochs": 1, "steps": steps})
    if data.is_batch_stream(x):
        batches = [data.unpack_batch(b)[0] if isinstance(b, tuple) else b
                   for b in data.take(iter(x), steps)]
        if cb is None:
            return np.concatenate([run_predict(model, b, batch_size, None, None)
                                   for b in batches])
        cb.on_predict_begin()
        outs = []
        for i, b in enumerate(batches):
            cb.on_predict_batch_begin(i)
            outs.append(run_predict(model, b, batch_size, None, None))
            cb.on_predict_batch_end(i, {"outputs": outs[-1]})
        cb.on_predict_end()
        return np.concatenate(outs)
    x = data.as_inputs(model._pack_inputs(x), model.dtype, finite=False)
    model._ensure_built(x)
    model._check_input_shape(x)
    bs = _batch_size(batch_size, default=32 if cb is not None else 256)
    with blas_threads(model, bs):
        if cb is not None:
            return _with_callbacks(model, x, bs, cb)
        return model._predict_batches(x, bs)


def _with_callbacks(model: Model, x: np.ndarray, bs: int, cb: CallbackList) -> Any:
    cb.on_predict_begin()
    outs = []
    with model._inference_only():
        for k, i in enumerate(range(0, len(x), bs)):
            cb.on_predict_batch_begin(k)
            out = model._forward(x[i:i + bs], training=False, observer=RELEASE_CACHES)
            outs.append([o.copy() for o in out] if isinstance(out, list) else out.copy())
            cb.on_predict_batch_end(k, {"outputs": outs[-1]})
    cb.on_predict_end()
    if outs and isinstance(outs[0], list):  # several outputs: one array each
        return [np.concatenate([o[j] for o in outs]) for j in range(len(outs[0]))]
    return np.concatenate(outs)


def predict_batches(model: Model, x: np.ndarray, bs: int) -> np.ndarray:
    """Outputs for the checked array ``x``, ``bs`` rows at a time, into one array."""
    with model._inference_only():
        first = model._forward(x[:bs], training=False, observer=RELEASE_CACHES)
        if len(x) <= bs:
            return first.copy() if first.base is not None else first
        out = np.empty((len(x),) + first.shape[1:], dtype=first.dtype)
        out[:bs] = first
        del first  # peak memory: one batch's intermediates plus the output
        for i in range(bs, len(x), bs):
            out[i:i + bs] = model._forward(x[i:i + bs], training=False, observer=RELEASE_CACHES)
    return out
