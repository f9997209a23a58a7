"""A network's files: the JSON structure and the ``.npz`` weights, saved, loaded and refused.

* A round trip keeps the structure, every weight bit for bit, the name and the meta figures;
  either file (or the bare stem) opens the pair; a structure alone gets new weights.
* Every damaged or hostile file raises :class:`NetworkFileError` (a ``ValueError``) whose
  message names the file and says what to do, and allocates nothing large.
* ``save`` writes both files or neither: it refuses to replace a file it did not write unless
  confirmed, decided before anything is written, and puts the weights back if the structure
  cannot be written.
"""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import convgui.net as net_module
from convgui.core.network import LayerSpec, pool_layer
from convgui.net import MAX_JSON_BYTES, MAX_NPZ_BYTES, Network, NetworkFileError
from convgui.safeio import NeedsConfirmationError, SaveError

#: Every kind of layer and setting a file can hold.
LAYERS = [
    LayerSpec("conv2d", "conv1", filters=4, kernel_size=(3, 3), padding="same", groups=2),
    LayerSpec("activation", "act1", activation="leaky_relu"),
    LayerSpec(
        "conv2d",
        "conv2",
        filters=6,
        kernel_size=(2, 3),
        strides=(1, 2),
        padding=(1, 0, 2, 1),
        dilation_rate=(2, 1),
        use_bias=False,
    ),
    pool_layer("max_pool", 2, name="pool1"),
    LayerSpec(
        "conv2d_transpose",
        "up",
        filters=3,
        kernel_size=(3, 3),
        strides=(2, 2),
        padding="same",
        output_padding=(1, 1),
    ),
    LayerSpec("conv2d_transpose", "up2", filters=2, kernel_size=(2, 2), padding=(1, 0)),
    LayerSpec("avg_pool", "pool2", kernel_size=(3, 3), strides=(2, 2), padding="same"),
    LayerSpec("flatten", "flatten"),
    LayerSpec("dense", "dense", units=7),
    LayerSpec("softmax", "softmax"),
]
SHAPE = (12, 10, 2)


@pytest.fixture
def net() -> Network:
    rng = np.random.default_rng(20261204)
    plain = Network(LAYERS, None, SHAPE, seed=3)
    # Values float32 cannot round-trip through text: the .npz must keep every bit.
    weights = [
        {k: rng.standard_normal(v.shape).astype(np.float32) / 3 for k, v in w.items()}
        for w in plain.weights
    ]
    return Network(
        LAYERS, weights, SHAPE, name="all layers", meta={"held_out_accuracy": 0.975, "epochs": 25}
    )


def assert_same(a: Network, b: Network) -> None:
    assert a.layers == b.layers
    assert a.input_shape == b.input_shape
    assert a.name == b.name
    assert a.meta == b.meta
    for wa, wb in zip(a.weights, b.weights):
        assert wa.keys() == wb.keys()
        for key in wa:
            assert wa[key].dtype == wb[key].dtype == np.float32
            assert wa[key].tobytes() == wb[key].tobytes()


# --- round trip --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["net", "net.json", "net.npz", "net.JSON"])
def test_save_then_load_by_either_file_gives_the_same_network(
    net: Network, tmp_path: Path, name: str
) -> None:
    a, b = net.save(tmp_path / name)
    assert (a.name, b.name) == ("net.json", "net.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json", "net.npz"]
    for opened in ("net", "net.json", "net.npz"):
        back = Network.load(tmp_path / opened)
        assert_same(back, net)
    x = np.random.default_rng(1).uniform(0, 1, SHAPE)
    for y0, y1 in zip(net.forward(x), Network.load(a).forward(x)):
        np.testing.assert_array_equal(y0, y1)


def test_a_name_with_another_dot_keeps_it(net: Network, tmp_path: Path) -> None:
    a, b = net.save(tmp_path / "digits.v2")
    assert (a.name, b.name) == ("digits.v2.json", "digits.v2.npz")
    assert_same(Network.load(tmp_path / "digits.v2.npz"), net)


