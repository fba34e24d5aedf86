"""Programs from the keras.io guides on layers and models, run under Keras and under
``import glassnet as keras``: "The Sequential model", "The Functional API" (what
test_functional_guide.py does not cover), "Making new layers and models via subclassing",
"Understanding masking and padding", "Working with RNNs" and "Transfer learning &
fine-tuning". Sizes are small and data synthetic; each program is written once and run with
``K`` = either library. Observables compared: outputs from identical weights, weight counts and
shapes, History keys and values, masks, exceptions."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import as_numpy, keras


def same_weights(k_model, g_model) -> None:
    """Keras's weights into glassnet's model (same architecture, same weight order)."""
    g_model.set_weights([as_numpy(w) for w in k_model.get_weights()])


def assert_outputs_equal(got, want, rtol=1e-5, atol=1e-6) -> None:
    if isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want)
        for a, b in zip(got, want, strict=True):
            assert_outputs_equal(a, b, rtol, atol)
        return
    want = as_numpy(want)
    got = np.asarray(got)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- The Sequential model
def test_sequential_three_layers_equal_the_chain_of_calls(G):
    def program(K):  # noqa: N803
        model = K.Sequential([
            K.layers.Dense(2, activation="relu", name="layer1"),
            K.layers.Dense(3, activation="relu", name="layer2"),
            K.layers.Dense(4, name="layer3"),
        ])
        x = K.ops.ones((3, 3))
        y = model(x)
        chained = model.get_layer("layer3")(model.get_layer("layer2")(
            model.get_layer("layer1")(x)))
        return model, y, chained

    (k_model, k_y, _k_chain), (g_model, g_y, g_chain) = program(keras), program(G)
    assert [len(layer.weights) for layer in g_model.layers] == [2, 2, 2]
    same_weights(k_model, g_model)
    x = np.ones((3, 3), "float32")
    assert_outputs_equal(g_model(x), k_model(x))
    np.testing.assert_allclose(np.asarray(g_chain), np.asarray(g_y), rtol=1e-6)
    assert_outputs_equal(g_y.shape, k_y.shape)


def test_sequential_add_pop_and_layers(G):
    def program(K):  # noqa: N803
        model = K.Sequential(name="my_sequential")
        model.add(K.layers.Dense(2, activation="relu"))
        model.add(K.layers.Dense(3, activation="relu"))
        model.add(K.layers.Dense(4))
        n_before = len(model.layers)
        model.pop()
        return model, n_before, len(model.layers), model.name

    (_, *k_obs), (_, *g_obs) = program(keras), program(G)
    assert g_obs == k_obs == [3, 2, "my_sequential"]


def test_sequential_weights_after_first_call(G):
    def program(K):  # noqa: N803
        layer = K.layers.Dense(3)
        before = len(layer.weights)
        layer(K.ops.ones((1, 4)))
        model = K.Sequential([K.layers.Dense(2, activation="relu"),
                              K.layers.Dense(3, activation="relu"), K.layers.Dense(4)])
        try:
            model.weights  # noqa: B018 - the guide's "Error! the model has not been built"
            unbuilt = len(model.weights)
        except ValueError:
            unbuilt = "ValueError"
        model(K.ops.ones((1, 4)))
        return [before, len(layer.weights), tuple(layer.kernel.shape), unbuilt,
                len(model.weights)]

    assert program(G) == program(keras)


def test_sequential_with_input_and_input_shape(G):
    def program(K):  # noqa: N803
        model = K.Sequential()
        model.add(K.Input(shape=(4,)))
        model.add(K.layers.Dense(2, activation="relu"))
        other = K.Sequential([K.layers.Dense(2, activation="relu", input_shape=(4,))])
        return [len(model.layers), len(model.weights), model.count_params(),
                len(other.layers), len(other.weights), tuple(model.output_shape)]

    with pytest.warns(UserWarning):  # Keras 3 warns about input_shape on a layer
        want = program(keras)
    assert program(G) == want


def convnet(K, size=64):  # noqa: N803
    model = K.Sequential()
    model.add(K.Input(shape=(size, size, 3)))
    model.add(K.layers.Conv2D(32, 5, strides=2, activation="relu"))
    model.add(K.layers.Conv2D(32, 3, activation="relu"))
    model.add(K.layers.MaxPooling2D(3))
    first_shape = tuple(model.output_shape)
    model.add(K.layers.Conv2D(32, 3, activation="relu"))
    model.add(K.layers.Conv2D(32, 3, activation="relu"))
    model.add(K.layers.MaxPooling2D(2))
    model.add(K.layers.GlobalMaxPooling2D())
    model.add(K.layers.Dense(10))
    return model, first_shape


def test_sequential_convnet_shapes_counts_and_outputs(G):
    (k_model, k_shape), (g_model, g_shape) = convnet(keras), convnet(G)
    assert g_shape == k_shape
    assert g_model.count_params() == k_model.count_params()
    assert [tuple(layer.output.shape) for layer in g_model.layers] == \
        [tuple(layer.output.shape) for layer in k_model.layers]
    same_weights(k_model, g_model)
    x = np.random.default_rng(0).random((2, 64, 64, 3)).astype("float32")
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0),
                         rtol=1e-4, atol=1e-5)


def test_sequential_feature_extraction_every_layer(G):
    def program(K):  # noqa: N803
        initial_model = K.Sequential([
            K.Input(shape=(20, 20, 3)),
            K.layers.Conv2D(4, 5, strides=2, activation="relu"),
            K.layers.Conv2D(4, 3, activation="relu", name="my_intermediate_layer"),
            K.layers.Conv2D(4, 3, activation="relu"),
        ])
        every = K.Model(inputs=initial_model.inputs,
                        outputs=[layer.output for layer in initial_model.layers])
        one = K.Model(inputs=initial_model.inputs,
                      outputs=initial_model.get_layer(name="my_intermediate_layer").output)
        return initial_model, every, one

    (k_init, k_every, k_one), (g_init, g_every, g_one) = program(keras), program(G)
    same_weights(k_init, g_init)
    x = np.random.default_rng(1).random((2, 20, 20, 3)).astype("float32")
    assert_outputs_equal(g_every(x), k_every(x), rtol=1e-5, atol=1e-6)
    assert_outputs_equal(g_one(x), k_one(x), rtol=1e-5, atol=1e-6)


def test_sequential_transfer_learning_freezes_all_but_last(G):
    def program(K):  # noqa: N803
        model = K.Sequential([
            K.Input(shape=(12,)),
            K.layers.Dense(8, activation="relu"),
            K.layers.Dense(8, activation="relu"),
            K.layers.Dense(3),
        ])
        for layer in model.layers[:-1]:
            layer.trainable = False
        return model

    k_model, g_model = program(keras), program(G)
    same_weights(k_model, g_model)
    assert len(g_model.trainable_weights) == len(k_model.trainable_weights) == 2
    rng = np.random.default_rng(2)
    x, y = rng.random((16, 12)).astype("float32"), rng.integers(0, 3, 16)
    for K, model in ((keras, k_model), (G, g_model)):
        model.compile(optimizer=K.optimizers.SGD(0.1),
                      loss=K.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
    before = g_model.get_weights()
    k_hist = k_model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    g_hist = g_model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    assert sorted(g_hist) == sorted(k_hist)
    for key in k_hist:
        np.testing.assert_allclose(g_hist[key], k_hist[key], rtol=1e-5, err_msg=key)
    after = g_model.get_weights()
    for a, b in zip(before[:4], after[:4], strict=True):
        np.testing.assert_array_equal(a, b)
    assert_outputs_equal(after, k_model.get_weights(), rtol=1e-5, atol=1e-6)


def test_sequential_frozen_base_model_stacked(G):
    def program(K):  # noqa: N803 - a small stand-in for keras.applications.Xception
        base_model = K.Sequential([K.Input(shape=(8, 8, 3)),
                                   K.layers.Conv2D(4, 3, activation="relu"),
                                   K.layers.GlobalAveragePooling2D()], name="base")
        base_model.trainable = False
        model = K.Sequential([base_model, K.layers.Dense(5)])
        return model

    k_model, g_model = program(keras), program(G)
    same_weights(k_model, g_model)
    assert [len(g_model.weights), len(g_model.trainable_weights),
            len(g_model.non_trainable_weights)] == \
        [len(k_model.weights), len(k_model.trainable_weights),
         len(k_model.non_trainable_weights)]
    x = np.random.default_rng(3).random((2, 8, 8, 3)).astype("float32")
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0))


# ---------------------------------------------------------------- Transfer learning guide
def test_transfer_weights_and_trainable_weights_counts(G):
    def program(K):  # noqa: N803
        out = []
        layer = K.layers.Dense(3)
        layer.build((None, 4))
        out += [len(layer.weights), len(layer.trainable_weights),
                len(layer.non_trainable_weights)]
        layer = K.layers.BatchNormalization()
        layer.build((None, 4))
        out += [len(layer.weights), len(layer.trainable_weights),
                len(layer.non_trainable_weights)]
        layer = K.layers.Dense(3)
        layer.build((None, 4))
        layer.trainable = False
        out += [len(layer.weights), len(layer.trainable_weights),
                len(layer.non_trainable_weights)]
        return out

    assert program(G) == program(keras) == [2, 2, 0, 4, 2, 2, 2, 0, 2]


def test_transfer_frozen_layer_does_not_move_in_fit(G):
    def program(K):  # noqa: N803
        layer1 = K.layers.Dense(3, activation="relu")
        layer2 = K.layers.Dense(3, activation="sigmoid")
        model = K.Sequential([K.Input(shape=(3,)), layer1, layer2])
        layer1.trainable = False
        return model, layer1

    (k_model, _k_layer1), (g_model, g_layer1) = program(keras), program(G)
    same_weights(k_model, g_model)
    initial = g_layer1.get_weights()
    rng = np.random.default_rng(4)
    x, y = rng.random((4, 3)).astype("float32"), rng.random((4, 3)).astype("float32")
    for model in (k_model, g_model):
        model.compile(optimizer="adam", loss="mse")
    k_hist = k_model.fit(x, y, verbose=0).history
    g_hist = g_model.fit(x, y, verbose=0).history
    np.testing.assert_allclose(g_hist["loss"], k_hist["loss"], rtol=1e-5)
    for a, b in zip(g_layer1.get_weights(), initial, strict=True):
        np.testing.assert_array_equal(a, b)
    assert_outputs_equal(g_model.get_weights(), k_model.get_weights(), rtol=1e-5, atol=1e-6)


def test_transfer_trainable_is_recursive(G):
    def program(K):  # noqa: N803
        inner_model = K.Sequential([K.Input(shape=(3,)), K.layers.Dense(3, activation="relu"),
                                    K.layers.Dense(3, activation="relu")])
        model = K.Sequential([K.Input(shape=(3,)), inner_model,
                              K.layers.Dense(3, activation="sigmoid")])
        model.trainable = False
        out = [inner_model.trainable, inner_model.layers[0].trainable,
               len(model.trainable_weights), len(model.non_trainable_weights)]
        model.trainable = True
        inner_model.layers[0].trainable = False  # fine-tune all but the bottom layer
        out += [len(model.trainable_weights), len(model.non_trainable_weights)]
        return out

    assert program(G) == program(keras) == [False, False, 0, 6, 4, 2]


def base_and_head(K, augment=False):  # noqa: N803
    """The guide's "typical transfer-learning workflow", a small conv base standing in for
    Xception (with BatchNormalization, which must stay in inference mode)."""
    base_model = K.Sequential([
        K.Input(shape=(12, 12, 3)),
        K.layers.Conv2D(4, 3, name="base_conv"),
        K.layers.BatchNormalization(name="base_bn"),
        K.layers.Activation("relu", name="base_relu"),
    ], name="base_model")
    base_model.trainable = False
    inputs = K.Input(shape=(12, 12, 3))
    x = inputs
    if augment:
        x = K.layers.Rescaling(scale=1 / 127.5, offset=-1)(x)
    x = base_model(x, training=False)
    x = K.layers.GlobalAveragePooling2D()(x)
    if augment:  # (training draws differ between the libraries: only predicted here)
        x = K.layers.Dropout(0.2)(x)
    outputs = K.layers.Dense(1)(x)
    return base_model, K.Model(inputs, outputs)


def test_transfer_workflow_then_fine_tuning(G):
    rng = np.random.default_rng(5)
    x = rng.random((16, 12, 12, 3)).astype("float32")
    y = rng.integers(0, 2, (16, 1)).astype("float32")
    k_base, k_model = base_and_head(keras)
    g_base, g_model = base_and_head(G)
    # the moving statistics away from their start, so that inference mode shows
    k_base.get_layer("base_bn").set_weights([np.full(4, 1.5, "float32"),
                                            np.full(4, 0.1, "float32"),
                                            np.full(4, 0.2, "float32"),
                                            np.full(4, 2.0, "float32")])
    same_weights(k_model, g_model)
    assert [len(g_model.trainable_weights), len(g_model.non_trainable_weights)] == \
        [len(k_model.trainable_weights), len(k_model.non_trainable_weights)] == [2, 6]
    hist = {}
    for K, model in ((keras, k_model), (G, g_model)):
        model.compile(optimizer=K.optimizers.Adam(), metrics=[K.metrics.BinaryAccuracy()],
                      loss=K.losses.BinaryCrossentropy(from_logits=True))
        hist[K] = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    assert sorted(hist[G]) == sorted(hist[keras])
    np.testing.assert_allclose(hist[G]["loss"], hist[keras]["loss"], rtol=1e-4)
    # fine-tuning: unfreeze the base, recompile with a low rate. Keras 3 passes fit's
    # training=True on to every call, the base's too: its BatchNormalization, trainable
    # again, updates its moving statistics (the guide's text says otherwise; Keras 3 is the
    # referee)
    for K, base, model in ((keras, k_base, k_model), (G, g_base, g_model)):
        base.trainable = True
        model.compile(optimizer=K.optimizers.Adam(1e-5),
                      loss=K.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[K.metrics.BinaryAccuracy()])
    assert len(g_model.trainable_weights) == len(k_model.trainable_weights) == 6
    hist = {K: model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0).history
            for K, model in ((keras, k_model), (G, g_model))}
    np.testing.assert_allclose(hist[G]["loss"], hist[keras]["loss"], rtol=1e-4)
    assert not np.allclose(g_base.get_layer("base_bn").get_weights()[2], 0.2)
    assert_outputs_equal(g_model.get_weights(), k_model.get_weights(), rtol=1e-4, atol=1e-5)
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0),
                         rtol=1e-4, atol=1e-5)


def test_transfer_with_augmentation_and_rescaling(G):
    k_base, k_model = base_and_head(keras, augment=True)
    g_base, g_model = base_and_head(G, augment=True)
    same_weights(k_model, g_model)
    x = np.random.default_rng(6).integers(0, 256, (4, 12, 12, 3)).astype("float32")
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0),
                         rtol=1e-4, atol=1e-5)


def test_a_call_given_training_runs_in_that_mode_when_the_model_is_called_without(G):
    """``BatchNormalization()(x, training=True)``: ``model(x)`` normalises with the batch's
    statistics, ``predict`` (training=False) with the moving ones, as in Keras 3."""
    def program(K):  # noqa: N803
        inputs = K.Input(shape=(3,))
        x = K.layers.BatchNormalization(name="bn")(inputs, training=True)
        return K.Model(inputs, K.layers.Dense(2, name="out")(x))

    k_model, g_model = program(keras), program(G)
    same_weights(k_model, g_model)
    x = np.random.default_rng(7).normal(3.0, 2.0, (8, 3)).astype("float32")
    assert_outputs_equal(g_model(x), k_model(x), rtol=1e-4, atol=1e-5)
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0),
                         rtol=1e-5, atol=1e-6)
    assert not np.allclose(np.asarray(g_model(x)), g_model.predict(x, verbose=0))


# ---------------------------------------------------------------- The Functional API guide
def test_functional_inputs_shape_dtype_and_mnist_model(G):
    def program(K):  # noqa: N803
        inputs = K.Input(shape=(784,))
        img_inputs = K.Input(shape=(32, 32, 3))
        dense = K.layers.Dense(64, activation="relu")
        x = dense(inputs)
        x = K.layers.Dense(64, activation="relu")(x)
        outputs = K.layers.Dense(10)(x)
        model = K.Model(inputs=inputs, outputs=outputs, name="mnist_model")
        return model, [tuple(inputs.shape), str(inputs.dtype), tuple(img_inputs.shape),
                       model.name, model.count_params(), len(model.layers)]

    (k_model, k_obs), (g_model, g_obs) = program(keras), program(G)
    assert g_obs == k_obs
    same_weights(k_model, g_model)
    rng = np.random.default_rng(8)
    x, y = rng.random((32, 784)).astype("float32"), rng.integers(0, 10, 32)
    for K, model in ((keras, k_model), (G, g_model)):
        model.compile(loss=K.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer=K.optimizers.RMSprop(), metrics=["accuracy"])
    k_hist = k_model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, shuffle=False,
                         verbose=0).history
    g_hist = g_model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, shuffle=False,
                         verbose=0).history
    assert sorted(g_hist) == sorted(k_hist)
    for key in k_hist:
        np.testing.assert_allclose(g_hist[key], k_hist[key], rtol=1e-3, atol=1e-5, err_msg=key)
    k_scores = k_model.evaluate(x, y, verbose=0)
    g_scores = g_model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(g_scores, k_scores, rtol=1e-3)


def encoder_program(K):  # noqa: N803
    """The guide's convolutional encoder/decoder (its "All models are callable" section)."""
    L = K.layers  # noqa: N806
    encoder_input = K.Input(shape=(28, 28, 1), name="original_img")
    x = L.Conv2D(4, 3, activation="relu")(encoder_input)
    x = L.Conv2D(8, 3, activation="relu")(x)
    x = L.MaxPooling2D(3)(x)
    x = L.Conv2D(8, 3, activation="relu")(x)
    x = L.Conv2D(16, 3, activation="relu")(x)
    encoder_output = L.GlobalMaxPooling2D()(x)
    encoder = K.Model(encoder_input, encoder_output, name="encoder")

    decoder_input = K.Input(shape=(16,), name="encoded_img")
    x = L.Reshape((4, 4, 1))(decoder_input)
    x = L.Conv2DTranspose(16, 3, activation="relu")(x)
    x = L.Conv2DTranspose(8, 3, activation="relu")(x)
    x = L.UpSampling2D(3)(x)
    x = L.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = L.Conv2DTranspose(1, 3, activation="relu")(x)
    decoder = K.Model(decoder_input, decoder_output, name="decoder")

    autoencoder_input = K.Input(shape=(28, 28, 1), name="img")
    encoded_img = encoder(autoencoder_input)
    decoded_img = decoder(encoded_img)
    autoencoder = K.Model(autoencoder_input, decoded_img, name="autoencoder")
    return encoder, decoder, autoencoder


