"""Exporting the animation: an animated GIF or a folder of PNG frames, labelled, cancellable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialogButtonBox

from convgui.core import LayerParams, get_preset
from convgui.gui.export import MAX_FRAMES, ExportDialog, FrameSpec, export_animation, render_frame
from convgui.imageio import ImageDoc

SPEC = FrameSpec("conv", 480, 220)
SPAN = list(range(8, 18))  # ten positions, across a row boundary of the 6×6 output


@pytest.fixture
def lesson(window: Any) -> Any:
    window.state.set_kernel(get_preset("lesson"))
    return window


def qimage_rgb(img: QImage) -> np.ndarray:
    conv = img.convertToFormat(QImage.Format.Format_RGB888)
    h, w = conv.height(), conv.width()
    buf = np.frombuffer(conv.constBits(), dtype=np.uint8, count=conv.sizeInBytes())
    return buf.reshape(h, conv.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_gif_has_one_frame_per_position_at_the_frame_size(lesson: Any, tmp_path: Path) -> None:
    path = tmp_path / "conv.gif"
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return True

    n = export_animation(
        lesson.state, SPAN, path, kind="gif", spec=SPEC, frame_ms=120, progress=progress
    )
    assert n == 10
    assert calls == [(i, 10) for i in range(1, 11)]
    assert leftovers(tmp_path) == ["conv.gif"]  # no temporary file left behind
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
    # Each frame is the rendering of its own position, in order.
    rendered = [
        qimage_rgb(render_frame(lesson.state, lesson.state.result, SPEC, p)).astype(np.int16)
        for p in SPAN
    ]
    for i, frame in enumerate(frames):
        errors = [np.abs(frame - r).mean() for r in rendered]
        assert int(np.argmin(errors)) == i
        assert errors[i] < 2.0


def test_png_folder_holds_one_file_per_position(lesson: Any, tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    n = export_animation(lesson.state, SPAN, folder, kind="png", spec=SPEC)
    assert n == 10
    names = leftovers(folder)
    assert names == [f"frame_{i:05d}.png" for i in range(10)]
    first = None
    for name in names:
        with Image.open(folder / name) as im:
            assert im.format == "PNG"
            assert im.size == (SPEC.width, SPEC.height)
            arr = np.asarray(im.convert("RGB"))
        if first is None:
            first = arr
        else:
            assert not np.array_equal(arr, first)  # the window moves from frame to frame


@pytest.mark.parametrize("kind", ["gif", "png"])
@pytest.mark.parametrize("cancel_at", [1, 5, 10])
def test_cancelling_leaves_nothing(lesson: Any, tmp_path: Path, kind: str, cancel_at: int) -> None:
    target = tmp_path / ("a.gif" if kind == "gif" else "frames")
    seen: list[int] = []

    def progress(done: int, total: int) -> bool:
        seen.append(done)
        return done < cancel_at

    n = export_animation(lesson.state, SPAN, target, kind=kind, spec=SPEC, progress=progress)
    assert n == 0
    assert seen == list(range(1, cancel_at + 1))  # stopped at once
    assert not (tmp_path / "a.gif").exists()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == []


def test_too_many_frames_is_refused_before_any_work(lesson: Any, tmp_path: Path) -> None:
    calls: list[int] = []
    with pytest.raises(ValueError, match=r"too many.*at most 2,000"):
        export_animation(
            lesson.state,
            list(range(MAX_FRAMES + 1)),
            tmp_path / "big.gif",
            spec=SPEC,
            progress=lambda d, t: bool(calls.append(d)) or True,
        )
    assert calls == []
    assert leftovers(tmp_path) == []


def test_nothing_to_export_is_refused(lesson: Any, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one position"):
        export_animation(lesson.state, [], tmp_path / "a.gif", spec=SPEC)
    lesson.state.set_all(np.ones((9, 9)), LayerParams(padding="valid"), "no output")
    with pytest.raises(ValueError, match="no output"):
        export_animation(lesson.state, [0], tmp_path / "a.gif", spec=SPEC)
    assert leftovers(tmp_path) == []


def title_ink(frame: np.ndarray) -> list[tuple[int, int]]:
    """For each third of the frame: (count of non-background pixels, their mean column)."""
    w = frame.shape[1]
    out = []
    for i in range(3):
        band = frame[:30, i * w // 3 : (i + 1) * w // 3]
        ink = np.any(band != 255, axis=2)
        cols = np.nonzero(ink)[1]
        out.append((int(ink.sum()), int(cols.mean()) if cols.size else -1))
    return out


@pytest.mark.parametrize("stage", ["conv", "pool"])
def test_frames_are_labelled_over_each_third(lesson: Any, stage: str) -> None:
    lesson.state.set_params(pool="max")
    spec = FrameSpec(stage, 960, 440)
    result = lesson.state.result
    for pos in (0, 4, 8):
        frame = qimage_rgb(render_frame(lesson.state, result, spec, pos))
        assert frame.shape == (440, 960, 3)
        assert np.all(frame[0, :] == 255)  # the background is white
        ink = title_ink(frame)
        third = 960 // 3
        for count, centre in ink:
            assert count > 40  # a word, not a stray pixel
            assert abs(centre - third / 2) < 25  # centred over its third
        titles = [frame[:30, i * third : (i + 1) * third] for i in range(3)]
        assert not np.array_equal(titles[0], titles[1])
        assert not np.array_equal(titles[1], titles[2])
    # Pool frames are labelled differently from convolution frames.
    conv = qimage_rgb(render_frame(lesson.state, result, FrameSpec("conv", 960, 440), 0))
    pool = qimage_rgb(render_frame(lesson.state, result, FrameSpec("pool", 960, 440), 0))
    assert not np.array_equal(conv[:30], pool[:30])


def test_labels_stay_readable_over_a_tall_image(lesson: Any) -> None:
    # A tall picture fills its panel from top to bottom: the labels must sit above it.
    rng = np.random.default_rng(3)
    lesson.set_document(ImageDoc(rng.integers(0, 256, (12, 5), dtype=np.uint8), 8, "tall"))
    lesson.state.set_kernel(np.full((5, 2), 0.1))
    frame = qimage_rgb(render_frame(lesson.state, lesson.state.result, FrameSpec(), 7))
    third = frame.shape[1] // 3
    band = frame[:32]
    for i in range(3):
        part = band[:, i * third : (i + 1) * third]
        ink = np.any(part != 255, axis=2)
        assert ink.sum() > 40, f"no label over third {i}"
        # Only the label's dark grey (anti-aliased) is there, not image pixels.
        colours = {tuple(c) for c in part[ink].tolist()}
        assert all(max(c) - min(c) < 8 for c in colours)  # greys only: no blue padding ring


def output_cells(frame: np.ndarray, shape: tuple[int, int]) -> list[np.ndarray]:
    """The interiors of the output panel's cells, found from the panel's grey frame."""
    right = frame[:, 2 * frame.shape[1] // 3 :]
    border = np.all(right == 90, axis=2)
    rows = np.nonzero(border.sum(axis=1) > 50)[0]
    cols = np.nonzero(border.sum(axis=0) > 50)[0]
    top, bottom, left, rgt = rows[0], rows[-1], cols[0], cols[-1]
    h, w = shape
    ch, cw = (bottom - top) / h, (rgt - left) / w
    return [
        right[
            int(top + i * ch) + 5 : int(top + (i + 1) * ch) - 5,
            int(left + j * cw) + 5 : int(left + (j + 1) * cw) - 5,
        ]
        for i in range(h)
        for j in range(w)
    ]


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) @ (0.299, 0.587, 0.114)


@pytest.mark.parametrize("case", ["lesson", "all clipped"])
def test_every_computed_number_contrasts_with_its_cell(lesson: Any, case: str) -> None:
    # The clip display draws values above 255 white: their numbers must be dark, whatever the
    # spread of the values (white on white cannot be read).
    if case == "all clipped":
        lesson.set_document(ImageDoc(np.full((6, 6), 200, np.uint8), 8, "flat"))
        lesson.state.set_all(np.ones((3, 3)), LayerParams(boundary="replicate"), "flat")
        assert np.all(lesson.state.result.activated == 1800)
    assert lesson.state.display_mode == "clip"
    frame = qimage_rgb(render_frame(lesson.state, lesson.state.result, FrameSpec(), 35))
    cells = output_cells(frame, (6, 6))
    assert len(cells) == 36
    for k, cell in enumerate(cells):
        y = luma(cell)
        background = float(np.median(y))
        ink = np.abs(y - background) > 100
        assert ink.sum() > 10, f"the number in output cell {divmod(k, 6)} cannot be read"


def test_a_frame_shows_the_sum_of_its_position(lesson: Any) -> None:
    # The bottom line reads "row r, col c: ... = total": different positions write different
    # lines, the same position the same line.
    result = lesson.state.result
    spec = FrameSpec("conv", 640, 300)
    a = qimage_rgb(render_frame(lesson.state, result, spec, 15))[-46:]
    b = qimage_rgb(render_frame(lesson.state, result, spec, 16))[-46:]
    a2 = qimage_rgb(render_frame(lesson.state, result, spec, 15))[-46:]
    assert np.any(a != 255)
    assert not np.array_equal(a, b)
    assert np.array_equal(a, a2)


def test_the_export_dialog_exports_the_chosen_span(lesson: Any, qtbot: Any, tmp_path: Path) -> None:
    dlg = ExportDialog(lesson, "gif")
    qtbot.addWidget(dlg)
    assert dlg.first.maximum() == 36 and dlg.last.value() == 36
    dlg.first.setValue(3)
    dlg.last.setValue(12)
    assert dlg.positions() == list(range(2, 12))
    dlg.step.setValue(3)
    assert dlg.positions() == [2, 5, 8, 11]
    dlg.step.setValue(1)
    sizes = [dlg.size.itemText(i) for i in range(dlg.size.count())]
    dlg.size.setCurrentIndex(next(i for i, t in enumerate(sizes) if t.startswith("640×300")))
    path = tmp_path / "slide.gif"
    dlg.path.setText(str(path))
    box = dlg.findChild(QDialogButtonBox)
    with qtbot.waitSignal(dlg.accepted, timeout=10000):
        box.button(QDialogButtonBox.StandardButton.Ok).click()
    with Image.open(path) as gif:
        assert gif.n_frames == 10
        assert gif.size == (640, 300)
    assert "Exported 10 frames" in lesson.statusBar().currentMessage()


@pytest.mark.parametrize("kind", ["gif", "png"])
@pytest.mark.parametrize("bad", [36, -1])
def test_a_position_outside_the_animation_is_refused_before_any_frame(
    lesson: Any, tmp_path: Path, kind: str, bad: int
) -> None:
    target = tmp_path / ("a.gif" if kind == "gif" else "frames")
    with pytest.raises(ValueError, match=f"position {bad}"):
        export_animation(lesson.state, [0, 1, 2, bad], target, kind=kind, spec=SPEC)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    # The pooled stage has fewer positions: 3×3.
    lesson.state.set_params(pool="max")
    with pytest.raises(ValueError, match="position 9"):
        export_animation(lesson.state, [9], target, kind=kind, spec=FrameSpec("pool", 320, 150))
    assert export_animation(lesson.state, [8], target, kind=kind, spec=FrameSpec("pool", 320, 150))


RENDER_BAD_POSITION = """
import gc
from PySide6.QtWidgets import QApplication
app = QApplication([])
from convgui.core import get_preset
from convgui.gui.export import FrameSpec, render_frame
from convgui.imageio import load_sample
from convgui.resources import samples
from convgui.state import ExplorerState, SyncExecutor
state = ExplorerState(SyncExecutor())
state.set_image(load_sample(samples()[0].path, samples()[0].title))
state.set_kernel(get_preset("lesson"))
try:
    render_frame(state, state.result, FrameSpec("conv", 320, 150), 36)
except ValueError as exc:
    print("refused:", exc)
gc.collect()
render_frame(state, state.result, FrameSpec("conv", 320, 150), 35)
gc.collect()
print("alive")
"""


def test_a_failed_frame_does_not_crash_the_process(tmp_path: Path) -> None:
    # A painter left active on a QImage that is then garbage-collected kills the process
    # ("QPaintDevice: Cannot destroy paint device that is being painted"): run it apart.
    import os
    import subprocess
    import sys

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
    assert proc.stdout.rstrip().endswith("alive")


def test_a_shorter_export_into_the_same_folder_leaves_only_its_own_frames(
    lesson: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "frames"
    spec = FrameSpec("conv", 320, 150)
    assert export_animation(lesson.state, list(range(6)), folder, kind="png", spec=spec) == 6
    keep = folder / "notes.txt"
    keep.write_text("the teacher's own file")
    assert export_animation(lesson.state, [0, 1, 2], folder, kind="png", spec=spec) == 3
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["frame_00000.png", "frame_00001.png", "frame_00002.png", "notes.txt"]
