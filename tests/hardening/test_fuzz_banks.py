"""Fuzzing filter-bank files (File ▸ Open Filter Bank…): mutated, hostile and pickled files.

Every file either loads as one undoable step (a finite bank within the limits; undo gives the
previous bank back exactly) or is refused with a ``ValueError`` that names the file, the bank,
settings and history unchanged. Pickles never run (``allow_pickle`` stays off). The same files
go through the window's open path, which shows the message and keeps the bank. Savers never
replace a file they did not write without asking. Fixed seed: CI sees the same files.

The reproductions of the bugs attacks found are in ``test_attack_regressions.py``.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convgui.core.banks import MAX_FILTERS
from convgui.imageio import ImageDoc
from convgui.layer_state import MAX_KERNEL_SIDE, LayerSettings, LayerState
from convgui.safeio import NeedsConfirmationError
from convgui.state import ExplorerState, SyncExecutor

SEED = 20261204
N_FILES = 300
RNG = np.random.default_rng(SEED)
COLOUR = RNG.integers(0, 256, (10, 13, 3)).astype(np.uint8)

JSON_TOKENS = [
    b"[", b"]", b"{", b"}", b",", b":", b'"', b"-", b"e", b"1e999", b"NaN", b"Infinity",
    b"null", b"true", b"\x00", b"\xff", b"\xef\xbb\xbf", b'"kernel"', b'"bias"', b'"settings"',
    b'"groups"', b'"stride"', b'"padding"', b'"layer_type"', b'"transposed"', b"9" * 40,
    b"0.5", b"-0", b"\xe2\x88\x92", b"[[[[1]]]]",
]  # fmt: skip


@pytest.fixture
def explorer(qapp: Any) -> Iterator[ExplorerState]:
    e = ExplorerState(SyncExecutor())
    e.set_color_mode("rgb")
    e.set_image(ImageDoc(COLOUR, name="colour"))
    yield e
    e.close()


@pytest.fixture
def layer(explorer: ExplorerState) -> Iterator[LayerState]:
    s = LayerState(explorer, SyncExecutor())
    yield s
    s.close()


def npy_of(a: Any) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=isinstance(a, np.ndarray) and a.dtype == object)
    return buf.getvalue()


def npz_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name + ".npy", data)
    return buf.getvalue()


def bank_bases(layer: LayerState) -> dict[str, bytes]:
    """Bank files as convgui writes them: several banks, settings and layer types."""
    out: dict[str, bytes] = {}
    layer.apply_preset("random", seed=3)
    for suffix in (".npz", ".npy", ".json"):
        out["random" + suffix] = layer.bank_file_bytes(suffix)
    layer.set_filter_count(6)
    layer.set_settings(groups=3)
    layer.set_settings(stride=2, dilation=2, activation="relu", padding="valid")
    out["grouped.json"] = layer.bank_file_bytes(".json")
    out["grouped.npz"] = layer.bank_file_bytes(".npz")
    layer.set_settings(layer_type="transposed", stride=2, output_padding=1, padding="same")
    for suffix in (".npz", ".json"):
        out["transposed" + suffix] = layer.bank_file_bytes(suffix)
    return out


def mutate(data: bytes, suffix: str, rng: np.random.Generator) -> bytes:
    """One random damage: truncation, flipped bytes, splices, tokens, duplicated pieces."""
    b = bytearray(data)
    n = len(b)
    kind = int(rng.integers(0, 7))
    if kind == 0:
        return bytes(b[: int(rng.integers(0, n))])
    if kind == 1:
        for _ in range(int(rng.integers(1, 12))):
            b[int(rng.integers(0, n))] ^= 1 << int(rng.integers(0, 8))
        return bytes(b)
    if kind == 2 and suffix == ".json":
        for _ in range(int(rng.integers(1, 6))):
            at = int(rng.integers(0, len(b) + 1))
            b[at:at] = JSON_TOKENS[int(rng.integers(0, len(JSON_TOKENS)))]
        return bytes(b)
    if kind == 3:  # a piece repeated (at most 60 times: deep nesting is an attack of its own)
        a = int(rng.integers(0, n))
        piece = bytes(b[a : a + int(rng.integers(1, 40))])
        return bytes(b[:a]) + piece * int(rng.integers(2, 60)) + bytes(b[a:])
    if kind == 4:  # random bytes spliced in
        at = int(rng.integers(0, n))
        junk = rng.integers(0, 256, int(rng.integers(1, 200)), dtype=np.uint8).tobytes()
        return bytes(b[:at]) + junk + bytes(b[at + int(rng.integers(0, 50)) :])
    if kind == 5 and suffix == ".json":  # one value replaced by an extreme one
        text = data.decode()
        extremes = ["1e308", "-1e308", "5e-324", "-0.0", "1e999", "[]", "{}", '"3"', "true"]
        i = int(rng.integers(0, len(text)))
        while i < len(text) and not text[i].isdigit():
            i += 1
        return (text[:i] + str(rng.choice(extremes)) + text[i + 1 :]).encode()
    return rng.integers(0, 256, int(rng.integers(0, 3000)), dtype=np.uint8).tobytes()


def build_corpus(folder: Path) -> list[Path]:
    """The intact bank files and ``N_FILES`` mutations of them (fixed seed), in ``folder``."""
    e = ExplorerState(SyncExecutor())
    e.set_color_mode("rgb")
    e.set_image(ImageDoc(COLOUR, name="colour"))
    s = LayerState(e, SyncExecutor())
    bases = bank_bases(s)
    s.close()
    e.close()
    rng = np.random.default_rng(SEED)
    names = sorted(bases)
    files = []
    for name in names:
        p = folder / f"intact-{name}"
        p.write_bytes(bases[name])
        files.append(p)
    for i in range(N_FILES):
        name = names[i % len(names)]
        stem, kind = name.rsplit(".", 1)
        suffix = "." + kind
        if rng.random() < 0.1:  # the wrong suffix for the content
            suffix = str(rng.choice([".npz", ".npy", ".json"]))
        p = folder / f"m{i:04d}-{stem}{suffix}"
        p.write_bytes(mutate(bases[name], "." + kind, rng))
        files.append(p)
    return files


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, qapp: Any) -> list[Path]:
    return build_corpus(tmp_path_factory.mktemp("banks"))


def reset(layer: LayerState, path: Path) -> None:
    """The edges preset, in the layer type the file was written from (.npz and .npy files
    hold the Keras layout of the current layer type, not the type itself)."""
    layer.set_settings(layer_type="transposed" if "transposed" in path.name else "conv")
    layer.apply_preset("edges")


def snapshot(layer: LayerState) -> tuple[Any, ...]:
    return (
        np.array(layer.weights),
        np.array(layer.bias),
        layer.settings,
        layer.can_undo,
        layer.undo_label,
    )


def assert_same(layer: LayerState, before: tuple[Any, ...]) -> None:
    np.testing.assert_array_equal(layer.weights, before[0])
    np.testing.assert_array_equal(layer.bias, before[1])
    assert layer.settings == before[2]
    assert (layer.can_undo, layer.undo_label) == before[3:]


def assert_valid_bank(layer: LayerState) -> None:
    w, b = np.asarray(layer.weights), np.asarray(layer.bias)
    kh, kw, cg, n = w.shape
    assert 1 <= kh <= MAX_KERNEL_SIDE and 1 <= kw <= MAX_KERNEL_SIDE
    assert 1 <= n <= MAX_FILTERS and b.shape == (n,)
    assert cg * layer.settings.groups == layer.c_in
    assert np.all(np.isfinite(w)) and np.all(np.isfinite(b))
    assert (layer.result is None) != (layer.layer_error is None) or layer.busy


def check_files(layer: LayerState, files: list[Path]) -> tuple[int, int, list[str]]:
    """Load each file; return (loaded, refused, problems). A refusal must be a ValueError that
    names the file and changes nothing; a load must give a valid bank that one undo takes
    back exactly. Anything else, or a file slower than a second, is a problem."""
    loaded = refused = 0
    problems: list[str] = []
    for path in files:
        reset(layer, path)
        before = snapshot(layer)
        t0 = time.process_time()
        try:
            changed = layer.load_bank(path)
        except ValueError as exc:
            msg = str(exc)
            if path.name.startswith("intact-"):
                problems.append(f"{path.name}: an intact file is refused: {msg}")
            elif path.name not in msg and "…" not in msg:
                problems.append(f"{path.name}: the message does not name the file: {msg}")
            assert_same(layer, before)
            refused += 1
        except Exception as exc:  # anything else breaks the promise: collect, report all
            problems.append(f"{path.name}: {type(exc).__name__}: {exc}"[:300])
            continue
        else:
            assert_valid_bank(layer)
            if changed:  # one undo step brings the previous bank back, exactly
                assert layer.undo_label.startswith("Open bank")
                layer.undo()
                assert_same(layer, before)
            loaded += 1
        # CPU time of this process: another process's load on the shared machine is not ours.
        if time.process_time() - t0 > 1.0:
            problems.append(f"{path.name}: took {time.process_time() - t0:.1f} s of CPU")
    return loaded, refused, problems


@pytest.mark.timeout(120)
def test_mutated_json_banks_load_or_fail_clearly(layer: LayerState, corpus: list[Path]) -> None:
    """The .json part of the corpus (the .npz/.npy part: test_attack_regressions.py)."""
    files = [p for p in corpus if p.suffix == ".json"]
    assert len(files) >= N_FILES // 3
    t0 = time.perf_counter()
    loaded, refused, problems = check_files(layer, files)
    assert not problems, "\n".join(problems)
    assert time.perf_counter() - t0 < 30
    # Both outcomes occur, or the mutations are not doing their job.
    assert loaded > 4 and refused > 60, (loaded, refused)


def test_intact_files_round_trip(layer: LayerState, corpus: list[Path]) -> None:
    """The unmutated files load to exactly the bank (and settings) that wrote them."""
    for path in corpus:
        if path.name == "intact-transposed.json":
            data = json.loads(path.read_text())
            layer.apply_preset("edges")
            assert layer.load_bank(path)
            assert layer.settings == LayerSettings.from_dict(data["settings"])
            np.testing.assert_array_equal(layer.keras_kernel, np.array(data["kernel"]))
            np.testing.assert_array_equal(layer.bias, np.array(data["bias"]))


# --- pickles never run ----------------------------------------------------------------------


class _Touch:
    """Unpickling this creates ``path``: proof that a pickle ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return (Path.touch, (self.path,))


