"""``model.summary()``: Keras's table of layers, output shapes and parameter counts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glassnet.models.model import Model


def _fmt_shape(shape: Any) -> str:
    if isinstance(shape, list):  # a layer with several outputs
        return "[" + ", ".join(_fmt_shape(s) for s in shape) + "]"
    dims = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({dims},)" if len(shape) == 1 else f"({dims})"


def summary_text(model: Model, line_length: int = 65) -> str:
    """The summary as text (the workshop's model: ``Total params: 24,790``)."""
    widths = [int(line_length * f) for f in (0.45, 0.80, 1.0)]
    widths = [widths[0], widths[1] - widths[0], line_length - widths[1]]

    def row(cells: list[str]) -> str:
        line = ""
        for cell, width in zip(cells, widths, strict=True):
            line += (" " + cell).ljust(width)
        return line.rstrip()

    shapes: list[tuple[int | None, ...] | None]
    try:
        shapes = list(model.layer_output_shapes())
    except (AttributeError, ValueError):
        shapes = [None] * len(model.layers)
    lines = [f'Model: "{model.name}"', "_" * line_length,
             row(["Layer (type)", "Output Shape", "Param #"]), "=" * line_length]
    for layer, shape in zip(model.layers, shapes, strict=True):
        count = layer.count_params() + layer.count_state()
        lines.append(row([f"{layer.name} ({type(layer).__name__})",
                          "?" if shape is None else _fmt_shape(shape), f"{count:,}"]))
    trainable = sum(layer.params[k].size for layer in model.layers
                    for k in layer.trainable_params())
    total = sum(layer.count_params() + layer.count_state() for layer in model.layers)
    lines += [
        "=" * line_length,
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
        "_" * line_length,
    ]
    return "\n".join(lines)
