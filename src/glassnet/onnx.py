"""Export a glassnet model to ONNX, for inference anywhere (onnxruntime, TensorRT, browsers).

>>> import glassnet.onnx
>>> glassnet.onnx.export(model, "model.onnx")                 # opset 17 by default
>>> import onnxruntime as ort
>>> ort.InferenceSession("model.onnx").run(None, {"input": x.astype("float32")})[0]

The graph computes ``model.predict`` (inference mode) in float32, on the same layout:
channels-last images ``(batch, height, width, channels)`` in and out, the batch axis left
dynamic. Layer by layer:

================================  =========================================================
glassnet                          ONNX
================================  =========================================================
Dense                             Gemm (2-D inputs) or MatMul + Add, then the activation
Activation, activations           Relu, Sigmoid, Tanh, Softmax(axis=-1), LeakyRelu, Elu,
                                  Selu, Softplus; swish = x * Sigmoid(x); gelu (exact or
                                  tanh) written out with Erf / Tanh
Conv2D                            Transpose(NHWC->NCHW), Conv (TensorFlow's 'same' padding
                                  as explicit, possibly asymmetric pads), Transpose back
MaxPooling2D, AveragePooling2D    the same sandwich around MaxPool / AveragePool
                                  (``count_include_pad=0``: even 'same' padding is not
                                  counted; uneven padding is an edge ``Pad`` first, as
                                  Keras's PyTorch backend does)
GlobalAverage/MaxPooling2D        ReduceMean / ReduceMax over the image axes
ZeroPadding2D                     Pad
BatchNormalization                Mul + Add with the folded inference scale and shift:
                                  ``gamma / sqrt(var + eps)`` and ``beta - mean * scale``
LayerNormalization                ReduceMean, Sub, Mul, Sqrt, Div (any axes)
Flatten, Reshape                  Flatten(axis=1) / Reshape, on the channels-last tensor,
                                  so the element order is glassnet's
Dropout, RandomAugmentation       nothing (the identity at inference)
Embedding                         Cast(int64) + Gather
SimpleRNN, LSTM, GRU              RNN / LSTM / GRU (time-major inside, Keras's gate order
                                  mapped to ONNX's: LSTM i,f,c,o -> i,o,f,c; GRU z,r,h as
                                  is, ``reset_after`` = ``linear_before_reset``)
Add, Subtract, Multiply,          Sum, Sub, Mul, Mean, Concat
Average, Concatenate
Residual                          its branch, then Add
================================  =========================================================

Anything else (or a layer option without an ONNX counterpart) raises ``ValueError`` naming
the layer. ``onnx`` is needed to export, ``onnxruntime`` only to run the result.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet._atomic import atomic_write
from glassnet.layers.base import Layer

DEFAULT_OPSET = 17
MIN_OPSET = 13  # Squeeze/Unsqueeze with axes as inputs, Softmax along one axis
_ONNX_ACT = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}


class _Graph:
    """Collects nodes and constant tensors while layers are converted."""

    def __init__(self, onnx: Any, opset: int) -> None:
        self.onnx, self.helper, self.opset = onnx, onnx.helper, opset
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, value: Any, hint: str, dtype: Any = np.float32) -> str:
        name = self.name(hint)
        array = np.ascontiguousarray(np.asarray(value, dtype=dtype))
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, inputs: list[str], hint: str | None = None, n_out: int = 1,
           **attrs: Any) -> Any:
        outs = [self.name(hint or op_type.lower()) for _ in range(n_out)]
        self.nodes.append(self.helper.make_node(op_type, inputs, outs, **attrs))
        return outs[0] if n_out == 1 else outs

    def reduce(self, op_type: str, x: str, axes: list[int], keepdims: int) -> str:
        """ReduceMean/ReduceMax: ``axes`` became an input in opset 18."""
        if self.opset >= 18:
            return self.op(op_type, [x, self.const(axes, "axes", np.int64)], keepdims=keepdims)
        return self.op(op_type, [x], axes=axes, keepdims=keepdims)

    def transpose(self, x: str, perm: list[int]) -> str:
        return self.op("Transpose", [x], perm=perm)


# ------------------------------------------------------------------ activations
def _activation(g: _Graph, act: Any, x: str, where: str) -> str:
    name = act.name
    if name == "linear":
        return x
    if name in _ONNX_ACT:
        return g.op(_ONNX_ACT[name], [x])
    if name == "softmax":
        return g.op("Softmax", [x], axis=-1)
    if name == "leaky_relu":
        return g.op("LeakyRelu", [x], alpha=float(act.alpha))
    if name == "elu":
        return g.op("Elu", [x], alpha=float(act.alpha))
    if name == "selu":
        return g.op("Selu", [x], alpha=float(act.alpha), gamma=float(act.scale))
    if name == "softplus":
        return g.op("Softplus", [x])
    if name == "swish":
        return g.op("Mul", [x, g.op("Sigmoid", [x])])
    if name == "gelu":
        half = g.op("Mul", [x, g.const(0.5, "half")])
        if act.approximate:  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            cube = g.op("Mul", [g.op("Mul", [x, x]), x])
            inner = g.op("Add", [x, g.op("Mul", [cube, g.const(0.044715, "c")])])
            t = g.op("Tanh", [g.op("Mul", [inner, g.const(math.sqrt(2 / math.pi), "c")])])
        else:  # 0.5 x (1 + erf(x / sqrt(2)))
            t = g.op("Erf", [g.op("Mul", [x, g.const(1 / math.sqrt(2), "c")])])
        return g.op("Mul", [half, g.op("Add", [t, g.const(1.0, "one")])])
    raise ValueError(f"{where}: the activation {name!r} has no ONNX converter.")


# ------------------------------------------------------------------ layers
def _same_pads(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's 'same': ``ceil(size / stride)`` outputs, the odd pixel at the end."""
    eff = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + eff - size, 0)
    return total // 2, total - total // 2


