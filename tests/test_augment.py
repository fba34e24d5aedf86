"""Image augmentation: shapes and dtypes kept, seeded, exact where it should be; the layer."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.augment import (
    ImageAugmenter,
    affine_transform,
    flip_horizontal,
    flip_vertical,
    gaussian_noise,
    random_erasing,
    random_flip,
    random_rotation,
    random_shift,
    random_zoom,
)
from glassnet.layers.augmentation import RandomAugmentation
from glassnet.layers.base import deserialize_layer, serialize_layer


@pytest.fixture(params=[(np.uint8, (6, 12, 10)), (np.float32, (6, 12, 10, 3))],
                ids=["uint8-nhw", "float32-nhwc"])
def batch(request, rng):
    dtype, shape = request.param
    if dtype == np.uint8:
        return rng.integers(0, 256, size=shape, dtype=np.uint8)
    return rng.random(shape, dtype=np.float32)


FULL = {"rotation": 20, "shift": 2, "zoom": 0.2, "flip": "horizontal_and_vertical",
        "noise": 0.05, "erasing": 0.5}

RANDOM_FUNCTIONS = [
    lambda x, r: random_rotation(x, 30, r),
    lambda x, r: random_shift(x, 0.2, r, fill_mode="reflect"),
    lambda x, r: random_zoom(x, (0.8, 1.3), r, interpolation="nearest"),
    lambda x, r: random_flip(x, r, mode="horizontal_and_vertical"),
    lambda x, r: gaussian_noise(x, 0.1, r),
    lambda x, r: random_erasing(x, r, p=1.0),
    lambda x, r: ImageAugmenter(**FULL)(x, rng=r),
]
IDS = ["rotation", "shift", "zoom", "flip", "noise", "erasing", "augmenter"]


@pytest.mark.parametrize("fn", RANDOM_FUNCTIONS, ids=IDS)
def test_shape_dtype_kept_seeded_and_input_untouched(batch, fn):
    before = batch.copy()
    out = fn(batch, 0)
    assert out.shape == batch.shape and out.dtype == batch.dtype
    np.testing.assert_array_equal(batch, before)
    np.testing.assert_array_equal(fn(batch, 0), out)  # same seed, same batch
    assert not np.array_equal(fn(batch, 1), out)  # another seed, another batch
    if batch.dtype == np.float32:
        assert np.isfinite(out).all()


@pytest.mark.parametrize("fn", [
    lambda x: random_rotation(x, 0, 0), lambda x: random_shift(x, 0, 0),
    lambda x: random_zoom(x, 0, 0), lambda x: gaussian_noise(x, 0, 0),
    lambda x: random_erasing(x, 0, p=0), lambda x: random_flip(x, 0, p=0),
    lambda x: ImageAugmenter()(x), lambda x: affine_transform(x, rotation=0, zoom=1, shift=(0, 0)),
], ids=["rotation", "shift", "zoom", "noise", "erasing", "flip", "augmenter", "affine"])
def test_zero_strength_is_the_identity(batch, fn):
    out = fn(batch)
    np.testing.assert_array_equal(out, batch)
    assert out is not batch


def test_flip_twice_is_the_identity(batch):
    np.testing.assert_array_equal(flip_horizontal(flip_horizontal(batch)), batch)
    np.testing.assert_array_equal(flip_vertical(flip_vertical(batch)), batch)
    np.testing.assert_array_equal(flip_horizontal(batch)[:, :, 0], batch[:, :, -1])
    once = random_flip(batch, 5, mode="horizontal_and_vertical")
    np.testing.assert_array_equal(random_flip(once, 5, mode="horizontal_and_vertical"), batch)


def test_geometry_conventions_match_numpy(batch):
    square = batch[:, :10, :10]
    np.testing.assert_allclose(affine_transform(square, rotation=90),
                               np.rot90(square, axes=(1, 2)), atol=1e-5)
    np.testing.assert_array_equal(affine_transform(batch, rotation=180), batch[:, ::-1, ::-1])
    moved = affine_transform(batch, shift=(2, -3))  # down 2, left 3, zeros come in
    np.testing.assert_array_equal(moved[:, 2:, :-3], batch[:, :-2, 3:])
    assert np.all(moved[:, :2] == 0) and np.all(moved[:, :, -3:] == 0)
    wrapped = affine_transform(batch, shift=(1, 0), fill_mode="wrap")
    np.testing.assert_array_equal(wrapped, np.roll(batch, 1, axis=1))
    # Zooming out by 2 then in by 2 keeps the centre of a smooth image.
    smooth = np.broadcast_to(np.linspace(0, 1, 10, dtype=np.float32), (2, 10, 10))
    back = affine_transform(affine_transform(smooth, zoom=2.0), zoom=0.5, fill_mode="nearest")
    np.testing.assert_allclose(back[:, 3:7, 3:7], smooth[:, 3:7, 3:7], atol=0.06)


def test_each_image_gets_its_own_draw(rng):
    same = np.repeat(rng.integers(0, 256, (1, 16, 16), dtype=np.uint8), 8, axis=0)
    out = random_rotation(same, 45, 0)
    assert len({o.tobytes() for o in out}) == 8
    shifted = random_shift(same, 3, 0)  # int: whole pixels, so values are copied exactly
    assert set(np.unique(shifted)) <= set(np.unique(same)) | {0}


def test_uint8_results_are_rounded_and_clipped():
    x = np.full((4, 8, 8), 250, dtype=np.uint8)
    out = gaussian_noise(x, 0.2, 0)
    assert out.dtype == np.uint8 and out.max() == 255 and out.min() < 250


def test_erasing_blanks_one_rectangle():
    x = np.full((50, 20, 20), 9, dtype=np.uint8)
    out = random_erasing(x, 0, p=1.0, value=0)
    erased = out == 0
    assert erased.any(axis=(1, 2)).all()
    rows, cols = erased.any(axis=2), erased.any(axis=1)
    assert np.array_equal(erased.sum(axis=(1, 2)), rows.sum(1) * cols.sum(1))  # a rectangle
    fraction = erased.mean(axis=(1, 2))
    assert fraction.min() >= 0.01 and fraction.max() <= 0.4


def test_augmenter_flow_batches_and_labels(rng):
    x = rng.integers(0, 256, (10, 8, 8), dtype=np.uint8)
    y = np.arange(10)
    aug = ImageAugmenter(rotation=10, shift=1, seed=0)
    flow = aug.flow(x, y, batch_size=4, seed=3, repeat=False)
    batches = list(flow)
    assert len(flow) == 3 and [len(b[1]) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate([b[1] for b in batches]).tolist()) == list(range(10))
    assert all(b[0].dtype == np.uint8 and b[0].shape[1:] == (8, 8) for b in batches)
    again = list(aug.flow(x, y, batch_size=4, seed=3, repeat=False))
    np.testing.assert_array_equal(again[1][0], batches[1][0])
    forever = aug.flow(x, batch_size=4, shuffle=False)
    seen = [next(forever) for _ in range(7)]
    assert forever.epoch == 2 and seen[0].shape == (4, 8, 8)  # x alone: batches, no labels
    plain = list(ImageAugmenter().flow(x, y, batch_size=5, shuffle=False, repeat=False))
    np.testing.assert_array_equal(plain[1][0], x[5:])
    np.testing.assert_array_equal(plain[1][1], y[5:])  # labels untouched


def test_augmenter_seed_and_config_round_trip(batch):
    a = ImageAugmenter(**FULL, seed=4)
    b = ImageAugmenter.from_config(a.get_config())
    np.testing.assert_array_equal(a(batch), b(batch))
    assert "rotation=20.0" in repr(a)


def test_augmentation_errors(batch):
    with pytest.raises(ValueError, match=r"`x` must be a batch of images of shape \(n, h, w\) "
                       r"or \(n, h, w, c\), got shape \(5, 5\)"):
        random_rotation(np.zeros((5, 5)), 10, 0)
    with pytest.raises(TypeError, match="`x` must have an integer or float dtype, got bool"):
        random_flip(np.zeros((1, 2, 2), bool))
    with pytest.raises(ValueError, match="`fill_mode` must be one of .*, got 'mirror'"):
        random_shift(batch, 1, 0, fill_mode="mirror")
    with pytest.raises(ValueError, match="`max_degrees` must be a finite number >= 0, got -5"):
        random_rotation(batch, -5)
    with pytest.raises(ValueError, match="`zoom` must give magnifications 0 < low <= high"):
        random_zoom(batch, 1.5)
    with pytest.raises(ValueError, match=r"`zoom` must be finite and > 0"):
        affine_transform(batch, zoom=0)
    with pytest.raises(ValueError, match="`p` must be a probability in \\[0, 1\\], got 2"):
        random_erasing(batch, p=2)
    with pytest.raises(ValueError, match="`mode` must be one of"):
        random_flip(batch, mode="diagonal")
    with pytest.raises(ValueError, match="`flip` must be True, False or one of"):
        ImageAugmenter(flip="sideways")
    with pytest.raises(ValueError, match="`shift` must be a number or a pair, got"):
        ImageAugmenter(shift=(1, 2, 3))
    with pytest.raises(TypeError, match="`rng` must be a numpy Generator, an int seed or None"):
        gaussian_noise(batch, 0.1, rng="seed")
    with pytest.raises(ValueError, match=r"`y` must have one entry per image \(6\)"):
        ImageAugmenter().flow(batch, np.zeros(5))
    with pytest.raises(ValueError, match="`batch_size` must be a positive int, got 0"):
        ImageAugmenter().flow(batch, batch_size=0)


# ----------------------------------------------------------------------------- the layer


def test_layer_is_identity_unless_training(rng):
    x = rng.random((4, 12, 12), dtype=np.float32)
    layer = RandomAugmentation(ImageAugmenter(rotation=30, shift=2), seed=0)
    assert layer.stochastic
    assert layer(x) is x
    out = layer(x, training=True)
    assert out.shape == x.shape and out.dtype == x.dtype and not np.allclose(out, x)
    grad = rng.standard_normal(x.shape).astype(np.float32)
    assert layer.backward(grad) is grad
    assert layer.output_shape((12, 12)) == (12, 12)


def test_layer_uses_the_models_noise_generator(rng):
    x = rng.random((4, 12, 12, 1), dtype=np.float32)
    outs = []
    for _ in range(2):
        layer = RandomAugmentation({"rotation": 30})
        layer.noise_rng = np.random.default_rng(11)  # as the model hands it over
        layer.build((12, 12, 1), np.random.default_rng(0))
        outs.append(layer.forward(x, training=True))
    np.testing.assert_array_equal(*outs)


def test_layer_config_round_trips():
    layer = RandomAugmentation(ImageAugmenter(rotation=5, zoom=(0.9, 1.2), flip=True), seed=3,
                               name="aug")
    clone = deserialize_layer(serialize_layer(layer))
    assert isinstance(clone, RandomAugmentation) and clone.get_config() == layer.get_config()
    x = np.random.default_rng(0).random((3, 9, 9), dtype=np.float32)
    np.testing.assert_array_equal(clone(x, training=True), layer(x, training=True))


def test_layer_errors():
    with pytest.raises(TypeError, match="`augmenter` must be an ImageAugmenter or its config"):
        RandomAugmentation("rotate")
    with pytest.raises(ValueError, match=r"needs images of shape \(h, w\) or \(h, w, c\) per "
                       r"sample, got input_shape \(784,\)"):
        RandomAugmentation().build((784,), np.random.default_rng(0))
