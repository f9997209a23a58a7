"""Loading and saving images and kernels: formats, precision, clear errors, atomic saves."""

from __future__ import annotations

import json
import os
import stat
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import convgui.safeio as safeio
from convgui.core import LayerParams
from convgui.imageio import (
    LoadError,
    SaveError,
    kernel_to_json,
    kernel_to_text,
    load_image,
    load_kernel,
    parse_kernel_text,
    save_image,
    save_npy,
    save_text,
)

RNG = np.random.default_rng(99)
RGB = RNG.integers(0, 256, (13, 17, 3), dtype=np.uint8)
GRAY = RNG.integers(0, 256, (11, 9), dtype=np.uint8)


@pytest.fixture(autouse=True)
def _app(qapp: Any) -> None:
    """Qt's image plugins are loaded through the application object."""


def pil_save(arr: np.ndarray, path: Path, **kw: Any) -> Path:
    Image.fromarray(arr).save(path, **kw)
    return path


def pil_load(path: Path, mode: str = "RGB") -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert(mode))


def png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def no_part_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".part")]


# --- formats --------------------------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "fmt"), [("png", "png"), ("bmp", "bmp"), ("tiff", "tiff")])
def test_lossless_colour_formats_load_exactly(tmp_path: Path, suffix: str, fmt: str) -> None:
    doc = load_image(pil_save(RGB, tmp_path / f"c.{suffix}"))
    assert doc.format == fmt
    assert doc.pixels.dtype == np.uint8
    assert doc.bit_depth == 8
    assert doc.is_color
    assert np.array_equal(doc.pixels, RGB)
    assert doc.notes == ()
    assert doc.name == f"c.{suffix}"
    assert doc.describe() == "17×13 colour, 8-bit"


@pytest.mark.parametrize("suffix", ["png", "bmp", "tiff"])
def test_grayscale_formats_load_as_2d(tmp_path: Path, suffix: str) -> None:
    doc = load_image(pil_save(GRAY, tmp_path / f"g.{suffix}"))
    assert doc.pixels.shape == GRAY.shape
    assert not doc.is_color
    assert np.array_equal(doc.pixels, GRAY)


def test_jpeg_loads_as_its_decoder_sees_it(tmp_path: Path) -> None:
    path = pil_save(RGB, tmp_path / "c.jpg", quality=95)
    doc = load_image(path)
    assert doc.format == "jpeg"
    assert doc.pixels.shape == RGB.shape
    # Decoders may round differently by one level; the picture is the same.
    assert np.abs(doc.pixels.astype(int) - pil_load(path).astype(int)).max() <= 2


def test_animated_gif_gives_first_frame_and_says_so(tmp_path: Path) -> None:
    frames = [Image.fromarray(np.full((8, 10), v, np.uint8)) for v in (10, 200)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    doc = load_image(path)
    assert doc.format == "gif"
    assert doc.pixels.shape == (8, 10)
    assert np.all(doc.pixels == 10)
    assert any("first frame" in n and "2" in n for n in doc.notes)


def test_16_bit_grayscale_png_keeps_its_values(tmp_path: Path) -> None:
    values = (np.arange(12 * 10).reshape(12, 10) * 541 % 65536).astype(np.uint16)
    im = Image.new("I;16", (10, 12))
    im.frombytes(values.astype("<u2").tobytes())
    path = tmp_path / "deep.png"
    im.save(path)
    doc = load_image(path)
    assert doc.bit_depth == 16
    assert doc.pixels.dtype == np.uint16
    assert np.array_equal(doc.pixels, values)
    assert doc.describe() == "10×12 grayscale, 16-bit"


def test_rgba_drops_alpha_and_says_so(tmp_path: Path) -> None:
    rgba = np.zeros((5, 6, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 1] = np.arange(6) * 10
    rgba[..., 3] = 128
    doc = load_image(pil_save(rgba, tmp_path / "a.png"))
    assert doc.pixels.shape == (5, 6, 3)
    assert np.array_equal(doc.pixels, rgba[..., :3])  # not premultiplied
    assert any("transparency" in n for n in doc.notes)


def test_palette_image_gives_its_colours(tmp_path: Path) -> None:
    pal = Image.new("P", (6, 5))
    pal.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9] + [0] * (252 * 3))
    pal.putdata((np.arange(30) % 4).tolist())
    path = tmp_path / "pal.png"
    pal.save(path)
    doc = load_image(path)
    assert doc.pixels.shape == (5, 6, 3)
    assert np.array_equal(doc.pixels, pil_load(path))


