"""File ▸ Export Worksheet…: a two-page PDF for a class, drawn with Qt's own ``QPdfWriter``.

Page 1 gives the student a small input grid with its zero padding drawn, the kernel, an output
grid of the right shape with the cells to fill left blank, and the output-size formula with
blanks; page 2 ("Answers") has the filled output, the formula worked out and one sum written as
the arithmetic panel writes it (and the pooling question's answers when it is asked). Every
number comes from :mod:`convgui.core.worksheet`, which computes it with the app's engine.

Pages are painted in points (1/72 inch) on A4 or Letter, in large type for photocopies; the
dialog's preview paints the same pages into images. The file is written with
:func:`convgui.safeio.atomic_write` and read back (two pages of the paper's size); an existing
file, or the opened image, is never replaced without asking.

This module also adds the animation export's vector formats to the Animation menu.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np
from PySide6.QtCore import QMarginsF, QRectF, QSettings, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core import get_preset, scale_factor, to_grayscale
from ..core.text import format_value
from ..core.worksheet import (
    MAX_SIDE,
    MIN_SIDE,
    Worksheet,
    WorksheetOptions,
    crop_grid,
    make_worksheet,
)
from ..imageio import load_sample
from ..resources import samples
from ..safeio import NeedsConfirmationError, PathLike, SaveError, atomic_write, shown_name
from ..state import ExplorerState
from . import texts
from .actions import ActionSpec, Entry, Separator
from .util import to_single_kernel

#: Paper sizes offered.
PAPERS: dict[str, QPageSize.PageSizeId] = {
    "A4": QPageSize.PageSizeId.A4,
    "Letter": QPageSize.PageSizeId.Letter,
}
#: Page margin in points (15 mm).
MARGIN_PT = 42.5
#: Largest cell side in points, and the smallest before the type would get too small.
MAX_CELL_PT = 36.0
MIN_CELL_PT = 16.0
#: Settings keys.
LAST_DIR_KEY = "lastWorksheetDir"
PAPER_KEY = "worksheetPaper"
#: Preview width of one page, in pixels.
PREVIEW_WIDTH = 250

INK = QColor(20, 20, 20)
GRID_PEN = QColor(90, 90, 90)
PAD_FILL = QColor(214, 228, 245)
PAD_INK = QColor(40, 90, 160)
ASK_PEN = QColor(0, 0, 0)
WINDOW_PEN = QColor(200, 30, 30)

TEXT = {
    "title": "Convolution worksheet",
    "answers": "Answers",
    "name": "Name: ______________________        Date: ______________",
    "how": (
        "Slide the kernel over the input. At each position, multiply each kernel number by "
        "the input number under it and add the products: that sum is the output cell."
    ),
    "how_same": " The blue ring is zero padding: its cells hold 0.",
    "how_stride": " The kernel moves {s} cells at a time (stride {s}).",
    "fill": "Fill in the cells with a thick border.",
    "input": "Input ({h}×{w}){pad}",
    "padded": " with its zero padding",
    "kernel": "Kernel ({h}×{w})",
    "output": "Output{shape}",
    "pooled": "Max pooling 2×2, stride 2{shape}",
    "size": "Output size: ",
    "pool_size": "Pooled size: ",
    "worked": "Worked example, output row {r}, column {c} (red window on the input):",
    "pool_worked": "Pooled row 0, column 0: ",
    "source_crop": "Crop of the current image",
    "source_lesson": "The lesson's 6×6 grid",
    "kernel_current": "Current kernel ({h}×{w})",
    "kernel_lesson": "Lesson kernel (3×3)",
    "others_filled": "Written in",
    "others_blank": "Left blank too",
    "dialog_title": "Export Worksheet",
    "saved": "Worksheet saved to {path}",
    "failed": "The worksheet was not saved",
    "grey_note": "A colour image is used in grey (BT.601), at the value scale shown.",
    "no_image": "Open an image first, or use the lesson's grid.",
    "small_image": "The image is smaller than 4×4 pixels: use the lesson's grid.",
}


# --- what the worksheet needs from the application -----------------------------------------


class WorksheetHost(Protocol):
    """The few members of the window the worksheet uses."""

    @property
    def state(self) -> ExplorerState:
        """The image, kernel and value scale."""
        ...

    @property
    def settings(self) -> QSettings:
        """Where the last folder and paper are remembered."""
        ...

    def show_message(self, level: str, text: str) -> None:
        """Tell the user (``"status"``, ``"info"``, ``"warning"``, ``"error"``)."""
        ...


@dataclass(frozen=True)
class WorksheetChoices:
    """Everything the dialog asks: where the grid and kernel come from, the layer, the paper.

    Attributes
    ----------
    source : {"crop", "lesson"}
        A crop of the current image, or the lesson's 6×6 grid.
    size, top, left : int
        The crop's side and top-left corner (ignored for the lesson grid).
    kernel : {"current", "lesson"}
        The window's kernel or the lesson's.
    options : WorksheetOptions
        Padding, stride, pooling question, cells to fill.
    others_filled : bool
        Page 1 writes the cells the student does not fill (False: every cell blank).
    paper : {"A4", "Letter"}
    """

    source: str = "lesson"
    size: int = 6
    top: int = 0
    left: int = 0
    kernel: str = "current"
    options: WorksheetOptions = field(default_factory=WorksheetOptions)
    others_filled: bool = True
    paper: str = "A4"


def lesson_grid() -> np.ndarray:
    """The lesson's 6×6 grid, from the sample the app opens (0–255)."""
    sample = next(s for s in samples() if s.file.startswith("lesson"))
    return np.asarray(load_sample(sample.path, sample.title).pixels, dtype=np.float64)


