"""Checks shared by the tests of the Keras-parity layers (tests/test_layers_*.py).

- :func:`assert_gradients`: central differences in float64 with a random upstream gradient
  (``glassnet.gradcheck``), for ``dL/dx`` and every parameter.
- :func:`keras_referee`: Keras 3 (torch backend) runs the same layer from the same weights;
  outputs must agree to 1e-5 (relative, float32), weight shapes and order must match.
- :func:`assert_trains_and_saves`: the layer inside ``Sequential`` trains with ``fit`` (the
  loss falls) and survives ``get_config``/``from_config`` and a ``.npz`` save/load.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

from glassnet.gradcheck import check_layer, check_merge_layer
from glassnet.layers.base import deserialize_layer, serialize_layer
from glassnet.models import Sequential, load_model

GRAD_TOL = 1e-6


def keras_module() -> Any:
    """Keras 3 on the torch backend, or a skip saying why."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="Keras 3 is the referee for layer behaviour")
    if not keras.__version__.startswith("3."):
        pytest.skip(f"Keras 3 is the referee, found Keras {keras.__version__}")
    return keras


def torch_module() -> Any:
    return pytest.importorskip("torch", reason="PyTorch is the numeric referee")


def to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def assert_gradients(layer: Any, x: Any, training: bool = False, seed: int = 0,
                     tol: float = GRAD_TOL) -> dict[str, float]:
    """Finite-difference check of ``layer`` on ``x`` (a list for multi-input layers)."""
    rng = np.random.default_rng(seed)
    if isinstance(x, list):
        if not layer.built:
            layer.dtype = np.dtype("float64")
            layer.build([np.shape(a)[1:] for a in x], rng)
        if training and layer.noise_rng is not None:
            _replay_noise(layer)  # check_merge_layer does not replay random draws itself
        errors = check_merge_layer(layer, x, rng=rng, training=training)
    else:
        errors = check_layer(layer, x, rng=rng, training=training)
    bad = {k: e for k, e in errors.items() if not e < tol}
    assert not bad, f"{type(layer).__name__}: relative gradient errors {errors}"
    return errors


def _replay_noise(layer: Any) -> None:
    """Make every ``forward`` of ``layer`` draw the same random numbers (dropout masks)."""
    state = layer.noise_rng.bit_generator.state
    forward = layer.forward

    def replaying(*args: Any, **kwargs: Any) -> Any:
        layer.noise_rng.bit_generator.state = state
        return forward(*args, **kwargs)

    layer.forward = replaying


def keras_referee(keras_layer: Any, layer: Any, x: Any, rtol: float = 1e-5,
                  atol: float = 1e-6, build_only: bool = False) -> np.ndarray:
    """Run ``keras_layer`` on ``x``, copy its weights into ``layer``, compare the outputs.

    ``layer`` is built in float32 on the same shapes; the Keras weights (after making them
    non-trivial) go in through ``set_weights``, so their shapes and order must line up.
    """
    xs = [np.asarray(a, np.float32) for a in x] if isinstance(x, list) else \
        np.asarray(x, np.float32)
    keras_layer(xs)  # builds
    rng = np.random.default_rng(7)
    weights = [np.asarray(to_numpy(w)) for w in keras_layer.get_weights()]
    if weights:
        weights = [(w + rng.normal(0, 0.3, w.shape)).astype(np.float32) for w in weights]
        keras_layer.set_weights(weights)
    expected = to_numpy(keras_layer(xs))
    if not layer.built:
        layer.dtype = np.dtype("float32")
        shapes = [a.shape[1:] for a in xs] if isinstance(xs, list) else xs.shape[1:]
        layer.build(shapes, np.random.default_rng(0))
    mine = layer.get_weights()
    assert [w.shape for w in mine] == [w.shape for w in weights], (
        f"weight shapes differ: glassnet {[w.shape for w in mine]}, "
        f"Keras {[w.shape for w in weights]}")
    layer.set_weights(weights)
    got = layer.forward(xs, training=False)
    assert got.dtype == np.float32, f"float32 inputs gave a {got.dtype} output"
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    return got


def assert_config_round_trip(layer: Any) -> Any:
    """``from_config(get_config())`` through the registry gives an equal config."""
    clone = deserialize_layer(serialize_layer(layer))
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()
    return clone


def assert_trains_and_saves(layers: list[Any], x: np.ndarray, y: np.ndarray, loss: str,
                            tmp_path: Any, epochs: int = 30, factor: float = 0.9,
                            optimizer: Any = "adam") -> Any:
    """Fit a small Sequential model: the loss falls below ``factor`` times its first value,
    and a save/load round trip reproduces the predictions."""
    model = Sequential(layers, seed=0)
    model.compile(optimizer=optimizer, loss=loss)
    history = model.fit(x, y, epochs=epochs, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] < factor * losses[0], losses
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6, atol=1e-6)
    return model


def summary_of(model) -> str:
    """What ``model.summary()`` prints (it returns None, as Keras's does)."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(str(line)))
    return "\n".join(lines)
