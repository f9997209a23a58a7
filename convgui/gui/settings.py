"""What convgui remembers between runs, read back as untrusted input.

:func:`read_remembered` parses and validates every remembered value against the same limits as
the controls (kernel side, layer settings through :class:`~convgui.core.LayerParams` and the spin
boxes' ranges, the output size through :func:`~convgui.core.layer_shapes`) and raises
:class:`SettingsError` on anything it cannot use. :class:`Session` applies the result; on any
error it keeps the settings file aside, restores the defaults and says so: the app always starts.

The settings file itself is untrusted too: Qt reads it when the ``QSettings`` is made, without a
bound and blocking on a FIFO, so :func:`open_settings` checks it first (a regular file of at most
:data:`MAX_SETTINGS_BYTES`) and moves anything else aside before Qt sees it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, QStandardPaths
from PySide6.QtWidgets import QSplitter, QWidget

from .. import safeio
from ..core import LayerParams, get_preset, layer_shapes
from ..core.pipeline import OutputTooLargeError
from ..imageio import kernel_to_json
from ..state import DISPLAY_MODES, ExplorerState
from . import texts
from .text_size import TextSize

Notify = Callable[[str, str], None]

COLOR_MODES = ("gray", "rgb")
VALUE_SCALES = ("0-255", "0-1")
#: The smallest magnitude of a divisor the divisor field (4 decimals) can show.
MIN_ABS_DIVISOR = 1e-4
#: A settings file larger than this is refused before Qt reads it (a real one is a few kB).
MAX_SETTINGS_BYTES = 1_000_000
#: The dynamic property of a ``QSettings`` made by :func:`open_settings` from a file it refused:
#: the message :class:`Session` shows when it restores (with the defaults).
REFUSED_PROPERTY = "convguiRefusedSettings"


class SettingsError(ValueError):
    """A remembered value convgui cannot use; the message says which and why."""


@dataclass(frozen=True)
class Remembered:
    """Everything read back from the settings, validated (None: not remembered)."""

    kernel: np.ndarray | None = None
    params: LayerParams | None = None
    display_mode: str | None = None
    color_mode: str | None = None
    value_scale: str | None = None
    text_scale: float | None = None
    geometry: QByteArray | None = None
    splitter: QByteArray | None = None


def check_limits(p: LayerParams) -> None:
    """Raise :class:`SettingsError` when ``p`` is outside what the layer controls can show.

    Examples
    --------
    >>> check_limits(LayerParams(stride=16))
    >>> check_limits(LayerParams(stride=17))
    Traceback (most recent call last):
    ...
    convgui.gui.settings.SettingsError: stride 17 is outside 1–16
    """
    for name, hi in (
        ("stride", texts.MAX_STRIDE),
        ("dilation", texts.MAX_DILATION),
        ("pool_size", texts.MAX_POOL),
        ("pool_stride", texts.MAX_POOL),
    ):
        pair = getattr(p, name)
        shown = name.replace("_", " ")
        for v in pair:
            if not 1 <= v <= hi:
                raise SettingsError(f"{shown} {v} is outside 1–{hi}")
        if len(set(pair)) > 1:
            # The control sets rows and columns alike: it could show only one of the two.
            raise SettingsError(
                f"{shown} {pair[0]}×{pair[1]} differs between rows and columns; the {shown} "
                "control sets both alike"
            )
    if not isinstance(p.padding, str):
        pads = (p.padding,) if isinstance(p.padding, int) else p.padding
        for v in pads:
            if not 0 <= v <= texts.MAX_PAD:
                raise SettingsError(f"padding {v} is outside 0–{texts.MAX_PAD}")
    for name in ("cval", "divisor", "bias"):
        v = getattr(p, name)
        if abs(v) > texts.MAX_ABS_SETTING:
            raise SettingsError(f"{name} {v!r} is outside ±{texts.MAX_ABS_SETTING:g}")
    if 0 < abs(p.divisor) < MIN_ABS_DIVISOR:
        # The divisor field shows 4 decimals: it would show this divisor as 0.
        raise SettingsError(
            f"divisor {p.divisor!r} is closer to 0 than the divisor field can show "
            f"(±{MIN_ABS_DIVISOR:g})"
        )


def check_params(
    p: LayerParams, kernel_shape: tuple[int, int], image_shape: tuple[int, ...] | None = None
) -> None:
    """Check layer settings from a file the way the controls would: size first, then limits.

    Parameters
    ----------
    p : LayerParams
        The settings read from a kernel file or the remembered settings.
    kernel_shape : (kh, kw)
        The kernel they come with.
    image_shape : tuple of int, optional
        The current image's ``(H, W)``; when given, settings whose padded input, output or
        pooled map exceed the pixel limit are refused with the sizes (nothing is allocated).

    Raises
    ------
    SettingsError
        The output would be too large, or a value is outside its control's range.

    Examples
    --------
    >>> check_params(LayerParams(padding=60000), (3, 3), (6, 6))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convgui.gui.settings.SettingsError: With padding 60000/60000/60000/60000 the 6×6 image ...
    """
    if image_shape is not None:
        try:
            layer_shapes(image_shape, kernel_shape, p)
        except OutputTooLargeError as exc:
            raise SettingsError(str(exc)) from None
        except ValueError:
            pass  # no output at all: the window explains it, nothing is refused
    check_limits(p)


def parse_kernel_setting(
    raw: object, image_shape: tuple[int, ...] | None = None
) -> tuple[np.ndarray, LayerParams]:
    """The kernel and layer settings from the remembered JSON text (validated).

    With ``image_shape`` the settings are also checked against the pixel limit for that image
    (see :func:`check_params`).
    """
    if not isinstance(raw, str):
        raise SettingsError(f"the kernel is not text but {type(raw).__name__}")
    try:
        data = json.loads(raw)
        kernel = np.array(data["kernel"], dtype=np.float64)
        params_data = data.get("params", {})
        if not isinstance(params_data, dict):
            raise TypeError("the layer settings are not a mapping")
        params = LayerParams.from_dict(params_data)
    except RecursionError:
        raise SettingsError("the remembered kernel is damaged: it is nested too deeply") from None
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
        raise SettingsError(f"the remembered kernel is damaged: {exc}") from exc
    if kernel.ndim != 2 or kernel.size == 0 or max(kernel.shape) > texts.MAX_KERNEL_SIDE:
        side = texts.MAX_KERNEL_SIDE
        raise SettingsError(f"the kernel must be 1×1 to {side}×{side}, got shape {kernel.shape}")
    if not np.all(np.isfinite(kernel)):
        raise SettingsError("the kernel holds a value that is not a finite number")
    check_params(params, (int(kernel.shape[0]), int(kernel.shape[1])), image_shape)
    return kernel, params


def _choice(st: QSettings, key: str, choices: tuple[str, ...]) -> str | None:
    value = st.value(key)
    if value is None:
        return None
    if not isinstance(value, str) or value not in choices:
        raise SettingsError(f"{key} {value!r} is not one of {', '.join(choices)}")
    return value


def _bytes(st: QSettings, key: str) -> QByteArray | None:
    value = st.value(key)
    return value if isinstance(value, QByteArray) else None


def _check_file(st: QSettings) -> None:
    """An ini or native file that is not UTF-8 text was damaged (Qt would read it silently)."""
    path = Path(st.fileName())
    if st.status() != QSettings.Status.NoError:
        raise SettingsError(f"the file is not in the settings format ({st.status().name})")
    if not os.path.lexists(path):
        return
    try:  # bounded and non-blocking, whatever the file has become since Qt read it
        data = safeio.read_bytes_bounded(path, max_bytes=MAX_SETTINGS_BYTES, what="a settings file")
    except safeio.LoadError as exc:
        raise SettingsError(str(exc)) from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"the file is not UTF-8 text (byte {exc.start})") from exc


def read_remembered(st: QSettings, image_shape: tuple[int, ...] | None = None) -> Remembered:
    """Read and validate every remembered value.

    Parameters
    ----------
    st : QSettings
        The settings (made by :func:`open_settings`, or any ``QSettings`` in tests).
    image_shape : tuple of int, optional
        The current image's shape: remembered layer settings that would give an output past
        the pixel limit for it are refused.

    Raises
    ------
    SettingsError
        Naming the first value that cannot be used.
    """
    _check_file(st)
    kernel = params = None
    if st.contains("kernel"):  # absent on the first run; present but unreadable is damage
        kernel, params = parse_kernel_setting(st.value("kernel"), image_shape)
    scale = st.value("textScale")
    text_scale = None
    if scale is not None:
        try:
            text_scale = float(scale)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"text size {scale!r} is not a number") from exc
        lo, hi = texts.TEXT_SCALES[0], texts.TEXT_SCALES[-1]
        if not (math.isfinite(text_scale) and lo <= text_scale <= hi):
            raise SettingsError(f"text size {scale!r} is outside {lo}–{hi}")
    return Remembered(
        kernel=kernel,
        params=params,
        display_mode=_choice(st, "displayMode", DISPLAY_MODES),
        color_mode=_choice(st, "colorMode", COLOR_MODES),
        value_scale=_choice(st, "valueScale", VALUE_SCALES),
        text_scale=text_scale,
        geometry=_bytes(st, "geometry"),
        splitter=_bytes(st, "splitter"),
    )


def _free_backup_name(path: Path) -> Path:
    backup = path.with_name(path.name + ".unreadable")
    n = 1
    while os.path.lexists(backup):
        n += 1
        backup = path.with_name(f"{path.name}.unreadable-{n}")
    return backup


def keep_aside(st: QSettings) -> Path:
    """Copy the settings file to a free ``<name>.unreadable[-n]`` beside it; return the copy.

    A file that is not a small regular file (it became a FIFO, a device, a folder, a link loop,
    or grew past :data:`MAX_SETTINGS_BYTES`) is *moved* aside instead: it is never read.

    Raises
    ------
    OSError
        When there is no such file or it cannot be copied or moved.
    """
    path = Path(st.fileName())
    if not os.path.lexists(path):
        raise FileNotFoundError(f"no settings file at {path}")
    backup = _free_backup_name(path)
    try:
        small_regular = safeio.stat_input(path).st_size <= MAX_SETTINGS_BYTES
    except safeio.LoadError:
        small_regular = False
    if small_regular:
        shutil.copy2(path, backup)
    else:
        os.rename(path, backup)
    return backup


def default_settings_path() -> Path | None:
    """The file ``QSettings("convgui", "convgui")`` uses, where it is a file (None elsewhere).

    On Linux and other Unix systems Qt keeps native settings in
    ``$XDG_CONFIG_HOME/convgui/convgui.conf`` (``~/.config`` by default); on Windows and macOS
    they live in the registry or a property list that Qt reads itself.
    """
    if sys.platform in ("win32", "darwin"):
        return None
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    if not base:
        return None
    return Path(base) / "convgui" / "convgui.conf"


def refusal_reason(path: Path) -> str | None:
    """Why the settings file at ``path`` must not be handed to Qt, or None when it may.

    Only ``os.stat`` is used: nothing is opened, so a FIFO or a device cannot block.
    """
    if not os.path.lexists(path):
        return None  # the first run
    try:
        st = safeio.stat_input(path, "a settings file")
    except safeio.LoadError as exc:
        return str(exc)
    if st.st_size > MAX_SETTINGS_BYTES:
        return (
            f"the file is {st.st_size / 1e6:.1f} MB; a settings file is at most "
            f"{MAX_SETTINGS_BYTES / 1e6:g} MB"
        )
    return None


_scratch_folders: list[tempfile.TemporaryDirectory[str]] = []


def open_settings(path: str | os.PathLike[str] | None = None) -> QSettings:
    """The settings store, checked before Qt reads it.

    Parameters
    ----------
    path : path-like, optional
        An ini file (``CONVGUI_SETTINGS``, tests); None for the per-user native settings.

    Returns
    -------
    QSettings
        On the checked file. When the file was refused (not a regular file, or larger than
        :data:`MAX_SETTINGS_BYTES`) it was moved aside to ``<name>.unreadable[-n]`` and the
        settings start empty; the message for the user is the :data:`REFUSED_PROPERTY`
        property, shown by :meth:`Session.restore`. When it cannot even be moved, the settings
        of this run live in a scratch file and are not remembered.
    """
    file = Path(path) if path is not None else default_settings_path()
    reason = refusal_reason(file) if file is not None else None

    def make() -> QSettings:
        if path is None:
            return QSettings("convgui", "convgui")
        return QSettings(str(path), QSettings.Format.IniFormat)

    if reason is None or file is None:
        return make()
    try:
        backup = _free_backup_name(file)
        os.rename(file, backup)
    except OSError as err:
        scratch = tempfile.TemporaryDirectory(prefix="convgui-settings-")
        _scratch_folders.append(scratch)  # removed when the process exits
        st = QSettings(str(Path(scratch.name) / "settings.ini"), QSettings.Format.IniFormat)
        error = f"{err.strerror or err}; this run's settings will not be remembered"
        message = texts.SETTINGS_UNREADABLE_NO_FILE.format(reason=reason, error=error)
    else:
        st = make()
        message = texts.SETTINGS_UNREADABLE.format(reason=reason, backup=backup)
    st.setProperty(REFUSED_PROPERTY, message)
    return st


class Session:
    """Restore and save everything remembered.

    Parameters
    ----------
    state
        Receives the remembered kernel, layer settings and view options.
    settings
        Where they are kept.
    notify
        ``notify(level, text)``: how the user is told that settings were unreadable.
    """

    def __init__(self, state: ExplorerState, settings: QSettings, notify: Notify) -> None:
        self.state = state
        self.settings = settings
        self.notify = notify

    def restore(
        self,
        *,
        window: QWidget | None = None,
        splitter: QSplitter | None = None,
        text_size: TextSize | None = None,
    ) -> bool:
        """Apply the remembered values; False (and defaults, and a message) when unreadable.

        Remembered layer settings are checked against the current image (when there is one):
        settings whose output would exceed the pixel limit are refused like damaged ones.
        """
        refused = self.settings.property(REFUSED_PROPERTY)
        if isinstance(refused, str) and refused:
            self.settings.setProperty(REFUSED_PROPERTY, None)  # said once
            self._use_defaults(text_size)
            self.notify("warning", refused)
            return False
        doc = self.state.doc
        try:
            remembered = read_remembered(self.settings, doc.shape if doc is not None else None)
            self._apply(remembered, window, splitter, text_size)
        except Exception as exc:  # untrusted input: whatever went wrong, start with defaults
            self._fall_back(exc, text_size)
            return False
        return True

    def _apply(
        self,
        r: Remembered,
        window: QWidget | None,
        splitter: QSplitter | None,
        text_size: TextSize | None,
    ) -> None:
        s = self.state
        if window is not None and r.geometry is not None:
            window.restoreGeometry(r.geometry)
        if splitter is not None and r.splitter is not None:
            splitter.restoreState(r.splitter)
        if r.kernel is None or r.params is None:
            # First run: a kernel whose effect is visible at once.
            s.apply_preset(texts.FIRST_RUN_PRESET)
        else:
            s.set_all(r.kernel, r.params, "Restore last kernel")
        s.clear_history()
        if r.display_mode is not None:
            s.set_display_mode(r.display_mode)
        if r.color_mode is not None:
            s.set_color_mode(r.color_mode)
        if r.value_scale is not None:
            s.set_value_scale(r.value_scale)
        if text_size is not None and r.text_scale is not None:
            text_size.set_scale(r.text_scale)

    def _fall_back(self, exc: BaseException, text_size: TextSize | None) -> None:
        reason = str(exc) or type(exc).__name__
        try:
            backup = keep_aside(self.settings)
        except OSError as err:
            message = texts.SETTINGS_UNREADABLE_NO_FILE.format(reason=reason, error=err)
        else:
            message = texts.SETTINGS_UNREADABLE.format(reason=reason, backup=backup)
            self.settings.clear()
            self.settings.sync()
        self._use_defaults(text_size)
        self.notify("warning", message)

    def _use_defaults(self, text_size: TextSize | None) -> None:
        s = self.state
        s.set_all(get_preset("identity"), LayerParams(), "Default settings")
        s.clear_history()
        s.set_display_mode("clip")
        s.set_color_mode("gray")
        s.set_value_scale("0-255")
        if text_size is not None:
            text_size.reset()

    def save(
        self,
        *,
        window: QWidget | None = None,
        splitter: QSplitter | None = None,
        text_size: TextSize | None = None,
    ) -> None:
        """Remember layout, kernel, layer settings, view options and the text size."""
        st, s = self.settings, self.state
        if window is not None:
            st.setValue("geometry", window.saveGeometry())
        if splitter is not None:
            st.setValue("splitter", splitter.saveState())
        st.setValue("kernel", kernel_to_json(s.kernel, s.params))
        st.setValue("displayMode", s.chosen_display_mode)  # never an automatic switch
        st.setValue("colorMode", s.color_mode)
        st.setValue("valueScale", s.value_scale)
        if text_size is not None:
            st.setValue("textScale", text_size.scale)
        st.sync()