def grey_image(state: ExplorerState) -> np.ndarray | None:
    """The current image in grey at the value scale shown (what the engine sees in grey)."""
    doc = state.doc
    if doc is None:
        return None
    px = doc.pixels
    if px.ndim == 3:
        px = to_grayscale(px)
    return np.asarray(px, dtype=np.float64) * scale_factor(doc.bit_depth, state.value_scale)


def build_worksheet(state: ExplorerState, choices: WorksheetChoices) -> Worksheet:
    """The worksheet of ``choices`` on the state's image and kernel.

    Raises
    ------
    ValueError
        No image to crop, a crop outside the image, or settings the worksheet cannot use; the
        message says what to change.
    """
    if choices.source == "lesson":
        grid = lesson_grid()
    else:
        image = grey_image(state)
        if image is None:
            raise ValueError(TEXT["no_image"])
        grid = crop_grid(image, choices.top, choices.left, choices.size)
    kernel = get_preset("lesson") if choices.kernel == "lesson" else state.kernel
    return make_worksheet(grid, kernel, choices.options)


def default_paper() -> str:
    """Letter where the locale measures in US units, else A4."""
    from PySide6.QtCore import QLocale

    us = QLocale().measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem
    return "Letter" if us else "A4"


def page_size_pt(paper: str) -> tuple[float, float]:
    """Width and height of ``paper`` in points."""
    size = QPageSize(PAPERS[paper]).size(QPageSize.Unit.Point)
    return (size.width(), size.height())


# --- painting a page (in points) -------------------------------------------------------------


