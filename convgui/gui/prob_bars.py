"""A classifier's probabilities as ten large bars, readable from the back of a room.

:class:`ProbabilityBars` draws one bar per class (labelled ``0``…``9`` by default), each with its
percentage, the predicted class highlighted and written large above them (``7 — 98.6 %``).
It holds no state of its own beyond what it was last given: the page calls
:meth:`ProbabilityBars.set_probabilities` whenever the network's outputs change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

TEXTS = {
    "empty": "No class probabilities",
    "headline": "{label} — {pct}",
    "tip": "What the network says the input is: the probability of each class (the softmax "
    "of its last layer). The winner is highlighted and written large.",
    "bar_tip": "{label}: {pct}",
}

#: The winner's bar and headline colour, the other bars', the track behind each bar.
WINNER = QColor(230, 120, 20)
OTHER = QColor(70, 110, 170)
TRACK = QColor(128, 128, 128, 40)


def percent_text(p: float) -> str:
    """``98.6 %`` (one decimal; ``< 0.1 %`` for a tiny non-zero value, ``100 %`` exactly).

    Examples
    --------
    >>> percent_text(0.9861), percent_text(0.00001), percent_text(1.0), percent_text(0.0)
    ('98.6 %', '< 0.1 %', '100 %', '0 %')
    """
    pct = 100.0 * float(p)
    if pct <= 0.0:
        return "0 %"
    if pct >= 100.0:
        return "100 %"
    if pct < 0.05:
        return "< 0.1 %"
    if pct >= 99.95:
        return "> 99.9 %"
    return f"{pct:.1f} %"


class ProbabilityBars(QWidget):
    """Ten (or ``n``) bars with their labels and percentages, the winner written large.

    Parameters
    ----------
    orientation
        ``Qt.Orientation.Horizontal``: one bar a row, growing to the right (fits a narrow,
        tall column); ``Qt.Orientation.Vertical``: one bar a column, growing upwards.
    """

    def __init__(
        self,
        orientation: Qt.Orientation = Qt.Orientation.Horizontal,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("probabilityBars")
        self.orientation = orientation
        self._p: np.ndarray | None = None
        self._labels: list[str] = []
        #: What is written when there are no probabilities (the page may say why).
        self.empty_text = TEXTS["empty"]
        #: How many times the bars were painted (benchmarks wait for a repaint).
        self.paint_count = 0
        self.setToolTip(TEXTS["tip"])
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._update_minimum()

    # --- data --------------------------------------------------------------------------------

    def set_probabilities(
        self, p: np.ndarray | Sequence[float] | None, labels: list[str] | None = None
    ) -> None:
        """Show ``p`` (one probability per class; None: nothing to show).

        ``labels`` names the classes (default ``"0"``, ``"1"``, …). Values that are not finite
        or a wrong number of labels show nothing rather than something false.
        """
        arr = None if p is None else np.asarray(p, dtype=np.float64).ravel()
        if arr is not None and (arr.size == 0 or not np.all(np.isfinite(arr))):
            arr = None
        if arr is not None and labels is not None and len(labels) != arr.size:
            arr = None
        self._p = None if arr is None else np.clip(arr, 0.0, 1.0)
        n = 0 if self._p is None else self._p.size
        self._labels = list(labels) if labels is not None else [str(i) for i in range(n)]
        self.setToolTip(self._tooltip())
        self.update()

    @property
    def probabilities(self) -> np.ndarray | None:
        """The probabilities shown (None when none)."""
        return None if self._p is None else self._p.copy()

    @property
    def labels(self) -> list[str]:
        """The class names shown."""
        return list(self._labels)

    @property
    def predicted(self) -> int | None:
        """The index of the highlighted (most probable) class, or None."""
        return None if self._p is None else int(np.argmax(self._p))

    def headline(self) -> str:
        """The large text: ``7 — 98.6 %`` (or the empty text)."""
        k = self.predicted
        if k is None or self._p is None:
            return self.empty_text
        return TEXTS["headline"].format(label=self._labels[k], pct=percent_text(self._p[k]))

    def _tooltip(self) -> str:
        if self._p is None:
            return TEXTS["tip"]
        rows = [
            TEXTS["bar_tip"].format(label=lab, pct=percent_text(v))
            for lab, v in zip(self._labels, self._p)
        ]
        return TEXTS["tip"] + "\n" + "\n".join(rows)

    # --- painting ----------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(280, 360)

    def minimumSizeHint(self) -> QSize:
        return self.minimum_for_font()

    def minimum_for_font(self) -> QSize:
        """The least size at which the texts keep the widget font's size (grows with it).

        A row is the label, a bar of at least four label widths and ``> 99.9 %``; ten rows of
        1.3 text heights under the headline. At a larger text size (View ▸ Text Size) the
        column asking for this keeps the digits large instead of squeezing them.
        """
        base = max(11.0, float(self.fontInfo().pixelSize()))
        label = QFontMetricsF(self._font(base, bold=True))
        pct = QFontMetricsF(self._font(base * 0.9))
        head = QFontMetricsF(self._font(base * 1.6, bold=True))
        row_w = label.horizontalAdvance("00") * 5 + pct.horizontalAdvance("> 99.9 %") + 24
        head_w = head.horizontalAdvance(TEXTS["headline"].format(label="0", pct="> 99.9 %"))
        width = max(160, math.ceil(max(row_w, head_w + 12)))
        height = max(170, math.ceil(base * 1.6 * 1.45 + 10 * base * 1.3 + 8))
        return QSize(width, height)

    def _update_minimum(self) -> None:
        size = self.minimum_for_font()
        if size != self.minimumSize():
            self.setMinimumSize(size)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._update_minimum()
        super().changeEvent(event)

    def _font(self, pixels: float, bold: bool = False) -> QFont:
        f = QFont(self.font())
        f.setPixelSize(max(9, int(pixels)))
        f.setBold(bold)
        return f

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paint_count += 1
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        w, h = float(self.width()), float(self.height())
        fg = self.palette().color(self.foregroundRole())
        base_px = max(11.0, float(self.fontInfo().pixelSize()))
        head_px = min(max(base_px * 1.6, h * 0.085), w * 0.16, 56.0)
        head_h = head_px * 1.45
        if self._p is None:
            p.setPen(fg)
            p.setFont(self._font(base_px * 1.2))
            p.drawText(
                QRectF(6, 0, w - 12, h),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self.empty_text,
            )
            return
        win = int(np.argmax(self._p))
        p.setPen(WINNER)
        p.setFont(self._font(head_px, bold=True))
        p.drawText(QRectF(4, 0, w - 8, head_h), int(Qt.AlignmentFlag.AlignCenter), self.headline())
        area = QRectF(4, head_h + 2, w - 8, h - head_h - 6)
        if self.orientation == Qt.Orientation.Horizontal:
            self._paint_rows(p, area, win, fg, base_px)
        else:
            self._paint_columns(p, area, win, fg, base_px)

    def _paint_rows(self, p: QPainter, area: QRectF, win: int, fg: QColor, base: float) -> None:
        assert self._p is not None
        n = self._p.size
        row = area.height() / n
        px = min(max(base, row * 0.62), 30.0)
        label_font, pct_font = self._font(px, bold=True), self._font(px * 0.9)
        p.setFont(label_font)
        fm = p.fontMetrics()
        label_w = max(fm.horizontalAdvance(t) for t in ["00", *self._labels])
        p.setFont(pct_font)
        pct_w = p.fontMetrics().horizontalAdvance("> 99.9 %") + 6
        bar_x = area.left() + label_w + 6
        bar_w = max(4.0, area.right() - pct_w - bar_x)
        rows = [area.top() + i * row for i in range(n)]
        # Grouped by font and colour (a font switch costs more than the text it draws).
        p.setFont(label_font)
        right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        left = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        p.setPen(fg)
        for i, (label, top) in enumerate(zip(self._labels, rows)):
            if i != win:
                p.drawText(QRectF(area.left(), top, label_w, row), right, label)
        p.setPen(WINNER)
        p.drawText(QRectF(area.left(), rows[win], label_w, row), right, self._labels[win])
        for i, (v, top) in enumerate(zip(self._p, rows)):
            colour = WINNER if i == win else OTHER
            bar = QRectF(bar_x, top + row * 0.15, bar_w, row * 0.7)
            p.fillRect(bar, TRACK)
            p.fillRect(QRectF(bar.left(), bar.top(), bar_w * float(v), bar.height()), colour)
        pen = QPen(WINNER.darker(140))
        pen.setWidthF(2.0)
        p.setPen(pen)
        p.drawRect(QRectF(bar_x, rows[win] + row * 0.15, bar_w, row * 0.7))
        p.setFont(pct_font)
        p.setPen(fg)
        for i, (v, top) in enumerate(zip(self._p, rows)):
            if i != win:
                p.drawText(QRectF(bar_x + bar_w + 4, top, pct_w, row), left, percent_text(v))
        p.setFont(self._font(px * 0.9, bold=True))
        p.setPen(WINNER)
        p.drawText(
            QRectF(bar_x + bar_w + 4, rows[win], pct_w, row), left, percent_text(self._p[win])
        )

    def _paint_columns(self, p: QPainter, area: QRectF, win: int, fg: QColor, base: float) -> None:
        assert self._p is not None
        n = self._p.size
        col = area.width() / n
        px = min(max(base, col * 0.45), 30.0)
        label_h = px * 1.4
        pct_px = px * 0.8
        texts = [percent_text(v).replace(" %", "%") for v in self._p]
        widest = max(texts, key=len)
        while pct_px > 7:  # every percentage fits its column
            p.setFont(self._font(pct_px, bold=True))
            if p.fontMetrics().horizontalAdvance(widest) <= col * 0.96:
                break
            pct_px -= 0.5
        pct_h = pct_px * 1.4
        bar_top, bar_bottom = area.top() + pct_h, area.bottom() - label_h
        bar_h = max(4.0, bar_bottom - bar_top)
        for i, (label, v) in enumerate(zip(self._labels, self._p)):
            left = area.left() + i * col
            colour = WINNER if i == win else OTHER
            track = QRectF(left + col * 0.15, bar_top, col * 0.7, bar_h)
            p.fillRect(track, TRACK)
            filled = bar_h * float(v)
            p.fillRect(QRectF(track.left(), bar_bottom - filled, track.width(), filled), colour)
            p.setPen(colour if i == win else fg)
            p.setFont(self._font(px, bold=True))
            p.drawText(
                QRectF(left, bar_bottom, col, label_h), int(Qt.AlignmentFlag.AlignCenter), label
            )
            p.setFont(self._font(pct_px, bold=i == win))
            p.drawText(
                QRectF(left, max(area.top(), bar_bottom - filled - pct_h), col, pct_h),
                int(Qt.AlignmentFlag.AlignCenter),
                texts[i],
            )


__all__ = ["TEXTS", "ProbabilityBars", "percent_text"]
