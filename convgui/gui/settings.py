"""What convgui remembers between runs, read back as untrusted input.

:func:`read_remembered` parses and validates every remembered value against the same limits as
the controls (kernel side, layer settings through :class:`~convgui.core.LayerParams` and the spin
boxes' ranges) and raises :class:`SettingsError` on anything it cannot use. :class:`Session`
applies the result; on any error it keeps the settings file aside, restores the defaults and says
so: the app always starts.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QSplitter, QWidget

from ..core import LayerParams, get_preset
from ..imageio import kernel_to_json
from ..state import DISPLAY_MODES, ExplorerState
from . import texts
from .text_size import TextSize

Notify = Callable[[str, str], None]

COLOR_MODES = ("gray", "rgb")
VALUE_SCALES = ("0-255", "0-1")


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
        for v in getattr(p, name):
            if not 1 <= v <= hi:
                raise SettingsError(f"{name.replace('_', ' ')} {v} is outside 1–{hi}")
    if isinstance(p.padding, tuple):
        for v in p.padding:
            if not 0 <= v <= texts.MAX_PAD:
                raise SettingsError(f"padding {v} is outside 0–{texts.MAX_PAD}")
    for name in ("cval", "divisor", "bias"):
        v = getattr(p, name)
        if abs(v) > texts.MAX_ABS_SETTING:
            raise SettingsError(f"{name} {v!r} is outside ±{texts.MAX_ABS_SETTING:g}")


def parse_kernel_setting(raw: object) -> tuple[np.ndarray, LayerParams]:
    """The kernel and layer settings from the remembered JSON text (validated)."""
    if not isinstance(raw, str):
        raise SettingsError(f"the kernel is not text but {type(raw).__name__}")
    try:
        data = json.loads(raw)
        kernel = np.array(data["kernel"], dtype=np.float64)
        params_data = data.get("params", {})
        if not isinstance(params_data, dict):
            raise TypeError("the layer settings are not a mapping")
        params = LayerParams.from_dict(params_data)
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
        raise SettingsError(f"the remembered kernel is damaged: {exc}") from exc
    if kernel.ndim != 2 or kernel.size == 0 or max(kernel.shape) > texts.MAX_KERNEL_SIDE:
        side = texts.MAX_KERNEL_SIDE
        raise SettingsError(f"the kernel must be 1×1 to {side}×{side}, got shape {kernel.shape}")
    if not np.all(np.isfinite(kernel)):
        raise SettingsError("the kernel holds a value that is not a finite number")
    check_limits(params)
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
    if path.is_file():
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SettingsError(f"the file is not UTF-8 text (byte {exc.start})") from exc


def read_remembered(st: QSettings) -> Remembered:
    """Read and validate every remembered value.

    Raises
    ------
    SettingsError
        Naming the first value that cannot be used.
    """
    _check_file(st)
    kernel = params = None
    if st.contains("kernel"):  # absent on the first run; present but unreadable is damage
        kernel, params = parse_kernel_setting(st.value("kernel"))
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


def keep_aside(st: QSettings) -> Path:
    """Copy the settings file to a free ``<name>.unreadable[-n]`` beside it; return the copy.

    Raises
    ------
    OSError
        When there is no such file or it cannot be copied.
    """
    path = Path(st.fileName())
    if not path.is_file():
        raise FileNotFoundError(f"no settings file at {path}")
    backup = path.with_name(path.name + ".unreadable")
    n = 1
    while backup.exists():
        n += 1
        backup = path.with_name(f"{path.name}.unreadable-{n}")
    shutil.copy2(path, backup)
    return backup


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
        """Apply the remembered values; False (and defaults, and a message) when unreadable."""
        try:
            self._apply(read_remembered(self.settings), window, splitter, text_size)
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
        s = self.state
        s.set_all(get_preset("identity"), LayerParams(), "Default settings")
        s.clear_history()
        s.set_display_mode("clip")
        s.set_color_mode("gray")
        s.set_value_scale("0-255")
        if text_size is not None:
            text_size.reset()
        self.notify("warning", message)

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
        st.setValue("displayMode", s.display_mode)
        st.setValue("colorMode", s.color_mode)
        st.setValue("valueScale", s.value_scale)
        if text_size is not None:
            st.setValue("textScale", text_size.scale)
        st.sync()