def _font(size: float, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamily("DejaVu Sans")
    font.setPixelSize(max(1, round(size)))
    font.setBold(bold)
    return font


def _fit_font(texts_: Sequence[str], cell: float, *, bold: bool = False) -> QFont:
    """The largest font (up to 45 % of the cell) in which every text fits a cell's width."""
    size = cell * 0.45
    while size > 6:
        font = _font(size, bold=bold)
        fm = QFontMetricsF(font)
        if all(fm.horizontalAdvance(t) <= cell * 0.86 for t in texts_):
            return font
        size -= 0.5
    return _font(6, bold=bold)


def _text(p: QPainter, rect: QRectF, text: str, size: float, *, bold: bool = False) -> float:
    """Write wrapped text at the top of ``rect``; returns the height used."""
    p.setFont(_font(size, bold=bold))
    p.setPen(INK)
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(
        Qt.TextFlag.TextWordWrap
    )
    used = p.boundingRect(rect, flags, text)
    p.drawText(rect, flags, text)
    return used.height()


def _grid(
    p: QPainter,
    x: float,
    y: float,
    cell: float,
    labels: list[list[str]],
    *,
    padding: np.ndarray | None = None,
    asked: np.ndarray | None = None,
    window: tuple[int, int, int, int] | None = None,
) -> None:
    """Draw a table of ``labels`` at ``(x, y)``: padding tinted, asked cells thick, a window."""
    rows, cols = len(labels), len(labels[0])
    font = _fit_font([t for row in labels for t in row] or ["0"], cell)
    for i in range(rows):
        for j in range(cols):
            r = QRectF(x + j * cell, y + i * cell, cell, cell)
            pad = padding is not None and bool(padding[i, j])
            if pad:
                p.fillRect(r, PAD_FILL)
            p.setPen(QPen(GRID_PEN, 0.6))
            p.drawRect(r)
            if labels[i][j]:
                p.setFont(font)
                p.setPen(PAD_INK if pad else INK)
                p.drawText(r, Qt.AlignmentFlag.AlignCenter, labels[i][j])
    if padding is not None and padding.any():  # the image itself, inside its padding
        inner = np.argwhere(~padding)
        (r0, c0), (r1, c1) = inner.min(axis=0), inner.max(axis=0)
        p.setPen(QPen(INK, 1.6))
        p.drawRect(QRectF(x + c0 * cell, y + r0 * cell, (c1 - c0 + 1) * cell, (r1 - r0 + 1) * cell))
    if asked is not None:
        p.setPen(QPen(ASK_PEN, 2.4))
        for i, j in np.argwhere(asked):
            p.drawRect(
                QRectF(x + j * cell, y + i * cell, cell, cell).adjusted(1.2, 1.2, -1.2, -1.2)
            )
    if window is not None:
        r0, c0, nr, nc = window
        p.setPen(QPen(WINDOW_PEN, 2.4))
        p.drawRect(QRectF(x + c0 * cell, y + r0 * cell, nc * cell, nr * cell))


def _labels(values: np.ndarray, show: np.ndarray | None = None) -> list[list[str]]:
    """Each value written as the app writes it; ``show`` False leaves a cell blank."""
    return [
        [
            format_value(float(values[i, j])).replace("-", "−")
            if show is None or show[i, j]
            else ""
            for j in range(values.shape[1])
        ]
        for i in range(values.shape[0])
    ]


@dataclass(frozen=True)
class _Panel:
    """One labelled grid of a page."""

    label: str
    labels: list[list[str]]
    padding: np.ndarray | None = None
    asked: np.ndarray | None = None
    window: tuple[int, int, int, int] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.labels), len(self.labels[0])


_FLAGS = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap)
LABEL_PT, BODY_PT, FORMULA_PT, TITLE_PT = 12.0, 12.0, 14.0, 22.0
LABEL_H, ROW_GAP, COL_GAP = 22.0, 16.0, 28.0


def _height(text: str, size: float, width: float, *, bold: bool = False) -> float:
    """Height of ``text`` wrapped to ``width`` points."""
    fm = QFontMetricsF(_font(size, bold=bold))
    return fm.boundingRect(QRectF(0, 0, width, 10_000), _FLAGS, text).height()


def _label_width(text: str) -> float:
    return QFontMetricsF(_font(LABEL_PT, bold=True)).horizontalAdvance(text) + 4