def _window_pads(layer: Any, shape: tuple[int, ...], kernel: tuple[int, int],
                 dilation: tuple[int, int] = (1, 1)) -> list[int]:
    if layer.padding == "valid":
        return [0, 0, 0, 0]
    (t, b), (left, r) = (_same_pads(shape[0], kernel[0], layer.strides[0], dilation[0]),
                         _same_pads(shape[1], kernel[1], layer.strides[1], dilation[1]))
    return [t, left, b, r]  # ONNX: all begins, then all ends


def _nchw(g: _Graph, x: str, op: Callable[[str], str]) -> str:
    """Run an NCHW-only operator on a channels-last tensor."""
    return g.transpose(op(g.transpose(x, [0, 3, 1, 2])), [0, 2, 3, 1])


def _dense(g: _Graph, layer: Any, x: str, shape: tuple[int, ...]) -> str:
    w = g.const(layer.params["kernel"], "kernel")
    b = g.const(layer.params["bias"], "bias") if layer.use_bias else None
    if len(shape) == 1:
        z = g.op("Gemm", [x, w] + ([b] if b else []))
    else:
        z = g.op("MatMul", [x, w])
        if b:
            z = g.op("Add", [z, b])
    return _activation(g, layer.activation, z, _who(layer))


def _conv(g: _Graph, layer: Any, x: str, shape: tuple[int, ...]) -> str:
    kernel = layer.params["kernel"]  # (kh, kw, c, f) -> ONNX (f, c, kh, kw)
    inputs = [g.const(kernel.transpose(3, 2, 0, 1), "kernel")]
    if layer.use_bias:
        inputs.append(g.const(layer.params["bias"], "bias"))
    pads = _window_pads(layer, shape, layer.kernel_size, layer.dilation_rate)
    z = _nchw(g, x, lambda t: g.op("Conv", [t, *inputs], kernel_shape=list(layer.kernel_size),
                                   strides=list(layer.strides), pads=pads,
                                   dilations=list(layer.dilation_rate)))
    return _activation(g, layer.activation, z, _who(layer))


