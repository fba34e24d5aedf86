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

A functional model's graph may also have several inputs (tensor ``0`` is then the list of
arrays, and the node of input ``i`` reads its entry ``i``), several outputs (``outputs``: the
tensors returned, in order), a layer *shared* by several nodes (built once; each call's cache
kept per node; the weight gradients of its calls added) and masks that follow the sequence
data from ``Masking``/``Embedding(mask_zero=True)`` to the recurrent layers
(:mod:`glassnet.layers.masking`).

**Several outputs per node.** A layer with ``multi_output = True`` (``Bidirectional(...,
merge_mode=None)``) returns a list of arrays; its tensor's value is that list, and
``output_shape`` gives one shape per output. A node reads *one* of them through a source
``(t, i)`` (output ``i`` of tensor ``t``) instead of a plain ``t``; the graph's ``outputs``
may name one the same way. A merge layer reading such a tensor whole gets the list itself
(``Concatenate()`` after it in a chain). Backward collects ``dL/d(output i)`` per output and
hands the layer the list, zeros for an output no loss reaches.

**Operation nodes.** A function of :mod:`glassnet.ops` applied to symbolic tensors
(``ops.mean(x, axis=-1) * 2``) is a node too, a
:class:`~glassnet.ops.symbolic.TensorOperation`: not a layer, but run the same way (one
array, or a list for several tensor inputs, in; its output or outputs back), with no weights
and no dtype of its own (its inputs are never cast).

Two more things take the general path instead of the plain chain loop, as Keras does them:

- **dtypes**: each layer computes in its own floating ``dtype``; its inputs are cast to it
  (``Dense(4, dtype="float64")`` in a float32 model), and the gradient going back is cast
  to the dtype of the tensor it belongs to.
- **activity regularizers**: after a layer with ``activity_regularizer`` runs,
  ``reg(a) / batch`` is added to :attr:`Graph.activity_penalty`, and in training
  ``reg'(a) / batch`` to ``dL/da`` before that layer's backward.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, Protocol

import numpy as np

from glassnet.layers.base import Layer, Shape, _snake
from glassnet.layers.masking import forward_masked, mask_sources
from glassnet.ops.symbolic import TensorOperation


class GraphObserver(Protocol):
    """Sees every node run (teaching tools and the NaN diagnosis; never on the hot path)."""

    def on_forward(self, k: int, layer: Layer, x: Any, y: np.ndarray) -> None:
        """Node ``k`` computed ``y = layer(x)`` (``x`` a list for a merge layer, ``y`` a list
        for a layer with several outputs)."""

    def on_backward(self, k: int, layer: Layer, grad_y: np.ndarray, grad_x: Any,
                    preactivation: bool) -> None:
        """Node ``k`` turned ``grad_y`` into ``grad_x``; ``preactivation`` when ``grad_y``
        was ``dL/dz`` handed over by a fused loss."""