def _panels(ws: Worksheet, page: int, others_filled: bool) -> list[_Panel]:
    """Input, kernel, output and (pooling question) pooled map, as page ``page`` shows them."""
    g = ws.geometry
    gh, gw = ws.grid.shape
    kh, kw = ws.kernel.shape
    oh, ow = ws.out_shape
    window = None
    if page == 2:
        sc = ws.worked
        t, _, lft, _ = g.pads
        r0, c0 = int(sc.tap_rows[0]) + t, int(sc.tap_cols[0]) + lft
        window = (r0, c0, len(sc.tap_rows), len(sc.tap_cols))
    pad_note = TEXT["padded"] if any(g.pads) else ""
    asked = ws.fill_mask()
    if page == 1:
        out_label = TEXT["output"].format(shape="")
        shown = ~asked if others_filled else np.zeros_like(asked)
    else:
        out_label = TEXT["output"].format(shape=f" ({oh}×{ow})")
        shown = None
    panels = [
        _Panel(TEXT["input"].format(h=gh, w=gw, pad=pad_note), _labels(ws.padded),
               padding=ws.is_padding, window=window),
        _Panel(TEXT["kernel"].format(h=kh, w=kw), _labels(ws.kernel)),
        _Panel(out_label, _labels(ws.answers, shown), asked=asked),
    ]  # fmt: skip
    if ws.pooled is not None:
        every = np.ones(ws.pooled.shape, dtype=bool)
        qh, qw = ws.pooled.shape
        shape = f" ({qh}×{qw})" if page == 2 else ""
        panels.append(
            _Panel(TEXT["pooled"].format(shape=shape),
                   _labels(ws.pooled, every if page == 2 else ~every), asked=every)
        )  # fmt: skip
    return panels


def _arrangements(panels: list[_Panel]) -> list[list[list[_Panel]]]:
    """Two ways to place the grids in two rows: by stage, or input beside output."""
    inp, ker, out, *pool = panels
    return [[[inp, ker], [out, *pool]], [[inp, out], [ker, *pool]]]


def _row_width(row: list[_Panel], cell: float) -> float:
    return sum(max(p.shape[1] * cell, _label_width(p.label)) for p in row) + COL_GAP * (
        len(row) - 1
    )


def _cell_size(rows: list[list[_Panel]], width: float, height: float) -> float:
    """The largest cell (up to :data:`MAX_CELL_PT`) at which ``rows`` fit ``width``×``height``."""
    tall = sum(max(p.shape[0] for p in row) for row in rows)
    cell = min(MAX_CELL_PT, height / max(tall, 1))
    while cell > MIN_CELL_PT and any(_row_width(row, cell) > width for row in rows):
        cell -= 0.5
    return max(cell, MIN_CELL_PT)


def _text_blocks(
    ws: Worksheet, page: int, width: float
) -> tuple[list[tuple[str, float, bool]], list[tuple[str, float, bool]]]:
    """The text above the grids and below them: ``(text, size, bold)`` each."""
    g, opts = ws.geometry, ws.options
    above: list[tuple[str, float, bool]] = []
    if page == 1:
        above.append((TEXT["title"], TITLE_PT, True))
        above.append((TEXT["name"], BODY_PT, False))
        how = TEXT["how"]
        if any(g.pads):
            how += TEXT["how_same"]
        if opts.stride > 1:
            how += TEXT["how_stride"].format(s=opts.stride)
        above.append((how + " " + TEXT["fill"], BODY_PT, False))
    else:
        above.append((TEXT["answers"], TITLE_PT, True))
    below: list[tuple[str, float, bool]] = []
    for line in ws.formula_blanks() if page == 1 else ws.formulas():
        below.append((TEXT["size"] + line, FORMULA_PT, False))
    for line in ws.pooled_formulas():
        shown = _blank_pooled(line) if page == 1 else line
        below.append((TEXT["pool_size"] + shown, FORMULA_PT, False))
    if page == 2:
        r, c = ws.worked.position
        below.append((TEXT["worked"].format(r=r, c=c), BODY_PT, True))
        below.append((ws.worked_text(), FORMULA_PT, False))
        if ws.pool_worked is not None:
            below.append((TEXT["pool_worked"] + ws.pool_worked.expression(), FORMULA_PT, False))
    return above, below


def _block_height(block: list[tuple[str, float, bool]], width: float) -> float:
    return sum(_height(t, s, width, bold=b) + 8 for t, s, b in block)


