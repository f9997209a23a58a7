"""Attacks on the layer, kernel-lab, worksheet and code-export input paths: one reproduction
per bug they found, kept as regression tests (all were fixed).

The promise: bad input never crashes and never loses work (a ``ValueError`` or a message that
says what was wrong and what to do, the previous state kept); engine calls raise ``ValueError``
quoting the bad value, never another exception, a hang or a huge allocation. Each test below
is one reproduction; its docstring names the code at fault. Allocations that would need many
GB run in a subprocess with a capped address space, so a failure is a quick MemoryError, not a
machine out of memory.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convgui.core.generators import GENERATORS
from convgui.core.layer import conv2d_layer, conv_transpose2d
from convgui.core.worksheet import WorksheetOptions, crop_grid, make_worksheet
from convgui.imageio import ImageDoc
from convgui.layer_state import LayerState, parse_bank_bytes
from convgui.state import ExplorerState, SyncExecutor

RNG = np.random.default_rng(20261203)
COLOUR = RNG.integers(0, 256, (12, 17, 3)).astype(np.uint8)


@pytest.fixture
def layer(qapp: Any) -> Iterator[LayerState]:
    e = ExplorerState(SyncExecutor())
    e.set_color_mode("rgb")
    e.set_image(ImageDoc(COLOUR, name="colour"))
    s = LayerState(e, SyncExecutor())
    yield s
    s.close()
    e.close()


def npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    """The bytes of an .npy header claiming ``shape`` (no data after it)."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return buf.getvalue()


def npy_of(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


def npz_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name + ".npy", data)
    return buf.getvalue()


def zip_bomb(header: bytes, zero_mib: int) -> bytes:
    """An .npz whose ``kernel.npy`` is ``header`` then ``zero_mib`` MiB of zeros, deflated.

    Built from one fully flushed deflate block of 1 MiB of zeros repeated (each such block is
    independent), so a 2 GiB member takes about 2 MB and a fraction of a second to make.
    """
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(header) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush(zlib.Z_FINISH)
    data = head + block * zero_mib + tail
    crc = zlib.crc32(header)
    mib = bytes(1 << 20)
    for _ in range(zero_mib):
        crc = zlib.crc32(mib, crc)
    size = len(header) + zero_mib * (1 << 20)
    name = b"kernel.npy"
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(name), 0
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size, len(name), 0, 0, 0, 0, 0, 0,
    )  # fmt: skip
    cd_offset = len(local) + len(name) + len(data)
    cd = central + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(cd), cd_offset, 0)
    return local + name + data + cd + end


