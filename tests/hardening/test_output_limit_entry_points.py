"""An output past the pixel limit is refused through every entry point, allocating nothing.

Custom padding of 60000 cells on the lesson's 6×6 image would make a 120006×120006 padded input
(14.4 gigapixels). Through a control, a kernel file and the remembered settings the user gets
the message with the sizes, and the peak of Python allocations during the action stays under
50 MB (the padded input alone would be 57 GB as float32). The command line is tested in
``tests/gui/test_app.py`` (exit status 2).
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from convgui.core import LayerParams, get_preset
from convgui.gui.settings import Session
from convgui.gui.window import MainWindow

SIZES = "the 6×6 image becomes 120006×120006 (14,401.4 megapixels)"
PEAK_LIMIT = 50e6


def peak_during(action: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``action``; return its result and the peak of traced allocations, in bytes."""
    tracemalloc.start()
    try:
        result = action()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


@pytest.fixture
def win(qtbot: Any, state: Any, tmp_path: Path, lesson_sample: Any) -> Iterator[MainWindow]:
    w = MainWindow(state, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    w.open_sample(lesson_sample)
    assert state.doc.shape == (6, 6) and state.result is not None
    yield w
    w.close()


def test_through_the_controls(win: MainWindow) -> None:
    s, lp = win.state, win.layer_panel
    _, peak = peak_during(lambda: s.set_params("Custom padding", padding=(60000,) * 4))
    assert peak < PEAK_LIMIT
    assert s.result is None and SIZES in s.layer_error
    # The padding spin boxes show the padding in force, not their usual maximum (112).
    assert [sp.value() for sp in lp.pad_spins] == [60000] * 4
    # Each control the user then touches gives the message with the sizes, allocating nothing.
    for spin, value in (
        (lp.dilation_spin, 2),
        (lp.stride_spin, 3),
        (lp.pad_spins[0], 59999),
    ):
        _, peak = peak_during(lambda spin=spin, value=value: spin.setValue(value))
        assert peak < PEAK_LIMIT, spin.objectName()
        assert s.result is None
        assert "over convgui's limit of 100.0 megapixels" in s.layer_error
    assert s.params.dilation == (2, 2) and s.params.stride == (3, 3)
    assert s.params.padding == (59999, 60000, 60000, 60000)
    assert "megapixels), over convgui's limit" in lp.shape_label.text()
    assert win.message_bar.text.startswith("No output: With padding 59999/60000/60000/60000")
    # Back to a usable padding: the output is computed again.
    s.set_params(padding="same")
    assert s.result is not None and s.layer_error is None


def test_through_a_kernel_file(win: MainWindow, tmp_path: Path) -> None:
    s = win.state
    path = tmp_path / "huge-padding.json"
    path.write_text(json.dumps({"kernel": [[1, 2, 1]] * 3, "params": {"padding": [60000] * 4}}))
    kernel, params, result = s.kernel, s.params, s.result
    ok, peak = peak_during(lambda: win.open_kernel_path(path))
    assert not ok
    assert peak < PEAK_LIMIT
    assert s.kernel is kernel and s.params == params and s.result is result
    assert win.message_bar.level == "error"
    assert "huge-padding.json" in win.message_bar.text
    assert SIZES in win.message_bar.text


def test_through_remembered_settings(win: MainWindow) -> None:
    s, st = win.state, win.settings
    st.setValue(
        "kernel",
        json.dumps({"kernel": [[0, 1, 0]] * 3, "params": {"padding": [60000] * 4}}),
    )
    st.sync()
    told: list[tuple[str, str]] = []
    session = Session(s, st, lambda *m: told.append(m))
    ok, peak = peak_during(session.restore)
    assert not ok
    assert peak < PEAK_LIMIT
    assert s.params == LayerParams() and (s.kernel == get_preset("identity")).all()
    assert s.result is not None
    assert len(told) == 1 and told[0][0] == "warning"
    assert told[0][1].startswith("Your settings could not be read (With padding 60000/")
    assert SIZES in told[0][1]
    assert "the old file was kept as" in told[0][1]
