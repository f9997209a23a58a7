"""Remembered settings: restored exactly, and unreadable ones never stop the app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_helpers import assert_output_is_exact
from PySide6.QtCore import QSettings

from convgui.core import LayerParams, get_preset
from convgui.gui import texts
from convgui.gui.settings import Session, SettingsError, check_limits, read_remembered
from convgui.gui.window import MainWindow
from convgui.state import ExplorerState, SyncExecutor


def test_settings_are_remembered(
    window: MainWindow, qtbot: Any, settings_path: Path, lesson_sample: Any
) -> None:
    s = window.state
    s.set_kernel([[0, 1, 0], [1, -4, 1], [0, 1, 0.25]])
    s.set_params(padding="valid", stride=2, pool="max", activation="relu")
    s.set_display_mode("stretch")
    s.set_value_scale("0-1")
    kernel, params = np.array(s.kernel), s.params
    window.close()
    saved = QSettings(str(settings_path), QSettings.Format.IniFormat)
    assert saved.value("geometry") and saved.value("splitter")

    state2 = ExplorerState(SyncExecutor())
    try:
        w2 = MainWindow(state2, QSettings(str(settings_path), QSettings.Format.IniFormat))
        qtbot.addWidget(w2)
        w2.restore_settings()
        w2.show()
        w2.open_sample(lesson_sample)
        assert np.array_equal(state2.kernel, kernel)
        assert state2.params == params
        assert state2.display_mode == "stretch"
        assert state2.value_scale == "0-1"
        assert not state2.can_undo  # restoring is not an edit
        assert w2.layer_panel.padding_combo.currentData() == "valid"
        assert w2.display_combo.currentData() == "stretch"
        assert_output_is_exact(w2)
        w2.close()
    finally:
        state2.close()


def test_corrupt_kernel_setting_falls_back_to_identity(
    qtbot: Any, state: ExplorerState, settings_path: Path
) -> None:
    st = QSettings(str(settings_path), QSettings.Format.IniFormat)
    st.setValue("kernel", "{not json")
    st.setValue("displayMode", "sepia")
    st.sync()
    w = MainWindow(state, st)
    qtbot.addWidget(w)
    w.restore_settings()
    assert np.array_equal(state.kernel, get_preset("identity"))
    assert state.display_mode == "clip"
    assert state.params == LayerParams()
    assert "Your settings could not be read" in w.statusBar().currentMessage()
    w.close()


# --- unreadable settings: defaults, a message, the old file kept -----------------------------

GOOD = get_preset("sharpen")


def kernel_json(stride: object = 1, kernel: object = None) -> str:
    return json.dumps(
        {
            "kernel": GOOD.tolist() if kernel is None else kernel,
            "params": {"stride": [stride, stride]},
        }
    )


def write_ini(path: Path, raw: bytes) -> None:
    path.write_bytes(b"[General]\n" + raw + b"\n")


CORRUPT = {
    "garbage kernel": b"kernel=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x1bgarbage)",
    "kernel not json": b"kernel=[[1, 2], [3",
    "15-digit stride": b"kernel=" + kernel_json(123456789012345).replace('"', '\\"').encode(),
    "16x16 kernel": b"kernel="
    + kernel_json(kernel=np.ones((16, 16)).tolist()).replace('"', '\\"').encode(),
    "not utf-8": b"kernel=\xff\xfe\x80\x81 not text\nvalueScale=0-1",
    "text size": b"textScale=1e300",
    "display mode": b"displayMode=sepia",
}


@pytest.mark.parametrize("case", list(CORRUPT))
def test_unreadable_settings_start_with_defaults_and_say_so(
    qtbot: Any, state: ExplorerState, settings_path: Path, lesson_sample: Any, case: str
) -> None:
    write_ini(settings_path, CORRUPT[case])
    original = settings_path.read_bytes()
    w = MainWindow(state, QSettings(str(settings_path), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.restore_settings()  # never raises
    w.show()
    w.open_sample(lesson_sample)  # and the app works
    assert np.array_equal(state.kernel, get_preset("identity"))
    assert state.params == LayerParams()
    assert (state.display_mode, state.color_mode, state.value_scale) == ("clip", "gray", "0-255")
    assert w.text_scale == 1.0
    assert not state.can_undo
    assert_output_is_exact(w)
    backup = settings_path.with_name(settings_path.name + ".unreadable")
    assert backup.read_bytes() == original  # nothing of the user's is lost
    text = w.message_bar.text  # still shown after the first image opened
    assert w.message_bar.level == "warning"
    assert text.startswith("Your settings could not be read (")
    assert f"defaults restored; the old file was kept as {backup}." in text
    w.close()
    # The next start reads the settings written on close: no message again.
    state2 = ExplorerState(SyncExecutor())
    try:
        told: list[tuple[str, str]] = []
        st = QSettings(str(settings_path), QSettings.Format.IniFormat)
        assert Session(state2, st, lambda *m: told.append(m)).restore()
        assert told == []
    finally:
        state2.close()


def test_a_second_unreadable_file_does_not_overwrite_the_first_backup(
    state: ExplorerState, settings_path: Path
) -> None:
    told: list[tuple[str, str]] = []
    for n, raw in enumerate((b"displayMode=sepia", b"displayMode=mauve"), start=1):
        write_ini(settings_path, raw)
        st = QSettings(str(settings_path), QSettings.Format.IniFormat)
        assert not Session(state, st, lambda *m: told.append(m)).restore()
        assert len(told) == n and told[-1][0] == "warning"
    first = settings_path.with_name("s.ini.unreadable")
    second = settings_path.with_name("s.ini.unreadable-2")
    assert b"sepia" in first.read_bytes() and b"mauve" in second.read_bytes()
    assert "sepia" in told[0][1]  # says what was wrong


def test_read_remembered_checks_the_controls_limits(settings_path: Path) -> None:
    st = QSettings(str(settings_path), QSettings.Format.IniFormat)
    st.setValue("kernel", kernel_json(16))
    assert read_remembered(st).params == LayerParams(stride=(16, 16))  # the spin box's maximum
    st.setValue("kernel", kernel_json(17))
    with pytest.raises(SettingsError, match="stride 17 is outside 1–16"):
        read_remembered(st)
    for params, match in (
        (LayerParams(dilation=9), "dilation 9"),
        (LayerParams(padding=(0, 113, 0, 0)), "padding 113"),
        (LayerParams(pool_size=9), "pool size 9"),
        (LayerParams(bias=2e6), "bias"),
        # One spin box sets rows and columns alike: it could not show 3 and 1 at once.
        (LayerParams(stride=(3, 1)), "stride 3×1 differs between rows and columns"),
        (LayerParams(padding=60000), "padding 60000 is outside 0–112"),
    ):
        with pytest.raises(SettingsError, match=match):
            check_limits(params)


def test_limits_match_the_controls(window: MainWindow) -> None:
    lp = window.layer_panel
    assert lp.stride_spin.maximum() == texts.MAX_STRIDE
    assert lp.dilation_spin.maximum() == texts.MAX_DILATION
    assert lp.pool_size_spin.maximum() == lp.pool_stride_spin.maximum() == texts.MAX_POOL
    assert lp.pad_spins[0].maximum() == texts.MAX_PAD
    assert window.kernel_panel.rows_spin.maximum() == texts.MAX_KERNEL_SIDE
    assert lp.cval_spin.maximum() == texts.MAX_ABS_SETTING


# --- the settings file itself is untrusted: checked before Qt reads it -----------------------


def make_special(kind: str, path: Path) -> None:
    import os

    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path.mkdir()
        (path / "inside.txt").write_text("kept")
    elif kind == "link-loop":
        path.symlink_to(path.name)
    elif kind == "huge":
        with path.open("wb") as fh:
            fh.write(b"[General]\ndisplayMode=clip\n")
            fh.write(b"; " + b"x" * 2_000_000 + b"\n")
    else:  # pragma: no cover - a typo in the parameter list
        raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder", "link-loop", "huge"])
def test_a_special_settings_file_is_refused_at_once(
    qtbot: Any, state: ExplorerState, tmp_path: Path, lesson_sample: Any, kind: str
) -> None:
    import os
    import time

    from convgui.gui.settings import open_settings

    path = tmp_path / "s.ini"
    make_special(kind, path)
    t0 = time.monotonic()
    st = open_settings(path)  # Qt would block on the FIFO or read /dev/zero forever
    w = MainWindow(state, st)
    qtbot.addWidget(w)
    w.restore_settings()
    w.show()
    w.open_sample(lesson_sample)
    assert time.monotonic() - t0 < 3
    assert np.array_equal(state.kernel, get_preset("identity"))
    assert state.params == LayerParams()
    assert_output_is_exact(w)
    text = w.message_bar.text
    backup = tmp_path / "s.ini.unreadable"
    assert text.startswith("Your settings could not be read (")
    assert f"defaults restored; the old file was kept as {backup}." in text
    assert os.path.lexists(backup)  # moved aside, never read
    if kind == "fifo":
        assert backup.is_fifo()
    elif kind == "folder":
        assert (backup / "inside.txt").read_text() == "kept"
    elif kind in ("dev-zero", "link-loop"):
        assert backup.is_symlink()
    w.close()  # the settings are saved into a new, regular file
    assert path.is_file() and not path.is_symlink()
    assert Session(state, open_settings(path), lambda *m: None).restore()


def test_open_settings_leaves_a_good_file_alone(tmp_path: Path) -> None:
    from convgui.gui.settings import REFUSED_PROPERTY, open_settings

    path = tmp_path / "s.ini"
    write_ini(path, b"displayMode=stretch")
    st = open_settings(path)
    assert st.value("displayMode") == "stretch"
    assert st.property(REFUSED_PROPERTY) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.ini"]


def test_a_settings_file_that_cannot_be_moved_aside_still_starts(
    state: ExplorerState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from convgui.gui import settings as settings_module

    path = tmp_path / "s.ini"
    os.mkfifo(path)

    def no_rename(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(settings_module.os, "rename", no_rename)
    st = settings_module.open_settings(path)
    assert Path(st.fileName()) != path
    told: list[tuple[str, str]] = []
    assert not Session(state, st, lambda *m: told.append(m)).restore()
    assert told[0][0] == "warning"
    assert "named pipe (FIFO)" in told[0][1]
    assert "Permission denied; this run's settings will not be remembered" in told[0][1]
    assert path.is_fifo()


def test_remembered_layer_settings_past_the_pixel_limit_are_refused(
    window: MainWindow, settings_path: Path
) -> None:
    st = window.settings
    st.setValue(
        "kernel",
        json.dumps({"kernel": GOOD.tolist(), "params": {"padding": [60000] * 4}}),
    )
    st.sync()
    told: list[tuple[str, str]] = []
    assert not Session(window.state, st, lambda *m: told.append(m)).restore()
    assert window.state.params == LayerParams()
    assert "the 6×6 image becomes 120006×120006 (14,401.4 megapixels)" in told[0][1]
    assert told[0][1].startswith("Your settings could not be read (With padding 60000/")


def test_closing_with_the_lesson_open_remembers_the_users_work_not_the_lessons(
    qtbot: Any, tmp_path: Path
) -> None:
    from PySide6.QtCore import QSettings

    from convgui.core import LayerParams
    from convgui.resources import samples
    from convgui.state import ExplorerState, SyncExecutor

    ini = str(tmp_path / "s.ini")
    s = ExplorerState(SyncExecutor())
    w = MainWindow(s, QSettings(ini, QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.open_sample(samples()[1])
    s.set_all(np.array([[1.0, 0.0, -1.0]]), LayerParams(stride=(2, 2)), "mine")
    w.start_lesson()
    w.lesson.go(8)
    w.close()
    s.close()
    s2 = ExplorerState(SyncExecutor())
    w2 = MainWindow(s2, QSettings(ini, QSettings.Format.IniFormat))
    qtbot.addWidget(w2)
    w2.restore_settings()
    assert np.array_equal(s2.kernel, [[1.0, 0.0, -1.0]])
    assert s2.params.stride == (2, 2) and s2.params.pool == "none"
    w2.close()
    s2.close()


def test_an_automatic_diverging_is_not_remembered_as_a_choice(qtbot: Any, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from convgui.core import get_preset
    from convgui.resources import samples
    from convgui.state import ExplorerState, SyncExecutor

    ini = str(tmp_path / "s.ini")
    s = ExplorerState(SyncExecutor())
    w = MainWindow(s, QSettings(ini, QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.open_sample(samples()[0])
    s.apply_preset("sobel_x")
    assert s.display_mode == "diverging"  # automatic
    w.close()
    s.close()
    s2 = ExplorerState(SyncExecutor())
    w2 = MainWindow(s2, QSettings(ini, QSettings.Format.IniFormat))
    qtbot.addWidget(w2)
    w2.restore_settings()
    w2.open_sample(samples()[0])
    assert s2.chosen_display_mode == "clip"
    s2.set_kernel(get_preset("gaussian_3"))  # no negative values: clip, nothing says negative
    assert s2.display_mode == "clip"
    assert "negative" not in w2.display_label.text().lower()
    w2.close()
    s2.close()


def test_the_lesson_does_not_turn_an_automatic_switch_into_a_choice(window: MainWindow) -> None:
    s = window.state
    s.apply_preset("sobel_x")
    assert s.display_mode == "diverging" and s.display_decision.automatic
    window.start_lesson()
    window.lesson.go(2)
    window.lesson.finish()
    assert s.display_mode == "diverging" and s.display_decision.automatic
    s.apply_preset("box_blur")  # all positive: the automatic switch is undone
    assert s.display_mode == "clip"
