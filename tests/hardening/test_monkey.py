"""A monkey test: hundreds of random user actions, and after each one the window must show
exactly what the engine computes for the current state. Nothing may raise (pytest-qt turns an
exception in any Qt slot into a failure).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from convgui.core import correlate2d, pool2d, post_stage
from convgui.core.pipeline import LayerParams
from convgui.gui.window import MainWindow
from convgui.resources import samples
from convgui.state import ExplorerState, SyncExecutor

N_ACTIONS = 320
SEED = 7

TEXTS = [
    "1",
    "-2",
    "0.5",
    "1/9",
    "−1",
    "2e-3",
    " 3 ",
    "abc",
    "",
    "nan",
    "inf",
    "1e309",
    "1/0",
    "9" * 400,
    "1/2/3",
    "0x10",
    "٣",
    "1,5",
    "--1",
    "+4",
    ".5",
    "7/-2",
]


def _expected(state: ExplorerState) -> tuple[np.ndarray, np.ndarray | None]:
    img = state.engine_image()
    p: LayerParams = state.params
    conv = correlate2d(
        img,
        state.kernel,
        padding=p.padding,
        boundary=p.boundary,
        cval=p.cval,
        stride=p.stride,
        dilation=p.dilation,
        flip=p.flip,
    )
    act = post_stage(conv, p)
    pooled = None
    if p.pool != "none":
        pooled = pool2d(act, p.pool_size, stride=p.pool_stride, padding=p.pool_padding, op=p.pool)
    return act, pooled


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    good = samples()[1].path
    bad = tmp_path / "broken.png"
    bad.write_bytes(good.read_bytes()[:40])
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    return [good, samples()[0].path, bad, empty, tmp_path / "missing.png", tmp_path]


def test_random_user_actions(qtbot, tmp_path: Path, files: list[Path]) -> None:
    state = ExplorerState(SyncExecutor())
    window = MainWindow(state, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    window.open_sample(samples()[0])
    rng = np.random.default_rng(SEED)
    kp, lp = window.kernel_panel, window.layer_panel

    def pick_combo(combo) -> None:
        i = int(rng.integers(0, combo.count()))
        combo.setCurrentIndex(i)
        combo.activated.emit(i)

    actions = {
        "cell": lambda: kp.model.setData(
            kp.model.index(
                int(rng.integers(0, kp.model.rowCount())),
                int(rng.integers(0, kp.model.columnCount())),
            ),
            str(rng.choice(TEXTS)),
            Qt.ItemDataRole.EditRole,
        ),
        "preset": lambda: pick_combo(kp.preset_combo),
        "rows": lambda: kp.rows_spin.setValue(int(rng.integers(1, 8))),
        "cols": lambda: kp.cols_spin.setValue(int(rng.integers(1, 8))),
        "normalize": lambda: kp.normalize_btn.click(),
        "flip": lambda: kp.flip_check.toggle(),
        "divisor": lambda: kp.divisor_spin.setValue(float(rng.choice([0, 1, 2, -3, 9]))),
        "bias": lambda: kp.bias_spin.setValue(float(rng.choice([0, 10, -5]))),
        "padding": lambda: pick_combo(lp.padding_combo),
        "custom_pad": lambda: lp.pad_spins[int(rng.integers(0, 4))].setValue(
            int(rng.integers(0, 4))
        ),
        "boundary": lambda: pick_combo(lp.boundary_combo),
        "stride": lambda: lp.stride_spin.setValue(int(rng.integers(1, 5))),
        "dilation": lambda: lp.dilation_spin.setValue(int(rng.integers(1, 4))),
        "activation": lambda: pick_combo(lp.activation_combo),
        "pool": lambda: pick_combo(lp.pool_combo),
        "pool_size": lambda: lp.pool_size_spin.setValue(int(rng.integers(1, 5))),
        "pool_stride": lambda: lp.pool_stride_spin.setValue(int(rng.integers(1, 5))),
        "display": lambda: pick_combo(window.display_combo),
        "scale": lambda: pick_combo(window.scale_combo),
        "play": lambda: window.anim.toggle(),
        "step": lambda: window.anim.step(int(rng.choice([-3, -1, 1, 2, 7]))),
        "scrub": lambda: window.anim_bar.slider.setValue(
            int(rng.integers(0, max(1, window.anim_bar.slider.maximum() + 1)))
        ),
        "stage": lambda: pick_combo(window.anim_bar.stage_combo),
        "load": lambda: window.open_path(files[int(rng.integers(0, len(files)))]),
        "sample": lambda: window.open_sample(samples()[int(rng.integers(0, len(samples())))]),
        "undo": lambda: state.undo(),
        "redo": lambda: state.redo(),
    }
    names = sorted(actions)
    seen = set()
    for n in range(N_ACTIONS):
        name = names[int(rng.integers(0, len(names)))]
        seen.add(name)
        previous_doc = state.doc
        actions[name]()
        qtbot.wait(1)
        assert state.doc is not None
        if name == "load" and state.doc is previous_doc:
            # A refused file says why, and the previous image stays.
            assert window.message_bar.isVisible() and window.message_bar.level == "error"
            assert "Could not open the image" in window.message_bar.text
        result = state.result
        if state.layer_error:
            assert result is None and window.output_view.data is None
            continue
        assert result is not None, f"action {n} ({name}) left no result"
        act, pooled = _expected(state)
        shown = window.output_view.data
        assert shown is not None and shown.shape == act.shape, (n, name)
        assert np.array_equal(shown, act, equal_nan=True), (n, name)
        if pooled is not None:
            assert np.array_equal(window.pooled_view.data, pooled, equal_nan=True), (n, name)
        if window.anim.active and window.arithmetic.last_output is not None:
            rc = window.anim.position_rc()
            grid = pooled if window.anim.stage == "pool" else act
            assert rc is not None and grid is not None
            want = grid[rc] if grid.ndim == 2 else grid[rc][0]
            assert window.arithmetic.last_output == float(want), (n, name)
    window.anim.pause()
    assert len(seen) == len(names)
    window.close()
