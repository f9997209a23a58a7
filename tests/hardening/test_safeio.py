"""Nothing lost, nothing hangs: special files, odd text, verified saves, no silent overwrite.

Every reader is tried on a FIFO, ``/dev/zero``, a folder and a symbolic-link loop (each must be
refused at once: a blocking read would hit the timeout); every writer is made to fail mid-write
(an injected ``ENOSPC``, a short write that reports success) and, when the tests run as root
with ``mount``, on a real full 64 KiB tmpfs. The old file must always be intact, with no
temporary file left behind.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import convgui.imageio as imageio
import convgui.safeio as safeio
from convgui.imageio import (
    LoadError,
    SaveError,
    load_image,
    load_kernel,
    parse_kernel_text,
    save_float_tiff,
    save_image,
    save_npy,
    save_text,
)
from convgui.safeio import (
    NeedsConfirmationError,
    check_target,
    files_to_overwrite,
    new_subfolder,
    read_text_bounded,
    remove_own_files,
    written_this_session,
)

RNG = np.random.default_rng(4242)
NOISE = RNG.integers(0, 256, (60, 70, 3), dtype=np.uint8)


@pytest.fixture(autouse=True)
def _app(qapp: Any) -> None:
    """Qt's image plugins are loaded through the application object."""


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# --- special files as input -------------------------------------------------------------------


def _fifo(tmp_path: Path) -> Path:
    p = tmp_path / "pipe.png"
    os.mkfifo(p)
    return p


def _folder(tmp_path: Path) -> Path:
    p = tmp_path / "folder.png"
    p.mkdir()
    return p


def _loop(tmp_path: Path) -> Path:
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


SPECIALS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "fifo": (_fifo, r"named pipe \(FIFO\).*regular file"),
    "dev-zero": (lambda _tmp: Path("/dev/zero"), r"is a device.*regular file"),
    "folder": (_folder, r"is a folder"),
    "symlink-loop": (_loop, r"symbolic link that leads back to itself"),
}


