"""A model's architecture as JSON, and copies of a model: ``to_json``, ``model_from_json``,
``clone_model`` (Keras's names and behaviour: architecture only, weights freshly drawn)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glassnet.models.model import Model


def _model_classes() -> dict[str, type[Model]]:
    from glassnet.models.functional import Model as Functional
    from glassnet.models.sequential import Sequential

    return {"Sequential": Sequential, "Functional": Functional, "Model": Functional}


def model_to_json(model: Model, **kwargs: Any) -> str:
    """Keras's JSON of the architecture: the document a ``.keras`` file keeps as
    ``config.json`` (``keras.models.model_from_json`` reads it, and glassnet's does); for a
    model Keras cannot describe (a glassnet-only layer such as ``Residual``, or no input
    shape yet), glassnet's own ``{"class_name": ..., "config": model.get_config()}``.
    ``kwargs`` go to :func:`json.dumps`."""
    from glassnet.saving.keras_write import keras_document

    try:
        doc = keras_document(model)
    except (ValueError, TypeError):  # not expressible in Keras's terms: glassnet's config
        name = "Sequential" if type(model).__name__ == "Sequential" else "Functional"
        doc = {"class_name": name, "config": model.get_config()}
    return json.dumps(doc, **kwargs)


def model_from_config(config: dict[str, Any]) -> Model:
    """The model a ``{"class_name", "config"}`` dict describes (new weights)."""
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(
            "A model config must be a dict with 'class_name' and 'config', got "
            f"{type(config).__name__}{'' if not isinstance(config, dict) else sorted(config)}."
        )
    if "module" in config:  # Keras's document (``to_json``, a .keras file's config.json)
        from glassnet.saving.keras_read import glassnet_config

        keras_cls, inner, _ = glassnet_config(config)
        return keras_cls.from_config(inner)
    classes = _model_classes()
    cls = classes.get(config["class_name"])
    if cls is None:
        raise ValueError(
            f"Unknown model class {config['class_name']!r}; expected one of {sorted(classes)}."
        )
    return cls.from_config(config["config"])


def model_from_json(json_string: str, custom_objects: dict[str, Any] | None = None) -> Model:
    """The model :meth:`Model.to_json` describes, with freshly initialised weights.

    Raises
    ------
    ValueError
        If ``json_string`` is not JSON or not a model description.
    """
    if not isinstance(json_string, (str, bytes)):
        raise TypeError(f"`json_string` must be a str, got {type(json_string).__name__}.")
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as exc:
        raise ValueError(f"`json_string` is not valid JSON: {exc}") from None
    from glassnet._custom_objects import custom_object_scope

    with custom_object_scope(custom_objects):
        return model_from_config(config)


def clone_model(model: Model, input_tensors: Any = None, clone_function: Any = None) -> Model:
    """A new model with the same architecture and new, freshly initialised weights
    (Keras's ``clone_model``; copy the weights with ``set_weights(model.get_weights())``).

    Parameters
    ----------
    model : Sequential or functional Model
    input_tensors, clone_function : None
        Keras's options; not supported here (give None).
    """
    from glassnet.models.model import Model as BaseModel

    if not isinstance(model, BaseModel):
        raise TypeError(f"`model` must be a glassnet model, got {type(model).__name__}.")
    if input_tensors is not None or clone_function is not None:
        raise ValueError("clone_model supports neither `input_tensors` nor `clone_function`; "
                         "pass only the model.")
    config = model.get_config()
    config["seed"] = None  # new weights, as Keras: not the same draw again
    return type(model).from_config(config)
