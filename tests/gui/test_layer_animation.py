"""The layer animation in the window: the sums on a colour image, the map filling in, keys,
scrub and clicks, the transposed views, the Animation menu in layer mode, export through the
single-kernel mode's dialog (PNG, GIF, SVG, PDF; spans, crops, others' files kept), text size,
and the single-kernel mode after it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_helpers import assert_output_is_exact, type_into_cell
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from convgui.core.layer import conv2d_layer, conv_transpose2d
from convgui.core.text import pretty_number
from convgui.gui import export as ex
from convgui.gui import layer_mode
from convgui.gui.export import ExportDialog
from convgui.gui.layer_animation import LayerAnimation, LayerFrames
from convgui.gui.window import MainWindow
from convgui.imageio import ImageDoc

RNG = np.random.default_rng(7)
COLOUR = RNG.integers(0, 256, (9, 11, 3)).astype(np.uint8)
SVG_NS = "{http://www.w3.org/2000/svg}"


def qimage_rgb(img: QImage) -> np.ndarray:
    conv = img.convertToFormat(QImage.Format.Format_RGB888)
    h, w = conv.height(), conv.width()
    buf = np.frombuffer(conv.constBits(), dtype=np.uint8, count=conv.sizeInBytes())
    return buf.reshape(h, conv.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def enter(window: MainWindow, qtbot: Any) -> tuple[layer_mode.LayerMode, LayerAnimation]:
    window.state.set_color_mode("rgb")
    window.set_document(ImageDoc(COLOUR, name="colour"))
    act = window.findChild(QAction, "modeLayerAction")
    assert act is not None
    act.trigger()
    lm: layer_mode.LayerMode = window.layer_mode  # type: ignore[attr-defined]
    assert lm.layer.wait_idle()
    qtbot.waitUntil(lambda: lm.layer.result is not None and lm.layer.c_in == 3, timeout=3000)
    return lm, lm.page.animation


def press(qtbot: Any, lm: layer_mode.LayerMode, key: Qt.Key) -> None:
    lm.page.map_view.setFocus()
    qtbot.keyClick(lm.page.map_view, key)


def test_panel_numbers_are_the_layer_value_for_three_channels(
    qtbot: Any, window: MainWindow
) -> None:
    lm, anim = enter(window, qtbot)
    layer = lm.layer
    layer.apply_preset("random")
    assert layer.wait_idle()
    layer.set_bias(1, "2.5")
    layer.select(1)
    assert layer.wait_idle()
    c = anim.controller
    c.step(1)
    c.step(1)
    rc = c.position_rc()
    assert rc == (0, 2)
    frame = c.current_frame()
    assert frame is not None and frame.filter == 1
    x = COLOUR.astype(np.float64)
    w = np.array(layer.weights)
    b = np.array(layer.bias)
    want = conv2d_layer(x, w, b, padding="same")[rc[0], rc[1], 1]
    # a naive sum written here: "same" zero padding of one cell around a 3×3 window
    naive = [0.0, 0.0, 0.0]
    for ch in range(3):
        for a in range(3):
            for bb in range(3):
                i, j = rc[0] + a - 1, rc[1] + bb - 1
                if 0 <= i < 9 and 0 <= j < 11:
                    naive[ch] += x[i, j, ch] * w[a, bb, ch, 1]
    np.testing.assert_allclose(frame.channel_sums, naive, rtol=1e-12)
    assert frame.value == pytest.approx(sum(naive) + 2.5, rel=1e-12)
    assert frame.value == pytest.approx(float(want), rel=1e-12)
    text = anim.panel.arith.text().splitlines()
    assert [t.split(":")[0] for t in text[1:4]] == ["R", "G", "B"]
    for line, s in zip(text[1:4], naive, strict=True):
        assert line.endswith(f"= {pretty_number(s)}")
    assert text[4].startswith("sum_R + sum_G + sum_B + bias = ")
    assert text[4].endswith(f" + 2.5 = {pretty_number(frame.value)}")
    # the window is outlined on the large input and on every channel tile
    assert anim.overlay.in_window.taps.isVisible()
    assert all(m.isVisible() and m.frame is frame for m in anim.overlay.marks)
    assert len(anim.overlay.marks) == 3
    # a grouped layer: filter 1 of 3 (depthwise) reads only G, so only G's tile is outlined
    layer.apply_preset("each_colour")
    assert layer.wait_idle()
    layer.select(1)
    qtbot.waitUntil(lambda: layer.result is not None and layer.settings.groups == 3, timeout=3000)
    frame = c.current_frame()
    assert frame is not None and frame.channels == (1,)
    assert [m.isVisible() for m in anim.overlay.marks] == [False, True, False]
    lines = anim.panel.arith.text().splitlines()
    assert lines[1].startswith("G: ") and lines[2].startswith("sum_G + bias = ")
    # the padding cells are drawn around the input (the window reads row −1)
    assert anim.overlay.ring.tint.isVisible()


def test_map_fills_in_and_is_whole_when_stopped(qtbot: Any, window: MainWindow) -> None:
    _, anim = enter(window, qtbot)
    c, cover = anim.controller, anim.overlay.cover
    assert not cover.covering  # nothing hidden before the animation starts
    c.step(1)
    assert cover.covering
    for _ in range(14):
        c.step(1)
    assert c.position_rc() == (1, 4)
    # everything after (1, 4) is covered: the rest of row 1 and the rows below
    assert cover.rest_of_row.rect().getRect() == (5.0, 1.0, 6.0, 1.0)
    assert cover.rows_below.rect().getRect() == (0.0, 2.0, 11.0, 7.0)
    assert cover.current.rect().getRect() == (4.0, 1.0, 1.0, 1.0)
    c.to_end()
    assert not cover.rest_of_row.rect().width() and not cover.rows_below.rect().height()
    c.stop()
    assert not cover.covering and not anim.overlay.in_window.taps.isVisible()
    assert "Press Play" in anim.panel.arith.text()


def test_keys_scrub_and_map_clicks_move_the_position(qtbot: Any, window: MainWindow) -> None:
    lm, anim = enter(window, qtbot)
    c = anim.controller
    press(qtbot, lm, Qt.Key.Key_Right)
    press(qtbot, lm, Qt.Key.Key_Right)
    assert c.playback.position == 2 and c.active
    press(qtbot, lm, Qt.Key.Key_Left)
    assert c.playback.position == 1
    press(qtbot, lm, Qt.Key.Key_End)
    assert c.position_rc() == (8, 10)
    press(qtbot, lm, Qt.Key.Key_Home)
    assert c.playback.position == 0
    press(qtbot, lm, Qt.Key.Key_Space)
    assert c.model.playing and c.timer.isActive()
    qtbot.waitUntil(lambda: c.playback.position >= 1, timeout=3000)
    press(qtbot, lm, Qt.Key.Key_Space)
    assert not c.model.playing and not c.timer.isActive()
    anim.panel.bar.slider.setValue(25)  # scrub
    assert c.position_rc() == (2, 3)
    assert anim.panel.bar.pos_label.text().startswith("row 2, col 3")
    lm.page.map_view.clicked.emit(6.5, 4.5)  # a click on cell (4, 6) of the large map
    assert c.position_rc() == (4, 6)
    assert c.current_frame() is not None and c.current_frame().cell == (4, 6)
    lm.page.map_view.clicked.emit(-3.0, 4.5)  # outside the map: nothing moves
    assert c.position_rc() == (4, 6)


def test_transposed_scatter_and_direct_views(qtbot: Any, window: MainWindow) -> None:
    lm, anim = enter(window, qtbot)
    layer = lm.layer
    layer.apply_preset("random")
    assert layer.wait_idle()
    layer.set_settings(layer_type="transposed", padding="valid", stride=(2, 2))
    assert layer.wait_idle()
    qtbot.waitUntil(lambda: anim.controller.transposed, timeout=3000)
    c, panel = anim.controller, anim.panel
    assert panel.view_combo.isVisible() and c.view == "scatter"
    assert c.grid_shape() == (9, 11)  # one position per input pixel
    assert panel.formula.text() == (
        "Output size: H′ = 9·2 + max(3 − 2, 0) = 19;   W′ = 11·2 + max(3 − 2, 0) = 23"
    )
    x = COLOUR.astype(np.float64)
    wt = np.ascontiguousarray(np.array(layer.weights).transpose(0, 1, 3, 2))
    want = conv_transpose2d(x, wt, np.array(layer.bias), stride=2, padding="valid")
    o = layer.selected
    lm.page.map_view.clicked.emit(7.5, 5.5)  # watch output (5, 7): complete at its last pixel
    f = c.current_frame()
    assert f is not None and f.cell == (5, 7)
    assert f.value == pytest.approx(float(want[5, 7, o]), rel=1e-12)
    # a naive scatter written here: pixel (i, j) stamps tap (a, b) onto (2i + a, 2j + b)
    naive = float(layer.bias[o])
    for i in range(9):
        for j in range(11):
            for a in range(3):
                for b in range(3):
                    if (2 * i + a, 2 * j + b) == (5, 7):
                        naive += float((x[i, j] * wt[a, b, o, :]).sum())
    assert f.value == pytest.approx(naive, rel=1e-12)
    assert c.position_rc() == (2, 3)  # the last input pixel stamping onto (5, 7)
    assert panel.arith.text().splitlines()[-2].endswith(f"= {pretty_number(naive)}")
    # stepping stamps pixel by pixel: the partial map shows the stamps so far
    c.to_start()
    c.step(4)
    assert anim.overlay.partial.isVisible()
    part = anim.overlay.partial.image
    assert part is not None and part.shape == want.shape[:2]
    assert anim.overlay.out_window.taps.isVisible()
    # the equivalent direct view: output cells, the zero-inserted input shown instead
    panel.view_combo.setCurrentIndex(panel.view_combo.findData("direct"))
    panel.view_combo.activated.emit(panel.view_combo.currentIndex())
    assert c.view == "direct" and c.grid_shape() == (19, 23)
    c.step(1)
    lm.page.map_view.clicked.emit(7.5, 5.5)
    f = c.current_frame()
    assert f is not None and f.view == "direct" and f.position == (5, 7)
    assert f.value == pytest.approx(float(want[5, 7, o]), rel=1e-12)
    assert anim.overlay.direct_item.isVisible()
    assert not lm.page.input_view.image_item.isVisible()
    c.stop()
    assert lm.page.input_view.image_item.isVisible()


def trigger(window: MainWindow, name: str) -> None:
    act = window.findChild(QAction, name)
    assert act is not None, name
    act.trigger()


def test_the_animation_menu_drives_the_mode_shown(qtbot: Any, window: MainWindow) -> None:
    _, anim = enter(window, qtbot)
    c, kernel = anim.controller, window.anim
    assert window.current_animation() is anim
    kernel_before = kernel.playback.position
    trigger(window, "stepForwardAction")
    trigger(window, "stepForwardAction")
    trigger(window, "stepForwardAction")
    assert c.playback.position == 3 and c.active
    trigger(window, "stepBackAction")
    assert c.position_rc() == (0, 2)
    trigger(window, "lastPositionAction")
    assert c.position_rc() == (8, 10)
    trigger(window, "firstPositionAction")
    assert c.playback.position == 0
    trigger(window, "playAction")
    assert c.model.playing and c.timer.isActive()
    assert not kernel.model.playing  # the single-kernel animation is left alone
    trigger(window, "playAction")
    assert not c.model.playing and not c.timer.isActive()
    trigger(window, "stopAction")
    assert not c.active
    assert kernel.playback.position == kernel_before and not kernel.active
    # back to the single kernel: the menu drives its animation, the layer's stays put
    c.step(5)
    trigger(window, "modeKernelAction")
    assert window.current_animation() is kernel
    trigger(window, "stepForwardAction")
    assert kernel.position_rc() == (0, 1) and kernel.active
    trigger(window, "stepForwardAction")
    assert kernel.position_rc() == (0, 2)
    assert c.playback.position == 5 and not c.model.playing


class DialogRun:
    """Stands in for ``ExportDialog.exec``: chooses a span and a path, then presses OK."""

    def __init__(self, path: Path, first: int | None = None, last: int | None = None) -> None:
        self.path, self.first, self.last = path, first, last
        self.dialogs: list[ExportDialog] = []

    def __call__(self, dlg: ExportDialog) -> int:
        self.dialogs.append(dlg)
        if self.first is not None:
            dlg.first.setValue(self.first)
        if self.last is not None:
            dlg.last.setValue(self.last)
        dlg.path.setText(str(self.path))
        box = dlg.findChild(QDialogButtonBox)
        box.button(QDialogButtonBox.StandardButton.Ok).click()
        return int(dlg.result())

    def install(self, monkeypatch: pytest.MonkeyPatch) -> DialogRun:
        """Replace ``ExportDialog.exec`` by this run (a plain function: it binds the dialog)."""
        monkeypatch.setattr(ExportDialog, "exec", lambda dlg: self(dlg))
        return self


def layer_values(layer: Any) -> np.ndarray:
    """The layer's output computed here by the engine (an independent path from the page)."""
    return conv2d_layer(
        COLOUR.astype(np.float64), np.array(layer.weights), np.array(layer.bias), padding="same"
    )


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG_NS}text")]


