"""Models written as a class with ``call(self, inputs)`` (Keras's third way of building one).

The layers are attributes made in ``__init__``; ``call`` says how data flows through them,
with any Python and :mod:`glassnet.ops` in between. There is no graph to walk backwards, so
the forward pass runs ``call`` while a :class:`~glassnet.ops.tape.Tape` records: each
built-in layer call becomes one tape node whose backward is the layer's hand-written one,
each op a node with its derivative, and each weight of a ``call``-style layer a leaf. The
backward pass is the tape's ``gradient`` from ``dL/dy_pred``.

Examples
--------
>>> class MLP(SubclassedModel):
...     def __init__(self):
...         super().__init__()
...         self.hidden = Dense(32, activation="relu")
...         self.out = Dense(10)
...     def call(self, inputs):
...         return self.out(self.hidden(inputs))
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from glassnet.layers.base import Layer, _snake
from glassnet.models.model import Model
from glassnet.ops import layer_autodiff
from glassnet.ops.tape import Tape, Traced, value_of


class SubclassedModel(Model):
    """Base for models that define ``call(self, inputs[, training])``.

    Parameters
    ----------
    name, seed, dtype
        As for :class:`glassnet.models.model.Model`.

    Notes
    -----
    Layers are found among the attributes (also inside lists, and inside another
    ``SubclassedModel`` attribute, whose ``call`` then runs on this model's tape). A
    ``Sequential`` or functional model used inside ``call`` is not traced.
    A built-in layer may be called once per ``call`` (it keeps one forward pass for its
    backward); a layer written with ``call`` and ops may be called any number of times.
    The fused softmax/cross-entropy shortcut is not used: the output is whatever ``call``
    returns.
    """

    default_name = "model"

    def __init__(self, name: str | None = None, seed: int | None = None,
                 dtype: str = "float32") -> None:
        # The shared base directly: a class adopted below also derives from the functional
        # Model, whose __init__ wants a graph.
        Model.__init__(self, name=name, seed=seed, dtype=dtype)
        self._input_shape: tuple[int | None, ...] | None = None
        self._out_shape: tuple[int, ...] | None = None
        self._trace: tuple[Tape, Any, Any] | None = None  # (tape, output, add_loss total)

    def call(self, inputs: Any, training: bool = False) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define `call(self, inputs)`.")

    # ---------------------------------------------------------------- the layers
    @property
    def layers(self) -> list[Layer]:
        """Layer attributes (and layers in list attributes), in the order they were set."""
        found: list[Layer] = []
        for value in vars(self).values():
            items = value if isinstance(value, (list, tuple)) else [value]
            for item in items:
                # a model used inside `call` trains with this one: its layers are ours too
                nested = item.layers if isinstance(item, SubclassedModel) else [item]
                for layer in nested:
                    if isinstance(layer, Layer) and all(layer is not f for f in found):
                        found.append(layer)
        counts: dict[str, int] = {}
        for layer in found:
            if layer.name is None:
                prefix = _snake(type(layer).__name__)
                counts[prefix] = counts.get(prefix, 0) + 1
                layer.name = prefix if counts[prefix] == 1 else f"{prefix}_{counts[prefix] - 1}"
        return found

    # ---------------------------------------------------------------- Model interface
    def _call(self, x: Any, training: bool) -> Any:
        call = type(self).call
        params = inspect.signature(call).parameters
        if "training" in params:
            return call(self, x, training=training)
        return call(self, x)

    def _build_layers(self, input_shape: Any, rng: np.random.Generator) -> None:
        """Build every layer by running ``call`` once on one zero sample."""
        if input_shape is None:
            input_shape = self._input_shape
        if input_shape is None:
            raise ValueError(
                f"Cannot build model '{self.name}' without an input shape: call fit/predict "
                "or build((None, features))."
            )
        self._input_shape = tuple(input_shape)
        probe = np.zeros((1, *(d or 1 for d in input_shape)), dtype=self.dtype)
        self.layers  # noqa: B018 - names the layers before they are built
        with layer_autodiff.build_context(rng, self.dtype), Tape():
            out = self._call(probe, False)
        self._out_shape = tuple(np.shape(value_of(out)))[1:]

    def _forward(self, x: np.ndarray, training: bool | None,
                 observer: Any = None) -> np.ndarray:
        # ``observer`` (the graph walker's per-layer hook) has no graph to watch here: ``call``
        # is free Python, so the teaching tools see this model as one step.
        layers = self.layers
        training = bool(training)
        token = layer_autodiff._ADDED.set([])  # the add_loss terms of this call
        try:
            if not any(layer.keep_cache for layer in layers) and layers:
                out = np.asarray(value_of(self._call(x, training)))  # inference: no tape
                added = None
            else:
                with Tape() as tape:
                    traced = self._call(x, training)
                    terms = layer_autodiff._ADDED.get() or []
                    added = layer_autodiff._total(terms) if terms else None
                self._trace = (tape, traced, added)
                out = np.asarray(value_of(traced))
            terms = layer_autodiff._ADDED.get() or []
            self._added_losses = [float(np.sum(value_of(t))) for t in terms]
        finally:
            layer_autodiff._ADDED.reset(token)
        return out

    def _backward(self, grad: np.ndarray, fused: bool, observer: Any = None) -> None:
        """The tape's backward pass from ``dL/dy_pred``: built-in layers fill their ``grads``
        through their own backward; the weights read by ops get theirs from the tape."""
        if self._trace is None:
            raise RuntimeError("backward before forward: call the model with training first.")
        tape, out, added = self._trace
        weights = tape.watched_variables()
        target, seed = layer_autodiff.joint_target(out, grad, added)
        if not isinstance(target, Traced):
            return
        grads = tape.gradient(target, weights, output_gradients=seed)
        for var, g in zip(weights, grads, strict=True):
            dest = var.layer.grads[var.key]
            if g is None:
                dest.fill(0)
            else:
                dest[...] = g

    def _fused_output(self) -> bool:
        return False

    @property
    def input_shape(self) -> tuple[int | None, ...]:
        if self._input_shape is None:
            raise AttributeError(f"Model '{self.name}' has no input shape yet (not built).")
        return (None, *self._input_shape)

    @property
    def output_shape(self) -> tuple[int | None, ...]:
        if self._out_shape is None:
            raise AttributeError(f"Model '{self.name}' has no output shape yet (not built).")
        return (None, *self._out_shape)

    def __call__(self, x: Any, training: bool | None = None) -> Any:
        """On arrays: the forward pass. While a tape records (a model used as a layer inside
        another ``call``): ``call`` runs inline, on that tape."""
        training = layer_autodiff.resolve_training(self, training)
        if layer_autodiff.recording(x):  # the outer model builds and trains our layers
            return self._call(x, bool(training))
        return Model.__call__(self, x, training=training)

    def _summary_text(self, line_length: int | None) -> str:
        return Model._summary_text(self, line_length)

    def layer_output_shapes(self) -> list[Any]:
        raise AttributeError("A subclassed model's layer shapes follow from running `call`.")

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "seed": self.seed, "dtype": self.dtype.name}


def adopt(cls: type) -> type:
    """Make a subclass of the functional ``glassnet.models.Model`` that defines ``call`` run
    as a :class:`SubclassedModel` (Keras's ``class MyModel(keras.Model)``).

    ``SubclassedModel`` is put first among the bases, so its methods (``__init__`` with no
    graph, ``layers``, ``_forward`` on the tape ...) come before the functional model's,
    and ``isinstance(model, glassnet.models.Model)`` still holds. Meant for the functional
    Model's ``__init_subclass__``::

        if "call" in cls.__dict__:
            adopt(cls)
    """
    if not issubclass(cls, SubclassedModel):
        cls.__bases__ = (SubclassedModel, *cls.__bases__)
    return cls