def page_cell_size(ws: Worksheet, size_pt: tuple[float, float]) -> tuple[float, int]:
    """The cell side (points) both pages use, and which arrangement of grids (0 or 1)."""
    w, h = size_pt
    width = w - 2 * MARGIN_PT
    best = (0.0, 0)
    for index in (0, 1):
        cells = []
        for page in (1, 2):
            above, below = _text_blocks(ws, page, width)
            rows = _arrangements(_panels(ws, page, True))[index]
            free = h - 2 * MARGIN_PT - _block_height(above, width) - _block_height(below, width)
            free -= len(rows) * (LABEL_H + ROW_GAP) + 12
            cells.append(_cell_size(rows, width, free))
        if min(cells) > best[0] + 0.25:
            best = (min(cells), index)
    return best


def paint_page(
    p: QPainter,
    ws: Worksheet,
    page: int,
    size_pt: tuple[float, float],
    *,
    others_filled: bool = True,
) -> None:
    """Paint page ``page`` (1: questions, 2: answers) of ``ws`` on a painter in points.

    Parameters
    ----------
    p : QPainter
        Active, its coordinates in points with ``(0, 0)`` the page's top-left corner.
    ws : Worksheet
        The model: every number drawn comes from it.
    page : {1, 2}
        The questions or the answers.
    size_pt : (float, float)
        The page's width and height in points.
    others_filled : bool
        Page 1 writes the output cells the student does not fill.
    """
    w, h = size_pt
    p.fillRect(QRectF(0, 0, w, h), QColor(255, 255, 255))
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    x0, width = MARGIN_PT, w - 2 * MARGIN_PT
    cell, arrangement = page_cell_size(ws, size_pt)
    above, below = _text_blocks(ws, page, width)
    y = MARGIN_PT
    for text, size, bold in above:
        y += _text(p, QRectF(x0, y, width, 200), text, size, bold=bold) + 8
    y += 6
    for row in _arrangements(_panels(ws, page, others_filled))[arrangement]:
        x = x0
        for panel in row:
            pw = max(panel.shape[1] * cell, _label_width(panel.label))
            _text(p, QRectF(x, y, pw + COL_GAP, LABEL_H), panel.label, LABEL_PT, bold=True)
            _grid(p, x, y + LABEL_H, cell, panel.labels, padding=panel.padding,
                  asked=panel.asked, window=panel.window)  # fmt: skip
            x += pw + COL_GAP
        y += LABEL_H + max(panel.shape[0] for panel in row) * cell + ROW_GAP
    y += 6
    for text, size, bold in below:
        y += _text(p, QRectF(x0, y, width, 200), text, size, bold=bold) + 8


def _blank_pooled(formula: str) -> str:
    """The pooled size formula with the output size it starts from and its result blank."""
    from ..core.worksheet import BLANK

    axis, colon, formula = formula.rpartition(": ")  # "rows: …" when the axes differ
    head, sep, _ = formula.rpartition(" = ")
    if not sep or " + " not in head:
        return axis + colon + formula
    floor = head.startswith("⌊")
    rest = head.split(" + ", 1)[1]
    return f"{axis}{colon}{'⌊' if floor else ''}({BLANK} + {rest} = {BLANK}"


# --- files and previews ----------------------------------------------------------------------


def render_page(
    ws: Worksheet, page: int, paper: str, width_px: int, *, others_filled: bool = True
) -> QImage:
    """Page ``page`` of ``ws`` as an image ``width_px`` wide (the dialog's preview)."""
    w, h = page_size_pt(paper)
    scale = width_px / w
    img = QImage(width_px, round(h * scale), QImage.Format.Format_RGB32)
    img.fill(QColor(255, 255, 255))
    p = QPainter(img)
    try:
        p.scale(scale, scale)
        paint_page(p, ws, page, (w, h), others_filled=others_filled)
    finally:
        p.end()
    return img


def _verify(paper: str) -> Callable[[Path], None]:
    from .export import pdf_page_sizes

    want = page_size_pt(paper)

    def verify(tmp: Path) -> None:
        data = tmp.read_bytes()
        if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-64:]:
            raise ValueError("it is not a complete PDF file")
        sizes = pdf_page_sizes(data)
        if len(sizes) != 2:
            raise ValueError(f"it holds {len(sizes)} page(s) instead of 2")
        for pw, ph in sizes:
            if abs(pw - want[0]) > 1 or abs(ph - want[1]) > 1:
                raise ValueError(f"a page is {pw:g}×{ph:g} points, not {paper}")

    return verify


