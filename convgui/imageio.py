"""Reading and writing images and kernels (Qt's image plugins; no other imaging library).

Everything here returns plain numpy arrays or raises :class:`LoadError`/:class:`SaveError`
with a message a user can act on. Saves go to a temporary file that is moved into place, so
a failed save never leaves half a file.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, qInstallMessageHandler
from PySide6.QtGui import QImage, QImageReader, QImageWriter

from .core import LayerParams, format_number, parse_cell

#: Images with more pixels than this are refused before decoding (a small file can declare a
#: huge canvas: a "decompression bomb"). 8000x6000 photos are well inside it.
MAX_PIXELS = 100_000_000
#: The largest kernel file accepted, in bytes (a 15x15 kernel in JSON is a few KB).
MAX_KERNEL_FILE_BYTES = 1_000_000
MAX_KERNEL_SIDE = 15

# The process's umask, read once at import (reading it means setting it, which is not thread-safe).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class LoadError(Exception):
    """A file could not be loaded; the message says why and what to do."""


class SaveError(Exception):
    """A file could not be saved; the message says why and what to do."""


@dataclass(frozen=True)
class ImageDoc:
    """An image as stored in its file.

    Attributes
    ----------
    pixels : ndarray
        uint8 or uint16, shape (H, W) for grayscale or (H, W, 3) for colour. Alpha is dropped.
    bit_depth : int
        8 or 16.
    name : str
        What the title bar shows (file name, or the sample's title).
    path : str or None
        The file it came from; None for built-in samples and generated images.
    format : str
        File format as Qt names it ("png", "jpeg", ...).
    notes : tuple of str
        Things the user should know ("first frame of 12", "alpha channel ignored").
    """

    pixels: np.ndarray
    bit_depth: int = 8
    name: str = "image"
    path: str | None = None
    format: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_color(self) -> bool:
        """True when the file holds colour (an (H, W, 3) array)."""
        return self.pixels.ndim == 3

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``."""
        return int(self.pixels.shape[0]), int(self.pixels.shape[1])

    def describe(self) -> str:
        """One line for the status bar: size, mode and bit depth."""
        h, w = self.shape
        mode = "colour" if self.is_color else "grayscale"
        return f"{w}×{h} {mode}, {self.bit_depth}-bit"


def readable_formats() -> list[str]:
    """File suffixes Qt can read here, lower case and sorted."""
    return sorted({bytes(f.data()).decode().lower() for f in QImageReader.supportedImageFormats()})


def open_filter() -> str:
    """A file-dialog filter built from the formats Qt can read."""
    pats = " ".join(f"*.{f}" for f in readable_formats())
    return f"Images ({pats});;All files (*)"


def qimage_to_array(img: QImage) -> tuple[np.ndarray, int, bool]:
    """Convert a QImage to ``(pixels, bit_depth, had_alpha)`` without losing precision."""
    fmt = img.format()
    high = fmt in (
        QImage.Format.Format_Grayscale16,
        QImage.Format.Format_RGBX64,
        QImage.Format.Format_RGBA64,
        QImage.Format.Format_RGBA64_Premultiplied,
    )
    had_alpha = img.hasAlphaChannel()
    gray = img.isGrayscale() and not had_alpha
    if high:
        target = QImage.Format.Format_Grayscale16 if gray else QImage.Format.Format_RGBA64
        dtype: type[np.unsignedinteger] = np.uint16
    else:
        target = QImage.Format.Format_Grayscale8 if gray else QImage.Format.Format_RGBA8888
        dtype = np.uint8
    conv = img.convertToFormat(target)
    h, w = conv.height(), conv.width()
    channels = 1 if gray else 4
    itemsize = np.dtype(dtype).itemsize
    buf = np.frombuffer(conv.constBits(), dtype=np.uint8, count=conv.sizeInBytes())
    rows = buf.reshape(h, conv.bytesPerLine())[:, : w * channels * itemsize]
    arr = np.ascontiguousarray(rows).view(dtype).reshape(h, w, channels)
    if gray:
        return arr[:, :, 0].copy(), 16 if high else 8, False
    rgb = arr[:, :, :3].copy()
    # A colour file whose three channels are equal is grayscale at heart (e.g. palette images).
    if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]):
        return rgb[..., 0].copy(), 16 if high else 8, had_alpha
    return rgb, 16 if high else 8, had_alpha