def test_functional_autoencoder_of_two_models(G):
    k_models, g_models = encoder_program(keras), encoder_program(G)
    for k_model, g_model in zip(k_models, g_models, strict=True):
        assert g_model.count_params() == k_model.count_params()
        assert tuple(g_model.output_shape) == tuple(k_model.output_shape)
    for k_model, g_model in zip(k_models[:2], g_models[:2], strict=True):
        same_weights(k_model, g_model)
    assert len(g_models[2].layers) == len(k_models[2].layers) == 3
    x = np.random.default_rng(9).random((2, 28, 28, 1)).astype("float32")
    assert_outputs_equal(g_models[2].predict(x, verbose=0), k_models[2].predict(x, verbose=0),
                         rtol=1e-4, atol=1e-5)
    for K, model in ((keras, k_models[2]), (G, g_models[2])):
        model.compile(optimizer=K.optimizers.SGD(0.01), loss="mse")
    k_hist = k_models[2].fit(x, x, epochs=2, batch_size=2, verbose=0).history
    g_hist = g_models[2].fit(x, x, epochs=2, batch_size=2, verbose=0).history
    np.testing.assert_allclose(g_hist["loss"], k_hist["loss"], rtol=1e-4)


def test_functional_autoencoder_in_one_graph(G):
    def program(K):  # noqa: N803
        L = K.layers  # noqa: N806
        encoder_input = K.Input(shape=(28, 28, 1), name="img")
        x = L.Conv2D(4, 3, activation="relu")(encoder_input)
        x = L.Conv2D(8, 3, activation="relu")(x)
        x = L.MaxPooling2D(3)(x)
        x = L.Conv2D(8, 3, activation="relu")(x)
        x = L.Conv2D(16, 3, activation="relu")(x)
        encoder_output = L.GlobalMaxPooling2D()(x)
        encoder = K.Model(encoder_input, encoder_output, name="encoder")
        x = L.Reshape((4, 4, 1))(encoder_output)
        x = L.Conv2DTranspose(16, 3, activation="relu")(x)
        x = L.Conv2DTranspose(8, 3, activation="relu")(x)
        x = L.UpSampling2D(3)(x)
        x = L.Conv2DTranspose(16, 3, activation="relu")(x)
        decoder_output = L.Conv2DTranspose(1, 3, activation="relu")(x)
        autoencoder = K.Model(encoder_input, decoder_output, name="autoencoder")
        return encoder, autoencoder

    (k_enc, k_auto), (g_enc, g_auto) = program(keras), program(G)
    assert [len(g_enc.layers), len(g_auto.layers)] == [len(k_enc.layers), len(k_auto.layers)]
    same_weights(k_auto, g_auto)
    x = np.random.default_rng(10).random((2, 28, 28, 1)).astype("float32")
    assert_outputs_equal(g_auto.predict(x, verbose=0), k_auto.predict(x, verbose=0),
                         rtol=1e-4, atol=1e-5)
    assert_outputs_equal(g_enc.predict(x, verbose=0), k_enc.predict(x, verbose=0),
                         rtol=1e-4, atol=1e-5)


