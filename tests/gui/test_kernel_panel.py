"""Kernel cells show numbers a person can read, and editing never loses precision."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QStyle

from convgui.core import PRESETS, parse_cell
from convgui.gui.kernel_panel import KernelPanel, cell_edit_text, cell_text, exact_fraction

#: The kernel panel's width in the window's middle column at its narrowest (300 px scroll
#: area, 4 px margins each side).
PANEL_WIDTH = 292


@pytest.mark.parametrize(
    "value,text",
    [
        (0.0, "0"),
        (-0.0, "0"),
        (2.0, "2"),
        (-10.0, "-10"),
        (512.0, "512"),
        (123456.0, "123456"),
        (1234567.0, "1.23e6"),
        (0.5, "0.5"),
        (-0.5, "-0.5"),
        (0.2, "0.2"),  # a tie with 1/5: the decimal
        (0.04, "0.04"),
        (0.1, "0.1"),
        (0.25, "1/4"),  # the fraction is shorter
        (0.00390625, "1/256"),
        (-3 / 128, "-3/128"),
        (1 / 9, "1/9"),
        (1 / 1024, "1/1024"),
        (1 / 1025, "9.8e-4"),  # denominator too large; tiny: an exponent in 6 characters
        (0.1234567, "0.1235"),
        (2.5e-5, "2.5e-5"),
        (0.012345, "0.0123"),  # 3 significant digits in 6 characters
        (-0.0012345, "-1.2e-3"),
        (999999.7, "1e6"),  # rounded up to 10**6: an exponent, not "1e+06"
        (np.pi, "3.142"),
    ],
)
def test_cell_text(value: float, text: str) -> None:
    assert cell_text(value) == text


def test_fractions_are_accepted_only_when_exact_in_float64() -> None:
    assert exact_fraction(1 / 3) == pytest.approx(1 / 3)
    assert exact_fraction(1 / 3 + 1e-15) is None
    assert exact_fraction(0.1) is not None and float(exact_fraction(0.1)) == 0.1
    assert exact_fraction(5.0) is None and exact_fraction(float("nan")) is None


@pytest.mark.parametrize(
    "value",
    [1 / 9, 1 / 256, -3 / 128, 0.1, 1 / 3 + 1e-15, np.pi, 2.5e-5, -1234567.0, 1e-300, 7.0],
)
def test_the_edit_text_reads_back_as_exactly_the_same_value(value: float) -> None:
    assert parse_cell(cell_edit_text(value)) == value


@pytest.fixture
def panel(qtbot, state) -> KernelPanel:
    p = KernelPanel(state)
    qtbot.addWidget(p)
    p.resize(PANEL_WIDTH, 480)
    p.show()
    qtbot.waitExposed(p)
    return p


def _index(panel: KernelPanel, r: int, c: int):
    return panel.model.index(r, c)


def test_gaussian_5_cells_show_fractions_and_edit_at_full_precision(panel, state) -> None:
    state.apply_preset("gaussian_5")
    m = panel.model
    assert m.data(_index(panel, 0, 0)) == "1/256"
    assert m.data(_index(panel, 0, 1)) == "1/64"
    assert m.data(_index(panel, 2, 2)) == "9/64"
    assert m.data(_index(panel, 0, 0), Qt.ItemDataRole.EditRole) == "1/256"
    tip = m.data(_index(panel, 0, 0), Qt.ItemDataRole.ToolTipRole)
    assert tip == "Weight at row 0, column 0: 1/256 = 0.00390625"


def test_reopening_an_editor_and_pressing_enter_keeps_the_kernel(panel, state, qtbot) -> None:
    k = np.full((3, 3), 0.0)
    k[1, 1] = np.pi / 7  # no short exact form
    state.set_kernel(k)
    before = state.kernel.copy()
    tip = panel.model.data(_index(panel, 1, 1), Qt.ItemDataRole.ToolTipRole)
    assert tip.endswith(repr(np.pi / 7))
    panel.table.setCurrentIndex(_index(panel, 1, 1))
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_F2)
    editor = panel.table.focusWidget()
    assert editor is not panel.table and editor.text() == repr(np.pi / 7)
    label = state.undo_label
    with (
        qtbot.assertNotEmitted(state.kernel_changed, wait=100),
        qtbot.waitSignal(panel.table.itemDelegate().closeEditor, timeout=2000),
    ):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert np.array_equal(state.kernel, before)
    assert state.undo_label == label


def test_typing_a_fraction_shows_it(panel, state, qtbot) -> None:
    panel.table.setCurrentIndex(_index(panel, 0, 0))
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_F2)
    editor = panel.table.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "3/256")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next event loop
    qtbot.waitUntil(lambda: state.kernel[0, 0] != 0, timeout=2000)
    assert state.kernel[0, 0] == 3 / 256
    assert panel.model.data(_index(panel, 0, 0)) == "3/256"


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_cell_fits_its_column_at_the_default_width(panel, state, name) -> None:
    state.apply_preset(name)
    table, model = panel.table, panel.model
    style = table.style()
    margin = 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
    kh, kw = state.kernel.shape
    for r in range(kh):
        for c in range(kw):
            idx = model.index(r, c)
            text = model.data(idx)
            font = model.data(idx, Qt.ItemDataRole.FontRole) or QFont(table.font())
            need = QFontMetrics(font).horizontalAdvance(text) + margin
            width = table.visualRect(idx).width()
            assert need <= width, f"{name}[{r},{c}] {text!r} needs {need} px, has {width}"


def test_docstring_examples() -> None:
    import doctest

    import convgui.gui.kernel_panel as module

    result = doctest.testmod(module)
    assert result.attempted >= 4 and result.failed == 0


@pytest.mark.parametrize("width", [1, 2, 3, 4, 5, 6, 8])
def test_cell_text_is_the_most_precise_text_that_fits(width: int) -> None:
    rng = np.random.default_rng(width)
    values = rng.choice([-1, 1], 300) * 10.0 ** rng.uniform(-6, 7, 300)
    for v in values:
        text = cell_text(float(v), width)
        back = parse_cell(text)
        assert np.sign(back) == np.sign(v), (v, text)
        body = text.lstrip("-")
        if width >= 6:
            assert len(body) <= width and abs(back - v) <= 0.05 * abs(v), (v, text)
        # More room never gives a less precise text.
        wider = parse_cell(cell_text(float(v), width + 1))
        assert abs(wider - v) <= abs(back - v), (v, width, text)


@pytest.mark.parametrize(
    "name,size",
    [("log", 7), ("dog", 13), ("gabor", 13), ("gabor", 15), ("gaussian", 15)],
)
def test_generated_kernels_fit_the_column_at_1024x700(window, qtbot, name, size) -> None:
    from convgui.core.generators import GENERATORS

    window.resize(1024, 700)
    g = GENERATORS[name]
    values = {**g.defaults(), "size": size} if "size" in g.defaults() else g.defaults()
    window.state.set_kernel(g.make(**values))
    table, model = window.kernel_panel.table, window.kernel_panel.model
    qtbot.waitUntil(lambda: table.viewport().width() > 0, timeout=2000)
    assert model.columnCount() == size
    assert not table.horizontalScrollBar().isVisible()  # every column is in view
    assert sum(table.columnWidth(c) for c in range(size)) <= table.viewport().width()
    if size > 7:
        return  # 13 and 15 columns of ~20 px: the values are in the tooltips
    style = table.style()
    margin = 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
    k = window.state.kernel
    for r in range(size):
        for c in range(size):
            idx = model.index(r, c)
            text = model.data(idx)
            font = model.data(idx, Qt.ItemDataRole.FontRole) or QFont(table.font())
            need = QFontMetrics(font).horizontalAdvance(text) + margin
            assert need <= table.visualRect(idx).width(), (r, c, text)
            # Not "0.0…": a number of the right size (one significant digit at least).
            assert abs(parse_cell(text) - k[r, c]) <= 0.5 * abs(k[r, c]), (r, c, text)
            assert repr(float(k[r, c])) in model.data(idx, Qt.ItemDataRole.ToolTipRole)


def test_the_sum_shows_no_floating_point_noise(panel, state) -> None:
    from convgui.core.generators import log_kernel

    k = log_kernel(1.0, size=7)
    assert float(k.sum()) != 0.0 and abs(float(k.sum())) < 1e-12  # float noise
    state.set_kernel(k)
    assert panel.sum_label.text() == "Sum: 0"
    state.set_kernel(np.array([[1e-20]]))  # a sum that small on purpose stays
    assert panel.sum_label.text() == "Sum: 1e-20"
    state.set_kernel(np.array([[0.1, 0.2, -0.3]]))
    assert panel.sum_label.text() == "Sum: 0"


def test_a_relayout_while_typing_keeps_the_number_typed(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    # The window re-lays out while the user types (an image opened, a scroll bar came): the
    # cells are restyled for the new width, which must not reset the open editor to the old
    # value (typing 5 then Enter gave back 1).
    from PySide6.QtWidgets import QApplication, QLineEdit

    table = window.kernel_panel.table
    table.setFocus()
    table.setCurrentIndex(table.model().index(1, 1))
    qtbot.keyClick(table, "5")
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.text() == "5"
    room = table.model().cell_room
    table.resize(table.width() - 60, table.height())  # the table gets narrower
    QApplication.processEvents()
    assert editor.text() == "5"
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.state.kernel[1, 1] == 5, timeout=2000)
    # Once the editor closed, the cells are fitted to the new width.
    assert table.model().cell_room != room
