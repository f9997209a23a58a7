"""A network you can open, run, edit and save: :class:`Network` (no Qt).

The structure is a JSON file (``name.json``) and the weights an ``.npz`` beside it
(``name.npz``, Keras layouts, members named ``layer/kernel`` and ``layer/bias``). The shipped
digits network, trained by ``tools/train_digits.py`` on MNIST digits, is
:meth:`Network.digits`; its held-out digits are :func:`digit_samples`.

Examples
--------
>>> import numpy as np
>>> net = Network.digits()
>>> p = net.predict(np.zeros((28, 28)))
>>> p.shape, round(float(p.sum()), 4)
((10,), 1.0)
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import struct
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .core.network import (
    MAX_WEIGHTS,
    LayerSpec,
    Shape,
    SummaryRow,
    check_input_shape,
    check_names,
    check_weights,
    default_names,
    forward,
    init_weights,
    network_dict,
    network_from_dict,
    network_summary,
    npz_key,
    output_shapes,
    pool_layer,
    softmax,
    weight_shapes,
)
from .resources import resource_path
from .safeio import LoadError, SaveError, atomic_write, check_target, read_bytes_bounded

Array = NDArray[Any]

#: The largest network structure file read (a JSON of a few kilobytes is usual).
MAX_JSON_BYTES = 1_000_000
#: The largest weights file read: :data:`MAX_WEIGHTS` float64 values and some room.
MAX_NPZ_BYTES = MAX_WEIGHTS * 8 + 1_000_000

#: Members of the weights file that describe the network rather than weigh it.
META_PREFIX = "meta/"
#: The most meta figures a weights file may hold.
MAX_META = 64
#: The largest ``.npy`` header read (numpy's own default limit).
MAX_HEADER_BYTES = 10_000

#: What a damaged zip archive or ``.npy`` member can raise while it is read.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    ValueError,
    KeyError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    OverflowError,
    MemoryError,
    SyntaxError,
)

#: Said after a weights file that does not fit its structure.
_MATCH_ADVICE = (
    "keep a network's .json and .npz together as convgui saved them, or remove the .npz "
    "to open the structure with new weights"
)


class NetworkFileError(ValueError):
    """A network file that cannot be read; the message says why and what to do."""


def _refuse_constant(text: str) -> float:
    raise ValueError(f"{text} is not a number JSON allows")


class Network:
    """An ordered stack of layers with their weights, for inputs of one shape.

    Parameters
    ----------
    layers : sequence of LayerSpec
        The structure; empty names are filled as Keras does.
    weights : sequence of mapping, optional
        One ``{"kernel": ..., "bias": ...}`` per layer (Keras layouts); new He-normal weights
        (seeded by ``seed``) when omitted.
    input_shape : sequence of int
        ``(H, W, C)`` (or ``(H, W)`` for one channel).
    name : str, optional
        Shown in the window and saved in the JSON.
    meta : mapping of str to float, optional
        Figures recorded with the weights (e.g. ``held_out_accuracy``).
    seed : int, optional
        Seed of new weights.

    Raises
    ------
    ValueError
        When the layers cannot read the input shape, or the weights do not fit the layers.
    """

    def __init__(
        self,
        layers: Sequence[LayerSpec],
        weights: Sequence[Mapping[str, ArrayLike]] | None = None,
        input_shape: Sequence[int] = (28, 28, 1),
        *,
        name: str = "",
        meta: Mapping[str, float] | None = None,
        seed: int = 0,
    ) -> None:
        specs = default_names(list(layers))
        check_names(specs)
        self._input_shape: Shape = check_input_shape(input_shape)
        self._shapes = output_shapes(specs, self._input_shape)
        #: True when the weights were made here (He-normal, seeded), not given or loaded.
        self.new_weights = weights is None
        if weights is None:
            rng = np.random.default_rng(seed)
            ins = [self._input_shape, *self._shapes[:-1]]
            weights = [init_weights(s, sh, rng) for s, sh in zip(specs, ins)]
        self._weights = check_weights(specs, self._input_shape, weights)
        for w in self._weights:
            for a in w.values():
                a.setflags(write=False)
        self._layers: tuple[LayerSpec, ...] = tuple(specs)
        self.name = name
        self.meta: dict[str, float] = {str(k): float(v) for k, v in (meta or {}).items()}

    # --- what it is --------------------------------------------------------------------------
    @property
    def layers(self) -> tuple[LayerSpec, ...]:
        """The layers, in order."""
        return self._layers

    @property
    def weights(self) -> list[dict[str, Array]]:
        """One dict of read-only float32 arrays per layer (empty for layers without weights)."""
        return [dict(w) for w in self._weights]

    @property
    def input_shape(self) -> Shape:
        """``(H, W, C)`` of the input."""
        return self._input_shape

    @property
    def output_shapes(self) -> list[Shape]:
        """Every layer's output shape."""
        return list(self._shapes)

    def input_shape_of(self, index: int) -> Shape:
        """The shape layer ``index`` reads."""
        return self._input_shape if index == 0 else self._shapes[index - 1]

    def summary(self) -> tuple[list[SummaryRow], int]:
        """The Keras ``model.summary()`` rows and the total parameter count."""
        return network_summary(self._layers, self._input_shape)

    def __repr__(self) -> str:
        kinds = ", ".join(s.name for s in self._layers)
        return f"Network({self.name!r}, input {self._input_shape}, layers [{kinds}])"

    # --- running it --------------------------------------------------------------------------
    def forward(self, x: ArrayLike) -> list[NDArray[np.floating]]:
        """Every layer's output for the input ``x`` (an ``(H, W)`` or ``(H, W, C)`` array).

        For the digits network ``x`` is a 28×28 array of floats in 0–1 (MNIST pixel / 255).
        """
        return forward(self._layers, self._weights, x, self._input_shape)

    def predict(self, x: ArrayLike) -> NDArray[np.floating]:
        """The class probabilities for ``x``: the last layer's output, summing to 1.

        A network whose last layer is not a softmax has one applied here.

        Raises
        ------
        ValueError
            When the network does not end in a vector (it has no classes), or ``x`` has the
            wrong shape or values that are not finite.
        """
        out = self.forward(x)[-1]
        if out.ndim != 1:
            raise ValueError(
                f"this network ends in a map of shape {out.shape}, not a vector of class "
                "scores; end it with flatten and dense layers to classify"
            )
        return out if self._layers[-1].type == "softmax" else softmax(out)

    # --- changing it (every change makes a new Network) ---------------------------------------
    def with_weight(self, index: int, key: str, value: ArrayLike) -> Network:
        """A copy in which layer ``index``'s ``key`` ("kernel" or "bias") is ``value``.

        The copy has no :attr:`meta`: figures measured on the old weights (the held-out
        accuracy…) do not describe the new ones, so they are not saved with them.
        """
        weights = self.weights
        if not 0 <= index < len(weights) or key not in weights[index]:
            raise ValueError(f"layer {index} has no {key!r}")
        weights[index] = {**weights[index], key: np.asarray(value)}
        return Network(self._layers, weights, self._input_shape, name=self.name)

    def with_layers(self, layers: Sequence[LayerSpec], *, seed: int = 0) -> Network:
        """A copy with a new structure, keeping the weights of every layer that still fits.

        A layer keeps its weights when a layer of the same name and settings read an input of
        the same shape before; other layers get new He-normal weights.
        """
        specs = default_names(list(layers))
        check_names(specs)
        shapes = output_shapes(specs, self._input_shape)
        old = {
            s.name: (s, self.input_shape_of(i), w)
            for i, (s, w) in enumerate(zip(self._layers, self._weights))
        }
        rng = np.random.default_rng(seed)
        weights = []
        for i, s in enumerate(specs):
            shape_in = self._input_shape if i == 0 else shapes[i - 1]
            prev = old.get(s.name)
            if (
                prev is not None
                and prev[0] == s
                and {k: v.shape for k, v in prev[2].items()} == weight_shapes(s, shape_in)
            ):
                weights.append(prev[2])
            else:
                weights.append(init_weights(s, shape_in, rng))
        return Network(specs, weights, self._input_shape, name=self.name)

    # --- files -------------------------------------------------------------------------------
    def structure_json(self) -> str:
        """The structure file's text."""
        return json.dumps(network_dict(self._layers, self._input_shape, self.name), indent=2) + "\n"

    def weights_npz(self) -> bytes:
        """The weights file's bytes (``layer/kernel``, ``layer/bias`` and ``meta/...``)."""
        arrays: dict[str, Array] = {}
        for s, w in zip(self._layers, self._weights):
            for key, arr in w.items():
                arrays[npz_key(s.name, key)] = arr
        for key, value in self.meta.items():
            arrays[META_PREFIX + key] = np.asarray(value, dtype=np.float64)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
        return buf.getvalue()

    def save(self, path: str | Path, *, confirmed: bool = False) -> tuple[Path, Path]:
        """Write ``stem.json`` and ``stem.npz`` (``path`` may name either, or neither suffix).

        Both files are written or neither is: a file this session did not write is not
        replaced unless ``confirmed`` (see :func:`convgui.safeio.check_target`), and this is
        decided for both before either is written; if the second write fails, the first file
        is put back as it was.

        Returns
        -------
        (Path, Path)
            The structure and weights files written.

        Raises
        ------
        convgui.safeio.NeedsConfirmationError
            Either file exists and was not written by convgui in this session (nothing written).
        convgui.safeio.SaveError
            Either file cannot be written (nothing changed).
        """
        json_path, npz_path = _paths(Path(path))
        text = self.structure_json().encode("utf-8")
        data = self.weights_npz()
        for target in (json_path, npz_path):
            check_target(target, confirmed=confirmed)

        def verify_npz(tmp: Path) -> None:
            _read_weights(tmp.read_bytes(), self._layers, self._input_shape)

        def verify_json(tmp: Path) -> None:
            network_from_dict(json.loads(tmp.read_text("utf-8")))

        had_npz = npz_path.exists()
        old_npz = _old_bytes(npz_path) if had_npz else None
        b = atomic_write(npz_path, data, verify=verify_npz, confirmed=confirmed)
        try:
            a = atomic_write(json_path, text, verify=verify_json, confirmed=confirmed)
        except BaseException:
            # Never leave new weights beside an old structure: put the old weights back (a
            # weights file too large to keep in memory was agreed to be replaced: it stays new).
            if not had_npz:
                b.unlink(missing_ok=True)
            elif old_npz is not None:
                with contextlib.suppress(SaveError):
                    atomic_write(b, old_npz, confirmed=True)
            raise
        return a, b

    @classmethod
    def load(cls, path: str | Path) -> Network:
        """Open a network: its ``.json`` structure and the ``.npz`` weights of the same name.

        ``path`` may name either file. A structure without a weights file gets new weights.

        Raises
        ------
        NetworkFileError
            When either file is missing, too large, damaged or does not match the other; the
            message names the file and says what is wrong.
        """
        json_path, npz_path = _paths(Path(path))
        try:
            raw = read_bytes_bounded(json_path, max_bytes=MAX_JSON_BYTES, what="a network file")
        except LoadError as exc:
            raise NetworkFileError(
                f"{exc} A network is a .json structure file (with its .npz)."
            ) from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise NetworkFileError(
                f"{json_path.name} is not UTF-8 text; a network structure is a JSON file "
                "saved by convgui. Open that file (or its .npz)."
            ) from None
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise NetworkFileError(
                f"{json_path.name} is nested too deeply to be a network; open a network "
                "structure saved by convgui."
            ) from None
        except json.JSONDecodeError as exc:
            raise NetworkFileError(
                f"{json_path.name} is not valid JSON ({exc.msg} at line {exc.lineno}, column "
                f"{exc.colno}); open a network structure saved by convgui."
            ) from None
        except (ValueError, OverflowError) as exc:
            raise NetworkFileError(
                f"{json_path.name} is not valid JSON ({exc}); open a network structure saved "
                "by convgui."
            ) from None
        try:
            specs, shape, name = network_from_dict(data)
        except RecursionError:
            raise NetworkFileError(
                f"{json_path.name} is nested too deeply to be a network; open a network "
                "structure saved by convgui."
            ) from None
        except (ValueError, TypeError, OverflowError) as exc:
            raise NetworkFileError(
                f"{json_path.name}: {exc}. Fix that in the file, or open another network."
            ) from None
        if not npz_path.exists():
            return cls(specs, None, shape, name=name)
        try:
            npz = read_bytes_bounded(npz_path, max_bytes=MAX_NPZ_BYTES, what="a weights file")
        except LoadError as exc:
            raise NetworkFileError(f"{exc} The weights of {json_path.name} are its .npz.") from None
        try:
            weights, meta = _read_weights(npz, specs, shape)
            return cls(specs, weights, shape, name=name, meta=meta)
        except (ValueError, TypeError, OverflowError, MemoryError) as exc:
            text = str(exc) or type(exc).__name__
            if not any(hint in text for hint in (_MATCH_ADVICE, "Save the network again")):
                text += f"; {_MATCH_ADVICE}"
            raise NetworkFileError(f"{npz_path.name}: {text}") from None

    @classmethod
    def digits(cls) -> Network:
        """The shipped digits network (read once; a Network never changes: edits make new ones)."""
        return _digits()