def test_functional_ensemble_average(G):
    def program(K):  # noqa: N803
        def get_model():
            inputs = K.Input(shape=(12,))
            outputs = K.layers.Dense(1)(inputs)
            return K.Model(inputs, outputs)

        model1, model2, model3 = get_model(), get_model(), get_model()
        inputs = K.Input(shape=(12,))
        y1, y2, y3 = model1(inputs), model2(inputs), model3(inputs)
        outputs = K.layers.average([y1, y2, y3])
        return K.Model(inputs=inputs, outputs=outputs), (model1, model2, model3)

    (k_model, k_parts), (g_model, g_parts) = program(keras), program(G)
    for k_part, g_part in zip(k_parts, g_parts, strict=True):
        same_weights(k_part, g_part)
    assert g_model.count_params() == k_model.count_params() == 39
    x = np.random.default_rng(11).random((5, 12)).astype("float32")
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0))
    want = np.mean([p.predict(x, verbose=0) for p in g_parts], axis=0)
    np.testing.assert_allclose(g_model.predict(x, verbose=0), want, rtol=1e-6)


def test_functional_extract_every_node_of_a_graph(G):
    def program(K):  # noqa: N803 - a small stand-in for keras.applications.VGG19
        L = K.layers  # noqa: N806
        inputs = K.Input(shape=(16, 16, 3), name="input")
        x = L.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv1")(inputs)
        x = L.MaxPooling2D(2, name="block1_pool")(x)
        x = L.Conv2D(8, 3, padding="same", activation="relu", name="block2_conv1")(x)
        x = L.Flatten(name="flatten")(x)
        outputs = L.Dense(5, activation="softmax", name="predictions")(x)
        vgg = K.Model(inputs, outputs)
        features_list = [layer.output for layer in vgg.layers]
        feat_extraction_model = K.Model(inputs=vgg.input, outputs=features_list)
        return vgg, feat_extraction_model

    (k_vgg, k_feat), (g_vgg, g_feat) = program(keras), program(G)
    assert [layer.name for layer in g_vgg.layers] == [layer.name for layer in k_vgg.layers]
    same_weights(k_vgg, g_vgg)
    img = np.random.default_rng(12).random((2, 16, 16, 3)).astype("float32")
    k_out, g_out = k_feat(img), g_feat(img)
    assert len(g_out) == len(k_out) == 6
    assert_outputs_equal(g_out, k_out, rtol=1e-5, atol=1e-6)


