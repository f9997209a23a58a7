"""Engine limits and honest loads: outputs over the pixel limit refused before allocation,
no silent float32 overflow, float/16-bit/multi-page images loaded as they are (or said so)."""

from __future__ import annotations

import struct
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from convgui.core import LayerParams, correlate2d, explain_no_output, layer_shapes, run_layer
from convgui.core.pipeline import MAX_PIXELS, OutputTooLargeError, post_stage, post_value
from convgui.imageio import load_image, save_float_tiff


@pytest.fixture(autouse=True)
def _app(qapp: Any) -> None:
    """Qt's image plugins are loaded through the application object."""


# --- outputs over the pixel limit -------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "kernel", "params", "pattern"),
    [
        ((100, 100), (3, 3), LayerParams(padding=6000), r"becomes 12100×12100 \(146\.4 mega"),
        ((10_000, 10_000), (3, 3), LayerParams(padding="full"), r"becomes 10004×10004"),
        ((8000, 8000), (15, 15), LayerParams(padding="full", dilation=200), r"becomes 13600×13600"),
        ((10, 10), (2, 2), LayerParams(padding=(0, 0, 0, 20_000_000)), r"becomes 10×20000010"),
    ],
)
def test_too_large_padded_input_is_refused_with_sizes(
    image: tuple[int, int], kernel: tuple[int, int], params: LayerParams, pattern: str
) -> None:
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(OutputTooLargeError, match=pattern) as info:
        layer_shapes(image, kernel, params)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.perf_counter() - t0 < 0.1
    assert peak < 1_000_000  # nothing image-sized was allocated
    assert "over convgui's limit of 100.0 megapixels" in str(info.value)
    assert explain_no_output(image, kernel, params) == str(info.value)


def test_the_limit_is_exact_at_the_boundary() -> None:
    side = 10_000  # 10000² = MAX_PIXELS exactly: accepted; one more row: refused
    assert side * side == MAX_PIXELS
    assert layer_shapes((side, side), (1, 1), LayerParams(padding="valid"))[0] == (side, side)
    with pytest.raises(OutputTooLargeError, match="10001×10000"):
        layer_shapes((side + 1, side), (1, 1), LayerParams(padding="valid"))


def test_pool_padding_over_the_limit_is_refused() -> None:
    p = LayerParams(
        padding="valid", pool="max", pool_size=(3, 3), pool_stride=(1, 1), pool_padding="same"
    )
    assert layer_shapes((10, 10), (1, 1), p) == ((10, 10), (10, 10))
    with pytest.raises(OutputTooLargeError, match=r"pooling would be 12×12 \(144 pixels\)"):
        layer_shapes((10, 10), (1, 1), p, max_pixels=100)


def test_limit_is_a_parameter_and_ok_cases_unchanged() -> None:
    assert layer_shapes((6, 6), (3, 3), LayerParams()) == ((6, 6), None)
    with pytest.raises(OutputTooLargeError, match=r"8×8 \(64 pixels\)"):
        layer_shapes((6, 6), (3, 3), LayerParams(padding=1), max_pixels=63)
    # No output at all is still the old, different explanation.
    assert "does not fit" in (explain_no_output((6, 6), (7, 7), LayerParams(padding="valid")) or "")


# --- numbers too large for float32 ------------------------------------------------------------


def test_huge_kernel_values_are_computed_in_float64() -> None:
    img = np.full((5, 5), 255, np.uint8)
    k = np.full((3, 3), 1e37)
    r = run_layer(img, k, LayerParams())
    assert r.conv.dtype == np.float64
    assert np.all(np.isfinite(r.conv))
    assert r.conv[2, 2] == pytest.approx(9 * 255 * 1e37, rel=1e-12)
    # float32 would have overflowed: the reference shows it
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.float32(9 * 255) * np.float32(1e37))
    assert float(r.activated[2, 2]) == pytest.approx(post_value(float(r.conv[2, 2]), LayerParams()))


@pytest.mark.parametrize(
    "params", [LayerParams(divisor=1e-30), LayerParams(bias=3e38), LayerParams(bias=-3e38)]
)
def test_divisor_and_bias_overflow_go_to_float64(params: LayerParams) -> None:
    conv = np.array([[1e10, -2e10], [0.0, 3e9]], np.float32)
    out = post_stage(conv, params)
    assert out.dtype == np.float64
    assert np.all(np.isfinite(out))
    for v, o in zip(conv.ravel(), out.ravel(), strict=True):
        assert o == pytest.approx(post_value(float(v), params), rel=1e-6)
    assert conv.dtype == np.float32  # the input was not modified


def test_ordinary_values_stay_float32() -> None:
    r = run_layer(np.arange(16, dtype=np.uint8).reshape(4, 4), np.ones((3, 3)), LayerParams(bias=2))
    assert r.conv.dtype == np.float32 and r.activated.dtype == np.float32
    assert np.array_equal(r.conv, correlate2d(np.arange(16).reshape(4, 4), np.ones((3, 3))))


