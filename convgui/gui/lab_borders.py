"""Layer ▸ Compare Borders: the six boundary modes side by side over the image's top-left corner.

Each mode's corner is drawn zoomed, the value of every cell written in it; the padded cells are
hatched and outlined so a learner sees which image cells each mode copies into the padding.
The values come from :func:`convgui.core.border_corner.padded_corner` (the engine's own
``source_index``), for the current image, kernel size, dilation and padding.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontInfo,
    QHelpEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ..core import BOUNDARIES, BOUNDARY_DESCRIPTIONS, resolve_padding
from ..core.border_corner import CornerView, corner_pads, padded_corner
from ..core.text import format_value, pretty_number
from ..state import ExplorerState

TITLE = "Compare Borders"
TITLES = {
    "zero": "Zero",
    "constant": "Constant",
    "replicate": "Replicate",
    "reflect": "Reflect",
    "mirror": "Mirror",
    "wrap": "Wrap",
}
NO_IMAGE = "Open an image (File ▸ Open Image… or a sample) to see what each border mode copies."
LEGEND = (
    "Hatched cells with a dashed outline are padding: outside the image, filled by the border "
    "mode. The solid line is the image's top-left edge. Hover a cell to see which image cell "
    "it copies."
)
#: The smallest cell drawn (screen pixels); the widget asks for at least this much room.
MIN_CELL = 26
MAX_CELL = 64
PAD_FILL = QColor(255, 236, 200)
PAD_HATCH = QColor(214, 150, 60, 150)
EDGE = QColor(200, 40, 40)


def pad_caption(
    full: tuple[int, int], shown: tuple[int, int], kernel: tuple[int, int], own: bool
) -> str:
    """What the comparator says about the padding it draws.

    Examples
    --------
    >>> pad_caption((1, 1), (1, 1), (3, 3), True)
    "Padding: 1 row above and 1 column on the left (the layer's, for its 3×3 kernel)."
    >>> pad_caption((9, 2), (6, 2), (3, 3), False)  # doctest: +ELLIPSIS
    'Padding: 9 rows above (6 shown) and 2 columns on the left (what “same” would add ...'
    """

    def part(n: int, s: int, word: str, where: str) -> str:
        text = f"{n} {word}{'s' if n != 1 else ''} {where}"
        return text + (f" ({s} shown)" if s < n else "")

    rows = part(full[0], shown[0], "row", "above")
    cols = part(full[1], shown[1], "column", "on the left")
    k = f"{kernel[0]}×{kernel[1]}"
    why = (
        f"the layer's, for its {k} kernel"
        if own
        else f"what “same” would add for the {k} kernel: the layer itself pads nothing here"
    )
    return f"Padding: {rows} and {cols} ({why})."


def cell_note(view: CornerView, row: int, col: int) -> str:
    """What the cell at (row, col) of ``view`` holds, in words (its tooltip).

    Examples
    --------
    >>> import numpy as np
    >>> v = padded_corner(np.arange(16.0).reshape(4, 4), (1, 1), "wrap", shown=(2, 2))
    >>> cell_note(v, 0, 0)
    'Padding (row −1, column −1): a copy of image row 3, column 3 = 15.'
    >>> cell_note(v, 1, 1)
    'Image row 0, column 0 = 0.'
    """
    r, c = row - view.pad_rows, col - view.pad_cols
    value = format_value(float(view.values[row, col]))
    if not view.padded[row, col]:
        return f"Image row {r}, column {c} = {value}."
    where = f"Padding (row {pretty_number(r)}, column {pretty_number(c)})"
    sr, sc = int(view.source_rows[row]), int(view.source_cols[col])
    if sr < 0 or sc < 0:
        return f"{where}: the constant {value}, not a copy of the image."
    return f"{where}: a copy of image row {sr}, column {sc} = {value}."


class CornerGridWidget(QWidget):
    """Draws one :class:`CornerView`: cells in grey by value, each value written in its cell."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: CornerView | None = None
        self.value_max = 255.0
        self.text_scale = 1.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(4 * MIN_CELL, 4 * MIN_CELL)

    def set_view(self, view: CornerView | None, value_max: float) -> None:
        """Show ``view`` (None: nothing) with grey levels over 0..``value_max``."""
        self.view = view
        self.value_max = value_max if value_max > 0 else 255.0
        self._update_minimum()
        self.update()

    def set_text_scale(self, factor: float) -> None:
        """Follow View ▸ Text Size: larger numbers in larger cells."""
        self.text_scale = factor if factor > 0 else 1.0
        self._update_minimum()
        self.update()

    def min_cell(self) -> float:
        """The smallest cell side (pixels): room for the longest value at the text size."""
        if self.view is None:
            return MIN_CELL * self.text_scale
        longest = max(len(format_value(float(x))) for x in self.view.values.ravel())
        px = self.number_pixels()
        return max(MIN_CELL * self.text_scale, 0.62 * px * max(2, longest) + 6)

    def number_pixels(self) -> float:
        """The smallest pixel size of the values (larger cells write them larger)."""
        return 0.8 * QFontInfo(self.font()).pixelSize()

    def number_font(self) -> QFont:
        """The font the values are written in at the widget's current size."""
        font = QFont(self.font())
        c = self.cell_size()
        values = self.view.values.ravel() if self.view is not None else ()
        longest = max((len(format_value(float(x))) for x in values), default=1)
        fit = (c - 4) / (0.62 * max(1, longest))
        font.setPixelSize(int(max(8, min(max(c * 0.42, self.number_pixels()), fit))))
        return font

    def _update_minimum(self) -> None:
        c = self.min_cell()
        rows, cols = self.view.values.shape if self.view is not None else (4, 4)
        self.setMinimumSize(int(cols * c) + 2, int(rows * c) + 2)

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The (row, col) of the cell under widget point (x, y), or None."""
        v = self.view
        if v is None:
            return None
        c = self.cell_size()
        rows, cols = v.values.shape
        ox = max(1.0, (self.width() - cols * c) / 2)
        col, row = int((x - ox) // c), int((y - 1) // c)
        if 0 <= row < rows and 0 <= col < cols and x >= ox and y >= 1:
            return row, col
        return None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            cell = self.cell_at(event.pos().x(), event.pos().y())
            if cell is not None and self.view is not None:
                QToolTip.showText(event.globalPos(), cell_note(self.view, *cell), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def cell_size(self) -> float:
        """The side of a cell on screen at the widget's current size."""
        if self.view is None:
            return float(MIN_CELL)
        h, w = self.view.values.shape
        top = max(MAX_CELL * self.text_scale, self.min_cell())
        return max(8.0, min(top, (self.width() - 2) / w, (self.height() - 2) / h))

    def paintEvent(self, event: QPaintEvent) -> None:
        v = self.view
        if v is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        c = self.cell_size()
        rows, cols = v.values.shape
        ox = max(1.0, (self.width() - cols * c) / 2)  # centred sideways (as in cell_at)
        p.setFont(self.number_font())
        hatch = QBrush(PAD_HATCH, Qt.BrushStyle.BDiagPattern)
        grid = QPen(QColor(120, 120, 120), 1)
        dashed = QPen(QColor(170, 110, 40), 1, Qt.PenStyle.DashLine)
        for r in range(rows):
            for col in range(cols):
                rect = QRectF(ox + col * c, 1 + r * c, c, c)
                value = float(v.values[r, col])
                if v.padded[r, col]:
                    p.fillRect(rect, PAD_FILL)
                    p.fillRect(rect, hatch)
                    p.setPen(dashed)
                    p.drawRect(rect.adjusted(1, 1, -1, -1))
                    ink = QColor(20, 20, 20)
                else:
                    g = round(255 * min(1.0, max(0.0, value / self.value_max)))
                    p.fillRect(rect, QColor(g, g, g))
                    p.setPen(grid)
                    p.drawRect(rect)
                    ink = QColor(0, 0, 0) if g > 140 else QColor(255, 255, 255)
                p.setPen(ink)
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, format_value(value))
        # The image's edge: where the padding stops.
        p.setPen(QPen(EDGE, 3))
        x0, y0 = ox + v.pad_cols * c, 1 + v.pad_rows * c
        p.drawLine(int(x0), int(y0), int(ox + cols * c), int(y0))
        p.drawLine(int(x0), int(y0), int(x0), int(1 + rows * c))
        p.end()