def custom_dense_class(K):  # noqa: N803
    """The guide's ``CustomDense`` (add_weight in build, ops in call, get_config)."""
    class CustomDense(K.layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal",
                                     trainable=True)

        def call(self, inputs):
            return K.ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return {"units": self.units}

    return CustomDense


def test_functional_custom_layer_config_round_trip(G):
    def program(K):  # noqa: N803
        CustomDense = custom_dense_class(K)  # noqa: N806
        inputs = K.Input((4,))
        outputs = CustomDense(10)(inputs)
        model = K.Model(inputs, outputs)
        config = model.get_config()
        new_model = K.Model.from_config(config, custom_objects={"CustomDense": CustomDense})
        return model, new_model

    (k_model, _k_new), (g_model, g_new) = program(keras), program(G)
    same_weights(k_model, g_model)
    assert [w.shape for w in g_new.get_weights()] == [(4, 10), (10,)]
    g_new.set_weights(g_model.get_weights())
    x = np.random.default_rng(13).random((3, 4)).astype("float32")
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0))
    np.testing.assert_allclose(g_new.predict(x, verbose=0), g_model.predict(x, verbose=0))


def test_functional_model_config_round_trip(G):
    def program(K):  # noqa: N803
        inputs = K.Input(shape=(6,), name="x")
        h = K.layers.Dense(5, activation="relu", name="h")(inputs)
        skip = K.layers.concatenate([h, inputs], name="skip")
        outputs = K.layers.Dense(2, name="out")(skip)
        model = K.Model(inputs, outputs, name="small")
        config = model.get_config()
        return model, K.Model.from_config(config)

    (k_model, k_new), (g_model, g_new) = program(keras), program(G)
    assert g_new.name == k_new.name == "small"
    assert [layer.name for layer in g_new.layers] == [layer.name for layer in k_new.layers]
    same_weights(k_model, g_model)
    g_new.set_weights(g_model.get_weights())
    x = np.random.default_rng(14).random((3, 6)).astype("float32")
    assert_outputs_equal(g_new.predict(x, verbose=0), k_model.predict(x, verbose=0))


def test_functional_guide_custom_rnn_layer_in_a_graph(G):
    """A layer whose ``call`` loops over time with Dense sublayers, after a Conv1D, then a
    functional classifier inside it (the guide's "mix-and-match" section)."""
    def program(K):  # noqa: N803
        units, timesteps, input_dim = 6, 5, 3
        inputs = K.Input((None, units))
        x = K.layers.GlobalAveragePooling1D()(inputs)
        outputs = K.layers.Dense(1)(x)
        classifier = K.Model(inputs, outputs)

        class CustomRNN(K.layers.Layer):
            def __init__(self):
                super().__init__()
                self.units = units
                self.projection_1 = K.layers.Dense(units=units, activation="tanh")
                self.projection_2 = K.layers.Dense(units=units, activation="tanh")
                self.classifier = classifier

            def call(self, inputs):
                outputs = []
                state = K.ops.zeros(shape=(inputs.shape[0], self.units))
                for t in range(inputs.shape[1]):
                    x = inputs[:, t, :]
                    h = self.projection_1(x)
                    y = h + self.projection_2(state)
                    state = y
                    outputs.append(y)
                features = K.ops.stack(outputs, axis=1)
                return self.classifier(features)

        rnn_model = CustomRNN()
        data = np.random.default_rng(15).random((2, timesteps, input_dim)).astype("float32")
        out = rnn_model(data)
        return rnn_model, data, out

    (k_rnn, data, k_out), (g_rnn, _, g_out) = program(keras), program(G)
    assert tuple(g_out.shape) == tuple(k_out.shape) == (2, 1)
    assert len(g_rnn.weights) == len(k_rnn.weights) == 6
    g_rnn.set_weights([as_numpy(w) for w in k_rnn.get_weights()])
    assert_outputs_equal(g_rnn(data), k_rnn(data))


# ---------------------------------------------------------------- Masking and padding guide
RAW_INPUTS = [[711, 632, 71], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 1253, 927]]


@pytest.mark.parametrize("kwargs", [{"padding": "post"}, {}, {"maxlen": 4},
                                    {"maxlen": 4, "truncating": "post", "value": -1},
                                    {"dtype": "float32", "padding": "post", "value": 0.5}])
def test_masking_pad_sequences_as_keras(G, kwargs):
    got = G.utils.pad_sequences(RAW_INPUTS, **kwargs)
    want = keras.utils.pad_sequences(RAW_INPUTS, **kwargs)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_masking_pad_sequences_errors_as_keras(G):
    for kwargs in ({"padding": "middle"}, {"truncating": "middle"}, {"value": "x"}):
        with pytest.raises(ValueError) as want:
            keras.utils.pad_sequences(RAW_INPUTS, **kwargs)
        with pytest.raises(ValueError) as got:
            G.utils.pad_sequences(RAW_INPUTS, **kwargs)
        assert str(got.value) == str(want.value)


def test_masking_embedding_and_masking_layer_masks(G):
    def program(K):  # noqa: N803
        padded_inputs = K.utils.pad_sequences(RAW_INPUTS, padding="post")
        embedding = K.layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
        masked_output = embedding(padded_inputs)
        masking_layer = K.layers.Masking()
        unmasked_embedding = K.ops.cast(
            K.ops.tile(K.ops.expand_dims(padded_inputs, axis=-1), [1, 1, 10]), "float32")
        masked_embedding = masking_layer(unmasked_embedding)
        return [as_numpy(masked_output._keras_mask), as_numpy(masked_embedding._keras_mask),
                as_numpy(embedding.compute_mask(padded_inputs))]

    for got, want in zip(program(G), program(keras), strict=True):
        np.testing.assert_array_equal(got, want)