def test_grey_palette_image_is_grayscale(tmp_path: Path) -> None:
    path = tmp_path / "greypal.png"
    Image.fromarray(GRAY).convert("P").save(path)
    doc = load_image(path)
    assert doc.pixels.shape == GRAY.shape
    assert np.array_equal(doc.pixels, pil_load(path, "L"))


def test_content_decides_the_format_not_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "really_a_png.jpg"
    Image.fromarray(RGB).save(path, format="PNG")
    doc = load_image(path)
    assert doc.format == "png"
    assert np.array_equal(doc.pixels, RGB)


def test_tiny_and_thin_images(tmp_path: Path) -> None:
    one = load_image(pil_save(np.array([[7]], np.uint8), tmp_path / "one.png"))
    assert one.pixels.shape == (1, 1) and one.pixels[0, 0] == 7
    thin = np.arange(3000, dtype=np.uint16).astype(np.uint8).reshape(1, 3000)
    assert np.array_equal(load_image(pil_save(thin, tmp_path / "thin.png")).pixels, thin)


# --- errors ---------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"“nope\.png” does not exist"):
        load_image(tmp_path / "nope.png")


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "pics.png").mkdir()
    with pytest.raises(LoadError, match="is a folder"):
        load_image(tmp_path / "pics.png")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(LoadError, match=r"empty \(0 bytes\)"):
        load_image(tmp_path / "empty.png")


def test_random_bytes_with_png_extension(tmp_path: Path) -> None:
    (tmp_path / "noise.png").write_bytes(np.random.default_rng(5).bytes(700))
    with pytest.raises(LoadError, match=r"not an image convgui can read.*Open a PNG, JPEG"):
        load_image(tmp_path / "noise.png")


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_truncated_png(tmp_path: Path, keep: float) -> None:
    whole = pil_save(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8), tmp_path / "w.png")
    data = whole.read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(LoadError, match=r"“cut\.png” could not be decoded.*truncated or damaged"):
        load_image(cut)


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)  # 8-bit grey
    idat = zlib.compress(b"\0" * 4096)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
    data += png_chunk(b"IEND", b"")
    path = tmp_path / "bomb.png"
    path.write_bytes(data)
    assert path.stat().st_size < 1000
    t0 = time.perf_counter()
    with pytest.raises(LoadError, match="100000×100000") as info:
        load_image(path)
    assert time.perf_counter() - t0 < 1.0
    assert "limit" in str(info.value)


def test_pixel_limit_is_a_parameter(tmp_path: Path) -> None:
    path = pil_save(RGB, tmp_path / "c.png")
    with pytest.raises(LoadError, match="17×13"):
        load_image(path, max_pixels=100)


# --- saving ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arr", "name"),
    [
        (GRAY, "g.png"),
        (RGB, "c.png"),
        (GRAY, "g.bmp"),
        (RGB, "c.tif"),
        ((GRAY.astype(np.uint16) * 257), "deep.png"),
    ],
)
def test_save_image_round_trip(tmp_path: Path, arr: np.ndarray, name: str) -> None:
    save_image(arr, tmp_path / name)
    doc = load_image(tmp_path / name)
    assert np.array_equal(doc.pixels, arr)
    assert doc.pixels.dtype == arr.dtype
    assert no_part_files(tmp_path)


def test_save_image_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(SaveError, match=r"cannot write “\.xyz”.*\.png"):
        save_image(GRAY, tmp_path / "out.xyz")
    assert list(tmp_path.iterdir()) == []


