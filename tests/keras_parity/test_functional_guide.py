"""The Functional API guide's programs under Keras and under glassnet: the multi-input ticket
model, the shared embedding, the toy ResNet, nested models and masked sequences. Same weights
give the same outputs; training writes the same History keys (and, without randomness, the
same losses)."""

from __future__ import annotations

import numpy as np
import pytest

from layer_referees import summary_of

from .conftest import as_numpy, keras


def copy_weights(k_model, g_model) -> None:
    """Keras's weights into glassnet's model, layer by layer (matched by name)."""
    g_model.build()
    for layer in g_model.layers:
        weights = k_model.get_layer(layer.name).get_weights()
        if weights:
            layer.set_weights([np.asarray(w, dtype=np.float64) for w in weights])


def ticket_model(K, num_words=60, num_tags=6, num_departments=4):  # noqa: N803
    """The guide's "ranking tickets by priority" model (smaller sizes)."""
    layers = K.layers
    title_input = K.Input(shape=(None,), name="title")
    body_input = K.Input(shape=(None,), name="body")
    tags_input = K.Input(shape=(num_tags,), name="tags")
    title_features = layers.Embedding(num_words, 8, name="title_embedding")(title_input)
    body_features = layers.Embedding(num_words, 8, name="body_embedding")(body_input)
    title_features = layers.LSTM(6, name="title_lstm")(title_features)
    body_features = layers.LSTM(4, name="body_lstm")(body_features)
    x = layers.concatenate([title_features, body_features, tags_input], name="joined")
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)
    return K.Model(inputs=[title_input, body_input, tags_input],
                   outputs={"priority": priority_pred, "department": department_pred})


def ticket_data(n=32, num_words=60, num_tags=6, num_departments=4):
    rng = np.random.default_rng(0)
    x = {"title": rng.integers(0, num_words, (n, 5)), "body": rng.integers(0, num_words, (n, 12)),
         "tags": rng.integers(0, 2, (n, num_tags)).astype("float32")}
    y = {"priority": rng.random((n, 1)).astype("float32"),
         "department": rng.integers(0, 2, (n, num_departments)).astype("float32")}
    return x, y


def compile_ticket(K, model):  # noqa: N803
    model.compile(
        optimizer=K.optimizers.SGD(0.05),
        loss={"priority": K.losses.BinaryCrossentropy(from_logits=True),
              "department": K.losses.CategoricalCrossentropy(from_logits=True)},
        loss_weights={"priority": 1.0, "department": 0.2},
    )


def test_ticket_model_predicts_and_trains_as_keras(G):
    k_model, g_model = ticket_model(keras), ticket_model(G)
    copy_weights(k_model, g_model)
    x, y = ticket_data()
    want = k_model.predict(x, verbose=0)
    got = g_model.predict(x)
    assert isinstance(got, dict) and sorted(got) == sorted(want)
    for key in want:
        np.testing.assert_allclose(got[key], as_numpy(want[key]), rtol=1e-4, atol=1e-5)
    compile_ticket(keras, k_model)
    compile_ticket(G, g_model)
    k_hist = k_model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    g_hist = g_model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    assert sorted(g_hist) == sorted(k_hist)
    for key in k_hist:
        np.testing.assert_allclose(g_hist[key], k_hist[key], rtol=2e-4, err_msg=key)
    k_eval = k_model.evaluate(x, y, verbose=0, return_dict=True)
    g_eval = g_model.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(g_eval) == sorted(k_eval)
    for key in k_eval:
        assert g_eval[key] == pytest.approx(k_eval[key], rel=2e-4), key


def multi_output_program(K):  # noqa: N803
    layers = K.layers
    a, b = K.Input(shape=(4,), name="a"), K.Input(shape=(3,), name="b")
    h = layers.concatenate([a, b], name="joined")
    y1 = layers.Dense(2, name="out1")(h)
    y2 = layers.Dense(3, activation="softmax", name="out2")(h)
    model = K.Model(inputs=[a, b], outputs=[y1, y2])
    model.compile(K.optimizers.SGD(0.1), loss=["mse", "categorical_crossentropy"],
                  loss_weights=[1.0, 0.3], metrics=[["mae"], ["accuracy"]])
    return model


