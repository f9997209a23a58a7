"""Files: drops, saving and copying the output, kernels; what was written is read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_helpers import LESSON, assert_output_is_exact, choose, conv_of, drop_files
from PIL import Image
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton

from convgui.core import pool2d
from convgui.gui.files import Files
from convgui.gui.window import MainWindow
from convgui.imageio import load_image, load_kernel
from convgui.state import ExplorerState


def test_drop_an_image_file(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    pixels = np.random.default_rng(2).integers(0, 256, (9, 14), dtype=np.uint8)
    path = tmp_path / "dropped.png"
    Image.fromarray(pixels).save(path)
    window.state.apply_preset("box_blur")
    with qtbot.waitSignal(window.output_painted, timeout=2000):
        entered, dropped = drop_files(window, path)
    assert entered and dropped
    assert window.state.doc.path == str(path)
    assert np.array_equal(window.input_view.data, pixels)
    assert assert_output_is_exact(window).shape == (9, 14)
    assert "dropped.png" in window.windowTitle()
    assert window.recent_files()[0] == str(path)


def test_drop_a_bad_file_keeps_the_image(window: MainWindow, tmp_path: Path) -> None:
    doc, result = window.state.doc, window.state.result
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    drop_files(window, path)
    assert window.state.doc is doc
    assert window.state.result is result
    assert "Could not open the image" in window.message_bar.text
    assert "broken.png" in window.message_bar.text
    assert window.message_bar.level == "error"
    assert window.recent_files() == []


def test_drop_several_files_opens_the_first(window: MainWindow, tmp_path: Path) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(np.zeros((3, 4), np.uint8)).save(a)
    Image.fromarray(np.ones((5, 6), np.uint8)).save(b)
    drop_files(window, a, b)
    assert window.state.doc.path == str(a)
    assert "a.png" in window.statusBar().currentMessage()


def test_save_output_png_npy_and_16_bit(window: MainWindow, tmp_path: Path) -> None:
    window.state.apply_preset("lesson")
    data = np.array(window.output_view.data)
    assert window.save_output_path(tmp_path / "out.png")
    shown = np.floor(np.clip(data, 0, 255) + 0.5).astype(np.uint8)
    assert np.array_equal(load_image(tmp_path / "out.png").pixels, shown)
    assert window.save_output_path(tmp_path / "out.npy")
    raw = np.load(tmp_path / "out.npy")
    assert raw.dtype == np.float32
    assert np.array_equal(raw, data)
    assert window.save_output_path(tmp_path / "out.16.png")
    deep = load_image(tmp_path / "out.16.png")
    assert deep.bit_depth == 16
    want16 = np.floor(np.clip(data, 0, 255) / 255 * 65535 + 0.5).astype(np.uint16)
    assert np.array_equal(deep.pixels, want16)
    assert "out.16.png" in window.statusBar().currentMessage()


def test_save_output_in_diverging_mode_is_colour(window: MainWindow, tmp_path: Path) -> None:
    window.state.apply_preset("sobel_x")
    window.state.set_display_mode("diverging")
    assert window.save_output_path(tmp_path / "d.png")
    doc = load_image(tmp_path / "d.png")
    assert doc.is_color
    assert doc.shape == window.output_view.data.shape


def test_save_output_error_is_shown(window: MainWindow, tmp_path: Path) -> None:
    assert not window.save_output_path(tmp_path / "missing" / "o.png")
    assert "does not exist" in window.message_bar.text
    assert not window.save_output_path(tmp_path / "o.xyz")
    assert "cannot write" in window.message_bar.text


def test_copy_output_to_clipboard(window: MainWindow) -> None:
    window.files.copy_output()
    img = QGuiApplication.clipboard().image()
    assert not img.isNull()
    assert (img.width(), img.height()) == (6, 6)


def test_save_and_reload_kernel(window: MainWindow, tmp_path: Path) -> None:
    s = window.state
    s.set_kernel([[1 / 9, -2, 0], [0.5, 1, 0], [0, 0, 3]])
    s.set_params(padding="valid", boundary="wrap", activation="tanh", pool="avg")
    kernel, params = s.kernel, s.params
    assert window.files.save_kernel_path(tmp_path / "k.json")
    assert window.files.save_kernel_path(tmp_path / "k.txt")
    k_txt, p_txt = load_kernel(tmp_path / "k.txt")
    assert np.array_equal(k_txt, kernel) and p_txt is None
    s.apply_preset("identity")
    s.set_params(padding="same", activation="none", pool="none", boundary="zero")
    assert window.open_kernel_path(tmp_path / "k.json")
    assert np.array_equal(s.kernel, kernel)
    assert s.params == params
    assert s.undo_label == "Open kernel k.json"
    assert window.layer_panel.padding_combo.currentData() == "valid"


def test_open_a_bad_kernel_file(window: MainWindow, tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_text("1 2\n3\n")
    before = window.state.kernel
    assert not window.open_kernel_path(tmp_path / "bad.txt")
    assert window.state.kernel is before
    assert "Could not open the kernel" in window.message_bar.text
    assert "row 2 has 1 values" in window.message_bar.text


# --- Save Output with pooling: which map ----------------------------------------------------


def answer_which_map(qtbot: Any, button: str) -> None:
    """Click ``button`` (whichMapOutput / whichMapPooled / Cancel) in the question once it shows."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox), "Save Output did not ask which map"
        if button == "Cancel":
            target = box.button(QMessageBox.StandardButton.Cancel)
        else:
            target = box.findChild(QPushButton, button)
        asked.append(box.text())
        qtbot.mouseClick(target, Qt.MouseButton.LeftButton)

    asked: list[str] = []
    QTimer.singleShot(0, click)
    return asked  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("button", "which"), [("whichMapPooled", "pooled"), ("whichMapOutput", "output")]
)
def test_save_output_with_pooling_asks_which_map(
    window: MainWindow,
    qtbot: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    button: str,
    which: str,
) -> None:
    window.state.apply_preset("lesson")
    choose(qtbot, window.layer_panel.pool_combo, "max")
    r = window.state.result
    offered: list[str] = []

    def save_dialog(parent: Any, title: str, start: str, filters: str) -> tuple[str, str]:
        offered.append(Path(start).name)
        return str(tmp_path / "saved.png"), "PNG, 8-bit as displayed (*.png)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_dialog))
    asked = answer_which_map(qtbot, button)
    window.findChild(QAction, "saveOutputAction").trigger()
    assert asked and "6×6" in asked[0] and "3×3" in asked[0]  # both maps named with their size
    assert offered == [f"{which}.png"]
    data = r.pooled if which == "pooled" else r.activated
    saved = load_image(tmp_path / "saved.png").pixels
    assert saved.shape == data.shape  # 3×3 pooled, 6×6 output
    shown = np.floor(np.clip(data, 0, 255) + 0.5).astype(np.uint8)  # as displayed (clip)
    assert np.array_equal(saved, shown)


