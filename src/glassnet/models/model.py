"""Model: compile, fit, evaluate and predict for any graph of layers.

Every model runs on one graph walker (:class:`glassnet.layers.graph.Graph`): a subclass says
how its layers are wired by implementing ``_build_layers`` (``Sequential``: a chain; the
functional ``Model``: any graph), which builds ``self._graph``. Everything else — the one
gradient step, the training loop, callbacks, metrics, weights, saving — is shared here.

One gradient step (:meth:`Model.compute_gradients`), for a batch ``x`` (batch, ...) with
targets ``y``::

    y_pred = forward(x, training=True)
    L, dL/dy_pred = loss(y, y_pred)           (or dL/dz, fused through softmax/sigmoid)
    backward(dL/dy_pred)                      every layer writes its grads in place
    L += penalty; grads += d penalty/d params regularisers

and training adds, only when ``L`` and every gradient are finite::

    optimizer.step([theta], [grad])           one flat vector (see parameters.py)

A NaN or inf stops before the update, so the weights stay as they were and
:mod:`glassnet.models.diagnose` can replay the batch to find the operation at fault.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from glassnet import _validate, utils
from glassnet import losses as losses_mod
from glassnet import metrics as metrics_mod
from glassnet import optimizers as optimizers_mod
from glassnet.layers.base import Layer
from glassnet.layers.graph import Graph, GraphObserver
from glassnet.losses.base import NoLoss
from glassnet.losses.masks import loss_weights
from glassnet.models import data, step, teaching
from glassnet.models.diagnose import NonFiniteStep, non_finite_error
from glassnet.models.inference import predict_batches, run_predict
from glassnet.models.multi_io import keras_logs
from glassnet.models.parameters import FlatParameters, carry_slots
from glassnet.models.step import Gradients
from glassnet.models.summary import summary_text
from glassnet.models.training import (
    _positive_int,
    _verbosity,
    run_evaluate,
    run_fit,
)
from glassnet.models.weights import ModelWeights

_FLOAT_DTYPES = ("float16", "float32", "float64")

_deferred = contextvars.ContextVar("glassnet_deferred_build", default=False)


@contextlib.contextmanager
def deferred_build() -> Iterator[None]:
    """Models made inside do not build at construction (a file loader builds them itself,
    after checking what the file can back)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


