"""Wrappers: layers that run other layers. TimeDistributed (one layer at every time step) and
Bidirectional (a recurrent layer read both ways), Keras's spelling and weight order.

A wrapper owns its inner layers' weights: it lists them in its own ``params``/``grads``/
``state`` (under prefixed keys when there are two inner layers), so the model packs them into
its flat parameter vector and saves them like any other. Because a model may rebind those
entries to views of its buffer after ``build``, the wrapper points its inner layers back at
its own arrays before every forward pass (:meth:`_Wrapper._sync`: dict assignments, no copy).
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from glassnet.layers.base import Layer, deserialize_layer, serialize_layer


def _inner_layer(spec: Any) -> Any:
    """A nested layer's config (``{"class_name", "config"}``) as a layer; a layer as it is."""
    return spec if isinstance(spec, Layer) or spec is None else deserialize_layer(spec)


class _Wrapper(Layer):
    """Bookkeeping shared by the wrappers: inner layers, their keys, flags passed down."""

    def _inner(self) -> list[tuple[str, Layer]]:
        """``[(prefix, layer), ...]``: each inner layer and the prefix of its keys."""
        raise NotImplementedError

    def _build_inner(self, shape: Any, rng: np.random.Generator) -> None:
        """Build each inner layer on ``shape`` and adopt its arrays under its prefix."""
        for prefix, layer in self._inner():
            if layer.dtype is None or layer.dtype != self.dtype:
                layer.dtype = self.dtype
            layer.params, layer.grads, layer.state, layer.regularizers = {}, {}, {}, {}
            layer.build(shape, rng)
            for key in layer.params:
                self.params[prefix + key] = layer.params[key]
                self.grads[prefix + key] = layer.grads[key]
            for key in layer.state:
                self.state[prefix + key] = layer.state[key]
            for key, reg in layer.regularizers.items():
                self.regularizers[prefix + key] = reg
        self.stochastic = any(layer.stochastic for _, layer in self._inner())
        if self.stochastic and self.noise_rng is None:  # a model replaces it by its stream
            self.noise_rng = np.random.default_rng(getattr(self._inner()[0][1], "seed", None))

    def _sync(self) -> None:
        """Point the inner layers at this layer's (possibly rebound) arrays and flags."""
        for prefix, layer in self._inner():
            for key in layer.params:
                layer.params[key] = self.params[prefix + key]
                layer.grads[key] = self.grads[prefix + key]
            for key in layer.state:
                layer.state[key] = self.state[prefix + key]
            if hasattr(layer, "input_grad_needed"):
                layer.input_grad_needed = getattr(self, "input_grad_needed", True)
            layer.keep_cache = self.keep_cache
            if layer.stochastic and self.noise_rng is not None:
                layer.noise_rng = self.noise_rng