def test_the_structure_file_is_plain_json_with_keras_names(net: Network, tmp_path: Path) -> None:
    a, _ = net.save(tmp_path / "net")
    data = json.loads(a.read_text("utf-8"))
    assert data["format"] == "convgui-network" and data["version"] == 1
    assert data["input_shape"] == [12, 10, 2] and data["name"] == "all layers"
    assert data["layers"][0] == {
        "type": "conv2d",
        "name": "conv1",
        "filters": 4,
        "kernel_size": [3, 3],
        "strides": [1, 1],
        "padding": "same",
        "dilation_rate": [1, 1],
        "use_bias": True,
        "groups": 2,
    }
    assert data["layers"][3] == {
        "type": "max_pool",
        "name": "pool1",
        "pool_size": [2, 2],
        "strides": [2, 2],
        "padding": "valid",
    }
    assert data["layers"][4]["output_padding"] == [1, 1]
    assert data["layers"][8] == {"type": "dense", "name": "dense", "units": 7, "use_bias": True}


def test_the_weights_file_holds_keras_layouts_and_the_meta_figures(net: Network) -> None:
    with np.load(io.BytesIO(net.weights_npz()), allow_pickle=False) as f:
        members = {k: f[k] for k in f.files}
    assert members["conv1/kernel"].shape == (3, 3, 1, 4)  # (kh, kw, C_in / groups, filters)
    assert "conv2/bias" not in members  # use_bias=False
    assert members["up/kernel"].shape == (3, 3, 3, 6)  # transposed: (kh, kw, filters, C_in)
    assert members["dense/kernel"].shape[1] == 7  # (inputs, units)
    assert float(members["meta/held_out_accuracy"]) == 0.975
    assert set(members) == {
        "conv1/kernel",
        "conv1/bias",
        "conv2/kernel",
        "up/kernel",
        "up/bias",
        "up2/kernel",
        "up2/bias",
        "dense/kernel",
        "dense/bias",
        "meta/held_out_accuracy",
        "meta/epochs",
    }


def test_a_structure_alone_opens_with_new_weights(net: Network, tmp_path: Path) -> None:
    a, b = net.save(tmp_path / "net")
    b.unlink()
    fresh = Network.load(a)
    assert fresh.layers == net.layers and fresh.meta == {}
    for wf, wn in zip(fresh.weights, net.weights):
        assert {k: v.shape for k, v in wf.items()} == {k: v.shape for k, v in wn.items()}
    assert not np.array_equal(fresh.weights[0]["kernel"], net.weights[0]["kernel"])
    assert np.all(fresh.weights[0]["bias"] == 0)  # He-normal kernels, zero biases


def test_a_hand_written_structure_without_strides_pools_as_keras(tmp_path: Path) -> None:
    layers = [
        {"type": "conv2d", "name": "c", "filters": 2, "kernel_size": 3},
        {"type": "max_pool", "name": "p", "pool_size": [3, 3]},
        {"type": "avg_pool", "name": "q"},
    ]
    (tmp_path / "hand.json").write_text(
        json.dumps(
            {
                "format": "convgui-network",
                "version": 1,
                "input_shape": [20, 20, 1],
                "layers": layers,
            }
        )
    )
    net = Network.load(tmp_path / "hand.json")
    assert net.layers[1].strides == (3, 3) and net.layers[2].kernel_size == (2, 2)
    assert net.output_shapes == [(18, 18, 2), (6, 6, 2), (3, 3, 2)]


# --- refused structures --------------------------------------------------------------------------


def structure(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": "convgui-network",
        "version": 1,
        "name": "n",
        "input_shape": [8, 8, 1],
        "layers": [
            {"type": "conv2d", "name": "c", "filters": 2, "kernel_size": [3, 3]},
            {"type": "flatten", "name": "f"},
            {"type": "dense", "name": "d", "units": 3},
        ],
    }
    data.update(changes)
    return data