@pytest.mark.parametrize("kind", ["png", "gif", "svg", "pdf"])
def test_export_from_the_layer_mode_writes_the_layers_frames(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    lm, anim = enter(window, qtbot)
    layer = lm.layer
    layer.apply_preset("random")
    assert layer.wait_idle()
    layer.select(2)
    assert layer.wait_idle()
    anim.controller.step(30)  # (2, 8): the dialog proposes the whole 9×11 sweep
    target = tmp_path / ("frames" if kind in ("png", "svg") else f"layer.{kind}")
    run = DialogRun(target, first=21, last=29)  # positions 20..28: (1, 9) .. (2, 6)
    run.install(monkeypatch)
    trigger(window, {"png": "exportFramesAction", "gif": "exportGifAction"}.get(
        kind, f"export{kind.capitalize()}Action"))  # fmt: skip
    assert len(run.dialogs) == 1
    dlg = run.dialogs[0]
    assert dlg.windowTitle() == ex.KIND_TITLES[kind]
    assert dlg.grid == (9, 11) and dlg.last.maximum() == 99  # the layer's positions
    assert dlg.crop.count() == 1 + len(ex.CROP_CHOICES)  # the same choices as the kernel's
    assert dlg.crop_side() is None  # a 9×11 image is shown whole
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert "Exported 9" in window.statusBar().currentMessage()
    want = layer_values(layer)[:, :, 2]
    if kind == "png":
        frames = sorted(target.glob("frame_*.png"))
        assert len(frames) == 9
        with Image.open(frames[0]) as im:
            assert im.size == ex.FRAME_SIZES[0]
    elif kind == "gif":
        with Image.open(target) as im:
            assert im.n_frames == 9 and im.size == ex.FRAME_SIZES[0]
    elif kind == "svg":
        frames = sorted(target.glob("frame_*.svg"))
        assert len(frames) == 9
        for n, pos in enumerate(range(20, 29)):
            r, c = divmod(pos, 11)
            texts = svg_texts(frames[n])
            assert "feature map 2" in texts and "input" in texts
            sums = [t for t in texts if t.startswith("sum_R + sum_G + sum_B + bias = ")]
            assert len(sums) == 1 and sums[0].endswith(f"= {pretty_number(float(want[r, c]))}")
            assert any(t.startswith(f"Filter 2, output ({r}, {c})") for t in texts)
            # the map's computed cells are written as numbers (the first row is done)
            assert pretty_number(float(want[0, 0])) in texts or want[0, 0] == 0
    else:
        data = target.read_bytes()
        assert ex.pdf_page_sizes(data) == [tuple(map(float, ex.FRAME_SIZES[0]))] * 9
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # nothing else written


def test_layer_export_never_replaces_someone_elses_file(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, anim = enter(window, qtbot)
    asked: list[str] = []
    monkeypatch.setattr(ex, "ask_replace", lambda parent, msg: bool(asked.append(msg)))
    theirs = tmp_path / "theirs.gif"
    theirs.write_bytes(b"not ours")
    DialogRun(theirs, 1, 3).install(monkeypatch)
    anim.export_dialog("gif")
    assert asked and "theirs.gif" in asked[0]  # asked first; "Cancel": nothing replaced
    assert theirs.read_bytes() == b"not ours"
    theirs_pdf = tmp_path / "theirs.pdf"
    theirs_pdf.write_bytes(b"%PDF- theirs")
    DialogRun(theirs_pdf, 1, 3).install(monkeypatch)
    anim.export_dialog("pdf")
    assert len(asked) == 2 and theirs_pdf.read_bytes() == b"%PDF- theirs"
    # a folder of someone's frames: the new ones go into a new subfolder, theirs untouched
    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "frame_00000.png").write_bytes(b"their frame")
    monkeypatch.setattr(ex, "ask_frames_conflict", lambda parent, f, e, sub: "subfolder")
    DialogRun(folder, 1, 4).install(monkeypatch)
    anim.export_dialog("png")
    assert (folder / "frame_00000.png").read_bytes() == b"their frame"
    assert sorted(p.name for p in (folder / "frames-2").iterdir()) == [
        f"frame_{i:05d}.png" for i in range(4)
    ]
    assert sorted(p.name for p in folder.iterdir()) == ["frame_00000.png", "frames-2"]


def test_a_large_layer_input_is_cropped_around_the_window(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = np.random.default_rng(3).integers(0, 256, (100, 90, 3)).astype(np.uint8)
    window.state.set_color_mode("rgb")
    window.set_document(ImageDoc(big, name="big"))
    trigger(window, "modeLayerAction")
    lm = window.layer_mode  # type: ignore[attr-defined]
    assert lm.layer.wait_idle()
    qtbot.waitUntil(lambda: lm.layer.result is not None, timeout=3000)
    c = lm.page.animation.controller
    c.step(50 * 90 + 41)  # output (50, 41): from a stopped animation, step n goes to n
    run = DialogRun(tmp_path / "big", 50 * 90 + 42, 50 * 90 + 42)
    run.install(monkeypatch)
    trigger(window, "exportSvgAction")
    dlg = run.dialogs[0]
    assert dlg.crop_side() == 3 + 2 * ex.CROP_MARGIN  # proposed: the 3×3 window and a margin
    root = ET.parse(tmp_path / "big" / "frame_00000.svg").getroot()
    assert root.find(f".//{SVG_NS}image") is None  # cropped: cells are shapes, not a picture
    texts = ["".join(t.itertext()).strip() for t in root.iter(f"{SVG_NS}text")]
    # a 15×15 crop centred on the window (rows 49–51, cols 40–42), and the same part of the map
    # (a "same" layer's map is the input's size)
    assert texts.count("rows 43–57, cols 34–48 of 90×100") == 2
    assert any(t.startswith("Filter 0, output (50, 41)") for t in texts)


def test_an_exported_layer_frame_is_readable_and_unclipped(qtbot: Any, window: MainWindow) -> None:
    lm, anim = enter(window, qtbot)
    lm.layer.apply_preset("random")
    assert lm.layer.wait_idle()
    source = LayerFrames(anim.controller)
    for w, h in ex.FRAME_SIZES:
        img = source.painter("conv", None).render(ex.FrameSpec("conv", w, h), 13)
        px = np.asarray(Image.fromarray(qimage_rgb(img)))
        assert px.shape == (h, w, 3)
        assert len(np.unique(px.reshape(-1, 3), axis=0)) > 20  # pictures, not a blank page
        ink = np.nonzero((px < 100).all(axis=2))  # dark pixels: the text
        # the last line (the activation) is drawn inside the frame, with a margin
        assert ink[0].max() < h - 2 and ink[1].max() < w - 2 and ink[1].min() >= 8
        # the map's grey border: its bottom is the lowest row with a long grey run on the right
        grey = (px[:, w // 2 :] == ex.FRAME_GREY.getRgb()[:3]).all(axis=2).sum(axis=1)
        map_bottom = int(np.nonzero(grey > w // 8)[0].max())
        # every line of the sums is there: six lines of text under the pictures
        rows = np.unique(ink[0][ink[0] > map_bottom + 2])
        bands = 1 + int((np.diff(rows) > 2).sum())
        assert bands == 6, (w, h, bands)
    text = anim.controller.frame_at((1, 2))
    assert text is not None and len(text.lines) == 6


def test_layer_frames_of_the_transposed_views(
    qtbot: Any, window: MainWindow, tmp_path: Path
) -> None:
    lm, anim = enter(window, qtbot)
    layer = lm.layer
    layer.set_settings(layer_type="transposed", padding="valid", stride=(2, 2))
    assert layer.wait_idle()
    qtbot.waitUntil(lambda: anim.controller.transposed, timeout=3000)
    source = LayerFrames(anim.controller)
    assert source.grid_shape() == (9, 11)  # the scatter: a position per input pixel
    n = ex.export_animation(source, [0, 1], tmp_path / "s", kind="svg", spec=ex.FrameSpec())
    assert n == 2
    texts = svg_texts(tmp_path / "s" / "frame_00001.svg")
    assert "feature map 0: the stamps so far" in texts
    assert any(t.startswith("Input pixel (0, 1): R = ") for t in texts)
    anim.controller.set_transposed_view("direct")
    assert source.grid_shape() == (19, 23) and source.image_shape()[:2] == (21, 25)
    with pytest.raises(ValueError, match="position 437"):
        ex.export_animation(source, [437], tmp_path / "d.pdf", kind="pdf")
    assert not (tmp_path / "d.pdf").exists()
    assert ex.export_animation(source, [436], tmp_path / "d.pdf", kind="pdf") == 1


def test_kernel_export_and_main_path_after_the_layer_export(
    qtbot: Any,
    window: MainWindow,
    lesson_sample: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enter(window, qtbot)
    DialogRun(tmp_path / "layer.pdf", 1, 2).install(monkeypatch)
    trigger(window, "exportPdfAction")
    assert len(ex.pdf_page_sizes((tmp_path / "layer.pdf").read_bytes())) == 2
    trigger(window, "modeKernelAction")
    window.open_sample(lesson_sample)
    type_into_cell(qtbot, window, 1, 1, "5")
    qtbot.waitUntil(lambda: window.state.kernel[1, 1] == 5, timeout=3000)
    assert_output_is_exact(window)
    run = DialogRun(tmp_path / "kernel", 1, 3)
    run.install(monkeypatch)
    trigger(window, "exportSvgAction")
    assert run.dialogs[0].grid == (6, 6)  # the lesson's output, not the layer's
    frames = sorted((tmp_path / "kernel").glob("frame_*.svg"))
    assert len(frames) == 3
    assert {"input", "kernel", "output"} <= set(svg_texts(frames[0]))


def test_text_size_reaches_the_sums(qtbot: Any, window: MainWindow) -> None:
    _, anim = enter(window, qtbot)
    anim.controller.step(1)
    before = anim.panel.arith.font().pointSizeF()
    h0 = anim.panel.arith_scroll.height()
    window.text_size.set_scale(2.0)  # type: ignore[attr-defined]
    assert anim.panel.arith.font().pointSizeF() >= 1.8 * before
    assert anim.panel.arith_scroll.height() > h0
    assert anim.panel.arith.font().styleHint() == anim.panel.arith.font().StyleHint.Monospace


def test_single_kernel_main_path_after_playing_the_layer(
    qtbot: Any, window: MainWindow, lesson_sample: Any
) -> None:
    _, anim = enter(window, qtbot)
    c = anim.controller
    c.set_speed(60.0)
    c.play()
    qtbot.waitUntil(lambda: c.playback.position >= 3, timeout=3000)
    window.findChild(QAction, "modeKernelAction").trigger()  # type: ignore[union-attr]
    assert window.mode == "kernel"
    assert not c.model.playing and not c.timer.isActive()  # leaving the mode pauses it
    window.open_sample(lesson_sample)
    assert window.state.result is not None
    type_into_cell(qtbot, window, 1, 1, "5")
    qtbot.waitUntil(lambda: window.state.kernel[1, 1] == 5, timeout=3000)
    assert_output_is_exact(window)
    press_kernel = window.handle_animation_key(int(Qt.Key.Key_Right))
    assert press_kernel and window.anim.position_rc() == (0, 1)  # the kernel mode's own
    assert c.playback.position >= 3 and not c.model.playing  # the layer's stays where it was


def test_closing_the_window_while_playing_stops_the_timer(qtbot: Any, window: MainWindow) -> None:
    _, anim = enter(window, qtbot)
    anim.controller.play()
    assert anim.controller.timer.isActive()
    window.close()
    assert not anim.controller.timer.isActive()