@pytest.mark.timeout(10)
@pytest.mark.parametrize("kind", sorted(SPECIALS))
@pytest.mark.parametrize("reader", ["image", "kernel", "text"])
def test_special_files_are_refused_at_once(tmp_path: Path, kind: str, reader: str) -> None:
    make, pattern = SPECIALS[kind]
    path = make(tmp_path)
    load: Callable[[Path], object] = {
        "image": load_image,
        "kernel": load_kernel,
        "text": read_text_bounded,
    }[reader]
    t0 = time.perf_counter()
    with pytest.raises(LoadError, match=pattern):
        load(path)
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.timeout(10)
def test_fifo_swapped_in_after_the_check_does_not_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The open itself is non-blocking: a FIFO that appears between stat and open is caught."""
    real = tmp_path / "real.txt"
    real.write_text("1 2\n3 4\n")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    monkeypatch.setattr(safeio, "stat_input", lambda path, what="": os.stat(real))
    with pytest.raises(LoadError, match="named pipe"):
        safeio.read_bytes_bounded(fifo, max_bytes=100)


def test_a_symlink_to_a_good_file_still_loads(tmp_path: Path) -> None:
    Image.fromarray(NOISE).save(tmp_path / "real.png")
    (tmp_path / "link.png").symlink_to(tmp_path / "real.png")
    assert np.array_equal(load_image(tmp_path / "link.png").pixels, NOISE)


# --- pathological kernel text ----------------------------------------------------------------


PATHOLOGICAL: dict[str, tuple[bytes, str]] = {
    "deep-json-list": (
        b'{"kernel": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "nested too deeply",
    ),
    "deep-json-dict": (b'{"a": ' * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
    "deep-params": (
        b'{"kernel": [[1]], "params": ' + b'{"a": ' * 20_000 + b"1" + b"}" * 20_001,
        "nested too deeply",
    ),
    "huge-int-json": (b'{"kernel": [[' + b"7" * 5000 + b"]]}", "number of 5,000 characters"),
    "huge-int-json-small": (b'{"kernel": [[' + b"7" * 4000 + b"]]}", "number of 4,000 characters"),
    "huge-float-json": (b'{"kernel": [[1.' + b"5" * 3000 + b"]]}", "number of 3,002 characters"),
    "huge-int-text": (b"1 " + b"9" * 5000 + b"\n", "too long for a number"),
    "one-line-50MB": (b"1 " * 25_000_000, r"50\.0 MB; a kernel file is at most 1 MB"),
    "wide-row": (b"1 " * 400_000, r"row 1 has 400,000 values"),
    "utf16-no-bom": ("1 2\n3 4\n".encode("utf-16-le"), "UTF-16 without a byte-order mark"),
    "latin1": ("1 2 # café\n".encode("latin-1"), r"byte 0xe9 .* not valid UTF-8"),
    "nul-bytes": (b"\x00" * 1000, "not a number|binary|holds no numbers"),
    "bool-cell": (b'{"kernel": [[true, 1]]}', "row 1, column 1: a bool is not a number"),
    "dict-cell": (b'{"kernel": [[{"a": 1}]]}', "row 1, column 1: a dict is not a number"),
    "params-wrong-type": (b'{"kernel": [[1]], "params": {"padding": {"x": 1}}}', "not valid"),
    "params-huge-stride": (b'{"kernel": [[1]], "params": {"stride": [1, "x"]}}', "not valid"),
    "top-level-list": (b"[[1, 2], [3, 4]]", 'no "kernel" entry'),
}


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_kernel_files_are_refused_quickly(tmp_path: Path, name: str) -> None:
    data, pattern = PATHOLOGICAL[name]
    path = tmp_path / ("k.json" if data[:1] in (b"{", b"[") else "k.txt")
    path.write_bytes(data)
    t0 = time.perf_counter()
    with pytest.raises(LoadError, match=pattern):
        load_kernel(path)
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")],
)
@pytest.mark.parametrize("suffix", ["txt", "json"])
def test_byte_order_marks_are_accepted(
    tmp_path: Path, encoding: str, prefix: bytes, suffix: str
) -> None:
    text = "1/9 −2 3\n4 5 6\n" if suffix == "txt" else '{"kernel": [[1, -2, 3], [4, 5, 6]]}'
    path = tmp_path / f"k.{suffix}"
    path.write_bytes(prefix + text.encode(encoding))
    kernel, _ = load_kernel(path)
    expected = [[1 / 9 if suffix == "txt" else 1, -2, 3], [4, 5, 6]]
    assert np.array_equal(kernel, expected)


def test_a_50_mb_paste_is_refused_before_parsing() -> None:
    text = "1 " * 25_000_000
    t0 = time.perf_counter()
    with pytest.raises(LoadError, match=r"50\.0 million characters"):
        parse_kernel_text(text, "the clipboard")
    assert time.perf_counter() - t0 < 0.5


def test_text_cells_in_json_still_work(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    path.write_text('{"kernel": [["1/9", "-1 / 4"], [2.5, 1e-3]]}')
    kernel, _ = load_kernel(path)
    assert np.array_equal(kernel, [[1 / 9, -0.25], [2.5, 1e-3]])


def test_a_kernel_file_growing_past_its_stat_size_is_cut_at_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read itself is bounded, not only the size reported by stat."""
    path = tmp_path / "k.txt"
    path.write_bytes(b"1 " * 2000)
    real_open_input = safeio.open_input

    def lying(p: Any, what: str = "") -> Any:
        fd, st = real_open_input(p, what)
        fake = os.stat_result((st.st_mode, 0, 0, 0, 0, 0, 10, 0, 0, 0))
        return fd, fake

    monkeypatch.setattr(safeio, "open_input", lying)
    with pytest.raises(LoadError, match=r"at most 0\.001 MB"):
        safeio.read_bytes_bounded(path, max_bytes=1000)


# --- every writer: verified, never half a file ----------------------------------------------