class Model(ModelWeights):
    """Base of :class:`Sequential` and the functional ``Model``.

    Parameters
    ----------
    name : str, optional
    seed : int, optional
        Seeds three independent streams: weight initialisation, shuffling and dropout.
        The same seed gives bit-identical training on the same machine.
    dtype : {'float32', 'float64', 'float16'}, default 'float32'
        Parameters, activations and gradients all use it (float64 for gradient checks).
    """

    default_name = "model"

    def __init__(self, name: str | None = None, seed: int | None = None,
                 dtype: str = "float32") -> None:
        if str(np.dtype(dtype)) not in _FLOAT_DTYPES:
            raise ValueError(f"`dtype` must be one of {_FLOAT_DTYPES}, got {dtype!r}.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise ValueError(f"`seed` must be a non-negative integer or None, got {seed!r}.")
        self.name = name or self.default_name
        self._auto_named = not name
        self.seed = None if seed is None else int(seed)
        self.dtype = np.dtype(dtype)
        root = np.random.SeedSequence(self.seed) if seed is not None else utils.next_model_seed()
        self._init_seed, shuffle_seed, self._noise_seed = root.spawn(3)
        self._shuffle_rng = np.random.default_rng(shuffle_seed)
        self.optimizer: optimizers_mod.Optimizer | None = None
        self.loss: losses_mod.Loss | None = None
        self.metric_names: list[str] = []
        #: The compiled metric objects (reset each epoch and evaluate, updated each batch).
        self._tracker: metrics_mod.CompiledMetrics = metrics_mod.CompiledMetrics([])
        self.compiled = False
        self.built = False
        self.stop_training = False
        self.history: Any = None
        self._flat: FlatParameters | None = None
        self._fused = False
        self._regularized: list[Layer] = []
        #: BLAS threads for this model's products: 'auto' (by step size), an int, or None.
        self.blas_threads: int | str | None = "auto"

    def __setstate__(self, state: dict[str, Any]) -> None:
        """After ``copy.deepcopy`` or unpickling, the layers' weights are separate arrays again:
        pack them into a fresh flat vector, or the optimizer would update a vector no layer reads."""
        self.__dict__.update(state)
        if self.built and self._flat is not None:
            self._flat = FlatParameters(self.layers, self.dtype)
            if self.compiled:
                self._prepare_training()

    # ---------------------------------------------------------------- subclass interface
    #: The layers wired as a graph; ``_build_layers`` creates and builds it.
    _graph: Graph

    @property
    def layers(self) -> list[Layer]:
        raise NotImplementedError

    def _build_layers(self, input_shape: tuple[int | None, ...] | None, rng: np.random.Generator) -> None:
        """Set ``self._graph`` and build it (every layer's weights) for ``input_shape``."""
        raise NotImplementedError

    def _forward(self, x: np.ndarray, training: bool | None,
                 observer: GraphObserver | None = None) -> np.ndarray:
        """The output for a batch ``x`` (batch, *input_shape), through the graph walker."""
        return self._graph.forward(x, training, observer)

    def _output_mask(self) -> Any:
        """The mask (batch, T) of the last forward pass's output, or None (a list, one per
        output, for several outputs): its padded steps are left out of the loss and the
        metrics (:mod:`glassnet.losses.masks`)."""
        graph = self.__dict__.get("_graph")
        return None if graph is None else graph.output_mask

    def _backward(self, grad: np.ndarray, fused: bool,
                  observer: GraphObserver | None = None) -> None:
        """Backpropagate ``dL/dy_pred`` (``dL/dz`` of the output layer when ``fused``)."""
        self._graph.backward(grad, fused, observer)

    def _structured(self, out: Any) -> Any:
        """The outputs as the user gave them (several outputs: a list or a dict)."""
        return out

    def _pack_inputs(self, x: Any) -> Any:
        """The data as the training loop carries it: ``x`` itself for one input (a model with
        several packs their arrays into one, see :mod:`glassnet.models.multi_io`)."""
        return x

    @property
    def input_shape(self) -> tuple[int | None, ...]:
        raise NotImplementedError

    def layer_output_shapes(self) -> list[tuple[int | None, ...]]:
        """``(None, ...)`` output shape of every layer, in :attr:`layers` order."""
        raise NotImplementedError

    @property
    def output_shape(self) -> tuple[int | None, ...]:
        raise NotImplementedError

    # ---------------------------------------------------------------- building
    def build(self, input_shape: Sequence[int | None] | None = None) -> None:
        """Create every weight. ``input_shape`` may include the batch axis: ``(None, 784)``.

        A model already built (for this input shape) is left as it is, as in Keras.
        """
        shape = None if input_shape is None else tuple(input_shape)
        if shape is not None and (shape[0] is None or len(shape) > 1):
            shape = shape[1:]  # Keras passes the batch axis first: (None, 784)
        if self.built and (shape is None or (None,) + tuple(shape) == tuple(self.input_shape)):
            return
        self._build_layers(shape, np.random.default_rng(self._init_seed))
        # A fresh copy of the noise seed: every build hands out the same streams.
        base = self._noise_seed
        fresh = np.random.SeedSequence(base.entropy, spawn_key=base.spawn_key,
                                       pool_size=base.pool_size)
        noise = fresh.spawn(max(1, sum(layer.stochastic for layer in self.layers)))
        stochastic = [layer for layer in self.layers if layer.stochastic]
        for layer, seq in zip(stochastic, noise, strict=False):
            if layer.seed is None:
                layer.noise_rng = np.random.default_rng(seq)
        if self._flat is None or self.optimizer is None or self.optimizer._slots is None:
            self._flat = FlatParameters(self.layers, self.dtype)
        # else (grown by `add` after training): the next step repacks, carrying every kept
        # weight's optimizer state over (see _prepare_training)
        self.built = True

    def _build_if_declared(self) -> None:
        """Build now when the input shape is known (Keras builds such models eagerly), so
        ``count_params``, ``get_weights`` and ``save_weights`` work right away."""
        if _deferred.get():
            return
        try:
            declared = self.input_shape
        except AttributeError:
            return
        if self.layers and all(d is not None for d in declared[1:]):
            self.build(declared)

    def _ensure_built(self, x: np.ndarray) -> None:
        """Build from the declared input shape, else from the data's (then check the data)."""
        if not self.built:
            try:
                declared = self.input_shape
            except AttributeError:
                declared = (None,) + tuple(x.shape[1:])
            self.build(declared)

    # ---------------------------------------------------------------- compile
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None,
                metrics: Sequence[Any] | None = None, *,
                weighted_metrics: Sequence[Any] | None = None, run_eagerly: bool = False,
                steps_per_execution: int = 1, jit_compile: Any = "auto",
                auto_scale_loss: bool = True) -> None:
        """Choose the optimizer, the loss and the metrics (names or objects, as in Keras).

        ``metrics`` ignore ``sample_weight``/``class_weight``; ``weighted_metrics`` are
        weighted by them (named ``weighted_<name>`` when a plain metric has that name), as
        in Keras. ``run_eagerly``, ``steps_per_execution``, ``jit_compile`` and
        ``auto_scale_loss`` are Keras's execution settings, accepted for Keras programs:
        glassnet always runs eagerly, one step at a time, in the model's dtype.
        """
        self.optimizer = optimizers_mod.get(optimizer)
        # No loss: only what the layers add (add_loss, regularizers) trains, as in Keras;
        # compiled again without one, the loss compiled before stays (Keras 3 keeps it).
        before = getattr(self, "loss", None)
        if loss is not None:
            self.loss = losses_mod.get(loss)
        elif before is None:
            self.loss = NoLoss()
        if metrics is None:
            metrics = []
        if isinstance(metrics, (str, dict)) or callable(metrics):
            metrics = [metrics]
        _check_metrics(metrics)
        self._tracker = metrics_mod.CompiledMetrics(list(metrics), self.loss)
        if weighted_metrics:
            weighted = metrics_mod.CompiledMetrics(
                [weighted_metrics] if isinstance(weighted_metrics, str) else list(weighted_metrics),
                self.loss).metrics
            for metric in weighted:
                if metric.name in self._tracker.names:
                    metric.name = f"weighted_{metric.name}"
                metric.compiled_sample_weight = True
            self._tracker.metrics += weighted
        self.metric_names = self._tracker.names
        self.compiled = True

    @property
    def metrics_names(self) -> list[str]:
        """``['loss', *metric names]``: the order of ``evaluate``'s list."""
        return ["loss", *self.metric_names]

    def _check_compiled(self, what: str) -> None:
        if not self.compiled:
            # Keras raises ValueError here
            raise ValueError(
                f"You must call `compile()` before using the model: call "
                f"`compile(optimizer, loss)` before `{what}`; "
                "e.g. model.compile(optimizer='adam', loss='categorical_crossentropy')."
            )
        if isinstance(self.loss, NoLoss) and self.built and "_graph" in self.__dict__ and not any(
                layer.adds_losses or layer.regularizers or layer.activity_regularizer
                for layer in self.layers):
            # Keras's message: compiled without a loss, and no layer adds one
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")

    def _fused_output(self) -> bool:
        """True when the last layer's activation is the one the loss cancels (softmax + CE)."""
        if not self.layers or self.loss is None or self.loss.from_logits:
            return False
        last = self.layers[-1]
        if last.activity_regularizer is not None:  # its penalty needs dL/da, not dL/dz
            return False
        return (last.activation is not None and last.has_preactivation_backward
                and last.activation.name == self.loss.fused_activation)

    # ---------------------------------------------------------------- one step
    def _targets(self, y: Any, n: int, name: str = "y") -> np.ndarray:
        """Targets checked against the loss and the output shape, as arrays."""
        assert self.loss is not None  # compiled: every caller checks first
        return data.as_targets(y, n, self.loss, (n,) + tuple(self.output_shape[1:]),
                               self.dtype, name)

    def compute_gradients(self, x: Any, y: Any, sample_weight: Any = None,
                          training: bool = True) -> Gradients:
        """Loss, output and every weight's gradient for one batch; no weight changes.

        The one gradient step (:mod:`glassnet.models.step`) that ``fit``,
        ``train_on_batch``, ``check_gradients``, ``explain_step``, the NaN diagnosis and
        :class:`~glassnet.diagnostics.GradientFlow` all run: forward, the loss and its
        gradient, backward, regularisation.

        Parameters
        ----------
        x : array-like of shape (batch, *input_shape)
        y : array-like of targets, as ``fit`` takes them
        sample_weight : array-like of shape (batch,), optional
        training : bool, default True
            Training behaviour (dropout, batch statistics) as in ``fit``; False gives the
            deterministic gradient of the inference-mode loss (``check_gradients``).

        Returns
        -------
        Gradients
            ``(loss, y_pred, grads)``: ``grads[i]`` is ``dL/dW`` of ``trainable_weights[i]``
            (the layers' own arrays, which the next step overwrites).
        """
        xb, yb, wb = step.checked_batch(self, x, y, sample_weight, "compute_gradients")
        loss, out = self._compute_gradients(xb, yb, wb, training)
        return Gradients(loss, out, self._grad_views())

    def _compute_gradients(self, xb: np.ndarray, yb: np.ndarray, wb: np.ndarray | None,
                           training: bool = True, observer: GraphObserver | None = None
                           ) -> tuple[float, np.ndarray]:
        """:meth:`compute_gradients` on a checked batch: ``(loss, y_pred)``."""
        return step.gradient_step(self, xb, yb, wb, training, observer)

    # One gradient step and its update; nothing is updated when a value is not finite.
    # (:func:`step.train_step` itself, bound as a method: one call less per step.)
    _train_step = step.train_step

    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       class_weight: dict | None = None, return_dict: bool = False) -> Any:
        """One gradient step on one batch (Keras's method).

        Returns
        -------
        float, list or dict
            The batch loss; ``[loss, *metrics]`` when compiled with metrics (the metrics of
            this batch's output, before the update); a dict with ``return_dict=True``.

        Raises
        ------
        NonFiniteLossError
            When the loss or a gradient is NaN or inf; the weights are left unchanged.
        """
        xb, yb, wb = step.checked_batch(self, x, y, sample_weight, "train_on_batch",
                                        class_weight)
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                loss, out = self._train_step(xb, yb, wb)
        except NonFiniteStep as exc:
            raise non_finite_error(self, xb, yb, wb, exc.loss) from None
        return self._batch_result(loss, yb, out, wb, return_dict)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                      return_dict: bool = False) -> Any:
        """Loss (and metrics) of one batch in inference mode, returned as
        :meth:`train_on_batch` returns them."""
        self._check_compiled("test_on_batch")
        xb = data.as_inputs(self._pack_inputs(x), self.dtype)
        self._ensure_built(xb)
        self._check_input_shape(xb)
        yb = self._targets(y, len(xb))
        wb = data.as_sample_weight(sample_weight, None, yb, len(xb))
        assert self.loss is not None  # compiled
        with self._inference_only():
            out = self._forward(xb, training=False)
        mask = self._output_mask()
        loss = self.loss(yb, out, loss_weights(self.loss, wb, mask, out)) + self._penalty()
        return self._batch_result(loss, yb, out, wb, return_dict)

    def predict_on_batch(self, x: Any) -> Any:
        """The outputs for one batch ``x`` in inference mode (several outputs: a list, or a
        dict when the model's outputs were given as a dict)."""
        xb = data.as_inputs(self._pack_inputs(x), self.dtype, finite=False)
        self._ensure_built(xb)
        self._check_input_shape(xb)
        with self._inference_only():
            out = self._forward(xb, training=False)
        if isinstance(out, list):  # several outputs: a list (a dict), as predict gives them
            return self._structured([o.copy() if o.base is not None else o for o in out])
        return out.copy() if out.base is not None else out

    def _batch_result(self, loss: float, yb: np.ndarray, out: np.ndarray,
                      wb: np.ndarray | None, return_dict: bool) -> Any:
        self._tracker.reset_state()
        self._tracker.update_state(yb, out, wb, mask=self._output_mask())
        logs = {"loss": float(loss), **{k: float(v) for k, v in self._tracker.result().items()}}
        return keras_logs(self, logs, return_dict)

    def _penalty(self) -> float:
        """Weight penalties plus the activity penalties of the last forward pass."""
        total = sum(layer.penalty() for layer in self.layers if layer.regularizers)
        graph = self.__dict__.get("_graph")
        if graph is None:  # a subclassed model: its call's add_loss terms
            return total + sum(self.__dict__.get("_added_losses", ()))
        return total + graph.activity_penalty

    def _grad_views(self) -> list[np.ndarray]:
        """The gradients of :attr:`trainable_weights`, in the same order."""
        if self._flat is None:
            return []
        return [layer.grads[key] for layer, key in self._flat.order]

    def _prepare_training(self) -> None:
        self._fused = self._fused_output()
        self._regularized = [layer for layer in self.layers if layer.regularizers]
        flat = self._flat
        assert flat is not None  # built before training
        clip = self.optimizer is not None and bool(
            self.optimizer.clipnorm or self.optimizer.per_weight)
        if not flat.current(self.layers):  # `trainable` changed: repack (Keras needs no compile)
            old = flat
            flat = self._flat = FlatParameters(self.layers, self.dtype)
            if self.optimizer is not None and self.optimizer._slots is not None:
                # each weight keeps its optimizer state (momentum ...) in the new layout
                stash = self.__dict__.setdefault("_frozen_slots", {})
                self.optimizer._slots = carry_slots(self.optimizer, old, flat, clip, stash)
                self.optimizer._built = False
        if clip:
            # Keras clips each weight's gradient norm separately: hand over per-weight views.
            self._opt_params = [flat.theta[part] for _, _, part in flat.slots]
            self._opt_grads = [flat.grad[part] for _, _, part in flat.slots]
        else:  # one flat vector: the whole update is a few vectorised operations
            self._opt_params, self._opt_grads = [flat.theta], [flat.grad]
        # Weights of another dtype than the model's are updated one by one.
        self._opt_params = self._opt_params + flat.loose_params()
        self._opt_grads = self._opt_grads + flat.loose_grads()

    # ---------------------------------------------------------------- fit
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: int | str = "auto",
        callbacks: Sequence[Any] | None = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        class_weight: dict | None = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
    ):
        """Train for ``epochs`` passes over the data; returns the :class:`History`.

        ``x`` is an array ``(n, ...)`` with targets ``y``, or a generator/iterable of
        ``(x, y)`` / ``(x, y, sample_weight)`` batches (then give ``steps_per_epoch`` when it
        never ends). A second call with ``initial_epoch=k`` continues the same History.
        """
        self._check_compiled("fit")
        return run_fit(
            self, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
            callbacks=callbacks, validation_split=validation_split,
            validation_data=validation_data, shuffle=shuffle, class_weight=class_weight,
            sample_weight=sample_weight, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch, validation_batch_size=validation_batch_size,
            validation_freq=validation_freq,
        )

    # ---------------------------------------------------------------- inference
    def predict(self, x: Any, batch_size: int | None = None, verbose: int | str = 0,
                steps: int | None = None, callbacks: Any = None) -> Any:
        """Outputs for ``x`` in inference mode, in batches; ``callbacks`` get Keras's
        ``on_predict_*`` hooks (see :mod:`glassnet.models.inference`)."""
        _verbosity(verbose)
        return run_predict(self, x, batch_size, steps, callbacks)

    def _predict_batches(self, x: np.ndarray, bs: int) -> Any:
        """Outputs for the checked array ``x``, ``bs`` rows at a time (one output)."""
        return predict_batches(self, x, bs)

    @contextlib.contextmanager
    def _inference_only(self) -> Iterator[None]:
        """Tell the layers that no backward pass follows (``Layer.keep_cache``), until exit."""
        saved = [(layer, layer.__dict__.get("keep_cache")) for layer in self.layers]
        for layer, _ in saved:
            layer.keep_cache = False
        try:
            yield
        finally:
            for layer, before in saved:
                if before is None:
                    layer.__dict__.pop("keep_cache", None)  # back to the class default
                else:
                    layer.keep_cache = before

    def __call__(self, x: Any, training: bool | None = None) -> np.ndarray:
        x = data.as_inputs(self._pack_inputs(x), self.dtype)
        self._ensure_built(x)
        if training is None:  # each call's own mode where one was given (`base(x, training=False)`)
            graph = self.__dict__.get("_graph")
            training = None if graph is not None and graph.fixed_training else False
        return self._forward(x, training=training)

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                 verbose: int | str = "auto", sample_weight: Any = None, steps: int | None = None,
                 return_dict: bool = False, callbacks: Any = None):
        """Loss (and metrics) on ``(x, y)`` in inference mode, as Keras returns them."""
        self._check_compiled("evaluate")
        logs = run_evaluate(self, x, y, batch_size, sample_weight, steps, verbose,
                            callbacks=callbacks)
        return keras_logs(self, logs, return_dict)

    def _check_input_shape(self, x: np.ndarray) -> None:
        expected = tuple(self.input_shape[1:])
        got = tuple(x.shape[1:])
        if len(expected) != len(got) or any(e is not None and e != g
                                            for e, g in zip(expected, got, strict=True)):
            first = self.layers[0] if self.layers else None
            who = f"{type(first).__name__} '{first.name}'" if first else f"Model '{self.name}'"
            raise ValueError(
                f"{who} expects inputs of shape {(None,) + expected}, but received an array "
                f"of shape {x.shape}."
            )

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No layer named {name!r}; layers: {', '.join(str(layer.name) for layer in self.layers)}."
        )

    # ---------------------------------------------------------------- reporting & files
    def summary(self, print_fn: Any = None, line_length: int | None = None) -> None:
        """Print Keras's table: layer (type), output shape, param # and the three totals.

        Returns None, as Keras does (so a notebook cell ending in ``model.summary()`` shows
        the table once); ``print_fn`` receives the text (``print`` by default)."""
        if line_length is not None:
            line_length = _validate.check_int("summary", "line_length", line_length, min=40)
        if print_fn is not None and not callable(print_fn):
            raise TypeError(f"`print_fn` must be a function such as print, got {print_fn!r}.")
        if not self.built:
            try:
                self.build()
            except ValueError as exc:
                raise ValueError(
                    f"Model '{self.name}' has not been built yet, so its parameters are unknown: "
                    f"{exc}"
                ) from None
        (print_fn or print)(self._summary_text(line_length))

    def _summary_text(self, line_length: int | None) -> str:
        """The table :meth:`summary` prints: layer (type), output shape, param #."""
        return summary_text(self, line_length or 65)

    def check_gradients(self, x: Any, y: Any, tolerance: float = 1e-6,
                        print_fn: Any = print) -> list[dict[str, Any]]:
        """Check every weight's gradient against central differences (float64 copy); prints a
        per-layer table (max absolute / relative error, pass/fail) and returns its rows."""
        return teaching.check_gradients(self, x, y, tolerance=tolerance, print_fn=print_fn)

    def explain_step(self, x: Any, y: Any, learning_rate: float | None = None
                     ) -> list[teaching.LayerStep]:
        """One gradient-descent step laid open per layer: z, a, delta, dW, db and the update."""
        return teaching.explain_step(self, x, y, learning_rate)

    def save(self, filepath: Any) -> None:
        """Architecture, weights, optimizer state and history in one file, written atomically."""
        from glassnet.saving import save_model

        save_model(self, filepath)

    def save_weights(self, filepath: Any) -> None:
        from glassnet.saving import save_weights

        if not self.built:
            raise ValueError(
                "You are saving a model that has not yet been built. Try building the model "
                "first by calling it on some data or by using `build()`."
            )
        save_weights(self, filepath)

    def load_weights(self, filepath: Any) -> None:
        """Read weights from a file; a bad file raises and leaves this model unchanged."""
        from glassnet.saving import load_weights

        load_weights(self, filepath)

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Model:
        """The model :meth:`get_config` describes (weights freshly initialised)."""
        raise NotImplementedError

    def to_json(self, **kwargs: Any) -> str:
        """The architecture as JSON (``models.model_from_json`` reads it back; no weights).

        ``kwargs`` go to :func:`json.dumps` (``indent=2``).
        """
        from glassnet.models.cloning import model_to_json

        return model_to_json(self, **kwargs)


def _batch_size(batch_size: Any, default: int) -> int:
    """``batch_size`` or ``default`` when None; as ``fit`` checks it."""
    return default if batch_size is None else _positive_int(batch_size, "batch_size")


def _check_metrics(metrics: Any) -> None:
    """``compile``'s ``metrics``: a list (or tuple) of names, metric objects or functions."""
    if not isinstance(metrics, (list, tuple)):
        raise TypeError(
            f"`metrics` must be a list of metric names, objects or functions (e.g. "
            f"['accuracy']), got {metrics!r} ({type(metrics).__name__})."
        )