def run_capped(code: str, extra_mib: int = 1024, timeout: float = 60) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter whose address space is capped at its size after the
    imports plus ``extra_mib``; ``code`` sets ``out`` (a JSON-able dict), printed as JSON."""
    prelude = textwrap.dedent(
        """
        import json, os, resource, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        import numpy as np
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from convgui.imageio import ImageDoc
        from convgui.layer_state import LayerState, parse_bank_bytes
        from convgui.state import ExplorerState, SyncExecutor
        from convgui.core.layer import conv2d_layer, conv_transpose2d
        vm = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
        cap = vm + EXTRA * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        def attempt(fn):
            try:
                r = fn()
                return {"outcome": "returned", "value": repr(r)[:200]}
            except ValueError as exc:
                return {"outcome": "ValueError", "message": str(exc)}
            except BaseException as exc:
                return {"outcome": type(exc).__name__, "message": str(exc)[:300]}
        """
    ).replace("EXTRA", str(extra_mib))
    proc = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code) + "\nprint(json.dumps(out))"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


# --- filter-bank files (convgui/layer_state.py) ------------------------------------------------


@pytest.mark.parametrize("depth", [3000, 100_000])
def test_deeply_nested_json_bank_is_refused_with_a_message(
    layer: LayerState, tmp_path: Path, depth: int
) -> None:
    """parse_bank_bytes (layer_state.py, the ``json.loads`` try near line 1227) catches
    UnicodeDecodeError/JSONDecodeError/ValueError but not RecursionError: a 6 kB file of
    nested brackets escapes as RecursionError (and open_bank_path catches ValueError only)."""
    p = tmp_path / "deep.json"
    p.write_bytes(b'{"kernel": ' + b"[" * depth + b"1" + b"]" * depth + b"}")
    before = np.array(layer.weights)
    with pytest.raises(ValueError, match=r"deep\.json"):
        layer.load_bank(p)
    np.testing.assert_array_equal(layer.weights, before)


def test_deeply_nested_settings_in_a_json_bank_are_refused(layer: LayerState) -> None:
    """Same fault as above, nested objects in ``settings``."""
    raw = b'{"kernel": [[[[1]]]], "settings": ' + b'{"a":' * 5000 + b"1" + b"}" * 5001
    with pytest.raises(ValueError, match=r"b\.json"):
        parse_bank_bytes(raw, ".json", "b.json")


@pytest.mark.parametrize(
    ("raw", "suffix"),
    [
        (npy_header((10**6, 10**6, 1, 1)) + bytes(64), ".npy"),
        (npz_of({"kernel": npy_header((10**6, 10**6, 1, 1)) + bytes(64)}), ".npz"),
        (npz_of({"kernel": npy_of(np.zeros((3, 3, 1, 1))), "bias": npy_header((10**13,))}), ".npz"),
    ],
    ids=["npy-7TiB", "npz-kernel-7TiB", "npz-bias-80TB"],
)
def test_bank_whose_header_claims_terabytes_is_refused(raw: bytes, suffix: str) -> None:
    """parse_bank_bytes (layer_state.py ``np.load`` / ``loaded["kernel"]``, lines ~1250-1262)
    reads any shape the header claims: numpy allocates it before reading, MemoryError escapes.
    The header's shape should be checked against the bank limits (64 filters of 15×15 on 64
    channels) before any data is read."""
    with pytest.raises(ValueError, match=r"f\.np"):
        parse_bank_bytes(raw, suffix, "f" + suffix)


def test_npz_zip_bomb_allocates_nothing_large(tmp_path: Path) -> None:
    """A 2 MB .npz whose kernel member inflates to 2 GiB (header: 15×15×64×16384 float64,
    far beyond a bank) goes through the 16 MB file limit, then numpy allocates 1.9 GB and
    inflates it all. Run with 1 GiB of headroom: today MemoryError; wanted a ValueError
    before reading the data (layer_state.py parse_bank_bytes, the npz branch)."""
    header = npy_header((15, 15, 64, 16384))
    path = tmp_path / "bomb.npz"
    path.write_bytes(zip_bomb(header, 15 * 15 * 64 * 16384 * 8 // (1 << 20) + 1))
    assert path.stat().st_size < 4_000_000
    out = run_capped(
        f"""
        e = ExplorerState(SyncExecutor())
        e.set_image(ImageDoc(np.zeros((8, 8), np.uint8), name="g"))
        s = LayerState(e, SyncExecutor())
        before = s.weights.copy()
        out = attempt(lambda: s.load_bank({str(path)!r}))
        out["kept"] = bool(np.array_equal(before, s.weights))
        """
    )
    assert out["outcome"] == "ValueError" and out["kept"], out
    assert "bomb.npz" in out["message"], out


@pytest.mark.parametrize(
    "member",
    [
        npy_header((3, 3, 1, 2)) + bytes(8),  # truncated data
        b"\x93NUMPY\x01\x00",  # the header cut after its version
    ],
    ids=["truncated-member", "cut-header"],
)
def test_damaged_npz_member_message_names_the_file(member: bytes) -> None:
    """layer_state.py ~line 1266 re-raises numpy's text alone (``EOF: reading array data,
    expected 144 bytes got 8``): the message names neither the file nor what to do."""
    with pytest.raises(ValueError) as info:
        parse_bank_bytes(npz_of({"kernel": member}), ".npz", "weights.npz")
    assert "weights.npz" in str(info.value)


def test_npz_object_member_message_names_the_file() -> None:
    """Same line: an object-array member gives numpy's ``Object arrays cannot be loaded when
    allow_pickle=False`` without the file's name."""
    buf = io.BytesIO()
    np.save(buf, np.array([[1, None]], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError) as info:
        parse_bank_bytes(npz_of({"kernel": buf.getvalue()}), ".npz", "weights.npz")
    assert "weights.npz" in str(info.value)


def test_bank_settings_with_a_huge_integer_padding_value(layer: LayerState) -> None:
    """LayerSettings.__post_init__ (layer_state.py:145, ``math.isfinite(float(self.cval))``)
    raises OverflowError for an int beyond float range, e.g. ``"cval": 1e400`` written as an
    integer; from_dict catches only TypeError."""
    raw = json.dumps(
        {"kernel": np.zeros((3, 3, 3, 1)).tolist(), "settings": {"cval": 10**400}}
    ).encode()
    with pytest.raises(ValueError, match=r"b\.json"):
        parse_bank_bytes(raw, ".json", "b.json")


def test_bank_settings_needing_gigabytes_of_padding_are_refused(tmp_path: Path) -> None:
    """A .json bank with ``"dilation": [10000000, 1]`` and 'same' padding loads, then the
    engine pads the 12×17 image to 20,000,012 rows (about 4 GB): 15 s and GBs on this machine.
    LayerState only bounds the output (layer_state.py ``_check_output`` ~line 729 and
    ``_schedule`` ~line 1105), not the padded input that the single-kernel pipeline bounds by
    MAX_PIXELS. Wanted: load_bank refuses, the bank kept."""
    bank = {
        "kernel": np.zeros((3, 3, 3, 1)).tolist(),
        "settings": {"dilation": [10_000_000, 1], "padding": "same"},
    }
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(bank))
    out = run_capped(
        f"""
        e = ExplorerState(SyncExecutor())
        e.set_color_mode("rgb")
        e.set_image(ImageDoc(np.zeros((12, 17, 3), np.uint8), name="c"))
        s = LayerState(e, SyncExecutor())
        before = s.settings
        out = attempt(lambda: s.load_bank({str(path)!r}))
        out["kept"] = s.settings == before
        out["layer_error"] = s.layer_error
        """,
        extra_mib=1024,
    )
    assert out["outcome"] == "ValueError" and out["kept"], out


