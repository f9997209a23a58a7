"""After the animation has moved, any change shows the whole new output and pooled map."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt

from convgui.core import LayerParams
from convgui.resources import samples


def covered(window: Any) -> bool:
    o = window.overlay
    return o.out_cover.covering or o.pool_cover.covering


CHANGES = {
    "preset": lambda w: w.state.apply_preset("box_blur"),
    "photo": lambda w: w.open_sample(samples()[2]),
    "cell edit": lambda w: w.state.set_kernel_cell(0, 0, "3"),
    "layer setting": lambda w: w.state.set_params(stride=(2, 2)),
    "undo": lambda w: w.state.undo(),
}


@pytest.mark.parametrize("how", ["step", "play then pause", "click"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_after_the_animation_moved_shows_the_whole_output(
    window: Any, qtbot: Any, how: str, change: str
) -> None:
    state, anim = window.state, window.anim
    state.set_params(pool="max")
    state.apply_preset("sharpen")
    if how == "step":
        anim.step(7)
        assert covered(window), "stepping fills the output in"
    elif how == "play then pause":
        anim.set_speed(30.0)
        anim.play()
        qtbot.waitUntil(lambda: anim.playback.position >= 3, timeout=3000)
        anim.pause()
        assert covered(window)
    else:
        window.anim.seek_rc(2, 3, "conv", filling=False)  # what a click on the output does
    CHANGES[change](window)
    qtbot.wait(10)
    assert not covered(window), "the new output and pooled map are shown whole"
    assert window.output_view.data is state.result.activated
    # The window stays where it was (clamped), over the new values, and says so.
    assert anim.active
    assert window.overlay.in_window.taps.isVisible()
    assert window.arithmetic.last_total is not None
    # Stepping again fills in from there.
    anim.step(1)
    assert covered(window)


def test_the_pooled_map_is_whole_too_after_pooling_steps(window: Any) -> None:
    state, anim = window.state, window.anim
    state.set_params(pool="max")
    anim.set_stage("pool")
    anim.step(1)
    assert window.overlay.pool_cover.covering
    state.set_params(pool_size=(3, 3), pool_stride=(3, 3))
    assert not window.overlay.pool_cover.covering
    assert anim.stage == "pool"


def test_show_all_button_says_what_it_does_and_does_it(window: Any, qtbot: Any) -> None:
    btn = window.anim_bar.stop_btn
    assert btn.text() == "Show all"
    assert btn.toolTip() == "Stop: show the whole output"
    window.anim.step(4)
    assert covered(window)
    qtbot.mouseClick(btn, Qt.MouseButton.LeftButton)
    assert not covered(window) and not window.anim.active


def test_lesson_question_covers_the_unknown_output_and_clears_on_close(
    window: Any, qtbot: Any
) -> None:
    window.start_lesson()
    window.lesson.go(3)  # the edge question
    assert window.anim.model.question and window.overlay.out_cover.covering
    window.lesson.finish()
    assert not window.anim.model.question and not covered(window)
    state = window.state
    state.set_all(np.ones((3, 3)), LayerParams(), "after")
    assert not covered(window)


class _HeldExecutor:
    """Runs submitted work only when told to: a recompute still on the worker."""

    def __init__(self) -> None:
        self.jobs: list[Any] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        from concurrent.futures import Future

        fut: Future[Any] = Future()
        self.jobs.append((fut, fn, args, kwargs))
        return fut

    def run_all(self) -> None:
        while self.jobs:
            fut, fn, args, kwargs = self.jobs.pop(0)
            fut.set_result(fn(*args, **kwargs))

    def shutdown(self, wait: bool = True, **_: Any) -> None:
        self.run_all()


def test_while_a_new_image_computes_the_window_shows_the_old_result_consistently(
    qtbot: Any, tmp_path: Any
) -> None:
    from PySide6.QtCore import QSettings

    from convgui.gui.window import MainWindow
    from convgui.imageio import ImageDoc
    from convgui.state import ExplorerState

    held = _HeldExecutor()
    s = ExplorerState(held, sync_work_limit=0)  # type: ignore[arg-type]
    w = MainWindow(s, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    try:
        big = np.arange(8 * 10, dtype=np.uint8).reshape(8, 10)
        w.set_document(ImageDoc(big, 8, "big"))
        held.run_all()
        qtbot.waitUntil(lambda: s.result is not None, timeout=2000)
        w.anim.seek_rc(5, 4)
        old = s.result
        # A smaller colour image: its recompute waits on the worker.
        w.set_document(ImageDoc(np.full((3, 3, 3), 200, np.uint8), 8, "small"))
        s.set_color_mode("rgb")
        assert s.result is old and s.engine_image().shape == (3, 3, 3)
        w.anim.step(1)  # neither raises nor mixes the new image with the old result
        total, written = w.arithmetic.last_total, w.arithmetic.last_output
        assert total == float(old.activated[5, 5]) == written
        assert "red channel" not in w.arithmetic.toPlainText()
        held.run_all()
        qtbot.waitUntil(lambda: s.result is not old, timeout=2000)
        assert s.result.activated.shape == (3, 3, 3)
    finally:
        w.close()
        s.close()
