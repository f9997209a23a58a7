"""Reading and writing images and kernels (Qt's image plugins for images).

Everything here returns plain numpy arrays or raises :class:`LoadError`/:class:`SaveError`
with a message a user can act on. Files are opened through :mod:`convgui.safeio`: special
files (FIFOs, devices, folders, link loops) are refused before anything is read, text is read
with a size bound, and every save is written to a temporary file, verified by reading it back,
and only then moved over the old file.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice, QSize, qInstallMessageHandler
from PySide6.QtGui import QImage, QImageReader, QImageWriter

from .core import LayerParams, format_number, parse_cell
from .core.pipeline import MAX_PIXELS
from .safeio import (
    LoadError,
    NeedsConfirmationError,
    PathLike,
    SaveError,
    atomic_write,
    decode_text,
    open_input,
    read_bytes_bounded,
    shown_name,
)

#: The largest kernel file accepted, in bytes (a 15x15 kernel in JSON is a few KB).
MAX_KERNEL_FILE_BYTES = 1_000_000
#: The longest kernel text accepted from a paste, in characters (checked before parsing).
MAX_KERNEL_TEXT_CHARS = 1_000_000
MAX_KERNEL_SIDE = 15
#: Bytes per pixel of the widest format Qt decodes into (64-bit RGBA); with :data:`MAX_PIXELS`
#: it gives Qt's allocation limit, which bounds decoders that cannot say their size up front.
DECODE_BYTES_PER_PIXEL = 8
#: Longest number accepted in a JSON kernel file (a longer one is refused before conversion).
MAX_NUMBER_CHARS = 64

Protected = Iterable[PathLike | None]

__all__ = [
    "MAX_KERNEL_FILE_BYTES",
    "MAX_KERNEL_SIDE",
    "MAX_KERNEL_TEXT_CHARS",
    "MAX_PIXELS",
    "ImageDoc",
    "LoadError",
    "NeedsConfirmationError",
    "SaveError",
    "array_to_qimage",
    "kernel_to_json",
    "kernel_to_text",
    "load_image",
    "load_kernel",
    "load_sample",
    "open_filter",
    "parse_kernel_text",
    "qimage_to_array",
    "readable_formats",
    "save_float_tiff",
    "save_image",
    "save_npy",
    "save_text",
    "verify_image_file",
]


@dataclass(frozen=True)
class ImageDoc:
    """An image as stored in its file.

    Attributes
    ----------
    pixels : ndarray
        uint8 or uint16, shape (H, W) for grayscale or (H, W, 3) for colour; int16 for signed
        16-bit grayscale (values keep their sign). Alpha is dropped.
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
    def signed(self) -> bool:
        """True for signed samples (a signed 16-bit TIFF): values below 0 are real."""
        return self.pixels.dtype.kind == "i"

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``."""
        return int(self.pixels.shape[0]), int(self.pixels.shape[1])

    def describe(self) -> str:
        """One line for the status bar: size, mode and bit depth."""
        h, w = self.shape
        mode = "colour" if self.is_color else "grayscale"
        signed = " signed" if self.signed else ""
        return f"{w}×{h} {mode}, {self.bit_depth}-bit{signed}"


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


_FLOAT_FORMATS = (
    QImage.Format.Format_RGBX16FPx4,
    QImage.Format.Format_RGBA16FPx4,
    QImage.Format.Format_RGBA16FPx4_Premultiplied,
    QImage.Format.Format_RGBX32FPx4,
    QImage.Format.Format_RGBA32FPx4,
    QImage.Format.Format_RGBA32FPx4_Premultiplied,
)


def _float_qimage_to_array(img: QImage) -> tuple[np.ndarray, str]:
    """A floating-point QImage as uint16 pixels, and a note saying exactly what was done."""
    conv = img.convertToFormat(QImage.Format.Format_RGBA32FPx4)
    h, w = conv.height(), conv.width()
    buf = np.frombuffer(conv.constBits(), dtype=np.uint8, count=conv.sizeInBytes())
    rows = buf.reshape(h, conv.bytesPerLine())[:, : w * 16]
    rgba = np.ascontiguousarray(rows).view(np.float32).reshape(h, w, 4)
    had_alpha = img.hasAlphaChannel() and bool(np.any(rgba[..., 3] != 1))
    rgb = rgba[..., :3]
    finite = rgb[np.isfinite(rgb)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 0.0
    outside = int(np.count_nonzero(np.any(~((rgb >= 0) & (rgb <= 1)), axis=-1)))
    pixels = np.rint(np.clip(np.nan_to_num(rgb, nan=0.0), 0, 1) * 65535).astype(np.uint16)
    if np.array_equal(pixels[..., 0], pixels[..., 1]) and np.array_equal(
        pixels[..., 1], pixels[..., 2]
    ):
        pixels = pixels[..., 0].copy()
    note = "floating-point image: values 0–1 shown as 16-bit 0–65535"
    if outside:
        note += (
            f"; {outside:,} pixels outside 0–1 (range {format_number(lo, 6)} to "
            f"{format_number(hi, 6)}) were clipped"
        )
    if had_alpha:
        note += "; transparency ignored"
    return pixels, note


def _pnm_16bit(data: bytes) -> np.ndarray | None:
    """Binary PGM/PPM with 16-bit samples (which Qt reduces to 8 bits), or None."""
    if data[:2] not in (b"P5", b"P6"):
        return None
    fields: list[int] = []
    pos = 2
    while len(fields) < 3:
        while pos < len(data) and data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            end = data.find(b"\n", pos)
            if end < 0:
                return None
            pos = end + 1
            continue
        start = pos
        while pos < len(data) and data[pos : pos + 1].isdigit():
            pos += 1
        if start == pos or pos - start > 9:
            return None
        fields.append(int(data[start:pos]))
    w, h, maxval = fields
    if not 255 < maxval < 65536 or w < 1 or h < 1:
        return None
    channels = 3 if data[:2] == b"P6" else 1
    body = data[pos + 1 : pos + 1 + w * h * channels * 2]
    if len(body) != w * h * channels * 2:
        return None  # truncated: let Qt report it
    arr = np.frombuffer(body, dtype=">u2").astype(np.uint16).reshape(h, w, channels)
    if maxval != 65535:
        arr = np.rint(np.minimum(arr, maxval) * (65535 / maxval)).astype(np.uint16)
    return arr[..., 0].copy() if channels == 1 else arr


def _tiff_info(fd: int) -> tuple[bool, int]:
    """``(signed 16-bit samples, number of pages)`` of a TIFF (directories only, no pixels)."""
    try:
        from PIL import Image, TiffImagePlugin

        with os.fdopen(os.dup(fd), "rb") as fh:
            fh.seek(0)
            with Image.open(fh) as im:
                if not isinstance(im, TiffImagePlugin.TiffImageFile):
                    return False, 0
                fmt = im.tag_v2.get(339, 1)
                bits = im.tag_v2.get(258, (8,))
                pages = int(getattr(im, "n_frames", 1))
    except Exception:
        return False, 0
    fmts = fmt if isinstance(fmt, tuple) else (fmt,)
    bitss = bits if isinstance(bits, tuple) else (bits,)
    return 2 in fmts and 16 in bitss, pages


def load_image(path: PathLike, *, max_pixels: int = MAX_PIXELS) -> ImageDoc:
    """Read an image file.

    Parameters
    ----------
    path : path-like
        The file. Its content decides the format, not its extension.
    max_pixels : int
        Files declaring more pixels are refused before any decoding; Qt's allocation limit is
        set from it, so a decoder that cannot say its size up front is bounded too.

    Returns
    -------
    ImageDoc

    Raises
    ------
    LoadError
        Missing, unreadable, a folder, a FIFO or device (refused before opening), empty, not
        an image, truncated, or too large.
    """
    p = Path(path)
    shown = shown_name(p)
    fd, st = open_input(p, "an image file")
    try:
        return _load_image(p, fd, st.st_size, shown, max_pixels)
    except OSError as exc:
        raise LoadError(f"“{shown}” cannot be read: {exc.strerror or exc}.") from exc
    finally:
        os.close(fd)


def _allocation_limit_mb(max_pixels: int) -> int:
    return max(1, -(-max_pixels * DECODE_BYTES_PER_PIXEL // (1 << 20)))


def _load_image(p: Path, fd: int, size: int, shown: str, max_pixels: int) -> ImageDoc:
    if size == 0:
        raise LoadError(f"“{shown}” is empty (0 bytes). It is not an image.")
    head = os.pread(fd, 64, 0)
    if head[:2] in (b"P5", b"P6") and size <= max_pixels * 6 + 1024:
        deep = _pnm_16bit(os.pread(fd, size, 0))
        if deep is not None:
            if deep.shape[0] * deep.shape[1] > max_pixels:
                raise LoadError(_too_many(shown, deep.shape[1], deep.shape[0], max_pixels))
            fmt = "ppm" if deep.ndim == 3 else "pgm"
            return ImageDoc(deep, 16, p.name, str(p), fmt, ())
    qfile = QFile()
    if not qfile.open(fd, QIODevice.OpenModeFlag.ReadOnly, QFile.FileHandleFlag.DontCloseHandle):
        raise LoadError(f"“{shown}” cannot be read: {qfile.errorString()}.")
    try:
        return _decode(p, fd, qfile, size, shown, max_pixels)
    finally:
        qfile.close()


def _too_many(shown: str, w: int, h: int, max_pixels: int, verb: str = "declares") -> str:
    return (
        f"“{shown}” {verb} {w}×{h} pixels ({w * h / 1e6:.0f} megapixels), over convgui's "
        f"limit of {max_pixels / 1e6:.0f} megapixels. Scale it down in an image editor first."
    )


def _decode(p: Path, fd: int, qfile: QFile, size: int, shown: str, max_pixels: int) -> ImageDoc:
    reader = QImageReader(qfile)
    reader.setDecideFormatFromContent(True)
    reader.setAutoTransform(True)
    if not reader.canRead():
        raise LoadError(
            f"“{shown}” is not an image convgui can read, or it is damaged. "
            "Open a PNG, JPEG, BMP, GIF, TIFF or WebP file (File ▸ Open lists every format)."
        )
    declared: QSize = reader.size()
    if declared.isValid() and declared.width() * declared.height() > max_pixels:
        raise LoadError(_too_many(shown, declared.width(), declared.height(), max_pixels))
    # Bound every decoder, including those whose declared size cannot be trusted (compressed
    # containers): Qt refuses to allocate more than the pixel limit implies.
    QImageReader.setAllocationLimit(_allocation_limit_mb(max_pixels))
    frames = reader.imageCount()
    fmt = bytes(reader.format().data()).decode().lower()
    signed16, pages = _tiff_info(fd) if fmt in ("tif", "tiff") else (False, 0)
    frames = max(frames, pages)
    # Decoders report damage (e.g. a truncated JPEG) as Qt warnings while still returning an
    # image: catch them so the user is told part of the picture may be missing.
    warnings: list[str] = []
    previous = qInstallMessageHandler(lambda mode, ctx, msg: warnings.append(msg))
    try:
        img = reader.read()
    finally:
        qInstallMessageHandler(previous)
    if img.isNull():
        err = reader.errorString()
        if any("allocation" in w.lower() or "limit" in w.lower() for w in warnings):
            raise LoadError(
                f"“{shown}” decodes to more than convgui's limit of {max_pixels / 1e6:.0f} "
                "megapixels. Scale it down in an image editor first."
            )
        raise LoadError(
            f"“{shown}” could not be decoded: {err}. The file may be truncated or damaged."
        )
    if img.width() * img.height() > max_pixels:
        raise LoadError(_too_many(shown, img.width(), img.height(), max_pixels, "is"))
    notes: list[str] = []
    if img.format() in _FLOAT_FORMATS:
        pixels, note = _float_qimage_to_array(img)
        depth, had_alpha = 16, False
        notes.append(note)
    else:
        pixels, depth, had_alpha = qimage_to_array(img)
    del img
    if signed16 and pixels.dtype == np.uint16:
        # Qt reads signed samples as unsigned (-1 becomes 65535): reinterpret the same bits.
        if pixels.ndim == 2:
            pixels = pixels.view(np.int16).copy()
            notes.append(
                "signed 16-bit samples kept signed: −32768…32767 is −127.5…127.5 on the 0–255 "
                "scale (−0.5…0.5 on 0–1), shown with grey at 0"
            )
        else:  # colour is shown and filtered as unsigned: keep the order, say so
            pixels = (pixels.view(np.int16).astype(np.int32) + 32768).astype(np.uint16)
            notes.append(
                "signed 16-bit colour samples (−32768…32767) shown shifted by +32768 to 0…65535"
            )
    if warnings or _looks_truncated(fd, fmt, size):
        detail = f" ({warnings[0].strip()})" if warnings else ""
        notes.append(
            f"the file looks damaged or truncated{detail}: part of the picture may be missing"
        )
    if frames > 1:
        unit = "page" if fmt in ("tif", "tiff") else "frame"
        notes.append(f"showing the first {unit} of {frames}")
    if had_alpha:
        notes.append("transparency ignored")
    return ImageDoc(pixels, depth, p.name, str(p), fmt, tuple(notes))


def _looks_truncated(fd: int, fmt: str, size: int) -> bool:
    """Cheap checks for formats whose decoders return truncated images silently."""
    try:
        head = os.pread(fd, 6, 0)
        last = os.pread(fd, 1, max(0, size - 1))
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


# --- saving ----------------------------------------------------------------------------------


def verify_image_file(path: Path, fmt: str, expected: tuple[int, int] | None = None) -> None:
    """Decode an image file just written and check it is whole (used before it replaces a file).

    Parameters
    ----------
    path : Path
        The file written.
    fmt : str
        Its format ("png", "tiff", ...).
    expected : (width, height), optional
        The size it must decode to.

    Raises
    ------
    SaveError
        The file cannot be decoded, the decoder reported damage, or the size differs.
    """
    reader = QImageReader(str(path), fmt.encode())
    reader.setDecideFormatFromContent(True)
    warnings: list[str] = []
    previous = qInstallMessageHandler(lambda mode, ctx, msg: warnings.append(msg))
    try:
        img = reader.read()
    finally:
        qInstallMessageHandler(previous)
    problem = ""
    if img.isNull():
        problem = f"it cannot be decoded ({reader.errorString()})"
    elif expected is not None and (img.width(), img.height()) != expected:
        problem = (
            f"it decodes to {img.width()}×{img.height()} pixels instead of "
            f"{expected[0]}×{expected[1]}"
        )
    elif warnings:
        problem = f"the decoder reports damage ({warnings[0].strip()})"
    if problem:
        raise SaveError(
            f"Saving “{path.name.split('.part')[0].lstrip('.')}” failed: the file written is "
            f"not whole: {problem}. Is the disk full? Nothing was overwritten; free some space "
            "or choose another folder."
        )


def _image_format(path: Path) -> str | None:
    """The image format a file name's suffix names, when Qt can read it back."""
    fmt = path.suffix.lower().lstrip(".")
    return fmt if fmt in readable_formats() else None


