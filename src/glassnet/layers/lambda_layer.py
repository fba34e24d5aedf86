"""``Lambda``: a layer from any function written with :mod:`glassnet.ops`.

Its backward pass is not written by hand: ``forward`` runs the function while a tape records,
and ``backward`` asks the tape for ``dL/dx`` (see :mod:`glassnet.ops.layer_autodiff`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glassnet.layers.base import Layer, Shape
from glassnet.ops import layer_autodiff


class Lambda(Layer):
    """Wrap ``function(inputs)`` as a layer (Keras's ``Lambda``).

    Parameters
    ----------
    function : callable
        ``function(x, **arguments)`` on arrays of shape (batch, ...), written with
        ``glassnet.ops`` (or NumPy ufuncs and Python operators on its argument).
    output_shape : tuple of int or callable, optional
        One-sample output shape, or ``f(input_shape) -> shape``; inferred by running
        ``function`` on one zero sample when omitted.
    arguments : dict, optional
        Keyword arguments passed to ``function``.
    **base
        ``name``, ``trainable``, ``input_shape``, ``input_dim``, ``dtype`` (see :class:`Layer`).

    Examples
    --------
    >>> from glassnet import ops
    >>> layer = Lambda(lambda x: ops.square(x) * 0.5)
    """

    def __init__(self, function: Callable[..., Any], output_shape: Any = None,
                 arguments: dict[str, Any] | None = None, **base: Any) -> None:
        if not callable(function):
            raise TypeError(f"`function` must be callable, got {type(function).__name__}.")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"`arguments` must be a dict, got {type(arguments).__name__}.")
        super().__init__(**base)
        self.function = function
        self.output_shape_arg = output_shape
        self.arguments = dict(arguments or {})

    def call(self, inputs: Any) -> Any:
        return self.function(inputs, **self.arguments)

    def output_shape(self, input_shape: Shape) -> Shape:
        given = self.output_shape_arg
        if given is None:
            return layer_autodiff.output_shape(self, input_shape)
        if callable(given):
            return tuple(given(tuple(input_shape)))
        return tuple(given)

    def get_config(self) -> dict[str, Any]:
        """The function is recorded by name only: a Lambda is rebuilt from code, not a file."""
        config = super().get_config()
        config["function"] = getattr(self.function, "__name__", repr(self.function))
        if self.output_shape_arg is not None and not callable(self.output_shape_arg):
            config["output_shape"] = list(self.output_shape_arg)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        raise TypeError(
            f"A Lambda layer cannot be rebuilt from a config: its function "
            f"{config.get('function')!r} is code. Create Lambda(function) again."
        )


layer_autodiff.install(Lambda)  # forward/backward from the tape, as for any `call` layer