def masked_lstm_program(K, kind):  # noqa: N803
    if kind == "sequential":
        return K.Sequential([K.Input(shape=(None,), dtype="int32"),
                             K.layers.Embedding(input_dim=50, output_dim=4, mask_zero=True),
                             K.layers.LSTM(3)])
    inputs = K.Input(shape=(None,), dtype="int32")
    x = K.layers.Embedding(input_dim=50, output_dim=4, mask_zero=True)(inputs)
    outputs = K.layers.LSTM(3)(x)
    return K.Model(inputs, outputs)


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_masking_mask_reaches_the_lstm(G, kind):
    k_model, g_model = masked_lstm_program(keras, kind), masked_lstm_program(G, kind)
    same_weights(k_model, g_model)
    ids = keras.utils.pad_sequences([[5, 7, 9], [3, 4, 8, 2, 6], [1]], padding="post")
    assert_outputs_equal(g_model.predict(ids, verbose=0), k_model.predict(ids, verbose=0))
    # the padded steps change nothing: same as the unpadded sequence alone
    np.testing.assert_allclose(g_model.predict(ids[2:3], verbose=0),
                               g_model.predict(np.array([[1]]), verbose=0), rtol=1e-6)


def test_masking_supports_masking_custom_layer_passes_the_mask(G):
    def program(K):  # noqa: N803
        class MyActivation(K.layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.supports_masking = True  # the mask goes on to the LSTM

            def call(self, inputs):
                return K.ops.relu(inputs)

        inputs = K.Input(shape=(None,), dtype="int32")
        x = K.layers.Embedding(input_dim=50, output_dim=4, mask_zero=True)(inputs)
        x = MyActivation()(x)
        outputs = K.layers.LSTM(3)(x)
        return K.Model(inputs, outputs)

    k_model, g_model = program(keras), program(G)
    same_weights(k_model, g_model)
    ids = keras.utils.pad_sequences([[5, 7, 9], [3, 4, 8, 2, 6], [1]], padding="post")
    assert_outputs_equal(g_model(ids), k_model(ids))


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # 0/0 padding
def test_masking_custom_layer_reads_the_mask(G):
    def program(K):  # noqa: N803
        class TemporalSoftmax(K.layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.supports_masking = True

            def call(self, inputs, mask=None):
                assert mask is not None
                broadcast_float_mask = K.ops.expand_dims(K.ops.cast(mask, "float32"), -1)
                inputs_exp = K.ops.exp(inputs) * broadcast_float_mask
                inputs_sum = K.ops.sum(inputs_exp * broadcast_float_mask, axis=-1,
                                       keepdims=True)
                return inputs_exp / inputs_sum

        inputs = K.Input(shape=(None,), dtype="int32")
        x = K.layers.Embedding(input_dim=10, output_dim=4, mask_zero=True)(inputs)
        x = K.layers.Dense(1)(x)
        outputs = TemporalSoftmax()(x)
        return K.Model(inputs, outputs)

    k_model, g_model = program(keras), program(G)
    same_weights(k_model, g_model)
    ids = keras.utils.pad_sequences([[5, 7, 9], [3, 4, 8, 2, 6]], padding="post")
    assert_outputs_equal(g_model(ids), k_model(ids))


def test_masking_custom_mask_generating_embedding(G):
    def program(K):  # noqa: N803
        class CustomEmbedding(K.layers.Layer):
            def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
                super().__init__(**kwargs)
                self.input_dim = input_dim
                self.output_dim = output_dim
                self.mask_zero = mask_zero

            def build(self, input_shape):
                self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                                  initializer="random_normal",
                                                  dtype="float32")

            def call(self, inputs):
                inputs = K.ops.cast(inputs, "int32")
                return K.ops.take(self.embeddings, inputs, axis=0)

            def compute_mask(self, inputs, mask=None):
                if not self.mask_zero:
                    return None
                return K.ops.not_equal(inputs, 0)

        layer = CustomEmbedding(10, 4, mask_zero=True)
        x = np.array([[1, 2, 0, 0], [3, 0, 0, 0]], dtype="int32")
        y = layer(x)
        mask = layer.compute_mask(x)
        inputs = K.Input(shape=(None,), dtype="int32")
        h = CustomEmbedding(10, 4, mask_zero=True, name="emb")(inputs)
        model = K.Model(inputs, K.layers.GRU(3, name="gru")(h))
        return layer, y, mask, model

    (_k_layer, k_y, k_mask, k_model), (_g_layer, g_y, g_mask, g_model) = program(keras), \
        program(G)
    assert tuple(g_y.shape) == tuple(k_y.shape) == (2, 4, 4)
    np.testing.assert_array_equal(as_numpy(g_mask), as_numpy(k_mask))
    same_weights(k_model, g_model)
    ids = np.array([[1, 2, 0, 0], [3, 0, 0, 0], [4, 5, 6, 7]], dtype="int32")
    assert_outputs_equal(g_model(ids), k_model(ids))


def test_masking_mask_passed_by_hand_in_a_custom_layer(G):
    def program(K):  # noqa: N803
        class MyLayer(K.layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.embedding = K.layers.Embedding(input_dim=50, output_dim=4,
                                                    mask_zero=True)
                self.lstm = K.layers.LSTM(3)

            def call(self, inputs):
                x = self.embedding(inputs)
                mask = self.embedding.compute_mask(inputs)
                output = self.lstm(x, mask=mask)
                return output

        layer = MyLayer()
        x = np.array([[4, 9, 2, 0, 0], [3, 1, 0, 0, 0]], dtype="int32")
        return layer, x, layer(x)

    (k_layer, x, _k_out), (g_layer, _, _g_out) = program(keras), program(G)
    assert len(g_layer.weights) == len(k_layer.weights) == 4
    g_layer.set_weights([as_numpy(w) for w in k_layer.get_weights()])
    assert_outputs_equal(g_layer(x), k_layer(x))


# ---------------------------------------------------------------- Working with RNNs guide
def test_rnn_sequential_embedding_lstm_dense(G):
    def program(K):  # noqa: N803
        model = K.Sequential()
        model.add(K.Input(shape=(None,)))
        model.add(K.layers.Embedding(input_dim=100, output_dim=8))
        model.add(K.layers.LSTM(6))
        model.add(K.layers.Dense(4))
        return model

    k_model, g_model = program(keras), program(G)
    assert g_model.count_params() == k_model.count_params()
    same_weights(k_model, g_model)
    ids = np.random.default_rng(16).integers(0, 100, (3, 7))
    assert_outputs_equal(g_model.predict(ids, verbose=0), k_model.predict(ids, verbose=0))


def test_rnn_gru_sequences_into_simple_rnn(G):
    def program(K):  # noqa: N803
        model = K.Sequential()
        model.add(K.Input(shape=(None,)))
        model.add(K.layers.Embedding(input_dim=100, output_dim=8))
        model.add(K.layers.GRU(6, return_sequences=True))
        model.add(K.layers.SimpleRNN(5))
        model.add(K.layers.Dense(4))
        return model

    k_model, g_model = program(keras), program(G)
    assert [tuple(layer.output.shape) for layer in g_model.layers] == \
        [tuple(layer.output.shape) for layer in k_model.layers]
    same_weights(k_model, g_model)
    ids = np.random.default_rng(17).integers(0, 100, (3, 7))
    assert_outputs_equal(g_model.predict(ids, verbose=0), k_model.predict(ids, verbose=0))


def test_rnn_bidirectional_stack(G):
    def program(K):  # noqa: N803
        model = K.Sequential()
        model.add(K.Input(shape=(5, 10)))
        model.add(K.layers.Bidirectional(K.layers.LSTM(6, return_sequences=True)))
        model.add(K.layers.Bidirectional(K.layers.LSTM(4)))
        model.add(K.layers.Dense(3))
        return model

    k_model, g_model = program(keras), program(G)
    assert g_model.count_params() == k_model.count_params()
    same_weights(k_model, g_model)
    x = np.random.default_rng(20).random((2, 5, 10)).astype("float32")
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0))