def _atomic_write(
    path: Path,
    write: Callable[[Path], None],
    *,
    protected: Protected = (),
    confirmed: bool = False,
) -> None:
    """Write via ``write(tmp)``, verify (images are decoded back), then move into place.

    Kept for callers that write a file themselves (exports); see
    :func:`convgui.safeio.atomic_write`.
    """
    fmt = _image_format(Path(path))
    verify = None if fmt is None else (lambda tmp: verify_image_file(tmp, fmt))
    atomic_write(path, write, verify=verify, protected=protected, confirmed=confirmed)


def _encode_qimage(img: QImage, fmt: str, shown: str) -> bytes:
    ba = QByteArray()
    buf = QBuffer(ba)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buf, fmt.encode())
    ok = writer.write(img)
    buf.close()
    if not ok or ba.size() == 0:
        raise SaveError(
            f"Saving “{shown}” as {fmt.upper()} failed: {writer.errorString()}. "
            "Nothing was overwritten."
        )
    return bytes(ba.data())


def _save_qimage(img: QImage, path: Path, fmt: str, protected: Protected, confirmed: bool) -> None:
    data = _encode_qimage(img, fmt, shown_name(path))
    size = (img.width(), img.height())
    atomic_write(
        path,
        data,
        verify=lambda tmp: verify_image_file(tmp, fmt, size),
        protected=protected,
        confirmed=confirmed,
    )


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