def write_worksheet_pdf(
    ws: Worksheet,
    path: PathLike,
    *,
    paper: str = "A4",
    others_filled: bool = True,
    protected: Sequence[PathLike | None] = (),
    confirmed: bool = False,
) -> Path:
    """Write the two-page worksheet PDF at ``path`` (questions, then answers).

    Raises
    ------
    NeedsConfirmationError
        Without ``confirmed``: the file exists (not written by convgui in this session) or is
        one of ``protected``.
    SaveError
        The file cannot be written or read back; nothing was replaced.
    ValueError
        An unknown paper.
    """
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {sorted(PAPERS)}, got {paper!r}")
    size = page_size_pt(paper)

    def write(tmp: Path) -> None:
        writer = QPdfWriter(str(tmp))
        writer.setCreator("convgui")
        writer.setTitle(TEXT["title"])
        writer.setResolution(600)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(PAPERS[paper]), QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)
            )
        )
        p = QPainter()
        if not p.begin(writer):
            raise SaveError(
                f"Could not start writing “{shown_name(path)}”; choose a folder you can write to."
            )
        try:
            p.scale(writer.width() / size[0], writer.height() / size[1])
            paint_page(p, ws, 1, size, others_filled=others_filled)
            writer.newPage()
            paint_page(p, ws, 2, size, others_filled=others_filled)
        finally:
            p.end()

    return atomic_write(
        path, write, verify=_verify(paper), protected=protected, confirmed=confirmed
    )


# --- the dialog ------------------------------------------------------------------------------


def ask_replace(parent: QWidget | None, message: str) -> bool:
    """Ask whether an existing (or protected) file may be replaced (the export's question)."""
    from .export import ask_replace as ask

    return ask(parent, message)


