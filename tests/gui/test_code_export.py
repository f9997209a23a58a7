"""Edit ▸ Copy as Code and File ▸ Export Code…: the window's layer as code, copied or saved."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_helpers import choose, type_into_cell
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMenu

from convgui.codegen import TARGET_TITLES, TARGETS, layer_code
from convgui.core import LayerParams, run_layer
from convgui.gui import code_export
from convgui.gui.code_export import TARGET_KEY, CodeExportDialog
from convgui.gui.window import MainWindow

SETTINGS = LayerParams(
    padding="same",
    boundary="reflect",
    stride=(1, 2),
    divisor=4.0,
    bias=-3.0,
    activation="leaky_relu",
    pool="max",
    pool_size=(2, 2),
    pool_stride=(2, 2),
    pool_padding="same",
)
KERNEL = np.array([[1.0, 2.0], [-1.0, 0.5]])


def set_layer(window: MainWindow) -> None:
    assert window.state.set_all(KERNEL, SETTINGS, "Test layer")


def final_map(window: MainWindow) -> np.ndarray:
    """What the engine gives for the window's image, kernel and settings (pooled when on)."""
    s = window.state
    r = run_layer(s.engine_image(), s.kernel, s.params)
    return r.pooled if r.pooled is not None else r.activated


def run_code(code: str, image: np.ndarray) -> np.ndarray:
    scope: dict[str, Any] = {"image": np.array(image, dtype=np.float32)}
    exec(compile(code, "<clipboard>", "exec"), scope)
    return np.asarray(scope["output"])


def action(window: MainWindow, name: str) -> QAction:
    act = window.findChild(QAction, name)
    assert isinstance(act, QAction), f"no action {name}"
    return act


def assert_reproduces(code: str, window: MainWindow) -> None:
    want = final_map(window)
    got = run_code(code, window.state.engine_image())
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


# --- Edit ▸ Copy as Code --------------------------------------------------------------------


def test_copy_as_code_menu_lists_the_five_libraries(window: MainWindow) -> None:
    menus = [m for m in window.findChildren(QMenu) if m.title() == "Copy as &Code"]
    assert len(menus) == 1
    assert [a.text() for a in menus[0].actions()] == [TARGET_TITLES[t] for t in TARGETS]
    parent = menus[0].menuAction().associatedObjects()
    assert any(isinstance(m, QMenu) and m.title() == "&Edit" for m in parent)


@pytest.mark.parametrize("target", ["numpy", "scipy"])
def test_copied_code_runs_to_the_windows_output(window: MainWindow, target: str) -> None:
    set_layer(window)
    QGuiApplication.clipboard().clear()
    action(window, f"copyCode_{target}").trigger()
    text = QGuiApplication.clipboard().text()
    assert text == layer_code(KERNEL, SETTINGS, target)
    assert_reproduces(text, window)
    assert window.state.result is not None and window.state.result.pooled is not None
    np.testing.assert_allclose(
        run_code(text, window.state.engine_image()), window.state.result.pooled, atol=1e-4
    )
    message = window.statusBar().currentMessage()
    assert TARGET_TITLES[target] in message and "copied to the clipboard" in message


@pytest.mark.parametrize("target", ["opencv", "torch", "keras"])
def test_copy_as_code_for_the_other_libraries(window: MainWindow, target: str) -> None:
    set_layer(window)
    action(window, f"copyCode_{target}").trigger()
    text = QGuiApplication.clipboard().text()
    assert text == layer_code(KERNEL, SETTINGS, target)
    compile(text, "<clipboard>", "exec")
    assert TARGET_TITLES[target] in window.statusBar().currentMessage()


def test_the_shortcut_copies_numpy_code(window: MainWindow, qtbot: Any) -> None:
    set_layer(window)
    QGuiApplication.clipboard().clear()
    window.activateWindow()
    qtbot.keyClick(
        window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() != "", timeout=2000)
    assert QGuiApplication.clipboard().text() == layer_code(KERNEL, SETTINGS, "numpy")