def test_bank_settings_beyond_the_controls_do_not_break_the_panel(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    """A .json bank with ``"stride": [10**23, 1]`` is accepted (LayerSettings checks only
    ``>= 1``); the filter-bank panel then calls ``stride_spin.setValue(10**23)``
    (filter_bank.py ``_update_settings``), which raises OverflowError inside the
    settings_changed slot. Values the controls cannot show (stride/dilation > 8, padding >
    15) should be refused on load with a message."""
    from convgui.gui import layer_mode

    path = tmp_path / "stride.json"
    path.write_text(
        json.dumps({"kernel": np.zeros((3, 3, 1, 1)).tolist(), "settings": {"stride": [10**23, 1]}})
    )
    lm = layer_mode.show_layer_mode(window)
    before = lm.layer.settings
    with qtbot.captureExceptions() as errors:
        opened = layer_mode.open_bank_path(window, path)
    assert not errors, [str(e[1]) for e in errors]
    assert not opened and lm.layer.settings == before
    assert window.message_bar.level == "error" and "stride.json" in window.message_bar.text


def damaged_member(kind: str) -> bytes:
    """A valid .npz (bias, then a 3×3×3×1 kernel) with the kernel member damaged: np.load
    opens it (the first header and the central directory are intact), the member's read
    fails."""
    kernel = npy_of(np.arange(27.0).reshape(3, 3, 3, 1))
    data = bytearray(npz_of({"bias": npy_of(np.zeros(1)), "kernel": kernel}))
    if kind == "magic":  # the kernel's local header: "Bad magic number for file header"
        data[data.index(b"PK\x03\x04", 4) + 3] ^= 0x01
    else:
        data[120] ^= 0x01  # a stored byte: "Bad CRC-32 for file 'bias.npy'"
    return bytes(data)


def npy_with_header(text: str) -> bytes:
    """An .npy 1.0 file whose header dictionary is ``text`` (padded as numpy pads it)."""
    body = text.encode("latin1")
    pad = 64 - (10 + len(body) + 1) % 64
    body += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body + bytes(27 * 8)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("magic.npz", damaged_member("magic")),
        ("crc.npz", damaged_member("crc")),
        ("magic-named.npy", damaged_member("magic")),
        ("token.npy", npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, (")),
    ],
)
def test_damaged_numpy_bank_is_refused_naming_the_file(
    layer: LayerState, tmp_path: Path, name: str, raw: bytes
) -> None:
    """parse_bank_bytes (layer_state.py): the ``with loaded:`` block (~line 1262) catches only
    ValueError, so zipfile.BadZipFile from reading a damaged member ("Bad magic number for
    file header", "Bad CRC-32") escapes; np.load's except (~line 1251) lacks
    tokenize.TokenError, which numpy raises for a header with an open bracket."""
    p = tmp_path / name
    p.write_bytes(raw)
    before = np.array(layer.weights)
    with pytest.raises(ValueError, match=name.replace(".", r"\.")):
        layer.load_bank(p)
    np.testing.assert_array_equal(layer.weights, before)


def test_window_open_of_a_damaged_npz_shows_a_message(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    """The same BadZipFile through File ▸ Open Filter Bank… (layer_mode.open_bank_path
    catches ValueError only): an exception instead of the message."""
    from convgui.gui import layer_mode

    p = tmp_path / "damaged.npz"
    p.write_bytes(damaged_member("magic"))
    lm = layer_mode.show_layer_mode(window)
    before = np.array(lm.layer.weights)
    with qtbot.captureExceptions() as errors:
        try:
            opened = layer_mode.open_bank_path(window, p)
        except Exception as exc:  # what escapes is the finding
            pytest.fail(f"{type(exc).__name__}: {exc}")
    assert not errors and not opened
    assert window.message_bar.level == "error" and "damaged.npz" in window.message_bar.text
    np.testing.assert_array_equal(lm.layer.weights, before)


@pytest.mark.timeout(120)
def test_mutated_numpy_banks_load_or_fail_clearly(layer: LayerState, tmp_path: Path) -> None:
    """The .npz/.npy part of test_fuzz_banks.py's seeded corpus: 200 files, of which about 60
    raise BadZipFile or TokenError, give a message without the file's name ("negative seek
    value -17"), or warn (float32 overflow of weights beyond 3.4e38, see below)."""
    from test_fuzz_banks import build_corpus, check_files

    files = [p for p in build_corpus(tmp_path) if p.suffix in (".npz", ".npy")]
    _, _, problems = check_files(layer, files)
    assert not problems, f"{len(problems)} of {len(files)} files:\n" + "\n".join(problems)


@pytest.mark.parametrize("typed", ["1e38", "1e300"])
def test_weights_beyond_float32_are_refused(layer: LayerState, typed: str) -> None:
    """set_weight accepts any finite float64 (parse_cell refuses only 1e999); the engine
    computes in float32, so a weight of 1e38 gives maps full of inf with no message, and
    1e300 is stored in the bank (set_weight returns True) while layer_error says "weights
    must be finite, got inf", a value the user never typed. The single-kernel pipeline
    refuses such kernels ("too large to compute. Use smaller kernel values"); LayerState
    (``_apply`` ~line 711) has no such check. Same for bank files with such values."""
    before = np.array(layer.weights)
    try:
        changed = layer.set_weight(0, 0, 1, 1, typed)
    except ValueError:
        np.testing.assert_array_equal(layer.weights, before)
        return
    assert changed and layer.layer_error is None, layer.layer_error
    assert layer.result is not None and np.all(np.isfinite(layer.result.stacked()))


# --- the layer's settings and typed values (convgui/layer_state.py) ---------------------------


@pytest.mark.parametrize(
    ("call", "args"),
    [
        ("set_filter_size", ("3", 3)),
        ("set_filter_size", (2.5, 3)),
        ("set_filter_size", (None, 3)),
        ("set_weight", (0, 0, 0, 0, 10**400)),
        ("set_weight", (0, 0, 0, 0, None)),
        ("set_bias", (0, None)),
        ("set_bias", (0, [1.0])),
    ],
)
def test_layer_state_refuses_bad_values_with_value_error(
    layer: LayerState, call: str, args: tuple[Any, ...]
) -> None:
    """LayerState's contract (module docstring): "a bad value raises ValueError and changes
    nothing". set_filter_size compares before checking types (``1 <= rows`` → TypeError);
    set_weight/set_bias call ``float(value)`` on non-text (OverflowError, TypeError)."""
    before = (np.array(layer.weights), np.array(layer.bias), layer.settings)
    with pytest.raises(ValueError):
        getattr(layer, call)(*args)
    np.testing.assert_array_equal(layer.weights, before[0])
    np.testing.assert_array_equal(layer.bias, before[1])


def test_set_settings_with_an_unknown_name_is_a_value_error(layer: LayerState) -> None:
    """set_settings(foo=1) escapes as TypeError from dataclasses.replace (layer_state.py
    ``evolve``)."""
    with pytest.raises(ValueError, match="foo"):
        layer.set_settings(foo=1)


def test_set_kernel_with_a_negative_filter_edits_nothing(layer: LayerState) -> None:
    """set_kernel(-1, ...) has no bounds check (layer_state.py ``set_kernel``, ~line 785):
    numpy's negative index silently replaces the LAST filter's kernel. set_weight refuses
    the same index with IndexError."""
    before = np.array(layer.weights)
    with pytest.raises((IndexError, ValueError)):
        layer.set_kernel(-1, 0, np.full(layer.filter_size, 7.0))
    np.testing.assert_array_equal(layer.weights, before)


# --- the engine (convgui/core/layer.py, convgui/core/_checks.py) ------------------------------


X = np.ones((4, 4, 1))
W = np.ones((3, 3, 1, 1))


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("padding=10**6", lambda: conv2d_layer(X, W, padding=10**6)),
        ("padding=(10**6,)*4", lambda: conv2d_layer(X, W, padding=(10**6,) * 4)),
        ("full dilation 10**6", lambda: conv2d_layer(X, W, padding="full", dilation=10**6)),
        ("same dilation 10**12", lambda: conv2d_layer(X, W, padding="same", dilation=10**12)),
        ("transposed stride 10**6", lambda: conv_transpose2d(X, W, stride=10**6)),
        ("transposed stride 10**12", lambda: conv_transpose2d(X, W, stride=10**12)),
        ("transposed dilation 10**6", lambda: conv_transpose2d(X, W, dilation=10**6)),
        (
            "transposed 10**6 outputs wide",
            lambda: conv_transpose2d(
                np.ones((1, 10**6, 1), np.float32), np.ones((1, 1, 10**6, 1), np.float32)
            ),
        ),
    ],
)
def test_engine_refuses_outputs_of_terabytes_quoting_the_value(name: str, call: Any) -> None:
    """conv2d_layer / conv_transpose2d check every argument but not the sizes they lead to:
    the padded input or the output (10**12 values and more) is allocated with np.empty /
    np.zeros and MemoryError escapes (or numpy's "array is too big" ValueError, which
    quotes no argument). conv2d_layer: the padding step after ``resolve_padding``;
    conv_transpose2d: ``out = np.zeros((ho, wo, c_out))``. Wanted: a ValueError naming the
    sizes and the argument, as the pipeline gives for MAX_PIXELS."""
    with pytest.raises(ValueError) as info:
        call()
    msg = str(info.value)
    assert "too big" not in msg or "×" in msg, msg
    assert any(ch.isdigit() for ch in msg), msg