def test_save_npy_round_trip(tmp_path: Path) -> None:
    values = np.linspace(-3.5, 700.25, 60, dtype=np.float32).reshape(6, 10)
    save_npy(values, tmp_path / "v.npy")
    back = np.load(tmp_path / "v.npy")
    assert back.dtype == np.float32
    assert np.array_equal(back, values)


def test_save_text_round_trip(tmp_path: Path) -> None:
    save_text("héllo → 1/9\n", tmp_path / "t.txt")
    assert (tmp_path / "t.txt").read_text(encoding="utf-8") == "héllo → 1/9\n"


def test_saving_over_a_file_replaces_it_entirely(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    target.write_text("x" * 10_000)
    target.chmod(0o640)
    save_text("short", target, confirmed=True)
    assert target.read_text() == "short"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file keeps its permissions
    save_npy(np.arange(3), tmp_path / "a.npy")
    save_npy(np.arange(2), tmp_path / "a.npy")
    assert np.array_equal(np.load(tmp_path / "a.npy"), [0, 1])
    assert no_part_files(tmp_path)


def test_a_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    save_text("y", tmp_path / "saved.txt")
    assert stat.S_IMODE((tmp_path / "saved.txt").stat().st_mode) == stat.S_IMODE(
        plain.stat().st_mode
    )


@pytest.fixture
def read_only_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A folder nobody may write in (simulated for root, who may write anywhere)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "keep.txt").write_text("old")
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # running as root: make the OS answer as it would
        real = safeio.tempfile.mkstemp

        def mkstemp(*a: Any, dir: Any = None, **k: Any) -> Any:
            if Path(dir) == folder:
                raise PermissionError(13, "Permission denied", str(folder))
            return real(*a, dir=dir, **k)

        monkeypatch.setattr(safeio.tempfile, "mkstemp", mkstemp)
    yield folder
    folder.chmod(0o755)


@pytest.mark.parametrize("name", ["out.png", "out.npy", "keep.txt"])
def test_save_into_read_only_folder(read_only_dir: Path, name: str) -> None:
    with pytest.raises(SaveError, match="Permission denied") as info:
        if name.endswith(".png"):
            save_image(GRAY, read_only_dir / name)
        elif name.endswith(".npy"):
            save_npy(GRAY, read_only_dir / name)
        else:
            save_text("new", read_only_dir / name, confirmed=True)
    assert "Choose a folder you can write to" in str(info.value)
    assert sorted(p.name for p in read_only_dir.iterdir()) == ["keep.txt"]
    assert (read_only_dir / "keep.txt").read_text() == "old"


def test_save_into_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(SaveError, match="does not exist"):
        save_text("x", tmp_path / "nowhere" / "x.txt")


def test_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "x.npy"
    target.write_bytes(b"precious")
    with pytest.raises(ValueError, match="pickle"):
        save_npy(np.array([object()], dtype=object), target, confirmed=True)
    assert target.read_bytes() == b"precious"
    assert no_part_files(tmp_path)


