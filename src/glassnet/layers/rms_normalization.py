"""RMSNormalization: scale each sample by the root mean square of its features (Keras's)."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from glassnet.layers.base import Layer
from glassnet.layers.normalization import LayerNormalization, _float_in


class RMSNormalization(Layer):
    """Root-mean-square normalization (Zhang & Sennrich 2019), Keras's ``RMSNormalization``.

    Parameters
    ----------
    axis : int or list of int, default -1
        The axes the mean square is taken over (the batch axis is 0, as in Keras); the
        weight ``scale`` has their shape.
    epsilon : float, default 1e-6
        Added to the mean square before the square root.
    **kwargs
        The base layer's options (``name``, ``dtype`` ...).

    Notes
    -----
    With ``x`` viewed as (r, d) (the normalised axes last, flattened into ``d``), per row::

        inv = 1 / sqrt(mean(x^2) + eps),  xhat = x * inv,  y = xhat * scale
        dL/dscale = sum over rows of dL/dy * xhat
        with gh = scale * dL/dy:  dL/dx = inv * (gh - xhat * mean(gh * xhat))

    Unlike :class:`~glassnet.layers.LayerNormalization` nothing is subtracted (no mean, no
    ``beta``).
    """

    def __init__(self, axis: int | list[int] = -1, epsilon: float = 1e-6,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        axes = [axis] if isinstance(axis, (int, np.integer)) else axis
        if (isinstance(axis, bool) or not isinstance(axes, (list, tuple)) or not axes
                or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                           for a in axes)):
            raise ValueError(f"RMSNormalization `axis` must be an integer or a list of "
                             f"integers, got {axis!r}.")
        self.axis: int | list[int] = int(axis) if isinstance(axis, (int, np.integer)) else \
            sorted(int(a) for a in axes)
        self._axes: tuple[int, ...] = ()
        # The axis checks and row views are LayerNormalization's (the same attributes).
        self.epsilon = _float_in(epsilon, "RMSNormalization", "epsilon", 0.0, None, True)

    def _norm_axes(self, input_shape: tuple[Any, ...]) -> tuple[int, ...]:
        try:
            return LayerNormalization._norm_axes(cast(Any, self), input_shape)
        except ValueError as error:
            raise ValueError(str(error).replace("LayerNormalization", "RMSNormalization")) \
                from None

    def output_shape(self, input_shape):
        self._norm_axes(tuple(input_shape))
        return tuple(input_shape)

    def build(self, input_shape, rng=None):
        self._axes = self._norm_axes(tuple(input_shape))
        super().build(input_shape, rng)
        self.add_param("scale", tuple(int(input_shape[a - 1]) for a in self._axes), "ones", rng)

    def _to_rows(self, a: np.ndarray) -> np.ndarray:
        return LayerNormalization._to_rows(cast(Any, self), a)

    def _from_rows(self, a2: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return LayerNormalization._from_rows(cast(Any, self), a2, shape)

    def forward(self, x, training=False):
        built = cast(tuple, self.built_input_shape)
        if x.ndim != len(built) + 1:
            raise ValueError(f"RMSNormalization '{self.name}' was built for inputs of shape "
                             f"{(None,) + built}, got an array of shape {x.shape}.")
        x2 = self._to_rows(x)  # (r, d)
        inv = 1.0 / np.sqrt(np.einsum("ij,ij->i", x2, x2) / x2.shape[1] + self.epsilon)
        xhat = x2 * inv[:, None]
        self._cache = (xhat, inv[:, None], x.shape)
        return self._from_rows(xhat * self.params["scale"].reshape(-1), x.shape)

    def backward(self, grad_y):
        xhat, inv, shape = self._cache
        g2 = self._to_rows(grad_y)  # (r, d)
        scale = self.params["scale"]
        self.grads["scale"][...] = np.einsum("ij,ij->j", g2, xhat).reshape(scale.shape)
        gh = g2 * scale.reshape(-1)
        dx = gh - xhat * (np.einsum("ij,ij->i", gh, xhat) / g2.shape[1])[:, None]
        dx *= inv
        return self._from_rows(dx, shape)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon)
        return config
