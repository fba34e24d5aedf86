"""BatchNormalization and LayerNormalization (Keras semantics), with hand-written backward.

Both standardise ``x`` over some axes and apply a learned affine map::

    xhat = (x - mu) / sqrt(var + eps),      y = gamma * xhat + beta

Batch norm takes ``mu, var`` per *feature* over the batch (and the image axes); layer norm
takes them per *sample* over the features. Each works on a 2-D view of ``x``: batch norm on
``(n, pixels * c)`` with per-feature vectors tiled along the row (long inner loops, see
``_channels``), layer norm on ``(rows, features)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from glassnet import _validate
from glassnet.layers import _channels as ch
from glassnet.layers._weights_config import serialize_initializer, serialize_regularizer
from glassnet.layers.base import Layer


def _float_in(value: Any, owner: str, arg: str, low: float, high: float | None,
              low_open: bool = False) -> float:
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = (v > low if low_open else v >= low) and (high is None or v <= high)
    if not ok:
        bound = f"{'>' if low_open else '>='} {low}" + ("" if high is None else f" and <= {high}")
        raise ValueError(f"{owner} `{arg}` must be a number {bound}, got {value!r}.")
    return float(value)


class _AffineNormalization(Layer):
    """What the normalizations share: the learned ``gamma`` (with ``scale``) and ``beta``
    (with ``center``) of ``y = gamma * xhat + beta``. ``center``, ``scale`` and the
    initializers / regularizers of ``beta`` and ``gamma`` are keyword arguments the subclasses
    pass on here."""

    def __init__(
        self,
        *,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        **base: Any,
    ) -> None:
        # The .keras reader collects the constructor arguments of every class up to Layer, so
        # a subclass may leave these to its ``**kwargs``.
        super().__init__(**base)
        self.center = _validate.check_bool(type(self).__name__, "center", center)
        self.scale = _validate.check_bool(type(self).__name__, "scale", scale)
        self.beta_initializer = beta_initializer
        self.gamma_initializer = gamma_initializer
        self.beta_regularizer = beta_regularizer
        self.gamma_regularizer = gamma_regularizer

    def _add_gamma_beta(self, shape: tuple[int, ...], rng: np.random.Generator) -> None:
        if self.scale:
            self.add_param("gamma", shape, self.gamma_initializer, rng, self.gamma_regularizer)
        if self.center:
            self.add_param("beta", shape, self.beta_initializer, rng, self.beta_regularizer)

    def _norm_axes(self, input_shape: tuple[Any, ...]) -> Any:
        """The normalised axis (or axes), counting the batch as 0; raises where
        ``input_shape`` (without the batch) does not fit the layer."""
        raise NotImplementedError

    def output_shape(self, input_shape):
        self._norm_axes(tuple(input_shape))
        return tuple(input_shape)

    def _affine_config(self) -> dict[str, Any]:
        """``center``, ``scale`` and the initializers / regularizers of ``beta`` and ``gamma``,
        in Keras's order."""
        return dict(
            center=self.center, scale=self.scale,
            beta_initializer=serialize_initializer(self.beta_initializer),
            gamma_initializer=serialize_initializer(self.gamma_initializer),
            beta_regularizer=serialize_regularizer(self.beta_regularizer),
            gamma_regularizer=serialize_regularizer(self.gamma_regularizer),
        )