def test_huge_integer_arguments_are_value_errors() -> None:
    """check_finite_scalar (core/_checks.py, ``v = float(value)``) raises OverflowError for an
    int beyond float range; every caller (the kernel generators' parameters, cval of the
    engine) lets it escape."""
    with pytest.raises(ValueError):
        conv2d_layer(X, W, boundary="constant", cval=10**400, padding=1)
    for gen in GENERATORS.values():
        for spec in gen.params:
            if spec.is_choice:
                continue
            with pytest.raises(ValueError):
                gen.make(**{spec.name: 10**400})


# --- the worksheet (convgui/core/worksheet.py) -------------------------------------------------


@pytest.mark.parametrize(
    ("top", "left", "size"),
    [(1.5, 0, 3), ("1", 0, 3), (0, 0, 0), (9, 9, -3)],
)
def test_crop_grid_refuses_bad_corners_and_sizes(top: Any, left: Any, size: Any) -> None:
    """crop_grid (worksheet.py ~line 344) compares and slices without checking types: a float
    or str corner gives TypeError, a size of 0 or below returns an empty (0, 0) grid."""
    with pytest.raises(ValueError):
        crop_grid(np.ones((8, 8)), top, left, size)


def test_worksheet_refuses_a_complex_kernel() -> None:
    """make_worksheet converts with ``np.array(kernel, dtype=np.float64)`` (worksheet.py
    ~line 293): a complex kernel loses its imaginary part silently (a ComplexWarning, an
    error under the test settings) instead of a ValueError."""
    with pytest.raises(ValueError):
        make_worksheet(np.ones((6, 6)), np.ones((3, 3)) * 1j, WorksheetOptions())