def _writers() -> dict[str, tuple[str, Callable[[Path], None]]]:
    gray16 = (RNG.integers(0, 65536, (40, 30))).astype(np.uint16)
    return {
        "png": ("out.png", lambda p: save_image(NOISE, p, confirmed=True)),
        "png16": ("out16.png", lambda p: save_image(gray16, p, confirmed=True)),
        "bmp": ("out.bmp", lambda p: save_image(NOISE, p, confirmed=True)),
        "tiff": ("out.tif", lambda p: save_image(NOISE, p, confirmed=True)),
        "jpeg": ("out.jpg", lambda p: save_image(NOISE, p, confirmed=True)),
        "float-tiff": (
            "out_f.tiff",
            lambda p: save_float_tiff(NOISE[:20, :20, 0] * -1.5, p, confirmed=True),
        ),
        "npy": ("out.npy", lambda p: save_npy(NOISE.astype(np.float32), p, confirmed=True)),
        "text": ("out.txt", lambda p: save_text("1 2 3\n" * 500, p, confirmed=True)),
        "callback-png": (
            "frame.png",
            lambda p: imageio._atomic_write(
                p, lambda tmp: Image.fromarray(NOISE).save(tmp, format="PNG"), confirmed=True
            ),
        ),
    }


WRITERS = sorted(_writers())
BYTES_WRITERS = [w for w in WRITERS if not w.startswith("callback")]


@pytest.mark.parametrize("writer", WRITERS)
def test_every_writer_round_trips_and_replaces(tmp_path: Path, writer: str) -> None:
    name, write = _writers()[writer]
    target = tmp_path / name
    target.write_bytes(b"old")
    write(target)
    assert target.read_bytes() != b"old"
    assert written_this_session(target)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", BYTES_WRITERS)