def _pool(g: _Graph, layer: Any, x: str, shape: tuple[int, ...]) -> str:
    pads = _window_pads(layer, shape, layer.pool_size)
    attrs: dict[str, Any] = {"kernel_shape": list(layer.pool_size),
                             "strides": list(layer.strides), "pads": pads}
    if type(layer).__name__ == "AveragePooling2D":
        if pads[0] != pads[2] or pads[1] != pads[3]:  # uneven 'same': edge pixels repeated
            edge = g.const([0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]], "pads", np.int64)
            attrs["pads"] = [0, 0, 0, 0]
            return _nchw(g, x, lambda t: g.op(
                "AveragePool", [g.op("Pad", [t, edge], mode="edge")], **attrs))
        return _nchw(g, x, lambda t: g.op("AveragePool", [t], count_include_pad=0, **attrs))
    return _nchw(g, x, lambda t: g.op("MaxPool", [t], **attrs))


def _batch_norm(g: _Graph, layer: Any, x: str, shape: tuple[int, ...]) -> str:
    mean = layer.state["moving_mean"].astype(np.float64)
    var = layer.state["moving_variance"].astype(np.float64)
    gamma = layer.params["gamma"].astype(np.float64) if layer.scale else 1.0
    beta = layer.params["beta"].astype(np.float64) if layer.center else 0.0
    scale = gamma / np.sqrt(var + layer.epsilon)  # (c,)
    shift = beta - mean * scale
    axis = layer.axis + len(shape) + 1 if layer.axis < 0 else layer.axis
    bshape = (-1,) + (1,) * (len(shape) - axis)  # (c, 1, ..., 1): broadcast from the right
    return g.op("Add", [g.op("Mul", [x, g.const(scale.reshape(bshape), "scale")]),
                        g.const(shift.reshape(bshape), "shift")])


def _layer_norm(g: _Graph, layer: Any, x: str, shape: tuple[int, ...]) -> str:
    axes = list(layer._norm_axes(shape))  # axes of the batched tensor
    bshape = [shape[a - 1] if a in axes else 1 for a in range(1, len(shape) + 1)]
    mean = g.reduce("ReduceMean", x, axes, 1)
    d = g.op("Sub", [x, mean])
    var = g.reduce("ReduceMean", g.op("Mul", [d, d]), axes, 1)
    std = g.op("Sqrt", [g.op("Add", [var, g.const(layer.epsilon, "eps")])])
    y = g.op("Div", [d, std])
    if layer.scale:
        y = g.op("Mul", [y, g.const(layer.params["gamma"].reshape(bshape), "gamma")])
    if layer.center:
        y = g.op("Add", [y, g.const(layer.params["beta"].reshape(bshape), "beta")])
    return y