def layers_with(i: int, **changes: Any) -> list[dict[str, Any]]:
    layers = structure()["layers"]
    layers[i] = {**layers[i], **changes}
    return layers


PREFIX = (
    b'{"format": "convgui-network", "version": 1, "input_shape": [8, 8, 1], '
    b'"layers": [{"type": "conv2d", "name": "c", "filters": 1'
)

BAD_STRUCTURES: dict[str, tuple[bytes, str]] = {
    "not json": (b"conv 3x3 then relu", "not valid JSON"),
    "not utf-8": (b"\xff\xfe\x00{", "not UTF-8"),
    "a list": (b"[1, 2, 3]", "not a convgui network"),
    "keras json": (json.dumps({"class_name": "Sequential"}).encode(), "not a convgui network"),
    "wrong format": (json.dumps(structure(format="keras")).encode(), "not a convgui network"),
    "version 2": (json.dumps(structure(version=2)).encode(), "update convgui"),
    "no layers": (json.dumps(structure(layers=[])).encode(), "non-empty list"),
    "unknown type": (
        json.dumps(structure(layers=layers_with(0, type="lstm"))).encode(),
        "unknown layer type 'lstm'",
    ),
    "unknown setting": (
        json.dumps(structure(layers=layers_with(0, kernel=3))).encode(),
        "no setting 'kernel'",
    ),
    "bad activation": (
        json.dumps(
            structure(layers=[{"type": "activation", "name": "a", "activation": "gelu"}])
        ).encode(),
        "unknown activation",
    ),
    "string filters": (
        json.dumps(structure(layers=layers_with(0, filters="8"))).encode(),
        "whole number",
    ),
    "float stride": (
        json.dumps(structure(layers=layers_with(0, strides=1.5))).encode(),
        "whole numbers",
    ),
    "huge filters": (
        PREFIX + b"0" * 400 + b"}]}",
        "between 1 and",
    ),
    "too many digits": (
        PREFIX + b"0" * 5000 + b"}]}",
        "not valid JSON",
    ),
    "NaN": (
        json.dumps(structure(layers=layers_with(2, units=float("nan")))).encode(),
        "not valid JSON",
    ),
    "dense before flatten": (
        json.dumps(structure(layers=[{"type": "dense", "name": "d", "units": 3}])).encode(),
        "put a flatten layer before it",
    ),
    "conv after flatten": (
        json.dumps(
            structure(layers=[{"type": "flatten", "name": "f"}, {"type": "conv2d", "name": "c"}])
        ).encode(),
        "move it before the flatten",
    ),
    "kernel larger than input": (
        json.dumps(structure(layers=layers_with(0, kernel_size=[9, 9]))).encode(),
        "layer 1 (c)",
    ),
    "duplicate names": (
        json.dumps(structure(layers=layers_with(1, name="c"))).encode(),
        "two layers are named 'c'",
    ),
    "no name": (json.dumps(structure(layers=layers_with(0, name=""))).encode(), "has no name"),
    "bad input shape": (json.dumps(structure(input_shape=[8, -8, 1])).encode(), "input width"),
    "too many layers": (
        json.dumps(
            structure(layers=[{"type": "activation", "name": f"a{i}"} for i in range(65)])
        ).encode(),
        "at most 64 layers",
    ),
    "too many weights": (
        json.dumps(
            structure(
                input_shape=[64, 64, 64],
                layers=[
                    {"type": "flatten", "name": "f"},
                    {"type": "dense", "name": "d", "units": 4096},
                ],
            )
        ).encode(),
        "more than 16,000,000",
    ),
    "nested lists": (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    "nested objects": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
}


@pytest.mark.parametrize("case", list(BAD_STRUCTURES))
def test_a_bad_structure_file_is_refused_with_its_name_and_what_to_do(
    tmp_path: Path, case: str
) -> None:
    text, fragment = BAD_STRUCTURES[case]
    (tmp_path / "bad.json").write_bytes(text)
    with pytest.raises(NetworkFileError) as info:
        Network.load(tmp_path / "bad.npz")  # either name opens the pair
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "bad.json" in message and fragment in message
    assert any(
        w in message for w in ("open", "Open", "update", "Fix", "use", "Use", "put", "move", "give")
    )


def test_a_missing_or_oversized_structure_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NetworkFileError, match=r"(?s)missing\.json.*does not exist"):
        Network.load(tmp_path / "missing.npz")
    (tmp_path / "big.json").write_bytes(b" " * (MAX_JSON_BYTES + 1))
    with pytest.raises(NetworkFileError, match=r"big\.json.*MB"):
        Network.load(tmp_path / "big.json")
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(NetworkFileError, match=r"folder\.json.*folder"):
        Network.load(tmp_path / "folder")