def unique_name(layer: Layer | TensorOperation, taken: Collection[str]) -> str:
    """The name a model gives an unnamed layer: the first free ``<type>_<k>``, k = 1, 2 ...

    ``Dense`` -> ``dense_1``, then ``dense_2``; a name already used (given by hand, say
    ``dense_2``) is skipped. Layers with a name keep it. An operation node of the functional
    API is named by its Keras class the same way (``ops.multiply`` -> ``multiply_1``).
    """
    if layer.name is not None:
        return layer.name
    prefix = _snake(layer.class_name if isinstance(layer, TensorOperation)
                    else type(layer).__name__)
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
    sources : sequence of sequence of int or (int, int)
        ``sources[k]``: the tensors node ``k`` reads, each ``<= k``. One entry for an ordinary
        layer, one per input (in order) for a ``multi_input`` layer. ``(t, i)`` reads output
        ``i`` of tensor ``t``, made by a ``multi_output`` layer.
    outputs : sequence of int or (int, int), optional
        The tensors returned (default: the last node's), spelt as in ``sources``.

    Attributes
    ----------
    shapes : list of tuple
        One-sample shape of every tensor (``shapes[0]`` the input), after :meth:`build`.
    needs_grad : list of bool
        Whether backward computes ``dL/d(tensor)``: some weights lie upstream of it.
    """

    def __init__(self, layers: Sequence[Layer], sources: Sequence[Sequence[Any]],
                 outputs: Sequence[Any] | None = None,
                 input_index: dict[int, int] | None = None,
                 training: Sequence[bool | None] | None = None) -> None:
        if len(layers) != len(sources):
            raise ValueError(f"A graph needs one `sources` entry per layer: {len(layers)} "
                             f"layers, {len(sources)} entries.")
        self.layers = list(layers)
        refs = [[_tensor_ref(s) for s in src] for src in sources]
        self.sources = [tuple(t for t, _ in ref) for ref in refs]
        #: Per node, which output of each source it reads (None: the whole value); None
        #: when no node picks one output of a multi-output node.
        self.picks: list[tuple[int | None, ...]] | None = [
            tuple(i for _, i in ref) for ref in refs]
        if not any(i is not None for pick in self.picks for i in pick):
            self.picks = None
        #: Nodes whose layer returns several outputs (a list).
        self.multi_output = {k for k, layer in enumerate(self.layers) if layer.multi_output}
        for k, (layer, src) in enumerate(zip(self.layers, self.sources, strict=True)):
            if not src or any(not 0 <= s <= k for s in src):
                raise ValueError(f"Node {k} ({layer.name}) reads tensors {src}; it may read "
                                 f"only the input (0) or earlier nodes' outputs (1 to {k}).")
            if len(src) > 1 and not layer.multi_input:
                raise ValueError(f"{type(layer).__name__} '{layer.name}' takes one input, "
                                 f"got {len(src)}.")
        n = len(self.layers)
        out_refs = [(n, None)] if outputs is None else [_tensor_ref(t) for t in outputs]
        #: The tensors the graph returns (one: an array; several: a list), in order.
        self.outputs = [t for t, _ in out_refs]
        #: Which output of each of them (None: the whole value); None when all are whole.
        self.output_picks: list[int | None] | None = [i for _, i in out_refs]
        if all(i is None for i in self.output_picks):
            self.output_picks = None
        #: Node -> which entry of the input list it reads (graphs with several inputs).
        self.input_index = dict(input_index or {})
        #: Node -> the mode its call was given (``base_model(x, training=False)``): the mode
        #: it runs in when the model itself is called without one (see :meth:`forward`).
        self.fixed_training = {k: bool(t) for k, t in enumerate(training or ()) if t is not None}
        #: Nodes whose layer also runs at other nodes (shared layers).
        self.shared = _shared_nodes(self.layers)
        #: Each single-input layer reading the previous output: the hot path of an MLP, run
        #: by a plain loop (same order, same calls, no bookkeeping).
        self.is_chain = (self.outputs == [n] and not self.input_index and not self.shared
                         and not self.multi_output and not self.fixed_training
                         and all(src == (k,) and not layer.multi_input
                                 for k, (layer, src) in enumerate(zip(self.layers, self.sources,
                                                                     strict=True))))
        # After node k runs, these tensors are read by no one any more (outputs are kept).
        last_use = {s: k for k, src in enumerate(self.sources) for s in src}
        self._free_after: list[list[int]] = [[] for _ in range(n)]
        for s, k in last_use.items():
            if s not in self.outputs:
                self._free_after[k].append(s)
        #: For each tensor, the node whose mask travels with it (None: no mask); set by build.
        self._masked: list[bool] | None = None
        #: The mask of the output of the last forward pass, (batch, T) bools, or None (no
        #: mask); a list of them (one per output) for several outputs. The loss and the
        #: metrics leave the padded steps out.
        self.output_mask: Any = None
        self._calls: dict[int, Any] = {}  # node -> its call's cache (shared layers)
        #: Several inputs travelling packed in one array: how to split a batch into them.
        self.unpack_inputs: Callable[[np.ndarray], list[np.ndarray]] | None = None
        #: Several outputs, ``fused`` backward: which outputs' gradients are ``dL/dz``.
        self.fused_outputs: list[bool] | None = None
        self.shapes: list[Shape] = []
        self.needs_grad: list[bool] = [False] * (n + 1)
        self._grad_from = 0
        #: Floating dtype of every tensor (after build); node k's inputs are cast to
        #: ``casts[k]`` when it is not None.
        self.dtypes: list[np.dtype] = []
        self.casts: list[np.dtype | None] = [None] * n
        #: Sum of the activity penalties of the last forward pass.
        self.activity_penalty = 0.0
        self._activity_grads: list[np.ndarray | None] = [None] * n
        #: Shape and dtype of each output of a multi-output node (last forward): the zeros
        #: its backward gets for an output no loss reaches.
        self._out_like: dict[int, list[tuple[tuple[int, ...], np.dtype]]] = {}
        #: A chain with no dtype casts and no activity regularizers: the plain loops.
        self._plain = self.is_chain
        #: Backward by :meth:`_backward_graph`: several outputs, outputs inside the graph,
        #: shared layers or nodes with several outputs.
        self._by_tensor = (len(self.outputs) > 1 or self.outputs != [n] or bool(self.shared)
                           or bool(self.multi_output))

    @classmethod
    def chain(cls, layers: Sequence[Layer]) -> Graph:
        """Each layer feeding the next: ``y = f_n(... f_2(f_1(x)))``."""
        return cls(layers, [(k,) for k in range(len(layers))])

    def _arg(self, layer: Layer, src: tuple[int, ...], values: list[Any], k: int = -1) -> Any:
        """What ``layer`` receives: one entry, or a list of them for a merge layer."""
        if self.picks is not None:
            pick = self.picks[k]
            if layer.multi_input:
                return [values[s] if i is None else values[s][i]
                        for s, i in zip(src, pick, strict=True)]
            if pick[0] is not None:
                return values[src[0]][pick[0]]
        if layer.multi_input:
            return [values[s] for s in src]
        if k in self.input_index:  # several inputs: tensor 0 is their list
            return values[0][self.input_index[k]]
        return values[src[0]]

    def _read_whole_list(self, k: int, layer: Layer, shapes: list[Any]) -> None:
        """Merge node ``k`` reading a multi-output tensor ``t`` whole (``Concatenate()``
        after ``Bidirectional(merge_mode=None)`` in a chain) reads its outputs one by one:
        sources ``(t, 0), (t, 1), ...``; any other layer cannot.

        Raises
        ------
        TypeError
            If a single-input layer reads the list of a multi-output layer."""
        src = self.sources[k]
        pick = self.picks[k] if self.picks is not None else (None,) * len(src)
        whole = [s for s, i in zip(src, pick, strict=True)
                 if i is None and s - 1 in self.multi_output]
        if whole and not (layer.multi_input and len(src) == 1):
            maker = self.layers[whole[0] - 1]
            raise TypeError(
                f"{type(layer).__name__} '{layer.name}' reads the {len(shapes[whole[0]])} "
                f"outputs of {type(maker).__name__} '{maker.name}' as one input; pick one "
                "(`a, b = layer(x)`) or merge them first, e.g. with Concatenate().")
        if whole:
            count = len(shapes[src[0]])
            if self.picks is None:
                self.picks = [(None,) * len(s) for s in self.sources]
            self.sources[k] = src * count
            self.picks[k] = tuple(range(count))

    # ------------------------------------------------------------------ build
    def build(self, input_shape: Any, rng: np.random.Generator | None, dtype: np.dtype,
              input_grad: bool = False, keep_built: bool = False,
              keep: bool = True) -> list[Shape]:
        """(Re)create every layer's weights for one-sample inputs of ``input_shape``.

        ``input_grad`` asks backward for ``dL/d(input)`` (a Residual branch needs it; a
        model does not). ``keep_built`` skips the layers that are already built (layers a
        functional model shares with another model, or a nested model's). ``keep`` leaves a
        layer already built for the same input shape and dtype as it is, arrays and all (a
        Sequential growing by ``add``), while still drawing its weights from ``rng`` so that
        later layers get what one whole build gives them; False draws every weight anew.
        Returns :attr:`shapes`.
        """
        given: Any = input_shape  # a list of shapes for several inputs
        first: list[Any] = (
            [tuple(s) for s in given] if self.input_index else [tuple(given)])
        shapes: list[Any] = [first] if self.input_index else [first[0]]
        needs = [bool(input_grad)]
        dtypes = [np.dtype(dtype)]
        casts: list[np.dtype | None] = []
        built: set[int] = set()
        for k, layer in enumerate(self.layers):
            if self.multi_output:
                self._read_whole_list(k, layer, shapes)
            src = self.sources[k]
            arg = self._arg(layer, src, shapes, k)
            upstream = any(needs[s] for s in src)
            if id(layer) in built:  # a shared layer is built once, at its first node
                layer.input_grad_needed = layer.input_grad_needed or upstream
            elif keep_built and layer.built_input_shape is not None:
                built.add(id(layer))
                layer.input_grad_needed = upstream
            else:
                built.add(id(layer))
                if layer.dtype is None or not layer.__dict__.get("_dtype_explicit", True):
                    layer.dtype = np.dtype(dtype)  # a layer without its own dtype: the model's
                # Keras never re-initialises a built layer (a layer shared with another model
                # keeps its very arrays).
                kept = (layer.params, layer.grads, layer.state, layer.regularizers) \
                    if keep and _built_for(layer, arg) else None
                layer.params, layer.grads, layer.state, layer.regularizers = {}, {}, {}, {}
                layer.build(arg, rng)
                if kept is not None:
                    layer.params, layer.grads, layer.state, layer.regularizers = kept
                layer.input_grad_needed = upstream
            out: Any = layer.output_shape(arg)
            # One shape per output for a multi-output layer.
            shapes.append([tuple(o) for o in out] if k in self.multi_output else tuple(out))
            needs.append(bool(layer.params) or upstream)
            own = layer.dtype if layer.dtype is not None and layer.dtype.kind == "f" else None
            casts.append(own if own is not None and any(dtypes[s] != own for s in src) else None)
            dtypes.append(own if own is not None else dtypes[src[0]])
        self.shapes, self.needs_grad, self.dtypes, self.casts = shapes, needs, dtypes, casts
        # A chain's backward runs down to the first layer with weights at or before it.
        self._grad_from = next((k for k in range(len(self.layers)) if needs[k + 1]),
                               len(self.layers))
        self._masked = mask_sources(self.layers, self.sources)
        self._plain = self.is_chain and not any(c is not None for c in casts) and not any(
            layer.activity_regularizer is not None or layer.adds_losses
            or (layer.branch is not None and not layer.branch._plain) for layer in self.layers)
        return shapes

    # ------------------------------------------------------------------ run
    def forward(self, x: Any, training: bool | None = False,
                observer: GraphObserver | None = None) -> Any:
        """The graph's output for the batch ``x`` of shape (batch, *shapes[0]) (a list of
        arrays for several inputs); a list of outputs when the graph has several.

        ``training=None`` (a model called without it) runs each node called with a mode of its
        own (:attr:`fixed_training`) in that mode, the others in inference mode; True or False
        is every node's mode, as Keras 3 passes the model's mode on to every call."""
        if self._plain and observer is None and self._masked is None:
            for layer in self.layers:  # (None only reaches graphs with fixed_training)
                x = layer.forward(x, training=training)  # type: ignore[arg-type]
            return x
        if self.unpack_inputs is not None and isinstance(x, np.ndarray):
            x = self.unpack_inputs(x)
        values: list[Any] = [x] + [None] * len(self.layers)
        masks: list[Any] | None = None if self._masked is None else [None] * len(values)
        self.output_mask = None
        self.activity_penalty = 0.0
        fixed = self.fixed_training if training is None else None
        training = bool(training)
        for k, layer in enumerate(self.layers):
            arg = self._arg(layer, self.sources[k], values, k)
            mode = fixed.get(k, False) if fixed else training
            to = self.casts[k] if self.casts else None
            if to is not None:  # Keras: a layer casts its inputs to its compute dtype
                arg = [a.astype(to, copy=False) for a in arg] if layer.multi_input \
                    else arg.astype(to, copy=False)
            if masks is None:
                y = layer.forward(arg, training=mode)
            else:
                y = forward_masked(layer, arg, self.sources[k], masks, k, mode)
            values[k + 1] = y
            if k in self.multi_output:  # what backward's zeros look like
                self._out_like[k] = [(a.shape, a.dtype) for a in y]
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
            if layer.adds_losses:  # add_loss terms (their gradient: the layer's backward)
                self.activity_penalty += sum(layer.__dict__.get("_added_losses", ()))
            if k in self.shared:
                self._calls[k] = save_call(layer)
            if observer is not None:
                observer.on_forward(k, layer, arg, y)
            for s in self._free_after[k]:
                values[s] = None
        if masks is not None:
            self.output_mask = masks[self.outputs[0]] if len(self.outputs) == 1 \
                else [masks[t] for t in self.outputs]
        if self.output_picks is not None:
            outs = [values[t] if i is None else values[t][i]
                    for t, i in zip(self.outputs, self.output_picks, strict=True)]
            return outs[0] if len(outs) == 1 else outs
        if len(self.outputs) == 1:
            return values[self.outputs[0]]
        return [values[t] for t in self.outputs]

    def backward(self, grad: Any, fused: Any = False,
                 observer: GraphObserver | None = None) -> Any:
        """Backpropagate ``grad = dL/d(output)`` (``dL/dz`` of the last layer when ``fused``).

        With several outputs, ``grad`` is a list (one per output; None for an output with no
        loss) and ``fused`` a list of bools. Every layer on the way writes its ``grads``.
        Returns ``dL/d(input)`` when the graph was built with ``input_grad=True``, else None.
        """
        n = len(self.layers)
        needs = self.needs_grad
        if self._by_tensor:
            return self._backward_graph(grad, fused, observer)
        if self._plain and observer is None:
            end = n
            g: Any = grad
            if fused:
                end -= 1
                g = self.layers[end].backward_preactivation(grad)
            layers = self.layers
            # Every layer after _grad_from needs its input's gradient, so none returns None.
            for k in range(end - 1, self._grad_from - 1, -1):
                g = layers[k].backward(g)
            return g if needs[0] else None
        pending: list[Any] = [None] * (n + 1)
        pending[n] = grad
        for k in range(n - 1, -1, -1):
            g = pending[k + 1]
            if g is None or not needs[k + 1]:
                continue  # no weights at or before this node (an InputLayer, say)
            pending[k + 1] = None
            layer = self.layers[k]
            g = self._incoming(k, g)
            preactivation = fused and k == n - 1
            # A list of gradients (one per input) from a multi_input layer.
            gx: Any = layer.backward_preactivation(g) if preactivation else layer.backward(g)
            gx = self._outgoing(k, layer, gx)
            if observer is not None:
                observer.on_backward(k, layer, g, gx, preactivation)
            src = self.sources[k]
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

    def _incoming(self, k: int, g: Any) -> Any:
        """``dL/d(output of node k)`` as node ``k``'s backward takes it: in its dtype, with
        the gradient of its activity penalty added (a multi-output node: one gradient per
        output, zeros where none arrived)."""
        if k in self.multi_output:
            return [np.zeros(*self._out_like[k][i]) if gi is None
                    else gi.astype(self.dtypes[k + 1], copy=False)
                    for i, gi in enumerate(g)]
        if self.casts and g.dtype != self.dtypes[k + 1]:  # from a consumer of another dtype
            g = g.astype(self.dtypes[k + 1])
        extra = self._activity_grads[k]
        if extra is not None:  # d(activity penalty)/da joins dL/da
            g = g + extra.astype(g.dtype, copy=False)
            self._activity_grads[k] = None
        return g

    def _outgoing(self, k: int, layer: Layer, gx: Any) -> Any:
        """``dL/d(input)`` of node ``k`` back in the dtype of each input tensor (the forward
        cast's gradient)."""
        if not self.casts or self.casts[k] is None or gx is None:
            return gx
        src = self.sources[k]
        if layer.multi_input:
            return [None if gs is None else gs.astype(self.dtypes[s], copy=False)
                    for s, gs in zip(src, gx, strict=True)]
        return gx.astype(self.dtypes[src[0]], copy=False)

    def _backward_graph(self, grad: Any, fused: Any, observer: GraphObserver | None) -> Any:
        """:meth:`backward` for several outputs, outputs inside the graph or shared layers."""
        n, needs = len(self.layers), self.needs_grad
        grads = list(grad) if len(self.outputs) > 1 else [grad]
        if isinstance(fused, (list, tuple)):
            fuse = list(fused)
        elif fused and self.fused_outputs is not None:
            fuse = list(self.fused_outputs)
        else:
            fuse = [bool(fused)] * len(grads)
        pending: list[Any] = [None] * (n + 1)
        fused_at: set[int] = set()
        out_picks = self.output_picks or [None] * len(self.outputs)
        for t, i, g, f in zip(self.outputs, out_picks, grads, fuse, strict=True):
            if g is None:
                continue
            self._collect(pending, t, i, g)
            if f and i is None and t - 1 not in self.multi_output:
                fused_at.add(t - 1)
        sums: dict[int, dict[str, np.ndarray]] = {}  # shared layer -> its summed grads
        ran: set[int] = set()
        for k in range(n - 1, -1, -1):
            g = pending[k + 1]
            if g is None or not needs[k + 1]:
                continue
            pending[k + 1] = None
            layer = self.layers[k]
            if k in self.shared:
                restore_call(layer, self._calls.pop(k, None))
            g = self._incoming(k, g)
            preactivation = k in fused_at
            gx: Any = layer.backward_preactivation(g) if preactivation else layer.backward(g)
            gx = self._outgoing(k, layer, gx)
            ran.add(id(layer))
            if k in self.shared:
                _add_grads(sums, layer)
            if observer is not None:
                observer.on_backward(k, layer, g, gx, preactivation)
            src = self.sources[k]
            pick = self.picks[k] if self.picks is not None else (None,) * len(src)
            pairs = zip(src, pick, gx, strict=True) if layer.multi_input \
                else [(src[0], pick[0], gx)]
            for s, i, gs in pairs:
                if gs is not None and needs[s]:
                    self._collect(pending, s, i, gs)
        for layer in self.layers:
            acc = sums.get(id(layer))
            if acc is not None:  # a shared layer's grads: every call's, added
                for name, value in acc.items():
                    layer.grads[name][...] = value
            elif id(layer) not in ran:  # no loss reaches it: no stale gradient either
                for value in layer.grads.values():
                    value[...] = 0.0
        return pending[0]

    def _collect(self, pending: list[Any], t: int, i: int | None, g: Any) -> None:
        """Add ``g`` to the gradient pending for tensor ``t`` (its output ``i``, or every
        output when ``g`` is a list for a whole multi-output tensor); never in place: the
        gradients of several consumers may alias."""
        if t - 1 not in self.multi_output:
            prev = pending[t]
            pending[t] = g if prev is None else prev + g
            return
        slots = pending[t]
        if slots is None:
            slots = pending[t] = [None] * len(self.shapes[t])
        for j, gj in (enumerate(g) if i is None else [(i, g)]):
            if gj is not None:
                slots[j] = gj if slots[j] is None else slots[j] + gj


def _tensor_ref(ref: Any) -> tuple[int, int | None]:
    """A source or output: ``t`` (the whole tensor) or ``(t, i)`` (its output ``i``)."""
    if isinstance(ref, (tuple, list)):
        t, i = ref
        return int(t), int(i)
    return int(ref), None


def _shared_nodes(layers: Sequence[Layer]) -> set[int]:
    """Nodes whose layer object runs at more than one node."""
    count: dict[int, int] = {}
    for layer in layers:
        count[id(layer)] = count.get(id(layer), 0) + 1
    return {k for k, layer in enumerate(layers) if count[id(layer)] > 1}


def save_call(layer: Layer) -> Any:
    """What one call of ``layer`` left for its backward pass (a model inside a model keeps
    its own layers' caches: ``save_call_state``)."""
    saver = getattr(layer, "save_call_state", None)
    return saver() if saver is not None else layer._cache


def restore_call(layer: Layer, state: Any) -> None:
    """Put back what :func:`save_call` took, before this call's backward pass."""
    restorer = getattr(layer, "restore_call_state", None)
    if restorer is not None:
        restorer(state)
    else:
        layer._cache = state


def _add_grads(sums: dict[int, dict[str, np.ndarray]], layer: Layer) -> None:
    """Add the gradients one call of a shared layer just wrote to the running sums: a weight
    used at several places gets ``dL/dW = sum over calls`` (the multivariate chain rule)."""
    acc = sums.get(id(layer))
    if acc is None:
        sums[id(layer)] = {name: g.copy() for name, g in layer.grads.items()}
    else:
        for name, g in layer.grads.items():
            acc[name] += g


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