def test_list_outputs_history_keys_and_values_as_keras(G):
    k_model, g_model = multi_output_program(keras), multi_output_program(G)
    copy_weights(k_model, g_model)
    rng = np.random.default_rng(1)
    x = [rng.random((24, 4)).astype("float32"), rng.random((24, 3)).astype("float32")]
    y = [rng.random((24, 2)).astype("float32"),
         np.eye(3, dtype="float32")[rng.integers(0, 3, 24)]]
    k_hist = k_model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0,
                         validation_split=0.25).history
    g_hist = g_model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0,
                         validation_split=0.25).history
    assert sorted(g_hist) == sorted(k_hist)
    for key in k_hist:
        np.testing.assert_allclose(g_hist[key], k_hist[key], rtol=2e-4, err_msg=key)
    k_pred, g_pred = k_model.predict(x, verbose=0), g_model.predict(x)
    assert isinstance(g_pred, list) and len(g_pred) == len(k_pred) == 2
    for got, want in zip(g_pred, k_pred, strict=True):
        np.testing.assert_allclose(got, as_numpy(want), rtol=1e-4, atol=1e-6)


def shared_embedding_model(K):  # noqa: N803
    layers = K.layers
    shared_embedding = layers.Embedding(50, 8, name="shared_embedding")
    text_input_a = K.Input(shape=(None,), dtype="int32", name="text_a")
    text_input_b = K.Input(shape=(None,), dtype="int32", name="text_b")
    encoded_input_a = shared_embedding(text_input_a)
    encoded_input_b = shared_embedding(text_input_b)
    pooled = [layers.GlobalAveragePooling1D(name="pool_a")(encoded_input_a),
              layers.GlobalAveragePooling1D(name="pool_b")(encoded_input_b)]
    out = layers.Dense(1, name="score")(layers.concatenate(pooled, name="joined"))
    model = K.Model([text_input_a, text_input_b], out)
    model.compile(K.optimizers.SGD(0.5), "mse")
    return model


def test_shared_embedding_model_trains_as_keras(G):
    k_model, g_model = shared_embedding_model(keras), shared_embedding_model(G)
    copy_weights(k_model, g_model)
    assert len(g_model.get_weights()) == len(k_model.get_weights()) == 3
    rng = np.random.default_rng(2)
    x = [rng.integers(0, 50, (16, 6)), rng.integers(0, 50, (16, 6))]
    y = rng.random((16, 1)).astype("float32")
    k_hist = k_model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    g_hist = g_model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    assert sorted(g_hist) == sorted(k_hist) == ["loss"]
    np.testing.assert_allclose(g_hist["loss"], k_hist["loss"], rtol=1e-4)
    np.testing.assert_allclose(g_model.get_layer("shared_embedding").get_weights()[0],
                               as_numpy(k_model.get_layer("shared_embedding").weights[0]),
                               rtol=1e-4, atol=1e-6)


def toy_resnet(K):  # noqa: N803
    """The guide's toy ResNet for CIFAR-10 (as written there)."""
    layers = K.layers
    inputs = K.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu", name="c1")(inputs)
    x = layers.Conv2D(64, 3, activation="relu", name="c2")(x)
    block_1_output = layers.MaxPooling2D(3, name="p1")(x)
    x = layers.Conv2D(64, 3, activation="relu", padding="same", name="c3")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same", name="c4")(x)
    block_2_output = layers.add([x, block_1_output], name="a1")
    x = layers.Conv2D(64, 3, activation="relu", padding="same", name="c5")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same", name="c6")(x)
    block_3_output = layers.add([x, block_2_output], name="a2")
    x = layers.Conv2D(64, 3, activation="relu", name="c7")(block_3_output)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(256, activation="relu", name="d1")(x)
    x = layers.Dropout(0.5, name="drop")(x)
    outputs = layers.Dense(10, name="d2")(x)
    model = K.Model(inputs, outputs, name="toy_resnet")
    model.compile(optimizer=K.optimizers.RMSprop(1e-3),
                  loss=K.losses.CategoricalCrossentropy(from_logits=True), metrics=["acc"])
    return model


def test_toy_resnet_same_outputs_and_history_keys(G):
    k_model, g_model = toy_resnet(keras), toy_resnet(G)
    copy_weights(k_model, g_model)
    assert g_model.count_params() == k_model.count_params() == 223_242
    rng = np.random.default_rng(3)
    x = rng.random((8, 32, 32, 3)).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, 8)]
    np.testing.assert_allclose(g_model.predict(x), as_numpy(k_model.predict(x, verbose=0)),
                               rtol=1e-3, atol=1e-5)
    k_hist = k_model.fit(x, y, epochs=1, batch_size=4, verbose=0, validation_split=0.25)
    g_hist = g_model.fit(x, y, epochs=1, batch_size=4, verbose=0, validation_split=0.25)
    assert sorted(g_hist.history) == sorted(k_hist.history)
    assert "a1 (Add)" in summary_of(g_model)