def _recurrent(g: _Graph, layer: Any, x: str, shape: tuple[int, ...]) -> str:
    cls, u = type(layer).__name__, layer.units
    if layer.go_backwards:  # Keras reads the reversed sequence, forward: reverse the input
        big = np.iinfo(np.int64).max
        x = g.op("Slice", [x, g.const([-1], "s", np.int64), g.const([-big], "e", np.int64),
                           g.const([1], "a", np.int64), g.const([-1], "st", np.int64)])
    xt = g.transpose(x, [1, 0, 2])  # (batch, T, in) -> (T, batch, in)
    # ONNX's activation lists: RNN [f], GRU [gates, candidate], LSTM [gates, cell, output]
    acts = {"SimpleRNN": [layer.activation],
            "GRU": [getattr(layer, "recurrent_activation", None), layer.activation],
            "LSTM": [getattr(layer, "recurrent_activation", None), layer.activation,
                     layer.activation]}[cls]
    names = []
    for act in acts:
        if act.name not in _ONNX_ACT:
            raise ValueError(f"{_who(layer)}: ONNX's {cls} has no activation {act.name!r}.")
        names.append(_ONNX_ACT[act.name])
    k, rk = layer.params["kernel"], layer.params["recurrent_kernel"]
    gates = k.shape[1] // u
    order = [0, 3, 1, 2] if cls == "LSTM" else list(range(gates))  # Keras i,f,c,o -> i,o,f,c

    def blocks(a: np.ndarray) -> np.ndarray:  # reorder the gate blocks of the last axis
        return np.concatenate([a[..., i * u:(i + 1) * u] for i in order], axis=-1)

    w = g.const(blocks(k).T[None], "W")  # (1, G*u, in)
    r = g.const(blocks(rk).T[None], "R")  # (1, G*u, u)
    zeros = np.zeros(gates * u)
    if not layer.use_bias:
        wb, rb = zeros, zeros
    elif layer.params["bias"].ndim == 2:  # GRU reset_after: input and recurrent biases
        wb, rb = blocks(layer.params["bias"][0]), blocks(layer.params["bias"][1])
    else:
        wb, rb = blocks(layer.params["bias"]), zeros
    inputs = [xt, w, r, g.const(np.concatenate([wb, rb])[None], "B")]
    attrs: dict[str, Any] = {"hidden_size": u, "activations": names}
    if cls == "GRU":
        attrs["linear_before_reset"] = int(layer.reset_after)
    y, y_h = g.op({"SimpleRNN": "RNN"}.get(cls, cls), inputs, n_out=2, **attrs)[:2]
    if layer.return_sequences:  # Y: (T, 1, batch, u) -> (batch, T, u)
        return g.transpose(g.op("Squeeze", [y, g.const([1], "axes", np.int64)]), [1, 0, 2])
    return g.op("Squeeze", [y_h, g.const([0], "axes", np.int64)])  # (1, batch, u) -> (batch, u)


def _embedding(g: _Graph, layer: Any, x: str, shape: tuple[int, ...]) -> str:
    ids = g.op("Cast", [x], to=g.onnx.TensorProto.INT64)
    return g.op("Gather", [g.const(layer.params["embeddings"], "embeddings"), ids], axis=0)


def _convert(g: _Graph, layer: Any, xs: list[str], shapes: list[tuple[int, ...]]) -> str:
    cls = type(layer).__name__
    x, shape = xs[0], shapes[0]
    if cls in ("InputLayer", "Dropout", "RandomAugmentation"):
        return x
    if cls == "Dense":
        return _dense(g, layer, x, shape)
    if cls == "Activation":
        return _activation(g, layer.activation, x, _who(layer))
    if cls == "Flatten":
        return g.op("Flatten", [x], axis=1)
    if cls == "Reshape":
        return g.op("Reshape", [x, g.const([0, *layer.target_shape], "shape", np.int64)])
    if cls == "Conv2D":
        return _conv(g, layer, x, shape)
    if cls in ("MaxPooling2D", "AveragePooling2D"):
        return _pool(g, layer, x, shape)
    if cls in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        op = "ReduceMean" if "Average" in cls else "ReduceMax"
        return g.reduce(op, x, [1, 2], int(bool(getattr(layer, "keepdims", False))))
    if cls == "ZeroPadding2D":
        (t, b), (left, r) = layer.padding
        return g.op("Pad", [x, g.const([0, t, left, 0, 0, b, r, 0], "pads", np.int64)])
    if cls == "BatchNormalization":
        return _batch_norm(g, layer, x, shape)
    if cls == "LayerNormalization":
        return _layer_norm(g, layer, x, shape)
    if cls in ("SimpleRNN", "LSTM", "GRU"):
        return _recurrent(g, layer, x, shape)
    if cls == "Embedding":
        return _embedding(g, layer, x, shape)
    if cls in ("Add", "Multiply", "Average", "Subtract"):
        op = {"Add": "Sum", "Multiply": "Mul", "Average": "Mean", "Subtract": "Sub"}[cls]
        if op == "Mul":  # binary in ONNX: chain it
            out = xs[0]
            for other in xs[1:]:
                out = g.op("Mul", [out, other])
            return out
        return g.op(op, xs)
    if cls == "Concatenate":
        return g.op("Concat", xs, axis=int(layer.axis))
    if cls == "Residual":
        f, s = x, shape
        for inner in layer.block:
            f = _convert(g, inner, [f], [s])
            s = tuple(inner.output_shape(s))
        return g.op("Add", [x, f])
    raise ValueError(f"{_who(layer)} has no ONNX converter; exportable layers are listed in "
                     "glassnet.onnx's documentation.")


