"""Filter bank presets and reshaping (convgui.core.banks), against values written here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from convgui.core.banks import (
    BANK_PRESETS,
    adapt_channels,
    bank_preset,
    check_bank,
    group_channels,
    resize_bank,
)

SOBEL_X = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
SOBEL_Y = [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
LAPLACIAN = [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
IDENTITY = [[0, 0, 0], [0, 1, 0], [0, 0, 0]]


@pytest.mark.parametrize("c_in", [1, 3])
def test_edges_preset_is_sobel_laplacian_identity_on_the_channel_mean(c_in: int) -> None:
    b = bank_preset("edges", c_in)
    assert b.weights.shape == (3, 3, c_in, 4)
    assert b.weights.dtype == np.float32
    assert b.groups == 1
    assert b.bias.tolist() == [0.0, 0.0, 0.0, 0.0]
    for o, k in enumerate((SOBEL_X, SOBEL_Y, LAPLACIAN, IDENTITY)):
        for c in range(c_in):
            np.testing.assert_allclose(b.weights[:, :, c, o], np.array(k) / c_in, rtol=1e-7)


def test_edges_on_colour_equals_edges_on_the_mean_image() -> None:
    rng = np.random.default_rng(1)
    img = rng.uniform(0, 255, (9, 8, 3))
    b = bank_preset("edges", 3)
    # Sobel x at the centre pixel (4, 4), written out by hand from the mean image.
    mean = img.mean(axis=2)
    want = sum(SOBEL_X[i][j] * mean[3 + i, 3 + j] for i in range(3) for j in range(3))
    got = sum(
        float(b.weights[i, j, c, 0]) * img[3 + i, 3 + j, c]
        for i in range(3)
        for j in range(3)
        for c in range(3)
    )
    assert got == pytest.approx(want, rel=1e-6)


def test_rgb_to_grey_is_bt601() -> None:
    b = bank_preset("rgb_to_grey", 3)
    assert b.weights.shape == (1, 1, 3, 1)
    np.testing.assert_array_equal(b.weights.ravel(), np.float32([0.299, 0.587, 0.114]))
    assert bank_preset("rgb_to_grey", 1).weights.ravel().tolist() == [1.0]


@pytest.mark.parametrize("c_in", [1, 3])
def test_each_colour_is_depthwise_identity(c_in: int) -> None:
    b = bank_preset("each_colour", c_in)
    assert b.groups == c_in
    assert b.weights.shape == (3, 3, 1, c_in)
    for o in range(c_in):
        np.testing.assert_array_equal(b.weights[:, :, 0, o], IDENTITY)


def test_random_is_he_normal_and_seeded() -> None:
    b = bank_preset("random", 3, size=(5, 5), filters=16, seed=7)
    want = np.random.default_rng(7).normal(0.0, math.sqrt(2 / (5 * 5 * 3)), (5, 5, 3, 16))
    np.testing.assert_allclose(b.weights, want.astype(np.float32))
    assert b.bias.shape == (16,) and not b.bias.any()
    again = bank_preset("random", 3, size=(5, 5), filters=16, seed=7)
    np.testing.assert_array_equal(b.weights, again.weights)
    other = bank_preset("random", 3, size=(5, 5), filters=16, seed=8)
    assert not np.array_equal(b.weights, other.weights)
    # fan_in counts only the channels of a group
    g = bank_preset("random", 3, size=(3, 3), filters=3, groups=3, seed=0)
    assert g.weights.shape == (3, 3, 1, 3)
    np.testing.assert_allclose(
        g.weights, np.random.default_rng(0).normal(0, math.sqrt(2 / 9), (3, 3, 1, 3)), rtol=1e-6
    )


def test_every_preset_passes_its_own_check() -> None:
    for name in BANK_PRESETS:
        for c_in in (1, 3):
            b = bank_preset(name, c_in)
            check_bank(b.weights, b.bias, b.groups, c_in)


@pytest.mark.parametrize(
    ("weights", "bias", "groups", "c_in", "match"),
    [
        (np.ones((3, 3, 3)), None, 1, 3, "4 axes"),
        (np.ones((3, 3, 2, 4)), None, 1, 3, "each filter reads 3"),
        (np.ones((3, 3, 1, 4)), None, 3, 3, r"groups \(3\) must divide"),
        (np.ones((3, 3, 1, 65)), None, 1, 1, "1 to 64 filters"),
        (np.ones((16, 3, 1, 1)), None, 1, 1, "16×3"),
        (np.full((1, 1, 1, 1), np.nan), None, 1, 1, "finite"),
        (np.ones((1, 1, 1, 2)), [1.0], 1, 1, r"bias must have shape \(2,\)"),
        (np.ones((1, 1, 1, 2)), None, 0, 1, "groups must be a positive int"),
    ],
)
def test_check_bank_refuses(weights, bias, groups, c_in, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        check_bank(weights, bias, groups, c_in)


def test_unknown_preset() -> None:
    with pytest.raises(ValueError, match="'sharp'"):
        bank_preset("sharp", 3)


def test_adapt_channels_keeps_the_response_to_equal_channels() -> None:
    rng = np.random.default_rng(3)
    w3 = rng.normal(size=(3, 3, 3, 5))
    w1 = adapt_channels(w3, 1, 3, 1)
    assert w1.weights.shape == (3, 3, 1, 5) and w1.groups == 1
    np.testing.assert_allclose(w1.weights[:, :, 0, :], w3.sum(axis=2), rtol=1e-6)
    back = adapt_channels(w1.weights, 1, 1, 3)
    np.testing.assert_allclose(back.weights.sum(axis=2), w3.sum(axis=2), rtol=1e-5)
    np.testing.assert_allclose(back.weights[:, :, 0], back.weights[:, :, 2])
    # a depthwise bank on 3 channels becomes one group on grey
    d = adapt_channels(np.ones((3, 3, 1, 3)), 3, 3, 1)
    assert d.groups == 1 and d.weights.shape == (3, 3, 1, 3)


def test_resize_bank_keeps_the_centre() -> None:
    w = np.arange(2 * 9, dtype=np.float32).reshape(3, 3, 1, 2)
    assert resize_bank(w, 1, 1)[0, 0, 0].tolist() == [8.0, 9.0]
    big = resize_bank(w, 5, 4)
    assert big.shape == (5, 4, 1, 2)
    np.testing.assert_array_equal(big[1:4, 0:3], w)  # even width: the extra column right
    assert big.sum() == w.sum()
    np.testing.assert_array_equal(resize_bank(big, 3, 3), w)


def test_group_channels() -> None:
    assert group_channels(3, 6, 3) == [(0,), (0,), (1,), (1,), (2,), (2,)]
    assert group_channels(3, 2, 1) == [(0, 1, 2), (0, 1, 2)]
    with pytest.raises(ValueError, match="must divide"):
        group_channels(3, 2, 3)