def pickle_files(folder: Path, marker: Path) -> dict[str, bytes]:
    evil = np.empty((3, 3, 3, 1), dtype=object)
    evil[...] = 0.0
    evil[0, 0, 0, 0] = _Touch(marker)
    raw = pickle.dumps({"kernel": _Touch(marker)})
    return {
        "object.npy": npy_of(evil),
        "object.npz": npz_of({"kernel": npy_of(evil)}),
        "object-bias.npz": npz_of(
            {"kernel": npy_of(np.zeros((3, 3, 3, 1))), "bias": npy_of(np.array([_Touch(marker)]))}
        ),
        "raw.npy": raw,
        "raw.npz": raw,
        "raw.json": raw,
        "pickle-in-zip.npz": npz_of({"kernel": raw}),
    }


def test_pickles_are_refused_and_never_run(layer: LayerState, tmp_path: Path, window: Any) -> None:
    from convgui.gui import layer_mode

    marker = tmp_path / "PICKLE-RAN"
    # The marker proves it: a pickle that is loaded does create it.
    pickle.loads(pickle.dumps(_Touch(marker)))
    assert marker.exists()
    marker.unlink()
    lm = layer_mode.show_layer_mode(window)
    for name, data in pickle_files(tmp_path, marker).items():
        p = tmp_path / name
        p.write_bytes(data)
        before = snapshot(layer)
        with pytest.raises(ValueError) as info:
            layer.load_bank(p)
        assert name in str(info.value) or "allow_pickle" in str(info.value), str(info.value)
        assert_same(layer, before)
        gui_before = np.array(lm.layer.weights)
        assert not layer_mode.open_bank_path(window, p)
        assert window.message_bar.level == "error"
        np.testing.assert_array_equal(lm.layer.weights, gui_before)
        assert not marker.exists(), name