class WorksheetDialog(QDialog):
    """Choose the grid, kernel, layer and paper, see both pages, and save the PDF.

    Parameters
    ----------
    host : WorksheetHost
        The state (image, kernel), settings and messages.
    parent : QWidget, optional
    """

    def __init__(self, host: WorksheetHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.setObjectName("worksheetDialog")
        self.setWindowTitle(TEXT["dialog_title"])
        state, settings = host.state, host.settings
        image = grey_image(state)
        self._image_shape = None if image is None else image.shape[:2]
        self.worksheet: Worksheet | None = None

        self.source = _named(QComboBox(), "worksheetSource")
        self.source.addItem(TEXT["source_crop"], "crop")
        self.source.addItem(TEXT["source_lesson"], "lesson")
        can_crop = self._image_shape is not None and min(self._image_shape) >= MIN_SIDE
        if not can_crop:
            self.source.model().item(0).setEnabled(False)  # type: ignore[attr-defined]
        self.source.setCurrentIndex(0 if can_crop else 1)
        self.side = _named(QSpinBox(), "worksheetSize")
        self.side.setRange(MIN_SIDE, MAX_SIDE)
        self.side.setValue(6)
        self.side.setSuffix(" cells a side")
        self.top = _named(QSpinBox(), "worksheetTop")
        self.left = _named(QSpinBox(), "worksheetLeft")
        self.top.setPrefix("row ")
        self.left.setPrefix("column ")
        corner = QHBoxLayout()
        corner.addWidget(self.top)
        corner.addWidget(self.left)
        self.kernel = _named(QComboBox(), "worksheetKernel")
        kh, kw = state.kernel.shape
        self.kernel.addItem(TEXT["kernel_current"].format(h=kh, w=kw), "current")
        self.kernel.addItem(TEXT["kernel_lesson"], "lesson")
        self.padding = _named(QComboBox(), "worksheetPadding")
        self.padding.addItem("Same (zero padding)", "same")
        self.padding.addItem("Valid (no padding)", "valid")
        self.stride = _named(QComboBox(), "worksheetStride")
        self.stride.addItem("1", 1)
        self.stride.addItem("2", 2)
        self.pool = _named(QCheckBox("Ask for 2×2 max pooling too"), "worksheetPool")
        self.cells = _named(QSpinBox(), "worksheetCells")
        self.cells.setRange(1, MAX_SIDE * MAX_SIDE)
        self.cells.setValue(6)
        self.others = _named(QComboBox(), "worksheetOthers")
        self.others.addItem(TEXT["others_filled"], True)
        self.others.addItem(TEXT["others_blank"], False)
        self.paper = _named(QComboBox(), "worksheetPaper")
        for name in PAPERS:
            self.paper.addItem(name, name)
        remembered = str(settings.value(PAPER_KEY, "") or "")
        self.paper.setCurrentIndex(
            max(0, self.paper.findData(remembered if remembered in PAPERS else default_paper()))
        )
        self.message = _named(QLabel(), "worksheetMessage")
        self.message.setWordWrap(True)
        self.note = _named(QLabel(TEXT["grey_note"]), "worksheetNote")
        self.note.setWordWrap(True)
        doc = state.doc
        self.note.setVisible(doc is not None and doc.pixels.ndim == 3)

        folder = settings.value(LAST_DIR_KEY, "")
        base = Path(folder) if isinstance(folder, str) and folder else Path.home()
        if not base.is_dir():
            base = Path.home()
        from .export import free_name

        self.path = _named(QLineEdit(str(free_name(base, "worksheet", ".pdf"))), "worksheetPath")
        self.path.setMinimumWidth(220)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)

        form = QFormLayout()
        form.addRow("Grid", self.source)
        form.addRow("Size", self.side)
        form.addRow("Top-left corner", corner)
        form.addRow("", self.note)
        form.addRow("Kernel", self.kernel)
        form.addRow("Padding", self.padding)
        form.addRow("Stride", self.stride)
        form.addRow("", self.pool)
        form.addRow("Cells to fill", self.cells)
        self.others.setToolTip(
            "The output cells the student does not fill: written in on page 1, or left blank"
        )
        form.addRow("Other cells", self.others)
        form.addRow("Paper", self.paper)
        form.addRow("Save to", path_row)
        form.addRow(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

        self.previews = [_named(QLabel(), f"worksheetPreview{i}") for i in (1, 2)]
        pages = QHBoxLayout()
        for label in self.previews:
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            label.setMinimumSize(PREVIEW_WIDTH + 8, round(PREVIEW_WIDTH * 842 / 595) + 8)
            label.setStyleSheet("background: #888; padding: 4px;")
            pages.addWidget(label)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addStretch(1)
        left.addWidget(self.buttons)
        outer = QHBoxLayout(self)
        outer.addLayout(left)
        outer.addLayout(pages, 1)

        self._centre_crop()
        for w in (self.source, self.kernel, self.padding, self.stride, self.others, self.paper):
            w.currentIndexChanged.connect(self._update)
        for sp in (self.side, self.top, self.left, self.cells):
            sp.valueChanged.connect(self._update)
        self.pool.toggled.connect(self._update)
        self._update()

    def _centre_crop(self) -> None:
        """Start the crop at the middle of the image."""
        self._update_ranges()
        if self._image_shape is None:
            return
        h, w = self._image_shape
        n = min(self.side.value(), h, w)
        self.top.setValue(max(0, (h - n) // 2))
        self.left.setValue(max(0, (w - n) // 2))

    def _update_ranges(self) -> None:
        """The corner can go as far as the crop still fits in the image."""
        if self._image_shape is None:
            return
        h, w = self._image_shape
        n = self.side.value()
        for sp, most in ((self.top, h - n), (self.left, w - n)):
            sp.blockSignals(True)
            sp.setRange(0, max(0, most))
            sp.blockSignals(False)

    def choices(self) -> WorksheetChoices:
        """What the controls say."""
        return WorksheetChoices(
            source=str(self.source.currentData()),
            size=self.side.value(),
            top=self.top.value(),
            left=self.left.value(),
            kernel=str(self.kernel.currentData()),
            options=WorksheetOptions(
                padding=str(self.padding.currentData()),
                stride=int(self.stride.currentData()),
                pool=self.pool.isChecked(),
                cells=self.cells.value(),
            ),
            others_filled=bool(self.others.currentData()),
            paper=str(self.paper.currentData()),
        )

    def _update(self) -> None:
        crop = self.source.currentData() == "crop"
        for w in (self.side, self.top, self.left):
            w.setEnabled(crop)
        self._update_ranges()
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        try:
            ws = build_worksheet(self.host.state, self.choices())
        except ValueError as exc:
            self.worksheet = None
            self.message.setText(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
            ok_button.setEnabled(False)
            for label in self.previews:
                label.clear()
            return
        self.worksheet = ws
        ok_button.setEnabled(True)
        n = len(ws.to_fill)
        oh, ow = ws.out_shape
        self.message.setText(
            f"The output is {oh}×{ow}; the student fills {n} cell{'s' if n != 1 else ''}."
        )
        c = self.choices()
        for page, label in zip((1, 2), self.previews):
            img = render_page(ws, page, c.paper, PREVIEW_WIDTH, others_filled=c.others_filled)
            label.setPixmap(QPixmap.fromImage(img))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save Worksheet", self.path.text(), "PDF (*.pdf)"
        )
        if path:
            self.path.setText(path)

    def _protected(self) -> list[str]:
        out: list[str] = []
        doc = self.host.state.doc
        if doc is not None and doc.path:
            out.append(str(doc.path))
        if self.host.settings.fileName():
            out.append(self.host.settings.fileName())
        return out

    def _fail(self, text: str) -> None:
        QMessageBox.warning(self, TEXT["failed"], f"{text}\n\nNothing was saved.")
        self.host.show_message("error", f"{TEXT['failed']}: {text}")

    def _save(self) -> None:
        ws = self.worksheet
        if ws is None:
            return
        text = self.path.text().strip()
        if not text:
            self._fail("No file is chosen; type a name or use Browse….")
            return
        target = Path(text).expanduser()
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        c = self.choices()
        confirmed = False
        while True:
            try:
                written = write_worksheet_pdf(
                    ws, target, paper=c.paper, others_filled=c.others_filled,
                    protected=self._protected(), confirmed=confirmed,
                )  # fmt: skip
            except NeedsConfirmationError as exc:
                if not confirmed and ask_replace(self, str(exc)):
                    confirmed = True
                    continue
                return  # stay in the dialog: another name can be chosen
            except (SaveError, ValueError) as exc:
                self._fail(str(exc))
                return
            break
        settings = self.host.settings
        settings.setValue(LAST_DIR_KEY, str(written.parent))
        settings.setValue(PAPER_KEY, c.paper)
        self.host.show_message("status", TEXT["saved"].format(path=written))
        self.accept()


W = TypeVar("W", bound=QWidget)


def _named(widget: W, name: str) -> W:
    """``widget`` with its object name set (tests find it by name)."""
    widget.setObjectName(name)
    return widget


def open_worksheet(host: WorksheetHost) -> WorksheetDialog:
    """File ▸ Export Worksheet…: show the dialog (kept on the host as ``worksheet_dialog``)."""
    to_single_kernel(host, "Export Worksheet")
    old = getattr(host, "worksheet_dialog", None)
    if isinstance(old, WorksheetDialog):
        old.deleteLater()  # a new dialog reads the current image and kernel
    dlg = WorksheetDialog(host, host if isinstance(host, QWidget) else None)
    host.worksheet_dialog = dlg  # type: ignore[attr-defined]
    dlg.open()
    return dlg


def entries() -> list[Entry]:
    """File ▸ Export Worksheet…."""
    return [
        Separator(texts.MENU_FILE),
        ActionSpec(
            "exportWorksheetAction", "Export &Worksheet…", lambda w: open_worksheet(w),
            texts.MENU_FILE, ("Ctrl+Alt+W",),
            "A two-page PDF for a class: a grid, the kernel and an output to fill in, then the "
            "answers", attr="export_worksheet_action",
        ),
    ]  # fmt: skip
