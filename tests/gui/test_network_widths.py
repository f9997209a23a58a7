"""The network page fits a 1024-pixel-wide window, even at View ▸ Text Size ×1.44.

A newcomer's window grew to 1269 px at ×1.44 (the probabilities and kernel table off-screen):
the summary's title, the digit panel's controls, the input and map views each claimed a fixed
width. They wrap, stack or shrink now; these tests measure the page's minimum width.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QWidget

from convgui.gui import network_mode
from convgui.gui.digit_canvas import CANVAS_MIN_SIDE, DigitPanel
from convgui.gui.network_panel import TEXTS as PANEL_TEXTS

#: The widest the network page may need: a 1024-pixel window less its frame.
MAX_PAGE_WIDTH = 1000


def _settle(qtbot: Any) -> None:
    for _ in range(3):
        QApplication.processEvents()
    qtbot.wait(20)


@pytest.mark.parametrize("scale", [1.0, 1.2, 1.44])
def test_the_page_fits_a_1024_window_at_every_text_size(
    window: Any, qtbot: Any, scale: float
) -> None:
    window.resize(1024, 700)
    nm = network_mode.open_digits_network(window)
    window.text_size.set_scale(scale)
    _settle(qtbot)
    page = nm.page
    assert page.minimumSizeHint().width() <= MAX_PAGE_WIDTH
    assert window.minimumSizeHint().width() <= 1024
    window.resize(1024, 700)
    _settle(qtbot)
    assert window.width() == 1024, "the window was forced wider than the screen it was made for"
    # Every part of the page is on screen: the probabilities and the kernel table too.
    right = page.splitter.widget(2)
    corner = right.mapTo(window, right.rect().topRight())
    assert corner.x() <= window.width()
    window.text_size.set_scale(1.0)


def test_the_summary_title_is_short_and_wraps(qtbot: Any) -> None:
    from convgui.gui.network_panel import SummaryTable

    s = SummaryTable()
    qtbot.addWidget(s)
    assert s.title.text() == "Summary (Keras)"
    assert "model.summary()" in s.title.toolTip()
    assert s.title.wordWrap()
    assert PANEL_TEXTS["summary"] == "Summary (Keras)"


def _inside(child: QWidget, parent: QWidget) -> bool:
    r = QRect(child.mapTo(parent, child.rect().topLeft()), child.size())
    return parent.rect().contains(r)


def test_a_narrow_digit_panel_stacks_its_controls_and_shows_them_whole(qtbot: Any) -> None:
    # Inside a page, as the network mode has it (a window would keep its layout's minimum).
    host = QWidget()
    qtbot.addWidget(host)
    host.resize(700, 800)
    p = DigitPanel(host)
    f = p.font()
    f.setPointSizeF(f.pointSizeF() * 1.44)
    p.setFont(f)
    p.setGeometry(0, 0, 600, 600)
    host.show()
    qtbot.waitExposed(host)
    _settle(qtbot)
    wide = p.minimumSizeHint()
    # The panel's minimum is a little more than the smallest canvas, not the controls' row.
    assert wide.width() <= CANVAS_MIN_SIDE + 60
    p.setGeometry(0, 0, wide.width(), wide.height())
    _settle(qtbot)
    assert p.controls_narrow and not p.controls_beside
    assert p.sees_label.text() == "The network\nsees"
    controls = (p.clear_button, p.undo_button, p.pen_slider, p.pen_value, p.preview, p.sees_label)
    for w in controls:
        assert _inside(w, p), f"{w.objectName() or w} is cut off"
    assert p.canvas.width() >= CANVAS_MIN_SIDE and p.canvas.height() >= CANVAS_MIN_SIDE
    # No two controls overlap.
    rects = [QRect(w.mapTo(p, w.rect().topLeft()), w.size()) for w in (*controls, p.canvas)]
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert not a.intersects(b)
    # Wide again: the controls go back into one row under the canvas.
    p.setGeometry(0, 0, 600, 700)
    _settle(qtbot)
    assert not p.controls_narrow and p.sees_label.text() == "The network sees"


def test_a_narrow_summary_keeps_param_counts_in_sight(qtbot: Any) -> None:
    from convgui.gui.network_panel import SummaryTable
    from convgui.net import Network

    rows, total = Network.digits().summary()
    host = QWidget()
    qtbot.addWidget(host)
    s = SummaryTable(host)
    s.set_summary(rows, total)
    host.resize(700, 400)
    host.show()
    qtbot.waitExposed(host)
    for width in (600, 180):
        s.setGeometry(0, 0, width, 300)
        _settle(qtbot)
        t = s.table
        head = t.horizontalHeader()
        right = head.sectionViewportPosition(2) + head.sectionSize(2)
        assert right <= t.viewport().width() + 1, f"Param # cut off at {width} px"
        assert head.sectionSize(2) >= t.sizeHintForColumn(2) - 1  # "4,640" whole
        assert t.item(3, 2).text() == "4,640"
    # Wide, the output shapes are whole; narrow, the full text is in the tooltip.
    assert t.item(0, 1).toolTip() == t.item(0, 1).text() == "(None, 26, 26, 16)"