def test_rnn_go_backwards_backward_layer(G):
    def program(K):  # noqa: N803
        model = K.Sequential()
        forward_layer = K.layers.LSTM(4, return_sequences=True)
        backward_layer = K.layers.LSTM(4, activation="relu", return_sequences=True,
                                       go_backwards=True)
        model.add(K.Input(shape=(5, 10)))
        model.add(K.layers.Bidirectional(forward_layer, backward_layer=backward_layer))
        model.add(K.layers.Dense(3))
        return model

    k_model, g_model = program(keras), program(G)
    same_weights(k_model, g_model)
    x = np.random.default_rng(21).random((2, 5, 10)).astype("float32")
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0))


def test_rnn_mnist_style_model_trains_as_keras(G):
    def program(K):  # noqa: N803 - the guide's build_model (LSTM, BatchNormalization, Dense)
        model = K.Sequential([
            K.layers.LSTM(8, input_shape=(None, 6)),
            K.layers.BatchNormalization(),
            K.layers.Dense(4),
        ])
        model.compile(loss=K.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer="sgd", metrics=["accuracy"])
        return model

    with pytest.warns(UserWarning):
        k_model = program(keras)
    g_model = program(G)
    same_weights(k_model, g_model)
    rng = np.random.default_rng(22)
    x, y = rng.random((16, 5, 6)).astype("float32"), rng.integers(0, 4, 16)
    k_hist = k_model.fit(x, y, validation_data=(x, y), batch_size=8, epochs=1, shuffle=False,
                         verbose=0).history
    g_hist = g_model.fit(x, y, validation_data=(x, y), batch_size=8, epochs=1, shuffle=False,
                         verbose=0).history
    assert sorted(g_hist) == sorted(k_hist)
    for key in k_hist:
        np.testing.assert_allclose(g_hist[key], k_hist[key], rtol=1e-4, err_msg=key)


# ---------------------------------------------------------------- Making new layers (subclassing)
def linear_in_init(K):  # noqa: N803
    class Linear(K.layers.Layer):
        def __init__(self, units=32, input_dim=32):
            super().__init__()
            self.w = self.add_weight(shape=(input_dim, units), initializer="random_normal",
                                     trainable=True)
            self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return K.ops.matmul(inputs, self.w) + self.b

    return Linear


def test_subclassing_linear_weights_made_in_init(G):
    def program(K):  # noqa: N803
        x = K.ops.ones((2, 2))
        linear_layer = linear_in_init(K)(4, 2)
        y = linear_layer(x)
        return linear_layer, y, [len(linear_layer.weights),
                                 linear_layer.weights[0] is linear_layer.w
                                 or linear_layer.weights[0].path == linear_layer.w.path]

    (k_layer, _k_y, k_obs), (g_layer, g_y, g_obs) = program(keras), program(G)
    assert g_obs == k_obs == [2, True]
    assert tuple(g_y.shape) == (2, 4)
    g_layer.set_weights([as_numpy(w) for w in k_layer.get_weights()])
    x = np.ones((2, 2), "float32")
    assert_outputs_equal(g_layer(x), k_layer(x))


def test_subclassing_non_trainable_weight_accumulates(G):
    def program(K):  # noqa: N803
        class ComputeSum(K.layers.Layer):
            def __init__(self, input_dim):
                super().__init__()
                self.total = self.add_weight(initializer="zeros", shape=(input_dim,),
                                             trainable=False)

            def call(self, inputs):
                self.total.assign_add(K.ops.sum(inputs, axis=0))
                return self.total

        x = K.ops.ones((2, 2))
        my_sum = ComputeSum(2)
        first = as_numpy(my_sum(x)).copy()
        second = as_numpy(my_sum(x)).copy()
        return [first.tolist(), second.tolist(), len(my_sum.weights),
                len(my_sum.non_trainable_weights), len(my_sum.trainable_weights)]

    assert program(G) == program(keras) == [[2.0, 2.0], [4.0, 4.0], 2 - 1, 1, 0]


def linear_deferred(K):  # noqa: N803
    class Linear(K.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal",
                                     trainable=True)

        def call(self, inputs):
            return K.ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    return Linear


def test_subclassing_build_deferred_and_nested_block(G):
    def program(K):  # noqa: N803
        Linear = linear_deferred(K)  # noqa: N806
        linear_layer = Linear(32)
        before = len(linear_layer.weights)
        y = linear_layer(K.ops.ones((2, 2)))

        class MLPBlock(K.layers.Layer):
            def __init__(self):
                super().__init__()
                self.linear_1 = Linear(32)
                self.linear_2 = Linear(32)
                self.linear_3 = Linear(1)

            def call(self, inputs):
                x = self.linear_1(inputs)
                x = K.activations.relu(x)
                x = self.linear_2(x)
                x = K.activations.relu(x)
                return self.linear_3(x)

        mlp = MLPBlock()
        out = mlp(K.ops.ones(shape=(3, 64)))
        return mlp, [before, tuple(y.shape), len(mlp.weights), len(mlp.trainable_weights),
                     tuple(out.shape)]

    (k_mlp, k_obs), (g_mlp, g_obs) = program(keras), program(G)
    assert g_obs == k_obs == [0, (2, 32), 6, 6, (3, 1)]
    g_mlp.set_weights([as_numpy(w) for w in k_mlp.get_weights()])
    x = np.random.default_rng(23).random((3, 64)).astype("float32")
    assert_outputs_equal(g_mlp(x), k_mlp(x), rtol=1e-5, atol=1e-6)


def test_subclassing_layer_config_round_trip(G):
    def program(K):  # noqa: N803
        Linear = linear_deferred(K)  # noqa: N806
        layer = Linear(64)
        config = layer.get_config()
        new_layer = Linear.from_config(config)
        return [config["units"], config["name"] == layer.name, new_layer.units,
                new_layer.name == layer.name]

    assert program(G) == program(keras)


