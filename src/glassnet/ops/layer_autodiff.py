"""Layers written as ``call(self, inputs)`` with ops: forward and backward come from the tape.

A Keras-style layer subclass defines ``call`` (and usually ``build`` with
``self.add_weight``); :func:`install` (run for every such class by ``Layer``'s subclass hook)
gives it the ``forward``/``backward`` pair every model runs:

- ``forward(x, training)`` runs ``call`` while a :class:`~glassnet.ops.tape.Tape` records,
  with ``x`` watched and the weights (:class:`~glassnet.ops.variable.Variable`) becoming
  leaves as ``call`` reads them;
- ``backward(dL/dy)`` asks the tape for ``dL/dx`` and ``dL/dweight`` and writes the latter in
  place into ``grads`` (the arrays a model's optimizer reads).

Built-in layers keep their hand-written backward. When one is called on a traced array, or
while a tape records (inside another ``call``), :func:`call_traced` records it as a single
node whose ``backward`` is the layer's own.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import numpy as np

from glassnet.ops.tape import Tape, Traced, active_tape, value_of
from glassnet.ops.variable import Variable

_local = threading.local()

#: The ``add_loss`` terms of the call under way (a custom layer's, its sublayers' inline).
_ADDED: ContextVar[list[Any] | None] = ContextVar("added_losses", default=None)


def add_loss(layer: Any, loss: Any) -> None:
    """Keras's ``self.add_loss(value)`` inside ``call``: ``value`` (a scalar made with ops)
    joins the training loss, and its gradient the layer's backward. Each call starts afresh,
    so ``layer.losses`` holds the last call's terms."""
    sink = _ADDED.get()
    if sink is None:  # outside a call: kept until the next call
        layer.__dict__.setdefault("_added_losses", []).append(float(np.sum(value_of(loss))))
        return
    sink.append(loss)


def _total(added: list[Any]) -> Any:
    total = added[0]
    for term in added[1:]:
        total = total + term
    return total


def joint_target(out: Any, grad_out: Any, added: Any) -> tuple[Any, Any]:
    """``(target, output_gradients)`` for one backward pass through ``out`` (upstream
    gradient ``grad_out``; a list of outputs takes a list of gradients) and the ``add_loss``
    total ``added`` (weight 1): a node over them all, so every layer on the tape runs its
    backward once. One output without ``added``: ``out`` itself."""
    outs, g_outs = (out, grad_out) if isinstance(out, list) else ([out], [grad_out])
    if not isinstance(added, Traced) and len(outs) == 1:
        return out, grad_out
    terms = [(o, np.asarray(g)) for o, g in zip(outs, g_outs, strict=True)
             if isinstance(o, Traced) and g is not None]
    if isinstance(added, Traced):
        terms.append((added, np.ones_like(added.value)))
    if not terms:
        return None, None
    joint = Traced(np.zeros((), dtype=terms[0][1].dtype), tuple(t for t, _ in terms),
                   lambda g: tuple(seed for _, seed in terms))
    return joint, None


# -- weights ------------------------------------------------------------------------------------
def add_weight(layer: Any, shape: Any = None, initializer: Any = "glorot_uniform",
               dtype: Any = None, trainable: bool = True, autocast: bool = True,
               regularizer: Any = None, constraint: Any = None,
               name: str | None = None) -> Variable:
    """Create a weight of ``layer`` (Keras's ``Layer.add_weight``) and return its Variable.

    Parameters
    ----------
    shape : tuple of int
    initializer : str, Initializer or callable, default 'glorot_uniform'
    dtype : str, optional
        Only for non-trainable weights; trainable ones take the layer's dtype.
    trainable : bool, default True
        Trainable weights live in ``layer.params`` (the optimizer updates them), the others
        in ``layer.state``.
    autocast : bool
        Accepted for Keras's signature (there is no mixed precision to cast for).
    regularizer : str or Regularizer, optional
    constraint : None
        Constraints are not supported.
    name : str, optional
        Its key in ``params``/``state``; ``'variable'`` (made unique) when omitted.
    """
    if constraint is not None:
        raise ValueError(f"`constraint` is not supported by add_weight, got {constraint!r}.")
    if shape is None:
        shape = ()
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not all(
            isinstance(d, (int, np.integer)) and d >= 0 for d in shape):
        raise ValueError(
            f"add_weight `shape` must be a tuple of non-negative ints, got {shape!r}.")
    key = _unique_key(layer, name or "variable")
    in_init = not layer.built and not getattr(layer, "_building", False)
    spec = {"shape": tuple(int(d) for d in shape), "initializer": initializer,
            "regularizer": regularizer, "dtype": dtype, "in_init": in_init}
    var = Variable(layer, key, trainable, spec)
    _materialise(layer, var, _weight_rng(layer))
    layer.__dict__.setdefault("_variables", []).append(var)
    return var