class TimeDistributed(_Wrapper):
    """Apply ``layer`` to every time step: ``(batch, T, ...) -> (batch, T, ...)``.

    Parameters
    ----------
    layer : Layer
        Any single-input layer; its weights are shared by all steps (Keras's weights and
        order: exactly the inner layer's).

    Notes
    -----
    The ``T`` steps are folded into the batch, so the inner layer runs once::

        y = layer(x.reshape(batch * T, ...)).reshape(batch, T, ...)
        dL/dx = layer.backward(dL/dy.reshape(batch * T, ...)).reshape(x.shape)

    and the inner layer's weight gradients are already summed over every step.
    """

    def __init__(self, layer: Layer, **base: Any) -> None:
        super().__init__(**base)
        if not isinstance(layer, Layer) or getattr(layer, "multi_input", False):
            raise ValueError(
                "TimeDistributed `layer` must be a single-input glassnet Layer instance, "
                f"got {layer!r}."
            )
        self.layer = layer
        self.input_grad_needed = True

    def _inner(self):
        return [("", self.layer)]

    def _check(self, input_shape: tuple[Any, ...]) -> None:
        if len(input_shape) < 2:
            raise ValueError(
                f"TimeDistributed '{self.name}' expects inputs of shape (batch, timesteps, "
                f"...) with at least 3 axes, got {(None,) + tuple(input_shape)}."
            )

    def output_shape(self, input_shape):
        self._check(tuple(input_shape))
        return (input_shape[0],) + tuple(self.layer.output_shape(tuple(input_shape[1:])))

    def build(self, input_shape, rng=None):
        input_shape = tuple(input_shape)
        self._check(input_shape)
        super().build(input_shape, rng)
        self._build_inner(input_shape[1:], rng)

    def forward(self, x, training=False):
        if x.ndim < 3:
            self._check(x.shape[1:])
        self._sync()
        n, steps = x.shape[:2]
        y = self.layer.forward(x.reshape((n * steps,) + x.shape[2:]), training=training)
        self._cache = x.shape
        return y.reshape((n, steps) + y.shape[1:])

    def backward(self, grad_y):
        shape = self._cache
        dx = self.layer.backward(grad_y.reshape((-1,) + grad_y.shape[2:]))
        return None if dx is None else dx.reshape(shape)

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_layer(self.layer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = _inner_layer(config["layer"])
        return super().from_config(config)


MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(_Wrapper):
    """Run a recurrent layer forwards and backwards and merge the two outputs (Keras's).

    Parameters
    ----------
    layer : SimpleRNN, LSTM or GRU
        The forward layer's configuration; its copy reads the sequence backwards.
    merge_mode : {'concat', 'sum', 'mul', 'ave', None}, default 'concat'
        ``None`` returns the two outputs ``[f, b]`` separately (a list, as Keras): on
        arrays, in a functional graph (``f, b = Bidirectional(..., merge_mode=None)(x)``,
        each usable on its own) and in a Sequential followed by a merge layer.
    backward_layer : recurrent layer, optional
        The backward layer itself (it must have ``go_backwards=True``).

    Notes
    -----
    Weights: the forward layer's, then the backward layer's (Keras's order), under keys
    ``forward_<key>`` and ``backward_<key>``. With ``f`` and ``b`` the two outputs (the
    backward one turned back into forward time order when ``return_sequences``)::

        concat: y = [f | b]      dL/df, dL/db = the two halves of dL/dy
        sum:    y = f + b        dL/df = dL/db = dL/dy
        mul:    y = f * b        dL/df = dL/dy * b,  dL/db = dL/dy * f
        ave:    y = (f + b) / 2  dL/df = dL/db = dL/dy / 2
        None:   y = [f, b]       backward takes [dL/df, dL/db]

    and ``dL/dx`` is the sum of what the two layers pass back.
    """

    def __init__(self, layer: Layer, merge_mode: str | None = "concat",
                 backward_layer: Layer | None = None, **base: Any) -> None:
        super().__init__(**base)
        from glassnet.layers.recurrent_base import RecurrentLayer

        if not isinstance(layer, RecurrentLayer):
            raise ValueError(
                "Bidirectional `layer` must be a recurrent layer instance (SimpleRNN, LSTM, "
                f"GRU), got {layer!r}."
            )
        if layer.return_state:
            raise NotImplementedError(
                "Bidirectional over a layer with `return_state=True` is not supported; "
                "give the recurrent layer return_state=False.")
        if merge_mode not in MERGE_MODES:
            raise ValueError(
                f"Bidirectional `merge_mode` must be one of {MERGE_MODES}, got {merge_mode!r}."
            )
        self.merge_mode = merge_mode
        self.multi_output = merge_mode is None  # [forward output, backward output]
        self.forward_layer = deserialize_layer(serialize_layer(layer))
        if backward_layer is None:
            spec = serialize_layer(layer)
            spec["config"]["go_backwards"] = not layer.go_backwards
            self.backward_layer = deserialize_layer(spec)
        else:
            if not isinstance(backward_layer, RecurrentLayer):
                raise ValueError(
                    f"Bidirectional `backward_layer` must be a recurrent layer instance, got "
                    f"{backward_layer!r}."
                )
            if backward_layer.go_backwards == layer.go_backwards:
                raise ValueError(
                    "Bidirectional: the forward and backward layers need different "
                    f"`go_backwards`, got {layer.go_backwards} for both."
                )
            if backward_layer.return_sequences != layer.return_sequences:
                raise ValueError(
                    "Bidirectional: the forward and backward layers need the same "
                    "`return_sequences`."
                )
            self.backward_layer = backward_layer
        self.return_sequences = layer.return_sequences
        self.input_grad_needed = True

    def _inner(self):
        return [("forward_", self.forward_layer), ("backward_", self.backward_layer)]

    def output_shape(self, input_shape):
        f = tuple(self.forward_layer.output_shape(input_shape))
        b = tuple(self.backward_layer.output_shape(input_shape))
        if self.merge_mode == "concat":
            return f[:-1] + (cast(int, f[-1]) + cast(int, b[-1]),)  # units: known
        if self.merge_mode is None:
            return [f, b]
        return f

    def build(self, input_shape, rng=None):
        super().build(input_shape, rng)
        self._build_inner(tuple(input_shape), rng)

    def forward(self, x, training=False, mask=None):
        self._sync()
        # A padding mask (batch, T) goes to both directions (each reads it in its own order).
        masked = {} if mask is None else {"mask": mask}
        f = self.forward_layer.forward(x, training=training, **masked)
        b = self.backward_layer.forward(x, training=training, **masked)
        if self.return_sequences:
            b = b[:, ::-1]  # back into forward time order, as Keras
        self._cache = (f, b) if self.merge_mode == "mul" else f.shape[-1]
        if self.merge_mode is None:
            return [f, b]
        if self.merge_mode == "concat":
            return np.concatenate([f, b], axis=-1)
        if self.merge_mode == "sum":
            return f + b
        if self.merge_mode == "mul":
            return f * b
        return (f + b) * 0.5

    def backward(self, grad_y):
        if self.merge_mode is None:
            gf, gb = grad_y  # one gradient per output
        elif self.merge_mode == "concat":
            split = self._cache
            gf, gb = grad_y[..., :split], grad_y[..., split:]
        elif self.merge_mode == "sum":
            gf = gb = grad_y
        elif self.merge_mode == "mul":
            f, b = self._cache
            gf, gb = grad_y * b, grad_y * f
        else:
            gf = gb = grad_y * 0.5
        if self.return_sequences:
            gb = gb[:, ::-1]
        dx_f = self.forward_layer.backward(np.ascontiguousarray(gf))
        dx_b = self.backward_layer.backward(np.ascontiguousarray(gb))
        if dx_f is None or dx_b is None:
            return None
        return dx_f + dx_b

    def get_config(self):
        config = super().get_config()
        config.update(layer=serialize_layer(self.forward_layer), merge_mode=self.merge_mode,
                      backward_layer=serialize_layer(self.backward_layer))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = _inner_layer(config["layer"])
        config["backward_layer"] = _inner_layer(config.get("backward_layer"))
        return super().from_config(config)
