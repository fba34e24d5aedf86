"""The `Layer` contract every layer follows.

A layer is a function ``y = f(x; params)`` with a hand-written backward pass:

- ``build(input_shape, rng)`` creates ``params`` (trainable arrays by name) from an explicit
  random generator, and ``grads`` with the same keys and shapes. ``input_shape`` excludes the
  batch axis, as in Keras: a Dense layer fed ``(batch, 784)`` is built with ``(784,)``.
- ``forward(x, training=False)`` returns ``y`` and caches in ``self._cache`` only what
  ``backward`` needs.
- ``backward(grad_y)`` writes ``dL/dparams`` *in place* into ``grads`` and returns
  ``dL/dx`` with the shape of ``x``. It never recomputes the forward pass.

Parameter arrays are updated in place and never rebound after ``build``: a model may replace
them with views into one flat buffer, so an optimizer updates every weight in a few
vectorised operations (see :mod:`glassnet.models.parameters`).

Non-trainable state (BatchNormalization's moving statistics) lives in ``state``; it is saved
and counted as "Non-trainable params", but never touched by an optimizer.
"""

from __future__ import annotations

import inspect
import re
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from glassnet import activations, initializers, regularizers
from glassnet._custom_objects import get_registered_object
from glassnet.layers.weights import LayerWeights

if TYPE_CHECKING:
    from glassnet.activations import ActivationFunction
    from glassnet.layers.graph import Graph
    from glassnet.layers.input import Node

Shape = tuple[int | None, ...]