# --- File ▸ Export Code… ----------------------------------------------------------------------


def open_export(window: MainWindow, qtbot: Any) -> CodeExportDialog:
    action(window, "exportCodeAction").trigger()
    dialog = window.findChild(CodeExportDialog)
    assert isinstance(dialog, CodeExportDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    return dialog


def test_export_dialog_shows_the_code_for_the_chosen_library(
    window: MainWindow, qtbot: Any
) -> None:
    set_layer(window)
    dialog = open_export(window, qtbot)
    assert window.code_export is dialog  # one attribute on the window
    assert dialog.editor.isReadOnly()
    fm = QFontMetrics(dialog.editor.font())
    assert fm.horizontalAdvance("iiiiiiiiii") == fm.horizontalAdvance("MMMMMMMMMM")  # monospace
    assert dialog.target.count() == len(TARGETS)
    for target in ("scipy", "torch", "numpy"):
        choose(qtbot, dialog.target, target)
        assert dialog.editor.toPlainText() == layer_code(KERNEL, SETTINGS, target)
        assert window.settings.value(TARGET_KEY) == target
    assert_reproduces(dialog.editor.toPlainText(), window)
    assert "torch" not in dialog.note.text() and "float32" in dialog.note.text()


def test_export_dialog_follows_kernel_and_settings_edits(window: MainWindow, qtbot: Any) -> None:
    set_layer(window)
    dialog = open_export(window, qtbot)
    type_into_cell(qtbot, window, 0, 0, "7")
    assert window.state.kernel[0, 0] == 7
    assert dialog.editor.toPlainText() == layer_code(window.state.kernel, SETTINGS, "numpy")
    assert re.search(r"\[\s*7\.0, ", dialog.editor.toPlainText())
    window.state.set_params(stride=(2, 2), pool="avg")
    assert 'pooling avg 2×2, stride 2×2, "same"' in dialog.editor.toPlainText()
    assert_reproduces(dialog.editor.toPlainText(), window)


def test_export_dialog_copy_button(window: MainWindow, qtbot: Any) -> None:
    set_layer(window)
    dialog = open_export(window, qtbot)
    choose(qtbot, dialog.target, "scipy")
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert text == layer_code(KERNEL, SETTINGS, "scipy")
    assert_reproduces(text, window)
    assert "SciPy" in window.statusBar().currentMessage()


def test_the_dialog_remembers_the_library(window: MainWindow, qtbot: Any) -> None:
    window.settings.setValue(TARGET_KEY, "opencv")
    dialog = open_export(window, qtbot)
    assert dialog.current_target == "opencv"
    assert "cv2.filter2D(" in dialog.editor.toPlainText()
    assert "opencv-python" in dialog.note.text()


# --- Save… --------------------------------------------------------------------------------------


class Answer:
    """A replacement for the dialog's "replace?" question that records being asked."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, title: str, text: str) -> bool:
        self.asked.append(text)
        return self.answer


def save_via_button(
    dialog: CodeExportDialog, qtbot: Any, monkeypatch: pytest.MonkeyPatch, path: Path
) -> list[str]:
    starts: list[str] = []

    def fake(parent: Any, title: str, start: str, filters: str) -> tuple[str, str]:
        starts.append(start)
        return str(path), filters.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    return starts


def test_save_writes_a_py_file_that_runs(
    window: MainWindow, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    set_layer(window)
    dialog = open_export(window, qtbot)
    choose(qtbot, dialog.target, "numpy")
    starts = save_via_button(dialog, qtbot, monkeypatch, tmp_path / "layer")
    assert starts and starts[0].endswith("convgui_layer_numpy.py")
    saved = tmp_path / "layer.py"
    assert saved.read_text(encoding="utf-8") == layer_code(KERNEL, SETTINGS, "numpy")
    assert_reproduces(saved.read_text(encoding="utf-8"), window)
    assert "layer.py" in window.statusBar().currentMessage()


def test_save_never_replaces_a_users_file_without_asking(
    window: MainWindow, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dialog = open_export(window, qtbot)
    theirs = tmp_path / "mine.py"
    theirs.write_text("print('my own work')\n", encoding="utf-8")
    no = Answer(False)
    dialog.ask = no
    assert not dialog.save_to(theirs)
    assert no.asked and "mine.py" in no.asked[0]
    assert theirs.read_text(encoding="utf-8") == "print('my own work')\n"
    assert "left as it was" in window.statusBar().currentMessage()
    yes = Answer(True)
    dialog.ask = yes
    assert dialog.save_to(theirs)
    assert theirs.read_text(encoding="utf-8") == dialog.code


def test_a_name_completed_with_py_is_asked_about(
    window: MainWindow, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The dialog asked about "notes", not about the "notes.py" that would be replaced."""
    dialog = open_export(window, qtbot)
    existing = tmp_path / "notes.py"
    existing.write_text("x = 1\n", encoding="utf-8")
    no = Answer(False)
    dialog.ask = no
    save_via_button(dialog, qtbot, monkeypatch, tmp_path / "notes")
    assert no.asked
    assert existing.read_text(encoding="utf-8") == "x = 1\n"


def test_saving_over_the_settings_file_asks_even_from_the_dialog(
    window: MainWindow, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = open_export(window, qtbot)
    window.settings.setValue(TARGET_KEY, "numpy")
    window.settings.sync()
    settings_file = Path(window.settings.fileName())
    before = settings_file.read_bytes()
    no = Answer(False)
    dialog.ask = no
    assert not dialog.save_to(settings_file, chosen_in_dialog=True)
    assert no.asked
    assert settings_file.read_bytes() == before


def test_a_save_error_is_shown_and_nothing_is_written(
    window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    dialog = open_export(window, qtbot)
    target = tmp_path / "missing-folder" / "layer.py"
    assert not dialog.save_to(target)
    assert not target.exists()
    assert window.message_bar.isVisible()
    assert "does not exist" in window.statusBar().currentMessage()


def test_open_dialog_reuses_one_dialog(window: MainWindow, qtbot: Any) -> None:
    first = code_export.open_dialog(window)
    first.close()
    assert code_export.open_dialog(window) is first


@pytest.mark.parametrize("chosen_in_dialog", [False, True])
def test_save_code_to_a_name_with_a_null_character_says_why(
    tmp_path: Path, chosen_in_dialog: bool
) -> None:
    """A pasted name can hold NUL: ``(False, message)`` naming the file, nothing written,
    nobody asked (the OS's ``ValueError: embedded null byte`` used to escape)."""
    asked: list[str] = []
    ok, message = code_export.save_code(
        "x = 1\n", str(tmp_path / "a\0b.py"), protected=[],
        ask=lambda t, q: asked.append(q) or True, chosen_in_dialog=chosen_in_dialog,
    )  # fmt: skip
    assert not ok and "a␀b.py" in message and "null character" in message
    assert asked == [] and list(tmp_path.iterdir()) == []


def test_copy_as_code_from_the_layer_mode_shows_the_kernel_it_copies(
    window: MainWindow,
) -> None:
    # The single kernel's code is what is copied: from the layer mode, the window first
    # shows that kernel (the user sees what they copied) and says so.
    window.findChild(QAction, "modeLayerAction").trigger()
    assert window.mode == "layer"
    window.findChild(QAction, "copyCode_numpy").trigger()
    assert window.mode == "kernel"
    assert QGuiApplication.clipboard().text() == layer_code(
        window.state.kernel, window.state.params, "numpy"
    )
    window.findChild(QAction, "modeLayerAction").trigger()
    dialog = code_export.open_dialog(window)
    assert window.mode == "kernel"
    dialog.close()
