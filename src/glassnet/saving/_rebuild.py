"""What both formats do once the file's arrays are read: rebuild the model from its config
without allocating more than the file backs, check every weight, restore the compile state,
the optimizer's slots, the history and the random streams, and check that the result trains.

The allocation guard: a model's weights are all created by ``Layer.add_param`` during
``build``. Before building, every layer's ``add_param`` is wrapped (on the instance, for the
duration of the build) by a check that the shape asked for still fits the number of values
the file stores; a forged ``units: 10**12`` is refused before NumPy allocates anything. The
other arrays ``build`` makes (BatchNormalization's moving statistics) are one axis of a
layer's input, so every axis of every layer's output shape is bounded too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import numpy as np

from glassnet import losses, optimizers
from glassnet import metrics as metrics_mod
from glassnet.callbacks import History
from glassnet.errors import ModelFileError
from glassnet.layers.base import Layer
from glassnet.models.model import Model

#: An axis of a layer's input or output may be this long even when the file stores fewer values.
MIN_AXIS_LIMIT = 1 << 20
#: Largest optimizer step counter accepted (exact in float64).
MAX_ITERATIONS = 2**53


def _all_layers(model: Model) -> list[Layer]:
    """Every layer, nested ones (a Residual block's, a nested model's) included."""
    out: list[Layer] = []
    stack: list[Layer] = list(model.layers)[::-1]
    while stack:
        layer = stack.pop()
        out.append(layer)
        for value in vars(layer).values():
            if isinstance(value, Layer):
                stack.append(value)
            elif isinstance(value, Model):  # a model used as a layer
                stack.extend(value.layers)
            elif isinstance(value, (list, tuple)):
                stack.extend(v for v in value if isinstance(v, Layer))
    return out


def _check_shapes(model: Model, limit: int, where: str) -> None:
    # every model kind lists its layers' output shapes (Sequential and functional alike)
    inputs = model.input_shape  # a list of shapes for a model with several inputs
    shapes = [*(inputs if isinstance(inputs, list) else [inputs]),
              *cast(Any, model).layer_output_shapes()]
    # a layer with several outputs lists one shape per output
    shapes = [s for shape in shapes for s in (shape if isinstance(shape, list) else [shape])]
    for shape in shapes:
        for d in shape[1:]:
            if d is not None and (not isinstance(d, (int, np.integer)) or isinstance(d, bool)
                                  or d < 0 or d > limit):
                raise ModelFileError(
                    f"{where}: the architecture has an axis of length {d!r} (shape {shape}), "
                    f"more than the {limit:,} values the file can back; it is corrupt or forged.")


@contextlib.contextmanager
def _allocation_guard(model: Model, stored: int, where: str) -> Iterator[None]:
    """Refuse, before allocating, any weight that does not fit the ``stored`` values left."""
    left = [stored]

    def wrap(layer: Layer) -> Any:
        original = layer.add_param

        def add_param(key: str, shape: Sequence[int], *args: Any, **kwargs: Any) -> np.ndarray:
            count = 1
            for d in shape:
                count *= int(d)
            if count > left[0]:
                raise ModelFileError(
                    f"{where}: layer '{layer.name}' ({type(layer).__name__}) needs a weight "
                    f"`{key}` of shape {tuple(shape)} ({count:,} values), but the file stores "
                    f"only {left[0]:,} more; the file is corrupt or forged.")
            left[0] -= count
            return original(key, tuple(shape), *args, **kwargs)

        return add_param

    layers = _all_layers(model)
    for layer in layers:
        layer.add_param = wrap(layer)  # type: ignore[method-assign]
    try:
        yield
    finally:
        for layer in layers:
            layer.__dict__.pop("add_param", None)


def build_within(model: Model, stored_values: int, where: str) -> None:
    """``model.build()``, refusing sizes the file's ``stored_values`` weight values cannot back."""
    _check_shapes(model, max(stored_values, MIN_AXIS_LIMIT), where)
    with _allocation_guard(model, stored_values, where):
        model.build()


def check_weights(weights: Sequence[np.ndarray], where: str) -> None:
    """Every stored weight: an array of finite numbers (floating, or integer counters such as
    ``Normalization``'s ``count``)."""
    for i, w in enumerate(weights):
        if w.dtype.kind not in "fiu":
            raise ModelFileError(f"{where}: weight {i} holds {w.dtype}, not numbers.")
        if w.dtype.kind == "f" and not np.isfinite(w).all():
            raise ModelFileError(f"{where}: weight {i} (shape {w.shape}) holds NaN or inf.")


