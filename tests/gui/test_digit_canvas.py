"""The digit canvas panel: drawing with the mouse, undo, clear, samples, keys, size."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDockWidget
from scipy import ndimage

from convgui.core.digits import CANVAS_SIDE, mnist_preprocess, upscale_digit
from convgui.gui.digit_canvas import CANVAS_MIN_SIDE, DigitCanvas, DigitPanel

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


def widget_point(canvas: DigitCanvas, x: float, y: float) -> QPoint:
    """The widget position over canvas pixel centre (x, y) (index coordinates)."""
    sq = canvas.square()
    scale = sq.width() / CANVAS_SIDE
    return QPoint(round(sq.left() + (x + 0.5) * scale), round(sq.top() + (y + 0.5) * scale))


def drag(canvas: DigitCanvas, points: list[tuple[float, float]], steps: int = 8) -> None:
    """Press at the first point, move through the others in small steps, release at the last."""
    QTest.mousePress(canvas, LEFT, NO_MOD, widget_point(canvas, *points[0]))
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        for k in range(1, steps + 1):
            t = k / steps
            QTest.mouseMove(canvas, widget_point(canvas, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
    QTest.mouseRelease(canvas, LEFT, NO_MOD, widget_point(canvas, *points[-1]))


@pytest.fixture
def panel(qtbot: Any) -> DigitPanel:
    p = DigitPanel()
    qtbot.addWidget(p)
    p.resize(420, 560)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_dragging_draws_ink_along_the_path_and_emits_a_centred_digit(qtbot, panel) -> None:
    canvas = panel.canvas
    got: list[np.ndarray] = []
    panel.digit_changed.connect(got.append)
    drag(canvas, [(30, 30), (110, 30), (60, 115)])  # a "7"
    ink = canvas.canvas()
    # Ink along both legs of the path (within the pixel a screen position rounds to)...
    for t in np.linspace(0, 1, 9):
        assert ink[30, round(30 + 80 * t)] > 0.9
        x, y = 110 - 50 * t, 30 + 85 * t
        assert ink[round(y) - 1 : round(y) + 2, round(x) - 1 : round(x) + 2].max() > 0.9
    # ...and none far from it.
    assert ink[100:, :30].max() == 0 and ink[80:, 105:].max() == 0 and ink[:15].max() == 0
    # Emitted live: once per move that added ink, not only at the end.
    assert len(got) > 10
    digit = got[-1]
    assert isinstance(digit, np.ndarray) and digit.shape == (28, 28) and digit.dtype == np.float32
    cy, cx = ndimage.center_of_mass(digit)
    # A 7 is top-heavy: centring its mass fits exactly in the field (see core tests).
    assert abs(cx - 14) <= 0.5 + 1e-5 and abs(cy - 14) <= 1.0
    np.testing.assert_array_equal(digit, mnist_preprocess(ink))
    np.testing.assert_array_equal(panel.digit(), digit)
    # Early emissions were the digit as it was then (the first is a dot's: a round blob),
    # each its own copy.
    assert not np.array_equal(got[0], digit)
    assert len({id(d) for d in got}) == len(got)
    rows, cols = np.nonzero(got[0])
    assert np.ptp(rows) == np.ptp(cols) == 19  # scaled to the 20-pixel box


def test_undo_stroke_removes_the_last_stroke_only(qtbot, panel) -> None:
    canvas = panel.canvas
    assert not panel.undo_button.isEnabled() and not panel.clear_button.isEnabled()
    drag(canvas, [(70, 20), (70, 120)])  # a "1"
    after_one = canvas.canvas()
    digit_one = panel.digit()
    drag(canvas, [(40, 70), (100, 70)])  # a cross bar
    assert not np.array_equal(canvas.canvas(), after_one)
    assert panel.undo_button.isEnabled()
    with qtbot.waitSignal(panel.digit_changed, timeout=1000) as sig:
        qtbot.mouseClick(panel.undo_button, LEFT)
    np.testing.assert_array_equal(canvas.canvas(), after_one)
    np.testing.assert_array_equal(sig.args[0], digit_one)
    assert panel.undo_stroke() is True
    assert not canvas.canvas().any() and not panel.digit().any()
    assert panel.undo_stroke() is False
    assert not panel.undo_button.isEnabled()
    # Redo (Ctrl+Shift+Z on the canvas) puts the strokes back in order.
    assert canvas.redo_stroke() is True
    np.testing.assert_array_equal(canvas.canvas(), after_one)
    # A new stroke forgets what was undone.
    drag(canvas, [(20, 20), (30, 30)])
    assert canvas.can_redo is False


def test_clear_wipes_the_canvas_and_undo_brings_the_drawing_back(qtbot, panel) -> None:
    drag(panel.canvas, [(40, 40), (100, 100)])
    drawn = panel.canvas.canvas()
    assert panel.clear_button.isEnabled()
    with qtbot.waitSignal(panel.digit_changed, timeout=1000) as sig:
        qtbot.mouseClick(panel.clear_button, LEFT)
    assert not sig.args[0].any()
    assert not panel.canvas.canvas().any() and not panel.digit().any()
    assert not panel.clear_button.isEnabled()
    assert panel.clear() is False  # nothing left to clear: no empty undo step
    panel.undo_stroke()
    np.testing.assert_array_equal(panel.canvas.canvas(), drawn)


def test_set_digit_shows_a_sample_to_draw_over(qtbot, panel) -> None:
    sample = mnist_preprocess(
        np.pad(np.ones((90, 40), np.float32), ((25, 25), (50, 50)))
    )  # a shipped-like 28×28 digit
    emitted: list[Any] = []
    panel.digit_changed.connect(emitted.append)
    panel.set_digit(sample)
    assert emitted == []  # the caller knows the digit
    panel.set_digit(sample)  # shown again (the page refreshes): no second undo step
    np.testing.assert_array_equal(panel.canvas.canvas(), upscale_digit(sample))
    np.testing.assert_array_equal(panel.digit(), sample)  # the network reads the sample itself
    # The preview and the canvas show it: grab them and look for white pixels.
    preview = panel.preview.grab().toImage()
    assert preview.pixelColor(43, 43).lightness() > 200
    shot = panel.canvas.grab().toImage()
    centre = widget_point(panel.canvas, 70, 70)
    assert shot.pixelColor(centre).lightness() > 200
    # Drawing over it changes what the network reads; undo gives the sample back exactly.
    drag(panel.canvas, [(10, 130), (130, 130)])
    assert not np.array_equal(panel.digit(), sample)
    panel.undo_stroke()
    np.testing.assert_array_equal(panel.digit(), sample)
    # Undoing the sample brings back the empty canvas it replaced.
    panel.undo_stroke()
    assert not panel.canvas.canvas().any()


def test_set_digit_refuses_a_wrong_shape_and_keeps_the_drawing(qtbot, panel) -> None:
    drag(panel.canvas, [(40, 40), (100, 100)])
    before = panel.canvas.canvas()
    with pytest.raises(ValueError, match="28×28"):
        panel.set_digit(np.zeros((10, 10)))
    with pytest.raises(ValueError, match="finite"):
        panel.set_digit(np.full((28, 28), np.nan))
    np.testing.assert_array_equal(panel.canvas.canvas(), before)


def test_pen_width_slider_sets_the_stroke_width(qtbot, panel) -> None:
    panel.pen_slider.setValue(panel.pen_slider.minimum())
    drag(panel.canvas, [(20, 70), (120, 70)])
    thin = int(np.count_nonzero(panel.canvas.canvas()[:, 70] > 0.5))
    panel.clear()
    panel.pen_slider.setValue(panel.pen_slider.maximum())
    assert panel.pen_value.text() == str(panel.pen_slider.maximum())
    drag(panel.canvas, [(20, 70), (120, 70)])
    thick = int(np.count_nonzero(panel.canvas.canvas()[:, 70] > 0.5))
    assert thin <= panel.pen_slider.minimum() + 1
    assert thick >= panel.pen_slider.maximum() - 1


def test_other_buttons_and_hovering_do_not_draw(qtbot, panel) -> None:
    canvas = panel.canvas
    QTest.mousePress(canvas, Qt.MouseButton.RightButton, NO_MOD, widget_point(canvas, 50, 50))
    QTest.mouseMove(canvas, widget_point(canvas, 90, 90))
    QTest.mouseRelease(canvas, Qt.MouseButton.RightButton, NO_MOD, widget_point(canvas, 90, 90))
    QTest.mouseMove(canvas, widget_point(canvas, 20, 20))
    assert not canvas.canvas().any()
    assert not canvas.can_undo


def test_canvas_is_large_when_there_is_room_and_never_below_200(qtbot, panel) -> None:
    # Tall: the controls go below the canvas.
    assert not panel.controls_beside
    assert panel.canvas.square().width() >= 280
    # Wide and short (the network page on a large screen): beside it, a larger square.
    panel.resize(600, 360)
    qtbot.waitUntil(lambda: panel.controls_beside, timeout=1000)
    qtbot.waitUntil(lambda: panel.canvas.square().width() >= 340, timeout=1000)
    qtbot.waitUntil(
        lambda: panel.canvas.geometry().right() < panel.preview.geometry().left(), timeout=1000
    )
    panel.resize(360, 600)
    qtbot.waitUntil(lambda: not panel.controls_beside, timeout=1000)
    qtbot.waitUntil(
        lambda: panel.canvas.geometry().bottom() < panel.preview.geometry().top(), timeout=1000
    )
    # As small as the panel goes: the square keeps its minimum.
    panel.resize(panel.minimumSizeHint())
    qtbot.waitUntil(lambda: panel.canvas.height() < 300, timeout=1000)
    assert panel.canvas.square().width() >= CANVAS_MIN_SIDE
    assert panel.canvas.minimumSizeHint().width() >= CANVAS_MIN_SIDE


def test_canvas_keys_do_not_reach_the_window_undo(qtbot, window) -> None:
    # The panel in the window: Ctrl+Z on the canvas undoes a stroke, not the kernel edit.
    panel = DigitPanel()
    dock = QDockWidget("Digit", window)
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.show()
    qtbot.waitUntil(lambda: panel.canvas.isVisible() and panel.canvas.width() > 100, timeout=2000)
    state = window.state
    assert state.set_kernel_cell(0, 0, "7")
    edited = state.kernel.copy()
    drag(panel.canvas, [(70, 20), (70, 120)])
    one = panel.canvas.canvas()
    drag(panel.canvas, [(30, 60), (110, 60)])
    panel.canvas.setFocus()
    qtbot.waitUntil(panel.canvas.hasFocus, timeout=1000)
    QTest.keyClick(panel.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(panel.canvas.canvas(), one)
    np.testing.assert_array_equal(state.kernel, edited)  # the window's undo did not run
    QTest.keyClick(
        panel.canvas,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert not np.array_equal(panel.canvas.canvas(), one)  # redone
    np.testing.assert_array_equal(state.kernel, edited)
    QTest.keyClick(panel.canvas, Qt.Key.Key_Delete)
    assert not panel.canvas.canvas().any()
    QTest.keyClick(panel.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert panel.canvas.canvas().any()  # the clear is undone
    QTest.keyClick(panel.canvas, Qt.Key.Key_Backspace)
    assert not panel.canvas.canvas().any()
    # Elsewhere, Ctrl+Z is the window's again.
    window.kernel_panel.table.setFocus()
    qtbot.waitUntil(window.kernel_panel.table.hasFocus, timeout=1000)
    QTest.keyClick(window.kernel_panel.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not np.array_equal(state.kernel, edited), timeout=2000)
    assert not panel.canvas.canvas().any()


def test_the_canvas_shows_the_28_by_28_grid(qtbot, panel) -> None:
    canvas = panel.canvas
    sq = canvas.square()
    shot = canvas.grab().toImage()
    cell = sq.width() / 28
    left, top = int(sq.left()), int(sq.top())
    line = shot.pixelColor(left + round(3 * cell), top + round(2.5 * cell))  # on a grid line
    inside = shot.pixelColor(left + round(2.5 * cell), top + round(2.5 * cell))  # a cell's middle
    assert inside.lightness() < 10  # black paper
    assert line.blue() > inside.blue() + 15 and line.blue() > line.red()  # faint blue line