def digits_layers(filters: tuple[int, int] = (16, 32)) -> list[LayerSpec]:
    """The shipped digits network's structure, with these filter counts (names as shipped).

    conv1 (3×3, valid) → relu1 → pool1 (max 2) → conv2 (3×3, valid) → relu2 → pool2 → flatten
    → dense (10) → softmax, for a 28×28×1 input. ``tools/train_digits.py`` trains it; smaller
    ``filters`` give the same shapes for quick tests.

    Examples
    --------
    >>> [s.name for s in digits_layers()][:3]
    ['conv1', 'relu1', 'pool1']
    """
    return [
        LayerSpec("conv2d", name="conv1", filters=filters[0], kernel_size=(3, 3)),
        LayerSpec("activation", name="relu1", activation="relu"),
        pool_layer("max_pool", 2, name="pool1"),
        LayerSpec("conv2d", name="conv2", filters=filters[1], kernel_size=(3, 3)),
        LayerSpec("activation", name="relu2", activation="relu"),
        pool_layer("max_pool", 2, name="pool2"),
        LayerSpec("flatten", name="flatten"),
        LayerSpec("dense", name="dense", units=10),
        LayerSpec("softmax", name="softmax"),
    ]


@cache
def _digits() -> Network:
    return Network.load(resource_path("networks", "digits.json"))