def set_weights(model: Model, weights: Sequence[np.ndarray], where: str) -> None:
    check_weights(weights, where)
    try:
        model.set_weights(weights)
    except ValueError as exc:
        raise ModelFileError(f"{where}: the stored weights do not fit the architecture: "
                             f"{exc}") from None


def compile_from(model: Model, spec: Any, where: str) -> None:
    """``model.compile`` from ``{"optimizer": config, "loss": config, "metrics": [names]}``."""
    if not isinstance(spec, Mapping):
        raise ModelFileError(f"{where}: the compile settings are {type(spec).__name__}, "
                             "not a mapping.")
    from glassnet.models import multi_io

    per_output = multi_io.compile_arguments(dict(spec))  # a model with several outputs
    if per_output is not None:
        model.compile(optimizer=optimizers.get(spec["optimizer"]), **per_output)
        return
    metrics = spec.get("metrics") or []
    if not isinstance(metrics, list) or not all(
            isinstance(m, str) or (isinstance(m, Mapping) and "class_name" in m)
            for m in metrics):
        raise ModelFileError(f"{where}: the metrics must be a list of names or metric "
                             f"configs, got {metrics!r}.")
    weighted = spec.get("weighted_metrics") or []
    if not isinstance(weighted, list) or not all(isinstance(m, str) for m in weighted):
        raise ModelFileError(f"{where}: the weighted metrics must be a list of names, got "
                             f"{weighted!r}.")
    try:
        objects = [m if isinstance(m, str) else metrics_mod.deserialize(dict(m))
                   for m in metrics]
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"{where}: a metric cannot be rebuilt from {metrics!r}: "
                             f"{exc}") from None
    loss = None if spec.get("loss") is None else losses.get(spec["loss"])  # None: add_loss only
    model.compile(optimizer=optimizers.get(spec["optimizer"]), loss=loss, metrics=objects,
                  weighted_metrics=weighted or None)


def metric_spec(identifier: Any, name: str) -> Any:
    """A compiled metric as saved: a name stays a name; a metric object of a built-in class
    is its config (``FalseNegatives(name="fn")`` comes back as itself); anything else (a
    function, a class of the program's own) is saved by its log name."""
    if isinstance(identifier, metrics_mod.Metric) \
            and type(identifier) in metrics_mod._CLASSES.values():
        return metrics_mod.serialize(identifier)
    return identifier if isinstance(identifier, str) else name


def compile_spec(model: Model) -> dict[str, Any] | None:
    """What :func:`compile_from` needs to compile a twin of ``model`` (None if uncompiled)."""
    if not model.compiled or model.optimizer is None or model.loss is None:
        return None
    from glassnet.models import multi_io

    if isinstance(model.loss, multi_io.MultiOutputLoss):  # several outputs: each its own
        return {"optimizer": optimizers.serialize(model.optimizer),
                **multi_io.compile_spec(model.loss)}
    from glassnet.losses.base import NoLoss

    tracked = model._tracker.metrics
    identifiers = getattr(model._tracker, "identifiers", None)
    plain = [m for m in tracked if not m.compiled_sample_weight]
    names = [m.name for m in plain]
    if identifiers is None or len(identifiers) != len(names):
        identifiers = names
    spec = {"optimizer": optimizers.serialize(model.optimizer),
            "loss": None if isinstance(model.loss, NoLoss) else losses.serialize(model.loss),
            "metrics": [metric_spec(m, n) for m, n in zip(identifiers, names, strict=True)]}
    weighted = [m.name.removeprefix("weighted_") for m in tracked if m.compiled_sample_weight]
    if weighted:
        spec["weighted_metrics"] = weighted
    return spec