def _unique_key(layer: Any, base: str) -> str:
    taken = set(layer.params) | set(layer.state)
    key, k = base, 0
    while key in taken:
        k += 1
        key = f"{base}_{k}"
    return key


def _weight_rng(layer: Any) -> np.random.Generator:
    rng = layer.__dict__.get("_weight_rng")
    if rng is None:
        rng = layer._weight_rng = np.random.default_rng(0)
    return rng


def _materialise(layer: Any, var: Variable, rng: np.random.Generator) -> None:
    """Create the array of ``var`` in its layer (again, on a rebuild)."""
    from glassnet import initializers

    spec = var.spec
    if var.trainable:
        layer.add_param(var.key, spec["shape"], spec["initializer"], rng, spec["regularizer"])
        return
    dtype = np.dtype(spec["dtype"] or layer.dtype or "float32")
    value = initializers.get(spec["initializer"])(spec["shape"], rng=rng, dtype=dtype)
    layer.state[var.key] = np.ascontiguousarray(value, dtype=dtype)


def _weights(trainable: bool | None) -> property:
    def get(self: Any) -> list[Variable]:
        return [v for v in self.__dict__.get("_variables", [])
                if trainable is None or v.trainable == trainable]
    return property(get)


# -- layers inside a layer ----------------------------------------------------------------------
class _Mirror(dict):
    """A layer's ``params``/``grads``/``state`` that also holds its sublayers' entries.

    A model rebinds ``params[key]`` to a view into its flat vector; for an entry that came
    from a sublayer (``'dense/kernel'``) the rebinding is passed on to the sublayer's own
    dict, so the sublayer (and its Variables) read the array the optimizer updates.
    """

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        link = self.__dict__.get("links", {}).get(key)
        if link is not None:
            link[0][link[1]] = value

    def link(self, key: str, store: dict, subkey: str) -> None:
        super().__setitem__(key, store[subkey])
        self.__dict__.setdefault("links", {})[key] = (store, subkey)


def _sublayers(layer: Any) -> list[tuple[str, Any]]:
    """``(attribute name, layer)`` for each Layer held in an attribute (or a list of them).

    A model held there (``self.ffn = Sequential([...])``) counts as its layer form, so its
    weights are this layer's too, as in Keras.
    """
    from glassnet.layers.base import Layer
    from glassnet.models.model import Model
    from glassnet.models.nested import as_layer

    found = []
    for attr, value in vars(layer).items():
        items = value if isinstance(value, (list, tuple)) else [value]
        for i, item in enumerate(items):
            if isinstance(item, Model) and not isinstance(item, Layer):
                item = as_layer(item)
            if isinstance(item, Layer) and item is not layer:
                found.append((attr if len(items) == 1 else f"{attr}_{i}", item))
    return found


