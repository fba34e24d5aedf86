"""keras.io examples, small, under Keras and under ``import glassnet as keras``.

Each program is written once in Keras spelling (as the example writes it, at tiny sizes and on
synthetic data of the example's shapes and dtypes) and run with ``K=keras`` and ``K=glassnet``.
Keras's weights are copied into glassnet's model by position; then predictions, parameter
counts, summary totals, one epoch of training (without dropout or augmentation randomness)
and what else the example calls (evaluate, predict, callbacks, saving) are compared.
"""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout

import numpy as np
import pytest

from .conftest import as_numpy, keras


def copy_by_position(k_model, g_model) -> None:
    """Keras's weights into glassnet's model, in Keras's order."""
    g_model.set_weights([as_numpy(w) for w in k_model.get_weights()])


def summary_totals(model) -> dict[str, int]:
    """The "Total/Trainable/Non-trainable params" counts that ``summary()`` prints."""
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        model.summary()
    text = buffer.getvalue()
    totals = {}
    for kind in ("Total", "Trainable", "Non-trainable"):
        found = re.search(rf"{kind} params: ([\d,]+)", text)
        assert found, f"no '{kind} params' line in:\n{text}"
        totals[kind] = int(found.group(1).replace(",", ""))
    return totals


def assert_same_model(k_model, g_model, x, rtol=1e-4, atol=1e-6) -> None:
    """Same parameter counts, summary totals, weight shapes and predictions from same weights."""
    copy_by_position(k_model, g_model)
    assert g_model.count_params() == k_model.count_params()
    assert [w.shape for w in g_model.get_weights()] == \
        [tuple(w.shape) for w in k_model.get_weights()]
    assert summary_totals(g_model) == summary_totals(k_model)
    np.testing.assert_allclose(g_model.predict(x, verbose=0),
                               as_numpy(k_model.predict(x, verbose=0)), rtol=rtol, atol=atol)


def assert_same_history(g_hist, k_hist, rtol=1e-4, atol=0.0) -> None:
    assert sorted(g_hist.history) == sorted(k_hist.history)
    for key, want in k_hist.history.items():
        np.testing.assert_allclose(g_hist.history[key], want, rtol=rtol, atol=atol, err_msg=key)


def assert_same_weights(g_model, k_model, rtol=1e-4, atol=1e-6, skip=()) -> None:
    for i, (got, want) in enumerate(zip(g_model.get_weights(), k_model.get_weights(),
                                        strict=True)):
        if i in skip:
            continue
        np.testing.assert_allclose(got, as_numpy(want), rtol=rtol, atol=atol,
                                   err_msg=f"weight {i}")


# --- Simple MNIST convnet (vision/mnist_convnet.py) ------------------------------------------

def mnist_convnet(K, dropout=0.5):  # noqa: N803
    layers = K.layers
    num_classes = 10
    input_shape = (12, 12, 1)
    return K.Sequential([
        K.Input(shape=input_shape),
        layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(dropout),
        layers.Dense(num_classes, activation="softmax"),
    ])


def mnist_data(K, n=40):  # noqa: N803
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (n, 12, 12)).astype("uint8")
    y = rng.integers(0, 10, n).astype("uint8")
    x = x.astype("float32") / 255
    x = np.expand_dims(x, -1)
    return x, K.utils.to_categorical(y, 10)


def test_mnist_convnet(G):
    x, y_k = mnist_data(keras)
    _, y_g = mnist_data(G)
    assert y_g.dtype == y_k.dtype and np.array_equal(y_g, y_k)
    k_model, g_model = mnist_convnet(keras), mnist_convnet(G)
    assert_same_model(k_model, g_model, x)
    k_model, g_model = mnist_convnet(keras, 0.0), mnist_convnet(G, 0.0)
    copy_by_position(k_model, g_model)
    for model in (k_model, g_model):
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    k_hist = k_model.fit(x, y_k, batch_size=16, epochs=1, validation_split=0.1, shuffle=False,
                         verbose=0)
    g_hist = g_model.fit(x, y_g, batch_size=16, epochs=1, validation_split=0.1, shuffle=False,
                         verbose=0)
    assert_same_history(g_hist, k_hist)
    assert_same_weights(g_model, k_model)
    k_score = k_model.evaluate(x, y_k, verbose=0)
    g_score = g_model.evaluate(x, y_g, verbose=0)
    assert isinstance(g_score, list) and len(g_score) == len(k_score) == 2
    np.testing.assert_allclose(g_score, k_score, rtol=1e-4)


