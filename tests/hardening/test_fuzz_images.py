"""Fuzzing the image loader: mutated and truncated files of every readable format.

Every file either loads (with pixels of a sensible shape and dtype) or is refused with a clear
LoadError message; none crashes the process, hangs, or raises anything else. The seed is fixed
so CI sees the same files every run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QImageWriter

SEED = 20261124
N_FILES = 560
WORKER = Path(__file__).with_name("fuzz_worker.py")

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="24" height="16">'
    b'<rect x="2" y="2" width="12" height="8" fill="#808080"/></svg>'
)


def _encode(img: QImage, fmt: str) -> bytes | None:
    ba = QByteArray()
    buf = QBuffer(ba)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buf, fmt.encode())
    if not writer.write(img):
        return None
    return bytes(ba.data())


def _base_images(qapp: object) -> dict[str, bytes]:
    rng = np.random.default_rng(SEED)
    gray = np.ascontiguousarray((rng.random((23, 31)) * 255).astype(np.uint8))
    rgb = np.ascontiguousarray((rng.random((17, 29, 3)) * 255).astype(np.uint8))
    gimg = QImage(gray.data, 31, 23, 31, QImage.Format.Format_Grayscale8).copy()
    cimg = QImage(rgb.data, 29, 17, 29 * 3, QImage.Format.Format_RGB888).copy()
    g16 = np.ascontiguousarray((rng.random((9, 11)) * 65535).astype(np.uint16))
    img16 = QImage(g16.data, 11, 9, 22, QImage.Format.Format_Grayscale16).copy()
    rgba = cimg.convertToFormat(QImage.Format.Format_ARGB32)
    bases: dict[str, bytes] = {"svg": SVG}
    writable = sorted({bytes(f.data()).decode() for f in QImageWriter.supportedImageFormats()})
    for fmt in writable:
        for tag, img in (("gray", gimg), ("rgb", cimg), ("rgba", rgba)):
            data = _encode(img, fmt)
            if data:
                bases[f"{fmt}-{tag}"] = data
    for fmt in ("png", "tiff"):
        data = _encode(img16, fmt)
        if data:
            bases[f"{fmt}-16bit"] = data
    # Qt reads GIF but cannot write it; palette PNGs are Pillow's too.
    import io

    from PIL import Image

    frames = [Image.fromarray(np.roll(gray, k, axis=1)) for k in range(3)]
    for tag, imgs in (("gif-still", frames[:1]), ("gif-anim", frames)):
        out = io.BytesIO()
        imgs[0].save(out, format="GIF", save_all=True, append_images=imgs[1:], duration=100)
        bases[tag] = out.getvalue()
    out = io.BytesIO()
    Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE).save(out, format="PNG")
    bases["png-palette"] = out.getvalue()
    return bases


def _mutate(data: bytes, rng: np.random.Generator) -> bytes:
    kind = rng.integers(0, 6)
    b = bytearray(data)
    n = len(b)
    if kind == 0:  # truncate
        return bytes(b[: int(rng.integers(0, max(1, n)))])
    if kind == 1:  # flip a few bytes
        for _ in range(int(rng.integers(1, 8))):
            b[int(rng.integers(0, n))] = int(rng.integers(0, 256))
        return bytes(b)
    if kind == 2:  # corrupt the header
        for i in range(min(n, 32)):
            if rng.random() < 0.3:
                b[i] = int(rng.integers(0, 256))
        return bytes(b)
    if kind == 3:  # delete a chunk
        a = int(rng.integers(0, n))
        return bytes(b[:a] + b[a + int(rng.integers(1, 64)) :])
    if kind == 4:  # insert random bytes
        a = int(rng.integers(0, n))
        return bytes(
            b[:a] + rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8).tobytes() + b[a:]
        )
    return rng.integers(0, 256, int(rng.integers(0, 300)), dtype=np.uint8).tobytes()  # noise


@pytest.fixture(scope="module")
def fuzz_files(tmp_path_factory: pytest.TempPathFactory, qapp: object) -> list[Path]:
    folder = tmp_path_factory.mktemp("fuzz")
    rng = np.random.default_rng(SEED)
    bases = _base_images(qapp)
    names = sorted(bases)
    files = []
    for name in names:  # the intact files first: they must all load
        p = folder / f"intact-{name}.{name.split('-')[0]}"
        p.write_bytes(bases[name])
        files.append(p)
    for i in range(N_FILES):
        name = names[i % len(names)]
        ext = name.split("-")[0] if rng.random() < 0.8 else str(rng.choice(["png", "jpg", "gif"]))
        p = folder / f"m{i:04d}-{name}.{ext}"
        p.write_bytes(_mutate(bases[name], rng))
        files.append(p)
    return files


def test_mutated_images_load_or_fail_clearly(fuzz_files: list[Path]) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, str(WORKER)],
        input="\n".join(map(str, fuzz_files)) + "\n",
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    assert proc.returncode == 0, f"the loader crashed the process:\n{proc.stderr[-2000:]}"
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(records) == len(fuzz_files), "the loader stopped part-way (crash or hang)"
    assert len(fuzz_files) >= 500
    crashes = [r for r in records if r["status"] == "crash"]
    assert crashes == [], crashes[:5]
    for r in records:
        name = Path(r["path"]).name
        if name.startswith("intact-"):
            assert r["status"] == "ok", r
        if r["status"] == "ok":
            assert r["dtype"] in ("uint8", "uint16")
            assert len(r["shape"]) in (2, 3) and min(r["shape"][:2]) >= 1
            assert r["shape"][2:] in ([], [3])
        else:
            msg = r["message"]
            assert "Traceback" not in msg and len(msg) > 20
            assert name in msg or "…" in msg, msg  # says which file
    loaded = sum(r["status"] == "ok" for r in records)
    refused = sum(r["status"] == "error" for r in records)
    # Both outcomes must really occur, or the mutations are not doing their job.
    assert loaded > 50 and refused > 50, (loaded, refused)


def test_sixteen_bit_files_keep_their_precision(fuzz_files: list[Path]) -> None:
    from convgui.imageio import load_image

    intact16 = [p for p in fuzz_files if p.name.startswith("intact-") and "16bit" in p.name]
    assert intact16, "Qt here writes no 16-bit formats"
    for p in intact16:
        doc = load_image(p)
        assert doc.bit_depth == 16 and doc.pixels.dtype == np.uint16, p.name
        assert doc.pixels.max() > 255