def restore_optimizer(model: Model, state: Mapping[str, np.ndarray], where: str) -> None:
    """Put the optimizer's slots back and check them against the parameters it will update:
    the right count, shapes and dtype, finite values. A refused state leaves a fresh one."""
    optimizer = model.optimizer
    assert optimizer is not None  # compiled by the caller
    if not state:
        return
    it = state.get("iterations")
    if it is None or np.ndim(it) != 0 or np.asarray(it).dtype.kind not in "iu" \
            or not 0 <= int(it) <= MAX_ITERATIONS:
        raise ModelFileError(f"{where}: the optimizer's step counter is {it!r}, not an "
                             f"integer in [0, 2**53].")
    for key, value in state.items():
        if key != "iterations" and (value.dtype.kind != "f" or not np.isfinite(value).all()):
            raise ModelFileError(f"{where}: the optimizer slot {key!r} ({value.dtype}, shape "
                                 f"{value.shape}) is not finite floating numbers.")
    if not model.built and set(state) != {"iterations"}:
        raise ModelFileError(f"{where}: optimizer slots for a model without weights.")
    try:
        optimizer.set_state(dict(state))
        if model.built:  # the parameters fit uses, checked by the optimizer's first-step check
            model._prepare_training()
            optimizer._check(model._opt_params, model._opt_grads)
    except ValueError as exc:
        raise ModelFileError(f"{where}: the optimizer state does not fit the model: {exc}") \
            from None


def optimizer_state(model: Model) -> dict[str, np.ndarray]:
    """The optimizer's step counter and slots as arrays (empty when uncompiled)."""
    if model.optimizer is None:
        return {}
    return {k: np.asarray(v) for k, v in model.optimizer.get_state().items()}


def restore_history(model: Model, doc: Any, where: str) -> None:
    if doc is None:
        return
    epochs = doc.get("epoch") if isinstance(doc, Mapping) else None
    history = doc.get("history") if isinstance(doc, Mapping) else None
    ok = (isinstance(epochs, list) and all(isinstance(e, int) and not isinstance(e, bool)
                                           for e in epochs)
          and isinstance(history, Mapping)
          and all(isinstance(k, str) and isinstance(v, list)
                  and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
                  for k, v in history.items()))
    if not ok:
        raise ModelFileError(f"{where}: the training history is malformed.")
    model.history = History.from_dict(dict(doc))


def rng_states(model: Model) -> dict[str, Any]:
    """The shuffling and dropout streams, so resumed training is bit-identical."""
    return {"shuffle": model._shuffle_rng.bit_generator.state,
            "noise": {layer.name: layer.noise_rng.bit_generator.state
                      for layer in model.layers if layer.noise_rng is not None}}


def restore_rng(model: Model, rng: Any, where: str) -> None:
    """Put saved generator states back; a forged one (wrong type, 2**200 ...) is refused."""
    if rng is None:
        return
    if not isinstance(rng, Mapping) or not isinstance(rng.get("noise", {}), Mapping):
        raise ModelFileError(f"{where}: the random generator states are malformed.")
    targets: list[tuple[Any, Any]] = []
    if "shuffle" in rng:
        targets.append((model._shuffle_rng, rng["shuffle"]))
    for layer in model.layers:
        state = rng.get("noise", {}).get(layer.name)
        if state is not None and layer.noise_rng is not None:
            targets.append((layer.noise_rng, state))
    for generator, state in targets:
        try:
            _check_pcg_state(state)
            generator.bit_generator.state = state
        except (TypeError, ValueError, KeyError, OverflowError) as exc:
            raise ModelFileError(f"{where}: a random generator state is invalid: {exc}") \
                from None


def _check_pcg_state(state: Any) -> None:
    if not isinstance(state, Mapping) or state.get("bit_generator") != "PCG64":
        raise ValueError("expected a PCG64 state")
    inner = state.get("state")
    if not isinstance(inner, Mapping):
        raise ValueError("expected {'state': {'state': int, 'inc': int}}")
    for key in ("state", "inc"):
        v = inner.get(key)
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 2**128:
            raise ValueError(f"'{key}' must be an integer in [0, 2**128)")
    for key in ("has_uint32", "uinteger"):
        v = state.get(key, 0)
        if not isinstance(v, int) or not 0 <= v < 2**32:
            raise ValueError(f"'{key}' must be an integer in [0, 2**32)")


def rebuild_error(where: str, exc: BaseException) -> ModelFileError:
    """Any failure while rebuilding from untrusted data, as the library's own error."""
    if isinstance(exc, ModelFileError):  # ours: make sure it names the file
        return exc if where in str(exc) else type(exc)(f"{where}: {exc}")
    if isinstance(exc, MemoryError):
        return ModelFileError(f"{where}: the architecture claims more memory than there is; "
                              "the file is corrupt or forged.")
    return ModelFileError(f"The model in {where} cannot be rebuilt: {type(exc).__name__}: {exc}")
