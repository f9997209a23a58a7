"""Fuzzing network files (Network ▸ Open): mutated structures and weights, hypothesis-driven.

Each example writes a ``.json`` structure and maybe its ``.npz`` weights, mutated from files
convgui writes, and opens them with :meth:`Network.load`. The only outcomes allowed are a
network whose weights fit its layers (finite float32 of the shapes the layers need) or a
:class:`NetworkFileError` naming the file; nothing else is raised, and nothing large is
allocated (``tracemalloc`` peak under a few MB: the networks here weigh a few kB).

Mutations: bytes flipped, cut, repeated or replaced by JSON/zip tokens; JSON values swapped
for random JSON (huge numbers, deep lists, text, objects) at random places; ``.npz`` members
dropped, renamed, added, or replaced by arrays of random dtype and shape and by headers that
claim huge shapes. Examples are derandomized, so CI sees the same files.
"""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convgui.core.network import LayerSpec, pool_layer, weight_shapes
from convgui.net import Network, NetworkFileError

#: Networks convgui writes: a digits-shaped one and one with every kind of layer.
BASES = [
    Network(
        [
            LayerSpec("conv2d", "conv1", filters=4),
            LayerSpec("activation", "relu1"),
            pool_layer("max_pool", 2, name="pool1"),
            LayerSpec("conv2d", "conv2", filters=4),
            pool_layer("max_pool", 2, name="pool2"),
            LayerSpec("flatten", "flatten"),
            LayerSpec("dense", "dense", units=10),
            LayerSpec("softmax", "softmax"),
        ],
        None,
        (16, 16, 1),
        name="digits-like",
        meta={"held_out_accuracy": 0.97},
    ),
    Network(
        [
            LayerSpec("conv2d", "c", filters=4, padding="same", groups=2, dilation_rate=(2, 1)),
            LayerSpec(
                "conv2d_transpose", "t", filters=2, strides=(2, 2), padding="same",
                output_padding=(1, 1),
            ),
            LayerSpec("avg_pool", "a", kernel_size=(3, 3), strides=(2, 2), padding="same"),
            LayerSpec(
                "conv2d", "e", filters=2, kernel_size=(2, 2), padding=(1, 0, 0, 1),
                use_bias=False,
            ),
        ],
        None,
        (9, 7, 2),
        name="every layer",
    ),
]  # fmt: skip

#: The most a refused or accepted load may allocate (the bases weigh under 20 kB).
PEAK_BYTES = 4_000_000

TOKENS = [
    b"[", b"]", b"{", b"}", b",", b":", b'"', b"-", b"1e999", b"NaN", b"-Infinity", b"null",
    b"true", b"\x00", b"\xff", b"\xef\xbb\xbf", b"9" * 30, b"[[[[[[[[", b'"type"', b'"name"',
    b'"conv2d"', b'"dense"', b'"flatten"', b'"padding"', b'"same"', b'"groups"', b"0", b"-1",
    b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"\x93NUMPY", b"\xff\xff\xff\xff", b"\x00" * 8,
]  # fmt: skip

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.sampled_from([0, 1, 2, 3, -1, 64, 65, 4096, 4097, 10**9])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["valid", "same", "full", "conv2d", "dense", "relu", "", "a/b", " x"])
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def byte_mutations(draw: st.DrawFn, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        if not out:
            break
        kinds = ["digit", "digit", "flip", "cut", "insert", "repeat", "truncate", "set"]
        kind = draw(st.sampled_from(kinds))
        at = draw(st.integers(0, len(out) - 1))
        digits = [i for i, b in enumerate(out) if 48 <= b <= 57]
        if kind == "digit" and digits:  # a number changed: the file still parses
            out[draw(st.sampled_from(digits))] = draw(st.sampled_from(b"0123456789"))
        elif kind == "flip":
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            out[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del out[at : at + draw(st.integers(1, 64))]
        elif kind == "insert":
            out[at:at] = draw(st.sampled_from(TOKENS))
        elif kind == "repeat":
            span = out[at : at + draw(st.integers(1, 64))]
            out[at:at] = span * draw(st.integers(1, 4))
        else:
            del out[at:]
    return bytes(out)


def json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value (keys of objects, indices of lists)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += json_paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += json_paths(v, (*prefix, i))
    return out


@st.composite
def json_mutations(draw: st.DrawFn, data: Any) -> Any:
    doc = json.loads(json.dumps(data))
    for _ in range(draw(st.integers(1, 3))):
        paths = json_paths(doc)
        path = draw(st.sampled_from(paths))
        kind = draw(st.sampled_from(["replace", "delete", "add"]))
        if not path:
            if kind == "replace":
                doc = draw(json_values)
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        if kind == "replace":
            parent[last] = draw(json_values)
        elif kind == "delete":
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=10))] = draw(json_values)
        else:
            parent.insert(last, draw(json_values))
        if not isinstance(doc, dict | list):
            break
    return doc


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def zip_of(members: dict[str, bytes], compress: bool) -> bytes:
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    return buf.getvalue()


def npy_header(shape: tuple[int, ...], descr: str) -> bytes:
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()


DTYPES = ["<f4", "<f8", ">f4", "<i2", "|u1", "|b1", "<c8", "<U3", "|S2", "<m8", "<f2"]


