"""Models inside models: a frozen inner layer stays put in ``fit`` while its neighbours train,
a call given ``training=`` keeps that mode through a config round trip, unnamed inner models
get Keras's ``functional_1`` names, and ``custom_objects`` picks the class to rebuild."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as G  # noqa: N812

L = G.layers


def base_and_model():
    base = G.Sequential([G.Input(shape=(4,)), L.Dense(3, name="low"), L.Dense(3, name="top")],
                        name="base")
    model = G.Sequential([base, L.Dense(1, name="head")], seed=0)
    return base, model


def test_fine_tuning_the_top_of_a_nested_model():
    base, model = base_and_model()
    base.get_layer("low").trainable = False
    assert [len(model.trainable_weights), len(model.non_trainable_weights)] == [4, 2]
    model.compile(optimizer="sgd", loss="mse")
    low, top = base.get_layer("low").get_weights(), base.get_layer("top").get_weights()
    rng = np.random.default_rng(0)
    model.fit(rng.random((8, 4)), rng.random((8, 1)), epochs=2, verbose=0)
    for a, b in zip(base.get_layer("low").get_weights(), low, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(base.get_layer("top").get_weights()[0], top[0])
    base.trainable = False  # now the whole base: only the head trains
    assert len(model.trainable_weights) == 2 and not base.get_layer("top").trainable
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    assert "Trainable params: 4" in "\n".join(lines)


def test_a_call_mode_survives_a_config_round_trip():
    inputs = G.Input(shape=(3,))
    h = L.BatchNormalization(name="bn")(inputs, training=True)
    model = G.Model(inputs, L.Dense(2, name="out")(h))
    nodes = model.get_config()["nodes"]
    assert nodes[1][2] == {"training": True}
    assert len(nodes[2]) == 2  # a call given no mode records none
    clone = G.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(1).normal(2.0, 3.0, (6, 3)).astype("float32")
    np.testing.assert_allclose(clone(x), model(x), rtol=1e-6)
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)
    assert not np.allclose(model(x), model.predict(x))


def test_unnamed_inner_models_get_numbered_names():
    def get_model():
        inputs = G.Input(shape=(2,))
        return G.Model(inputs, L.Dense(1)(inputs))

    inputs = G.Input(shape=(2,))
    parts = [get_model() for _ in range(3)]
    model = G.Model(inputs, L.average([p(inputs) for p in parts]))
    assert [p.name for p in parts] == ["functional", "functional_1", "functional_2"]
    assert model.count_params() == 9
    named = G.Model(inputs, L.Dense(1)(inputs), name="same")
    other = G.Model(inputs, L.Dense(1)(inputs), name="same")
    with pytest.raises(ValueError, match="unique"):
        G.Model(inputs, L.add([named(inputs), other(inputs)]))


def test_custom_objects_choose_the_class():
    class Scale(G.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    class Other(Scale):  # the same class name, another behaviour
        def call(self, x):
            return x * 0.0

    Other.__name__ = "Scale"
    inputs = G.Input(shape=(2,))
    model = G.Model(inputs, Scale(3.0, name="scale")(inputs))
    x = np.ones((1, 2), "float32")
    for cls, want in ((Scale, 3.0), (Other, 0.0)):
        clone = G.Model.from_config(model.get_config(), custom_objects={"Scale": cls})
        np.testing.assert_allclose(clone.predict(x), np.full((1, 2), want))
    with G.utils.custom_object_scope({"Scale": Other}):
        np.testing.assert_allclose(G.Model.from_config(model.get_config()).predict(x), 0.0)
    with pytest.raises(TypeError, match="custom_objects"):
        G.Model.from_config(model.get_config(), custom_objects=[Scale])