def save_image(
    arr: np.ndarray, path: PathLike, *, protected: Protected = (), confirmed: bool = False
) -> None:
    """Save an 8- or 16-bit array as an image; the suffix picks the format.

    Parameters
    ----------
    arr : ndarray
        uint8/uint16 (H, W), uint8 (H, W, 3|4) or uint16 (H, W, 3).
    path : path-like
        The target.
    protected : iterable of path-like
        Files never replaced without asking (the opened image...).
    confirmed : bool
        The user agreed to replace an existing file at ``path``.

    Raises
    ------
    NeedsConfirmationError
        ``path`` is protected or an existing file not written in this session (ask the user,
        then call again with ``confirmed=True``).
    SaveError
        Unknown format, a target that is not a regular file, unwritable folder, full disk, a
        file that does not decode back. The old file is then untouched.
    """
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    writable = {bytes(f.data()).decode().lower() for f in QImageWriter.supportedImageFormats()}
    if fmt not in writable:
        raise SaveError(
            f"convgui cannot write “.{fmt}” images. Use one of: "
            + ", ".join(sorted(f".{f}" for f in writable))
        )
    _save_qimage(array_to_qimage(arr), p, fmt, protected, confirmed)


def save_float_tiff(
    arr: np.ndarray, path: PathLike, *, protected: Protected = (), confirmed: bool = False
) -> None:
    """Save raw float values (any range, negative too) as a 32-bit float TIFF.

    Grey results are written with equal R, G and B; alpha is opaque. ``protected`` and
    ``confirmed`` are as in :func:`save_image`.
    """
    a = np.asarray(arr, dtype=np.float32)
    h, w = a.shape[:2]
    rgba = np.ones((h, w, 4), dtype=np.float32)
    rgba[..., :3] = a[..., None] if a.ndim == 2 else a[..., :3]
    img = QImage(rgba.data, w, h, 16 * w, QImage.Format.Format_RGBA32FPx4).copy()
    _save_qimage(img, Path(path), "tiff", protected, confirmed)