# --- Timeseries classification from scratch ---------------------------------------------------

def timeseries_classifier(K, input_shape, num_classes):  # noqa: N803
    input_layer = K.layers.Input(input_shape)
    conv1 = K.layers.Conv1D(filters=8, kernel_size=3, padding="same")(input_layer)
    conv1 = K.layers.BatchNormalization()(conv1)
    conv1 = K.layers.ReLU()(conv1)
    conv2 = K.layers.Conv1D(filters=8, kernel_size=3, padding="same")(conv1)
    conv2 = K.layers.BatchNormalization()(conv2)
    conv2 = K.layers.ReLU()(conv2)
    conv3 = K.layers.Conv1D(filters=8, kernel_size=3, padding="same")(conv2)
    conv3 = K.layers.BatchNormalization()(conv3)
    conv3 = K.layers.ReLU()(conv3)
    gap = K.layers.GlobalAveragePooling1D()(conv3)
    output_layer = K.layers.Dense(num_classes, activation="softmax")(gap)
    return K.models.Model(inputs=input_layer, outputs=output_layer)


def timeseries_data(n=40, length=20):
    rng = np.random.default_rng(1)
    x_train = rng.normal(size=(n, length))
    y_train = rng.choice([-1, 1], n).astype("float64")  # the FordA labels, read as floats
    x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
    y_train[y_train == -1] = 0
    return x_train, y_train


def test_timeseries_classification(G, tmp_path):
    keras.utils.set_random_seed(1)  # Keras's initial weights (copied to glassnet): one draw
    x_train, y_train = timeseries_data()
    num_classes = len(np.unique(y_train))
    k_model = timeseries_classifier(keras, x_train.shape[1:], num_classes)
    g_model = timeseries_classifier(G, x_train.shape[1:], num_classes)
    assert_same_model(k_model, g_model, x_train.astype("float32"))
    histories = {}
    for K, model in ((keras, k_model), (G, g_model)):
        path = tmp_path / f"{K.__name__}_best_model.keras"
        callbacks = [
            K.callbacks.ModelCheckpoint(str(path), save_best_only=True, monitor="val_loss"),
            K.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1,
                                          min_lr=0.0001),
            K.callbacks.EarlyStopping(monitor="val_loss", patience=5, verbose=0),
        ]
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["sparse_categorical_accuracy"])
        histories[K] = model.fit(x_train, y_train, batch_size=8, epochs=3, callbacks=callbacks,
                                 validation_split=0.2, verbose=0, shuffle=False)
        assert path.exists()
    assert_same_history(histories[G], histories[keras], rtol=1e-3, atol=1e-6)
    # The convolutions' biases feed BatchNormalization, which cancels them: their exact
    # gradient is 0, and Adam turns each backend's rounding noise (~1e-9) into lr-sized steps.
    assert_same_weights(g_model, k_model, rtol=1e-3, atol=1e-5, skip=(1, 7, 13))
    k_best = keras.models.load_model(str(tmp_path / "keras_best_model.keras"))
    g_best = G.models.load_model(str(tmp_path / "glassnet_best_model.keras"))
    k_loss, k_acc = k_best.evaluate(x_train, y_train, verbose=0)
    g_loss, g_acc = g_best.evaluate(x_train, y_train, verbose=0)
    assert g_loss == pytest.approx(k_loss, rel=1e-3)
    # accuracy: the same rule on each side's own predictions (near-ties of an untrained model
    # may fall either way once those biases differ by rounding noise)
    for acc, best in ((k_acc, k_best), (g_acc, g_best)):
        pred = as_numpy(best.predict(x_train, verbose=0))
        assert acc == pytest.approx(np.mean(pred.argmax(axis=1) == y_train))
    metric = "sparse_categorical_accuracy"
    assert len(histories[G].history["val_" + metric]) == len(histories[G].history[metric])


# --- Timeseries forecasting for weather prediction (LSTM regression) -------------------------

