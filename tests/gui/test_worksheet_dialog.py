"""File ▸ Export Worksheet… (convgui.gui.worksheet): the dialog, its preview and the PDF.

The numbers are the model's (tests/core/test_worksheet.py checks them against a naive loop);
here: the PDF's structure (two pages of the paper's size, read from the file itself), the
dialog's choices reaching the model, the preview painting both pages, and never replacing a
file without asking. No poppler needed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lesson_grid import GRID, KERNEL
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialogButtonBox

from convgui.core.worksheet import WorksheetOptions, make_worksheet
from convgui.gui import worksheet as wsm
from convgui.gui.worksheet import (
    WorksheetChoices,
    WorksheetDialog,
    build_worksheet,
    page_cell_size,
    render_page,
    write_worksheet_pdf,
)
from convgui.imageio import ImageDoc
from convgui.safeio import NeedsConfirmationError, forget_written

A4 = (595.0, 842.0)
LETTER = (612.0, 792.0)


def pdf_pages(data: bytes) -> list[tuple[float, float]]:
    """Page sizes (points) read from the page dictionaries."""
    pages = []
    for obj in re.split(rb"\bendobj\b", data):
        if re.search(rb"/Type\s*/Page\b(?!s)", obj):
            box = re.search(rb"/MediaBox\s*\[([^\]]*)\]", obj)
            assert box is not None
            x0, y0, x1, y1 = (float(v) for v in box.group(1).split())
            pages.append((round(x1 - x0), round(y1 - y0)))
    return pages


class Host:
    """State, settings and messages: what the dialog uses."""

    def __init__(self, state: Any, settings: QSettings) -> None:
        self.state = state
        self.settings = settings
        self.messages: list[tuple[str, str]] = []

    def show_message(self, level: str, text: str) -> None:
        self.messages.append((level, text))


@pytest.fixture(autouse=True)
def _fresh_session() -> Any:
    forget_written()
    yield
    forget_written()


@pytest.fixture
def host(state: Any, tmp_path: Path) -> Host:
    rng = np.random.default_rng(5)
    state.set_image(ImageDoc(rng.integers(0, 256, (20, 30)).astype(np.uint8), 8, "noise"))
    state.set_kernel(np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float))
    return Host(state, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))


def lesson_ws(**kw: Any) -> Any:
    return make_worksheet(GRID, KERNEL, WorksheetOptions(**kw))


@pytest.mark.parametrize(("paper", "size"), [("A4", A4), ("Letter", LETTER)])
def test_the_pdf_has_two_pages_of_the_paper(tmp_path: Path, paper: str, size: tuple) -> None:
    path = tmp_path / "sheet.pdf"
    written = write_worksheet_pdf(lesson_ws(pool=True), path, paper=paper)
    assert written == path
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert pdf_pages(data) == [size, size]
    assert b"/Subtype /Image" not in data  # grids and numbers are vector shapes and text
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.pdf"]


def test_the_pdf_never_replaces_a_file_without_asking(tmp_path: Path) -> None:
    path = tmp_path / "class.pdf"
    path.write_bytes(b"%PDF- the teacher's own sheet")
    with pytest.raises(NeedsConfirmationError, match="already exists"):
        write_worksheet_pdf(lesson_ws(), path)
    assert path.read_bytes() == b"%PDF- the teacher's own sheet"
    with pytest.raises(NeedsConfirmationError, match="file you opened"):
        write_worksheet_pdf(lesson_ws(), path, protected=[path])
    write_worksheet_pdf(lesson_ws(), path, confirmed=True)
    assert len(pdf_pages(path.read_bytes())) == 2
    write_worksheet_pdf(lesson_ws(stride=2), path)  # written by this session: no question


def test_a_folder_that_does_not_exist_is_a_save_error(tmp_path: Path) -> None:
    from convgui.safeio import SaveError

    with pytest.raises(SaveError, match="does not exist"):
        write_worksheet_pdf(lesson_ws(), tmp_path / "nowhere" / "a.pdf")


def ink_rows(img: QImage) -> np.ndarray:
    """Rows of the page image that hold anything darker than white."""
    conv = img.convertToFormat(QImage.Format.Format_Grayscale8)
    buf = np.frombuffer(conv.constBits(), np.uint8, conv.sizeInBytes())
    arr = buf.reshape(conv.height(), conv.bytesPerLine())[:, : conv.width()]
    return np.flatnonzero((arr < 200).any(axis=1))


@pytest.mark.parametrize("kw", [{"pool": True}, {"padding": "valid", "stride": 2}, {}])
@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_pages_fit_inside_their_margins(kw: dict, paper: str) -> None:
    ws = make_worksheet(np.arange(100.0).reshape(10, 10) * 2.5, KERNEL, WorksheetOptions(**kw))
    for page in (1, 2):
        img = render_page(ws, page, paper, 600)
        rows = ink_rows(img)
        scale = 600 / wsm.page_size_pt(paper)[0]
        margin = wsm.MARGIN_PT * scale
        assert rows.size and rows[0] >= margin - 2 and rows[-1] <= img.height() - margin + 2


def test_large_clear_cells_for_the_lesson_and_readable_ones_at_the_largest() -> None:
    cell, _ = page_cell_size(lesson_ws(pool=True), A4)
    assert cell >= 28
    big = make_worksheet(np.ones((10, 10)), np.ones((7, 7)), WorksheetOptions(pool=True))
    cell, _ = page_cell_size(big, LETTER)
    assert cell >= wsm.MIN_CELL_PT


def test_page_one_leaves_the_asked_cells_blank_and_page_two_fills_them() -> None:
    """The output grid's ink: the asked cells are empty on page 1 and written on page 2."""
    ws = lesson_ws(cells=4)
    paper = "A4"
    one = render_page(ws, 1, paper, 1200, others_filled=False)
    two = render_page(ws, 2, paper, 1200)
    blank = render_page(ws, 1, paper, 1200, others_filled=True)
    # More ink once the other cells are written in; more again with every answer.
    assert ink(one) < ink(blank) < ink(two) + ink(one)
    assert ink(two) > ink(one)


