"""The one graph walker: builds, runs forward and runs backward any acyclic graph of layers.

Every model kind runs on it: a :class:`~glassnet.models.Sequential` is a chain, a functional
:class:`~glassnet.models.Model` any graph recorded from symbolic tensors, and
:class:`~glassnet.layers.residual.Residual` runs its branch ``f`` as a chain.

Tensors are numbered: ``0`` is the graph's input, ``k + 1`` the output of node ``k``; node
``k`` reads the tensors ``sources[k]`` (all numbered ``<= k``), and the last node's output is
the graph's output. A chain of ``n`` layers is ``sources = [(0,), (1,), ..., (n - 1,)]``.

- forward: node by node; each tensor's array is dropped after its last reader has run.
- backward: in reverse order, each layer receiving ``dL/d(output)`` and returning
  ``dL/d(input)`` for each input. A tensor that feeds several layers (the skip of a residual
  block) receives several gradients, which are **added** — the chain rule for a variable used
  twice: ``y = g(x, f(x))`` gives ``dL/dx = dL/dy * (dg/dx + dg/df * df/dx)``.

Backward skips every node with no weights upstream of it (nothing there needs a gradient),
and tells the first weighted layers that no one reads their ``dL/dx``
(:attr:`Layer.input_grad_needed`).

Two things take the general path instead of the plain chain loop, as Keras does them:

- **dtypes**: each layer computes in its own floating ``dtype``; its inputs are cast to it
  (``Dense(4, dtype="float64")`` in a float32 model), and the gradient going back is cast
  to the dtype of the tensor it belongs to.
- **activity regularizers**: after a layer with ``activity_regularizer`` runs,
  ``reg(a) / batch`` is added to :attr:`Graph.activity_penalty`, and in training
  ``reg'(a) / batch`` to ``dL/da`` before that layer's backward.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Protocol

import numpy as np

from glassnet.layers.base import Layer, Shape, _snake


class GraphObserver(Protocol):
    """Sees every node run (teaching tools and the NaN diagnosis; never on the hot path)."""

    def on_forward(self, k: int, layer: Layer, x: Any, y: np.ndarray) -> None:
        """Node ``k`` computed ``y = layer(x)`` (``x`` a list for a merge layer)."""

    def on_backward(self, k: int, layer: Layer, grad_y: np.ndarray, grad_x: Any,
                    preactivation: bool) -> None:
        """Node ``k`` turned ``grad_y`` into ``grad_x``; ``preactivation`` when ``grad_y``
        was ``dL/dz`` handed over by a fused loss."""


def unique_name(layer: Layer, taken: Collection[str]) -> str:
    """The name a model gives an unnamed layer: the first free ``<type>_<k>``, k = 1, 2 ...

    ``Dense`` -> ``dense_1``, then ``dense_2``; a name already used (given by hand, say
    ``dense_2``) is skipped. Layers with a name keep it.
    """
    if layer.name is not None:
        return layer.name
    prefix = _snake(type(layer).__name__)
    k = 1
    while f"{prefix}_{k}" in taken:
        k += 1
    return f"{prefix}_{k}"


class Graph:
    """Layers wired as an acyclic graph (see the module notes for the numbering).

    Parameters
    ----------
    layers : sequence of Layer
        One per node, in a topological order.
    sources : sequence of sequence of int
        ``sources[k]``: the tensors node ``k`` reads, each ``<= k``. One entry for an ordinary
        layer, one per input (in order) for a ``multi_input`` layer.

    Attributes
    ----------
    shapes : list of tuple
        One-sample shape of every tensor (``shapes[0]`` the input), after :meth:`build`.
    needs_grad : list of bool
        Whether backward computes ``dL/d(tensor)``: some weights lie upstream of it.
    """

    def __init__(self, layers: Sequence[Layer], sources: Sequence[Sequence[int]]) -> None:
        if len(layers) != len(sources):
            raise ValueError(f"A graph needs one `sources` entry per layer: {len(layers)} "
                             f"layers, {len(sources)} entries.")
        self.layers = list(layers)
        self.sources = [tuple(int(s) for s in src) for src in sources]
        for k, (layer, src) in enumerate(zip(self.layers, self.sources, strict=True)):
            if not src or any(not 0 <= s <= k for s in src):
                raise ValueError(f"Node {k} ({layer.name}) reads tensors {src}; it may read "
                                 f"only the input (0) or earlier nodes' outputs (1 to {k}).")
            if len(src) > 1 and not layer.multi_input:
                raise ValueError(f"{type(layer).__name__} '{layer.name}' takes one input, "
                                 f"got {len(src)}.")
        n = len(self.layers)
        #: Each single-input layer reading the previous output: the hot path of an MLP, run
        #: by a plain loop (same order, same calls, no bookkeeping).
        self.is_chain = all(src == (k,) and not layer.multi_input
                            for k, (layer, src) in enumerate(zip(self.layers, self.sources,
                                                                strict=True)))
        # After node k runs, these tensors are read by no one any more.
        last_use = {s: k for k, src in enumerate(self.sources) for s in src}
        self._free_after: list[list[int]] = [[] for _ in range(n)]
        for s, k in last_use.items():
            self._free_after[k].append(s)
        self.shapes: list[Shape] = []
        self.needs_grad: list[bool] = [False] * (n + 1)
        #: Floating dtype of every tensor (after build); node k's inputs are cast to
        #: ``casts[k]`` when it is not None.
        self.dtypes: list[np.dtype] = []
        self.casts: list[np.dtype | None] = [None] * n
        #: Sum of the activity penalties of the last training forward pass.
        self.activity_penalty = 0.0
        self._activity_grads: list[np.ndarray | None] = [None] * n
        self._plain = self.is_chain

    @classmethod
    def chain(cls, layers: Sequence[Layer]) -> Graph:
        """Each layer feeding the next: ``y = f_n(... f_2(f_1(x)))``."""
        return cls(layers, [(k,) for k in range(len(layers))])

    def _arg(self, layer: Layer, src: tuple[int, ...], values: list[Any]) -> Any:
        """What ``layer`` receives: one entry, or a list of them for a merge layer."""
        return [values[s] for s in src] if layer.multi_input else values[src[0]]

    # ------------------------------------------------------------------ build
    def build(self, input_shape: Shape, rng: np.random.Generator, dtype: np.dtype,
              input_grad: bool = False, keep: bool = True) -> list[Shape]:
        """(Re)create every layer's weights for one-sample inputs of ``input_shape``.

        ``input_grad`` asks backward for ``dL/d(input)`` (a Residual branch needs it; a
        model does not). ``keep`` leaves a layer already built for the same input shape and
        dtype as it is, arrays and all (a Sequential growing by ``add``, a layer shared with
        another model); False draws every weight anew. Returns :attr:`shapes`.
        """
        shapes: list[Shape] = [tuple(input_shape)]
        needs = [bool(input_grad)]
        dtypes = [np.dtype(dtype)]
        casts: list[np.dtype | None] = []
        for layer, src in zip(self.layers, self.sources, strict=True):
            if layer.dtype is None or not layer.__dict__.get("_dtype_explicit", True):
                layer.dtype = np.dtype(dtype)  # a layer without its own dtype takes the model's
            arg = self._arg(layer, src, shapes)
            # Keras never re-initialises a built layer (a layer shared with another model
            # keeps its very arrays); building again still draws its weights, so the
            # generator gives later layers what one whole build gives them.
            kept = (layer.params, layer.grads, layer.state, layer.regularizers) \
                if keep and _built_for(layer, arg) else None
            layer.params, layer.grads, layer.state, layer.regularizers = {}, {}, {}, {}
            layer.build(arg, rng)
            if kept is not None:
                layer.params, layer.grads, layer.state, layer.regularizers = kept
            shapes.append(tuple(layer.output_shape(arg)))
            upstream = any(needs[s] for s in src)
            layer.input_grad_needed = upstream
            needs.append(bool(layer.params) or upstream)
            own = layer.dtype if layer.dtype.kind == "f" else None
            casts.append(own if own is not None and any(dtypes[s] != own for s in src) else None)
            dtypes.append(own if own is not None else dtypes[src[0]])
        self.shapes, self.needs_grad, self.dtypes, self.casts = shapes, needs, dtypes, casts
        self._plain = self.is_chain and not any(c is not None for c in casts) and not any(
            layer.activity_regularizer is not None
            or (layer.branch is not None and not layer.branch._plain) for layer in self.layers)
        return shapes

    # ------------------------------------------------------------------ run
    def forward(self, x: np.ndarray, training: bool = False,
                observer: GraphObserver | None = None) -> np.ndarray:
        """The graph's output for the batch ``x`` of shape (batch, *shapes[0])."""
        if self._plain and observer is None:
            for layer in self.layers:
                x = layer.forward(x, training=training)
            return x
        values: list[Any] = [x] + [None] * len(self.layers)
        self.activity_penalty = 0.0
        for k, layer in enumerate(self.layers):
            arg = self._arg(layer, self.sources[k], values)
            to = self.casts[k] if self.casts else None
            if to is not None:  # Keras: a layer casts its inputs to its compute dtype
                arg = [a.astype(to, copy=False) for a in arg] if layer.multi_input \
                    else arg.astype(to, copy=False)
            y = values[k + 1] = layer.forward(arg, training=training)
            reg = layer.activity_regularizer
            if reg is not None:  # Keras adds it on every call, its gradient when training
                if training:
                    penalty, self._activity_grads[k] = reg.activity(y)
                else:
                    penalty = reg(y) / (len(y) if np.ndim(y) else 1)
                layer.activity_loss = float(penalty)
                self.activity_penalty += layer.activity_loss
            if layer.branch is not None and not layer.branch._plain:  # a Residual's own
                self.activity_penalty += layer.branch.activity_penalty
            if observer is not None:
                observer.on_forward(k, layer, arg, y)
            for s in self._free_after[k]:
                values[s] = None
        return values[-1]

    def backward(self, grad: np.ndarray, fused: bool = False,
                 observer: GraphObserver | None = None) -> np.ndarray | None:
        """Backpropagate ``grad = dL/d(output)`` (``dL/dz`` of the last layer when ``fused``).

        Every layer on the way writes its ``grads``. Returns ``dL/d(input)`` when the graph
        was built with ``input_grad=True``, else None.
        """
        n = len(self.layers)
        needs = self.needs_grad
        if self._plain and observer is None:
            end = n
            g: np.ndarray | None = grad
            if fused:
                end -= 1
                g = self.layers[end].backward_preactivation(grad)
            for k in range(end - 1, -1, -1):
                if g is None or not needs[k + 1]:
                    return None  # nothing before this layer has weights
                g = self.layers[k].backward(g)
            return g if needs[0] else None
        pending: list[Any] = [None] * (n + 1)
        pending[n] = grad
        for k in range(n - 1, -1, -1):
            g = pending[k + 1]
            if g is None or not needs[k + 1]:
                continue  # no weights at or before this node (an InputLayer, say)
            pending[k + 1] = None
            layer = self.layers[k]
            if self.casts and g.dtype != self.dtypes[k + 1]:  # from a consumer of another dtype
                g = g.astype(self.dtypes[k + 1])
            extra = self._activity_grads[k]
            if extra is not None:  # d(activity penalty)/da joins dL/da
                g = g + extra.astype(g.dtype, copy=False)
                self._activity_grads[k] = None
            preactivation = fused and k == n - 1
            # A list of gradients (one per input) from a multi_input layer.
            gx: Any = layer.backward_preactivation(g) if preactivation else layer.backward(g)
            if observer is not None:
                observer.on_backward(k, layer, g, gx, preactivation)
            src = self.sources[k]
            if self.casts and self.casts[k] is not None and gx is not None:
                # back to the dtype of each input tensor (the forward cast's gradient)
                gx = [None if gs is None else gs.astype(self.dtypes[s], copy=False)
                      for s, gs in zip(src, gx, strict=True)] if layer.multi_input \
                    else gx.astype(self.dtypes[src[0]], copy=False)
            if not layer.multi_input:
                s = src[0]
                if gx is not None and needs[s]:
                    prev = pending[s]
                    pending[s] = gx if prev is None else prev + gx
                continue
            for s, gs in zip(src, gx, strict=True):
                if gs is not None and needs[s]:
                    prev = pending[s]
                    # The sum of every consumer's gradient; never in place (they may alias).
                    pending[s] = gs if prev is None else prev + gs
        return pending[0]


def _built_for(layer: Layer, arg: Any) -> bool:
    """Whether ``layer`` is already built for inputs of shape(s) ``arg`` in its dtype."""
    if not layer.built or layer.built_input_shape is None:
        return False
    if layer.multi_input:
        built: Any = layer.built_input_shape  # one shape per input
        return [tuple(a) for a in built] == [tuple(a) for a in arg]
    if tuple(layer.built_input_shape) != tuple(arg):
        return False
    return all(p.dtype == layer.dtype for p in layer.params.values())
