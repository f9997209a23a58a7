"""The one way convgui reads and writes files: bounded, non-blocking reads and verified saves.

No Qt here: image-specific checks are passed in by :mod:`convgui.imageio` as callbacks, so
settings, kernels, exports and images all share the same rules.

Reading
    :func:`stat_input` refuses, before anything is opened, a missing path, a folder, a FIFO, a
    device, a socket and a symbolic-link loop; :func:`read_bytes_bounded` then opens without
    blocking and never reads more than its limit (checked before and while reading).

Writing
    :func:`atomic_write` refuses a target that exists and is not a regular file, writes a
    temporary file in the same folder, flushes it to disk, *verifies* it (size and a read-back
    given by the caller) and only then moves it over the target. On any failure the temporary
    file is removed, the old file is untouched and :class:`SaveError` says why.

Never overwrite without asking
    :func:`check_target` raises :class:`NeedsConfirmationError` when a target is one of the
    caller's protected files (the opened image, ...) or exists and was not written by this
    program in this session; the caller asks the user and retries with ``confirmed=True``.
    :func:`files_to_overwrite` and :func:`remove_own_files` do the same for a set of files
    (PNG frames): nothing the user made is overwritten or deleted silently.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

#: Kernel files, settings and pasted kernels larger than this are refused before reading.
MAX_TEXT_BYTES = 1_000_000

PathLike = str | os.PathLike[str]

# The process's umask, read once at import (reading it means setting it, which is not thread-safe).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class LoadError(Exception):
    """A file could not be loaded; the message says why and what to do."""


class SaveError(Exception):
    """A file could not be saved; the message says why and what to do."""


class NeedsConfirmationError(SaveError):
    """Saving would replace a file the user did not ask to replace; ask first.

    A subclass of :class:`SaveError`, so a caller that does not ask refuses the save (with this
    message) instead of overwriting.

    Attributes
    ----------
    path : Path
        The file that would be replaced.
    reason : str
        ``"protected"`` (it is one of the protected files, e.g. the opened image) or
        ``"exists"`` (an existing file not written by convgui in this session).
    """

    def __init__(self, path: Path, reason: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason


def shown_name(path: PathLike) -> str:
    """The file name as messages show it (shortened in the middle when very long).

    A NUL character, which no file name can hold, is shown as ``␀``.
    """
    p = Path(path)
    shown = (p.name or str(p)).replace("\0", "\u2400")
    if len(shown) > 80:
        shown = shown[:60] + "…" + shown[-15:]
    return shown


def _has_nul(path: PathLike) -> bool:
    """True when ``path`` holds a NUL character (the OS refuses such names with ValueError)."""
    return "\0" in os.fsdecode(path)


def _nul_message(shown: str) -> str:
    return (
        f"“{shown}” is not a possible file name: it contains a null character (NUL, shown "
        "as ␀), which no file name can hold. Type the name again without it."
    )


# --- reading ---------------------------------------------------------------------------------


def _kind_of(mode: int) -> str | None:
    """How a non-regular file is named in messages (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def stat_input(path: PathLike, what: str = "a file") -> os.stat_result:
    """Check that ``path`` is an existing regular file, without opening it.

    Parameters
    ----------
    path : path-like
        The file to read.
    what : str
        What the file should be, for messages ("an image file", "a kernel file").

    Returns
    -------
    os.stat_result
        Of the file (symbolic links followed).

    Raises
    ------
    LoadError
        Missing, a symbolic-link loop, unreadable, a folder, a FIFO, a device or a socket, or a
        name holding a NUL character.
    """
    shown = shown_name(path)
    if _has_nul(path):
        raise LoadError(_nul_message(shown))
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise LoadError(f"“{shown}” does not exist. Check the name and folder.") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LoadError(
                f"“{shown}” is a symbolic link that leads back to itself (a loop). "
                "Open the file it should point to."
            ) from None
        raise LoadError(f"“{shown}” cannot be read: {exc.strerror or exc}.") from None
    kind = _kind_of(st.st_mode)
    if kind == "a folder":
        raise LoadError(f"“{shown}” is a folder, not {what}. Choose a file inside it.")
    if kind is not None:
        raise LoadError(
            f"“{shown}” is {kind}, not {what}: convgui only reads regular files "
            "(reading this could wait forever or never end). Choose a file saved on disk."
        )
    return st


def open_input(path: PathLike, what: str = "a file") -> tuple[int, os.stat_result]:
    """Open a regular file for reading without ever blocking; returns ``(fd, stat)``.

    The file is checked with :func:`stat_input`, opened with ``O_NONBLOCK`` (a FIFO swapped in
    meanwhile cannot block the open) and checked again on the open descriptor. The caller
    closes the descriptor.

    Raises
    ------
    LoadError
        As :func:`stat_input`, or when the file cannot be opened.
    """
    stat_input(path, what)
    shown = shown_name(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise LoadError(
                f"“{shown}” cannot be read (permission denied). Check its permissions."
            ) from None
        raise LoadError(f"“{shown}” cannot be read: {exc.strerror or exc}.") from None
    st = os.fstat(fd)
    kind = _kind_of(st.st_mode)
    if kind is not None:
        os.close(fd)
        raise LoadError(f"“{shown}” is {kind}, not {what}. Choose a file saved on disk.")
    return fd, st


def read_bytes_bounded(path: PathLike, *, max_bytes: int, what: str = "a file") -> bytes:
    """Read a whole regular file of at most ``max_bytes`` bytes.

    The size is checked before reading, and the read itself stops at ``max_bytes + 1`` bytes, so
    a file that grows (or lies about its size) cannot make it read more.

    Raises
    ------
    LoadError
        Not a regular file (see :func:`stat_input`), unreadable, or larger than ``max_bytes``.
    """
    shown = shown_name(path)
    fd, st = open_input(path, what)
    try:
        if st.st_size > max_bytes:
            raise LoadError(_too_big(shown, st.st_size, max_bytes, what))
        chunks: list[bytes] = []
        got = 0
        while got <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except OSError as exc:
        raise LoadError(f"“{shown}” cannot be read: {exc.strerror or exc}.") from None
    finally:
        os.close(fd)
    if got > max_bytes:
        raise LoadError(_too_big(shown, got, max_bytes, what))
    return b"".join(chunks)


def _too_big(shown: str, size: int, limit: int, what: str) -> str:
    return (
        f"“{shown}” is {size / 1e6:.1f} MB; {what} is at most {limit / 1e6:g} MB. "
        "Is this the right file?"
    )


def decode_text(data: bytes, source: str) -> str:
    """Decode file bytes as text: UTF-8 (with or without a byte-order mark) or UTF-16 with one.

    Raises
    ------
    LoadError
        Bytes that are not text in these encodings (e.g. UTF-16 without a byte-order mark).
    """
    try:
        if data.startswith(codecs.BOM_UTF8):
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = (
            " It looks like UTF-16 without a byte-order mark, or a binary file."
            if b"\x00" in data[:4096]
            else ""
        )
        raise LoadError(
            f"{source} is not a readable text file (byte 0x{data[exc.start]:02x} at position "
            f"{exc.start} is not valid {exc.encoding.upper()}).{hint} Save it as UTF-8 text."
        ) from None
    if "\x00" in text:
        raise LoadError(
            f"{source} is not a readable text file: it holds NUL bytes. It looks like UTF-16 "
            "without a byte-order mark, or a binary file. Save it as UTF-8 text."
        )
    return text


def read_text_bounded(
    path: PathLike, *, max_bytes: int = MAX_TEXT_BYTES, what: str = "a text file"
) -> str:
    """:func:`read_bytes_bounded` then :func:`decode_text`."""
    data = read_bytes_bounded(path, max_bytes=max_bytes, what=what)
    return decode_text(data, f"“{shown_name(path)}”")


# --- what this session wrote -----------------------------------------------------------------

_written: dict[str, tuple[int, ...]] = {}
_written_lock = threading.Lock()


def _identity(st: os.stat_result) -> tuple[int, ...]:
    # The inode alone is not enough: a file deleted and re-made often gets the same one back.
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _key(path: Path) -> str:
    return os.path.realpath(path)


def _remember(path: Path) -> None:
    try:
        st = os.stat(path)
    except OSError:
        return
    with _written_lock:
        _written[_key(path)] = _identity(st)


def written_this_session(path: PathLike) -> bool:
    """True when ``path`` holds a file convgui wrote in this session, not changed since."""
    p = Path(path)
    if _has_nul(p):
        return False  # no file has such a name
    with _written_lock:
        ident = _written.get(_key(p))
    if ident is None:
        return False
    try:
        st = os.stat(p)
    except OSError:
        return False
    return _identity(st) == ident


def forget_written() -> None:
    """Forget which files this session wrote (for tests)."""
    with _written_lock:
        _written.clear()


# --- never overwrite without asking ----------------------------------------------------------


def _same_file(st: os.stat_result, other: PathLike) -> bool:
    try:
        o = os.stat(other)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return False
    return (st.st_dev, st.st_ino) == (o.st_dev, o.st_ino)


def check_target(
    path: PathLike,
    *,
    protected: Iterable[PathLike | None] = (),
    confirmed: bool = False,
) -> Path:
    """Decide whether ``path`` may be written; returns the path to replace.

    A symbolic link is followed (the file it points to is replaced, the link stays).

    Parameters
    ----------
    path : path-like
        The target of a save.
    protected : iterable of path-like or None
        Files that must not be replaced without asking (the opened image, the settings file...);
        None entries are ignored.
    confirmed : bool
        The user has agreed to replace an existing file at ``path``.

    Returns
    -------
    Path
        The file to create or replace.

    Raises
    ------
    SaveError
        The target exists and is not a regular file (a folder, FIFO, device...), is a
        symbolic-link loop, or its name holds a NUL character (a pasted name can): never
        written, even when ``confirmed``.
    NeedsConfirmationError
        Unless ``confirmed``: the target is a protected file, or exists and was not written by
        convgui in this session.
    """
    p = Path(path)
    shown = shown_name(p)
    if _has_nul(p):
        raise SaveError(_nul_message(shown))
    if os.path.islink(p):
        p = Path(os.path.realpath(p))
    try:
        st = os.stat(p)
    except FileNotFoundError:
        return p
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SaveError(
                f"“{shown}” is a symbolic link that leads back to itself; choose another name."
            ) from None
        raise SaveError(f"“{shown}” cannot be written: {exc.strerror or exc}.") from None
    kind = _kind_of(st.st_mode)
    if kind is not None:
        raise SaveError(
            f"“{shown}” is {kind}, not a regular file; convgui will not replace it. "
            "Choose a file name."
        )
    if confirmed:
        return p
    for other in protected:
        if other is not None and _same_file(st, other):
            raise NeedsConfirmationError(
                p,
                "protected",
                f"“{shown}” is the file you opened (or another file convgui is using). "
                "Saving here would replace it: confirm, or choose another name.",
            )
    if not written_this_session(p):
        raise NeedsConfirmationError(
            p,
            "exists",
            f"“{shown}” already exists and was not written by convgui in this session. "
            "Confirm that it may be replaced, or choose another name.",
        )
    return p


def files_to_overwrite(
    paths: Iterable[PathLike], *, protected: Iterable[PathLike | None] = ()
) -> list[Path]:
    """The files among ``paths`` that a save would replace without the user having asked.

    Use it before writing a set of files (PNG frames): when the list is not empty, ask the
    user, or write into :func:`new_subfolder` instead.

    Raises
    ------
    SaveError
        One of the paths is not a regular file (a folder, FIFO, device...).
    """
    protected = list(protected)
    out: list[Path] = []
    for path in paths:
        try:
            check_target(path, protected=protected)
        except NeedsConfirmationError:
            out.append(Path(path))
    return out


def new_subfolder(folder: PathLike, base: str) -> Path:
    """Create and return a new, empty folder ``folder/base`` (or ``base-2``, ``base-3``, ...).

    Raises
    ------
    SaveError
        The folder cannot be created (or its name holds a NUL character).
    """
    parent = Path(folder)
    if _has_nul(parent / base):
        raise SaveError(_nul_message(shown_name(parent / base)))
    for n in range(1, 10_000):
        candidate = parent / (base if n == 1 else f"{base}-{n}")
        try:
            candidate.mkdir(parents=True)
        except FileExistsError:
            continue
        except OSError as exc:
            raise SaveError(
                f"Cannot create the folder “{candidate}”: {exc.strerror or exc}. "
                "Choose a folder you can write to."
            ) from None
        return candidate
    raise SaveError(f"“{parent}” already holds too many “{base}” folders; choose another folder.")


def remove_own_files(paths: Iterable[PathLike]) -> list[Path]:
    """Delete those of ``paths`` that convgui wrote in this session (unchanged); keep the rest.

    Returns
    -------
    list of Path
        The files removed. A file the user made (or changed since) is never removed.
    """
    removed: list[Path] = []
    for path in paths:
        p = Path(path)
        if written_this_session(p):
            try:
                p.unlink()
            except OSError:
                continue
            with _written_lock:
                _written.pop(_key(p), None)
            removed.append(p)
    return removed


# --- writing ---------------------------------------------------------------------------------


def _write_all(fd: int, data: bytes | memoryview) -> None:
    """Write every byte of ``data`` to ``fd``; a write that makes no progress is an error."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[n:]


def atomic_write(
    path: PathLike,
    content: bytes | Callable[[Path], None],
    *,
    verify: Callable[[Path], None] | None = None,
    protected: Iterable[PathLike | None] = (),
    confirmed: bool = False,
) -> Path:
    """Write a file so that it is either complete and verified, or not changed at all.

    Parameters
    ----------
    path : path-like
        The target (see :func:`check_target` for what is refused).
    content : bytes or callable
        The bytes to write, or ``write(tmp)`` writing the temporary file itself.
    verify : callable, optional
        ``verify(tmp)`` reads the temporary file back and raises (:class:`SaveError`,
        ``OSError`` or ``ValueError``) when it is not what was meant to be written.
    protected, confirmed
        See :func:`check_target`.

    Returns
    -------
    Path
        The file written (symbolic links followed).

    Raises
    ------
    SaveError
        With the real reason (full disk, permission, a short write, a read-back that failed...).
        The old file is untouched and no temporary file is left.
    NeedsConfirmationError
        The target must not be replaced without asking (see :func:`check_target`).
    """
    target = check_target(path, protected=protected, confirmed=confirmed)
    shown = shown_name(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise SaveError(f"The folder “{folder}” does not exist. Choose another folder.")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise SaveError(
            f"Cannot write in “{folder}”: {exc.strerror or exc}. Choose a folder you can write to."
        ) from None
    tmp = Path(tmp_name)
    try:
        if isinstance(content, (bytes, bytearray, memoryview)):
            try:
                _write_all(fd, content)
                os.fsync(fd)
            finally:
                os.close(fd)
            expected: int | None = len(content)
        else:
            os.close(fd)
            content(tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            expected = None
        size = os.stat(tmp).st_size
        if expected is not None and size != expected:
            raise SaveError(
                f"Saving “{shown}” failed: only {size:,} of {expected:,} bytes were written "
                "(is the disk full?). Nothing was overwritten; free some space or choose "
                "another folder."
            )
        if expected is None and size == 0:
            raise SaveError(
                f"Saving “{shown}” failed: the file written is empty (is the disk full?). "
                "Nothing was overwritten; free some space or choose another folder."
            )
        if verify is not None:
            try:
                verify(tmp)
            except SaveError:
                raise
            except (OSError, ValueError, EOFError) as exc:
                raise SaveError(
                    f"Saving “{shown}” failed: the file written cannot be read back ({exc}). "
                    "Nothing was overwritten; free some space or choose another folder."
                ) from None
        # mkstemp makes the file private (0600); give it the mode a plain save would have.
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except OSError:
            mode = 0o666 & ~_UMASK
        os.chmod(tmp, mode)
        check_target(target, confirmed=True)  # still not a FIFO or folder in the meantime
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SaveError(
            f"Saving “{shown}” failed: {exc.strerror or exc}. Nothing was overwritten; "
            "free some space or choose another folder."
        ) from None
    except BaseException:  # SaveError, or anything a writer raises: never leave half a file
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    _remember(target)
    return target


def _fsync_folder(folder: Path) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


__all__ = [
    "MAX_TEXT_BYTES",
    "LoadError",
    "NeedsConfirmationError",
    "SaveError",
    "atomic_write",
    "check_target",
    "decode_text",
    "files_to_overwrite",
    "forget_written",
    "new_subfolder",
    "open_input",
    "read_bytes_bounded",
    "read_text_bounded",
    "remove_own_files",
    "shown_name",
    "stat_input",
    "written_this_session",
]