class BatchNormalization(_AffineNormalization):
    """Normalise each feature with the batch's statistics (Keras's ``BatchNormalization``).

    Parameters
    ----------
    axis : int, default -1
        The feature axis (channels last: -1, after ``Dense`` and ``Conv2D`` alike). Statistics
        are taken over every other axis: ``(batch,)`` for ``(n, f)`` inputs,
        ``(batch, height, width)`` for ``(n, h, w, c)``.
    momentum : float, default 0.99
        Of the moving averages: ``moving = moving * momentum + batch * (1 - momentum)``.
    epsilon : float, default 1e-3
    moving_mean_initializer, moving_variance_initializer : default 'zeros', 'ones'
    **kwargs
        ``center``, ``scale`` (bool, default True): learn ``beta`` / ``gamma``; without them
        the shift is 0 / the scale 1. ``beta_initializer``, ``gamma_initializer`` (default
        'zeros', 'ones'), ``beta_regularizer``, ``gamma_regularizer`` (optional), and the
        base layer's arguments (``name``, ``trainable``, ``dtype``, ``input_shape``).

    Notes
    -----
    Weights in Keras's order: ``gamma``, ``beta`` (trainable), then ``moving_mean``,
    ``moving_variance`` (non-trainable state, saved with the model). With ``m`` values per
    feature (``x`` viewed as (m, c))::

        training:   mu = mean(x),  var = mean((x - mu)^2)     biased, per feature (c,)
                    xhat = (x - mu) / sqrt(var + eps),  y = gamma * xhat + beta
                    moving_mean = moving_mean * momentum + mu * (1 - momentum)
                    moving_variance = moving_variance * momentum + var * (1 - momentum)
        inference:  xhat = (x - moving_mean) / sqrt(moving_variance + eps)

        dL/dgamma = sum dL/dy * xhat,  dL/dbeta = sum dL/dy          (sums over the m rows)
        training:   dL/dx = gamma / sqrt(var + eps)
                            * (dL/dy - mean(dL/dy) - xhat * mean(dL/dy * xhat))
        inference:  dL/dx = gamma / sqrt(moving_variance + eps) * dL/dy

    The training gradient flows through ``mu`` and ``var`` too (the last two terms). As in
    Keras, the moving variance averages the *biased* batch variance (PyTorch's
    ``BatchNorm2d`` uses the unbiased ``m / (m - 1)`` version). A layer with
    ``trainable=False`` always runs in inference mode, as in Keras.
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        *,
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        **kwargs: Any,
    ) -> None:
        # center, scale and the initializers / regularizers of beta and gamma: the base's.
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"BatchNormalization `axis` must be an integer, got {axis!r}.")
        self.axis = int(axis)
        self.momentum = _float_in(momentum, "BatchNormalization", "momentum", 0.0, 1.0)
        self.epsilon = _float_in(epsilon, "BatchNormalization", "epsilon", 0.0, None, True)
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self._axis: int | None = None  # the feature axis of the batch array, >= 1

    def _norm_axes(self, input_shape: tuple[Any, ...]) -> int:
        ndim = len(input_shape) + 1  # with the batch axis
        axis = self.axis + ndim if self.axis < 0 else self.axis
        if not 1 <= axis < ndim:
            raise ValueError(
                f"BatchNormalization '{self.name}' `axis`={self.axis} is not a feature axis of "
                f"inputs of shape {(None,) + tuple(input_shape)} (the batch axis 0 cannot be "
                "normalised)."
            )
        if input_shape[axis - 1] is None:
            raise ValueError(
                f"BatchNormalization '{self.name}' needs a known size on `axis`={self.axis}, "
                f"got inputs of shape {(None,) + tuple(input_shape)}."
            )
        return axis

    def build(self, input_shape, rng=None):
        from glassnet import initializers

        self._axis = self._norm_axes(tuple(input_shape))
        super().build(input_shape, rng)
        c = int(input_shape[self._axis - 1])
        self._add_gamma_beta((c,), rng)
        for key, init in (("moving_mean", self.moving_mean_initializer),
                          ("moving_variance", self.moving_variance_initializer)):
            value = initializers.get(init)((c,), rng=rng, dtype=self.dtype)
            self.state[key] = np.ascontiguousarray(value, dtype=self.dtype)

    # -- the (n, L) view: features last and innermost ----------------------------------------
    def _to_rows(self, a: np.ndarray) -> np.ndarray:
        assert self._axis is not None  # set by build
        if self._axis != a.ndim - 1:
            a = np.moveaxis(a, self._axis, -1)
        return ch.rows(a)

    def _from_rows(self, a2: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        assert self._axis is not None  # set by build
        if self._axis == len(shape) - 1:
            return a2.reshape(shape)
        moved = shape[:self._axis] + shape[self._axis + 1:] + (shape[self._axis],)
        return np.moveaxis(a2.reshape(moved), -1, self._axis)

    # -- computation ----------------------------------------------------------------------------
    # Batch norm of a conv layer's output is memory-bound (a (128, 28, 28, 32) batch is 13 MB),
    # so both passes touch x as few times as possible: xhat is never stored (backward rebuilds
    # what it needs from the cached x, mean and 1/std), y is one affine map of x, and the
    # per-feature vectors are tiled along each sample's row (see _channels).
    def forward(self, x, training=False):
        if x.ndim != len(cast(tuple, self.built_input_shape)) + 1:
            raise ValueError(
                f"BatchNormalization '{self.name}' was built for inputs of shape "
                f"{(None,) + cast(tuple, self.built_input_shape)}, got an array of shape {x.shape}."
            )
        xr = self._to_rows(x)  # (n, L), L = (pixels) * c; a view of x when the axis is last
        c = self.state["moving_mean"].size
        length = xr.shape[1]
        m = xr.size // c  # values per feature
        use_batch = training and self.trainable
        if use_batch:
            mean = ch.channel_sum(xr, c) / m  # (c,)
            centred = xr - ch.tile(mean, length)  # (n, L), reused for y below
            var = ch.channel_dot(centred, centred, c) / m  # (c,), biased as in Keras
            keep = self.momentum
            self.state["moving_mean"] *= keep
            self.state["moving_mean"] += (1.0 - keep) * mean
            self.state["moving_variance"] *= keep
            self.state["moving_variance"] += (1.0 - keep) * var
        else:
            mean, var = self.state["moving_mean"].copy(), self.state["moving_variance"]
        inv = 1.0 / np.sqrt(var + self.epsilon)  # (c,)
        slope = inv * self.params["gamma"] if self.scale else inv  # (c,) = dy/dx
        if use_batch:  # y = (x - mean) * slope + beta
            y = np.multiply(centred, ch.tile(slope, length), out=centred)
            if self.center:
                y += ch.tile(self.params["beta"], length)
        else:  # y = x * slope + (beta - mean * slope)
            shift = -mean * slope  # (c,)
            if self.center:
                shift += self.params["beta"]
            y = xr * ch.tile(slope, length)  # (n, L)
            y += ch.tile(shift, length)
        self._cache = (xr, mean, inv, slope, use_batch, x.shape)
        return self._from_rows(y, x.shape)

    def backward(self, grad_y):
        xr, mean, inv, slope, use_batch, shape = self._cache
        gr = self._to_rows(grad_y)  # (n, L)
        c, length = mean.size, gr.shape[1]
        m = gr.size // c
        dbeta = ch.channel_sum(gr, c)  # (c,) = sum dL/dy
        # sum dL/dy * xhat = (sum dL/dy * x - mean * sum dL/dy) / std, without forming xhat.
        dgamma = (ch.channel_dot(gr, xr, c) - mean * dbeta) * inv  # (c,)
        if self.center:
            self.grads["beta"][...] = dbeta
        if self.scale:
            self.grads["gamma"][...] = dgamma
        dx = gr * ch.tile(slope, length)  # (n, L): the inference-mode gradient
        if use_batch:
            # + slope * (-mean(g) - xhat * mean(g * xhat)), xhat = (x - mean) * inv: again
            # affine in x, b * x + d, with per-feature b and d.
            b = slope * inv * dgamma / -m  # (c,)
            d = -(slope * dbeta / m) - b * mean  # (c,)
            xb = xr * ch.tile(b, length)
            xb += ch.tile(d, length)
            dx += xb
        return self._from_rows(dx, shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            axis=self.axis, momentum=self.momentum, epsilon=self.epsilon, center=self.center,
            scale=self.scale, beta_initializer=serialize_initializer(self.beta_initializer),
            gamma_initializer=serialize_initializer(self.gamma_initializer),
            moving_mean_initializer=serialize_initializer(self.moving_mean_initializer),
            moving_variance_initializer=serialize_initializer(self.moving_variance_initializer),
            beta_regularizer=serialize_regularizer(self.beta_regularizer),
            gamma_regularizer=serialize_regularizer(self.gamma_regularizer),
        )
        return config


class LayerNormalization(_AffineNormalization):
    """Normalise each sample over its feature axes (Keras's ``LayerNormalization``).

    Parameters
    ----------
    axis : int or list of int, default -1
        Axes to normalise over (each sample separately); ``gamma``/``beta`` have their shape.
    epsilon : float, default 1e-3
    **kwargs
        ``center``, ``scale`` (bool, default True): learn ``beta`` / ``gamma``.
        ``beta_initializer``, ``gamma_initializer`` (default 'zeros', 'ones'),
        ``beta_regularizer``, ``gamma_regularizer`` (optional), and the base layer's
        arguments (``name``, ``trainable``, ``dtype``, ``input_shape``).

    Notes
    -----
    With ``x`` viewed as (r, d) (the normalised axes last, flattened into ``d``), per row::

        mu = mean(x),  var = mean((x - mu)^2),  xhat = (x - mu) / sqrt(var + eps)
        y = gamma * xhat + beta                              gamma, beta: (d,)
        dL/dgamma = sum over rows of dL/dy * xhat,  dL/dbeta = sum over rows of dL/dy
        with gh = gamma * dL/dy:
        dL/dx = (gh - mean(gh) - xhat * mean(gh * xhat)) / sqrt(var + eps)   (means per row)

    No moving statistics: training and inference compute the same thing.
    """

    def __init__(
        self,
        axis: int | Sequence[int] = -1,
        epsilon: float = 1e-3,
        **kwargs: Any,
    ) -> None:
        # center, scale and the initializers / regularizers of beta and gamma: the base's.
        super().__init__(**kwargs)
        axes = [axis] if isinstance(axis, (int, np.integer)) else axis
        if (isinstance(axis, bool) or not isinstance(axes, (list, tuple)) or not axes
                or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                           for a in axes)):
            raise ValueError(
                f"LayerNormalization `axis` must be an integer or a list of integers, "
                f"got {axis!r}."
            )
        self.axis: int | list[int] = int(axis) if isinstance(axis, (int, np.integer)) else [
            int(a) for a in axes]
        self.epsilon = _float_in(epsilon, "LayerNormalization", "epsilon", 0.0, None, True)
        self._axes: tuple[int, ...] = ()

    def _norm_axes(self, input_shape: tuple[Any, ...]) -> tuple[int, ...]:
        ndim = len(input_shape) + 1
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        out = sorted({a + ndim if a < 0 else a for a in axes})
        if len(out) != len(axes) or not all(1 <= a < ndim for a in out):
            raise ValueError(
                f"LayerNormalization '{self.name}' `axis`={self.axis} must name distinct "
                f"feature axes of inputs of shape {(None,) + tuple(input_shape)} (not the "
                "batch axis 0)."
            )
        if any(input_shape[a - 1] is None for a in out):
            raise ValueError(
                f"LayerNormalization '{self.name}' needs known sizes on `axis`={self.axis}, "
                f"got inputs of shape {(None,) + tuple(input_shape)}."
            )
        return tuple(out)

    def build(self, input_shape, rng=None):
        self._axes = self._norm_axes(tuple(input_shape))
        super().build(input_shape, rng)
        shape = tuple(int(input_shape[a - 1]) for a in self._axes)
        self._add_gamma_beta(shape, rng)

    def _to_rows(self, a: np.ndarray) -> np.ndarray:
        k = len(self._axes)
        last = tuple(range(a.ndim - k, a.ndim))
        if self._axes != last:
            a = np.moveaxis(a, self._axes, last)
        d = int(np.prod(a.shape[a.ndim - k:]))
        return np.ascontiguousarray(a).reshape(-1, d)

    def _from_rows(self, a2: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        k = len(self._axes)
        last = tuple(range(len(shape) - k, len(shape)))
        if self._axes == last:
            return a2.reshape(shape)
        rest = [d for i, d in enumerate(shape) if i not in self._axes]
        moved = tuple(rest) + tuple(shape[a] for a in self._axes)
        return np.moveaxis(a2.reshape(moved), last, self._axes)

    def forward(self, x, training=False):
        if x.ndim != len(cast(tuple, self.built_input_shape)) + 1:
            raise ValueError(
                f"LayerNormalization '{self.name}' was built for inputs of shape "
                f"{(None,) + cast(tuple, self.built_input_shape)}, got an array of shape {x.shape}."
            )
        x2 = self._to_rows(x)  # (r, d)
        d = x2.shape[1]
        xhat = x2 - x2.mean(axis=1, keepdims=True)  # (r, d), centred
        var = np.einsum("ij,ij->i", xhat, xhat) / d  # (r,)
        inv = (1.0 / np.sqrt(var + self.epsilon))[:, None]  # (r, 1)
        xhat *= inv
        y = xhat * self.params["gamma"].reshape(-1) if self.scale else xhat.copy()
        if self.center:
            y += self.params["beta"].reshape(-1)
        self._cache = (xhat, inv, x.shape)
        return self._from_rows(y, x.shape)

    def backward(self, grad_y):
        xhat, inv, shape = self._cache
        g2 = self._to_rows(grad_y)  # (r, d)
        d = g2.shape[1]
        if self.center:
            self.grads["beta"][...] = g2.sum(axis=0).reshape(self.grads["beta"].shape)
        if self.scale:
            dgamma = np.einsum("ij,ij->j", g2, xhat)  # (d,)
            self.grads["gamma"][...] = dgamma.reshape(self.grads["gamma"].shape)
            gh = g2 * self.params["gamma"].reshape(-1)  # (r, d)
        else:
            gh = g2
        dx = xhat * (np.einsum("ij,ij->i", gh, xhat) / -d)[:, None]  # the path through var
        dx += gh
        dx -= gh.mean(axis=1, keepdims=True)  # the path through mu
        dx *= inv
        return self._from_rows(dx, shape)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon, **self._affine_config())
        return config