def _hoist(layer: Any, subs: list[tuple[str, Any]]) -> None:
    """Make the sublayers' weights entries of ``layer`` (``'<sublayer>/<key>'``), so a
    model that trains ``layer`` trains them too (Keras tracks sublayers the same way)."""
    for attr, sub in subs:
        if sub.name is None:
            sub.name = attr
        for k in sub.params:
            target = layer.params if sub.trainable else layer.state
            target.link(f"{sub.name}/{k}", sub.params, k)
            if sub.trainable:
                layer.grads.link(f"{sub.name}/{k}", sub.grads, k)
        for k in sub.state:
            layer.state.link(f"{sub.name}/{k}", sub.state, k)
        for k, reg in sub.regularizers.items():
            layer.regularizers[f"{sub.name}/{k}"] = reg


# -- build ---------------------------------------------------------------------------------------
def _wrap_build(user_build: Callable[..., Any]) -> Callable[..., Any]:
    """Accept Keras's ``build(self, input_shape)`` and glassnet's ``build(self, shape, rng)``.

    Keras's form receives the shape with its batch axis, ``(None, 784)``, as in Keras.
    """
    from glassnet.layers.base import Layer

    takes_rng = len(inspect.signature(user_build).parameters) >= 3

    @functools.wraps(user_build)
    def build(self: Any, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        rng = rng if rng is not None else np.random.default_rng(0)
        if self.dtype is None:
            self.dtype = np.dtype("float32")
        self._weight_rng = rng
        self.params, self.grads, self.state = (
            _Mirror(self.params), _Mirror(self.grads), _Mirror(self.state))
        kept = []
        for v in self.__dict__.get("_variables", []):
            if v.spec["in_init"]:  # made in __init__: kept, or made again if a model cleared it
                if v.key not in (self.params if v.trainable else self.state):
                    _materialise(self, v, rng)
                elif v.trainable and self.params[v.key].dtype != self.dtype:  # same values,
                    self.params[v.key] = self.params[v.key].astype(self.dtype)  # layer's dtype
                    self.grads[v.key] = np.zeros_like(self.params[v.key])
                kept.append(v)
            else:  # made by an earlier build, which runs again now
                for store in (self.params, self.grads, self.state, self.regularizers):
                    store.pop(v.key, None)
        self._variables = kept
        if user_build is not Layer.build:
            self._building = True
            try:
                if takes_rng:
                    user_build(self, input_shape, rng)
                else:
                    user_build(self, _with_batch(input_shape))
            finally:
                self._building = False
        Layer.build(self, input_shape, rng)
        subs = _sublayers(self)
        if subs and not isinstance(input_shape, list):
            # sublayers build on their first call: make one now, in this layer's dtype (a
            # recurrent cell's `call(inputs, states)` is probed by the RNN that runs it)
            if tensor_arity(type(self).call) <= 1:  # type: ignore[attr-defined]
                probe = np.zeros((1, *(d or 1 for d in input_shape)), dtype=self.dtype)
                with build_context(rng, self.dtype), Tape(), np.errstate(all="ignore"):
                    run_call(self, probe, False)
            _hoist(self, subs)

    build._autodiff_build = True  # type: ignore[attr-defined]
    return build


def _with_batch(shape: Any) -> Any:
    if isinstance(shape, list):
        return [(None, *s) for s in shape]
    return (None, *tuple(shape))


def install(cls: type) -> None:
    """Give a layer class that defines ``call`` the tape-derived forward, backward and build.

    Layers with a hand-written ``forward`` are left alone.
    """
    from glassnet.layers.base import Layer

    if cls.forward is not Layer.forward and cls.forward is not forward:  # type: ignore[attr-defined]
        return
    cls.forward = forward  # type: ignore[attr-defined]
    cls.backward = backward  # type: ignore[attr-defined]
    if cls.output_shape is Layer.output_shape:  # type: ignore[attr-defined]
        cls.output_shape = output_shape  # type: ignore[attr-defined]
    if not getattr(cls.build, "_autodiff_build", False):  # type: ignore[attr-defined]
        cls.build = _wrap_build(cls.build)  # type: ignore[attr-defined]  # its own, or Layer's
    if not hasattr(cls, "input_grad_needed"):
        cls.input_grad_needed = True  # type: ignore[attr-defined]
    cls.adds_losses = True  # type: ignore[attr-defined]  # its `call` may use add_loss
    for name, which in (("weights", None), ("trainable_weights", True),
                        ("non_trainable_weights", False)):
        if not hasattr(cls, name):
            setattr(cls, name, _weights(which))


# -- computation -----------------------------------------------------------------------------
@functools.cache
def _takes_training(call: Callable[..., Any]) -> bool:
    params = inspect.signature(call).parameters
    return "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


@functools.cache
def tensor_arity(call: Callable[..., Any]) -> int:
    """How many tensors ``call`` takes by position: its required positional parameters
    after ``self`` (``call(self, targets, logits, sample_weights=None)``: 2)."""
    params = list(inspect.signature(call).parameters.values())[1:]
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
               for p in params)


