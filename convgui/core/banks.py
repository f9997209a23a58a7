"""Filter banks of a convolution layer: presets and reshaping, in the Keras ``Conv2D`` layout.

A bank is what one layer holds: ``weights`` of shape ``(kh, kw, C_in // groups, C_out)`` (the
kernel layout of Keras ``Conv2D``, so Keras weights load unchanged), ``bias`` of shape
``(C_out,)`` and the number of ``groups``. Filter ``o`` reads the input channels of its group,
``g = o // (C_out // groups)``: channels ``g·C_in/groups`` up to ``(g + 1)·C_in/groups``.

Pure numpy; every function returns new arrays and never modifies its inputs.
"""

from __future__ import annotations

import io
import math
import struct
import tokenize
import zipfile
import zlib
from typing import IO, Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .imageops import BT601

F32 = NDArray[np.float32]

#: The bank presets, in menu order.
BANK_PRESETS: tuple[str, ...] = ("edges", "rgb_to_grey", "each_colour", "random")

#: What each preset is called in menus.
BANK_TITLES: dict[str, str] = {
    "edges": "Edges (Sobel x, Sobel y, Laplacian, identity)",
    "rgb_to_grey": "RGB → Grey (BT.601)",
    "each_colour": "Each Colour on Its Own (depthwise identity)",
    "random": "Random (He, seeded)",
}

#: The most filters a bank holds.
MAX_FILTERS = 64
#: The largest kernel side of a bank.
MAX_SIDE = 15
#: The most input channels a bank file may read (64 filters 15×15 on 64 channels is the
#: largest bank a file may hold: :data:`MAX_BANK_VALUES` numbers).
MAX_BANK_CHANNELS = 64
MAX_BANK_VALUES = MAX_SIDE * MAX_SIDE * MAX_BANK_CHANNELS * MAX_FILTERS
#: The largest float a weight, bias or padding value may be: the engine computes in float32.
FLOAT32_MAX = float(np.finfo(np.float32).max)

#: What reading a damaged ``.npy``/``.npz`` can raise (numpy, zipfile, zlib and the header
#: parser each have their own); :func:`read_npy` and :func:`read_npz` turn them into
#: ``ValueError``.
_READ_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    OSError,
    EOFError,
    KeyError,
    IndexError,
    TypeError,
    SyntaxError,
    RecursionError,
    MemoryError,
    NotImplementedError,
    RuntimeError,
    UnicodeDecodeError,
    struct.error,
    tokenize.TokenError,
    zipfile.BadZipFile,
    zlib.error,
)

_SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)
_SOBEL_Y = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64)
_LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float64)
_IDENTITY = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float64)


class Bank(NamedTuple):
    """A layer's filters: ``weights`` (kh, kw, C_in // groups, C_out), ``bias`` (C_out,)."""

    weights: F32
    bias: F32
    groups: int


def _check_channels(c_in: int) -> int:
    if isinstance(c_in, bool) or not isinstance(c_in, (int, np.integer)) or c_in < 1:
        raise ValueError(f"the number of input channels must be a positive int, got {c_in!r}")
    return int(c_in)