def weather_model(K, shape, learning_rate=0.001):  # noqa: N803
    inputs = K.layers.Input(shape=(shape[1], shape[2]))
    lstm_out = K.layers.LSTM(8)(inputs)
    outputs = K.layers.Dense(1)(lstm_out)
    model = K.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=K.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    return model


def test_weather_forecasting_lstm(G, tmp_path):
    rng = np.random.default_rng(2)
    features = rng.normal(size=(200, 3)).astype("float32")
    data_mean, data_std = features.mean(axis=0), features.std(axis=0)
    features = (features - data_mean) / data_std
    sequence_length = 6
    windows = np.stack([features[i:i + sequence_length] for i in range(0, 180, 3)])
    targets = features[sequence_length:180 + sequence_length:3, 1:2]
    x_train, y_train, x_val, y_val = windows[:48], targets[:48], windows[48:], targets[48:]
    k_model, g_model = weather_model(keras, x_train.shape), weather_model(G, x_train.shape)
    assert_same_model(k_model, g_model, x_val)
    histories = {}
    for K, model in ((keras, k_model), (G, g_model)):
        path_checkpoint = tmp_path / f"{K.__name__}_model_checkpoint.weights.h5"
        es_callback = K.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5)
        modelckpt_callback = K.callbacks.ModelCheckpoint(
            monitor="val_loss", filepath=str(path_checkpoint), verbose=0,
            save_weights_only=True, save_best_only=True)
        histories[K] = model.fit(x_train, y_train, epochs=2, batch_size=16,
                                 validation_data=(x_val, y_val), shuffle=False, verbose=0,
                                 callbacks=[es_callback, modelckpt_callback])
        assert path_checkpoint.exists()
    assert_same_history(histories[G], histories[keras])
    assert_same_weights(g_model, k_model)
    np.testing.assert_allclose(g_model.predict(x_val, verbose=0),
                               as_numpy(k_model.predict(x_val, verbose=0)), rtol=1e-4, atol=1e-6)
    fresh = weather_model(G, x_train.shape)
    fresh.load_weights(str(tmp_path / "glassnet_model_checkpoint.weights.h5"))
    assert_same_weights(fresh, g_model)
    # the Keras checkpoint opens in glassnet too
    fresh.load_weights(str(tmp_path / "keras_model_checkpoint.weights.h5"))
    assert_same_weights(fresh, k_model)


# --- Sequence to sequence learning for performing number addition (nlp/addition_rnn.py) -------

class CharacterTable:
    """The example's one-hot codec, as it writes it (a bool array)."""

    def __init__(self, chars):
        self.chars = sorted(set(chars))
        self.char_indices = {c: i for i, c in enumerate(self.chars)}
        self.indices_char = {i: c for i, c in enumerate(self.chars)}

    def encode(self, sentence, num_rows):
        x = np.zeros((num_rows, len(self.chars)))
        for i, c in enumerate(sentence):
            x[i, self.char_indices[c]] = 1
        return x

    def decode(self, x, calc_argmax=True):
        if calc_argmax:
            x = x.argmax(axis=-1)
        return "".join(self.indices_char[x] for x in x)


def addition_data(n=48, digits=2):
    maxlen = digits + 1 + digits
    chars = "0123456789+ "
    ctable = CharacterTable(chars)
    rng = np.random.default_rng(3)
    questions, expected = [], []
    for _ in range(n):
        a, b = (int(rng.integers(0, 10 ** digits)) for _ in range(2))
        q = f"{a}+{b}"
        questions.append(q + " " * (maxlen - len(q)))
        ans = str(a + b)
        expected.append(ans + " " * (digits + 1 - len(ans)))
    x = np.zeros((len(questions), maxlen, len(chars)), dtype=bool)
    y = np.zeros((len(questions), digits + 1, len(chars)), dtype=bool)
    for i, sentence in enumerate(questions):
        x[i] = ctable.encode(sentence, maxlen)
    for i, sentence in enumerate(expected):
        y[i] = ctable.encode(sentence, digits + 1)
    return x, y, ctable, maxlen, digits