def run_call(layer: Any, x: Any, training: bool, mask: Any = None) -> Any:
    """``layer.call(x)``, with ``training`` when its signature takes it, and ``mask`` when
    one is given (the layers of :mod:`glassnet.layers.masking` hand it to a ``call`` that
    has a ``mask`` argument). A layer called with several tensors by position
    (``spread_inputs``) gets them as separate arguments.

    While ``call`` runs, ``training`` is the call context: the layers it calls without their
    own ``training=`` (a Dropout inside a custom block) run in the same mode, as in Keras.
    """
    call = type(layer).call
    extra = {} if mask is None else {"mask": mask}
    args = x if getattr(layer, "spread_inputs", False) else (x,)
    saved = getattr(_local, "training", None)
    _local.training = bool(training)
    try:
        if _takes_training(call):
            return call(layer, *args, training=training, **extra)
        return call(layer, *args, **extra)
    finally:
        _local.training = saved


def call_context() -> bool | None:
    """The training mode of the custom layer's ``call`` under way, or None outside one."""
    return getattr(_local, "training", None)


def resolve_training(layer: Any, training: bool | None) -> bool:
    """``training`` as given; else the enclosing ``call``'s mode; else the layer's default
    for a direct call (``eager_training``: False, True for the random augmentation layers)."""
    if training is not None:
        return bool(training)
    context = getattr(_local, "training", None)
    if context is not None:
        return context
    return bool(getattr(layer, "eager_training", False))


def _single_output(layer: Any, out: Any) -> Any:
    """``out``; a list when ``call`` returns several arrays (the layer is then
    ``multi_output``, as a ``call`` returning a list makes it in Keras)."""
    if isinstance(out, (list, tuple)):
        layer.multi_output = True
        return list(out)
    if isinstance(out, dict):
        raise TypeError(
            f"Layer '{layer.name}': `call` must return one array, got a {type(out).__name__}."
        )
    return out


def forward(self: Any, x: np.ndarray, training: bool = False, mask: Any = None) -> np.ndarray:
    """Run ``call``; while a backward pass may follow, record it on a tape (cached). The
    ``add_loss`` terms of the call are kept in ``_added_losses`` (and their sum, on the
    tape, for backward)."""
    token = _ADDED.set([])
    try:
        if not self.keep_cache:  # inference: no tape, the ops return plain arrays
            y = _values(_single_output(self, run_call(self, x, training, mask)))
            total = None
        else:
            with Tape() as tape:
                # one leaf per input: an array passed twice gets two leaves, each its own
                # gradient (the graph adds them up where the array came from)
                xin = [Traced(a) if isinstance(a, np.ndarray) else tape.watch(a) for a in x] \
                    if isinstance(x, list) and self.input_grad_needed \
                    else tape.watch(x) if self.input_grad_needed else x
                out = _single_output(self, run_call(self, xin, training, mask))
                added = _ADDED.get() or []
                total = _total(added) if added else None
            self._cache = (tape, xin, out, total if isinstance(total, Traced) else None)
            y = _values(out)
        self._added_losses = [float(np.sum(value_of(t))) for t in _ADDED.get() or []]
    finally:
        _ADDED.reset(token)
    return y