def test_worksheet_options_refuse_a_float_stride() -> None:
    """WorksheetOptions checks ``stride not in (1, 2)``, which lets 2.0 through (worksheet.py
    ~line 68); make_worksheet then fails with "stride must be an int or a pair of ints, got
    (2.0, 2.0)", a message about an argument the teacher never typed."""
    with pytest.raises(ValueError):
        WorksheetOptions(stride=2.0)  # type: ignore[arg-type]


def test_worksheet_with_pooling_explains_a_kernel_that_does_not_fit() -> None:
    """With the pooling question on, a kernel wider than the grid ('valid') escapes from the
    pool branch of make_worksheet (worksheet.py, ``no_pool = layer_geometry(...)`` in the
    except, ~line 313) with the engine's text ("the kernel window (3x6, kernel 3x6 with
    dilation (1, 1)) is larger than the padded input ... use a smaller kernel or dilation"),
    which names a dilation the worksheet does not have; without pooling the same grid gets
    the worksheet's own message."""
    with pytest.raises(ValueError, match="does not fit"):
        make_worksheet(np.ones((10, 4)), np.ones((3, 6)), WorksheetOptions(padding="valid"))
    with pytest.raises(ValueError, match="does not fit"):
        make_worksheet(
            np.ones((10, 4)), np.ones((3, 6)), WorksheetOptions(padding="valid", pool=True)
        )


# --- writers (convgui/gui/code_export.py) ------------------------------------------------------


def test_code_save_to_a_name_with_a_nul_byte_says_why(tmp_path: Path) -> None:
    """save_code (code_export.py, the ``except SaveError`` ~line 174) lets atomic_write's
    ``ValueError: embedded null byte`` escape; its contract is ``(False, message)``. (A
    pasted name can hold NUL.) Better fixed in safeio.check_target (a SaveError)."""
    from convgui.gui.code_export import save_code

    ok, message = save_code(
        "x = 1\n", str(tmp_path / "a\0b.py"), protected=[], ask=lambda t, q: False,
        chosen_in_dialog=False,
    )  # fmt: skip
    assert not ok and message
    assert list(tmp_path.iterdir()) == []
