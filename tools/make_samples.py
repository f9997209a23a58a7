"""Regenerate convgui's built-in sample images and the 256x256 application icon.

Run from the repository root (any working directory works, paths are resolved
relative to this file)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/make_samples.py

Outputs (overwritten on every run):

* ``resources/samples/lesson6x6.png`` and ``lesson6x6.txt`` - the lesson's 6x6 grid
* ``resources/samples/clothing28x28.png`` - a Fashion-MNIST-style ankle boot
* ``resources/samples/scene.png`` - a 512x384 test scene for blur/sharpen/edge kernels
* ``resources/samples/checkerboard.png`` - 64x64 checkerboard of 8x8 squares
* ``resources/samples/index.json`` - titles and descriptions, in display order
* ``resources/icons/convgui.png`` - rendered from ``resources/icons/convgui.svg``

Only numpy and PySide6.QtGui/QtSvg are used (no Pillow).  The output is
byte-for-byte deterministic: the noise uses a fixed seed and nothing depends on
the clock.  Text in ``scene.png`` is rendered with Qt's default font, so that
one image may differ between machines with different installed fonts.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

FloatArray = npt.NDArray[np.float64]
U8Array = npt.NDArray[np.uint8]
BoolArray = npt.NDArray[np.bool_]
Shape = Callable[[FloatArray, FloatArray], BoolArray]
Point = tuple[float, float]

ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = ROOT / "resources" / "samples"
ICONS_DIR = ROOT / "resources" / "icons"

SEED = 20240607
TIMES = "\N{MULTIPLICATION SIGN}"  # spelled out so linters don't flag a look-alike of "x"

# The worked example from the lesson.  With the (unnormalised) kernel
# [[1, 2, 1], [2, 4, 2], [1, 2, 1]] and zero padding, the output at
# (row 2, col 3) is 198 and the output at (0, 0) is 22.
# check_lesson_values() verifies this every time the script runs.
LESSON_GRID: list[list[int]] = [
    [2, 3, 0, 8, 120, 200],
    [2, 4, 2, 5, 4, 180],
    [1, 7, 10, 25, 12, 150],
    [0, 9, 6, 11, 10, 90],
    [30, 45, 60, 75, 80, 70],
    [255, 230, 210, 190, 170, 160],
]
LESSON_KERNEL: list[list[int]] = [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
LESSON_EXPECTED: dict[tuple[int, int], int] = {(2, 3): 198, (0, 0): 22}


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def to_u8(img: FloatArray) -> U8Array:
    """Round and clip a float image to a contiguous uint8 array."""
    return np.ascontiguousarray(np.clip(np.rint(img), 0, 255).astype(np.uint8))


def save_gray_png(path: Path, img: U8Array) -> None:
    """Write a 2-D uint8 array as an 8-bit grayscale PNG via QImage."""
    if img.ndim != 2 or img.dtype != np.uint8:
        raise ValueError(f"expected a 2-D uint8 array, got {img.dtype} {img.shape}")
    data = np.ascontiguousarray(img)
    h, w = data.shape
    # QImage only borrows the buffer, so copy() it before `data` can be freed.
    qimg = QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    if not qimg.save(str(path)):
        raise OSError(f"could not write {path}")


def pixel_grid(h: int, w: int, ss: int = 1) -> tuple[FloatArray, FloatArray]:
    """Coordinates of (sub)pixel centres; pixel (r, c) spans [c, c+1) x [r, r+1)."""
    ys = (np.arange(h * ss, dtype=np.float64) + 0.5) / ss
    xs = (np.arange(w * ss, dtype=np.float64) + 0.5) / ss
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    return yy, xx


def coverage(shape: Shape, h: int, w: int, ss: int = 4) -> FloatArray:
    """Anti-aliased coverage (0..1) of `shape` by ss x ss supersampling."""
    yy, xx = pixel_grid(h, w, ss)
    inside = shape(yy, xx).astype(np.float64)
    result: FloatArray = inside.reshape(h, ss, w, ss).mean(axis=(1, 3))
    return result


def polygon(points: Sequence[Point]) -> Shape:
    """Even-odd point-in-polygon test for (x, y) vertices."""
    pts = list(points)

    def inside(yy: FloatArray, xx: FloatArray) -> BoolArray:
        result = np.zeros(yy.shape, dtype=bool)
        for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True):
            if y1 == y2:
                continue
            crosses = (y1 > yy) != (y2 > yy)
            x_at = x1 + (yy - y1) * (x2 - x1) / (y2 - y1)
            result ^= crosses & (xx < x_at)
        return result

    return inside


def ellipse(cx: float, cy: float, rx: float, ry: float) -> Shape:
    """Axis-aligned ellipse centred at (cx, cy)."""

    def inside(yy: FloatArray, xx: FloatArray) -> BoolArray:
        return ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0

    return inside


def rect(x0: float, y0: float, x1: float, y1: float) -> Shape:
    """Axis-aligned rectangle [x0, x1) x [y0, y1)."""

    def inside(yy: FloatArray, xx: FloatArray) -> BoolArray:
        return (xx >= x0) & (xx < x1) & (yy >= y0) & (yy < y1)

    return inside


def blend(img: FloatArray, alpha: FloatArray, value: float | FloatArray) -> None:
    """In place: img = img * (1 - alpha) + value * alpha."""
    img *= 1.0 - alpha
    img += alpha * value


def polyline_distance(
    yy: FloatArray, xx: FloatArray, points: Sequence[Point]
) -> tuple[FloatArray, FloatArray]:
    """Distance from each point to a polyline, and the arc length of the nearest point."""
    best = np.full(yy.shape, np.inf)
    arc = np.zeros(yy.shape)
    walked = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        dx, dy = x2 - x1, y2 - y1
        seg_len = float(np.hypot(dx, dy))
        t = np.clip(((xx - x1) * dx + (yy - y1) * dy) / (seg_len**2), 0.0, 1.0)
        dist = np.hypot(xx - (x1 + t * dx), yy - (y1 + t * dy))
        closer = dist < best
        best = np.where(closer, dist, best)
        arc = np.where(closer, walked + t * seg_len, arc)
        walked += seg_len
    return best, arc


# --------------------------------------------------------------------------------------
# 1. Lesson grid
# --------------------------------------------------------------------------------------


def conv2d_zero_pad(
    img: npt.NDArray[np.int64], kernel: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Plain 'same' cross-correlation with zero padding (kernel is symmetric here)."""
    kh, kw = kernel.shape
    padded = np.pad(img, ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    out = np.zeros_like(img)
    for dy in range(kh):
        for dx in range(kw):
            out += kernel[dy, dx] * padded[dy : dy + img.shape[0], dx : dx + img.shape[1]]
    return out


def check_lesson_values() -> None:
    """Fail loudly if the lesson grid no longer reproduces the lesson's worked numbers."""
    grid = np.array(LESSON_GRID, dtype=np.int64)
    out = conv2d_zero_pad(grid, np.array(LESSON_KERNEL, dtype=np.int64))
    for (row, col), want in LESSON_EXPECTED.items():
        if out[row, col] != want:
            raise RuntimeError(f"lesson output at ({row}, {col}) is {out[row, col]}, want {want}")


def make_lesson() -> U8Array:
    """Return the lesson's 6x6 grid as uint8."""
    return np.array(LESSON_GRID, dtype=np.uint8)


def lesson_text() -> str:
    """Return the lesson grid as aligned, whitespace-separated rows."""
    return "".join(" ".join(f"{v:3d}" for v in row) + "\n" for row in LESSON_GRID)


# --------------------------------------------------------------------------------------
# 2. Fashion-MNIST style ankle boot (28x28)
# --------------------------------------------------------------------------------------

# Boot outline in pixel coordinates (x right, y down); the toe points left as in
# Fashion-MNIST and the shaft rises at the back (right).
BOOT_UPPER: list[Point] = [
    (12.6, 2.4),
    (24.0, 1.8),
    (24.4, 9.0),
    (25.6, 16.0),
    (25.8, 20.0),
    (2.2, 20.0),
    (1.8, 18.0),
    (2.6, 15.8),
    (5.0, 14.2),
    (8.6, 13.0),
    (11.2, 11.6),
    (12.4, 9.0),
]
BOOT_SOLE: list[Point] = [
    (2.0, 19.6),
    (26.0, 19.6),
    (26.0, 24.0),
    (17.0, 24.0),
    (16.2, 22.6),
    (4.8, 22.6),
    (2.4, 21.6),
]
# Elastic side panel (Chelsea boot gore), a V on the shaft.
BOOT_GORE: list[Point] = [(16.6, 2.4), (21.2, 2.2), (20.0, 10.4), (18.9, 11.8), (17.8, 10.4)]
# Stitch lines: toe-cap seam, along the collar, and the welt just above the sole.
BOOT_STITCHES: list[list[Point]] = [
    [(8.8, 19.0), (8.4, 16.4), (7.4, 14.2)],
    [(13.4, 4.4), (23.4, 3.8)],
    [(3.0, 19.0), (25.0, 19.0)],
]


def make_clothing() -> U8Array:
    """Draw a 28x28 Fashion-MNIST-style ankle (Chelsea) boot on black."""
    size, ss = 28, 8
    yy, xx = pixel_grid(size, size)
    img = np.zeros((size, size))

    # Upper: leather lit from the top-left, darker towards the sole and the back.
    upper = coverage(polygon(BOOT_UPPER), size, size, ss)
    shade = 222.0 - 2.4 * yy - 1.2 * np.clip(xx - 14.0, 0.0, None)
    shade += 22.0 * np.exp(-(((xx - 14.0) / 1.5) ** 2)) * (yy < 12.0)  # shaft front crease
    shade += 30.0 * np.exp(-(((xx - 5.0) / 2.6) ** 2 + ((yy - 16.8) / 1.6) ** 2))  # toe sheen
    blend(img, upper, shade)

    # Collar: a brighter rolled band at the top of the shaft.
    collar = coverage(polygon([(12.6, 2.4), (24.0, 1.8), (24.1, 3.4), (12.8, 4.0)]), size, size, ss)
    blend(img, collar, 238.0)

    # Elastic gore, darker with a faint vertical rib.
    gore = coverage(polygon(BOOT_GORE), size, size, ss)
    blend(img, gore * upper, 128.0 + 14.0 * np.cos(np.pi * np.floor(xx)))

    # Stitching: short dashes, darker than the leather.
    for line in BOOT_STITCHES:
        dist, arc = polyline_distance(yy, xx, line)
        dashes = (np.floor(arc / 1.2) % 2 == 0).astype(np.float64)
        stitch = np.clip(1.0 - dist / 0.7, 0.0, 1.0) * dashes * upper
        blend(img, 0.6 * stitch, 90.0)

    # Sole: rubber with a lighter top edge, a separate heel block and tread marks.
    sole = coverage(polygon(BOOT_SOLE), size, size, ss)
    sole_shade = 118.0 - 6.0 * np.clip(yy - 20.5, 0.0, None)
    sole_shade += 45.0 * np.exp(-(((yy - 20.1) / 0.7) ** 2))
    sole_shade -= 30.0 * np.exp(-(((xx - 17.0) / 0.5) ** 2)) * (yy > 21.0)  # heel seam
    sole_shade -= 18.0 * ((np.floor(xx) % 2 == 0) & (yy > 23.0))  # tread
    blend(img, sole, sole_shade)

    return to_u8(img)


# --------------------------------------------------------------------------------------
# 3. Scene (512x384)
# --------------------------------------------------------------------------------------


def render_text_mask(w: int, h: int, items: Sequence[tuple[str, int, bool, QRectF]]) -> FloatArray:
    """Rasterise text items (text, pixel size, bold, rect) to a 0..1 coverage mask."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("a QGuiApplication must exist before rendering text")
    canvas = QImage(w, h, QImage.Format.Format_RGB32)
    canvas.fill(QColor(0, 0, 0))
    painter = QPainter(canvas)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.setPen(QColor(255, 255, 255))
    for text, px, bold, box in items:
        font = QFont()
        font.setPixelSize(px)
        font.setBold(bold)
        font.setStyleStrategy(QFont.StyleStrategy.NoSubpixelAntialias)
        painter.setFont(font)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
    painter.end()
    buf = np.frombuffer(canvas.constBits(), dtype=np.uint8)
    rgba = buf.reshape(h, canvas.bytesPerLine())[:, : 4 * w].reshape(h, w, 4)
    mask: FloatArray = rgba[:, :, :3].astype(np.float64).mean(axis=2) / 255.0
    return mask


def make_scene() -> U8Array:
    """Draw the 512x384 kernel test scene (shapes, gradients, text, textures, noise)."""
    w, h, ss = 512, 384, 4
    yy, xx = pixel_grid(h, w)

    # Background: a gentle horizontal gradient.
    img = 52.0 + 40.0 * xx / w

    def panel(x0: int, y0: int, x1: int, y1: int, value: float | FloatArray) -> None:
        """Fill img[y0:y1, x0:x1] with a constant or the same region of a full-size image."""
        if isinstance(value, np.ndarray):
            img[y0:y1, x0:x1] = value[y0:y1, x0:x1]
        else:
            img[y0:y1, x0:x1] = value

    # Panel A: hard-edged shapes on black.
    panel(16, 16, 248, 184, 14.0)
    blend(img, coverage(rect(36, 40, 116, 120), h, w, 1), 235.0)  # pixel-aligned square
    blend(img, coverage(ellipse(140.0, 118.0, 44.0, 44.0), h, w, ss), 150.0)  # circle
    triangle = polygon([(176.0, 168.0), (238.0, 168.0), (207.0, 34.0)])
    blend(img, coverage(triangle, h, w, ss), 200.0)
    blend(img, coverage(rect(28, 152, 120, 156), h, w, 1), 255.0)  # thin bar
    blend(img, coverage(rect(28, 162, 120, 163), h, w, 1), 255.0)  # 1-px line

    # Panel B: radial gradient (a soft glow) with a small hard-edged moon.
    r = np.hypot(xx - 380.0, yy - 100.0)
    glow = 20.0 + 225.0 * 0.5 * (1.0 + np.cos(np.pi * np.clip(r / 130.0, 0.0, 1.0)))
    panel(264, 16, 496, 184, glow)
    blend(img, coverage(ellipse(450.0, 48.0, 16.0, 16.0), h, w, ss), 30.0)

    # Panel C: smooth full-width horizontal ramp 0 -> 255.
    ramp = 255.0 * (np.floor(xx) - 16.0) / (496.0 - 16.0 - 1.0)
    panel(16, 200, 496, 232, ramp)

    # Panel D: text on dark.
    panel(16, 248, 248, 368, 18.0)
    text = render_text_mask(
        w,
        h,
        [
            ("convgui", 44, True, QRectF(16, 250, 232, 54)),
            ("Hello, kernels!", 22, False, QRectF(16, 302, 232, 30)),
            (f"blur · sharpen · edges · 3{TIMES}3", 12, False, QRectF(16, 334, 232, 24)),
        ],
    )
    blend(img, text, 240.0)

    # Panel E: zone plate (chirped rings reaching the Nyquist frequency at the corners).
    zx, zy, zs = 264, 248, 120
    zr2 = (xx - (zx + zs / 2)) ** 2 + (yy - (zy + zs / 2)) ** 2
    zone = 128.0 + 110.0 * np.cos(np.pi * zr2 / (2.0 * (zs / 2) * np.sqrt(2.0)))
    panel(zx, zy, zx + zs, zy + zs, zone)

    # Panel F: fine textures - vertical stripes of period 2, 4 and 8 px, a 2-px
    # checker and diagonal stripes.
    ix, iy = np.floor(xx), np.floor(yy)
    for x0, period in ((392, 2), (428, 4), (464, 8)):
        stripes = np.where(((ix - x0) // (period // 2)) % 2 == 0, 225.0, 30.0)
        panel(x0, 248, x0 + 32, 304, stripes)
    checker = np.where(((ix // 2) + (iy // 2)) % 2 == 0, 225.0, 30.0)
    panel(392, 312, 442, 368, checker)
    diagonal = np.where(((ix + iy) // 3) % 2 == 0, 225.0, 30.0)
    panel(446, 312, 496, 368, diagonal)

    # A little sensor noise, seeded.
    rng = np.random.default_rng(SEED)
    img += rng.normal(0.0, 3.0, size=img.shape)
    return to_u8(img)


# --------------------------------------------------------------------------------------
# 4. Checkerboard
# --------------------------------------------------------------------------------------


def make_checkerboard(size: int = 64, square: int = 8) -> U8Array:
    """Return a size x size board of square x square cells, 0 (top-left) and 255."""
    idx = np.arange(size) // square
    board = (idx[:, None] + idx[None, :]) % 2
    return np.ascontiguousarray((board * 255).astype(np.uint8))


# --------------------------------------------------------------------------------------
# Icon
# --------------------------------------------------------------------------------------


def render_icon(svg_path: Path, png_path: Path, size: int = 256) -> None:
    """Render the SVG icon to a transparent size x size PNG."""
    renderer = QSvgRenderer(str(svg_path))
    if not renderer.isValid():
        raise RuntimeError(f"invalid SVG: {svg_path}")
    img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    if not img.save(str(png_path)):
        raise OSError(f"could not write {png_path}")


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------

INDEX: list[dict[str, str]] = [
    {
        "file": "lesson6x6.png",
        "title": f"Lesson 6{TIMES}6 grid",
        "description": f"The lesson's 6{TIMES}6 pixel grid, small enough to follow every "
        f"multiply-and-add of a 3{TIMES}3 kernel by hand.",
    },
    {
        "file": "clothing28x28.png",
        "title": f"Clothing 28{TIMES}28",
        "description": f"A Fashion-MNIST-style ankle boot, showing what a CNN's first "
        f"layer actually sees at 28{TIMES}28.",
    },
    {
        "file": "scene.png",
        "title": f"Scene 512{TIMES}384",
        "description": "Hard edges, smooth gradients, text and fine textures side by "
        "side, for comparing blur, sharpen and edge-detection kernels.",
    },
    {
        "file": "checkerboard.png",
        "title": f"Checkerboard 64{TIMES}64",
        "description": "Perfectly sharp horizontal and vertical edges and corners, "
        "ideal for seeing exactly where an edge or corner kernel responds.",
    },
]


def main() -> int:
    """Write every sample, the index and the icon PNG; return the exit status."""
    # Text rendering needs a QGuiApplication; no screen is needed with "offscreen".
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    SAMPLES_DIR.mkdir(parents=True, exist_ok=True)
    ICONS_DIR.mkdir(parents=True, exist_ok=True)

    check_lesson_values()
    written: list[Path] = []

    def gray(name: str, img: U8Array) -> None:
        save_gray_png(SAMPLES_DIR / name, img)
        written.append(SAMPLES_DIR / name)

    def text(name: str, content: str) -> None:
        (SAMPLES_DIR / name).write_text(content, encoding="utf-8")
        written.append(SAMPLES_DIR / name)

    gray("lesson6x6.png", make_lesson())
    text("lesson6x6.txt", lesson_text())
    gray("clothing28x28.png", make_clothing())
    gray("scene.png", make_scene())
    gray("checkerboard.png", make_checkerboard())
    text("index.json", json.dumps(INDEX, indent=2, ensure_ascii=False) + "\n")
    render_icon(ICONS_DIR / "convgui.svg", ICONS_DIR / "convgui.png")
    written.append(ICONS_DIR / "convgui.png")

    del app
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
