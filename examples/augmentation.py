"""Further question: data augmentation?

With few training images, random shifts, small rotations, zooms and flips make new plausible
samples every epoch; the network sees more variety and overfits less. Here: Fashion-MNIST (or
scikit-learn's digits when Fashion-MNIST is not installed) with a small training set, trained
with and without an ``ImageAugmenter`` feeding ``fit`` through ``.flow(...)``. Also saves a grid
of augmented samples.

Run: python examples/augmentation.py [--quick] [--out reports/examples]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from _common import parse, table

from glassnet.augment import ImageAugmenter
from glassnet.layers import Dense, Dropout, Flatten
from glassnet.models import Sequential


def load(n_train: int):
    try:
        from glassnet.datasets import fashion_mnist

        (x, y), (xt, yt) = fashion_mnist.load_data()
        name, flip = "Fashion-MNIST", True
    except Exception:  # no Fashion-MNIST here: the digits that ship with scikit-learn
        from glassnet.datasets import digits

        (x, y), (xt, yt) = digits.load_data()
        name, flip = "digits", False  # a flipped digit is another digit
    scale = 255.0 if x.dtype == np.uint8 else float(x.max())
    return name, flip, (x[:n_train] / scale, y[:n_train]), (xt / scale, yt)


def build(shape) -> Sequential:
    model = Sequential([Flatten(input_shape=shape), Dense(256, activation="relu"), Dropout(0.2),
                        Dense(10, activation="softmax")], seed=0)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv: Sequence[str] | None = None) -> list[dict]:
    args = parse(__doc__, argv, "reports/examples")
    name, flip, (x, y), (xt, yt) = load(300 if args.quick else 2000)
    x, xt = x.astype("float32"), xt.astype("float32")
    if args.quick:
        xt, yt = xt[:500], yt[:500]
    epochs, batch = (2 if args.quick else 60), 64
    plain = build(x.shape[1:])
    plain.fit(x, y, epochs=epochs, batch_size=batch, verbose=0)
    augmenter = ImageAugmenter(rotation=10, shift=0.1, zoom=0.1, flip="horizontal" if flip else False,
                               seed=0)
    augmented = build(x.shape[1:])
    augmented.fit(augmenter.flow(x, y, batch_size=batch, seed=0), epochs=epochs,
                  steps_per_epoch=int(np.ceil(len(x) / batch)), verbose=0)
    rows = [{"training": f"{len(x)} {name} images, no augmentation",
             "test accuracy": plain.evaluate(xt, yt, verbose=0)[1]},
            {"training": f"{len(x)} {name} images, augmented",
             "test accuracy": augmented.evaluate(xt, yt, verbose=0)[1]}]
    print(table(rows, ["training", "test accuracy"]))
    try:
        from glassnet.plotting.images import plot_image_grid

        sample = np.concatenate([x[:8], augmenter(x[:8]), augmenter(x[:8])])
        plot_image_grid(sample, labels=np.tile(y[:8], 3), n=24,
                        path=args.out / "augmentation_samples.png")
    except ImportError:
        pass
    return rows


if __name__ == "__main__":
    main()