def test_save_output_with_pooling_cancel_saves_nothing(
    window: MainWindow, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.state.set_params(pool="max")
    called: list[object] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: called.append(a)))
    answer_which_map(qtbot, "Cancel")
    window.files.save_npy_dialog()
    assert called == []
    assert list(tmp_path.iterdir()) == []


def test_save_output_path_pooled_keeps_the_raw_pooled_values(
    window: MainWindow, tmp_path: Path
) -> None:
    files = window.files
    assert not files.save_output_path(tmp_path / "p.npy", "pooled")
    assert "no pooled map" in window.message_bar.text
    window.state.apply_preset("lesson")
    window.state.set_params(pool="avg")
    assert files.save_output_path(tmp_path / "p.npy", "pooled")
    want = pool2d(conv_of(window.state), 2, stride=2, op="avg")
    assert np.array_equal(np.load(tmp_path / "p.npy"), want)
    assert "Pooled map saved to p.npy" in window.statusBar().currentMessage()
    with pytest.raises(ValueError, match="'both'"):
        files.save_output_path(tmp_path / "x.npy", "both")  # type: ignore[arg-type]


def test_files_work_without_a_window(
    state: ExplorerState, tmp_path: Path, lesson_sample: Any
) -> None:
    told: list[tuple[str, str]] = []
    settings = QSettings(str(tmp_path / "f.ini"), QSettings.Format.IniFormat)
    files = Files(state, settings, lambda level, text: told.append((level, text)))
    assert files.open_sample(lesson_sample)
    assert np.array_equal(state.engine_image(), LESSON)
    pixels = np.arange(12, dtype=np.uint8).reshape(3, 4)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    assert files.open_path(tmp_path / "a.png")
    assert files.recent_files() == [str(tmp_path / "a.png")]
    assert files.dialog_dir() == str(tmp_path)
    assert not files.open_path(tmp_path / "missing.png")
    assert told[-1][0] == "error" and "missing.png" in told[-1][1]
    assert files.save_output_path(tmp_path / "o.npy")
    assert np.array_equal(np.load(tmp_path / "o.npy"), pixels.astype(np.float32))
    settings.setValue("recentFiles", 42)  # a damaged entry is dropped, not a crash
    assert files.recent_files() == []