# --- refused weights -----------------------------------------------------------------------------


def small() -> Network:
    return Network(
        [
            LayerSpec("conv2d", "c", filters=2),
            LayerSpec("flatten", "f"),
            LayerSpec("dense", "d", units=3),
        ],
        None,
        (8, 8, 1),
        name="n",
    )


def npz_of(**arrays: Any) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def good_arrays() -> dict[str, Any]:
    w = small().weights
    return {
        "c/kernel": w[0]["kernel"],
        "c/bias": w[0]["bias"],
        "d/kernel": w[2]["kernel"],
        "d/bias": w[2]["bias"],
    }


def with_member(name: str, payload: bytes, base: dict[str, Any] | None = None) -> bytes:
    """An archive of ``base`` (the good arrays) and one raw member written as is."""
    arrays = good_arrays() if base is None else base
    arrays.pop(name.removesuffix(".npy"), None)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for key, arr in arrays.items():
            member = io.BytesIO()
            np.save(member, arr)
            zf.writestr(key + ".npy", member.getvalue())
        zf.writestr(name, payload)
    return buf.getvalue()


def npy_header(shape: tuple[int, ...], descr: str = "<f4", pad: int = 0) -> bytes:
    """An ``.npy`` version 1 header claiming ``shape`` (its data is not written)."""
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    header += " " * pad
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    if len(header) < 65536:
        return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
    return b"\x93NUMPY\x02\x00" + len(header).to_bytes(4, "little") + header.encode()