def _who(layer: Layer) -> str:
    return f"Layer '{layer.name}' ({type(layer).__name__})"


def _walk(model: Any) -> list[tuple[Layer, list[Any], Any]]:
    """``(layer, input keys, output key)`` in execution order, for either kind of model."""
    if hasattr(model, "_nodes"):  # functional: topological order, tensors as keys
        return [(n.layer, list(n.inputs), n.output) for n in model._nodes]
    steps: list[tuple[Layer, list[Any], Any]] = []
    prev: Any = "input"
    for i, layer in enumerate(model.layers):
        steps.append((layer, [prev], i))
        prev = i
    return steps


def to_onnx(model: Any, opset: int = DEFAULT_OPSET, input_name: str = "input",
            output_name: str = "output") -> Any:
    """The ``onnx.ModelProto`` computing ``model.predict`` (float32, batch axis dynamic).

    Raises
    ------
    ValueError
        For an opset below 13, or a layer/activation with no ONNX converter (named).
    ImportError
        Without the ``onnx`` package (``pip install glassnet[onnx]``).
    """
    import onnx

    if isinstance(opset, bool) or not isinstance(opset, int) or opset < MIN_OPSET:
        raise ValueError(f"`opset` must be an integer >= {MIN_OPSET}, got {opset!r}.")
    if not model.built:
        model.build()
    g = _Graph(onnx, opset)
    sample = tuple(int(d) for d in model.input_shape[1:])
    names: dict[Any, str] = {}
    shapes: dict[Any, tuple[int, ...]] = {}
    steps = _walk(model)
    start = model._input if hasattr(model, "_nodes") else "input"
    names[start], shapes[start] = input_name, sample
    steps = [step for step in steps if step[1]]  # the InputLayer node has no inputs
    for layer, ins, out in steps:
        xs, ss = [names[k] for k in ins], [shapes[k] for k in ins]
        names[out] = _convert(g, layer, xs, ss)
        arg: Any = ss if getattr(layer, "multi_input", False) else ss[0]
        shapes[out] = tuple(int(d) for d in layer.output_shape(arg))  # type: ignore[arg-type]
    last = names[steps[-1][2]] if steps else input_name
    g.nodes.append(onnx.helper.make_node("Identity", [last], [output_name]))
    out_shape = tuple(model.output_shape[1:])
    graph = onnx.helper.make_graph(
        g.nodes, model.name,
        [onnx.helper.make_tensor_value_info(input_name, onnx.TensorProto.FLOAT,
                                            ["batch", *sample])],
        [onnx.helper.make_tensor_value_info(output_name, onnx.TensorProto.FLOAT,
                                            ["batch", *out_shape])],
        g.initializers)
    proto = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)],
                                   producer_name="glassnet")
    proto.ir_version = min(proto.ir_version, _max_ir_version(onnx, opset))
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _max_ir_version(onnx: Any, opset: int) -> int:
    """The IR version of the onnx release that introduced ``opset`` (what runtimes accept)."""
    for row in onnx.helper.VERSION_TABLE:  # (release, ir_version, ai.onnx opset, ...)
        if row[2] >= opset:
            return int(row[1])
    return int(onnx.IR_VERSION)


def export(model: Any, path: str | os.PathLike[str], opset: int = DEFAULT_OPSET,
           input_name: str = "input", output_name: str = "output") -> Any:
    """Write ``model`` to ``path`` as ONNX (atomically) and return the ``ModelProto``.

    See :func:`to_onnx` and the module notes for what is exported and how.
    """
    proto = to_onnx(model, opset=opset, input_name=input_name, output_name=output_name)
    with atomic_write(path, "wb") as f:
        f.write(proto.SerializeToString())
    return proto