def _paths(path: Path) -> tuple[Path, Path]:
    """The structure and weights files a path names (``net``, ``net.json`` or ``net.npz``)."""
    if path.suffix.lower() in (".json", ".npz"):
        path = path.with_suffix("")
    return path.with_name(path.name + ".json"), path.with_name(path.name + ".npz")


def _old_bytes(path: Path) -> bytes | None:
    """The bytes of a regular file about to be replaced (None when there is none)."""
    try:
        return read_bytes_bounded(path, max_bytes=MAX_NPZ_BYTES, what="a weights file")
    except LoadError:
        return None


def _read_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, shape: Shape | None
) -> Array:
    """One ``.npy`` member, its size and header checked before anything is inflated.

    ``shape`` is the shape the member must have; None for a meta figure (one number).
    """
    n = math.prod(shape) if shape is not None else 1
    limit = MAX_HEADER_BYTES + 8 * n + 16  # float64 is the widest real dtype read
    what = f"{name} ({'a figure' if shape is None else f'shape {shape}'})"
    if info.file_size > limit:
        raise ValueError(
            f"{name} would inflate to {info.file_size:,} bytes, more than {what} can hold; "
            f"the file is damaged or not a weights file; {_MATCH_ADVICE}"
        )
    fmt = np.lib.format
    try:
        with zf.open(info) as member:
            version = fmt.read_magic(member)
            if version == (1, 0):
                got, _fortran, dtype = fmt.read_array_header_1_0(
                    member, max_header_size=MAX_HEADER_BYTES
                )
            elif version in ((2, 0), (3, 0)):
                got, _fortran, dtype = fmt.read_array_header_2_0(
                    member, max_header_size=MAX_HEADER_BYTES
                )
            else:
                raise ValueError(f"unknown .npy version {version}")
    except _READ_ERRORS as exc:
        raise ValueError(
            f"{name} is not a readable NumPy array ({_short(exc)}); the file is damaged. "
            "Save the network again."
        ) from None
    if dtype.hasobject or dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, not {dtype}; {_MATCH_ADVICE}")
    if shape is None:
        if math.prod(got) != 1:
            raise ValueError(f"{name} must be one number, got shape {got}")
    elif tuple(got) != shape:
        raise ValueError(
            f"{name} has shape {tuple(got)}, but its layer needs {shape}; {_MATCH_ADVICE}"
        )
    try:
        with zf.open(info) as member:
            raw = member.read(limit + 1)
        arr = np.load(io.BytesIO(raw), allow_pickle=False)
    except _READ_ERRORS as exc:
        raise ValueError(
            f"{name} cannot be read: the file is damaged ({_short(exc)}). Save the network again."
        ) from None
    if not isinstance(arr, np.ndarray) or arr.shape != tuple(got):
        raise ValueError(f"{name} cannot be read: the file is damaged. Save the network again.")
    return arr


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def _read_weights(
    data: bytes, specs: Sequence[LayerSpec], shape: Shape
) -> tuple[list[dict[str, Array]], dict[str, float]]:
    """The weights (and meta figures) a weights file's bytes hold for the layers ``specs``.

    Every member's name, claimed size and ``.npy`` header are checked before its data is
    inflated, so a damaged or hostile archive allocates nothing larger than the layers need.
    """
    ins = [shape, *output_shapes(specs, shape)[:-1]]
    wanted: dict[str, tuple[int, str, Shape]] = {}
    for i, (s, sh) in enumerate(zip(specs, ins)):
        for key, wshape in weight_shapes(s, sh).items():
            wanted[npz_key(s.name, key)] = (i, key, wshape)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except _READ_ERRORS as exc:
        raise ValueError(
            f"it is not a NumPy .npz archive ({_short(exc)}); the weights of a network are "
            "the .npz convgui saved beside its .json"
        ) from None
    with zf:
        try:
            infos_list = zf.infolist()
        except _READ_ERRORS as exc:  # pragma: no cover - infolist is read by ZipFile()
            raise ValueError(f"the archive is damaged ({_short(exc)})") from None
        infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos_list:
            member = info.filename.removesuffix(".npy")
            if member in infos:
                raise ValueError(
                    f"it holds {member} twice; the file is damaged. Save the network again."
                )
            infos[member] = info
        missing = [m for m in wanted if m not in infos]
        if missing:
            raise ValueError(
                f"no weights for {', '.join(missing[:4])}{' …' if len(missing) > 4 else ''}; "
                f"the weights file does not match the structure: {_MATCH_ADVICE}"
            )
        extra = [m for m in infos if m not in wanted and not m.startswith(META_PREFIX)]
        if extra:
            raise ValueError(
                f"the weights file holds {', '.join(extra[:4])}"
                f"{' …' if len(extra) > 4 else ''}, which no layer has; it does not match "
                f"the structure: {_MATCH_ADVICE}"
            )
        meta_names = [m for m in infos if m.startswith(META_PREFIX)]
        if len(meta_names) > MAX_META:
            raise ValueError(
                f"it holds {len(meta_names)} figures under {META_PREFIX}; at most {MAX_META} "
                "are read. The file is not a weights file convgui saved."
            )
        weights: list[dict[str, Array]] = [{} for _ in specs]
        for member, (i, key, wshape) in wanted.items():
            weights[i][key] = _read_member(zf, infos[member], member, wshape)
        meta: dict[str, float] = {}
        for m in meta_names:
            arr = _read_member(zf, infos[m], m, None)
            value = float(arr.reshape(-1)[0])
            if math.isfinite(value):
                meta[m[len(META_PREFIX) :]] = value
    return weights, meta


def digit_samples() -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """The 100 shipped held-out MNIST digits (10 of each) and their labels.

    Returns
    -------
    images : ndarray, shape (100, 28, 28), float32
        Pixel / 255, white strokes on black as in MNIST.
    labels : ndarray, shape (100,), int64
    """
    with np.load(resource_path("networks", "digits_samples.npz"), allow_pickle=False) as f:
        images = f["images"].astype(np.float32) / 255.0
        labels = f["labels"].astype(np.int64)
    return images, labels