def test_nested_models_as_keras(G):
    def program(K):  # noqa: N803 - the guide's encoder called on tensors, twice
        inp = K.Input(shape=(6,), name="enc_in")
        encoder = K.Model(inp, K.layers.Dense(3, activation="tanh", name="code")(inp),
                          name="encoder")
        a, b = K.Input(shape=(6,), name="a"), K.Input(shape=(6,), name="b")
        joined = K.layers.concatenate([encoder(a), encoder(b)], name="joined")
        model = K.Model([a, b], K.layers.Dense(1, name="head")(joined))
        model.compile(K.optimizers.SGD(0.1), "mse")
        return model, encoder

    (k_model, k_enc), (g_model, g_enc) = program(keras), program(G)
    g_model.build()
    g_enc.get_layer("code").set_weights(k_enc.get_layer("code").get_weights())
    g_model.get_layer("head").set_weights(k_model.get_layer("head").get_weights())
    rng = np.random.default_rng(4)
    x = [rng.random((12, 6)).astype("float32"), rng.random((12, 6)).astype("float32")]
    y = rng.random((12, 1)).astype("float32")
    np.testing.assert_allclose(g_model.predict(x), as_numpy(k_model.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-6)
    k_hist = k_model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0).history
    g_hist = g_model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0).history
    np.testing.assert_allclose(g_hist["loss"], k_hist["loss"], rtol=1e-4)
    np.testing.assert_allclose(g_enc.predict(x[0]), as_numpy(k_enc.predict(x[0], verbose=0)),
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("sequences", [False, True])
def test_mask_zero_recurrent_outputs_equal_keras(G, kind, sequences):
    def program(K):  # noqa: N803
        ids = K.Input(shape=(None,), name="ids")
        h = K.layers.Embedding(20, 4, mask_zero=True, name="emb")(ids)
        return K.Model(ids, getattr(K.layers, kind)(3, return_sequences=sequences,
                                                    name="rnn")(h))

    k_model, g_model = program(keras), program(G)
    copy_weights(k_model, g_model)
    ids = np.random.default_rng(5).integers(1, 20, (5, 7))
    ids[0, :3] = 0  # pre-padding
    ids[1, 5:] = 0  # post-padding
    ids[2, 2] = 0  # a hole
    ids[3, :] = 0  # nothing at all
    np.testing.assert_allclose(g_model.predict(ids), as_numpy(k_model.predict(ids, verbose=0)),
                               rtol=1e-5, atol=1e-6)


def test_masking_layer_feeds_lstm_as_keras(G):
    def program(K):  # noqa: N803
        x = K.Input(shape=(None, 3), name="x")
        h = K.layers.Masking(mask_value=0.0, name="mask")(x)
        h = K.layers.Dense(4, name="dense")(h)
        return K.Model(x, K.layers.LSTM(3, return_sequences=True, name="lstm")(h))

    k_model, g_model = program(keras), program(G)
    copy_weights(k_model, g_model)
    data = np.random.default_rng(6).random((4, 6, 3)).astype("float32")
    data[0, :2] = 0.0
    data[2, 4:] = 0.0
    np.testing.assert_allclose(g_model.predict(data), as_numpy(k_model.predict(data, verbose=0)),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn,kwargs", [
    ("add", {}), ("subtract", {}), ("multiply", {}), ("average", {}), ("maximum", {}),
    ("minimum", {}), ("concatenate", {"axis": 1}), ("dot", {"axes": 2}),
    ("dot", {"axes": (1, 1), "normalize": True}),
])
def test_merge_functions_equal_keras(G, fn, kwargs):
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))

    def program(K):  # noqa: N803
        x1, x2 = K.Input(shape=(3, 4)), K.Input(shape=(3, 4))
        return K.Model([x1, x2], getattr(K.layers, fn)([x1, x2], **kwargs))

    k_model, g_model = program(keras), program(G)
    want = as_numpy(k_model.predict([a.astype("float32"), b.astype("float32")], verbose=0))
    got = g_model.predict([a, b])
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("sequences", [False, True])
def test_mask_reaches_both_directions_of_bidirectional(G, sequences):
    def program(K):  # noqa: N803 - padded text, a bidirectional LSTM, the masked mean
        ids = K.Input(shape=(None,), name="ids")
        h = K.layers.Embedding(20, 4, mask_zero=True, name="emb")(ids)
        h = K.layers.Bidirectional(K.layers.LSTM(3, return_sequences=sequences), name="bi")(h)
        if sequences:
            h = K.layers.GlobalAveragePooling1D(name="mean")(h)
        return K.Model(ids, K.layers.Dense(1, name="out")(h))

    k_model, g_model = program(keras), program(G)
    copy_weights(k_model, g_model)
    ids = np.random.default_rng(8).integers(1, 20, (4, 6))
    ids[0, :2] = 0
    ids[1, 4:] = 0
    ids[2, 3] = 0
    np.testing.assert_allclose(g_model.predict(ids), as_numpy(k_model.predict(ids, verbose=0)),
                               rtol=1e-5, atol=1e-6)