def _values(out: Any) -> Any:
    """The array of ``out``, or the list of arrays of a list of outputs."""
    if isinstance(out, list):
        return [np.asarray(value_of(o)) for o in out]
    return np.asarray(value_of(out))


def backward(self: Any, grad_y: np.ndarray) -> np.ndarray | list[np.ndarray]:
    """Write ``dL/dweight`` into ``grads`` in place; return ``dL/dx`` (zeros when unneeded;
    a list, one per input, for a layer called with several tensors)."""
    tape, xin, out, added = self._cache
    own = [v for v in self.__dict__.get("_variables", []) if v.trainable]
    weights = own + [v for v in tape.watched_variables() if v.layer is not self]
    sources: list[Any] = [*weights, *(xin if isinstance(xin, list) else [xin])]
    # the add_loss terms count in the loss with weight 1: one pass through both
    target, seed = joint_target(out, grad_y, added)
    grads = tape.gradient(target, sources, output_gradients=seed)
    for var, g in zip(weights, grads, strict=False):
        dest = var.layer.grads[var.key]  # a sublayer's weight: its own grads entry
        if g is None:
            dest.fill(0)
        else:
            dest[...] = g
    if isinstance(xin, list):  # several inputs: one gradient each
        return [_or_zeros(g, v) for g, v in zip(grads[len(weights):], xin, strict=True)]
    return _or_zeros(grads[-1], xin)


def _or_zeros(g: np.ndarray | None, x: Any) -> np.ndarray:
    if g is None:
        return np.zeros(np.shape(value_of(x)), dtype=np.result_type(value_of(x), np.float32))
    return g


def output_shape(self: Any, input_shape: Any) -> Any:
    """``compute_output_shape`` when the layer defines it, else ``call`` on a zero sample."""
    compute = getattr(self, "compute_output_shape", None)
    if compute is not None:
        shape = compute(_with_batch(input_shape))
        if isinstance(shape, list) and shape and isinstance(shape[0], (tuple, list)):
            self.multi_output = True  # one shape per output
            return [tuple(s)[1:] for s in shape]
        return tuple(shape)[1:]
    probe_only = not self.built
    if probe_only:  # built only to learn the shape: a model builds it for real later
        saved_dtype = self.dtype
        # sublayers the probe builds are built again for real too (in the model's dtype)
        fresh = [(sub, sub.dtype) for _, sub in _sublayers(self) if not sub.built]
        self.build(input_shape, np.random.default_rng(0))
    def zeros(shape: Any) -> np.ndarray:
        return np.zeros((1, *(d or 1 for d in shape)), dtype=self.dtype or np.float32)

    probe: Any = [zeros(s) for s in input_shape] if self.multi_input else zeros(input_shape)
    from glassnet.layers.masking import _call_takes_mask

    # a `call` that reads a mask gets one (every step real) when the sample has steps
    mask = None
    if not self.multi_input and probe.ndim >= 3 and _call_takes_mask(type(self)):
        mask = np.ones(probe.shape[:2], bool)
    with np.errstate(all="ignore"):
        out = run_call(self, probe, False, mask)
    if probe_only:  # forget the throw-away weights, so the model's dtype and seed apply
        self.params, self.grads, self.state = {}, {}, {}
        self.built, self.built_input_shape, self.dtype = False, None, saved_dtype
        for sub, dtype in fresh:
            sub.params, sub.grads, sub.state = {}, {}, {}
            sub.built, sub.built_input_shape, sub.dtype = False, None, dtype
    if isinstance(out, (list, tuple)):  # several outputs: one shape each
        self.multi_output = True
        return [tuple(np.shape(value_of(o)))[1:] for o in out]
    return tuple(np.shape(value_of(out)))[1:]


