"""Exporting the animation: labelled frames ("input", "kernel", "output") as a GIF or PNGs.

Frames are painted directly with QPainter from the state and the pure scan, not grabbed from
the window, so they look the same whatever the window's size and run offscreen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ..core import layer_pool_scan, layer_scan, pad_image, pool_padding, resolve_padding
from ..imageio import SaveError, _atomic_write, array_to_qimage
from ..state import ComputeResult, ExplorerState
from .display import display_for, to_display_rgba
from .image_view import format_value

#: Refuse exports with more frames than this (a 1024x1024 sweep would be a million frames).
MAX_FRAMES = 2000
BG = QColor(255, 255, 255)
PAD_TINT = QColor(60, 130, 220, 70)
COPY_TINT = QColor(230, 150, 40, 80)
WINDOW_PEN = QColor(220, 40, 40)
CURRENT_PEN = QColor(255, 170, 0)
WINNER_PEN = QColor(255, 200, 0)
#: Output cells not computed yet: a pale blue, unlike any grey a clipped result can take.
NOT_YET = (214, 226, 240, 255)


@dataclass(frozen=True)
class FrameSpec:
    """What to draw: stage ("conv" or "pool") and size of each frame in pixels."""

    stage: str = "conv"
    width: int = 960
    height: int = 440


def _gray_rgba(data: np.ndarray, lo: float, hi: float) -> np.ndarray:
    scaled = np.clip((np.asarray(data, dtype=np.float64) - lo) / max(hi - lo, 1e-12), 0, 1)
    u8 = (np.nan_to_num(scaled) * 255 + 0.5).astype(np.uint8)
    if u8.ndim == 3:
        return np.concatenate([u8[..., :3], np.full(u8.shape[:2] + (1,), 255, np.uint8)], axis=2)
    return np.dstack([u8, u8, u8, np.full_like(u8, 255)])


def _fit(area: QRectF, shape: tuple[int, int]) -> QRectF:
    h, w = shape
    cell = min(area.width() / w, area.height() / h)
    ww, hh = cell * w, cell * h
    return QRectF(area.center().x() - ww / 2, area.center().y() - hh / 2, ww, hh)


def _draw_numbers(
    p: QPainter,
    rect: QRectF,
    data: np.ndarray,
    rgba: np.ndarray,
    skip: np.ndarray | None = None,
) -> None:
    """Write each cell's value in black or white, whichever reads on the cell's colour ``rgba``."""
    h, w = data.shape[:2]
    cw, ch = rect.width() / w, rect.height() / h
    if min(cw, ch) < 16 or h * w > 1600:
        return
    font = QFont()
    font.setPixelSize(int(max(8, min(14, min(cw, ch) / 2.6))))
    p.setFont(font)
    vals = data if data.ndim == 2 else data[..., 0]
    # Luma of the colour drawn (clipped values are white whatever their size).
    bright = (rgba[..., :3].astype(np.float64) @ (0.299, 0.587, 0.114)) / 255.0
    for i in range(h):
        for j in range(w):
            if skip is not None and skip[i, j]:
                continue
            v = float(vals[i, j])
            p.setPen(QColor(0, 0, 0) if bright[i, j] > 0.55 else QColor(255, 255, 255))
            p.drawText(
                QRectF(rect.left() + j * cw, rect.top() + i * ch, cw, ch),
                Qt.AlignmentFlag.AlignCenter,
                format_value(v),
            )


def _factor(v: float) -> str:
    """A factor of a product as the arithmetic panel writes it: 5×(−2), not 5×-2."""
    text = format_value(v).replace("-", "−")
    return f"({text})" if v < 0 else text


def _title(p: QPainter, area: QRectF, text: str) -> None:
    """Write ``text`` in the band just above ``area`` (never under the picture drawn in it)."""
    font = QFont()
    font.setPixelSize(20)
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor(30, 30, 30))
    p.drawText(
        QRectF(area.left(), area.top() - 32, area.width(), 30), Qt.AlignmentFlag.AlignCenter, text
    )


def render_frame(
    state: ExplorerState, result: ComputeResult, spec: FrameSpec, position: int
) -> QImage:
    """Paint one labelled frame of the animation at ``position`` (row-major index)."""
    img = state.engine_image()
    if img is None:
        raise ValueError("no image to animate")
    frame = QImage(spec.width, spec.height, QImage.Format.Format_RGB32)
    frame.fill(BG)
    p = QPainter(frame)
    try:
        _paint_frame(p, img, state, result, spec, position)
    finally:
        # An image destroyed while a painter is still active on it crashes the process.
        p.end()
    return frame


def _paint_frame(
    p: QPainter,
    img: np.ndarray,
    state: ExplorerState,
    result: ComputeResult,
    spec: FrameSpec,
    position: int,
) -> None:
    prm = result.params
    vmax = state.value_max
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    col_w = spec.width / 3
    top, bottom_text = 34.0, 46.0
    areas = [
        QRectF(i * col_w + 10, top, col_w - 20, spec.height - top - bottom_text) for i in range(3)
    ]
    pool = spec.stage == "pool" and result.pooled is not None
    src = result.activated if pool else img
    out = result.pooled if pool and result.pooled is not None else result.activated
    oh, ow = out.shape[:2]
    r, c = divmod(position, ow)
    labels = (
        ("output (before pooling)", "pooling window", "pooled")
        if pool
        else ("input", "kernel", "output")
    )
    for area, label in zip(areas, labels):
        _title(p, area, label)

    # Left: the image (padded) with the window.
    if pool:
        pads = pool_padding(
            src.shape, prm.pool_size, stride=prm.pool_stride, padding=prm.pool_padding
        )
        padded = np.full(
            (src.shape[0] + pads[0] + pads[1], src.shape[1] + pads[2] + pads[3]) + src.shape[2:],
            np.nan,
            dtype=np.float64,
        )
        padded[pads[0] : pads[0] + src.shape[0], pads[2] : pads[2] + src.shape[1]] = src
        disp = display_for(np.asarray(src), state.display_mode, vmax)
        rgba = to_display_rgba(np.nan_to_num(padded, nan=disp.levels[0]), disp)
    else:
        pads = resolve_padding(
            img.shape, result.kernel.shape, prm.padding, stride=prm.stride, dilation=prm.dilation
        )
        padded = pad_image(img, pads, boundary=prm.boundary, cval=prm.cval)
        rgba = _gray_rgba(padded, 0.0, vmax)
    ph, pw = padded.shape[:2]
    left = _fit(areas[0], (ph, pw))
    p.drawImage(left, array_to_qimage(rgba))
    cw, ch = left.width() / pw, left.height() / ph
    inner = QRectF(
        left.left() + pads[2] * cw,
        left.top() + pads[0] * ch,
        (pw - pads[2] - pads[3]) * cw,
        (ph - pads[0] - pads[1]) * ch,
    )
    if any(pads):
        tint = COPY_TINT if (not pool and prm.boundary not in ("zero", "constant")) else PAD_TINT
        for rr in (
            QRectF(left.left(), left.top(), left.width(), inner.top() - left.top()),
            QRectF(left.left(), inner.bottom(), left.width(), left.bottom() - inner.bottom()),
            QRectF(left.left(), inner.top(), inner.left() - left.left(), inner.height()),
            QRectF(inner.right(), inner.top(), left.right() - inner.right(), inner.height()),
        ):
            p.fillRect(rr, tint)
    _draw_numbers(p, left, np.nan_to_num(padded), rgba)
    p.setPen(QPen(QColor(90, 90, 90), 1))
    p.drawRect(inner)

    if pool:
        ps = layer_pool_scan(result.activated, prm, (r, c))
        rows, cols = ps.rows + pads[0], ps.cols + pads[2]
        middle_values = ps.values
        real = [format_value(float(v)) for v in ps.values[~ps.is_padding]]
        if prm.pool == "max":
            sum_text = f"max({', '.join(real)}) = {format_value(ps.result)}"
        else:
            sum_text = f"({' + '.join(real)}) / {ps.count} = {format_value(ps.result)}"
    else:
        s = layer_scan(img, result.kernel, prm, (r, c))
        rows, cols = s.rows, s.cols
        middle_values = s.weights
        terms = [
            f"{_factor(float(v))}×{_factor(float(w))}"
            for v, w in zip(s.values.ravel(), s.weights.ravel())
        ]
        sum_text = (
            " + ".join(terms[:12])
            + (" + …" if len(terms) > 12 else "")
            + f" = {format_value(s.total)}"
        )
    pen = QPen(WINDOW_PEN, 2)
    p.setPen(pen)
    for y in rows:
        for x in cols:
            p.drawRect(QRectF(left.left() + x * cw, left.top() + y * ch, cw, ch))
    if pool and ps.winner is not None:  # the cell that won the max, as in the window
        wy, wx = ps.winner[0] + pads[0], ps.winner[1] + pads[2]
        p.setPen(QPen(WINNER_PEN, 4))
        p.drawRect(QRectF(left.left() + wx * cw, left.top() + wy * ch, cw, ch))

    # Middle: the kernel (or the pooling window's values).
    mid = _fit(areas[1].adjusted(20, 20, -20, -20), middle_values.shape)
    kh, kw = middle_values.shape
    kcw, kch = mid.width() / kw, mid.height() / kh
    font = QFont()
    font.setPixelSize(int(max(9, min(22, min(kcw, kch) / 2.6))))
    p.setFont(font)
    for i in range(kh):
        for j in range(kw):
            cell = QRectF(mid.left() + j * kcw, mid.top() + i * kch, kcw, kch)
            v = float(middle_values[i, j])
            p.fillRect(
                cell,
                QColor(226, 240, 226)
                if v > 0
                else QColor(240, 228, 244)
                if v < 0
                else QColor(245, 245, 245),
            )
            p.setPen(QPen(QColor(150, 150, 150), 1))
            p.drawRect(cell)
            p.setPen(QColor(20, 20, 20))
            p.drawText(cell, Qt.AlignmentFlag.AlignCenter, "·" if np.isnan(v) else format_value(v))

    # Right: the output so far.
    right = _fit(areas[2], (oh, ow))
    disp = display_for(np.asarray(out), state.display_mode, vmax)
    orgba = to_display_rgba(np.asarray(out), disp)
    done = np.zeros((oh, ow), dtype=bool)
    done.reshape(-1)[: position + 1] = True
    orgba = orgba.copy()
    orgba[~done] = NOT_YET
    p.drawImage(right, array_to_qimage(orgba))
    _draw_numbers(p, right, np.asarray(out), orgba, skip=~done)
    ocw, och = right.width() / ow, right.height() / oh
    p.setPen(QPen(QColor(90, 90, 90), 1))
    p.drawRect(right)
    p.setPen(QPen(CURRENT_PEN, 3))
    p.drawRect(QRectF(right.left() + c * ocw, right.top() + r * och, ocw, och))

    font = QFont()
    font.setPixelSize(15)
    p.setFont(font)
    p.setPen(QColor(30, 30, 30))
    p.drawText(
        QRectF(10, spec.height - bottom_text, spec.width - 20, bottom_text),
        Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
        f"row {r}, col {c}:  {sum_text}",
    )


def _qimage_rgb(img: QImage) -> np.ndarray:
    conv = img.convertToFormat(QImage.Format.Format_RGB888)
    h, w = conv.height(), conv.width()
    buf = np.frombuffer(conv.constBits(), dtype=np.uint8, count=conv.sizeInBytes())
    return buf.reshape(h, conv.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()  # own the data


def export_animation(
    state: ExplorerState,
    positions: Sequence[int],
    path: str | Path,
    *,
    kind: str = "gif",
    spec: FrameSpec | None = None,
    frame_ms: int = 250,
    progress: Callable[[int, int], bool] | None = None,
) -> int:
    """Write frames for ``positions`` as an animated GIF (``kind="gif"``) or PNGs in a folder.

    ``progress(done, total)`` is called after each frame; returning False cancels (nothing is
    left behind for a GIF; PNG frames written so far are removed). Returns the frame count.

    Raises
    ------
    ValueError
        No result, no positions, a position outside the animation, or more than
        :data:`MAX_FRAMES`.
    SaveError
        The file or folder cannot be written.
    """
    result = state.result
    if result is None:
        raise ValueError("there is no output to animate")
    spec = spec or FrameSpec()
    if not positions:
        raise ValueError("choose at least one position to export")
    if len(positions) > MAX_FRAMES:
        raise ValueError(
            f"{len(positions):,} frames is too many (at most {MAX_FRAMES:,}); export a shorter "
            "span or every n-th position"
        )
    grid = result.pooled if spec.stage == "pool" and result.pooled is not None else result.activated
    n_pos = int(grid.shape[0]) * int(grid.shape[1])
    bad = [int(p) for p in positions if not 0 <= int(p) < n_pos]
    if bad:
        # Checked before any frame is written, so a bad span never leaves half an export behind.
        raise ValueError(f"position {bad[0]!r} is outside the {n_pos:,} positions of the animation")
    out = Path(path)
    frames: list[np.ndarray] = []
    written: list[Path] = []
    if kind == "png":
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SaveError(f"Cannot create the folder “{out}”: {exc.strerror or exc}.") from exc
    for n, pos in enumerate(positions):
        img = render_frame(state, result, spec, int(pos))
        if kind == "gif":
            frames.append(_qimage_rgb(img))
        else:
            target = out / f"frame_{n:05d}.png"
            _atomic_write(target, lambda tmp, im=img: _save_png(im, tmp))
            written.append(target)
        if progress is not None and not progress(n + 1, len(positions)):
            for f in written:
                f.unlink(missing_ok=True)
            return 0
    if kind == "png":
        # Frames left from a longer export into the same folder would join this animation.
        for stale in out.glob("frame_*.png"):
            idx = stale.stem.removeprefix("frame_")
            if idx.isdigit() and len(idx) == 5 and int(idx) >= len(positions):
                stale.unlink(missing_ok=True)
    if kind == "gif":
        from PIL import Image

        pil = [Image.fromarray(f).quantize(colors=255, dither=Image.Dither.NONE) for f in frames]

        def write(tmp: Path) -> None:
            pil[0].save(
                tmp,
                format="GIF",
                save_all=True,
                append_images=pil[1:],
                duration=frame_ms,
                loop=0,
                optimize=False,
                disposal=1,
            )

        _atomic_write(out, write)
    return len(positions)


def _save_png(img: QImage, path: Path) -> None:
    if not img.save(str(path), "PNG"):
        raise SaveError(f"Could not write {path.name}.")


class ExportDialog(QDialog):
    """Choose a span of positions, a step, the frame duration and the file; then export."""

    def __init__(self, window: QWidget, kind: str) -> None:
        super().__init__(window)
        self.window_ = window
        self.kind = kind
        self.setWindowTitle("Export Animated GIF" if kind == "gif" else "Export PNG Frames")
        anim = window.anim  # type: ignore[attr-defined]
        h, w = anim.grid_shape()
        total = max(1, h * w)
        self.first = QSpinBox(objectName="exportFirst")
        self.last = QSpinBox(objectName="exportLast")
        for sp in (self.first, self.last):
            sp.setRange(1, total)
        self.step = QSpinBox(objectName="exportStep")
        self.step.setRange(1, max(1, total))
        if total <= MAX_FRAMES:  # small images: the whole sweep
            self.first.setValue(1)
            self.last.setValue(total)
        else:
            # Large images: the row the animation is on, where the window is visible and the
            # frames show something; any span can still be chosen.
            rc = anim.position_rc() or (0, 0)
            start = rc[0] * w
            self.first.setValue(start + 1)
            self.last.setValue(min(total, start + min(w, MAX_FRAMES)))
        self.step.setValue(1)
        self.step.setToolTip("Export every n-th position (1 = every position)")
        self.ms = QSpinBox(objectName="exportFrameMs")
        self.ms.setRange(20, 5000)
        self.ms.setValue(400 if total <= 64 else 120)
        self.ms.setSuffix(" ms")
        self.size = QComboBox()
        for label, wh in (
            ("960×440 (slides)", (960, 440)),
            ("1280×590", (1280, 590)),
            ("640×300", (640, 300)),
        ):
            self.size.addItem(label, wh)
        default = Path(str(window.settings.value("lastDir", str(Path.home()))))  # type: ignore[attr-defined]
        self.path = QLineEdit(str(default / ("convolution.gif" if kind == "gif" else "frames")))
        self.path.setMinimumWidth(380)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow(f"First position (of {total})", self.first)
        form.addRow("Last position", self.last)
        form.addRow("Every n-th", self.step)
        form.addRow("Frame duration", self.ms)
        form.addRow("Frame size", self.size)
        form.addRow("Save to", row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._run)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        if self.kind == "gif":
            path, _ = QFileDialog.getSaveFileName(self, "Save GIF", self.path.text(), "GIF (*.gif)")
        else:
            path = QFileDialog.getExistingDirectory(self, "Folder for the frames", self.path.text())
        if path:
            self.path.setText(path)

    def positions(self) -> list[int]:
        """The row-major indices to export."""
        a, b = sorted((self.first.value() - 1, self.last.value() - 1))
        return list(range(a, b + 1, self.step.value()))

    def _run(self) -> None:
        win = self.window_
        positions = self.positions()
        w, h = self.size.currentData()
        dlg = QProgressDialog("Rendering frames…", "Cancel", 0, len(positions), self)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(300)

        def progress(done: int, total: int) -> bool:
            dlg.setValue(done)
            return not dlg.wasCanceled()

        try:
            n = export_animation(
                win.state,
                positions,
                self.path.text(),
                kind=self.kind,  # type: ignore[attr-defined]
                spec=FrameSpec(win.anim.stage, w, h),
                frame_ms=self.ms.value(),  # type: ignore[attr-defined]
                progress=progress,
            )
        except (ValueError, SaveError) as exc:
            dlg.close()
            # Said in the dialog (it is modal, the main window's message bar is behind it).
            QMessageBox.warning(self, "Export failed", f"{exc}\n\nNothing was exported.")
            win.show_message("error", f"Export failed: {exc}")  # type: ignore[attr-defined]
            return
        dlg.close()
        if n:
            win.statusBar().showMessage(f"Exported {n} frames to {self.path.text()}", 8000)  # type: ignore[attr-defined]
        self.accept()