# --- hostile files, one reason each ---------------------------------------------------------


def _json(kernel: Any, **extra: Any) -> bytes:
    return json.dumps({"kernel": kernel, **extra}).encode()


K3 = np.zeros((3, 3, 3, 2))
HOSTILE: dict[str, tuple[bytes, str]] = {
    # name: (bytes, a fragment the message must hold)
    "complex.npy": (npy_of(K3.astype(complex)), "numbers"),
    "struct.npy": (npy_of(np.zeros(4, dtype=[("a", "f8")])), "numbers"),
    "datetime.npy": (npy_of(np.zeros(4, "M8[s]")), "numbers"),
    "strings.npy": (npy_of(np.array([["1"]])), "numbers"),
    "bytes.npz": (npz_of({"kernel": npy_of(np.array([b"ab"]))}), "numbers"),
    "nan.npy": (npy_of(np.where(K3 == 0, np.nan, 0)), "finite"),
    "inf-bias.npz": (
        npz_of({"kernel": npy_of(K3), "bias": npy_of(np.array([0.0, np.inf]))}),
        "finite",
    ),
    "f16-overflow.npy": (
        npy_of(np.full((3, 3, 3, 1), 0x7C00, np.uint16).view(np.float16)),
        "finite",
    ),
    "scalar.npy": (npy_of(np.float64(1)), "4 axes"),
    "rank3.npy": (npy_of(np.zeros((3, 3, 3))), "4 axes"),
    "rank5.npy": (npy_of(np.zeros((3, 3, 3, 1, 1))), "4 axes"),
    "zero-rows.npy": (npy_of(np.zeros((0, 3, 3, 1))), ""),
    "no-filters.npy": (npy_of(np.zeros((3, 3, 3, 0))), ""),
    "65-filters.npy": (npy_of(np.zeros((1, 1, 3, 65))), "64"),
    "16x16.npy": (npy_of(np.zeros((16, 16, 3, 1))), "15"),
    "2-channels.npy": (npy_of(np.zeros((3, 3, 2, 2))), "channel"),
    "bias-shape.npz": (npz_of({"kernel": npy_of(K3), "bias": npy_of(np.zeros(3))}), "bias"),
    "bias-2d.npz": (npz_of({"kernel": npy_of(K3), "bias": npy_of(np.zeros((2, 1)))}), "bias"),
    "no-kernel.npz": (npz_of({"weights": npy_of(K3)}), "kernel"),
    "empty.npz": (npz_of({}), "kernel"),
    "not-zip.npz": (b"PK\x03\x04" + bytes(40), "NumPy"),
    "npy-as.npz": (npy_of(K3), ".npy"),
    "text.npy": (b"[[1, 2], [3, 4]]", "NumPy"),
    "empty.npy": (b"", "NumPy"),
    "empty.json": (b"", "JSON"),
    "utf16.json": (json.dumps({"kernel": K3.tolist()}).encode("utf-16"), "JSON"),
    "latin1.json": (b'{"kernel": [[[[1]]]], "name": "caf\xe9"}', "JSON"),
    "bom.json": (b"\xef\xbb\xbf" + _json(K3.tolist()), "JSON"),
    "nan-token.json": (b'{"kernel": [[[[NaN]]]]}', "number"),
    "infinity-token.json": (b'{"kernel": [[[[-Infinity]]]]}', "number"),
    "1e999.json": (b'{"kernel": [[[[1e999]]]]}', "finite"),
    "5000-digits.json": (b'{"kernel": [[[[' + b"7" * 5000 + b"]]]]}", "JSON"),
    "30-digits.json": (b'{"kernel": [[[[' + b"7" * 30 + b"]]]]}", "numbers"),
    "list.json": (b"[1, 2, 3]", "kernel"),
    "string.json": (b'"kernel"', "kernel"),
    "no-kernel.json": (b'{"weights": [[[[1]]]]}', "kernel"),
    "kernel-string.json": (_json("[[1]]"), "numbers"),
    "kernel-null.json": (_json(None), "numbers"),
    "kernel-dict.json": (_json({"a": 1}), "numbers"),
    "ragged.json": (_json([[[[1]], [[1, 2]]]]), "grid"),
    "bias-text.json": (_json(K3.tolist(), bias="0"), "numbers"),
    "settings-list.json": (_json(K3.tolist(), settings=[1]), "settings"),
    "settings-type.json": (_json(K3.tolist(), settings={"layer_type": "deconv"}), "layer type"),
    "settings-padding.json": (_json(K3.tolist(), settings={"padding": "full"}), "padding"),
    "settings-pad-neg.json": (_json(K3.tolist(), settings={"padding": [-1, 0]}), "padding"),
    "settings-stride0.json": (_json(K3.tolist(), settings={"stride": [0, 1]}), "stride"),
    "settings-stride-float.json": (_json(K3.tolist(), settings={"stride": 1.5}), "stride"),
    "settings-stride-bool.json": (_json(K3.tolist(), settings={"stride": True}), "stride"),
    "settings-dilation-str.json": (_json(K3.tolist(), settings={"dilation": "2"}), "dilation"),
    "settings-groups-0.json": (_json(K3.tolist(), settings={"groups": 0}), "groups"),
    "settings-groups-float.json": (_json(K3.tolist(), settings={"groups": 1.0}), "groups"),
    "settings-groups-4.json": (_json(np.zeros((3, 3, 1, 4)).tolist(), settings={"groups": 4}), ""),
    "settings-cval-nan.json": (b'{"kernel": [[[[1]]]], "settings": {"cval": 1e999}}', "finite"),
    "settings-cval-text.json": (_json(K3.tolist(), settings={"cval": "0"}), "number"),
    "settings-activation.json": (_json(K3.tolist(), settings={"activation": "gelu"}), "activat"),
    "settings-outpad-conv.json": (_json(K3.tolist(), settings={"output_padding": 1}), "output"),
    "settings-outpad-big.json": (
        _json(
            np.zeros((3, 3, 2, 3)).tolist(),
            settings={"layer_type": "transposed", "stride": 2, "output_padding": 5},
        ),
        "output padding",
    ),
    "settings-transposed-groups.json": (
        _json(np.zeros((3, 3, 2, 3)).tolist(), settings={"layer_type": "transposed", "groups": 3}),
        "group",
    ),
    "settings-boundary.json": (_json(K3.tolist(), settings={"boundary": ["zero"]}), "boundary"),
    # A stride this large would make a huge transposed output: refused by the controls' limit.
    "stride-too-large.json": (
        _json(
            np.zeros((1, 1, 2, 3)).tolist(),
            settings={"layer_type": "transposed", "stride": [5000, 5000]},
        ),
        "stride",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_bank_file_is_refused_and_nothing_changes(
    layer: LayerState, tmp_path: Path, name: str
) -> None:
    data, fragment = HOSTILE[name]
    p = tmp_path / name
    p.write_bytes(data)
    layer.apply_preset("random", seed=1)
    before = snapshot(layer)
    with pytest.raises(ValueError) as info:
        layer.load_bank(p)
    msg = str(info.value)
    assert name in msg and fragment.lower() in msg.lower(), msg
    assert_same(layer, before)


def test_paths_that_are_not_bank_files(layer: LayerState, tmp_path: Path) -> None:
    """Missing, folder, wrong suffix, a named pipe (must not block), larger than 16 MB."""
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    big = tmp_path / "big.npz"
    with open(big, "wb") as f:
        f.truncate(17_000_000)
    folder = tmp_path / "folder.npz"
    folder.mkdir()
    text = tmp_path / "bank.txt"
    text.write_text("1 2 3")
    cases = {
        tmp_path / "missing.json": "does not exist",
        folder: "folder",
        text: ".npz",
        fifo: "pipe",
        big: "16 MB",
    }
    before = snapshot(layer)
    for path, fragment in cases.items():
        t0 = time.perf_counter()
        with pytest.raises(ValueError) as info:
            layer.load_bank(path)
        assert time.perf_counter() - t0 < 1.0
        assert path.name in str(info.value) and fragment in str(info.value), str(info.value)
        assert_same(layer, before)


# --- the window's open path -----------------------------------------------------------------


def test_window_open_path_explains_and_keeps_the_bank(
    qtbot: Any, window: Any, tmp_path: Path, corpus: list[Path]
) -> None:
    from convgui.gui import layer_mode

    lm = layer_mode.show_layer_mode(window)
    lm.layer.apply_preset("random", seed=5)
    kept = np.array(lm.layer.weights)
    picks = [n for n in sorted(HOSTILE) if n.endswith((".npz", ".json"))][::3]
    for name in picks:
        p = tmp_path / name
        p.write_bytes(HOSTILE[name][0])
        with qtbot.captureExceptions() as errors:
            assert not layer_mode.open_bank_path(window, p)
        assert not errors, [str(e[1]) for e in errors]
        assert window.message_bar.level == "error" and name in window.message_bar.text
        np.testing.assert_array_equal(lm.layer.weights, kept)
        assert window.mode == "layer"
    # The .json files of the mutated corpus: the window never raises and always says something.
    for path in [p for p in corpus if p.suffix == ".json"][::4]:
        with qtbot.captureExceptions() as errors:
            ok = layer_mode.open_bank_path(window, path)
        assert not errors, (path.name, [str(e[1]) for e in errors])
        assert path.name in window.message_bar.text
        assert window.message_bar.level == ("status" if ok else "error")


# --- saving never destroys what convgui did not write ----------------------------------------


def test_save_refuses_unknown_suffixes_and_foreign_files(layer: LayerState, tmp_path: Path) -> None:
    for bad in ("bank.txt", "bank", "bank.npz.bak", "bank.pkl"):
        with pytest.raises(ValueError, match="npz"):
            layer.save_bank(tmp_path / bad)
    assert list(tmp_path.iterdir()) == []
    foreign = {"theirs.npz": b"someone's archive", "theirs.json": b"{}", "theirs.npy": b"\x93"}
    for name, data in foreign.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(NeedsConfirmationError):
            layer.save_bank(tmp_path / name)
        assert (tmp_path / name).read_bytes() == data
    mine = tmp_path / "mine.npz"
    layer.save_bank(mine)
    written = mine.read_bytes()
    layer.apply_preset("random", seed=2)
    with pytest.raises(NeedsConfirmationError):  # protected: asked even though convgui wrote it
        layer.save_bank(mine, protected=[mine])
    assert mine.read_bytes() == written
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([*foreign, "mine.npz"])  # no temporary file left behind


def test_save_over_its_own_file_round_trips(layer: LayerState, tmp_path: Path) -> None:
    layer.apply_preset("random", seed=9)
    for suffix in (".npz", ".npy", ".json", ".NPZ"):
        p = tmp_path / f"bank{suffix}"
        layer.save_bank(p)
        layer.save_bank(p)  # written by convgui in this session: replaced without asking
        want = np.array(layer.weights)
        layer.apply_preset("edges")
        assert layer.load_bank(p)
        np.testing.assert_array_equal(layer.weights, want)
