"""Exporting the animation (convgui.gui.export): frames, crops, spans, and never losing a file.

The export depends on a small host (state, animation model, settings, notify, protected files),
so these tests build their own host instead of the main window.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QRectF, QSettings
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QSpinBox

from convgui.core import LayerParams, get_preset
from convgui.core.scene import conv_scene
from convgui.core.text import pretty_number
from convgui.gui import export as ex
from convgui.gui.export import (
    MAX_FRAMES,
    ExportContext,
    ExportDialog,
    FramesExistError,
    FrameSheet,
    FrameSpec,
    choose_frames_folder,
    default_span,
    export_animation,
    render_frame,
)
from convgui.imageio import ImageDoc, load_sample
from convgui.playback import AnimationModel
from convgui.safeio import NeedsConfirmationError, forget_written

SPEC = FrameSpec("conv", 480, 220)
SMALL = FrameSpec("conv", 320, 150)
SPAN = list(range(8, 18))  # ten positions, across a row boundary of the 6×6 output
RED = (220, 40, 40)  # the window's outline


class Host:
    """The few things the export needs, without a window."""

    def __init__(self, state: Any, settings: QSettings) -> None:
        self.state = state
        self.anim = AnimationModel()
        self.settings = settings
        self.messages: list[tuple[str, str]] = []
        self.protected: list[str] = []
        state.result_changed.connect(self.sync)
        self.sync()

    def sync(self) -> None:
        r = self.state.result
        pooled = None if r is None or r.pooled is None else r.pooled.shape[:2]
        self.anim.set_grids(None if r is None else r.activated.shape[:2], pooled)

    def notify(self, level: str, text: str) -> None:
        self.messages.append((level, text))

    def protected_paths(self) -> list[str]:
        return list(self.protected)


@pytest.fixture(autouse=True)
def _fresh_session() -> Iterator[None]:
    forget_written()  # "written by convgui in this session" starts empty for each test
    yield
    forget_written()


@pytest.fixture
def host(state: Any, tmp_path: Path, lesson_sample: Any) -> Host:
    """The lesson's 6×6 grid with the lesson kernel."""
    state.set_image(load_sample(lesson_sample.path, lesson_sample.title))
    state.set_kernel(get_preset("lesson"))
    return Host(state, QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def photo() -> ImageDoc:
    yy, xx = np.mgrid[:512, :512]
    rng = np.random.default_rng(7)
    img = (np.sin(xx / 20) + np.cos(yy / 31)) * 60 + 128 + rng.normal(0, 10, (512, 512))
    return ImageDoc(img.clip(0, 255).astype(np.uint8), 8, "photo")


@pytest.fixture
def photo_host(host: Host) -> Host:
    host.state.set_image(photo())
    host.state.set_kernel(np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float))
    return host