# --- nothing replaced without asking ---------------------------------------------------------


def open_own_image(window: MainWindow, tmp_path: Path) -> Path:
    """Open a PNG of the user's (not written by convgui) and return its path."""
    path = tmp_path / "photo.png"
    Image.fromarray(np.arange(48, dtype=np.uint8).reshape(6, 8) * 5).save(path)
    assert window.open_path(path)
    return path


class Asked:
    """A replacement for :attr:`Files.ask` that records each question and gives one answer."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.questions: list[str] = []

    def __call__(self, title: str, text: str) -> bool:
        self.questions.append(text)
        return self.answer


@pytest.mark.parametrize("suffix", [".png", ".npy", ".float.tif"])
def test_saving_onto_the_opened_image_asks_and_no_keeps_it(
    window: MainWindow, tmp_path: Path, suffix: str
) -> None:
    photo = open_own_image(window, tmp_path)
    target = photo if suffix == ".png" else photo.with_name("photo" + suffix)
    if target != photo:  # the opened image under another name (a hard link): still protected
        target.hardlink_to(photo)
    before = photo.read_bytes()
    ask = window.files.ask = Asked(False)
    assert not window.save_output_path(target)
    assert len(ask.questions) == 1
    assert ask.questions[0].startswith(f"“{target.name}” is the image you opened. Replace it")
    assert photo.read_bytes() == before
    assert "left as it was" in window.statusBar().currentMessage()


def test_saving_onto_the_opened_image_replaces_it_on_yes(
    window: MainWindow, tmp_path: Path
) -> None:
    photo = open_own_image(window, tmp_path)
    ask = window.files.ask = Asked(True)
    assert window.save_output_path(photo)
    assert len(ask.questions) == 1
    want = np.floor(np.clip(window.output_view.data, 0, 255) + 0.5).astype(np.uint8)
    assert np.array_equal(load_image(photo).pixels, want)


def test_programmatic_save_never_replaces_the_opened_image(
    window: MainWindow, tmp_path: Path
) -> None:
    photo = open_own_image(window, tmp_path)
    before = photo.read_bytes()
    ask = window.files.ask = Asked(True)
    assert not window.save_output_path(photo, confirm=False)
    assert ask.questions == []  # not asked, and not replaced
    assert photo.read_bytes() == before
    assert window.message_bar.level == "error"
    assert "photo.png" in window.message_bar.text and "Nothing was saved" in window.message_bar.text


def test_a_dialog_path_to_the_opened_image_is_asked_about_again(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = open_own_image(window, tmp_path)
    before = photo.read_bytes()
    ask = window.files.ask = Asked(False)
    dialog = staticmethod(lambda *a: (str(photo), "PNG, 8-bit as displayed (*.png)"))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    window.files.save_output_dialog()
    assert len(ask.questions) == 1 and "is the image you opened" in ask.questions[0]
    assert photo.read_bytes() == before


def test_an_existing_file_chosen_in_the_dialog_is_replaced(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "old.npy"
    np.save(old, np.zeros(3))
    ask = window.files.ask = Asked(False)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: (str(old), "")))
    window.files.save_npy_dialog()
    assert ask.questions == []  # the dialog's own "replace?" was the question
    assert np.array_equal(np.load(old), window.output_view.data)


def test_an_existing_file_saved_by_path_is_asked_about(window: MainWindow, tmp_path: Path) -> None:
    old = tmp_path / "old.png"
    Image.fromarray(np.full((2, 2), 7, np.uint8)).save(old)
    before = old.read_bytes()
    ask = window.files.ask = Asked(False)
    assert not window.save_output_path(old)
    assert "already exists" in ask.questions[0]
    assert old.read_bytes() == before
    assert not window.save_output_path(old, confirm=False)
    assert old.read_bytes() == before and len(ask.questions) == 1
    # What convgui wrote itself in this session is replaced without a question.
    assert window.save_output_path(tmp_path / "mine.png", confirm=False)
    assert window.save_output_path(tmp_path / "mine.png", confirm=False)


def test_saving_the_kernel_over_a_users_file_asks(window: MainWindow, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    ask = window.files.ask = Asked(False)
    assert not window.files.save_kernel_path(notes)
    assert notes.read_text() == "my notes\n"
    assert "Replace it with the kernel?" in ask.questions[0]
    assert not window.files.save_kernel_path(notes, confirm=False)
    assert notes.read_text() == "my notes\n"
    window.files.ask = Asked(True)
    assert window.files.save_kernel_path(notes)
    assert np.array_equal(load_kernel(notes)[0], window.state.kernel)


def test_a_fifo_target_is_refused_at_once(window: MainWindow, tmp_path: Path) -> None:
    import os
    import time

    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    for confirm in (True, False):
        window.files.ask = Asked(True)  # even a "yes" would not make it write into a FIFO
        t0 = time.monotonic()
        assert not window.save_output_path(fifo, confirm=confirm)
        assert not window.files.save_kernel_path(fifo.with_name("pipe.png"))
        assert time.monotonic() - t0 < 2
        assert "named pipe (FIFO)" in window.message_bar.text
        assert "will not replace it" in window.message_bar.text
    assert fifo.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.png"]


# --- layer settings in kernel files: the controls' limits ------------------------------------


def write_kernel_json(path: Path, **params: object) -> Path:
    import json

    path.write_text(json.dumps({"kernel": [[0, 1, 0], [1, 2, 1], [0, 1, 0]], "params": params}))
    return path


def test_a_kernel_file_stride_past_the_control_is_refused(
    window: MainWindow, tmp_path: Path
) -> None:
    s = window.state
    kernel, params = s.kernel, s.params
    assert not window.open_kernel_path(write_kernel_json(tmp_path / "k40.json", stride=[40, 40]))
    assert s.kernel is kernel and s.params == params
    assert window.message_bar.level == "error"
    assert "k40.json" in window.message_bar.text
    assert "stride 40 is outside 1–16" in window.message_bar.text
    assert window.layer_panel.stride_spin.value() == params.stride[0]


def test_a_kernel_file_stride_in_range_loads_and_is_shown(
    window: MainWindow, tmp_path: Path
) -> None:
    assert window.open_kernel_path(write_kernel_json(tmp_path / "k3.json", stride=[3, 3]))
    assert window.state.params.stride == (3, 3)
    assert window.layer_panel.stride_spin.value() == 3
    assert window.layer_panel.stride_spin.text() == "3"


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"stride": [2, 3]}, "stride 2×3 differs between rows and columns"),
        ({"dilation": [9, 9]}, "dilation 9 is outside 1–8"),
        ({"padding": [0, 200, 0, 0]}, "padding 200 is outside 0–112"),
        ({"divisor": 1e-9}, "closer to 0 than the divisor field can show"),
        ({"bias": 5e6}, "bias 5000000.0 is outside"),
    ],
)
def test_kernel_file_settings_the_controls_cannot_show_are_refused(
    window: MainWindow, tmp_path: Path, params: dict[str, object], said: str
) -> None:
    before = window.state.params
    assert not window.open_kernel_path(write_kernel_json(tmp_path / "k.json", **params))
    assert window.state.params == before
    assert said in window.message_bar.text


def test_spin_boxes_show_a_value_past_their_range_as_it_is(window: MainWindow) -> None:
    """A value put into the state by its API (not a control) is shown, never clamped."""
    s, lp, kp = window.state, window.layer_panel, window.kernel_panel
    s.set_params(stride=(40, 40), dilation=(12, 12), padding=(300, 1, 2, 3), bias=3e6)
    assert lp.stride_spin.value() == 40 and lp.dilation_spin.value() == 12
    assert [sp.value() for sp in lp.pad_spins] == [300, 1, 2, 3]
    assert kp.bias_spin.value() == 3e6
    s.set_params(stride=(2, 2), dilation=(1, 1), padding="same", bias=0.0)
    assert lp.stride_spin.maximum() == 16 and lp.dilation_spin.maximum() == 8  # back to normal
    assert lp.pad_spins[0].maximum() == 112 and kp.bias_spin.maximum() == 1e6
    assert lp.stride_spin.value() == 2