# -- layers called inside a recording tape ------------------------------------------------------
class build_context:
    """While active, layers built by :func:`call_traced` use ``rng`` and ``dtype``."""

    def __init__(self, rng: np.random.Generator, dtype: np.dtype) -> None:
        self.rng, self.dtype = rng, dtype

    def __enter__(self) -> build_context:
        self.saved = getattr(_local, "build", None)
        _local.build = self
        return self

    def __exit__(self, *exc: object) -> None:
        _local.build = self.saved


def recording(x: Any) -> bool:
    """True when ``x`` is traced or a tape records: a layer call must then join the tape."""
    if active_tape() is not None:
        return True
    if isinstance(x, (list, tuple)):
        return any(isinstance(t, Traced) for t in x)
    return isinstance(x, Traced)


def _calls_on_tape(layer: Any) -> dict[str, int]:
    """How many nodes ``layer`` has on the recording tape (``made``), and how many of them
    the backward pass under way has run (``done``); kept by the tape, so fresh for each."""
    tape = active_tape()
    counts = {"made": 0, "done": 0}
    if tape is None:  # traced inputs without a recording tape: one call, one node
        return counts
    # the tape's nodes hold the layer, so its id stays its own while the tape lives
    return tape.__dict__.setdefault("_layer_calls", {}).setdefault(id(layer), counts)


def call_traced(layer: Any, x: Any, training: bool = False, mask: Any = None) -> Any:
    """``layer(x)`` on the tape: ``call`` inline for ops layers, one node for built-in ones
    (``mask``, when given, goes to a layer that takes one). An ops layer called inline may
    take a tuple (``self.sampling((z_mean, z_log_var))``) and return one, as in Keras."""
    inline = hasattr(type(layer), "call") and type(layer).forward is forward
    multi = getattr(layer, "multi_input", False) or (inline and isinstance(x, (list, tuple)))
    xs = list(x) if multi else [x]
    values = [np.asarray(value_of(v)) for v in xs]
    if not layer.built:
        ctx = getattr(_local, "build", None)
        if layer.dtype is None:
            layer.dtype = ctx.dtype if ctx is not None else np.dtype("float32")
        rng = ctx.rng if ctx is not None else np.random.default_rng(0)
        layer.build([v.shape[1:] for v in values] if multi else values[0].shape[1:], rng)
    if mask is not None:
        from glassnet.layers.masking import _consumes_mask

        mask = np.asarray(value_of(mask)) if _consumes_mask(layer) else None
    if inline:  # its ops join the tape; any structure of outputs
        return run_call(layer, x, training, mask)
    parents = tuple(v if isinstance(v, Traced) else None for v in xs)
    if hasattr(layer, "input_grad_needed"):
        layer.input_grad_needed = any(p is not None for p in parents)
    dtype = layer.dtype
    ins = [v.astype(dtype, copy=False) if v.dtype.kind == "f" else v for v in values]
    extra = {} if mask is None else {"mask": mask}
    y = layer.forward(ins if multi else ins[0], training=training, **extra)
    # Called several times on one tape (each step of an RNN's cell): each node backward
    # reads its own call's cache, and the weight gradients of the calls add up.
    cache, calls = layer._cache, _calls_on_tape(layer)
    calls["made"] += 1

    def backward_node(g: np.ndarray) -> tuple[Any, ...]:
        layer._cache = cache
        earlier = {k: v.copy() for k, v in layer.grads.items()} if calls["done"] else None
        # the layer's buffers have its dtype: hand it g in that dtype, return each input's own
        gx = layer.backward(np.ascontiguousarray(g, dtype=dtype))
        if earlier is not None:
            for k, v in earlier.items():
                layer.grads[k] += v
        calls["done"] = (calls["done"] + 1) % calls["made"]
        gxs = list(gx) if multi else [gx]
        return tuple(None if p is None else np.asarray(gi).astype(v.dtype, copy=False)
                     for p, gi, v in zip(parents, gxs, values, strict=True))

    # A node even without traced inputs: the layer's own weights need its backward.
    return Traced(y, parents, backward_node)
