"""The display follows the current result: every rule of the automatic diverging switch."""

from __future__ import annotations

import doctest
import subprocess
import sys

import numpy as np
import pytest

import convgui.display_policy
from convgui.core import PRESETS, correlate2d
from convgui.display_policy import (
    DISPLAY_MODES,
    DisplayPolicy,
    is_preset_kernel,
    kernel_sums_to_zero,
)

# (has_negatives, is_color, kernel_sum_is_zero, from_preset)
SOBEL = (True, False, True, True)
SOBEL_FROM_FILE = (True, False, True, False)
ALL_POSITIVE_FILE = (False, False, False, False)
SHARPEN = (True, False, False, True)
EDGE_WITH_BIAS = (False, False, True, False)  # a bias lifts every value above 0


def test_after_sobel_an_all_positive_kernel_file_goes_back_to_clip_and_says_nothing() -> None:
    p = DisplayPolicy("clip")
    d = p.on_result(*SOBEL)
    assert (d.requested, d.mode, d.automatic, d.auto_switched) == (
        "diverging",
        "diverging",
        True,
        True,
    )
    assert d.status == (
        "Negative values in blue, positive in red (automatic: this preset gives negative values)"
    )
    d = p.on_result(*ALL_POSITIVE_FILE)
    assert (d.requested, d.mode, d.automatic, d.auto_reverted) == ("clip", "clip", False, True)
    assert "negative" not in d.status.lower()
    assert d.status == ""


def test_the_switch_happens_for_a_kernel_that_is_not_a_preset() -> None:
    """A kernel file, undo, a paste or a cell edit: only the result's facts matter."""
    p = DisplayPolicy("clip")
    d = p.on_result(*SOBEL_FROM_FILE)
    assert d.requested == "diverging" and d.auto_switched
    assert d.status.endswith("(automatic: this kernel gives negative values)")


def test_undo_of_the_switch_also_when_the_kernel_no_longer_sums_to_zero() -> None:
    p = DisplayPolicy("clip")
    p.on_result(*SOBEL)
    d = p.on_result(*SHARPEN)  # sharpen's overshoots are an image filter's, not a signed map
    assert d.requested == "clip" and d.auto_reverted
    d = p.on_result(*SOBEL)
    assert d.requested == "diverging" and d.auto_switched
    d = p.on_result(*EDGE_WITH_BIAS)
    assert d.requested == "clip" and d.auto_reverted


def test_image_filters_with_overshoots_do_not_switch() -> None:
    d = DisplayPolicy("clip").on_result(*SHARPEN)
    assert (d.requested, d.auto_switched, d.status) == ("clip", False, "")


def test_deciding_again_on_the_same_result_switches_nothing_new() -> None:
    p = DisplayPolicy("clip")
    assert p.on_result(*SOBEL).auto_switched
    again = p.on_result(*SOBEL)
    assert again.requested == "diverging" and not again.auto_switched and again.automatic
    p.on_result(*ALL_POSITIVE_FILE)
    again = p.on_result(*ALL_POSITIVE_FILE)
    assert again.requested == "clip" and not again.auto_reverted


def test_clip_picked_after_an_automatic_switch_is_kept_for_later_edge_kernels() -> None:
    p = DisplayPolicy("clip")
    p.on_result(*SOBEL)
    p.choose("clip")
    d = p.on_result(*SOBEL)
    assert d.requested == "clip" and not d.auto_switched
    assert d.status.startswith("Negative values are clipped to black")
    d = p.on_result(*ALL_POSITIVE_FILE)
    assert d.status == ""
    for facts in (SOBEL_FROM_FILE, SOBEL):  # later edge kernels, from a file or a preset
        assert p.on_result(*facts).requested == "clip"
    # Choosing another mode and then clip again re-enables the automatic switch, for the next
    # result: the result in front of the user keeps the mode they just picked.
    p.choose("stretch")
    p.choose("clip")
    assert p.on_result(*SOBEL, new_result=False).requested == "clip"
    assert p.on_result(*SOBEL).requested == "diverging"


