"""A model as the slides' composition of functions: ``f(x) = f_L(…f_2(f_1(x)))``.

"NN vs. other algorithms" writes the astronaut classifier as
:math:`f(x) = f_7(f_6(f_5(f_4(f_3(f_2(f_1(x)))))))`: each layer is a function and the
network is their composition. :func:`composition` prints that view for any glassnet
model, naming each :math:`f_i` by its layer.
"""

from __future__ import annotations

from typing import Any


def _describe(layer: Any) -> str:
    config = layer.get_config() if hasattr(layer, "get_config") else {}
    kind = type(layer).__name__
    details = []
    if "units" in config:
        details.append(f"{config['units']} units")
    activation = config.get("activation")
    if activation not in (None, "linear") or kind == "Activation":
        details.append(str(activation))
    if kind == "Dense":
        details.append("kernel = w.T")
    return f"{layer.name} ({kind}{': ' + ', '.join(details) if details else ''})"


def composition(model: Any) -> str:
    """The model written as nested functions, one ``f_i`` per layer, then what each is.

    Parameters
    ----------
    model : glassnet Sequential or Model
        Any model with ``layers``; a functional model with merges is written with every
        input of a merge inside its parentheses.

    Returns
    -------
    str
        First line ``f(x) = f_3(f_2(f_1(x)))``, then one line per ``f_i`` naming its layer.

    Raises
    ------
    TypeError
        If ``model`` has no layers to compose.

    Examples
    --------
    >>> from glassnet.models import Sequential
    >>> from glassnet.layers import Dense
    >>> model = Sequential([Dense(3, activation="sigmoid", input_dim=2),
    ...                     Dense(1, activation="sigmoid")])
    >>> print(composition(model).splitlines()[0])
    f(x) = f_2(f_1(x))
    """
    nodes = getattr(model, "_nodes", None)
    if nodes is not None:
        names: dict[int, str] = {}
        exprs: dict[Any, str] = {}
        lines = []
        for node in nodes:
            if not node.inputs:
                exprs[node.output] = "x"
                continue
            i = len(names) + 1
            names[id(node)] = f"f_{i}"
            exprs[node.output] = f"f_{i}({', '.join(exprs[t] for t in node.inputs)})"
            lines.append(f"  f_{i} = {_describe(node.layer)}")
        head = f"f(x) = {exprs[nodes[-1].output]}"
        return "\n".join([head, *lines])
    layers = list(getattr(model, "layers", None) or [])
    if not layers:
        raise TypeError(
            f"`model` must be a glassnet model with at least one layer, got {type(model).__name__}."
        )
    expr = "x"
    for i in range(1, len(layers) + 1):
        expr = f"f_{i}({expr})"
    lines = [f"  f_{i} = {_describe(layer)}" for i, layer in enumerate(layers, start=1)]
    return "\n".join([f"f(x) = {expr}", *lines])