def _snake(name: str) -> str:
    """``MaxPooling2D`` -> ``max_pooling2d``, ``SimpleRNN`` -> ``simple_rnn`` (Keras's rule)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Layer(LayerWeights):
    """Base class of every layer.

    Parameters
    ----------
    name : str, optional
        Unique name inside a model; assigned as ``<type>_<k>`` (``dense_1``) when omitted.
    trainable : bool, default True
        When False, the optimizer leaves this layer's parameters alone.
    input_shape : tuple of int, optional
        Shape of one sample (no batch axis). Only meaningful on a model's first layer.
    input_dim : int, optional
        Keras shorthand for ``input_shape=(input_dim,)``.
    dtype : str, optional
        Floating dtype of the parameters and of the computation; by default the model's
        (float32). A model casts each layer's inputs to it, as Keras does.
    activity_regularizer : str or Regularizer, optional
        A penalty on the layer's outputs ``a``: ``reg(a) / batch`` is added to the loss while
        training (and listed in ``model.losses``).

    Notes
    -----
    **Calling a layer.** ``layer(x)`` on an array runs ``forward`` (building the layer first
    if needed). ``layer(t)`` on a :class:`~glassnet.layers.input.SymbolicTensor` (from
    ``Input(...)`` or another layer's call) computes nothing: it records a node of the
    functional graph and returns the output's symbolic tensor (see
    :mod:`glassnet.layers.input` and :class:`glassnet.models.Model`). Each layer is called
    symbolically at most once (no weight sharing between nodes).

    **Several inputs (merge layers).** A layer that combines tensors sets the class
    attribute ``multi_input = True`` (as :class:`glassnet.layers.merge.Add` and
    ``Concatenate`` do). Everything that is one shape or one array for an ordinary layer is
    then a list, in the order the inputs were given::

        build([shape_1, ..., shape_n], rng)       one-sample shapes, no batch axis
        output_shape([shape_1, ..., shape_n])     -> one shape
        forward([x_1, ..., x_n], training)        -> y
        backward(dL/dy)                           -> [dL/dx_1, ..., dL/dx_n]

    ``backward`` returns one gradient per input, each with its input's shape. A model adds
    up the gradients reaching a tensor that feeds several layers (a residual skip).
    """

    # -- the contract: what a model may rely on, declared once here ------------------------------
    #: Layers that draw random numbers while training (Dropout, noise) set this True; the
    #: model then hands them a generator of their own in ``noise_rng`` (unless ``seed`` is set).
    stochastic: bool = False
    #: The mode of a direct call ``layer(x)`` without ``training=`` outside any custom layer's
    #: ``call``: the default of Keras's ``call(training=...)``. True only for the random
    #: augmentation layers, which augment when called on a batch by hand, as in Keras.
    eager_training: bool = False
    #: A seed of the layer's own for its noise; None lets the model provide the generator.
    seed: int | None = None
    #: Merge layers (Add, Concatenate ...) take a list of inputs and return a list of gradients.
    multi_input: bool = False
    #: A Keras-style layer called with several tensors by position: ``call(*inputs)``.
    spread_inputs: bool = False
    #: Layers that return several arrays (a list: ``Bidirectional(merge_mode=None)``) set this
    #: True: ``output_shape`` then gives a list of shapes and ``backward`` takes a list of
    #: gradients, one per output. Called on symbolic tensors, such a layer returns a list of
    #: them, each usable on its own (see :mod:`glassnet.layers.graph`).
    multi_output: bool = False
    #: Whether ``forward`` may leave ``add_loss`` terms in ``_added_losses`` (layers with
    #: a ``call``): the graph adds them to the loss.
    adds_losses: bool = False
    #: False while a model runs inference only (``predict``, ``evaluate``): no ``backward``
    #: follows that ``forward``, so a layer may skip keeping what only ``backward`` reads
    #: (the LSTM then reuses one step's buffers instead of storing every step's gates).
    keep_cache: bool = True
    #: Whether ``backward`` must return ``dL/dx``. The model sets it at build: False when no
    #: weights lie upstream of this layer (its first weighted layer), so a layer may skip the
    #: product that computes ``dL/dx`` and return None. Layers that ignore it always return it.
    input_grad_needed: bool = True
    #: The activation applied last (``Dense(activation=...)``, ``Activation``), or None. With
    #: :attr:`has_preactivation_backward` it lets a loss fuse it (softmax + cross-entropy).
    activation: ActivationFunction | None = None
    #: The layers this layer runs inside its ``forward`` (Residual's ``f``), as a graph the
    #: teaching tools and the NaN diagnosis can walk into; None for a plain layer.
    branch: Graph | None = None
    #: Projections ``w -> c(w)`` of some ``params`` (by key), applied after each optimizer
    #: update (Keras's ``kernel_constraint``...); a layer with constraints sets its own dict.
    weight_constraints: dict[str, Any] = {}  # noqa: RUF012 - read-only default, never mutated
    #: The graph node of this layer's symbolic call; set by ``glassnet.layers.input``.
    _node: Node | None = None
    #: Constructor arguments a subclass adds to :meth:`get_config`, read from the attributes of
    #: the same name, in this order; a tuple is written as a list, as in Keras's JSON (arguments
    #: that need more, such as serialized initializers, are added by the subclass's own
    #: ``get_config``).
    config_keys: tuple[str, ...] = ()
    #: Constructor arguments that a config holds as lists and :meth:`from_config` turns back
    #: into tuples (where the argument's meaning differs between the two, e.g. an axis list).
    tuple_config_keys: tuple[str, ...] = ()

    def __init__(
        self,
        name: str | None = None,
        trainable: bool = True,
        input_shape: tuple[int, ...] | None = None,
        input_dim: int | None = None,
        dtype: str | None = None,
        activity_regularizer: Any = None,
    ) -> None:
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"`name` must be a non-empty string, got {name!r}.")
        if input_dim is not None:
            if input_shape is not None:
                raise ValueError("Pass either `input_dim` or `input_shape`, not both.")
            input_shape = (input_dim,)
        if input_shape is not None:
            input_shape = tuple(input_shape)
            if not all(d is None or isinstance(d, (int, np.integer)) and d > 0
                       for d in input_shape):
                raise ValueError(
                    "`input_shape` must be a tuple of positive ints (None for a size that "
                    f"varies, e.g. the time steps), got {input_shape!r}."
                )
            input_shape = tuple(None if d is None else int(d) for d in input_shape)
        self.name = name
        self.trainable = bool(trainable)
        self.input_shape: tuple[int, ...] | None = input_shape
        self.dtype = np.dtype(dtype) if dtype is not None else None
        #: Whether ``dtype`` was given (saved in the config) or comes from the model.
        self._dtype_explicit = dtype is not None
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.regularizers: dict[str, Any] = {}
        #: Keras's penalty on this layer's outputs, added to the loss while training.
        self.activity_regularizer = (None if activity_regularizer is None
                                     else regularizers.get(activity_regularizer))
        #: The activity penalty of the last forward pass that computed one (``model.losses``),
        #: or the sum of what ``call`` gave :meth:`add_loss`.
        self.activity_loss: float | None = None
        self.built = False
        self.built_input_shape: tuple[int, ...] | None = None
        self.noise_rng: np.random.Generator | None = None
        self._cache: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if hasattr(cls, "call"):  # Keras-style layer: forward/backward derived from `call`
            from glassnet.ops.layer_autodiff import install

            install(cls)

    # -- construction -------------------------------------------------------------------------
    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator | None = None) -> None:
        """Create ``params``/``grads`` for inputs of one-sample shape ``input_shape``.

        Subclasses with parameters override this, call :meth:`add_param` for each array and
        end with ``super().build(input_shape, rng)``.
        """
        if self.dtype is None:
            self.dtype = np.dtype("float32")
        self.built_input_shape = tuple(input_shape)
        self.built = True

    def add_param(
        self,
        key: str,
        shape: tuple[int, ...],
        initializer: Any,
        rng: np.random.Generator,
        regularizer: Any = None,
    ) -> np.ndarray:
        """Create trainable ``params[key]`` (and a zero ``grads[key]``) of ``shape``."""
        dtype = self.dtype or np.dtype("float32")
        value = initializers.get(initializer)(shape, rng=rng, dtype=dtype)
        self.params[key] = np.ascontiguousarray(value, dtype=dtype)
        self.grads[key] = np.zeros(shape, dtype=dtype)
        if regularizer is not None:
            self.regularizers[key] = regularizers.get(regularizer)
        return self.params[key]

    def add_weight(self, *args: Any, **kwargs: Any) -> Any:
        """Keras's ``add_weight``: see :func:`glassnet.ops.layer_autodiff.add_weight`."""
        from glassnet.ops.layer_autodiff import add_weight

        return add_weight(self, *args, **kwargs)

    def output_shape(self, input_shape: Shape) -> Shape:
        """One-sample output shape for a one-sample ``input_shape`` (no data needed)."""
        return tuple(input_shape)

    # -- computation --------------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """``y = f(x)``; caches in ``_cache`` only what :meth:`backward` reads.

        Parameters
        ----------
        x : ndarray of shape (batch, *input_shape)
            A list of such arrays for a ``multi_input`` layer.
        training : bool, default False
            Training behaviour (dropout active, batch statistics) when True.

        Returns
        -------
        y : ndarray of shape (batch, *output_shape(input_shape))
        """
        raise NotImplementedError

    def backward(self, grad_y: np.ndarray) -> np.ndarray | None:
        """Write ``dL/dparams`` into ``grads`` and return ``dL/dx``.

        Parameters
        ----------
        grad_y : ndarray of the shape of the last ``forward``'s ``y``

        Returns
        -------
        grad_x : ndarray of the shape of the last ``forward``'s ``x``, or None
            None only when :attr:`input_grad_needed` is False. A ``multi_input`` layer
            returns a list, one gradient per input.
        """
        raise NotImplementedError

    def backward_preactivation(self, grad_z: np.ndarray) -> np.ndarray | None:
        """:meth:`backward` from ``dL/dz``, the gradient before the final :attr:`activation`.

        A loss that fuses the activation (softmax + cross-entropy: ``dL/dz = p - y``) calls
        this instead of :meth:`backward`. Layers that end with an activation override it.
        """
        raise NotImplementedError(
            f"{type(self).__name__} '{self.name}' has no backward from its pre-activation."
        )

    def preactivation(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """``z``: what :meth:`forward` computes before its final :attr:`activation`.

        For the teaching tools and the NaN diagnosis (not the hot path): ``forward`` runs
        once more with a linear activation, and the cache of the last ``forward`` is kept, so
        a following ``backward`` is unaffected. Without an activation, ``z`` is ``y``.
        """
        act, cache = self.activation, self._cache
        if act is None:
            return self.forward(x, training)
        self.activation = activations.get("linear")
        try:
            return self.forward(x, training)
        finally:
            self.activation, self._cache = act, cache

    @property
    def has_preactivation_backward(self) -> bool:
        """True when the layer overrides :meth:`backward_preactivation` (Dense, Conv2D,
        Activation): a loss may then hand it ``dL/dz`` directly."""
        return type(self).backward_preactivation is not Layer.backward_preactivation

    def __call__(self, x: Any, training: Any = None, *more: Any, mask: Any = None) -> Any:
        """Forward pass on an array, or a graph node on symbolic tensors.

        Parameters
        ----------
        x : ndarray of shape (batch, ...), SymbolicTensor, or a list of either
            A list for merge layers (``multi_input``). On arrays the layer is built on first
            use (float32, seed 0) and ``forward`` runs; on symbolic tensors a node is
            recorded and the output's ``SymbolicTensor`` is returned.
        training : bool, optional
            Passed to ``forward``. On symbolic tensors, True or False fixes the mode this
            call runs in inside the model, whatever the model does (Keras's
            ``base_model(x, training=False)``); None follows the model. On arrays, when not
            given, as in Keras: the mode of the custom layer's ``call`` this call runs in,
            else the layer's ``eager_training`` (False; True for the random augmentation
            layers).
        *more
            A layer that defines ``call(self, a, b, ...)`` takes its tensors by position, as
            in Keras: ``LogisticEndpoint()(targets, logits)`` (``training`` is then the
            second tensor; the layer takes them as a list from then on).
        mask : ndarray of bool, shape (batch, steps), optional
            Which steps are real, for a layer that reads a mask (recurrent layers, the 1-D
            global mean, a custom layer whose ``call`` takes ``mask``); by default the
            ``_keras_mask`` of ``x``. On arrays, the output carries its own mask as
            ``_keras_mask`` (``Embedding(mask_zero=True)``, ``Masking``), as in Keras.
        """
        from glassnet.layers.input import call_symbolic, is_symbolic
        from glassnet.ops.layer_autodiff import (
            call_traced,
            recording,
            resolve_training,
            tensor_arity,
        )

        if hasattr(type(self), "call"):
            if more or not (training is None or isinstance(training, (bool, np.bool_))):
                x, training = [x, training, *more], None
                self.multi_input = self.spread_inputs = True
            elif not self.multi_input and isinstance(x, (list, tuple)):
                # a list of tensors: ``call(inputs)`` gets the list, as in Keras; with one
                # parameter per tensor (a graph rebuilt from its config), one tensor each
                self.multi_input = True
                self.spread_inputs = tensor_arity(type(self).call) > 1  # type: ignore[attr-defined]

        if is_symbolic(x):
            return call_symbolic(self, x, training)
        training = resolve_training(self, training)
        if mask is None:
            mask = getattr(x, "_keras_mask", None)  # the mask an earlier layer attached
        if recording(x):  # on a traced array or while a tape records: join the tape
            return call_traced(self, x, training, mask)
        if self.multi_input:
            if not isinstance(x, (list, tuple)):
                raise TypeError(
                    f"{type(self).__name__} merges several arrays: call it on a list, got a "
                    f"single {type(x).__name__}."
                )
            xs = [np.asarray(a) for a in x]
            if not self.built:
                # multi_input layers take a list of shapes and a list of arrays
                self.build(cast(Any, [a.shape[1:] for a in xs]), np.random.default_rng(0))
            return self.forward(cast(Any, xs), training=training)
        x = np.asarray(x)
        if not self.built:
            self.build(x.shape[1:], np.random.default_rng(0))
        if mask is None and not hasattr(self, "compute_mask"):
            return self.forward(x, training=training)
        from glassnet.layers.masking import _consumes_mask, output_mask, with_mask

        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
        if mask is not None and _consumes_mask(self):
            y = self.forward(x, training=training, mask=mask)  # type: ignore[call-arg]
        else:
            y = self.forward(x, training=training)
        return with_mask(y, output_mask(self, x, mask, y))

    def add_loss(self, loss: Any) -> None:
        """Add ``loss`` (a scalar computed with :mod:`glassnet.ops` in ``call``) to the
        training loss, as Keras's ``add_loss``; ``losses`` lists the last call's terms."""
        from glassnet.ops.layer_autodiff import add_loss

        add_loss(self, loss)

    # -- regularisation -----------------------------------------------------------------------
    def penalty(self) -> float:
        """Sum of the regularisation terms of this layer's parameters."""
        return float(sum(reg(self.params[k]) for k, reg in self.regularizers.items()))

    def add_penalty_gradients(self) -> None:
        """Add ``d penalty / d param`` to ``grads`` (after :meth:`backward`)."""
        for k, reg in self.regularizers.items():
            self.grads[k] += reg.gradient(self.params[k])

    # -- bookkeeping --------------------------------------------------------------------------
    def count_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def count_state(self) -> int:
        return int(sum(s.size for s in self.state.values()))

    def get_weights(self) -> list[np.ndarray]:
        """Parameters then state, in creation order (Keras's order), as copies."""
        return [p.copy() for p in self.params.values()] + [s.copy() for s in self.state.values()]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Write ``weights`` (as from :meth:`get_weights`) into the arrays in place."""
        targets = list(self.params.items()) + list(self.state.items())
        if len(weights) != len(targets):
            raise ValueError(
                f"Layer '{self.name}' expects {len(targets)} weight arrays "
                f"({', '.join(k for k, _ in targets) or 'none'}), got {len(weights)}."
            )
        for (key, target), w in zip(targets, weights, strict=True):
            w = np.asarray(w)
            if w.shape != target.shape:
                raise ValueError(
                    f"Layer '{self.name}' weight `{key}` has shape {target.shape}, "
                    f"got an array of shape {w.shape}."
                )
            target[...] = w

    def get_config(self) -> dict[str, Any]:
        """What rebuilds this layer: ``type(self).from_config(layer.get_config())``."""
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable}
        if self.input_shape is not None:
            config["input_shape"] = list(self.input_shape)
        if self.dtype is not None and self.__dict__.get("_dtype_explicit", True):
            config["dtype"] = self.dtype.name
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config.update((key, _listed(getattr(self, key))) for key in self.config_keys)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        config = dict(config)
        if "input_shape" in config and config["input_shape"] is not None:
            config["input_shape"] = tuple(config["input_shape"])
        for key in cls.tuple_config_keys:
            if isinstance(config.get(key), list):
                config[key] = tuple(config[key])
        # A custom layer whose __init__ takes only its own arguments (its get_config returns
        # just them, as in the keras.io guides): the base keys a file adds are set afterwards.
        params = inspect.signature(cls.__init__).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            base = {key: config.pop(key) for key in ("name", "trainable", "dtype")
                    if key in config and key not in params}
            layer = cls(**config)
            if "name" in base:
                layer.name = base["name"]
            if "trainable" in base:
                layer.trainable = bool(base["trainable"])
            return layer
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


def _all_subclasses(cls: type[Layer]) -> list[type[Layer]]:
    out: list[type[Layer]] = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_all_subclasses(sub))
    return out


def layer_class(class_name: str) -> type[Layer]:
    """The Layer subclass called ``class_name``: from the ``custom_objects`` in scope, else
    any imported subclass (every imported layer module registers)."""
    import glassnet.layers  # noqa: F401 - makes sure the built-in layers are imported

    given = get_registered_object(class_name)  # custom_objects in scope, then registered
    if isinstance(given, type) and issubclass(given, Layer):
        return given

    for cls in _all_subclasses(Layer):
        if cls.__name__ == class_name:
            return cls
    valid = sorted({c.__name__ for c in _all_subclasses(Layer)})
    raise ValueError(f"Unknown layer type {class_name!r}. Known layers: {', '.join(valid)}.")


def serialize_layer(layer: Layer) -> dict[str, Any]:
    config = layer.get_config()
    if "name" not in config:  # a custom get_config with its own arguments only: the graph
        config = {**config, "name": layer.name}  # still names the layer (see from_config)
    return {"class_name": type(layer).__name__, "config": config}


def deserialize_layer(config: dict[str, Any]) -> Layer:
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"A layer config needs 'class_name' and 'config', got {config!r}.")
    return layer_class(config["class_name"]).from_config(config.get("config", {}))


def _listed(value: Any) -> Any:
    """A tuple as a list (a config is JSON, which has no tuples); anything else as it is."""
    return list(value) if isinstance(value, tuple) else value