@st.composite
def member_payloads(draw: st.DrawFn, shape: tuple[int, ...]) -> bytes:
    """An ``.npy`` member: a real array of a random dtype and shape, or a lying header."""
    kind = draw(st.sampled_from(["array", "array", "array", "header", "object"]))
    if kind == "header":
        claimed = tuple(
            draw(st.lists(st.sampled_from([0, 1, 3, 10**6, 10**12, 2**62]), max_size=4))
        )
        return npy_header(claimed, draw(st.sampled_from(DTYPES))) + draw(st.binary(max_size=64))
    if kind == "object":
        arr = np.empty(2, dtype=object)
        arr[:] = [1, "x"]
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=True)
        return buf.getvalue()
    use = draw(st.sampled_from(["right", "random"]))
    dims = shape if use == "right" else tuple(draw(st.lists(st.integers(0, 5), max_size=4)))
    dtype = np.dtype(draw(st.sampled_from(["<f4", "<f8", *DTYPES])))
    values = np.array(draw(st.lists(st.floats(width=32), min_size=1, max_size=4)))
    arr = np.resize(values, dims) if np.prod(dims) else np.zeros(dims)
    try:
        with np.errstate(all="ignore"):
            arr = arr.astype(dtype)
    except (ValueError, TypeError, OverflowError):
        arr = arr.astype(np.float32)
    buf = io.BytesIO()
    with np.errstate(all="ignore"):
        np.save(buf, arr)
    return buf.getvalue()


@st.composite
def npz_mutations(draw: st.DrawFn, base: Network) -> bytes:
    members = members_of(base.weights_npz())
    shapes = {}
    ins = [base.input_shape, *base.output_shapes[:-1]]
    for s, sh in zip(base.layers, ins):
        for key, shape in weight_shapes(s, sh).items():
            shapes[f"{s.name}/{key}.npy"] = shape
    for _ in range(draw(st.integers(1, 3))):
        names = sorted(members)
        kind = draw(st.sampled_from(["drop", "rename", "add", "replace", "replace", "replace"]))
        name = draw(st.sampled_from(names)) if names else "x.npy"
        if kind == "drop" and names:
            del members[name]
        elif kind == "rename" and names:
            members[
                draw(st.sampled_from(["a/kernel.npy", "meta/x.npy", "conv1/kernel", name + "x"]))
            ] = members.pop(name)
        elif kind == "add":
            members[draw(st.sampled_from([*shapes, "meta/y.npy", "z/bias.npy"]))] = draw(
                member_payloads(shapes.get(name, (2,)))
            )
        else:
            members[name] = draw(member_payloads(shapes.get(name, ())))
    data = zip_of(members, draw(st.booleans()))
    if draw(st.integers(0, 3)) == 0:
        data = draw(byte_mutations(data))
    return data


def open_checked(folder: Path, structure: bytes, weights: bytes | None) -> None:
    """Open the files; only a fitting network or a NetworkFileError may come out."""
    (folder / "n.json").write_bytes(structure)
    npz = folder / "n.npz"
    if weights is None:
        npz.unlink(missing_ok=True)
    else:
        npz.write_bytes(weights)
    tracemalloc.start()
    try:
        try:
            net = Network.load(folder / "n.json")
        except NetworkFileError as exc:
            message = str(exc)
            assert message and ("n.json" in message or "n.npz" in message), message
            net = None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES, f"{peak:,} bytes allocated"
    if net is not None:
        ins = [net.input_shape, *net.output_shapes[:-1]]
        for s, sh, w in zip(net.layers, ins, net.weights):
            assert {k: v.shape for k, v in w.items()} == weight_shapes(s, sh)
            for v in w.values():
                assert v.dtype == np.float32 and np.isfinite(v).all()


FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(data=st.data())
def test_mutated_structure_bytes_load_or_are_refused(tmp_path: Path, data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(BASES))
    text = data.draw(byte_mutations(base.structure_json().encode()))
    with_weights = data.draw(st.booleans())
    open_checked(tmp_path, text, base.weights_npz() if with_weights else None)


@FUZZ
@given(data=st.data())
def test_mutated_structure_values_load_or_are_refused(tmp_path: Path, data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(BASES))
    doc = data.draw(json_mutations(json.loads(base.structure_json())))
    text = json.dumps(doc).encode()
    with_weights = data.draw(st.booleans())
    open_checked(tmp_path, text, base.weights_npz() if with_weights else None)


@FUZZ
@given(data=st.data())
def test_mutated_weights_load_or_are_refused(tmp_path: Path, data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(BASES))
    open_checked(tmp_path, base.structure_json().encode(), data.draw(npz_mutations(base)))


@pytest.mark.parametrize("base", BASES, ids=lambda n: n.name)
def test_the_unmutated_files_load(tmp_path: Path, base: Network) -> None:
    """The fuzz starts from files that load: a mutation is what makes one fail."""
    open_checked(tmp_path, base.structure_json().encode(), base.weights_npz())
    back = Network.load(tmp_path / "n.npz")
    assert back.layers == base.layers
    assert all(
        a[k].tobytes() == b[k].tobytes() for a, b in zip(back.weights, base.weights) for k in a
    )
