"""GroupNormalization: standardise each sample over groups of channels (Keras's layer).

Between LayerNormalization (one group) and instance normalization (one channel per group,
``groups=-1``); the statistics never depend on the batch, so training and inference agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _validate, constraints
from glassnet.layers._weights_config import serialize_constraint
from glassnet.layers.normalization import _AffineNormalization, _float_in


class GroupNormalization(_AffineNormalization):
    """Normalise each sample over groups of channels (Keras's ``GroupNormalization``).

    Parameters
    ----------
    groups : int, default 32
        Number of groups the channels (``axis``) are split into; -1: one per channel.
    axis : int, default -1
        The channel axis.
    epsilon : float, default 1e-3
    beta_constraint, gamma_constraint : optional
        Applied after each optimizer update (see :mod:`glassnet.constraints`).
    **kwargs
        ``center``, ``scale`` (bool, default True): learn ``beta`` / ``gamma`` of shape
        (channels,). ``beta_initializer``, ``gamma_initializer`` (default 'zeros', 'ones'),
        ``beta_regularizer``, ``gamma_regularizer`` (optional), and the base layer's
        arguments (``name``, ``trainable``, ``dtype``, ``input_shape``).

    Notes
    -----
    With the channels last and ``x`` viewed as (n, s, G, k) (``s`` positions, ``k = C / G``
    channels per group), for each sample and group (means over ``s`` and ``k``)::

        mu = mean(x),  var = mean((x - mu)^2),  xhat = (x - mu) / sqrt(var + eps)
        y = gamma * xhat + beta                              gamma, beta: (C,)
        dL/dgamma = sum over n, s of dL/dy * xhat,   dL/dbeta = sum over n, s of dL/dy
        with gh = gamma * dL/dy:
        dL/dx = (gh - mean(gh) - xhat * mean(gh * xhat)) / sqrt(var + eps)
    """

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
        epsilon: float = 1e-3,
        *,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(groups, bool) or not isinstance(groups, int) or (
                groups <= 0 and groups != -1):
            raise ValueError(
                "Received an invalid value for argument `groups`, expected a positive integer "
                f"(or `-1` for instance normalization). Received: groups={groups!r}"
            )
        # center, scale and the initializers / regularizers of beta and gamma: the base's.
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = _validate.check_int("GroupNormalization", "axis", axis)
        self.epsilon = _float_in(epsilon, "GroupNormalization", "epsilon", 0.0, None, True)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _norm_axes(self, input_shape: tuple[Any, ...]) -> int:
        """The channel axis, counting the batch as 0; checks the groups divide it."""
        ndim = len(input_shape) + 1
        if not -ndim <= self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(
                f"GroupNormalization '{self.name}' `axis`={self.axis} must name a non-batch "
                f"axis of inputs of shape {(None,) + tuple(input_shape)}."
            )
        axis = self.axis % ndim
        dim = input_shape[axis - 1]
        if dim is None:
            raise ValueError(
                f"Axis {self.axis} of input tensor should have a defined dimension but the "
                f"layer received an input with shape {(None,) + tuple(input_shape)}."
            )
        groups = dim if self.groups == -1 else self.groups
        if dim < groups:
            raise ValueError(
                f"Number of groups ({groups}) cannot be more than the number of channels "
                f"({dim})."
            )
        if dim % groups:
            raise ValueError(
                f"Number of groups ({groups}) must be a multiple of the number of channels "
                f"({dim})."
            )
        return axis

    def build(self, input_shape, rng=None):
        axis = self._norm_axes(tuple(input_shape))
        if self.groups == -1:
            self.groups = int(input_shape[axis - 1])
        super().build(input_shape, rng)
        self._add_gamma_beta((int(input_shape[axis - 1]),), rng)
        self.weight_constraints = {key: c for key, c in (("gamma", self.gamma_constraint),
                                                         ("beta", self.beta_constraint))
                                   if c is not None and key in self.params}

    def _grouped(self, a: np.ndarray) -> np.ndarray:
        """(n, ..., C, ...) -> (n, s, G, k), the channel axis moved last."""
        a = np.moveaxis(a, self.axis % a.ndim, -1)
        c = a.shape[-1]
        return np.ascontiguousarray(a).reshape(a.shape[0], -1, self.groups, c // self.groups)

    def _ungrouped(self, a4: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        axis = self.axis % len(shape)
        moved = tuple(np.delete(np.asarray(shape), axis)) + (shape[axis],)
        return np.moveaxis(a4.reshape(moved), -1, axis)

    def forward(self, x, training=False):
        x4 = self._grouped(x)  # (n, s, G, k)
        xhat = x4 - x4.mean(axis=(1, 3), keepdims=True)
        var = np.mean(np.square(xhat), axis=(1, 3), keepdims=True)  # (n, 1, G, 1)
        inv = 1.0 / np.sqrt(var + self.epsilon)
        xhat *= inv
        g = self.groups
        y = xhat * self.params["gamma"].reshape(g, -1) if self.scale else xhat.copy()
        if self.center:
            y += self.params["beta"].reshape(g, -1)
        self._cache = (xhat, inv, x.shape)
        return self._ungrouped(y, x.shape)

    def backward(self, grad_y):
        xhat, inv, shape = self._cache
        g4 = self._grouped(grad_y)  # (n, s, G, k)
        if self.center:
            self.grads["beta"][...] = g4.sum(axis=(0, 1)).reshape(-1)
        if self.scale:
            self.grads["gamma"][...] = np.sum(g4 * xhat, axis=(0, 1)).reshape(-1)
            gh = g4 * self.params["gamma"].reshape(self.groups, -1)
        else:
            gh = g4
        dx = gh - gh.mean(axis=(1, 3), keepdims=True)
        dx -= xhat * np.mean(gh * xhat, axis=(1, 3), keepdims=True)
        dx *= inv
        return self._ungrouped(dx, shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            groups=self.groups, axis=self.axis, epsilon=self.epsilon, **self._affine_config(),
            beta_constraint=serialize_constraint(self.beta_constraint),
            gamma_constraint=serialize_constraint(self.gamma_constraint),
        )
        return config