def _verify_npy(tmp: Path, shape: tuple[int, ...], dtype: np.dtype[Any], nbytes: int) -> None:
    with open(tmp, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            got_shape, _order, got_dtype = np.lib.format.read_array_header_1_0(fh)
        else:
            got_shape, _order, got_dtype = np.lib.format.read_array_header_2_0(fh)
        offset = fh.tell()
    if tuple(got_shape) != shape or got_dtype != dtype:
        raise ValueError(f"the header says {got_shape} {got_dtype}, not {shape} {dtype}")
    if tmp.stat().st_size != offset + nbytes:
        raise ValueError(f"it holds {tmp.stat().st_size - offset:,} of {nbytes:,} data bytes")


def save_npy(
    arr: np.ndarray, path: PathLike, *, protected: Protected = (), confirmed: bool = False
) -> None:
    """Save the raw values as a ``.npy`` file (atomically; the header is read back).

    ``protected`` and ``confirmed`` are as in :func:`save_image`.
    """
    a = np.asarray(arr)
    out = io.BytesIO()
    np.save(out, a, allow_pickle=False)
    atomic_write(
        path,
        out.getvalue(),
        verify=lambda tmp: _verify_npy(tmp, a.shape, a.dtype, a.nbytes),
        protected=protected,
        confirmed=confirmed,
    )


def save_text(
    text: str, path: PathLike, *, protected: Protected = (), confirmed: bool = False
) -> None:
    """Write UTF-8 text atomically (read back and compared before it replaces the old file).

    ``protected`` and ``confirmed`` are as in :func:`save_image`.
    """
    data = text.encode("utf-8")

    def verify(tmp: Path) -> None:
        if tmp.read_bytes() != data:
            raise ValueError("the text read back differs from the text written")

    atomic_write(path, data, verify=verify, protected=protected, confirmed=confirmed)


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
    if len(text) > MAX_KERNEL_TEXT_CHARS:
        raise LoadError(
            f"{source.capitalize()} is {len(text) / 1e6:.1f} million characters long; a kernel "
            f"is at most {MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE} numbers. Is this the right text?"
        )
    rows: list[list[float]] = []
    line_nos: list[int] = []
    for line_no, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        cells = [c for c in line.replace(",", " ").replace(";", " ").split() if c]
        if len(cells) > MAX_KERNEL_SIDE:
            raise LoadError(
                f"The kernel in {source} has more than {MAX_KERNEL_SIDE} rows or columns "
                f"(row {line_no} has {len(cells):,} values); convgui edits kernels up to "
                f"{MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE}."
            )
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


def _json_number(text: str) -> float | int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _NumberTooLongError(text)
    return float(text) if any(c in text for c in ".eE") else int(text)


class _NumberTooLongError(ValueError):
    pass


def load_kernel(path: PathLike) -> tuple[np.ndarray, LayerParams | None]:
    """Read a kernel file: JSON (kernel and layer settings) or plain text rows.

    The file must be a regular file of at most :data:`MAX_KERNEL_FILE_BYTES` bytes (checked
    before reading, so a FIFO or ``/dev/zero`` is refused at once), in UTF-8 (a byte-order
    mark is accepted) or UTF-16 with a byte-order mark.

    Raises
    ------
    LoadError
        With what was wrong: kind of file, size, encoding, syntax, nesting, shape or values.
    """
    p = Path(path)
    shown = shown_name(p)
    data = read_bytes_bounded(p, max_bytes=MAX_KERNEL_FILE_BYTES, what="a kernel file")
    text = decode_text(data, f"“{shown}”")
    if p.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        return _kernel_from_json(text, shown)
    return parse_kernel_text(text, f"“{shown}”"), None


def _kernel_from_json(text: str, shown: str) -> tuple[np.ndarray, LayerParams | None]:
    try:
        data = json.loads(text, parse_int=_json_number, parse_float=_json_number)
    except _NumberTooLongError as exc:
        raise LoadError(
            f"“{shown}” holds a number of {len(str(exc)):,} characters; a kernel value has at "
            f"most {MAX_NUMBER_CHARS}. Is this the right file?"
        ) from None
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"“{shown}” is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    except RecursionError:
        raise LoadError(
            f"“{shown}” is nested too deeply to be a kernel file (lists inside lists, "
            "hundreds of levels). Is this the right file?"
        ) from None
    except ValueError as exc:
        raise LoadError(f"“{shown}” is not valid JSON ({exc}).") from None
    if not isinstance(data, dict) or "kernel" not in data:
        raise LoadError(f'“{shown}” has no "kernel" entry: it is not a convgui kernel file.')
    rows = data["kernel"]
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise LoadError(f'In “{shown}”, "kernel" must be a list of rows of numbers.')
    if len(rows) > MAX_KERNEL_SIDE or any(len(r) > MAX_KERNEL_SIDE for r in rows):
        raise LoadError(
            f"The kernel in “{shown}” has more than {MAX_KERNEL_SIDE} rows or columns; "
            f"convgui edits kernels up to {MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE}."
        )
    for i, row in enumerate(rows, 1):
        for j, v in enumerate(row, 1):
            if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                raise LoadError(
                    f"In “{shown}”, row {i}, column {j}: a {type(v).__name__} is not a number. "
                    'Each row must hold numbers (or texts such as "1/9").'
                )
    text_rows = "\n".join(" ".join(_cell_text(v) for v in r) for r in rows)
    kernel = parse_kernel_text(text_rows, f"“{shown}”")
    params = None
    if isinstance(data.get("params"), dict):
        try:
            params = LayerParams.from_dict(data["params"])
        except Exception as exc:
            raise LoadError(f"The layer settings in “{shown}” are not valid: {exc}.") from None
    return kernel, params


def _cell_text(v: int | float | str) -> str:
    # A text cell with spaces would split into several cells; make it one token.
    return str(v).replace(" ", "") if isinstance(v, str) else repr(v)