def qimage_rgb(img: QImage) -> np.ndarray:
    conv = img.convertToFormat(QImage.Format.Format_RGB888)
    h, w = conv.height(), conv.width()
    buf = np.frombuffer(conv.constBits(), dtype=np.uint8, count=conv.sizeInBytes())
    return buf.reshape(h, conv.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def press_ok(dlg: ExportDialog) -> None:
    box = dlg.findChild(QDialogButtonBox)
    box.button(QDialogButtonBox.StandardButton.Ok).click()


def red_extent(frame: np.ndarray) -> int:
    """Width in pixels of the red window outline in the left third of a frame."""
    left = frame[:, : frame.shape[1] // 3]
    cols = np.nonzero(np.all(left == RED, axis=2).any(axis=0))[0]
    return int(cols[-1] - cols[0] + 1) if cols.size else 0


# --- frames ----------------------------------------------------------------------------------


def test_gif_has_one_frame_per_position_at_the_frame_size(host: Host, tmp_path: Path) -> None:
    path = tmp_path / "conv.gif"
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return True

    n = export_animation(
        host.state, SPAN, path, kind="gif", spec=SPEC, frame_ms=120, progress=progress
    )
    assert n == 10
    assert calls == [(i, 10) for i in range(1, 11)]
    names = [p.name for p in tmp_path.iterdir()]
    assert "conv.gif" in names
    assert not [n for n in names if n.endswith(".part")]  # no temporary file left behind
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 10
        assert gif.info.get("loop") == 0
        frames = []
        for i in range(gif.n_frames):
            gif.seek(i)
            assert gif.size == (SPEC.width, SPEC.height)
            assert gif.info["duration"] == 120
            frames.append(np.asarray(gif.convert("RGB"), dtype=np.int16))
    rendered = [
        qimage_rgb(render_frame(host.state, host.state.result, SPEC, p)).astype(np.int16)
        for p in SPAN
    ]
    for i, frame in enumerate(frames):  # each frame is its own position, in order
        errors = [np.abs(frame - r).mean() for r in rendered]
        assert int(np.argmin(errors)) == i
        assert errors[i] < 2.0


def test_png_folder_holds_one_file_per_position(host: Host, tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    assert export_animation(host.state, SPAN, folder, kind="png", spec=SPEC) == 10
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"frame_{i:05d}.png" for i in range(10)]
    arrays = []
    for name in names:
        with Image.open(folder / name) as im:
            assert im.format == "PNG" and im.size == (SPEC.width, SPEC.height)
            arrays.append(np.asarray(im.convert("RGB")))
    assert all(not np.array_equal(a, arrays[0]) for a in arrays[1:])  # the window moves


def test_the_sum_written_in_a_frame_is_the_scenes(host: Host) -> None:
    # Independent reference: the lesson grid zero-padded by 1, window at output (2, 3).
    lesson = np.asarray(host.state.engine_image(), dtype=np.float64)
    kernel = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float64)
    padded = np.pad(lesson, 1)
    assert float(np.sum(padded[2:5, 3:6] * kernel)) == 198.0
    result = host.state.result
    content = FrameSheet(host.state, result, "conv", None).content(2 * 6 + 3)
    scene = conv_scene(lesson, result.kernel, result.params, result.geometry, (2, 3))
    assert content.caption == f"row 2, col 3:  {scene.sum_text(ex.SUM_TERMS)}"
    assert content.caption.endswith("= 198")
    assert "25×4" in content.caption  # the centre tap, written as the scene writes products
    # The frame's bottom band is exactly that text drawn, and not another one.
    spec = FrameSpec("conv", 960, 440)
    band = qimage_rgb(render_frame(host.state, result, spec, 15))[-46:]

    def drawn(text: str) -> np.ndarray:
        img = QImage(spec.width, spec.height, QImage.Format.Format_RGB32)
        img.fill(ex.BG)
        p = QPainter(img)
        ex._caption(p, QRectF(10, spec.height - 46, spec.width - 20, 46), text)
        p.end()
        return qimage_rgb(img)[-46:]

    assert np.array_equal(band, drawn(content.caption))
    assert not np.array_equal(band, drawn(content.caption.replace("= 198", "= 199")))


def test_a_divisor_shows_the_value_written_after_the_sum(host: Host) -> None:
    host.state.set_params(divisor=16.0)
    content = FrameSheet(host.state, host.state.result, "conv", None).content(15)
    assert content.caption.endswith(f"= 198  → ÷ 16 = {pretty_number(198 / 16)}")


def test_bias_and_activation_are_written_out_after_the_sum(host: Host) -> None:
    # Where the value written comes from: the bias, then the activation that changed it.
    host.state.set_params(bias=3.5)
    content = FrameSheet(host.state, host.state.result, "conv", None).content(15)
    assert content.caption.endswith(f"= 198  → + 3.5 = {pretty_number(201.5)}")
    host.state.set_params(bias=-300.0, activation="relu")
    content = FrameSheet(host.state, host.state.result, "conv", None).content(15)
    assert content.caption.endswith("= 198  → − 300 = −102  →  relu: 0")


@pytest.mark.parametrize("stage", ["conv", "pool"])
def test_frames_are_labelled_over_each_third(host: Host, stage: str) -> None:
    host.state.set_params(pool="max")
    result = host.state.result
    for pos in (0, 4, 8):
        frame = qimage_rgb(render_frame(host.state, result, FrameSpec(stage, 960, 440), pos))
        assert frame.shape == (440, 960, 3)
        assert np.all(frame[0, :] == 255)
        third = 320
        for i in range(3):
            ink = np.any(frame[:30, i * third : (i + 1) * third] != 255, axis=2)
            cols = np.nonzero(ink)[1]
            assert ink.sum() > 40  # a word, not a stray pixel
            assert abs(cols.mean() - third / 2) < 25  # centred over its third
    conv = qimage_rgb(render_frame(host.state, result, FrameSpec("conv", 960, 440), 0))
    pool = qimage_rgb(render_frame(host.state, result, FrameSpec("pool", 960, 440), 0))
    assert not np.array_equal(conv[:30], pool[:30])


def test_pool_frames_write_the_pooling_expression(host: Host) -> None:
    host.state.set_params(pool="max")
    act = np.asarray(host.state.result.activated)
    content = FrameSheet(host.state, host.state.result, "pool", None).content(4)  # (1, 1)
    window = act[2:4, 2:4]
    assert content.caption.startswith("row 1, col 1:  max(")
    assert content.caption.endswith(f"= {int(window.max())}")


# --- large images: the frame follows the window --------------------------------------------


def test_a_photo_export_shows_the_window_large(
    photo_host: Host, qtbot: Any, tmp_path: Path
) -> None:
    host = photo_host
    host.anim.seek_rc(40, 7, 0.0)
    dlg = ExportDialog(host, "png")
    qtbot.addWidget(dlg)
    assert dlg.crop_side() == 15  # 3×3 kernel + 6 pixels on each side
    first = dlg.first.value() - 1
    assert first == 40 * 512  # starts at the current row
    dlg.last.setValue(first + 5)
    dlg.path.setText(str(tmp_path / "frames"))
    press_ok(dlg)
    assert dlg.result() == ExportDialog.DialogCode.Accepted
    with Image.open(tmp_path / "frames" / "frame_00000.png") as im:
        frame = np.asarray(im.convert("RGB"))
    panel = frame.shape[1] / 3 - 20
    assert red_extent(frame) > 0.05 * panel  # the window is not a dot
    # The same position drawn whole: the window is a dot (what the old export showed).
    whole = qimage_rgb(render_frame(host.state, host.state.result, FrameSpec(), first))
    assert 0 < red_extent(whole) < 0.05 * panel


@pytest.mark.parametrize("stride", [1, 2])
def test_the_output_panel_shows_the_cells_under_the_crop(photo_host: Host, stride: int) -> None:
    host = photo_host
    host.state.set_params(stride=(stride, stride), padding="valid")
    result = host.state.result
    h, w = result.activated.shape
    sheet = FrameSheet(host.state, result, "conv", 16)
    for r, c in ((0, 0), (h // 2, w // 3), (h - 1, w - 1)):
        content = sheet.content(r * w + c)
        crop = content.src_crop
        assert (crop.rows, crop.cols) == (16, 16)
        assert r in content.out_rows and c in content.out_cols
        # Independent: an output cell lies under the crop when its window's centre does.
        centres = np.arange(h) * stride + 1.5  # valid padding, 3×3 kernel
        expect = [i for i in range(h) if crop.top <= centres[i] < crop.top + crop.rows]
        assert list(content.out_rows) == expect
        assert len(content.out_rows) <= 16
        assert content.taps[0].min() >= crop.top
        assert content.taps[0].max() < crop.top + crop.rows


def test_a_crop_draws_readable_numbers(photo_host: Host) -> None:
    frame = qimage_rgb(
        render_frame(photo_host.state, photo_host.state.result, FrameSpec(), 100 * 512 + 3, crop=15)
    )
    # The left panel: 300 px wide, 440 − 34 − 46 − 18 (the crop note) = 342 px tall, so 15
    # cells of 20 px, centred vertically.
    cell, top, left = 20, 34 + (342 - 300) // 2, 10
    y = frame.astype(float) @ (0.299, 0.587, 0.114)
    readable = 0
    for i in range(15):
        for j in range(15):
            c = y[top + i * cell + 3 : top + (i + 1) * cell - 3, left + j * cell + 3 :]
            c = c[:, : cell - 6]
            ink = np.abs(c - np.median(c)) > 100
            readable += int(ink.sum() > 8)
    assert readable >= 0.9 * 15 * 15  # a number in (almost) every cell, in contrast


# --- the default span and the dialog --------------------------------------------------------


def test_default_span() -> None:
    assert default_span((6, 6), (4, 1)) == (0, 35)
    assert default_span((512, 512), (40, 7)) == (40 * 512, 40 * 512 + 199)
    assert default_span((512, 512), None) == (0, 199)
    assert default_span((100, 40), (99, 0)) == (99 * 40, 99 * 40 + 39)  # the last row
    assert default_span((100, 40), (10, 3)) == (400, 599)  # five whole rows


def test_the_dialog_defaults_to_a_short_span_of_the_current_row(
    photo_host: Host, qtbot: Any
) -> None:
    photo_host.anim.seek_rc(123, 50, 0.0)
    dlg = ExportDialog(photo_host, "gif")
    qtbot.addWidget(dlg)
    pos = dlg.positions()
    assert 0 < len(pos) <= 200
    assert pos[0] == 123 * 512
    assert {p // 512 for p in pos} == {123}
    assert "200 frames" in dlg.summary.text()


def test_the_lesson_dialog_exports_the_chosen_span(host: Host, qtbot: Any, tmp_path: Path) -> None:
    dlg = ExportDialog(host, "gif")
    qtbot.addWidget(dlg)
    assert dlg.first.maximum() == 36 and dlg.first.value() == 1 and dlg.last.value() == 36
    assert dlg.crop_side() is None  # a 6×6 image is shown whole
    dlg.first.setValue(3)
    dlg.last.setValue(12)
    dlg.step.setValue(3)
    assert dlg.positions() == [2, 5, 8, 11]
    dlg.step.setValue(1)
    dlg.frame_size.setCurrentIndex(dlg.frame_size.findText("640×300"))
    path = tmp_path / "slide.gif"
    dlg.path.setText(str(path))
    with qtbot.waitSignal(dlg.accepted, timeout=20000):
        press_ok(dlg)
    with Image.open(path) as gif:
        assert gif.n_frames == 10 and gif.size == (640, 300)
    assert ("status", f"Exported 10 frames to {path}") in host.messages


def test_png_frames_are_not_asked_a_frame_duration(host: Host, qtbot: Any) -> None:
    png = ExportDialog(host, "png")
    gif = ExportDialog(host, "gif")
    qtbot.addWidget(png)
    qtbot.addWidget(gif)
    png.show()
    gif.show()
    assert gif.findChild(QSpinBox, "exportFrameMs").isVisible()
    assert png.findChild(QSpinBox, "exportFrameMs") is None
    labels = [lab.text() for lab in png.findChildren(QLabel) if lab.isVisible()]
    assert not any("duration" in t.lower() for t in labels)
    assert any("duration" in lab.text().lower() for lab in gif.findChildren(QLabel))


def test_the_dialog_remembers_folder_crop_and_size(
    photo_host: Host, qtbot: Any, tmp_path: Path
) -> None:
    out = tmp_path / "slides"
    out.mkdir()
    dlg = ExportDialog(photo_host, "gif")
    qtbot.addWidget(dlg)
    dlg.crop.setCurrentIndex(dlg.crop.findData(32))
    dlg.frame_size.setCurrentIndex(dlg.frame_size.findText("640×300"))
    dlg.last.setValue(dlg.first.value() + 1)
    dlg.path.setText(str(out / "a.gif"))
    press_ok(dlg)
    assert dlg.result() == ExportDialog.DialogCode.Accepted
    again = ExportDialog(photo_host, "png")
    qtbot.addWidget(again)
    assert Path(again.path.text()).parent == out
    assert again.crop_side() == 32
    assert again.frame_size.currentText() == "640×300"
    gif_again = ExportDialog(photo_host, "gif")
    qtbot.addWidget(gif_again)
    assert Path(gif_again.path.text()) == out / "convolution.gif"


# --- never overwrite or delete what this export did not create -----------------------------


@pytest.fixture
def user_frames(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A folder holding 50 of the user's own frame_NNNNN.png files and a note."""
    folder = tmp_path / "mine"
    folder.mkdir()
    for i in range(50):
        (folder / f"frame_{i:05d}.png").write_bytes(f"user frame {i}".encode() * 20)
    (folder / "notes.txt").write_text("the teacher's own file")
    return folder, {p.name: digest(p) for p in folder.iterdir()}


def test_the_export_function_refuses_a_folder_of_frames(
    host: Host, user_frames: tuple[Path, dict[str, str]]
) -> None:
    folder, before = user_frames
    with pytest.raises(FramesExistError, match="already holds 50 frame files") as info:
        export_animation(host.state, [0, 1, 2, 3, 4], folder, kind="png", spec=SMALL)
    assert len(info.value.existing) == 50
    assert {p.name: digest(p) for p in folder.iterdir()} == before


@pytest.mark.parametrize("answer", ["subfolder", "cancel"])
def test_a_folder_of_user_frames_is_untouched_by_the_dialog(
    host: Host,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
    user_frames: tuple[Path, dict[str, str]],
    answer: str,
) -> None:
    folder, before = user_frames
    asked: list[tuple[int, str]] = []

    def ask(parent: Any, where: Path, existing: list[Path], sub: str) -> str:
        asked.append((len(existing), sub))
        return answer

    monkeypatch.setattr(ex, "ask_frames_conflict", ask)
    dlg = ExportDialog(host, "png")
    qtbot.addWidget(dlg)
    dlg.last.setValue(5)
    dlg.frame_size.setCurrentIndex(dlg.frame_size.findText("640×300"))
    dlg.path.setText(str(folder))
    press_ok(dlg)
    assert asked == [(50, "frames-2")]
    # The user's 50 frames and note: same names, same bytes.
    assert {p.name: digest(p) for p in folder.iterdir() if p.is_file()} == before
    if answer == "subfolder":
        assert dlg.result() == ExportDialog.DialogCode.Accepted
        assert sorted(p.name for p in (folder / "frames-2").iterdir()) == [
            f"frame_{i:05d}.png" for i in range(5)
        ]
    else:
        assert dlg.result() != ExportDialog.DialogCode.Accepted
        assert [p for p in folder.iterdir() if p.is_dir()] == []


def test_overwriting_replaces_only_the_frames_of_the_same_names(
    host: Host, user_frames: tuple[Path, dict[str, str]]
) -> None:
    folder, before = user_frames
    n = export_animation(host.state, list(range(5)), folder, kind="png", spec=SMALL, overwrite=True)
    assert n == 5
    after = {p.name: digest(p) for p in folder.iterdir()}
    assert set(after) == set(before)  # nothing deleted, no stray file
    changed = sorted(k for k in before if after[k] != before[k])
    assert changed == [f"frame_{i:05d}.png" for i in range(5)]


def test_choose_frames_folder(tmp_path: Path, user_frames: tuple[Path, dict[str, str]]) -> None:
    empty = tmp_path / "empty"
    assert choose_frames_folder(empty, lambda *a: pytest.fail("asked")) == (empty, False)
    folder, _ = user_frames
    (folder / "frames-2").mkdir()
    assert choose_frames_folder(folder, lambda *a: "overwrite") == (folder, True)
    assert choose_frames_folder(folder, lambda *a: "cancel") is None
    got = choose_frames_folder(folder, lambda f, e, sub: "subfolder")
    assert got == (folder / "frames-3", False) and got[0].is_dir()


@pytest.mark.parametrize("kind", ["gif", "png"])
@pytest.mark.parametrize("cancel_at", [1, 5, 10])
def test_cancelling_removes_only_what_it_wrote(
    host: Host, tmp_path: Path, kind: str, cancel_at: int
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    target = out / ("a.gif" if kind == "gif" else "frames")
    seen: list[int] = []

    def progress(done: int, total: int) -> bool:
        seen.append(done)
        return done < cancel_at

    assert export_animation(host.state, SPAN, target, kind=kind, spec=SPEC, progress=progress) == 0
    assert seen == list(range(1, cancel_at + 1))  # stopped at once
    assert files_under(out) == ["notes.txt"]
    assert not target.exists()  # the folder it created is gone too


def test_cancelling_into_an_existing_folder_keeps_the_folder_and_its_files(
    host: Host, tmp_path: Path
) -> None:
    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "talk.txt").write_text("mine")
    n = export_animation(
        host.state, SPAN, folder, kind="png", spec=SMALL, progress=lambda d, t: d < 3
    )
    assert n == 0
    assert files_under(folder) == ["talk.txt"]


def test_a_gif_onto_the_opened_image_asks_first(
    host: Host, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    image = tmp_path / "lesson.gif"
    image.write_bytes(b"GIF89a the user's picture")
    before = digest(image)
    host.protected = [str(image)]
    with pytest.raises(NeedsConfirmationError) as info:
        export_animation(host.state, [0], image, kind="gif", spec=SMALL, protected=[image])
    assert info.value.reason == "protected"
    questions: list[str] = []
    answers = iter([False, True])
    monkeypatch.setattr(
        ex, "ask_replace", lambda parent, msg: questions.append(msg) or next(answers)
    )
    dlg = ExportDialog(host, "gif")
    qtbot.addWidget(dlg)
    dlg.last.setValue(2)
    dlg.path.setText(str(image))
    press_ok(dlg)  # "Cancel": nothing written, the dialog stays open
    assert len(questions) == 1 and "file you opened" in questions[0]
    assert digest(image) == before
    assert dlg.result() != ExportDialog.DialogCode.Accepted
    press_ok(dlg)  # "Replace"
    assert len(questions) == 2
    assert dlg.result() == ExportDialog.DialogCode.Accepted
    with Image.open(image) as gif:
        assert gif.n_frames == 2


def test_a_gif_onto_any_existing_file_asks_first(host: Host, tmp_path: Path) -> None:
    other = tmp_path / "old.gif"
    other.write_bytes(b"someone's file")
    with pytest.raises(NeedsConfirmationError, match="already exists"):
        export_animation(host.state, [0], other, kind="gif", spec=SMALL)
    assert other.read_bytes() == b"someone's file"
    assert export_animation(host.state, [0], other, kind="gif", spec=SMALL, overwrite=True) == 1


def test_the_context_protects_the_opened_image_and_the_settings(host: Host, tmp_path: Path) -> None:
    img = tmp_path / "img.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(img)
    from convgui.imageio import load_image

    host.state.set_image(load_image(img))
    ctx = ExportContext(host.state, host.anim, host.settings, host.notify)
    assert str(img) in ctx.protected_paths()
    assert host.settings.fileName() in ctx.protected_paths()
    ctx.notify("status", "hello")
    assert host.messages[-1] == ("status", "hello")


# --- refusals -------------------------------------------------------------------------------


def test_too_many_frames_is_refused_before_any_work(host: Host, tmp_path: Path) -> None:
    calls: list[int] = []
    with pytest.raises(ValueError, match=r"too many.*at most 2,000"):
        export_animation(
            host.state,
            list(range(MAX_FRAMES + 1)),
            tmp_path / "big.gif",
            spec=SPEC,
            progress=lambda d, t: bool(calls.append(d)) or True,
        )
    assert calls == []
    assert not (tmp_path / "big.gif").exists()


def test_nothing_to_export_is_refused(host: Host, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one position"):
        export_animation(host.state, [], tmp_path / "a.gif", spec=SPEC)
    host.state.set_all(np.ones((9, 9)), LayerParams(padding="valid"), "no output")
    with pytest.raises(ValueError, match="no output"):
        export_animation(host.state, [0], tmp_path / "a.gif", spec=SPEC)
    assert not (tmp_path / "a.gif").exists()


@pytest.mark.parametrize("kind", ["gif", "png"])
@pytest.mark.parametrize("bad", [36, -1])
def test_a_position_outside_the_animation_is_refused_before_any_frame(
    host: Host, tmp_path: Path, kind: str, bad: int
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / ("a.gif" if kind == "gif" else "frames")
    with pytest.raises(ValueError, match=f"position {bad}"):
        export_animation(host.state, [0, 1, 2, bad], target, kind=kind, spec=SPEC)
    assert files_under(out) == [] and not target.exists()
    host.state.set_params(pool="max")  # the pooled stage has 3×3 positions
    with pytest.raises(ValueError, match="position 9"):
        export_animation(host.state, [9], target, kind=kind, spec=FrameSpec("pool", 320, 150))
    assert export_animation(host.state, [8], target, kind=kind, spec=FrameSpec("pool", 320, 150))


RENDER_BAD_POSITION = """
import gc, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from convgui.core import get_preset
from convgui.gui.export import FrameSpec, render_frame
from convgui.imageio import load_sample
from convgui.resources import samples
from convgui.state import ExplorerState, SyncExecutor
sample = next(s for s in samples() if s.file.startswith("lesson"))
state = ExplorerState(SyncExecutor())
state.set_image(load_sample(sample.path, sample.title))
state.set_kernel(get_preset("lesson"))
try:
    render_frame(state, state.result, FrameSpec("conv", 320, 150), 36)
except ValueError as exc:
    print("refused:", exc)
gc.collect()
render_frame(state, state.result, FrameSpec("conv", 320, 150), 35)
gc.collect()
print("window imported:", "convgui.gui.window" in sys.modules)
print("alive")
"""


def test_a_failed_frame_does_not_crash_and_export_needs_no_window(tmp_path: Path) -> None:
    # A painter left active on a QImage that is then garbage-collected kills the process.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", RENDER_BAD_POSITION],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "refused: position (6, 0) is outside the output" in proc.stdout
    assert "window imported: False" in proc.stdout
    assert proc.stdout.rstrip().endswith("alive")


def test_colour_frames_say_their_numbers_are_the_red_channel(qapp: Any) -> None:
    from convgui.gui.export import FrameSheet
    from convgui.imageio import ImageDoc
    from convgui.state import ExplorerState, SyncExecutor

    s = ExplorerState(SyncExecutor())
    try:
        rgb = np.random.default_rng(1).integers(0, 255, (8, 9, 3)).astype(np.uint8)
        s.set_image(ImageDoc(rgb, 8, "c"))
        s.set_color_mode("rgb")
        assert s.result is not None and s.result.activated.ndim == 3
        sheet = FrameSheet(s, s.result, "conv", None)
        assert "(red channel)" in sheet.content(0).caption
        s.set_color_mode("gray")
        sheet = FrameSheet(s, s.result, "conv", None)
        assert "red channel" not in sheet.content(0).caption
    finally:
        s.close()


def test_frames_draw_the_output_as_the_window_does(window: Any) -> None:
    from convgui.gui.export import FrameSheet
    from convgui.resources import samples

    window.open_sample(samples()[2])
    window.state.apply_preset("sobel_x")  # diverging, robust limits: not ±max|x|
    shown = window.images.display_of("output")
    assert shown is not None and shown.robust
    sheet = FrameSheet(window.state, window.state.result, "conv", 15)
    assert sheet.target_display.levels == pytest.approx(shown.levels)
    assert sheet.target_display.mode == shown.mode == "diverging"


# --- vector frames: SVG files and one multi-page PDF ---------------------------------------

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_tree(path: Path) -> Any:
    import xml.etree.ElementTree as ET

    return ET.parse(path).getroot()


def svg_texts(root: Any) -> list[str]:
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG_NS}text")]


def pdf_pages(data: bytes) -> list[tuple[float, float]]:
    """Page sizes from the page dictionaries (written here, independent of the export's own)."""
    import re

    pages = []
    for obj in re.split(rb"\bendobj\b", data):
        if re.search(rb"/Type\s*/Page\b(?!s)", obj):
            box = re.search(rb"/MediaBox\s*\[([^\]]*)\]", obj)
            assert box is not None, "a page without a MediaBox"
            x0, y0, x1, y1 = (float(v) for v in box.group(1).split())
            pages.append((x1 - x0, y1 - y0))
    return pages


def test_svg_frames_are_vector_drawings_with_the_numbers_as_text(
    host: Host, tmp_path: Path
) -> None:
    folder = tmp_path / "svg"
    assert export_animation(host.state, SPAN, folder, kind="svg", spec=SPEC) == 10
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"frame_{i:05d}.svg" for i in range(10)]
    result = host.state.result
    for n, pos in enumerate(SPAN):
        root = svg_tree(folder / names[n])
        assert root.tag == f"{SVG_NS}svg"
        assert root.get("viewBox").split() == ["0", "0", str(SPEC.width), str(SPEC.height)]
        # No bitmap pasted in: the cells are shapes and every number is text.
        assert root.find(f".//{SVG_NS}image") is None
        assert len(list(root.iter(f"{SVG_NS}rect"))) >= 8 * 8 + 9  # padded input and kernel
        texts = svg_texts(root)
        assert {"input", "kernel", "output"} <= set(texts)
        scene = conv_scene(result.image, result.kernel, result.params, result.geometry,
                           divmod(pos, 6))  # fmt: skip
        words = " ".join(texts).split()  # a long caption is wrapped over two lines
        assert " ".join(scene.sum_text(ex.SUM_TERMS).split()) in " ".join(words)
        # The lesson grid's values are written in the input panel.
        assert {"255", "230", "198"} & set(texts) >= {"255", "230"}


def test_a_pdf_has_a_page_per_frame_at_the_frame_size(host: Host, tmp_path: Path) -> None:
    path = tmp_path / "slides.pdf"
    calls: list[int] = []
    n = export_animation(
        host.state, SPAN, path, kind="pdf", spec=SPEC, progress=lambda d, t: calls.append(d) or True
    )
    assert n == 10 and calls == list(range(1, 11))
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert pdf_pages(data) == [(SPEC.width, SPEC.height)] * 10
    assert ex.pdf_page_sizes(data) == pdf_pages(data)
    assert b"/Subtype /Image" not in data  # cells and numbers are vectors, no picture inside
    assert [p.name for p in tmp_path.iterdir()] == ["slides.pdf"]  # no temporary file left


def test_pool_stage_as_pdf_and_svg(host: Host, tmp_path: Path) -> None:
    host.state.set_params(pool="max")
    spec = FrameSpec("pool", 480, 220)
    assert export_animation(host.state, [0, 4, 8], tmp_path / "p.pdf", kind="pdf", spec=spec) == 3
    assert len(pdf_pages((tmp_path / "p.pdf").read_bytes())) == 3
    assert export_animation(host.state, [4], tmp_path / "s", kind="svg", spec=spec) == 1
    texts = svg_texts(svg_tree(tmp_path / "s" / "frame_00000.svg"))
    assert "max(149, 198, 356, 438) = 438" in " ".join(texts)


def test_a_large_map_shown_whole_falls_back_to_an_image_and_a_crop_does_not(
    photo_host: Host, tmp_path: Path
) -> None:
    host = photo_host
    whole = tmp_path / "whole"
    export_animation(host.state, [5000], whole, kind="svg", spec=SPEC, crop=None)
    root = svg_tree(whole / "frame_00000.svg")
    assert root.find(f".//{SVG_NS}image") is not None  # 512×512 cells: one picture
    cropped = tmp_path / "crop"
    export_animation(host.state, [5000], cropped, kind="svg", spec=SPEC, crop=16)
    root = svg_tree(cropped / "frame_00000.svg")
    assert root.find(f".//{SVG_NS}image") is None
    assert len(list(root.iter(f"{SVG_NS}rect"))) > 16 * 4  # cells drawn (runs of a colour merged)


@pytest.mark.parametrize("kind", ["svg", "pdf"])
@pytest.mark.parametrize("cancel_at", [1, 5, 10])
def test_cancelling_vector_exports_removes_only_what_they_wrote(
    host: Host, tmp_path: Path, kind: str, cancel_at: int
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    target = out / ("a.pdf" if kind == "pdf" else "frames")
    seen: list[int] = []

    def progress(done: int, total: int) -> bool:
        seen.append(done)
        return done < cancel_at

    assert export_animation(host.state, SPAN, target, kind=kind, spec=SPEC, progress=progress) == 0
    assert seen == list(range(1, cancel_at + 1))
    assert files_under(out) == ["notes.txt"]
    assert not target.exists()


def test_a_pdf_never_replaces_a_file_without_asking(host: Host, tmp_path: Path) -> None:
    other = tmp_path / "talk.pdf"
    other.write_bytes(b"%PDF- someone's slides")
    with pytest.raises(NeedsConfirmationError, match="already exists"):
        export_animation(host.state, [0], other, kind="pdf", spec=SMALL)
    assert other.read_bytes() == b"%PDF- someone's slides"
    with pytest.raises(NeedsConfirmationError, match="file you opened"):
        export_animation(host.state, [0], other, kind="pdf", spec=SMALL, protected=[other])
    assert export_animation(host.state, [0], other, kind="pdf", spec=SMALL, overwrite=True) == 1
    assert len(pdf_pages(other.read_bytes())) == 1


def test_svg_frames_ask_before_replacing_svg_frames_only(host: Host, tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "frame_00000.png").write_bytes(b"a png frame")  # another kind: not in the way
    assert export_animation(host.state, [0, 1], folder, kind="svg", spec=SMALL) == 2
    (folder / "frame_00001.svg").write_text("<svg>edited by hand</svg>")
    with pytest.raises(FramesExistError, match=r"frame_\*\.svg"):
        export_animation(host.state, [0, 1], folder, kind="svg", spec=SMALL)
    assert (folder / "frame_00001.svg").read_text() == "<svg>edited by hand</svg>"
    assert (folder / "frame_00000.png").read_bytes() == b"a png frame"


@pytest.mark.parametrize("kind", ["svg", "pdf"])
def test_the_dialog_exports_vector_frames(
    host: Host, qtbot: Any, tmp_path: Path, kind: str
) -> None:
    dlg = ExportDialog(host, kind)
    qtbot.addWidget(dlg)
    assert dlg.windowTitle() == ex.KIND_TITLES[kind]
    assert dlg.findChild(QLabel, "exportVectorNote") is not None
    assert dlg.path.text().endswith(".pdf" if kind == "pdf" else "frames")
    target = tmp_path / ("talk.pdf" if kind == "pdf" else "svg")
    dlg.path.setText(str(target))
    dlg.last.setValue(3)
    press_ok(dlg)
    assert dlg.result() == ExportDialog.DialogCode.Accepted
    if kind == "pdf":
        assert len(pdf_pages(target.read_bytes())) == 3
        assert host.messages[-1] == ("status", f"Exported 3 pages to {target}")
    else:
        assert sorted(p.name for p in target.iterdir()) == [f"frame_{i:05d}.svg" for i in range(3)]


def test_svg_frames_into_a_folder_of_svg_frames_offer_a_subfolder(
    host: Host, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "frames"
    assert export_animation(host.state, [0], folder, kind="svg", spec=SMALL) == 1
    forget_written()  # as in a later session: the file is the user's now
    asked: list[str] = []
    monkeypatch.setattr(
        ex, "ask_frames_conflict", lambda parent, f, e, sub: asked.append(e[0].name) or "subfolder"
    )
    dlg = ExportDialog(host, "svg")
    qtbot.addWidget(dlg)
    dlg.path.setText(str(folder))
    dlg.last.setValue(2)
    press_ok(dlg)
    assert asked == ["frame_00000.svg"]
    assert sorted(p.name for p in (folder / "frames-2").iterdir()) == [
        "frame_00000.svg",
        "frame_00001.svg",
    ]


# --- the frame-source protocol ---------------------------------------------------------------


class Stripes:
    """A frame painter of its own: frame n is one flat colour (n × 40 in red) and its number."""

    positions = 6

    def paint(self, p: QPainter, spec: FrameSpec, position: int, *, vector: bool = True) -> None:
        if not 0 <= position < self.positions:
            raise ValueError(f"position {position} is outside the 6 positions")
        p.fillRect(QRectF(0, 0, spec.width, spec.height), QColor(position * 40, 100, 200))
        p.setPen(QColor(0, 0, 0))
        p.drawText(QRectF(0, 0, spec.width, spec.height), 0, f"frame {position}")

    def render(self, spec: FrameSpec, position: int) -> QImage:
        img = QImage(spec.width, spec.height, QImage.Format.Format_RGB32)
        p = QPainter(img)
        try:
            self.paint(p, spec, position, vector=False)
        finally:
            p.end()
        return img


class StripeSource:
    """A :class:`FrameSource` that is neither the single-kernel nor the layer animation."""

    stage = "conv"
    stem = "stripes"

    def __init__(self) -> None:
        self.crops: list[int | None] = []

    def grid_shape(self) -> tuple[int, int]:
        return (2, 3)

    def position_rc(self) -> tuple[int, int] | None:
        return (1, 0)

    def default_span(self) -> tuple[int, int]:
        return (3, 5)

    def image_shape(self) -> tuple[int, ...]:
        return (200, 100)

    def proposed_crop(self) -> int | None:
        return 24

    def painter(self, stage: str, crop: int | None) -> Stripes:
        self.crops.append(crop)
        return Stripes()


def test_the_dialog_and_writers_take_any_frame_source(
    host: Host, qtbot: Any, tmp_path: Path
) -> None:
    source = StripeSource()
    ctx = ExportContext(host.state, host.anim, host.settings, host.notify, source=source)
    assert ex.frames_of(ctx) is source
    assert isinstance(ex.frames_of(host), ex.KernelFrames)  # a host without one: the kernel's
    dlg = ExportDialog(ctx, "pdf")
    qtbot.addWidget(dlg)
    # the source's positions, span, input and crop, not the state's 6×6 lesson
    assert dlg.first.maximum() == 6
    assert (dlg.first.value(), dlg.last.value()) == (4, 6)
    assert dlg.crop.itemText(0) == "Whole image (100×200 pixels)"
    assert dlg.crop_side() == 24
    assert Path(dlg.path.text()).name == "stripes.pdf"
    dlg.path.setText(str(tmp_path / "s.pdf"))
    press_ok(dlg)
    assert source.crops == [24]
    assert len(ex.pdf_page_sizes((tmp_path / "s.pdf").read_bytes())) == 3
    n = export_animation(source, [0, 2, 5], tmp_path / "png", kind="png", spec=SMALL)
    assert n == 3
    reds = []
    for f in sorted((tmp_path / "png").iterdir()):
        with Image.open(f) as im:
            reds.append(im.convert("RGB").getpixel((SMALL.width - 1, SMALL.height - 1))[0])
    assert reds == [0, 80, 200]
    with pytest.raises(ValueError, match="position 6"):
        export_animation(source, [6], tmp_path / "x.gif", spec=SMALL)
    assert not (tmp_path / "x.gif").exists()


@pytest.mark.parametrize("cell", [20, 28, 40])
def test_numbers_never_overlap_the_next_cell(qapp: Any, cell: int) -> None:
    img = QImage(3 * cell, cell, QImage.Format.Format_RGB32)
    img.fill(QColor(255, 255, 255))
    p = QPainter(img)
    white = np.full((1, 3, 4), 255, np.uint8)
    values = np.array([[-44.25, 198.5, -51.25]])
    ex.draw_numbers(p, QRectF(0, 0, 3 * cell, cell), values, white)
    p.end()
    dark = (qimage_rgb(img) < 160).all(axis=2)
    # numbers too wide for the cell are smaller or left out; never across a border
    assert not dark[:, cell - 1 : cell + 1].any() and not dark[:, 2 * cell - 1 : 2 * cell + 1].any()
    if cell >= 28:  # room enough: every number is written in its own cell
        assert all(dark[:, i * cell + 1 : (i + 1) * cell - 1].any() for i in range(3))


@pytest.mark.parametrize("kind", ["gif", "png", "svg", "pdf"])
@pytest.mark.parametrize(("width", "height"), [(0, 0), (-5, 10), (320, 0)])
def test_an_empty_frame_size_is_refused_before_any_file(
    host: Host, tmp_path: Path, kind: str, width: int, height: int
) -> None:
    target = tmp_path / ("frames" if kind in ("png", "svg") else f"f.{kind}")
    with pytest.raises(ValueError, match="is empty; choose a frame size"):
        export_animation(host.state, [0], target, kind=kind, spec=FrameSpec("conv", width, height))
    assert not target.exists()
    assert [f for f in files_under(tmp_path) if f != "settings.ini"] == []  # the host's own


def test_cells_not_yet_computed_never_look_like_a_value() -> None:
    from convgui.gui.export import NOT_YET, NOT_YET_ON_COLOUR, not_yet_colour

    grey = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 4, axis=1).reshape(16, 16, 4)
    assert not_yet_colour(grey) == NOT_YET  # pale blue: no grey map takes it
    # A blue–white–red map: pale blue would read as a small negative value; a mid grey is
    # none of its colours.
    ramp = np.linspace(0, 1, 256)
    blue_red = np.stack(
        [np.clip(2 * ramp, 0, 1), 1 - np.abs(2 * ramp - 1), np.clip(2 - 2 * ramp, 0, 1)], -1
    )
    rgba = np.concatenate([(blue_red * 255).astype(np.uint8), np.full((256, 1), 255, np.uint8)], 1)
    rgba = rgba.reshape(16, 16, 4)
    colour = not_yet_colour(rgba)
    assert colour == NOT_YET_ON_COLOUR
    assert not np.any(np.all(rgba == np.array(colour, np.uint8), axis=-1))