def activity_reg_classes(K):  # noqa: N803
    class ActivityRegularizationLayer(K.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * K.ops.mean(inputs))
            return inputs

    class OuterLayer(K.layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    return ActivityRegularizationLayer, OuterLayer


def test_subclassing_add_loss_is_reset_each_call(G):
    def program(K):  # noqa: N803
        _, OuterLayer = activity_reg_classes(K)  # noqa: N806
        layer = OuterLayer()
        out = [len(layer.losses)]
        _ = layer(K.ops.zeros((1, 1)))
        out.append(len(layer.losses))
        _ = layer(K.ops.ones((1, 1)))
        out.append(len(layer.losses))
        out.append(float(as_numpy(layer.losses[0])))

        class OuterLayerWithKernelRegularizer(K.layers.Layer):
            def __init__(self):
                super().__init__()
                self.dense = K.layers.Dense(32, kernel_regularizer=K.regularizers.l2(1e-3))

            def call(self, inputs):
                return self.dense(inputs)

        layer = OuterLayerWithKernelRegularizer()
        _ = layer(K.ops.zeros((1, 1)))
        out.append(len(layer.losses))
        return out

    got, want = program(G), program(keras)
    assert got[:3] == want[:3] == [0, 1, 1]
    assert got[3] == pytest.approx(want[3]) == pytest.approx(0.01)
    assert got[4] == want[4] == 1


def test_subclassing_add_loss_trains_with_and_without_a_loss(G):
    def program(K):  # noqa: N803
        ActivityRegularizationLayer, _ = activity_reg_classes(K)  # noqa: N806
        inputs = K.Input(shape=(3,))
        h = K.layers.Dense(3, name="dense")(inputs)
        outputs = ActivityRegularizationLayer()(h)
        return K.Model(inputs, outputs)

    k_model, g_model = program(keras), program(G)
    same_weights(k_model, g_model)
    rng = np.random.default_rng(24)
    x, y = rng.random((4, 3)).astype("float32"), rng.random((4, 3)).astype("float32")
    for K, model in ((keras, k_model), (G, g_model)):
        model.compile(optimizer=K.optimizers.SGD(0.1), loss="mse")
    k_hist = k_model.fit(x, y, batch_size=2, shuffle=False, verbose=0).history
    g_hist = g_model.fit(x, y, batch_size=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(g_hist["loss"], k_hist["loss"], rtol=1e-5)
    for K, model in ((keras, k_model), (G, g_model)):
        model.compile(optimizer=K.optimizers.SGD(0.1))  # compiled again: Keras keeps "mse"
    k_hist = k_model.fit(x, y, batch_size=2, shuffle=False, verbose=0).history
    g_hist = g_model.fit(x, y, batch_size=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(g_hist["loss"], k_hist["loss"], rtol=1e-5)
    assert_outputs_equal(g_model.get_weights(), k_model.get_weights(), rtol=1e-5, atol=1e-6)
    k_model, g_model = program(keras), program(G)  # never given a loss: add_loss alone
    same_weights(k_model, g_model)
    for K, model in ((keras, k_model), (G, g_model)):
        model.compile(optimizer=K.optimizers.SGD(0.1))
    k_hist = k_model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    g_hist = g_model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(g_hist["loss"], k_hist["loss"], rtol=1e-4)
    assert_outputs_equal(g_model.get_weights(), k_model.get_weights(), rtol=1e-5, atol=1e-6)


def test_subclassing_training_argument(G):
    def program(K):  # noqa: N803
        class CustomDropout(K.layers.Layer):
            def __init__(self, rate, **kwargs):
                super().__init__(**kwargs)
                self.rate = rate

            def call(self, inputs, training=None):
                if training:
                    return inputs * 0.0  # a deterministic stand-in for dropout
                return inputs

        layer = CustomDropout(0.5)
        x = np.ones((2, 3), "float32")
        inputs = K.Input(shape=(3,))
        model = K.Model(inputs, CustomDropout(0.5)(K.layers.Dense(3, name="d")(inputs)))
        return [as_numpy(layer(x, training=True)).tolist(), as_numpy(layer(x)).tolist()], model

    (g_obs, g_model), (k_obs, k_model) = program(G), program(keras)
    assert g_obs == k_obs
    same_weights(k_model, g_model)
    x = np.random.default_rng(25).random((4, 3)).astype("float32")
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0))
    assert_outputs_equal(g_model(x, training=True), k_model(x, training=True))


def test_subclassing_model_with_call_fits(G):
    def program(K):  # noqa: N803
        Linear = linear_deferred(K)  # noqa: N806

        class MLP(K.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.hidden = Linear(8)
                self.out = Linear(2)

            def call(self, inputs):
                return self.out(K.ops.relu(self.hidden(inputs)))

        model = MLP()
        model(np.zeros((1, 5), "float32"))
        return model

    k_model, g_model = program(keras), program(G)
    assert len(g_model.weights) == len(k_model.weights) == 4
    g_model.set_weights([as_numpy(w) for w in k_model.get_weights()])
    rng = np.random.default_rng(26)
    x, y = rng.random((8, 5)).astype("float32"), rng.random((8, 2)).astype("float32")
    for K, model in ((keras, k_model), (G, g_model)):
        model.compile(optimizer=K.optimizers.SGD(0.1), loss="mse")
    k_hist = k_model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    g_hist = g_model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(g_hist["loss"], k_hist["loss"], rtol=1e-5)
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0),
                         rtol=1e-5, atol=1e-6)
