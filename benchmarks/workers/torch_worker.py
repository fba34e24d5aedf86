"""PyTorch worker: the standard eager training loop, minimal and fair.

Per epoch: one ``randperm`` gather of the training tensors (like glassnet's per-epoch
shuffle), then index slices of ``batch_size`` rows, and for each batch::

    opt.zero_grad(); loss = F.cross_entropy(model(xb), yb); loss.backward(); opt.step()

No DataLoader (its worker/collate machinery would be unfair to PyTorch on in-memory data),
no per-batch ``loss.item()`` or accuracy; each epoch's shuffled copy is released before the
next epoch's gather (so at most one copy of the training set exists at a time). Weights are
initialised like Keras/glassnet (Glorot-uniform kernels, zero biases; LSTM/GRU recurrent
kernels orthogonal) so accuracies are comparable; the init has no effect on speed. The
network ends in logits: the softmax lives inside ``F.cross_entropy`` (glassnet fuses it the
same way).

Prediction: ``model.eval()`` and ``torch.no_grad()``, forward in batches of 256 rows
(glassnet's ``predict`` default), into one preallocated output tensor; median of 5 calls.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workers import _cli  # noqa: E402  (no NumPy import: the thread variables come first)

FRAMEWORK = "torch"


def build_model(wl):
    import torch
    from torch import nn

    if wl.kind == "mlp":
        sizes = (784, *wl.hidden)
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(a, b), nn.ReLU()]
        model = nn.Sequential(*layers, nn.Linear(sizes[-1], 10))
    elif wl.kind == "cnn":
        c1, c2, d = wl.hidden
        model = nn.Sequential(
            nn.Conv2d(1, c1, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(c2 * 5 * 5, d), nn.ReLU(), nn.Linear(d, 10),
        )
    else:
        rnn_cls = nn.LSTM if wl.cell == "lstm" else nn.GRU

        class LastStep(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.rnn = rnn_cls(28, wl.hidden[0], batch_first=True)
                self.out = nn.Linear(wl.hidden[0], 10)

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                seq, _ = self.rnn(x)  # (batch, time, hidden)
                return self.out(seq[:, -1])

        model = LastStep()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "bias" in name:
                nn.init.zeros_(p)
            elif "weight_hh" in name:
                nn.init.orthogonal_(p)
            else:
                nn.init.xavier_uniform_(p)
    return model


def train(args, wl):
    import common
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    result = common.WorkerResult(wl.key, FRAMEWORK, version=torch.__version__)
    x_train, y_train, x_test, y_test = common.load_prepared(args.data)
    x = torch.from_numpy(common.shaped(x_train, wl.kind, channels_first=True))  # shares memory
    y = torch.from_numpy(y_train)
    xt = torch.from_numpy(common.shaped(x_test, wl.kind, channels_first=True))
    memory = common.MemoryProbe()
    memory.start()

    model = build_model(wl)
    if wl.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=wl.learning_rate)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=wl.learning_rate, eps=common.ADAM_EPSILON)
    gen = torch.Generator().manual_seed(args.seed)
    n, bs = len(x), wl.batch_size
    watch = common.Stopwatch()
    t_fit = time.perf_counter()
    for _ in range(args.epochs):
        watch.start()
        model.train()
        perm = torch.randperm(n, generator=gen)
        xs, ys = x[perm], y[perm]
        for i in range(0, n, bs):
            xb, yb = xs[i:i + bs], ys[i:i + bs]
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        # Let go of this epoch's shuffled copy (the batch views hold it too) before the next
        # gather, so the loop never holds two copies of the training set.
        del xs, ys, xb, yb
        watch.stop()
    result.fit_total_s = time.perf_counter() - t_fit

    def predict() -> torch.Tensor:
        model.eval()
        with torch.no_grad():
            out = torch.empty(len(xt), 10)
            for i in range(0, len(xt), common.PREDICT_BATCH):
                out[i:i + common.PREDICT_BATCH] = model(xt[i:i + common.PREDICT_BATCH])
        return out

    result.predict_s, out = common.timed_predict(predict)
    result.record(watch, memory, out.numpy(), y_test)
    result.note = f"torch threads {torch.get_num_threads()}"
    return result


if __name__ == "__main__":
    sys.exit(_cli.main(FRAMEWORK, train))