def check_bank(weights: ArrayLike, bias: ArrayLike | None, groups: int, c_in: int) -> Bank:
    """Validate a bank against an input of ``c_in`` channels and return it as float32 copies.

    Parameters
    ----------
    weights : array_like
        ``(kh, kw, C_in // groups, C_out)``.
    bias : array_like or None
        ``(C_out,)``; None means zeros.
    groups : int
        Divides both ``c_in`` and ``C_out``.
    c_in : int
        The input's channels.

    Returns
    -------
    Bank

    Raises
    ------
    ValueError
        Wrong rank, sizes out of range (1–15 per side, 1–64 filters), channels or groups that
        do not match, or values that are not finite. The message quotes what was wrong.

    Examples
    --------
    >>> check_bank(np.ones((3, 3, 1, 2)), None, 1, 1).bias
    array([0., 0.], dtype=float32)
    """
    c_in = _check_channels(c_in)
    w = np.asarray(weights)
    if w.dtype == object or w.dtype.kind not in "biuf":
        raise ValueError(f"weights must hold real numbers, got dtype {w.dtype}")
    if w.ndim != 4:
        raise ValueError(
            "weights must have 4 axes (kh, kw, C_in // groups, C_out), the Keras Conv2D "
            f"layout; got shape {w.shape}"
        )
    kh, kw, cg, c_out = (int(v) for v in w.shape)
    if not (1 <= kh <= 15 and 1 <= kw <= 15):
        raise ValueError(f"filters are 1×1 to 15×15, got {kh}×{kw}")
    if not 1 <= c_out <= MAX_FILTERS:
        raise ValueError(f"a bank holds 1 to {MAX_FILTERS} filters, got {c_out}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"groups must be a positive int, got {groups!r}")
    groups = int(groups)
    if c_in % groups or c_out % groups:
        raise ValueError(
            f"groups ({groups}) must divide both the input channels ({c_in}) and the number "
            f"of filters ({c_out})"
        )
    if cg != c_in // groups:
        raise ValueError(
            f"weights of shape {w.shape} read {cg} channel(s) per filter, but the input has "
            f"{c_in} channel(s) in {groups} group(s), so each filter reads {c_in // groups}"
        )
    if not np.all(np.isfinite(w)):
        raise ValueError("every weight must be a finite number")
    if bias is None:
        b = np.zeros(c_out, dtype=np.float32)
    else:
        b = np.asarray(bias)
        if b.dtype == object or b.dtype.kind not in "biuf":
            raise ValueError(f"bias must hold real numbers, got dtype {b.dtype}")
        if b.shape != (c_out,):
            raise ValueError(f"bias must have shape ({c_out},), one per filter, got {b.shape}")
        if not np.all(np.isfinite(b)):
            raise ValueError("every bias must be a finite number")
    return Bank(w.astype(np.float32, copy=True), b.astype(np.float32, copy=True), groups)


class BankFileError(ValueError):
    """A bank file that cannot be read (the message says why, without the file's name)."""


def _check_header(stream: IO[bytes], what: str, max_values: int) -> None:
    """Read an ``.npy`` header from ``stream``; refuse what a bank cannot hold.

    Checks the dtype (real numbers, never objects) and the claimed shape (at most
    ``max_values`` values, at most 4 axes) before any data is read.
    """
    fmt = np.lib.format
    try:
        version = fmt.read_magic(stream)
        if version == (1, 0):
            shape, _fortran, dtype = fmt.read_array_header_1_0(stream)
        elif version in ((2, 0), (3, 0)):
            shape, _fortran, dtype = fmt.read_array_header_2_0(stream)
        else:
            raise BankFileError(f"unknown .npy format version {version}")
    except _READ_ERRORS as exc:
        raise BankFileError(f"the {what} is not a readable NumPy array ({_short(exc)})") from None
    if dtype.hasobject or dtype.kind not in "biuf":
        raise BankFileError(f"the {what} must hold real numbers, got dtype {dtype}")
    if len(shape) > 4:
        raise BankFileError(
            f"the {what} has {len(shape)} axes; a bank has 4 axes (kh, kw, channels in, "
            "filters), the Keras layout"
        )
    n = math.prod(int(v) for v in shape)
    if n > max_values:
        raise BankFileError(
            f"the {what} claims shape {shape} ({n:,} values); a bank holds at most "
            f"{max_values:,} ({MAX_FILTERS} filters of {MAX_SIDE}×{MAX_SIDE} on "
            f"{MAX_BANK_CHANNELS} channels)"
        )


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def read_npy(
    data: bytes, what: str = "kernel", max_values: int = MAX_BANK_VALUES
) -> NDArray[Any]:
    """The array of an ``.npy`` file's bytes, its header checked before the data is read.

    Parameters
    ----------
    data : bytes
        The file's bytes.
    what : str
        What the array is, for messages (``"kernel"``, ``"bias"``).
    max_values : int
        The most values the header may claim.

    Returns
    -------
    ndarray
        Real numbers (pickles are never loaded).

    Raises
    ------
    ValueError
        Not an ``.npy`` file, damaged, objects, or a shape larger than ``max_values``
        (refused from the header, before anything is allocated).

    Examples
    --------
    >>> buf = io.BytesIO()
    >>> np.save(buf, np.ones((1, 1, 1, 2)))
    >>> read_npy(buf.getvalue()).shape
    (1, 1, 1, 2)
    >>> read_npy(b"not numpy")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convgui.core.banks.BankFileError: the kernel is not a readable NumPy array (...)
    """
    _check_header(io.BytesIO(data), what, max_values)
    try:
        out = np.load(io.BytesIO(data), allow_pickle=False)
    except _READ_ERRORS as exc:
        raise BankFileError(
            f"the {what} cannot be read: the file is damaged ({_short(exc)})"
        ) from None
    if not isinstance(out, np.ndarray):
        raise BankFileError(f"the {what} is not one NumPy array")
    return out


def read_npz(
    data: bytes, names: tuple[str, ...] = ("kernel", "bias"), max_values: int = MAX_BANK_VALUES
) -> tuple[dict[str, NDArray[Any]], list[str]]:
    """The arrays ``names`` of an ``.npz`` file's bytes, each header checked first.

    Every member's uncompressed size (from the zip directory) and its ``.npy`` header are
    checked before its data is inflated, so an archive that inflates to gigabytes allocates
    nothing large.

    Returns
    -------
    (arrays, members)
        The arrays found among ``names``, and every array name the archive holds.

    Raises
    ------
    ValueError
        Not a zip archive, a damaged member, objects, or a member larger than a bank.

    Examples
    --------
    >>> buf = io.BytesIO()
    >>> np.savez(buf, kernel=np.ones((1, 1, 1, 2)))
    >>> arrays, members = read_npz(buf.getvalue())
    >>> arrays["kernel"].shape, members
    ((1, 1, 1, 2), ['kernel'])
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except _READ_ERRORS as exc:
        raise BankFileError(f"it is not a NumPy .npz archive ({_short(exc)})") from None
    out: dict[str, NDArray[Any]] = {}
    with zf:
        infos = {i.filename.removesuffix(".npy"): i for i in zf.infolist()}
        for name in names:
            info = infos.get(name)
            if info is None:
                continue
            # A member may hold the header (at most 64 kB) and max_values float64 numbers.
            limit = 65_536 + 8 * max_values
            if info.file_size > limit:
                raise BankFileError(
                    f"the {name} array would inflate to {info.file_size:,} bytes; a bank "
                    f"holds at most {max_values:,} values"
                )
            try:
                with zf.open(info) as member:
                    _check_header(member, name, max_values)
                with zf.open(info) as member:
                    raw = member.read(limit + 1)
            except BankFileError:
                raise
            except _READ_ERRORS as exc:
                raise BankFileError(
                    f"the {name} array cannot be read: the archive is damaged ({_short(exc)})"
                ) from None
            out[name] = read_npy(raw, name, max_values)
    return out, sorted(infos)


def _stack(kernels: list[NDArray[np.float64]], c_in: int) -> F32:
    # Each 2-D kernel applied to the channel mean: kernel / C_in on every channel.
    w = np.stack([np.repeat(k[:, :, None] / c_in, c_in, axis=2) for k in kernels], axis=3)
    return w.astype(np.float32)


def bank_preset(
    name: str,
    c_in: int,
    *,
    size: tuple[int, int] = (3, 3),
    filters: int = 8,
    groups: int = 1,
    seed: int = 0,
) -> Bank:
    """A named bank for an input of ``c_in`` channels.

    Parameters
    ----------
    name : {"edges", "rgb_to_grey", "each_colour", "random"}
        ``"edges"``: 4 filters 3×3: Sobel x, Sobel y, Laplacian and identity, each applied to
        the mean of the channels (every channel's kernel is the 2-D kernel divided by
        ``c_in``), so a colour image gives what its channel mean would give.
        ``"rgb_to_grey"``: one 1×1 filter with the ITU-R BT.601 weights 0.299, 0.587, 0.114
        (on 3 channels; on 1 channel the weight is 1, on any other count the mean).
        ``"each_colour"``: depthwise identity: ``groups = c_in``, one 3×3 identity filter per
        channel, so each output is one input channel unchanged.
        ``"random"``: ``filters`` filters of ``size``, He-normal (standard deviation
        ``sqrt(2 / fan_in)``, ``fan_in = kh·kw·c_in/groups``) from ``seed``; bias zero.
    c_in : int
        The input's channels.
    size, filters, groups, seed
        Used by ``"random"`` only.

    Returns
    -------
    Bank
        The bias is zero for every preset.

    Raises
    ------
    ValueError
        An unknown name, or ``random`` settings that do not fit (see :func:`check_bank`).

    Examples
    --------
    >>> b = bank_preset("rgb_to_grey", 3)
    >>> b.weights[0, 0, :, 0].tolist() == np.float32([0.299, 0.587, 0.114]).tolist()
    True
    >>> bank_preset("each_colour", 3).groups
    3
    """
    c_in = _check_channels(c_in)
    if name == "edges":
        w = _stack([_SOBEL_X, _SOBEL_Y, _LAPLACIAN, _IDENTITY], c_in)
        return Bank(w, np.zeros(4, np.float32), 1)
    if name == "rgb_to_grey":
        mean = np.full(c_in, 1.0 / c_in)
        coeffs = np.array(BT601, dtype=np.float64) if c_in == 3 else mean
        return Bank(coeffs.reshape(1, 1, c_in, 1).astype(np.float32), np.zeros(1, np.float32), 1)
    if name == "each_colour":
        w = np.zeros((3, 3, 1, c_in), dtype=np.float32)
        w[1, 1, 0, :] = 1.0
        return Bank(w, np.zeros(c_in, np.float32), c_in)
    if name == "random":
        kh, kw = (int(v) for v in size)
        shape_check = np.zeros((kh, kw, max(1, c_in // max(1, int(groups))), int(filters)))
        check_bank(shape_check, None, groups, c_in)  # the sizes are valid before drawing
        cg = c_in // groups
        std = math.sqrt(2.0 / (kh * kw * cg))
        rng = np.random.default_rng(seed)
        w = rng.normal(0.0, std, size=(kh, kw, cg, int(filters))).astype(np.float32)
        return Bank(w, np.zeros(int(filters), np.float32), int(groups))
    raise ValueError(f"unknown bank preset {name!r}; choose one of {', '.join(BANK_PRESETS)}")


def adapt_channels(weights: ArrayLike, groups: int, c_in_old: int, c_in_new: int) -> Bank:
    """The same filters for an input with another number of channels (grey ↔ colour).

    Each filter's stack of kernels is summed into one 2-D kernel (what the filter does to an
    image whose channels are all equal) and spread evenly over the channels it reads now, so a
    grey image and its colour version give the same feature maps. ``groups`` is kept when it
    still divides both counts, else it becomes 1 (a depthwise bank becomes depthwise again when
    it was ``groups = c_in_old`` and the filters divide ``c_in_new``).

    Returns
    -------
    Bank
        With a zero bias (the caller keeps its own bias; the filter count never changes).

    Examples
    --------
    >>> w = np.ones((1, 1, 1, 2), np.float32)
    >>> adapt_channels(w, 1, 1, 3).weights[0, 0, :, 0] * 3
    array([1., 1., 1.], dtype=float32)
    >>> adapt_channels(np.full((1, 1, 3, 1), 0.5), 1, 3, 1).weights.ravel().tolist()
    [1.5]
    """
    c_old, c_new = _check_channels(c_in_old), _check_channels(c_in_new)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(f"weights must have 4 axes, got shape {w.shape}")
    c_out = int(w.shape[3])
    if groups == c_old and c_out % c_new == 0 and groups > 1:
        new_groups = c_new
    elif c_new % groups == 0 and c_out % groups == 0:
        new_groups = groups
    else:
        new_groups = 1
    cg = c_new // new_groups
    total = w.sum(axis=2)  # (kh, kw, C_out)
    out = np.repeat(total[:, :, None, :] / cg, cg, axis=2)
    return Bank(out.astype(np.float32), np.zeros(c_out, np.float32), new_groups)


def resize_bank(weights: ArrayLike, rows: int, cols: int) -> F32:
    """Every kernel of the bank resized to ``rows × cols``, its values kept centred.

    As :func:`convgui.core.resize_centered`: the centre cell (``(n - 1) // 2``) stays the
    centre; growing adds zeros, shrinking crops the borders.

    Examples
    --------
    >>> w = np.arange(9, dtype=np.float32).reshape(3, 3, 1, 1)
    >>> resize_bank(w, 1, 1).ravel().tolist()
    [4.0]
    >>> resize_bank(w, 5, 5)[:, :, 0, 0][1:4, 1:4].ravel().tolist() == list(range(9))
    True
    """
    w = np.asarray(weights, dtype=np.float32)
    if w.ndim != 4:
        raise ValueError(f"weights must have 4 axes, got shape {w.shape}")
    if not (1 <= rows <= 15 and 1 <= cols <= 15):
        raise ValueError(f"filters are 1×1 to 15×15, got {rows}×{cols}")
    kh, kw = int(w.shape[0]), int(w.shape[1])
    out = np.zeros((rows, cols) + tuple(int(v) for v in w.shape[2:]), dtype=np.float32)

    def spans(old: int, new: int) -> tuple[slice, slice]:
        d = (new - 1) // 2 - (old - 1) // 2
        lo, hi = max(0, -d), min(old, new - d)
        return slice(lo, hi), slice(lo + d, hi + d)

    (src_r, dst_r), (src_c, dst_c) = spans(kh, rows), spans(kw, cols)
    out[dst_r, dst_c] = w[src_r, src_c]
    return out


def group_channels(c_in: int, c_out: int, groups: int) -> list[tuple[int, ...]]:
    """The input channels each filter reads, filter by filter.

    Examples
    --------
    >>> group_channels(3, 3, 3)
    [(0,), (1,), (2,)]
    >>> group_channels(4, 2, 2)
    [(0, 1), (2, 3)]
    """
    if groups < 1 or c_in % groups or c_out % groups:
        raise ValueError(
            f"groups ({groups}) must divide both the input channels ({c_in}) and the number "
            f"of filters ({c_out})"
        )
    cg, per = c_in // groups, c_out // groups
    return [tuple(range((o // per) * cg, (o // per + 1) * cg)) for o in range(c_out)]


def bank_to_json_data(bank: Bank) -> dict[str, Any]:
    """The weights (as nested lists, Keras layout) and bias of a bank, JSON-friendly."""
    return {
        "kernel": np.asarray(bank.weights, dtype=np.float64).tolist(),
        "bias": [float(v) for v in bank.bias],
        "groups": int(bank.groups),
    }


__all__ = [
    "BANK_PRESETS",
    "BANK_TITLES",
    "FLOAT32_MAX",
    "MAX_BANK_CHANNELS",
    "MAX_BANK_VALUES",
    "MAX_FILTERS",
    "MAX_SIDE",
    "Bank",
    "BankFileError",
    "adapt_channels",
    "bank_preset",
    "bank_to_json_data",
    "check_bank",
    "group_channels",
    "read_npy",
    "read_npz",
    "resize_bank",
]