def ink(img: QImage) -> int:
    conv = img.convertToFormat(QImage.Format.Format_Grayscale8)
    buf = np.frombuffer(conv.constBits(), np.uint8, conv.sizeInBytes())
    arr = buf.reshape(conv.height(), conv.bytesPerLine())[:, : conv.width()]
    return int((arr < 128).sum())


def test_build_worksheet_crops_the_image_in_grey(host: Host) -> None:
    doc = host.state.doc
    choices = WorksheetChoices(source="crop", size=5, top=3, left=7)
    ws = build_worksheet(host.state, choices)
    np.testing.assert_array_equal(ws.grid, doc.pixels[3:8, 7:12])
    np.testing.assert_array_equal(ws.kernel, host.state.kernel)
    rgb = np.dstack([doc.pixels, doc.pixels // 2, np.zeros_like(doc.pixels)])
    host.state.set_image(ImageDoc(rgb, 8, "colour"))
    grey = build_worksheet(host.state, choices).grid
    r, g = rgb[..., 0].astype(np.int64), rgb[..., 1].astype(np.int64)
    want = (19595 * r + 38470 * g + 2**15) >> 16  # Pillow's "L" (blue is 0)
    np.testing.assert_array_equal(grey, want[3:8, 7:12])
    host.state.set_value_scale("0-1")
    np.testing.assert_allclose(build_worksheet(host.state, choices).grid, want[3:8, 7:12] / 255)


def test_build_worksheet_lesson_grid_and_kernel(host: Host) -> None:
    ws = build_worksheet(host.state, WorksheetChoices(source="lesson", kernel="lesson"))
    np.testing.assert_array_equal(ws.grid, GRID)
    np.testing.assert_array_equal(ws.kernel, KERNEL)
    assert ws.answers[0, 0] == 22


def test_build_worksheet_says_what_is_wrong(host: Host) -> None:
    with pytest.raises(ValueError, match="at most row 15"):
        build_worksheet(host.state, WorksheetChoices(source="crop", size=5, top=16))


def press_save(dlg: WorksheetDialog) -> None:
    dlg.buttons.button(QDialogButtonBox.StandardButton.Save).click()


def test_the_dialog_previews_and_saves(host: Host, qtbot: Any, tmp_path: Path) -> None:
    dlg = WorksheetDialog(host)
    qtbot.addWidget(dlg)
    assert dlg.source.currentData() == "crop"
    assert (dlg.top.value(), dlg.left.value()) == (7, 12)  # the middle of the 30×20 image
    assert dlg.top.maximum() == 14 and dlg.left.maximum() == 24
    assert all(not label.pixmap().isNull() for label in dlg.previews)
    dlg.padding.setCurrentIndex(dlg.padding.findData("valid"))
    dlg.stride.setCurrentIndex(dlg.stride.findData(2))
    dlg.cells.setValue(2)
    ws = dlg.worksheet
    assert ws is not None and ws.out_shape == (2, 2) and len(ws.to_fill) == 2
    np.testing.assert_array_equal(ws.grid, host.state.doc.pixels[7:13, 12:18])
    assert "2×2" in dlg.message.text()
    dlg.paper.setCurrentIndex(dlg.paper.findData("Letter"))
    target = tmp_path / "class sheet"  # ".pdf" is added
    dlg.path.setText(str(target))
    press_save(dlg)
    assert dlg.result() == WorksheetDialog.DialogCode.Accepted
    saved = tmp_path / "class sheet.pdf"
    assert pdf_pages(saved.read_bytes()) == [LETTER, LETTER]
    assert host.messages[-1] == ("status", f"Worksheet saved to {saved}")
    assert host.settings.value(wsm.PAPER_KEY) == "Letter"
    assert host.settings.value(wsm.LAST_DIR_KEY) == str(tmp_path)


def test_the_dialog_refuses_settings_without_an_answer(host: Host, qtbot: Any) -> None:
    dlg = WorksheetDialog(host)
    qtbot.addWidget(dlg)
    dlg.side.setValue(4)
    dlg.padding.setCurrentIndex(dlg.padding.findData("valid"))
    dlg.stride.setCurrentIndex(dlg.stride.findData(2))
    dlg.pool.setChecked(True)  # a 1×1 output cannot be pooled
    assert dlg.worksheet is None
    assert "too small for 2×2 pooling" in dlg.message.text()
    assert not dlg.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    dlg.pool.setChecked(False)
    assert dlg.worksheet is not None
    assert dlg.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()


def test_the_dialog_asks_before_replacing(
    host: Host, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "mine.pdf"
    path.write_bytes(b"%PDF- keep")
    answers = iter([False, True])
    asked: list[str] = []
    monkeypatch.setattr(wsm, "ask_replace", lambda parent, msg: asked.append(msg) or next(answers))
    dlg = WorksheetDialog(host)
    qtbot.addWidget(dlg)
    dlg.source.setCurrentIndex(dlg.source.findData("lesson"))
    dlg.path.setText(str(path))
    press_save(dlg)
    assert len(asked) == 1 and path.read_bytes() == b"%PDF- keep"
    assert dlg.result() != WorksheetDialog.DialogCode.Accepted
    press_save(dlg)
    assert len(pdf_pages(path.read_bytes())) == 2
    assert dlg.result() == WorksheetDialog.DialogCode.Accepted


def test_a_tiny_image_offers_only_the_lesson_grid(host: Host, qtbot: Any) -> None:
    host.state.set_image(ImageDoc(np.zeros((3, 3), np.uint8), 8, "tiny"))
    dlg = WorksheetDialog(host)
    qtbot.addWidget(dlg)
    assert dlg.source.currentData() == "lesson"
    assert not dlg.side.isEnabled()
    assert dlg.worksheet is not None and dlg.worksheet.grid.shape == (6, 6)


def test_the_menu_entries_open_the_dialogs(window: Any, qtbot: Any) -> None:
    from PySide6.QtGui import QAction

    act = window.findChild(QAction, "exportWorksheetAction")
    assert act is not None and act.shortcut().toString() == "Ctrl+Alt+W"
    act.trigger()
    dlg = window.worksheet_dialog
    qtbot.waitUntil(dlg.isVisible)
    assert dlg.source.currentData() == "crop"  # the lesson sample is 6×6: it can be cropped
    np.testing.assert_array_equal(dlg.worksheet.grid, GRID)
    dlg.reject()
    for name in ("exportSvgAction", "exportPdfAction"):
        assert window.findChild(QAction, name) is not None


def test_the_worksheet_from_the_layer_mode_shows_the_kernel_it_uses(window: Any) -> None:
    from PySide6.QtGui import QAction

    window.findChild(QAction, "modeLayerAction").trigger()
    assert window.mode == "layer"
    window.findChild(QAction, "exportWorksheetAction").trigger()
    assert window.mode == "kernel"  # the worksheet is about the single kernel: it is shown
    window.worksheet_dialog.reject()