def test_rnn_encoder_states_as_decoder_initial_state(G):
    def program(K):  # noqa: N803
        encoder_input = K.layers.Input(shape=(None,))
        encoder_embedded = K.layers.Embedding(input_dim=30, output_dim=8,
                                              name="enc_emb")(encoder_input)
        output, state_h, state_c = K.layers.LSTM(6, return_state=True,
                                                 name="encoder")(encoder_embedded)
        encoder_state = [state_h, state_c]
        decoder_input = K.layers.Input(shape=(None,))
        decoder_embedded = K.layers.Embedding(input_dim=40, output_dim=8,
                                              name="dec_emb")(decoder_input)
        decoder_output = K.layers.LSTM(6, name="decoder")(decoder_embedded,
                                                          initial_state=encoder_state)
        output = K.layers.Dense(5, name="head")(decoder_output)
        return K.Model([encoder_input, decoder_input], output)

    k_model, g_model = program(keras), program(G)
    assert g_model.count_params() == k_model.count_params()
    for name in ("enc_emb", "dec_emb", "encoder", "decoder", "head"):  # (Keras lists the
        # layers of a two-input graph level by level, glassnet in call order: match by name)
        g_model.get_layer(name).set_weights(k_model.get_layer(name).get_weights())
    rng = np.random.default_rng(18)
    x = [rng.integers(0, 30, (4, 6)), rng.integers(0, 40, (4, 5))]
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0))
    y = rng.random((4, 5)).astype("float32")
    for K, model in ((keras, k_model), (G, g_model)):
        model.compile(optimizer=K.optimizers.SGD(0.1), loss="mse")
    k_hist = k_model.fit(x, y, epochs=2, batch_size=2, shuffle=False, verbose=0).history
    g_hist = g_model.fit(x, y, epochs=2, batch_size=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(g_hist["loss"], k_hist["loss"], rtol=1e-4)


def test_rnn_return_state_and_sequences_on_arrays(G):
    def program(K):  # noqa: N803
        x = np.random.default_rng(19).random((3, 4, 5)).astype("float32")
        lstm = K.layers.LSTM(2, return_sequences=True, return_state=True)
        whole, h, c = lstm(x)
        gru = K.layers.GRU(2, return_state=True)
        last, state = gru(x)
        return lstm, gru, x, [whole, h, c, last, state]

    k_lstm, k_gru, x, k_out = program(keras)
    g_lstm, g_gru, _, g_out = program(G)
    assert [tuple(np.shape(o)) for o in g_out] == [tuple(o.shape) for o in k_out]
    g_lstm.set_weights([as_numpy(w) for w in k_lstm.get_weights()])
    g_gru.set_weights([as_numpy(w) for w in k_gru.get_weights()])
    assert_outputs_equal(list(g_lstm(x)) + list(g_gru(x)), list(k_lstm(x)) + list(k_gru(x)))




# ---------------------------------------------------------------- attention scores as outputs
def attention_scores_program(K):  # noqa: N803
    q, v = K.Input(shape=(4, 6), name="q"), K.Input(shape=(5, 6), name="v")
    out, scores = K.layers.MultiHeadAttention(2, 3, name="mha")(q, v,
                                                                return_attention_scores=True)
    o2, s2 = K.layers.Attention(use_scale=True, name="att")([out, v],
                                                            return_attention_scores=True)
    y = K.layers.Dense(1, name="head")(K.layers.GlobalAveragePooling1D(name="pool")(o2))
    return K.Model([q, v], [y, scores, s2])


def test_attention_scores_in_a_functional_model_as_keras(G):
    k_model, g_model = attention_scores_program(keras), attention_scores_program(G)
    for name in ("mha", "att", "head"):
        g_model.get_layer(name).set_weights(k_model.get_layer(name).get_weights())
    # (Keras's symbolic shape of the MHA scores says (None, 2, 4, 4), the query's length
    # twice; its arrays are (batch, 2, 4, 5), as glassnet's tensor says)
    assert [tuple(t.shape) for t in g_model.outputs] == [(None, 1), (None, 2, 4, 5),
                                                         (None, 4, 5)]
    rng = np.random.default_rng(27)
    x = [rng.random((6, 4, 6)).astype("float32"), rng.random((6, 5, 6)).astype("float32")]
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0))
    y = [rng.random((6, 1)).astype("float32"), rng.random((6, 2, 4, 5)).astype("float32"),
         rng.random((6, 4, 5)).astype("float32")]
    for K, model in ((keras, k_model), (G, g_model)):
        model.compile(optimizer=K.optimizers.SGD(0.5), loss=["mse", "mse", "mse"])
    k_hist = k_model.fit(x, y, epochs=2, batch_size=3, shuffle=False, verbose=0).history
    g_hist = g_model.fit(x, y, epochs=2, batch_size=3, shuffle=False, verbose=0).history
    assert sorted(g_hist) == sorted(k_hist)
    for key in k_hist:
        np.testing.assert_allclose(g_hist[key], k_hist[key], rtol=1e-4, err_msg=key)
    # two epochs at learning rate 0.5 carry float32 rounding (BLAS's summation order differs
    # from torch's) into the weights: a few 1e-5 apart
    for name in ("mha", "att", "head"):
        assert_outputs_equal(g_model.get_layer(name).get_weights(),
                             k_model.get_layer(name).get_weights(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("cell", ["LSTMCell", "GRUCell", "SimpleRNNCell"])
def test_rnn_layer_over_a_cell_as_keras(G, cell):
    def build_model(K):  # noqa: N803 - the guide's build_model(allow_cudnn_kernel=False)
        rnn = K.layers.RNN(getattr(K.layers, cell)(5), return_sequences=True)
        return K.Sequential([K.Input(shape=(None, 3)), rnn, K.layers.BatchNormalization(),
                             K.layers.Dense(2)])

    k_model, g_model = build_model(keras), build_model(G)
    assert [tuple(w.shape) for w in g_model.get_weights()] == \
        [tuple(w.shape) for w in k_model.get_weights()]
    same_weights(k_model, g_model)
    x = np.random.default_rng(28).random((3, 4, 3)).astype("float32")
    assert_outputs_equal(g_model.predict(x, verbose=0), k_model.predict(x, verbose=0))
    # a list of cells is a stack (StackedRNNCells), as in Keras: tests/keras_parity/test_rnn_cells.py
    assert type(G.layers.RNN([G.layers.LSTMCell(2), G.layers.LSTMCell(2)]).cell).__name__ \
        == type(keras.layers.RNN([keras.layers.LSTMCell(2), keras.layers.LSTMCell(2)]).cell).__name__


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_rnn_stateful_paragraphs_and_reused_states(G, kind):
    rng = np.random.default_rng(29)
    paragraphs = [rng.random((4, 3, 5)).astype("float32") for _ in range(3)]

    def program(K, weights=None):  # noqa: N803 - the guide's "RNN state reuse"
        lstm_layer = getattr(K.layers, kind)(6, stateful=True)
        lstm_layer(paragraphs[0])  # built by a first call, then given the same weights
        if weights is not None:
            lstm_layer.set_weights(weights)
        lstm_layer.reset_states()
        outs = [lstm_layer(p) for p in paragraphs]
        existing_state = lstm_layer.states
        new_layer = getattr(K.layers, kind)(6)
        new_layer(paragraphs[0])
        new_layer.set_weights(lstm_layer.get_weights())
        outs.append(new_layer(paragraphs[2], initial_state=existing_state))
        lstm_layer.reset_states()
        outs.append(lstm_layer(paragraphs[0]))
        return lstm_layer, outs

    k_layer, k_outs = program(keras)
    _, g_outs = program(G, [as_numpy(w) for w in k_layer.get_weights()])
    assert_outputs_equal(g_outs, k_outs)
    np.testing.assert_allclose(g_outs[-1], g_outs[0], rtol=1e-6)  # reset: a fresh start
    assert not np.allclose(g_outs[1], g_outs[-1])


def vae_program(K, original_dim=12, intermediate_dim=8, latent_dim=2):  # noqa: N803
    """The guide's end-to-end VAE (smaller): a sampling layer drawing with
    ``keras.random.normal`` and a SeedGenerator, nested layers, a KL term by ``add_loss``."""
    class Sampling(K.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = K.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = K.ops.shape(z_mean)[0]
            dim = K.ops.shape(z_mean)[1]
            epsilon = K.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + K.ops.exp(0.5 * z_log_var) * epsilon

    class Encoder(K.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense_proj = K.layers.Dense(intermediate_dim, activation="relu")
            self.dense_mean = K.layers.Dense(latent_dim)
            self.dense_log_var = K.layers.Dense(latent_dim)
            self.sampling = Sampling()

        def call(self, inputs):
            x = self.dense_proj(inputs)
            z_mean = self.dense_mean(x)
            z_log_var = self.dense_log_var(x)
            z = self.sampling((z_mean, z_log_var))
            return z_mean, z_log_var, z

    class Decoder(K.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense_proj = K.layers.Dense(intermediate_dim, activation="relu")
            self.dense_output = K.layers.Dense(original_dim, activation="sigmoid")

        def call(self, inputs):
            return self.dense_output(self.dense_proj(inputs))

    class VariationalAutoEncoder(K.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.encoder = Encoder()
            self.decoder = Decoder()

        def call(self, inputs):
            z_mean, z_log_var, z = self.encoder(inputs)
            reconstructed = self.decoder(z)
            kl_loss = -0.5 * K.ops.mean(
                z_log_var - K.ops.square(z_mean) - K.ops.exp(z_log_var) + 1)
            self.add_loss(kl_loss)
            return reconstructed

    return VariationalAutoEncoder()


def test_subclassing_vae_end_to_end(G):
    rng = np.random.default_rng(30)
    x_train = rng.random((16, 12)).astype("float32")
    k_vae, g_vae = vae_program(keras), vae_program(G)
    k_vae(x_train[:1])
    g_vae(x_train[:1])
    assert len(g_vae.weights) == len(k_vae.weights) == 10  # five Dense layers
    g_vae.set_weights([as_numpy(w) for w in k_vae.get_weights()])
    # the KL term depends on the weights only (not on the draws): the same in both
    k_vae(x_train)
    g_vae(x_train)
    assert len(g_vae.losses) == len(k_vae.losses) == 1
    assert float(g_vae.losses[0]) == pytest.approx(float(as_numpy(k_vae.losses[0])), rel=1e-5)
    hist = {}
    for K, vae in ((keras, k_vae), (G, g_vae)):
        vae.compile(K.optimizers.Adam(learning_rate=1e-3), loss=K.losses.MeanSquaredError())
        hist[K] = vae.fit(x_train, x_train, epochs=2, batch_size=8, verbose=0).history
    assert sorted(hist[G]) == sorted(hist[keras]) == ["loss"]
    # (the draws differ between the libraries: the losses are alike, not equal)
    assert np.all(np.isfinite(hist[G]["loss"]))
    np.testing.assert_allclose(hist[G]["loss"], hist[keras]["loss"], rtol=0.2)