def test_values_beyond_float64_are_refused_with_a_message() -> None:
    img = np.full((3, 3), 1e300)
    with pytest.raises(ValueError, match="too large to compute"):
        run_layer(img, np.full((3, 3), 1e10), LayerParams())


# --- honest loads -----------------------------------------------------------------------------


def test_float_tiff_says_what_was_done(tmp_path: Path) -> None:
    values = np.array([[-2.0, 0.0, 0.25], [0.5, 1.0, 3.0]], np.float32)
    save_float_tiff(values, tmp_path / "f.tiff")
    doc = load_image(tmp_path / "f.tiff")
    assert doc.bit_depth == 16 and doc.pixels.dtype == np.uint16 and doc.pixels.ndim == 2
    expected = np.rint(np.clip(values, 0, 1) * 65535).astype(np.uint16)
    assert np.array_equal(doc.pixels, expected)
    note = " ".join(doc.notes)
    assert "floating-point image" in note
    assert "2 pixels outside 0–1 (range -2 to 3) were clipped" in note
    assert "transparency" not in note


def test_float_tiff_inside_0_1_keeps_its_values(tmp_path: Path) -> None:
    values = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    Image.fromarray(values, mode="F").save(tmp_path / "f.tif")
    doc = load_image(tmp_path / "f.tif")
    assert np.abs(doc.pixels.astype(float) / 65535 - values).max() < 1 / 65535
    assert not any("clipped" in n for n in doc.notes)


def _signed_tiff(values: np.ndarray) -> bytes:
    """A minimal little-endian TIFF with one strip of int16 samples (SampleFormat = 2)."""
    h, w = values.shape
    data = values.astype("<i2").tobytes()
    entries = [
        (256, 3, 1, w),
        (257, 3, 1, h),
        (258, 3, 1, 16),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 8),
        (277, 3, 1, 1),
        (278, 3, 1, h),
        (279, 4, 1, len(data)),
        (339, 3, 1, 2),
    ]
    ifd_offset = 8 + len(data)
    out = b"II*\x00" + struct.pack("<I", ifd_offset) + data
    out += struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        packed = struct.pack("<HI", value, 0)[:4] if typ == 3 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, typ, count) + packed
    return out + struct.pack("<I", 0)


def test_signed_16_bit_tiff_stays_signed_and_says_so(tmp_path: Path) -> None:
    values = np.array([[-32768, -1000, -1], [0, 1, 32767]], np.int16)
    (tmp_path / "s.tif").write_bytes(_signed_tiff(values))
    doc = load_image(tmp_path / "s.tif")
    assert doc.pixels.dtype == np.int16 and doc.signed
    assert np.array_equal(doc.pixels, values)
    assert "signed" in doc.describe()
    assert any("kept signed" in n for n in doc.notes)


def test_signed_samples_reach_the_engine_with_their_sign(tmp_path: Path, qapp: object) -> None:
    from convgui.state import ExplorerState, SyncExecutor

    values = np.array([[-32768, -1000, -1], [0, 1, 32767]], np.int16)
    (tmp_path / "s.tif").write_bytes(_signed_tiff(values))
    state = ExplorerState(SyncExecutor())
    try:
        state.set_image(load_image(tmp_path / "s.tif"))
        img = state.engine_image()
        assert img is not None
        np.testing.assert_allclose(img, values * (255 / 65535), rtol=1e-6)
        assert float(img.min()) < 0
    finally:
        state.close()


@pytest.mark.parametrize(("magic", "channels"), [(b"P5", 1), (b"P6", 3)])
def test_16_bit_pnm_stays_16_bit(tmp_path: Path, magic: bytes, channels: int) -> None:
    rng = np.random.default_rng(7)
    values = rng.integers(0, 65536, (5, 7, channels)).astype(np.uint16)
    path = tmp_path / "deep.pnm"
    path.write_bytes(magic + b"\n# comment\n7 5\n65535\n" + values.astype(">u2").tobytes())
    doc = load_image(path)
    assert doc.bit_depth == 16
    assert np.array_equal(doc.pixels, values[..., 0] if channels == 1 else values)


def test_multi_page_tiff_says_first_page_of_n(tmp_path: Path) -> None:
    pages = [Image.fromarray(np.full((4, 5), v, np.uint8)) for v in (10, 20, 30)]
    pages[0].save(tmp_path / "mp.tif", save_all=True, append_images=pages[1:])
    doc = load_image(tmp_path / "mp.tif")
    assert np.all(doc.pixels == 10)
    assert "showing the first page of 3" in doc.notes


def test_allocation_limit_follows_the_pixel_limit(tmp_path: Path) -> None:
    from PySide6.QtGui import QImageReader

    Image.fromarray(np.zeros((40, 50), np.uint8)).save(tmp_path / "a.png")
    load_image(tmp_path / "a.png")
    assert QImageReader.allocationLimit() == -(-MAX_PIXELS * 8 // 2**20)
