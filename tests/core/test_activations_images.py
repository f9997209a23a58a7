"""Activations against numpy formulas written here; grayscale against Pillow; value scales.

Warnings are errors in this suite, so the overflow checks fail on any RuntimeWarning.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from convgui.core import ACTIVATIONS, activate, scale_factor, to_grayscale, to_scale


def reference_activation(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if name == "none":
        return x.copy()
    if name == "relu":
        return np.where(x > 0, x, 0.0)
    if name == "leaky_relu":
        return np.where(x > 0, x, 0.01 * x)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))  # fine for the moderate x used here
    if name == "tanh":
        e = np.exp(2.0 * x)
        return (e - 1.0) / (e + 1.0)
    if name == "abs":
        return np.where(x < 0, -x, x)
    raise AssertionError(name)


MODERATE = np.concatenate([np.linspace(-20.0, 20.0, 401), [-1e-9, -0.0, 0.0, 1e-9]])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_matches_formula_float64(name) -> None:
    got = activate(MODERATE, name)
    assert got.dtype == np.float64
    want = reference_activation(MODERATE, name)
    # sigmoid/tanh: absolute rounding ~1e-16 near 0 and 1.
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int64, np.float32, np.bool_])
def test_activation_of_other_dtypes_is_float32(name, dtype) -> None:
    rng = np.random.default_rng(0)
    if dtype == np.float32:
        x = (rng.standard_normal((5, 6, 3)) * 4).astype(np.float32)
    elif dtype == np.bool_:
        x = rng.integers(0, 2, size=(5, 6)).astype(bool)
    else:
        lo = 0 if dtype == np.uint8 else -9
        x = rng.integers(lo, 10, size=(5, 6, 3)).astype(dtype)
    copy = x.copy()
    got = activate(x, name)
    assert got.dtype == np.float32
    assert got.shape == x.shape
    np.testing.assert_allclose(got, reference_activation(x, name), rtol=2e-6, atol=1e-7)
    np.testing.assert_array_equal(x, copy)


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_overflow_for_extreme_inputs(name, dtype) -> None:
    big = np.finfo(dtype).max
    x = np.array([-1e4, 1e4, -1e30, 1e30, -big, big, 0.0], dtype=dtype)
    got = activate(x, name)  # any RuntimeWarning fails the test
    assert np.all(np.isfinite(got))
    if name == "sigmoid":
        np.testing.assert_array_equal(got, [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.5])
    if name == "tanh":
        np.testing.assert_array_equal(got, [-1.0, 1.0, -1.0, 1.0, -1.0, 1.0, 0.0])
    if name == "relu":
        np.testing.assert_array_equal(got, [0.0, 1e4, 0.0, x[3], 0.0, big, 0.0])


def test_sigmoid_is_monotonic_and_bounded() -> None:
    x = np.linspace(-50.0, 50.0, 10_001)
    y = activate(x, "sigmoid")
    assert np.all(np.diff(y) >= 0)
    assert np.all((y >= 0) & (y <= 1))
    np.testing.assert_allclose(y + y[::-1], 1.0, atol=1e-15)  # sigmoid(-x) = 1 - sigmoid(x)


def test_activation_input_not_modified_even_if_read_only() -> None:
    x = np.linspace(-3.0, 3.0, 12).reshape(3, 4)
    copy = x.copy()
    x.setflags(write=False)
    for name in ACTIVATIONS:
        out = activate(x, name)
        assert not np.shares_memory(out, x)
        out[...] = 42  # the result is the caller's to modify
    np.testing.assert_array_equal(x, copy)


def test_activation_errors() -> None:
    with pytest.raises(ValueError, match=r"'softmax'"):
        activate([1.0], "softmax")
    with pytest.raises(ValueError, match="real"):
        activate(np.array([1 + 2j]), "relu")


# --- grayscale -----------------------------------------------------------------------------------


def _pillow_luma(rgb: np.ndarray) -> np.ndarray:
    im = Image.fromarray(rgb)  # RGB or RGBA, from the shape
    assert im.mode == ("RGBA" if rgb.shape[2] == 4 else "RGB")
    return np.asarray(im.convert("L"))


def test_grayscale_is_bit_exact_with_pillow_on_random_images() -> None:
    rng = np.random.default_rng(1)
    for shape in [(1, 1, 3), (97, 131, 3), (64, 48, 4)]:
        rgb = rng.integers(0, 256, size=shape).astype(np.uint8)
        got = to_grayscale(rgb)
        assert got.dtype == np.uint8 and got.shape == shape[:2]
        np.testing.assert_array_equal(got, _pillow_luma(rgb))


def test_grayscale_is_bit_exact_with_pillow_over_every_red_green_pair() -> None:
    r, g = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    for b in (0, 1, 127, 128, 254, 255, (3 * r + 5 * g) % 256):
        rgb = np.stack([r, g, np.broadcast_to(b, r.shape)], axis=-1).astype(np.uint8)
        np.testing.assert_array_equal(to_grayscale(rgb), _pillow_luma(rgb))


def test_grayscale_alpha_is_ignored() -> None:
    rng = np.random.default_rng(2)
    rgba = rng.integers(0, 256, size=(10, 12, 4)).astype(np.uint8)
    np.testing.assert_array_equal(to_grayscale(rgba), to_grayscale(rgba[..., :3].copy()))
    np.testing.assert_array_equal(to_grayscale(rgba), _pillow_luma(rgba))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grayscale_of_float_images_is_bt601(dtype) -> None:
    rng = np.random.default_rng(3)
    rgb = rng.uniform(0, 1, size=(9, 7, 3)).astype(dtype)
    got = to_grayscale(rgb)
    assert got.dtype == dtype
    x = rgb.astype(np.float64)
    want = 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]
    np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_grayscale_of_uint16_is_within_half_a_level_of_bt601() -> None:
    rng = np.random.default_rng(4)
    rgb = rng.integers(0, 65536, size=(50, 50, 3)).astype(np.uint16)
    got = to_grayscale(rgb)
    assert got.dtype == np.uint16
    x = rgb.astype(np.float64)
    exact = 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]
    assert np.max(np.abs(got - exact)) <= 0.5 + 1e-5 * 65535
    assert to_grayscale(np.full((1, 1, 3), 65535, dtype=np.uint16))[0, 0] == 65535


def test_grayscale_of_a_2d_image_is_a_copy() -> None:
    x = np.arange(12, dtype=np.uint8).reshape(3, 4)
    got = to_grayscale(x)
    np.testing.assert_array_equal(got, x)
    got[...] = 0
    assert x[2, 3] == 11


@pytest.mark.parametrize("shape", [(4, 4, 2), (4, 4, 5), (4,), (2, 2, 2, 3)], ids=str)
def test_grayscale_rejects_other_shapes(shape) -> None:
    with pytest.raises(ValueError, match=re.escape(f"shape {tuple(shape)}")):
        to_grayscale(np.zeros(shape, dtype=np.uint8))


# --- value scales --------------------------------------------------------------------------------


def test_to_scale_8_bit() -> None:
    x = np.arange(256, dtype=np.uint8).reshape(16, 16)
    same = to_scale(x, 8, "0-255")
    assert same.dtype == np.float32
    np.testing.assert_array_equal(same, x)
    unit = to_scale(x, 8, "0-1")
    assert unit.dtype == np.float32
    np.testing.assert_allclose(unit, x / 255.0, rtol=1e-7)
    assert unit[0, 0] == 0.0 and unit[-1, -1] == 1.0


def test_to_scale_16_bit() -> None:
    x = np.array([[0, 257, 32768, 65535]], dtype=np.uint16)
    np.testing.assert_allclose(to_scale(x, 16, "0-255"), x * 255.0 / 65535.0, rtol=1e-7)
    assert to_scale(x, 16, "0-255")[0, -1] == pytest.approx(255.0, rel=1e-7)
    assert to_scale(x, 16, "0-255")[0, 1] == pytest.approx(1.0, rel=1e-7)
    np.testing.assert_allclose(to_scale(x, 16, "0-1"), x / 65535.0, rtol=1e-7)


def test_scale_factor_values_and_errors() -> None:
    assert scale_factor(8, "0-255") == 1.0
    assert scale_factor(8, "0-1") == 1 / 255
    assert scale_factor(16, "0-1") == 1 / 65535
    assert scale_factor(16, "0-255") == 255 / 65535
    with pytest.raises(ValueError, match="'0-100'"):
        scale_factor(8, "0-100")
    with pytest.raises(ValueError, match="12"):
        scale_factor(12, "0-1")


def test_to_scale_does_not_modify_its_input() -> None:
    x = np.array([[10, 20]], dtype=np.uint8)
    out = to_scale(x, 8, "0-1")
    out[...] = 0
    np.testing.assert_array_equal(x, [[10, 20]])
