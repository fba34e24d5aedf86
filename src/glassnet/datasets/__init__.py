"""Data sets: the workshop's toy sets and the MNIST family, shaped as Keras shapes them."""