def addition_model(K, maxlen, digits, num_chars, num_layers=1,  # noqa: N803
                   time_distributed=False):
    layers = K.layers
    model = K.Sequential()
    model.add(layers.Input((maxlen, num_chars)))
    model.add(layers.LSTM(16))
    model.add(layers.RepeatVector(digits + 1))
    for _ in range(num_layers):
        model.add(layers.LSTM(16, return_sequences=True))
    dense = layers.Dense(num_chars, activation="softmax")
    # the example's earlier version wrapped the last Dense in TimeDistributed
    model.add(layers.TimeDistributed(dense) if time_distributed else dense)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("num_layers, time_distributed", [(1, False), (2, True)])
def test_addition_rnn(G, num_layers, time_distributed):
    x, y, ctable, maxlen, digits = addition_data()
    x_train, y_train, x_val, y_val = x[:40], y[:40], x[40:], y[40:]
    k_model = addition_model(keras, maxlen, digits, len(ctable.chars), num_layers,
                             time_distributed)
    g_model = addition_model(G, maxlen, digits, len(ctable.chars), num_layers,
                             time_distributed)
    assert_same_model(k_model, g_model, x_val)
    k_hist = k_model.fit(x_train, y_train, batch_size=8, epochs=1, shuffle=False,
                         validation_data=(x_val, y_val), verbose=0)
    g_hist = g_model.fit(x_train, y_train, batch_size=8, epochs=1, shuffle=False,
                         validation_data=(x_val, y_val), verbose=0)
    assert_same_history(g_hist, k_hist)
    assert_same_weights(g_model, k_model)
    for ind in range(3):
        rowx, rowy = x_val[np.array([ind])], y_val[np.array([ind])]
        k_preds = np.argmax(as_numpy(k_model.predict(rowx, verbose=0)), axis=-1)
        g_preds = np.argmax(g_model.predict(rowx, verbose=0), axis=-1)
        assert ctable.decode(g_preds[0], calc_argmax=False) == \
            ctable.decode(k_preds[0], calc_argmax=False)
        assert ctable.decode(rowy[0]) == ctable.decode(rowy[0].astype("float32"))


# --- Character-level text generation with LSTM ------------------------------------------------

def char_lstm(K, maxlen, num_chars):  # noqa: N803
    model = K.Sequential([
        K.Input(shape=(maxlen, num_chars)),
        K.layers.LSTM(16),
        K.layers.Dense(num_chars, activation="softmax"),
    ])
    optimizer = K.optimizers.RMSprop(learning_rate=0.01)
    model.compile(loss="categorical_crossentropy", optimizer=optimizer)
    return model


def sample(preds, temperature=1.0, rng=None):
    preds = np.asarray(preds).astype("float64")
    preds = np.log(preds) / temperature
    exp_preds = np.exp(preds)
    preds = exp_preds / np.sum(exp_preds)
    probas = rng.multinomial(1, preds, 1)
    return np.argmax(probas)


def test_character_level_text_generation(G):
    text = "the quick brown fox jumps over the lazy dog and keeps running far away " * 2
    chars = sorted(set(text))
    char_indices = {c: i for i, c in enumerate(chars)}
    maxlen, step = 10, 3
    sentences = [text[i:i + maxlen] for i in range(0, len(text) - maxlen, step)]
    next_chars = [text[i + maxlen] for i in range(0, len(text) - maxlen, step)]
    x = np.zeros((len(sentences), maxlen, len(chars)), dtype="bool")
    y = np.zeros((len(sentences), len(chars)), dtype="bool")
    for i, sentence in enumerate(sentences):
        for t, char in enumerate(sentence):
            x[i, t, char_indices[char]] = 1
        y[i, char_indices[next_chars[i]]] = 1
    k_model, g_model = char_lstm(keras, maxlen, len(chars)), char_lstm(G, maxlen, len(chars))
    assert_same_model(k_model, g_model, x)
    k_hist = k_model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    g_hist = g_model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert_same_history(g_hist, k_hist)
    assert_same_weights(g_model, k_model, rtol=1e-3, atol=1e-5)
    sentence = text[:maxlen]
    x_pred = np.zeros((1, maxlen, len(chars)))
    for t, char in enumerate(sentence):
        x_pred[0, t, char_indices[char]] = 1.0
    k_preds = as_numpy(k_model.predict(x_pred, verbose=0))[0]
    g_preds = g_model.predict(x_pred, verbose=0)[0]
    np.testing.assert_allclose(g_preds, k_preds, rtol=1e-3, atol=1e-6)
    for temperature in (0.2, 1.0):
        assert sample(g_preds, temperature, np.random.default_rng(4)) == \
            sample(k_preds, temperature, np.random.default_rng(4))