class BorderComparePanel(QWidget):
    """The six boundary modes side by side, in step with the state's image and settings."""

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.caption = QLabel(objectName="borderCaption")
        self.caption.setWordWrap(True)
        legend = QLabel(LEGEND)
        legend.setWordWrap(True)
        grid = QGridLayout()
        self.grids: dict[str, CornerGridWidget] = {}
        self.boxes: dict[str, QGroupBox] = {}
        for mode in BOUNDARIES:
            box = QGroupBox(TITLES[mode])
            box.setObjectName(f"border_{mode}")
            bl = QVBoxLayout(box)
            note = QLabel(BOUNDARY_DESCRIPTIONS[mode])
            note.setWordWrap(True)
            bl.addWidget(note)
            g = CornerGridWidget()
            bl.addWidget(g, 1)
            self.grids[mode] = g
            self.boxes[mode] = box
        self._grid = grid
        self._columns = 0
        self._place_boxes(3)
        boxes = QWidget(objectName="borderBoxes")
        boxes.setLayout(grid)
        self.scroll = QScrollArea(objectName="borderScroll")
        self.scroll.setWidget(boxes)
        self.scroll.setWidgetResizable(True)  # larger than its room: it scrolls, never cut off
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.viewport().installEventFilter(self)  # its width sets the columns
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(legend)
        for sig in (state.image_changed, state.kernel_changed, state.params_changed):
            sig.connect(self.refresh)
        self.refresh()

    def set_text_scale(self, factor: float) -> None:
        """Follow View ▸ Text Size: the numbers in the cells grow with every other text."""
        for g in self.grids.values():
            g.set_text_scale(factor)
        self._fit_columns()

    def _place_boxes(self, columns: int) -> None:
        """The six modes in ``columns`` columns (3, or fewer when they would not fit)."""
        if columns == self._columns:
            return
        self._columns = columns
        for box in self.boxes.values():
            self._grid.removeWidget(box)
        for i, mode in enumerate(BOUNDARIES):
            self._grid.addWidget(self.boxes[mode], i // columns, i % columns)

    def _fit_columns(self) -> None:
        # A box needs its grid's width (the note above it wraps) and its frame's margins.
        need = max(g.minimumWidth() for g in self.grids.values()) + 30
        room = self.scroll.viewport().width()
        spacing = max(0, self._grid.horizontalSpacing())
        self._place_boxes(max(1, min(3, (room + spacing) // max(1, need + spacing))))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.scroll.viewport():
            self._fit_columns()
        return False

    def refresh(self) -> None:
        """Redraw every mode's corner from the state's image, kernel and settings."""
        s = self.state
        img = s.engine_image()
        if img is None:
            self.caption.setText(NO_IMAGE)
            for g in self.grids.values():
                g.set_view(None, s.value_max)
            return
        p = s.params
        kshape = (int(s.kernel.shape[0]), int(s.kernel.shape[1]))
        pads = corner_pads(img.shape, kshape, p.padding, stride=p.stride, dilation=p.dilation)
        real = resolve_padding(img.shape, kshape, p.padding, stride=p.stride, dilation=p.dilation)
        own_pads = real[0] > 0 or real[2] > 0
        views = {m: padded_corner(img, pads, m, cval=p.cval) for m in BOUNDARIES}
        v0 = views[BOUNDARIES[0]]
        text = pad_caption(pads, (v0.pad_rows, v0.pad_cols), kshape, own_pads)
        if img.ndim == 3:
            text += " Colour image: the numbers are the red channel's."
        self.caption.setText(text)
        for m, g in self.grids.items():
            g.set_view(views[m], s.value_max)
            title = TITLES[m] + ("  (the layer's boundary)" if m == p.boundary else "")
            if m == "constant":
                title += f"  value {format_value(p.cval)}"
            self.boxes[m].setTitle(title)


class BorderCompareDialog(QDialog):
    """A non-modal window holding a :class:`BorderComparePanel`."""

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("borderCompareDialog")
        self.setWindowTitle(TITLE)
        self.setModal(False)
        self.panel = BorderComparePanel(state, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel, 1)
        layout.addWidget(buttons)
        self.resize(980, 700)

    def set_text_scale(self, factor: float) -> None:
        """Follow View ▸ Text Size: larger numbers, and a larger window if the screen has room."""
        self.panel.set_text_scale(factor)
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        avail = screen.availableGeometry()
        f = max(1.0, factor)
        self.resize(min(max(self.width(), int(980 * f)), avail.width()),
                    min(max(self.height(), int(700 * f)), avail.height()))


def open_border_compare(state: ExplorerState, parent: QWidget) -> BorderCompareDialog:
    """Show (creating if needed) the border comparator of ``parent``; returns it."""
    dlg = parent.findChild(BorderCompareDialog, "borderCompareDialog")
    if not isinstance(dlg, BorderCompareDialog):
        dlg = BorderCompareDialog(state, parent)
    dlg.panel.refresh()
    dlg.show()
    dlg.raise_()
    dlg.activateWindow()
    return dlg


__all__ = [
    "BorderCompareDialog",
    "BorderComparePanel",
    "CornerGridWidget",
    "cell_note",
    "open_border_compare",
    "pad_caption",
]