def _open_reader(path: Path) -> QImageReader:
    reader = QImageReader(str(path))
    reader.setDecideFormatFromContent(True)
    reader.setAutoTransform(True)
    return reader


def load_image(path: str | os.PathLike[str], *, max_pixels: int = MAX_PIXELS) -> ImageDoc:
    """Read an image file.

    Parameters
    ----------
    path : path-like
        The file. Its content decides the format, not its extension.
    max_pixels : int
        Files declaring more pixels are refused before any decoding.

    Returns
    -------
    ImageDoc

    Raises
    ------
    LoadError
        Missing, unreadable, a folder, empty, not an image, truncated, or too large.
    """
    p = Path(path)
    shown = p.name or str(p)
    if len(shown) > 80:
        shown = shown[:60] + "…" + shown[-15:]
    try:
        return _load_image(p, shown, max_pixels)
    except OSError as exc:  # e.g. a name too long for the file system
        raise LoadError(f"“{shown}” cannot be read: {exc.strerror or exc}.") from exc


def _load_image(p: Path, shown: str, max_pixels: int) -> ImageDoc:
    if not p.exists():
        raise LoadError(f"“{shown}” does not exist. Check the name and folder.")
    if p.is_dir():
        raise LoadError(f"“{shown}” is a folder, not an image file. Choose a file inside it.")
    if not os.access(p, os.R_OK):
        raise LoadError(f"“{shown}” cannot be read (permission denied). Check its permissions.")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise LoadError(f"“{shown}” cannot be read: {exc.strerror or exc}.") from exc
    if size == 0:
        raise LoadError(f"“{shown}” is empty (0 bytes). It is not an image.")
    reader = _open_reader(p)
    if not reader.canRead():
        raise LoadError(
            f"“{shown}” is not an image convgui can read, or it is damaged. "
            "Open a PNG, JPEG, BMP, GIF, TIFF or WebP file (File ▸ Open lists every format)."
        )
    declared: QSize = reader.size()
    if declared.isValid():
        n = declared.width() * declared.height()
        if n > max_pixels:
            raise LoadError(
                f"“{shown}” declares {declared.width()}×{declared.height()} pixels "
                f"({n / 1e6:.0f} megapixels), over convgui's limit of {max_pixels / 1e6:.0f} "
                "megapixels. Scale it down in an image editor first."
            )
    # Qt has its own allocation cap (256 MB by default); raise it to fit our pixel limit.
    QImageReader.setAllocationLimit(max(256, max_pixels * 8 // (1 << 20) + 64))
    frames = reader.imageCount()
    fmt = bytes(reader.format().data()).decode().lower()
    # Decoders report damage (e.g. a truncated JPEG) as Qt warnings while still returning an
    # image: catch them so the user is told part of the picture may be missing.
    warnings: list[str] = []
    previous = qInstallMessageHandler(lambda mode, ctx, msg: warnings.append(msg))
    try:
        img = reader.read()
    finally:
        qInstallMessageHandler(previous)
    if img.isNull():
        raise LoadError(
            f"“{shown}” could not be decoded: {reader.errorString()}. "
            "The file may be truncated or damaged."
        )
    if img.width() * img.height() > max_pixels:
        raise LoadError(
            f"“{shown}” is {img.width()}×{img.height()} pixels, over convgui's limit of "
            f"{max_pixels / 1e6:.0f} megapixels. Scale it down in an image editor first."
        )
    pixels, depth, had_alpha = qimage_to_array(img)
    notes: list[str] = []
    if warnings or _looks_truncated(p, fmt, size):
        detail = f" ({warnings[0].strip()})" if warnings else ""
        notes.append(
            f"the file looks damaged or truncated{detail}: part of the picture may be missing"
        )
    if frames > 1:
        notes.append(f"showing the first frame of {frames}")
    if had_alpha:
        notes.append("transparency ignored")
    return ImageDoc(pixels, depth, p.name, str(p), fmt, tuple(notes))


def _looks_truncated(path: Path, fmt: str, size: int) -> bool:
    """Cheap checks for formats whose decoders return truncated images silently."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(6)
            fh.seek(max(0, size - 1))
            last = fh.read(1)
    except OSError:
        return False
    if fmt == "bmp" and len(head) == 6 and head[:2] == b"BM":
        return int.from_bytes(head[2:6], "little") > size
    if fmt == "gif":
        return last != b";"  # every complete GIF ends with the trailer byte 0x3B
    return False


def load_sample(path: Path, title: str) -> ImageDoc:
    """Load a built-in sample, naming it by its title."""
    doc = load_image(path)
    return ImageDoc(doc.pixels, doc.bit_depth, title, None, doc.format, doc.notes)


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write via ``write(tmp)`` to a temporary file in the same folder, then move it into place."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SaveError(f"The folder “{folder}” does not exist. Choose another folder.")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise SaveError(
            f"Cannot write in “{folder}”: {exc.strerror or exc}. Choose a folder you can write to."
        ) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        # mkstemp makes the file private (0600); give it the mode a plain save would have.
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            mode = 0o666 & ~_UMASK
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SaveError(
            f"Saving “{path.name}” failed: {exc.strerror or exc}. Nothing was overwritten; "
            "free some space or choose another folder."
        ) from exc
    except BaseException:  # SaveError, or anything a writer raises: never leave half a file
        tmp.unlink(missing_ok=True)
        raise


def _save_qimage(img: QImage, path: Path, fmt: str) -> None:
    def write(tmp: Path) -> None:
        writer = QImageWriter(str(tmp), fmt.encode())
        if not writer.write(img):
            raise SaveError(
                f"Saving “{path.name}” as {fmt.upper()} failed: {writer.errorString()}. "
                "Nothing was overwritten."
            )

    _atomic_write(path, write)


def array_to_qimage(arr: np.ndarray) -> QImage:
    """Wrap a uint8/uint16 (H, W) or uint8 (H, W, 3|4) array in a QImage (copied)."""
    a = np.ascontiguousarray(arr)
    h, w = a.shape[:2]
    if a.dtype == np.uint16 and a.ndim == 2:
        fmt, bpl = QImage.Format.Format_Grayscale16, 2 * w
    elif a.dtype == np.uint8 and a.ndim == 2:
        fmt, bpl = QImage.Format.Format_Grayscale8, w
    elif a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 3:
        fmt, bpl = QImage.Format.Format_RGB888, 3 * w
    elif a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 4:
        fmt, bpl = QImage.Format.Format_RGBA8888, 4 * w
    elif a.dtype == np.uint16 and a.ndim == 3 and a.shape[2] == 3:
        rgba = np.full((h, w, 4), 65535, dtype=np.uint16)
        rgba[..., :3] = a
        a = rgba
        fmt, bpl = QImage.Format.Format_RGBX64, 8 * w
    else:
        raise ValueError(f"cannot make a QImage from an array of {a.dtype} {a.shape}")
    return QImage(a.data, w, h, bpl, fmt).copy()


def save_image(arr: np.ndarray, path: str | os.PathLike[str]) -> None:
    """Save an 8- or 16-bit array as an image; the suffix picks the format.

    Raises
    ------
    SaveError
        Unknown format, unwritable folder, full disk. The target is never left half-written.
    """
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    writable = {bytes(f.data()).decode().lower() for f in QImageWriter.supportedImageFormats()}
    if fmt not in writable:
        raise SaveError(
            f"convgui cannot write “.{fmt}” images. Use one of: "
            + ", ".join(sorted(f".{f}" for f in writable))
        )
    _save_qimage(array_to_qimage(arr), p, fmt)


def save_float_tiff(arr: np.ndarray, path: str | os.PathLike[str]) -> None:
    """Save raw float values (any range, negative too) as a 32-bit float TIFF.

    Grey results are written with equal R, G and B; alpha is opaque.
    """
    a = np.asarray(arr, dtype=np.float32)
    h, w = a.shape[:2]
    rgba = np.ones((h, w, 4), dtype=np.float32)
    rgba[..., :3] = a[..., None] if a.ndim == 2 else a[..., :3]
    img = QImage(rgba.data, w, h, 16 * w, QImage.Format.Format_RGBA32FPx4).copy()
    _save_qimage(img, Path(path), "tiff")


def save_npy(arr: np.ndarray, path: str | os.PathLike[str]) -> None:
    """Save the raw values as a ``.npy`` file (atomically)."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.save(fh, arr, allow_pickle=False)

    _atomic_write(Path(path), write)


def save_text(text: str, path: str | os.PathLike[str]) -> None:
    """Write UTF-8 text atomically."""

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    _atomic_write(Path(path), write)


# --- kernels -------------------------------------------------------------------------------


def kernel_to_json(kernel: np.ndarray, params: LayerParams) -> str:
    """The kernel and the layer settings as JSON (the format of ``.json`` kernel files)."""
    data: dict[str, Any] = {
        "convgui": 1,
        "kernel": [[float(v) for v in row] for row in np.asarray(kernel)],
        "params": params.to_dict(),
    }
    return json.dumps(data, indent=2)


def kernel_to_text(kernel: np.ndarray) -> str:
    """The kernel as plain rows of numbers."""

    def exact(v: float) -> str:
        short = format_number(v, 10)
        return short if float(short) == v else repr(v)  # never lose a digit on reload

    return "\n".join(" ".join(exact(float(v)) for v in row) for row in kernel) + "\n"


def parse_kernel_text(text: str, source: str = "the text") -> np.ndarray:
    """Parse rows of numbers (spaces, tabs, commas or semicolons between them).

    Every entry goes through :func:`convgui.core.parse_cell`, so ``1/9`` works here too.

    Raises
    ------
    LoadError
        Empty, ragged rows, a bad number (with its row and column), or larger than 15x15.
    """
    rows: list[list[float]] = []
    line_nos: list[int] = []
    for line_no, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        cells = [c for c in line.replace(",", " ").replace(";", " ").split() if c]
        row = []
        for col_no, cell in enumerate(cells, 1):
            try:
                row.append(parse_cell(cell))
            except ValueError as exc:
                raise LoadError(f"In {source}, row {line_no}, column {col_no}: {exc}") from None
        rows.append(row)
        line_nos.append(line_no)
        if len(rows) > MAX_KERNEL_SIDE:
            break
    if not rows:
        raise LoadError(
            f"{source.capitalize()} holds no numbers. Write one row of numbers per line."
        )
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        bad = next(i for i, r in enumerate(rows) if len(r) != len(rows[0]))
        raise LoadError(
            f"The rows in {source} have different lengths ({', '.join(map(str, sorted(widths)))}): "
            f"row {line_nos[bad]} has {len(rows[bad])} values, row {line_nos[0]} has "
            f"{len(rows[0])}. Every row of a kernel needs the same number of values."
        )
    arr = np.array(rows, dtype=np.float64)
    if max(arr.shape) > MAX_KERNEL_SIDE:
        raise LoadError(
            f"The kernel in {source} has more than {MAX_KERNEL_SIDE} rows or columns; "
            f"convgui edits kernels up to {MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE}."
        )
    return arr


def load_kernel(path: str | os.PathLike[str]) -> tuple[np.ndarray, LayerParams | None]:
    """Read a kernel file: JSON (kernel and layer settings) or plain text rows.

    Raises
    ------
    LoadError
        With what was wrong: size, syntax, shape or values.
    """
    p = Path(path)
    shown = p.name or str(p)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise LoadError(f"“{shown}” cannot be read: {exc.strerror or exc}.") from exc
    if p.is_dir():
        raise LoadError(f"“{shown}” is a folder, not a kernel file.")
    if size > MAX_KERNEL_FILE_BYTES:
        raise LoadError(
            f"“{shown}” is {size / 1e6:.1f} MB; a kernel file is a few KB. Is this the right file?"
        )
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"“{shown}” is not a readable text file ({exc}).") from exc
    if p.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LoadError(
                f"“{shown}” is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
            ) from exc
        if not isinstance(data, dict) or "kernel" not in data:
            raise LoadError(f'“{shown}” has no "kernel" entry: it is not a convgui kernel file.')
        rows = data["kernel"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise LoadError(f'In “{shown}”, "kernel" must be a list of rows of numbers.')
        text_rows = "\n".join(" ".join(str(v) for v in r) for r in rows)
        kernel = parse_kernel_text(text_rows, f"“{shown}”")
        params = None
        if isinstance(data.get("params"), dict):
            try:
                params = LayerParams.from_dict(data["params"])
            except (TypeError, ValueError) as exc:
                raise LoadError(f"The layer settings in “{shown}” are not valid: {exc}.") from exc
        return kernel, params
    return parse_kernel_text(text, f"“{shown}”"), None