@pytest.mark.parametrize("mode", ["stretch", "abs", "diverging"])
def test_an_explicit_choice_is_kept_whatever_the_result(mode: str) -> None:
    p = DisplayPolicy("clip")
    p.on_result(*SOBEL)
    p.choose(mode)
    for facts in (ALL_POSITIVE_FILE, SOBEL, SHARPEN, SOBEL_FROM_FILE):
        d = p.on_result(*facts)
        assert d.requested == mode and not d.automatic
        assert not (d.auto_switched or d.auto_reverted)
    assert p.chosen == mode


def test_the_mode_from_the_settings_is_a_user_choice() -> None:
    p = DisplayPolicy("diverging")
    d = p.on_result(*ALL_POSITIVE_FILE)
    assert d.requested == "diverging" and not d.auto_reverted


@pytest.mark.parametrize("mode", ["abs", "diverging"])
def test_colour_results_say_they_are_stretched(mode: str) -> None:
    p = DisplayPolicy(mode)
    d = p.on_result(True, True, True, False)
    assert (d.mode, d.requested, d.colour_stretched) == ("stretch", mode, True)
    title = "Diverging" if mode == "diverging" else "Absolute value"
    assert d.status == f"Colour result stretched min–max ({title} applies to grey results only)"
    # Back to grey: the user's mode is drawn again.
    d = p.on_result(True, False, True, False)
    assert (d.mode, d.status) == (mode, "")


def test_colour_edge_result_switches_but_is_drawn_stretched_and_says_so() -> None:
    p = DisplayPolicy("clip")
    d = p.on_result(True, True, True, True)
    assert (d.requested, d.mode, d.auto_switched) == ("diverging", "stretch", True)
    assert d.status.startswith("Colour result stretched min–max (automatic:")
    d = p.on_result(False, True, False, False)
    assert (d.requested, d.mode, d.status) == ("clip", "clip", "")


def test_colour_clip_and_stretch_are_drawn_as_chosen() -> None:
    for mode in ("clip", "stretch"):
        d = DisplayPolicy(mode).on_result(False, True, False, False)
        assert (d.mode, d.colour_stretched, d.status) == (mode, False, "")


def test_unknown_modes_are_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="'rainbow'"):
        DisplayPolicy("rainbow")
    p = DisplayPolicy()
    with pytest.raises(ValueError, match="'Diverging'"):
        p.choose("Diverging")
    assert p.requested == "clip"
    assert DISPLAY_MODES == ("clip", "stretch", "abs", "diverging")


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_against_a_real_result(name: str, ramp_with_step: np.ndarray) -> None:
    """The facts computed from real results give the switch exactly for the edge presets."""
    k = PRESETS[name].kernel
    out = correlate2d(ramp_with_step, k, padding="same")
    p = DisplayPolicy("clip")
    d = p.on_result(bool(out.min() < 0), False, kernel_sums_to_zero(k), is_preset_kernel(k))
    edge = name in {
        "laplacian",
        "outline",
        "sobel_x",
        "sobel_y",
        "prewitt_x",
        "prewitt_y",
        "scharr_x",
        "scharr_y",
    }
    assert d.requested == ("diverging" if edge else "clip")


@pytest.fixture
def ramp_with_step() -> np.ndarray:
    # A ramp with a step: every gradient direction sees both signs under "same" padding.
    g = np.add.outer(np.arange(8.0), np.arange(8.0)) * 10
    g[2:6, 2:6] += 100
    return g


def test_kernel_helpers() -> None:
    assert kernel_sums_to_zero(np.array([[1 / 3, 1 / 3, -2 / 3]]))
    assert not kernel_sums_to_zero(np.array([[1e-6, 0.0]]))
    assert is_preset_kernel(PRESETS["gaussian_5"].kernel)
    assert not is_preset_kernel(PRESETS["gaussian_5"].kernel * 2)


def test_docstring_examples() -> None:
    result = doctest.testmod(convgui.display_policy)
    assert result.attempted >= 5 and result.failed == 0


def test_the_policy_imports_no_qt() -> None:
    code = (
        "import sys, convgui.display_policy; "
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken'))]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