def test_disk_full_in_the_middle_of_a_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    name, write = _writers()[writer]
    target = tmp_path / name
    target.write_bytes(b"precious")
    real = os.write
    calls: list[int] = []

    def full(fd: int, data: Any) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return real(fd, bytes(data[: max(1, len(data) // 3)]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safeio.os, "write", full)
    with pytest.raises(SaveError, match=r"No space left on device.*Nothing was overwritten"):
        write(target)
    monkeypatch.undo()
    assert len(calls) == 2
    assert target.read_bytes() == b"precious"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", BYTES_WRITERS)
def test_a_short_write_reported_as_success_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    """The TIFF case of the issue: the low-level writer says all went well, the file is short."""
    name, write = _writers()[writer]
    target = tmp_path / name
    target.write_bytes(b"precious")
    real = safeio._write_all
    monkeypatch.setattr(safeio, "_write_all", lambda fd, data: real(fd, data[: len(data) // 2]))
    with pytest.raises(SaveError, match=r"only [\d,]+ of [\d,]+ bytes were written"):
        write(target)
    assert target.read_bytes() == b"precious"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", ["png", "tiff", "bmp", "npy", "text", "float-tiff"])
def test_a_corrupt_file_of_the_right_size_is_caught_by_the_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    """Size alone is not enough: the file is decoded (or its header re-read) before it is used."""
    name, write = _writers()[writer]
    target = tmp_path / name
    target.write_bytes(b"precious")
    real = safeio._write_all

    def zeros(fd: int, data: Any) -> None:  # every byte lost, the size kept
        real(fd, bytes(len(data)))

    monkeypatch.setattr(safeio, "_write_all", zeros)
    with pytest.raises(SaveError, match=r"cannot be read back|not whole"):
        write(target)
    assert target.read_bytes() == b"precious"
    assert leftovers(tmp_path) == []


def test_a_callback_writer_that_leaves_a_truncated_image_is_caught(tmp_path: Path) -> None:
    target = tmp_path / "frame.png"
    target.write_bytes(b"precious")

    def truncated(tmp: Path) -> None:
        Image.fromarray(NOISE).save(tmp, format="PNG")
        data = tmp.read_bytes()
        tmp.write_bytes(data[: len(data) // 2])

    with pytest.raises(SaveError, match="not whole"):
        imageio._atomic_write(target, truncated, confirmed=True)
    assert target.read_bytes() == b"precious"
    assert leftovers(tmp_path) == []


def test_empty_callback_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "out.gif"
    with pytest.raises(SaveError, match="file written is empty"):
        safeio.atomic_write(target, lambda tmp: None)
    assert not target.exists()
    assert leftovers(tmp_path) == []


@pytest.mark.timeout(10)
@pytest.mark.parametrize("kind", ["fifo", "dev-null", "folder"])
@pytest.mark.parametrize("writer", ["png", "npy", "text"])
def test_a_target_that_is_not_a_regular_file_is_refused(
    tmp_path: Path, kind: str, writer: str
) -> None:
    name, write = _writers()[writer]
    if kind == "fifo":
        target = tmp_path / f"pipe{Path(name).suffix}"
        os.mkfifo(target)
    elif kind == "folder":
        target = tmp_path / f"dir{Path(name).suffix}"
        target.mkdir()
    else:  # a link to the device, named like the file the writer makes
        target = tmp_path / f"null{Path(name).suffix}"
        target.symlink_to("/dev/null")
    before = os.stat(target)
    with pytest.raises(SaveError, match=r"not a regular file; convgui will not replace it"):
        write(target)  # confirmed=True: even a confirmed save never replaces these
    after = os.stat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert leftovers(tmp_path) == []


def test_saving_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    save_text("new", link, confirmed=True)
    assert link.is_symlink()
    assert real.read_text() == "new"


# --- a real full disk (root only) ------------------------------------------------------------


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, mounted for the test (needs root and mount)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a real tmpfs needs root and mount; the injected failures cover the rest")
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,nr_inodes=64", "tmpfs", str(mnt)], check=True
    )
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def _fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 1024)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("writer", WRITERS)
def test_a_real_full_disk_loses_nothing(tiny_tmpfs: Path, writer: str) -> None:
    name, write = _writers()[writer]
    target = tiny_tmpfs / name
    target.write_bytes(b"precious" * 100)
    _fill(tiny_tmpfs)
    with pytest.raises(SaveError, match=r"No space left on device|is the disk full"):
        write(target)
    assert target.read_bytes() == b"precious" * 100
    assert leftovers(tiny_tmpfs) == []
    (tiny_tmpfs / "filler").unlink()
    write(target)  # with space again, the same save succeeds
    assert target.read_bytes() != b"precious" * 100


# --- never overwrite without asking ----------------------------------------------------------


def test_an_existing_file_needs_confirmation(tmp_path: Path) -> None:
    target = tmp_path / "mine.png"
    target.write_bytes(b"user's file")
    with pytest.raises(NeedsConfirmationError, match="already exists") as info:
        save_image(NOISE, target)
    assert info.value.reason == "exists" and info.value.path == target
    assert isinstance(info.value, SaveError)  # a caller that does not ask refuses the save
    assert target.read_bytes() == b"user's file"
    save_image(NOISE, target, confirmed=True)
    assert np.array_equal(load_image(target).pixels, NOISE)


def test_a_file_written_this_session_is_replaced_without_asking(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    save_text("first", target)
    save_text("second", target)
    assert target.read_text() == "second"


def test_a_file_changed_by_someone_else_needs_confirmation_again(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    save_text("first", target)
    target.unlink()
    target.write_text("the user's")
    with pytest.raises(NeedsConfirmationError):
        save_text("second", target)
    assert target.read_text() == "the user's"


@pytest.mark.parametrize("via", ["same", "symlink", "hardlink", "dotdot"])
def test_the_opened_image_is_protected_whatever_the_spelling(tmp_path: Path, via: str) -> None:
    opened = tmp_path / "photo.png"
    Image.fromarray(NOISE).save(opened)
    save_text("x", tmp_path / "other.txt")  # unrelated
    target = {
        "same": opened,
        "symlink": tmp_path / "alias.png",
        "hardlink": tmp_path / "hard.png",
        "dotdot": tmp_path / "sub" / ".." / "photo.png",
    }[via]
    if via == "symlink":
        target.symlink_to(opened)
    elif via == "hardlink":
        os.link(opened, target)
    elif via == "dotdot":
        (tmp_path / "sub").mkdir()
    before = opened.read_bytes()
    with pytest.raises(NeedsConfirmationError, match="the file you opened") as info:
        save_image(NOISE[:10], target, protected=[str(opened), None])
    assert info.value.reason == "protected"
    assert opened.read_bytes() == before


def test_protection_applies_even_to_a_file_written_this_session(tmp_path: Path) -> None:
    out = tmp_path / "out.png"
    save_image(NOISE, out)
    with pytest.raises(NeedsConfirmationError, match="the file you opened"):
        save_image(NOISE[:5], out, protected=[out])
    assert check_target(out) == out  # unprotected: it is ours, no question


def test_png_frame_export_helpers_never_touch_the_users_files(tmp_path: Path) -> None:
    """50 frames of the user's in a folder, an export of 5: nothing of theirs is overwritten."""
    folder = tmp_path / "frames"
    folder.mkdir()
    theirs = {}
    for n in range(50):
        p = folder / f"frame_{n:05d}.png"
        p.write_bytes(f"user frame {n}".encode())
        theirs[p] = p.read_bytes()
    mine = [folder / f"frame_{n:05d}.png" for n in range(5)]
    assert files_to_overwrite(mine) == mine  # the caller asks, or writes elsewhere
    with pytest.raises(NeedsConfirmationError):
        imageio._atomic_write(mine[0], lambda tmp: Image.fromarray(NOISE).save(tmp, "PNG"))
    sub = new_subfolder(folder, "export")
    assert sub == folder / "export" and not any(sub.iterdir())
    assert new_subfolder(folder, "export") == folder / "export-2"
    written = []
    for n in range(5):
        target = sub / f"frame_{n:05d}.png"
        imageio._atomic_write(target, lambda tmp: Image.fromarray(NOISE).save(tmp, "PNG"))
        written.append(target)
    # Cleaning up (a cancelled export, stale frames): only this session's files go.
    removed = remove_own_files(list(folder.glob("frame_*.png")) + written)
    assert sorted(removed) == sorted(written)
    assert {p: p.read_bytes() for p in folder.glob("frame_*.png")} == theirs
    # A second export into the same new folder replaces its own frames without asking.
    imageio._atomic_write(
        sub / "frame_00000.png", lambda tmp: Image.fromarray(NOISE).save(tmp, "PNG")
    )
    assert files_to_overwrite([sub / "frame_00000.png"]) == []


def test_remove_own_files_keeps_a_file_the_user_replaced(tmp_path: Path) -> None:
    p = tmp_path / "frame_00000.png"
    save_text("mine", p)
    p.unlink()
    p.write_text("the user's now")
    assert remove_own_files([p]) == []
    assert p.read_text() == "the user's now"


def test_files_to_overwrite_refuses_special_files(tmp_path: Path) -> None:
    (tmp_path / "frame_00000.png").mkdir()
    with pytest.raises(SaveError, match="is a folder, not a regular file"):
        files_to_overwrite([tmp_path / "frame_00000.png"])


def test_kernel_json_round_trip_through_the_checked_writer(tmp_path: Path) -> None:
    from convgui.core import LayerParams

    path = tmp_path / "k.json"
    kernel = np.array([[1 / 9, -2.0], [3.0, 1e-300]])
    save_text(imageio.kernel_to_json(kernel, LayerParams()), path)
    back, _ = load_kernel(path)
    assert np.array_equal(back, kernel)
    assert json.loads(path.read_text())["convgui"] == 1


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("confirmed", [False, True])
def test_a_name_with_a_nul_character_is_a_save_error(
    tmp_path: Path, writer: str, confirmed: bool
) -> None:
    """A pasted name can hold NUL; the OS refuses it with ``ValueError: embedded null byte``,
    which escaped the writers' ``except SaveError``. Now every writer gets a SaveError naming
    the file (NUL shown as ␀) and nothing is written."""
    name, write = _writers()[writer]
    target = tmp_path / ("a\0" + name)
    with pytest.raises(SaveError, match=f"“a␀{name}” is not a possible file name: .*NUL"):
        if confirmed:
            write(target)
        else:
            check_target(target)
    assert list(tmp_path.iterdir()) == []


def test_nul_names_in_the_other_helpers(tmp_path: Path) -> None:
    """Readers give a LoadError, new_subfolder a SaveError; the session helpers answer
    without raising (no file can have such a name)."""
    bad = tmp_path / "k\0.txt"
    with pytest.raises(LoadError, match="NUL"):
        load_kernel(bad)
    with pytest.raises(LoadError, match="NUL"):
        read_text_bounded(bad, max_bytes=10)
    with pytest.raises(SaveError, match="NUL"):
        new_subfolder(tmp_path, "frames\0")
    assert not written_this_session(bad)
    assert remove_own_files([bad]) == []
    ok = tmp_path / "ok.png"
    ok.write_bytes(b"x")  # the user's file: asked about, the NUL-named protected entry ignored
    assert files_to_overwrite([ok], protected=[bad]) == [ok]
    assert list(tmp_path.iterdir()) == [ok]