def test_disk_full_mid_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "x.txt"
    target.write_text("precious")
    real_write = os.write
    calls = []

    def full(fd: int, data: Any) -> int:  # the first 3 bytes fit, then the disk is full
        calls.append(fd)
        if len(calls) == 1:
            return real_write(fd, bytes(data[:3]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safeio.os, "write", full)
    with pytest.raises(SaveError, match=r"No space left on device.*Nothing was overwritten"):
        save_text("new content", target, confirmed=True)
    monkeypatch.undo()
    assert len(calls) == 2
    assert target.read_text() == "precious"
    assert no_part_files(tmp_path)


# --- kernel files ---------------------------------------------------------------------------


def test_json_kernel_round_trip_with_params(tmp_path: Path) -> None:
    kernel = np.array([[1 / 9, -2.5, 0], [1e-7, 3, 1 / 3]])
    params = LayerParams(
        padding=(1, 0, 2, 1), boundary="reflect", stride=(2, 1), activation="relu", pool="max"
    )
    path = tmp_path / "k.json"
    save_text(kernel_to_json(kernel, params), path)
    data = json.loads(path.read_text())
    assert data["convgui"] == 1
    back, back_params = load_kernel(path)
    assert np.array_equal(back, kernel)
    assert back_params == params


def test_json_without_params(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    path.write_text('{"kernel": [[1, 2], [3, 4]]}')
    kernel, params = load_kernel(path)
    assert np.array_equal(kernel, [[1, 2], [3, 4]])
    assert params is None


def test_text_kernel_with_fractions_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "blur.txt"
    path.write_text("# box blur\n1/9 1/9 1/9\n1/9, 1/9, 1/9\n\n1/9;1/9\t1/9  # last\n")
    kernel, params = load_kernel(path)
    assert params is None
    assert kernel.shape == (3, 3)
    assert np.all(kernel == 1 / 9)


def test_text_kernel_round_trip_is_exact(tmp_path: Path) -> None:
    kernel = np.array([[1 / 9, 2, -0.5], [1 / 3, 1e-12, 123456.789]])
    save_text(kernel_to_text(kernel), tmp_path / "k.txt")
    back, _ = load_kernel(tmp_path / "k.txt")
    assert np.array_equal(back, kernel)
    assert (tmp_path / "k.txt").read_text().startswith("0.1111111111111111 2 -0.5\n")


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("1 2 3\n4 5\n", r"different lengths \(2, 3\): row 2 has 2 values, row 1 has 3"),
        ("1 2 3\n4 x 6\n", r"row 2, column 2: 'x' is not a number"),
        ("1 2\n# c\n3 1/0\n", r"row 3, column 2: .*divides by zero"),
        ("\n# only a comment\n", "holds no numbers"),
        ("\n".join(["1 " * 16] * 3), "more than 15 rows or columns"),
        ("\n".join(["1 1"] * 40), "more than 15 rows or columns"),
    ],
)
def test_bad_text_kernels(tmp_path: Path, text: str, pattern: str) -> None:
    path = tmp_path / "k.txt"
    path.write_text(text)
    with pytest.raises(LoadError, match=pattern):
        load_kernel(path)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ('{"kernel": [[1, 2], [3 4]]}', r"not valid JSON \(line 1, column 2\d"),
        ('{"kernel": [[1, 2],\n [3, 4]', r"not valid JSON \(line 2, column"),
        ('{"weights": [[1]]}', 'no "kernel" entry'),
        ('{"kernel": [1, 2, 3]}', "must be a list of rows"),
        ('{"kernel": [[1, 2], [3]]}', r"row 2 has 1 values"),
        ('{"kernel": [[1, "a"]]}', r"row 1, column 2: 'a' is not a number"),
        ('{"kernel": [[1, NaN]]}', r"row 1, column 2"),
        ('{"kernel": [[1]], "params": {"stride": 0}}', "layer settings .* not valid: .*stride"),
        ('{"kernel": [[1]], "params": {"boundary": "x"}}', "layer settings .* not valid"),
    ],
)
def test_bad_json_kernels(tmp_path: Path, text: str, pattern: str) -> None:
    path = tmp_path / "k.json"
    path.write_text(text)
    with pytest.raises(LoadError, match=pattern):
        load_kernel(path)


def test_huge_kernel_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text("1 " * 600_000)
    with pytest.raises(LoadError, match=r"1\.2 MB; a kernel file is at most 1 MB"):
        load_kernel(path)


def test_kernel_file_errors(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="does not exist"):
        load_kernel(tmp_path / "missing.txt")
    with pytest.raises(LoadError, match="is a folder"):
        load_kernel(tmp_path)
    (tmp_path / "bin.txt").write_bytes(b"\x00\x81\xfe\xff" * 10)
    with pytest.raises(LoadError, match=r"not a readable text file.*binary file.*UTF-8"):
        load_kernel(tmp_path / "bin.txt")


def test_parse_kernel_text_names_its_source() -> None:
    with pytest.raises(LoadError, match="In the clipboard, row 1, column 1"):
        parse_kernel_text("zz", "the clipboard")
