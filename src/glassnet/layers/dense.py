"""Dense: the fully connected layer ``y = f(x W + b)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate
from glassnet.layers._weights_config import _KernelLayer


class Dense(_KernelLayer):
    """Fully connected layer.

    Parameters
    ----------
    units : int
        Output features.
    activation : str or ActivationFunction, optional
        Applied to ``x W + b``; ``None`` is linear.
    use_bias : bool, default True
    **kwargs
        Of the (in, units) kernel and the (units,) bias, with the base layer's arguments:
        ``kernel_initializer`` (default ``'glorot_uniform'``), ``bias_initializer`` (``'zeros'``),
        the regularizers and constraints: see :class:`~glassnet.layers._weights_config._KernelLayer`.

    Notes
    -----
    Shapes: ``x`` (batch, in), ``W`` (in, units), ``b`` (units,), ``y`` (batch, units)::

        z = x @ W + b                 forward
        dL/dz = f'(z) * dL/dy         (the activation's own backward)
        dL/dW = x.T @ dL/dz           (in, batch) @ (batch, units) -> (in, units)
        dL/db = sum_batch dL/dz       one reduction
        dL/dx = dL/dz @ W.T           (batch, units) @ (units, in) -> (batch, in)

    Inputs with more axes, ``(batch, ..., in)``, are handled as in Keras: the product acts on
    the last axis.
    """

    config_keys = ("units",)

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units = _validate.check_positive_int("Dense", "units", units)
        self._ones_cache: np.ndarray | None = None  # ones (batch,): the bias gradient's BLAS call
        self._set_weights_config(activation, use_bias)

    def build(self, input_shape, rng=None):
        if len(input_shape) < 1 or input_shape[-1] is None:
            raise ValueError(
                f"Dense '{self.name}' needs inputs with a known last axis, got {input_shape}."
            )
        super().build(input_shape, rng)
        n_in = int(input_shape[-1])
        self._add_kernel_and_bias((n_in, self.units), self.units, rng)

    def output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, x, training=False):
        # np.dot for 2-D inputs: the same BLAS call as @ with less overhead per call.
        kernel = self.params["kernel"]
        z = np.dot(x, kernel) if x.ndim == 2 else x @ kernel  # (batch, in) @ (in, units)
        if self.use_bias:
            z += self.params["bias"]  # broadcast over the batch
        a = self.activation.forward_owned(z)  # over z when f' needs only a
        self._cache = (x, z, a)
        return a

    def backward(self, grad_y):
        x, z, a = self._cache
        return self.backward_preactivation(self.activation.backward(z, a, grad_y))

    def backward_preactivation(self, grad_z):
        """Backward from ``dL/dz`` (a loss that fuses this layer's activation calls this)."""
        x = self._cache[0]
        if x.ndim == 2:
            np.dot(x.T, grad_z, out=self.grads["kernel"])  # (in, b) @ (b, units)
            if self.use_bias:  # the batch sum as one BLAS call: 1 (b,) @ (b, units)
                ones = self._ones_cache
                if ones is None or len(ones) != len(x) or ones.dtype != grad_z.dtype:
                    ones = self._ones_cache = np.ones(len(x), dtype=grad_z.dtype)
                np.dot(ones, grad_z, out=self.grads["bias"])
        else:  # (batch, ..., in): flatten the leading axes into one
            x2 = x.reshape(-1, x.shape[-1])
            g2 = grad_z.reshape(-1, self.units)
            np.matmul(x2.T, g2, out=self.grads["kernel"])
            if self.use_bias:
                np.add.reduce(g2, axis=0, out=self.grads["bias"])
        if not self.input_grad_needed:
            return None
        kernel_t = self.params["kernel"].T
        return np.dot(grad_z, kernel_t) if grad_z.ndim == 2 else grad_z @ kernel_t  # (b, units) @ (units, in)