# --- Text classification with Transformer (nlp/text_classification_with_transformer.py) ------

def transformer_classes(K):  # noqa: N803
    """The example's two Layer subclasses, written against the module ``K``."""
    keras_, layers, ops = K, K.layers, K.ops

    class TransformerBlock(layers.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
            super().__init__()
            self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.ffn = keras_.Sequential(
                [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = layers.Dropout(rate)
            self.dropout2 = layers.Dropout(rate)

        def call(self, inputs):
            attn_output = self.att(inputs, inputs)
            attn_output = self.dropout1(attn_output)
            out1 = self.layernorm1(inputs + attn_output)
            ffn_output = self.ffn(out1)
            ffn_output = self.dropout2(ffn_output)
            return self.layernorm2(out1 + ffn_output)

    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim):
            super().__init__()
            self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            maxlen = ops.shape(x)[-1]
            positions = ops.arange(start=0, stop=maxlen, step=1)
            positions = self.pos_emb(positions)
            x = self.token_emb(x)
            return x + positions

    return TransformerBlock, TokenAndPositionEmbedding


def transformer_classifier(K, maxlen=10, vocab_size=50, rate=0.1):  # noqa: N803
    layers = K.layers
    TransformerBlock, TokenAndPositionEmbedding = transformer_classes(K)  # noqa: N806
    embed_dim, num_heads, ff_dim = 8, 2, 8
    inputs = layers.Input(shape=(maxlen,))
    embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
    x = embedding_layer(inputs)
    transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim, rate)
    x = transformer_block(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(rate)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(rate)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    model = K.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_text_classification_with_transformer(G):
    rng = np.random.default_rng(5)
    x_train, y_train = rng.integers(0, 50, (32, 10)), rng.integers(0, 2, 32)
    x_val, y_val = rng.integers(0, 50, (8, 10)), rng.integers(0, 2, 8)
    k_model, g_model = transformer_classifier(keras), transformer_classifier(G)
    assert_same_model(k_model, g_model, x_val, rtol=1e-4, atol=1e-6)
    k_model = transformer_classifier(keras, rate=0.0)
    g_model = transformer_classifier(G, rate=0.0)
    copy_by_position(k_model, g_model)
    k_hist = k_model.fit(x_train, y_train, batch_size=8, epochs=2, shuffle=False,
                         validation_data=(x_val, y_val), verbose=0)
    g_hist = g_model.fit(x_train, y_train, batch_size=8, epochs=2, shuffle=False,
                         validation_data=(x_val, y_val), verbose=0)
    assert_same_history(g_hist, k_hist, rtol=1e-4)
    assert_same_weights(g_model, k_model, rtol=1e-3, atol=1e-5)


def test_transformer_block_dropout_acts_in_fit_as_in_keras(G):
    """The block's Dropout layers, called in ``call`` without ``training=``, drop in ``fit``
    (the training mode reaches them from the enclosing call) and not in ``evaluate``."""
    rng = np.random.default_rng(12)
    x, y = rng.integers(0, 50, (16, 10)), rng.integers(0, 2, 16)
    for K in (keras, G):
        inert = transformer_classifier(K, rate=0.0)
        active = transformer_classifier(K, rate=0.5)
        active.set_weights(inert.get_weights())
        assert active.evaluate(x, y, verbose=0)[0] == pytest.approx(
            inert.evaluate(x, y, verbose=0)[0], rel=1e-6)
        fitted = [m.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
                  .history["loss"][0] for m in (inert, active)]
        assert fitted[0] != pytest.approx(fitted[1], rel=1e-4), K.__name__


# --- Bidirectional LSTM on IMDB (nlp/bidirectional_lstm_imdb.py) -----------------------------

def bidirectional_imdb(K, max_features=40):  # noqa: N803
    layers = K.layers
    inputs = K.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(max_features, 6)(inputs)
    x = layers.Bidirectional(layers.LSTM(4, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(4))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return K.Model(inputs, outputs)


def ragged_reviews(n, max_features, rng):
    return [list(rng.integers(1, max_features, int(rng.integers(3, 15)))) for _ in range(n)]


def pad_like_keras(sequences, maxlen):
    """``keras.utils.pad_sequences``'s defaults: pre-padding with 0, pre-truncation, int32."""
    out = np.zeros((len(sequences), maxlen), dtype="int32")
    for i, seq in enumerate(sequences):
        seq = seq[-maxlen:]
        if len(seq):
            out[i, -len(seq):] = seq
    return out


def test_bidirectional_lstm_imdb(G):
    rng = np.random.default_rng(6)
    max_features, maxlen = 40, 12
    train, val = ragged_reviews(24, max_features, rng), ragged_reviews(8, max_features, rng)
    y_train, y_val = rng.integers(0, 2, 24), rng.integers(0, 2, 8)
    x_train, x_val = pad_like_keras(train, maxlen), pad_like_keras(val, maxlen)
    np.testing.assert_array_equal(keras.utils.pad_sequences(train, maxlen=maxlen), x_train)
    k_model, g_model = bidirectional_imdb(keras), bidirectional_imdb(G)
    assert_same_model(k_model, g_model, x_val)
    for model in (k_model, g_model):
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    k_hist = k_model.fit(x_train, y_train, batch_size=8, epochs=2, shuffle=False,
                         validation_data=(x_val, y_val), verbose=0)
    g_hist = g_model.fit(x_train, y_train, batch_size=8, epochs=2, shuffle=False,
                         validation_data=(x_val, y_val), verbose=0)
    assert_same_history(g_hist, k_hist)
    assert_same_weights(g_model, k_model, rtol=1e-3, atol=1e-5)


def test_pad_sequences_as_keras(G):
    if not hasattr(G.utils, "pad_sequences"):
        pytest.skip("glassnet.utils.pad_sequences is not there yet")
    rng = np.random.default_rng(7)
    reviews = ragged_reviews(6, 40, rng)
    for kwargs in ({"maxlen": 8}, {}, {"maxlen": 5, "padding": "post", "truncating": "post"}):
        want = keras.utils.pad_sequences(reviews, **kwargs)
        got = G.utils.pad_sequences(reviews, **kwargs)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


# --- Imbalanced classification: credit card fraud (structured_data/) -------------------------

def fraud_model(K, n_features, rate=0.3):  # noqa: N803
    model = K.Sequential([
        K.Input(shape=(n_features,)),
        K.layers.Dense(16, activation="relu"),
        K.layers.Dense(16, activation="relu"),
        K.layers.Dropout(rate),
        K.layers.Dense(16, activation="relu"),
        K.layers.Dropout(rate),
        K.layers.Dense(1, activation="sigmoid"),
    ])
    metrics = [
        K.metrics.FalseNegatives(name="fn"),
        K.metrics.FalsePositives(name="fp"),
        K.metrics.TrueNegatives(name="tn"),
        K.metrics.TruePositives(name="tp"),
        K.metrics.Precision(name="precision"),
        K.metrics.Recall(name="recall"),
    ]
    model.compile(optimizer=K.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=metrics)
    return model


def test_imbalanced_classification_credit_card_fraud(G, tmp_path):
    rng = np.random.default_rng(8)
    features = rng.normal(size=(120, 6)).astype("float32")
    targets = (rng.random((120, 1)) < 0.15).astype("uint8")
    num_val_samples = int(len(features) * 0.2)
    train_features, train_targets = features[:-num_val_samples], targets[:-num_val_samples]
    val_features, val_targets = features[-num_val_samples:], targets[-num_val_samples:]
    counts = np.bincount(train_targets[:, 0])
    weight_for_0, weight_for_1 = 1.0 / counts[0], 1.0 / counts[1]
    mean, std = np.mean(train_features, axis=0), np.std(train_features, axis=0)
    train_features -= mean
    val_features -= mean
    train_features /= std
    val_features /= std
    k_model = fraud_model(keras, train_features.shape[-1])
    g_model = fraud_model(G, train_features.shape[-1])
    assert_same_model(k_model, g_model, val_features)
    k_model = fraud_model(keras, train_features.shape[-1], rate=0.0)
    g_model = fraud_model(G, train_features.shape[-1], rate=0.0)
    copy_by_position(k_model, g_model)
    class_weight = {0: weight_for_0, 1: weight_for_1}
    # Keras's History (torch backend) logs the training confusion counts as the variables
    # themselves, which validation then overwrites: fn == val_fn ... Its training counts are
    # read from a run without validation, from the same start.
    k_train_only = fraud_model(keras, train_features.shape[-1], rate=0.0)
    k_train_only.set_weights(k_model.get_weights())
    k_counts = k_train_only.fit(train_features, train_targets, batch_size=32, epochs=2,
                                verbose=0, shuffle=False, class_weight=class_weight).history
    histories = {}
    for K, model in ((keras, k_model), (G, g_model)):
        callbacks = [K.callbacks.ModelCheckpoint(
            str(tmp_path / (K.__name__ + "_fraud_model_at_epoch_{epoch}.keras")))]
        histories[K] = model.fit(train_features, train_targets, batch_size=32, epochs=2,
                                 verbose=0, callbacks=callbacks, shuffle=False,
                                 validation_data=(val_features, val_targets),
                                 class_weight=class_weight)
    for key in ("fn", "fp", "tn", "tp"):
        histories[keras].history[key] = k_counts[key]
    # the metrics of compile(metrics=...) are unweighted: whole counts despite class_weight
    assert all(float(v).is_integer() for v in histories[G].history["fn"])
    assert_same_history(histories[G], histories[keras], rtol=1e-4, atol=1e-9)
    assert_same_weights(g_model, k_model)
    for epoch in (1, 2):
        assert (tmp_path / f"glassnet_fraud_model_at_epoch_{epoch}.keras").exists()
    reloaded = G.models.load_model(str(tmp_path / "glassnet_fraud_model_at_epoch_2.keras"))
    k_eval = k_model.evaluate(val_features, val_targets, verbose=0, return_dict=True)
    g_eval = reloaded.evaluate(val_features, val_targets, verbose=0, return_dict=True)
    assert sorted(g_eval) == sorted(k_eval)
    for key in k_eval:
        assert g_eval[key] == pytest.approx(k_eval[key], rel=1e-4, abs=1e-9), key


def test_fraud_checkpoints_cross_between_keras_and_glassnet(G, tmp_path):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(40, 5)).astype("float32")
    y = (rng.random((40, 1)) < 0.3).astype("uint8")
    k_model, g_model = fraud_model(keras, 5, rate=0.0), fraud_model(G, 5, rate=0.0)
    copy_by_position(k_model, g_model)
    k_model.save(tmp_path / "from_keras.keras")
    g_model.save(tmp_path / "from_glassnet.keras")
    g_loaded = G.models.load_model(tmp_path / "from_keras.keras")
    k_loaded = keras.models.load_model(tmp_path / "from_glassnet.keras")
    want = k_model.evaluate(x, y, verbose=0, return_dict=True)
    for loaded in (g_loaded, k_loaded):
        got = loaded.evaluate(x, y, verbose=0, return_dict=True)
        assert sorted(got) == sorted(want) == ["fn", "fp", "loss", "precision", "recall",
                                               "tn", "tp"]
        for key in want:
            assert got[key] == pytest.approx(want[key], rel=1e-5, abs=1e-9), key


# --- Convolutional autoencoder for image denoising (vision/autoencoder.py) --------------------

def denoising_autoencoder(K, upsampling=False):  # noqa: N803
    layers, Model = K.layers, K.models.Model  # noqa: N806 - `from keras.models import Model`
    input = layers.Input(shape=(12, 12, 1))  # noqa: A001 - the example's name
    x = layers.Conv2D(4, (3, 3), activation="relu", padding="same")(input)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(4, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    if upsampling:  # the classic decoder: upsample, then convolve
        x = layers.UpSampling2D((2, 2))(x)
        x = layers.Conv2D(4, (3, 3), activation="relu", padding="same")(x)
        x = layers.UpSampling2D((2, 2))(x)
    else:
        x = layers.Conv2DTranspose(4, (3, 3), strides=2, activation="relu", padding="same")(x)
        x = layers.Conv2DTranspose(4, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
    autoencoder = Model(input, x)
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    return autoencoder


def noisy_images(n=24):
    rng = np.random.default_rng(9)
    array = rng.integers(0, 256, (n, 12, 12)).astype("float32") / 255.0
    array = np.reshape(array, (len(array), 12, 12, 1))
    noise_factor = 0.4
    noisy_array = array + noise_factor * rng.normal(loc=0.0, scale=1.0, size=array.shape)
    return array, np.clip(noisy_array, 0.0, 1.0)


@pytest.mark.parametrize("upsampling", [False, True])
def test_denoising_autoencoder(G, upsampling):
    train_data, noisy_train_data = noisy_images()
    test_data, noisy_test_data = train_data[-8:], noisy_train_data[-8:]
    k_model = denoising_autoencoder(keras, upsampling)
    g_model = denoising_autoencoder(G, upsampling)
    assert_same_model(k_model, g_model, test_data)
    histories = {}
    for K, model in ((keras, k_model), (G, g_model)):
        histories[K] = model.fit(x=train_data, y=train_data, epochs=1, batch_size=8,
                                 shuffle=False, validation_data=(test_data, test_data),
                                 verbose=0)
        histories[K, "noisy"] = model.fit(x=noisy_train_data, y=train_data, epochs=1,
                                          batch_size=8, shuffle=False, verbose=0,
                                          validation_data=(noisy_test_data, test_data))
    assert_same_history(histories[G], histories[keras])
    assert_same_history(histories[G, "noisy"], histories[keras, "noisy"])
    assert_same_weights(g_model, k_model, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(g_model.predict(noisy_test_data, verbose=0),
                               as_numpy(k_model.predict(noisy_test_data, verbose=0)),
                               rtol=1e-3, atol=1e-6)


# --- Image classification from scratch (vision/image_classification_from_scratch.py) ----------
# The example's Xception-like blocks use SeparableConv2D; this small version uses Conv2D there.

def small_image_classifier(K, input_shape=(12, 12, 3), num_classes=2,  # noqa: N803
                           augment=True, rate=0.25):
    layers = K.layers
    data_augmentation_layers = [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)]

    def data_augmentation(images):
        for layer in data_augmentation_layers:
            images = layer(images)
        return images

    inputs = K.Input(shape=input_shape)
    x = data_augmentation(inputs) if augment else inputs
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(8, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    previous_block_activation = x
    for size in [8, 16]:
        x = layers.Activation("relu")(x)
        x = layers.Conv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x
    x = layers.GlobalAveragePooling2D()(x)
    units = 1 if num_classes == 2 else num_classes
    x = layers.Dropout(rate)(x)
    outputs = layers.Dense(units, activation=None)(x)
    model = K.Model(inputs, outputs)
    model.compile(optimizer=K.optimizers.Adam(3e-4),
                  loss=K.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[K.metrics.BinaryAccuracy(name="acc")])
    return model, data_augmentation


def test_image_classification_from_scratch(G):
    rng = np.random.default_rng(10)
    images = rng.integers(0, 256, (24, 12, 12, 3)).astype("float32")
    labels = rng.integers(0, 2, 24)
    k_model, _ = small_image_classifier(keras)
    g_model, g_augment = small_image_classifier(G)
    assert_same_model(k_model, g_model, images)  # augmentation is inert in predict
    augmented = np.asarray(g_augment(images))
    assert augmented.shape == images.shape and not np.allclose(augmented, images)
    k_model, _ = small_image_classifier(keras, augment=False, rate=0.0)
    g_model, _ = small_image_classifier(G, augment=False, rate=0.0)
    copy_by_position(k_model, g_model)
    k_hist = k_model.fit(images, labels, epochs=2, batch_size=8, shuffle=False, verbose=0,
                         validation_split=0.25)
    g_hist = g_model.fit(images, labels, epochs=2, batch_size=8, shuffle=False, verbose=0,
                         validation_split=0.25)
    assert_same_history(g_hist, k_hist, rtol=1e-3, atol=1e-6)
    img_array = images[0]
    for K, model in ((keras, k_model), (G, g_model)):
        batch = K.ops.expand_dims(img_array, 0)
        predictions = model.predict(batch, verbose=0)
        score = float(K.ops.sigmoid(predictions[0][0]))
        assert 0.0 < score < 1.0
    g_score = float(G.ops.sigmoid(g_model.predict(G.ops.expand_dims(img_array, 0))[0][0]))
    k_score = float(keras.ops.sigmoid(k_model.predict(img_array[None], verbose=0)[0][0]))
    assert g_score == pytest.approx(k_score, rel=1e-3)


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    keras.utils.clear_session()
    yield