def bomb() -> bytes:
    """A member that claims (and inflates to) 40 MB of zeros, 40 kB on disk."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        arrays = good_arrays()
        del arrays["c/kernel"]
        for key, arr in arrays.items():
            member = io.BytesIO()
            np.save(member, arr)
            zf.writestr(key + ".npy", member.getvalue())
        with zf.open("c/kernel.npy", "w", force_zip64=True) as out:
            out.write(npy_header((10_000_000,)))
            zero = bytes(1 << 20)
            for _ in range(40):
                out.write(zero)
    return buf.getvalue()


def truncated() -> bytes:
    data = npz_of(**good_arrays())
    return data[: len(data) // 2]


def nan_kernel() -> bytes:
    arrays = good_arrays()
    arrays["c/kernel"] = arrays["c/kernel"].copy()
    arrays["c/kernel"][0, 0, 0, 0] = np.nan
    return npz_of(**arrays)


def huge_float() -> bytes:
    arrays = good_arrays()
    arrays["d/bias"] = np.array([1e300, 0, 0])  # finite in float64, not in float32
    return npz_of(**arrays)


def object_member() -> bytes:
    arrays = good_arrays()
    obj = np.empty(3, dtype=object)
    obj[:] = [1, "two", None]
    member = io.BytesIO()
    np.save(member, obj, allow_pickle=True)
    return with_member("d/bias.npy", member.getvalue(), arrays)


def duplicate_member() -> bytes:
    data = io.BytesIO(npz_of(**good_arrays()))
    member = io.BytesIO()
    np.save(member, np.zeros(3, np.float32))
    with zipfile.ZipFile(data, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("d/bias.npy", member.getvalue())
    return data.getvalue()


BAD_WEIGHTS: dict[str, tuple[Callable[[], bytes], str]] = {
    "not a zip": (lambda: b"these are not weights", "not a NumPy .npz archive"),
    "truncated": (truncated, "not a NumPy .npz archive"),
    "missing": (
        lambda: npz_of(**{k: v for k, v in good_arrays().items() if k != "d/bias"}),
        "no weights for d/bias",
    ),
    "extra": (
        lambda: npz_of(**good_arrays(), **{"e/kernel": np.ones(2)}),
        "holds e/kernel, which no layer has",
    ),
    "wrong shape": (
        lambda: npz_of(**{**good_arrays(), "c/kernel": np.ones((3, 3, 1, 3))}),
        "has shape (3, 3, 1, 3), but its layer needs (3, 3, 1, 2)",
    ),
    "transposed dense": (
        lambda: npz_of(**{**good_arrays(), "d/kernel": np.ones((3, 72))}),
        "its layer needs (72, 3)",
    ),
    "text": (
        lambda: npz_of(**{**good_arrays(), "d/bias": np.array(["a", "b", "c"])}),
        "real numbers",
    ),
    "complex": (lambda: npz_of(**{**good_arrays(), "d/bias": np.ones(3, complex)}), "real numbers"),
    "objects": (object_member, "real numbers"),
    "NaN": (nan_kernel, "not finite"),
    "too large for float32": (huge_float, "not finite"),
    "zip bomb": (bomb, "would inflate to"),
    "a huge claimed shape": (
        lambda: with_member("c/kernel.npy", npy_header((10**12,))),
        "has shape (1000000000000,)",
    ),
    "a huge header": (
        lambda: with_member("c/kernel.npy", npy_header((3, 3, 1, 2), pad=200_000)),
        "would inflate to",
    ),
    "a header past numpy's limit": (
        lambda: with_member("c/kernel.npy", npy_header((3, 3, 1, 2), pad=9_950)),
        "not a readable NumPy array",
    ),
    "a short member": (
        lambda: with_member("c/kernel.npy", npy_header((3, 3, 1, 2)) + b"\0" * 10),
        "cannot be read",
    ),
    "not npy": (
        lambda: with_member("c/kernel.npy", b"\x93NUMPY garbage"),
        "not a readable NumPy array",
    ),
    "duplicate": (duplicate_member, "holds d/bias twice"),
    "too many figures": (
        lambda: npz_of(**good_arrays(), **{f"meta/m{i}": np.float64(i) for i in range(65)}),
        "at most 64",
    ),
    "a figure of many values": (
        lambda: npz_of(**good_arrays(), **{"meta/acc": np.ones(5)}),
        "must be one number",
    ),
}


@pytest.mark.parametrize("case", list(BAD_WEIGHTS))
def test_bad_weights_are_refused_with_the_file_name_and_allocate_nothing_large(
    tmp_path: Path, case: str
) -> None:
    make, fragment = BAD_WEIGHTS[case]
    (tmp_path / "w.json").write_text(small().structure_json())
    (tmp_path / "w.npz").write_bytes(make())
    tracemalloc.start()
    try:
        with pytest.raises(NetworkFileError) as info:
            Network.load(tmp_path / "w.json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert message.startswith("w.npz: ") and fragment in message, message
    # ... and what to do about it.
    assert "keep a network's .json and .npz together" in message or (
        "Save the network again" in message
    ), message
    assert peak < 8_000_000, f"{case}: {peak:,} bytes allocated"


def test_a_figure_that_is_not_finite_is_left_out(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_text(small().structure_json())
    (tmp_path / "w.npz").write_bytes(
        npz_of(**good_arrays(), **{"meta/a": np.float64(np.inf), "meta/b": np.int64(3)})
    )
    assert Network.load(tmp_path / "w.npz").meta == {"b": 3.0}


def test_an_oversized_weights_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_text(small().structure_json())
    with open(tmp_path / "w.npz", "wb") as f:
        f.truncate(MAX_NPZ_BYTES + 1)  # sparse: nothing is written to disk
    with pytest.raises(NetworkFileError, match=r"w\.npz.*MB.*weights of w\.json"):
        Network.load(tmp_path / "w.json")


# --- saving ------------------------------------------------------------------------------------


def test_save_refuses_to_replace_a_structure_it_did_not_write(net: Network, tmp_path: Path) -> None:
    (tmp_path / "net.json").write_text("mine")
    with pytest.raises(NeedsConfirmationError):
        net.save(tmp_path / "net")
    assert (tmp_path / "net.json").read_text() == "mine"
    assert not (tmp_path / "net.npz").exists()  # nothing written at all
    net.save(tmp_path / "net", confirmed=True)
    assert_same(Network.load(tmp_path / "net"), net)


def test_save_refuses_to_replace_weights_it_did_not_write(net: Network, tmp_path: Path) -> None:
    (tmp_path / "net.npz").write_bytes(b"theirs")
    with pytest.raises(NeedsConfirmationError):
        net.save(tmp_path / "net.json")
    assert (tmp_path / "net.npz").read_bytes() == b"theirs"
    assert not (tmp_path / "net.json").exists()


def test_saving_again_in_the_same_session_needs_no_confirmation(
    net: Network, tmp_path: Path
) -> None:
    net.save(tmp_path / "net")
    edited = net.with_weight(0, "bias", np.ones(4))
    edited.save(tmp_path / "net")
    assert_same(Network.load(tmp_path / "net"), edited)


def test_a_save_that_cannot_write_changes_nothing(net: Network, tmp_path: Path) -> None:
    with pytest.raises(SaveError, match="does not exist"):
        net.save(tmp_path / "no such folder" / "net")
    (tmp_path / "net.json").mkdir()  # the structure's name is taken by a folder
    with pytest.raises(SaveError, match="not a regular file"):
        net.save(tmp_path / "net", confirmed=True)
    assert not (tmp_path / "net.npz").exists()


@pytest.mark.parametrize("had_weights", [False, True])
def test_weights_are_put_back_when_the_structure_fails_to_write(
    net: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, had_weights: bool
) -> None:
    old = small()
    if had_weights:
        old.save(tmp_path / "net")
    before = (tmp_path / "net.npz").read_bytes() if had_weights else None
    real = net_module.atomic_write

    def failing(path: Any, content: Any, **kwargs: Any) -> Path:
        if str(path).endswith(".json"):
            raise SaveError("the disk is full")
        return real(path, content, **kwargs)

    monkeypatch.setattr(net_module, "atomic_write", failing)
    with pytest.raises(SaveError, match="the disk is full"):
        net.save(tmp_path / "net")
    if had_weights:
        assert (tmp_path / "net.npz").read_bytes() == before
        monkeypatch.undo()
        assert_same(Network.load(tmp_path / "net"), old)
    else:
        assert not (tmp_path / "net.npz").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_an_edited_network_carries_no_figures_of_the_trained_one(tmp_path: Path) -> None:
    """The held-out accuracy describes the trained weights; an edit's save must not claim it."""
    trained = Network.digits()
    assert trained.meta["held_out_accuracy"] >= 0.97
    k = np.zeros_like(trained.weights[0]["kernel"])
    edited = trained.with_weight(0, "kernel", k)
    assert edited.meta == {}
    edited.save(tmp_path / "edited")
    assert Network.load(tmp_path / "edited.json").meta == {}


def test_a_structure_alone_says_its_weights_are_new(tmp_path: Path) -> None:
    net = Network.digits()
    net.save(tmp_path / "n")
    assert not Network.load(tmp_path / "n.json").new_weights
    (tmp_path / "n.npz").unlink()
    alone = Network.load(tmp_path / "n.json")
    assert alone.new_weights and alone.meta == {}
    assert not Network(net.layers, net.weights, net.input_shape).new_weights
