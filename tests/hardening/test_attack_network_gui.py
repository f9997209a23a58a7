"""Attacks on the network mode through the window: Network ▸ Open and Save with bad files.

The file dialogs are patched to return the attacked path, then the menu action is triggered as
a user would. A refused file shows an error in the message bar naming what was wrong, and the
current network stays (the very same object); a save that cannot complete leaves no file
behind, and a file convgui did not write is replaced only after asking.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QAction, QMouseEvent
from PySide6.QtWidgets import QApplication

import convgui.safeio as safeio
from convgui.core.digits import CANVAS_SIDE, stamp_segment
from convgui.core.network import LayerSpec
from convgui.gui import network_mode
from convgui.gui.digit_canvas import PEN_SOFTNESS, DigitCanvas, DigitPanel, clip_segment
from convgui.net import Network

pytestmark = pytest.mark.usefixtures("no_leftover_work")


def _action(window: Any, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


@pytest.fixture
def nm(window: Any) -> Any:
    """The window in the network mode on the shipped digits network."""
    _action(window, "digitsNetworkAction").trigger()
    assert window.mode == "network"
    return window.network_mode


@pytest.fixture
def saved(nm: Any, tmp_path: Path) -> Path:
    """A good network file pair (the digits network with one bias changed), folder ``good``."""
    folder = tmp_path / "good"
    folder.mkdir()
    assert nm.net.set_bias(0, 0, "0.5")
    nm.net.network.save(folder / "n.json")
    assert nm.net.undo()
    return folder / "n.json"


def _open(window: Any, monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(
        network_mode.QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "")
    )
    _action(window, "openNetworkAction").trigger()


def _save(window: Any, monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(
        network_mode.QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), "")
    )
    _action(window, "saveNetworkAction").trigger()


def _copy(saved: Path, tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(saved.parent, folder)
    return folder / "n.json"


def _bar(window: Any) -> tuple[str, str]:
    return window.message_bar.level, window.message_bar.label.text()


def _sparse(path: Path, size: int) -> None:
    """A file of ``size`` bytes that takes no disk space (zeros, as a damaged download)."""
    with path.open("r+b") as fh:
        fh.truncate(size)


NPZ_ATTACKS = {
    "garbage": lambda p: p.write_bytes(b"PK\x03\x04garbage" * 100),
    "empty": lambda p: p.write_bytes(b""),
    "folder": lambda p: (p.unlink(), p.mkdir()),
    "huge": lambda p: _sparse(p, 300 * 2**20),
    "other network": lambda p: p.write_bytes(
        Network([LayerSpec("conv2d", "conv1", filters=3)], None, (28, 28, 1)).weights_npz()
    ),
}


@pytest.mark.parametrize("attack", sorted(NPZ_ATTACKS))
def test_a_damaged_weights_file_keeps_the_network_and_says_which_file(
    window: Any,
    nm: Any,
    saved: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    attack: str,
) -> None:
    path = _copy(saved, tmp_path, "attacked")
    NPZ_ATTACKS[attack](path.with_suffix(".npz"))
    before, undo = nm.net.network, nm.net.undo_label
    _open(window, monkeypatch, path)
    level, text = _bar(window)
    assert nm.net.network is before
    assert nm.net.undo_label == undo
    assert level == "error"
    assert "n.npz" in text or "n.json" in text, text
    assert "kept" in text


def test_an_absent_structure_file_keeps_the_network(
    window: Any, nm: Any, saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _copy(saved, tmp_path, "weights only")
    path.unlink()
    before = nm.net.network
    _open(window, monkeypatch, path.with_suffix(".npz"))
    level, text = _bar(window)
    assert nm.net.network is before
    assert level == "error" and "n.json" in text and "kept" in text


def test_a_structure_without_weights_opens_with_new_weights_and_says_so(
    window: Any, nm: Any, saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _copy(saved, tmp_path, "structure only")
    path.with_suffix(".npz").unlink()
    _open(window, monkeypatch, path)
    assert [s.name for s in nm.net.network.layers] == [s.name for s in Network.load(saved).layers]
    assert nm.net.outputs is not None
    assert nm.net.undo()  # the open is one undo step back to the digits network
    assert float(nm.net.network.weights[0]["bias"][0]) != 0.5


def test_opening_the_good_file_after_the_bad_ones_still_works(
    window: Any, nm: Any, saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = _copy(saved, tmp_path, "bad")
    bad.with_suffix(".npz").write_bytes(b"nope")
    _open(window, monkeypatch, bad)
    assert _bar(window)[0] == "error"
    _open(window, monkeypatch, saved)
    assert float(nm.net.network.weights[0]["bias"][0]) == 0.5
    assert nm.net.path == saved


def test_a_read_only_folder_says_so_and_writes_nothing(
    window: Any, nm: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests may run as root (chmod cannot stop root): the folder refuses new files instead.
    folder = tmp_path / "read-only"
    folder.mkdir()
    real = tempfile.mkstemp

    def refuse(*args: Any, **kwargs: Any) -> Any:
        if Path(str(kwargs.get("dir", ""))) == folder:
            raise PermissionError(13, "Permission denied", str(folder))
        return real(*args, **kwargs)

    monkeypatch.setattr(safeio.tempfile, "mkstemp", refuse)
    before = nm.net.network
    _save(window, monkeypatch, folder / "x.json")
    level, text = _bar(window)
    assert level == "error" and "not saved" in text
    assert list(folder.iterdir()) == []
    assert nm.net.network is before and nm.net.path is None


def test_a_failing_second_file_leaves_no_half_written_pair(
    window: Any, nm: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tempfile.mkstemp

    def refuse_json(*args: Any, **kwargs: Any) -> Any:
        if str(kwargs.get("prefix", "")).startswith(".x.json"):
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(safeio.tempfile, "mkstemp", refuse_json)
    _save(window, monkeypatch, tmp_path / "x.json")
    assert _bar(window)[0] == "error"
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "the weights were left alone"


def test_a_foreign_weights_file_is_replaced_only_after_asking(
    window: Any, nm: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the .npz partner exists (someone else's): saving x.json would replace it.
    (tmp_path / "x.npz").write_bytes(b"keep me")
    asked: list[str] = []
    monkeypatch.setattr(window.files, "ask", lambda title, text: asked.append(text) or False)
    _save(window, monkeypatch, tmp_path / "x.json")
    assert len(asked) == 1
    assert (tmp_path / "x.npz").read_bytes() == b"keep me"
    assert not (tmp_path / "x.json").exists()
    monkeypatch.setattr(window.files, "ask", lambda title, text: True)
    _save(window, monkeypatch, tmp_path / "x.json")
    got = Network.load(tmp_path / "x.json")
    for a, b in zip(got.weights, nm.net.network.weights):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


# --- the digit canvas ------------------------------------------------------------------------


def _mouse(widget: Any, kind: QEvent.Type, pos: QPointF, buttons: Qt.MouseButton) -> None:
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier(0))
    QApplication.sendEvent(widget, event)


@pytest.mark.parametrize("far", [(2.0**30, -(2.0**30)), (-1e7, 60.0), (90.0, 5e6)])
def test_a_stroke_dragged_far_outside_draws_what_reaches_the_canvas(
    qtbot: Any, far: tuple[float, float]
) -> None:
    # Beyond a million canvas pixels the pen refused the point and mouseMoveEvent raised.
    panel = DigitPanel()
    qtbot.addWidget(panel)
    panel.resize(400, 500)
    panel.show()
    qtbot.waitExposed(panel)
    canvas = panel.findChild(DigitCanvas)
    assert canvas is not None
    start, end = QPointF(120.0, 140.0), QPointF(*far)
    left = Qt.MouseButton.LeftButton
    _mouse(canvas, QEvent.Type.MouseButtonPress, start, left)
    _mouse(canvas, QEvent.Type.MouseMove, end, left)
    _mouse(canvas, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)
    # The reference: the same stroke with its far end pulled in along the same line to 10⁵
    # pixels (still far beyond the pen's reach), drawn by the pen itself.
    a = np.array(canvas.to_canvas(start))
    f = np.array(canvas.to_canvas(end))
    near = a + (f - a) * (1e5 / np.hypot(*(f - a)))
    want = np.zeros((CANVAS_SIDE, CANVAS_SIDE), np.float32)
    r = canvas.pen_width / 2
    stamp_segment(want, tuple(a), tuple(a), radius=r, softness=PEN_SOFTNESS)
    stamp_segment(want, tuple(a), tuple(near), radius=r, softness=PEN_SOFTNESS)
    np.testing.assert_allclose(canvas.canvas(), want, atol=1e-5)
    assert want.max() == pytest.approx(1.0)
    assert canvas.can_undo


@pytest.mark.parametrize("width", ["12", None, [3], float("nan"), "wide"])
def test_a_pen_width_that_is_not_a_number_keeps_the_pen(qtbot: Any, width: Any) -> None:
    canvas = DigitCanvas()
    qtbot.addWidget(canvas)
    canvas.set_pen_width(20)
    canvas.set_pen_width(width)  # "12" is a number; the rest are ignored
    assert canvas.pen_width == (12.0 if width == "12" else 20.0)


def test_clip_segment_keeps_the_part_inside() -> None:
    assert clip_segment((-10.0, -10.0), (30.0, 30.0), 0.0, 20.0) == ((0.0, 0.0), (20.0, 20.0))
    assert clip_segment((5.0, 5.0), (5.0, 5.0), 0.0, 20.0) == ((5.0, 5.0), (5.0, 5.0))
    assert clip_segment((25.0, 5.0), (25.0, 15.0), 0.0, 20.0) is None
    (x0, y0), (x1, y1) = clip_segment((10.0, 10.0), (1e9, 10.0 + 1e9), 0.0, 20.0) or ((0, 0),) * 2
    assert (x0, y0) == (10.0, 10.0) and x1 == pytest.approx(20.0) and y1 == pytest.approx(20.0)
