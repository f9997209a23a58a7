"""ExplorerState: one signal per action, no work for no change, validation, undo, latest wins."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QCoreApplication

from convgui.core import CellParseError, LayerParams, correlate2d, get_preset, pool2d
from convgui.imageio import ImageDoc
from convgui.state import ExplorerState, SyncExecutor

SIGNALS = (
    "image_changed",
    "kernel_changed",
    "params_changed",
    "view_changed",
    "result_changed",
    "history_changed",
    "busy_changed",
    "message",
)

RNG = np.random.default_rng(1234)
GRAY = RNG.integers(0, 256, (20, 24), dtype=np.uint8)
RGB = RNG.integers(0, 256, (18, 22, 3), dtype=np.uint8)


class Recorder:
    """Counts every signal of a state."""

    def __init__(self, state: ExplorerState) -> None:
        self.counts = dict.fromkeys(SIGNALS, 0)
        for name in SIGNALS:
            getattr(state, name).connect(lambda *a, n=name: self._hit(n))

    def _hit(self, name: str) -> None:
        self.counts[name] += 1

    def fired(self) -> dict[str, int]:
        """Signals that fired, with their counts."""
        return {k: v for k, v in self.counts.items() if v}

    def reset(self) -> None:
        self.counts = dict.fromkeys(SIGNALS, 0)


@pytest.fixture
def loaded(state: ExplorerState) -> ExplorerState:
    """The synchronous state holding a 20×24 grayscale image."""
    state.set_image(ImageDoc(GRAY, name="gray"))
    return state


@pytest.fixture
def rec(loaded: ExplorerState) -> Recorder:
    return Recorder(loaded)


def expected(state: ExplorerState, kernel: Any = None, params: LayerParams | None = None) -> Any:
    p = params or state.params
    img = state.engine_image()
    assert img is not None
    return correlate2d(
        img,
        state.kernel if kernel is None else kernel,
        padding=p.padding,
        boundary=p.boundary,
        cval=p.cval,
        stride=p.stride,
        dilation=p.dilation,
        flip=p.flip,
    )


# --- one signal per action ------------------------------------------------------------------

ACTIONS: dict[str, tuple[Callable[[ExplorerState], Any], dict[str, int]]] = {
    "cell": (
        lambda s: s.set_kernel_cell(0, 0, "1/9"),
        {"kernel_changed": 1, "history_changed": 1, "result_changed": 1},
    ),
    "preset": (
        lambda s: s.apply_preset("sobel_x"),
        {"kernel_changed": 1, "history_changed": 1, "result_changed": 1},
    ),
    "resize": (
        lambda s: s.resize_kernel(5, 3),
        {"kernel_changed": 1, "history_changed": 1, "result_changed": 1},
    ),
    "params": (
        lambda s: s.set_params(padding="valid"),
        {"params_changed": 1, "history_changed": 1, "result_changed": 1},
    ),
    "kernel and params": (
        lambda s: s.set_all(np.ones((2, 2)), LayerParams(stride=2), "both"),
        {"kernel_changed": 1, "params_changed": 1, "history_changed": 1, "result_changed": 1},
    ),
    "display": (lambda s: s.set_display_mode("diverging"), {"view_changed": 1}),
    "color": (
        lambda s: s.set_image(ImageDoc(RGB)) or s.set_color_mode("rgb"),
        {"image_changed": 2, "result_changed": 2},
    ),
    "scale": (lambda s: s.set_value_scale("0-1"), {"image_changed": 1, "result_changed": 1}),
    "image": (
        lambda s: s.set_image(ImageDoc(GRAY.T.copy())),
        {"image_changed": 1, "result_changed": 1},
    ),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_emits_each_signal_once(
    loaded: ExplorerState, rec: Recorder, action: str
) -> None:
    do, want = ACTIONS[action]
    do(loaded)
    assert rec.fired() == want


def test_wait_signal_for_a_cell_edit(loaded: ExplorerState, qtbot: Any) -> None:
    with (
        qtbot.waitSignal(loaded.kernel_changed, timeout=1000),
        qtbot.waitSignal(loaded.result_changed, timeout=1000),
        qtbot.assertNotEmitted(loaded.params_changed),
    ):
        assert loaded.set_kernel_cell(1, 1, "2") is True
    assert loaded.kernel[1, 1] == 2.0
    assert np.array_equal(loaded.result.activated, expected(loaded))


def test_undo_and_redo_emit_once(loaded: ExplorerState, rec: Recorder) -> None:
    loaded.apply_preset("box_blur")
    loaded.set_params(stride=2)
    rec.reset()
    loaded.undo()
    assert rec.fired() == {"params_changed": 1, "history_changed": 1, "result_changed": 1}
    rec.reset()
    loaded.undo()
    assert rec.fired() == {"kernel_changed": 1, "history_changed": 1, "result_changed": 1}
    rec.reset()
    loaded.redo()
    assert rec.fired() == {"kernel_changed": 1, "history_changed": 1, "result_changed": 1}


# --- a change that changes nothing ----------------------------------------------------------

NO_OPS: dict[str, Callable[[ExplorerState], Any]] = {
    "same preset": lambda s: s.apply_preset("sharpen"),
    "same params": lambda s: s.set_params(padding="same", stride=(1, 1), boundary="zero"),
    "same stride as int": lambda s: s.set_params(stride=1),
    "same cell value": lambda s: s.set_kernel_cell(1, 1, "5"),
    "same cell value typed differently": lambda s: s.set_kernel_cell(1, 1, "10/2"),
    "same kernel": lambda s: s.set_kernel(get_preset("sharpen")),
    "same size": lambda s: s.resize_kernel(3, 3),
    "same display": lambda s: s.set_display_mode("clip"),
    "same color mode": lambda s: s.set_color_mode("gray"),
    "same value scale": lambda s: s.set_value_scale("0-255"),
    "nothing to undo": lambda s: s.redo(),
}


@pytest.mark.parametrize("action", list(NO_OPS))
def test_no_op_emits_nothing_and_does_not_recompute(loaded: ExplorerState, action: str) -> None:
    loaded.apply_preset("sharpen")
    assert loaded.kernel[1, 1] == 5
    before = loaded.result
    assert before is not None
    undo = loaded.can_undo
    rec = Recorder(loaded)
    NO_OPS[action](loaded)
    assert rec.fired() == {}
    assert loaded.result is before
    assert loaded.result.generation == before.generation
    assert loaded.can_undo == undo


def test_apply_returns_whether_anything_changed(loaded: ExplorerState) -> None:
    assert loaded.apply_preset("emboss") is True
    assert loaded.apply_preset("emboss") is False
    assert loaded.set_params(activation="relu") is True
    assert loaded.set_params(activation="relu") is False


# --- invalid input --------------------------------------------------------------------------

INVALID: dict[str, tuple[Callable[[ExplorerState], Any], type[Exception], str]] = {
    "bad cell text": (lambda s: s.set_kernel_cell(0, 0, "abc"), CellParseError, "abc"),
    "empty cell": (lambda s: s.set_kernel_cell(0, 0, "  "), CellParseError, "empty"),
    "nan cell": (lambda s: s.set_kernel_cell(0, 0, "nan"), CellParseError, "nan"),
    "cell outside": (lambda s: s.set_kernel_cell(3, 0, "1"), IndexError, "outside"),
    "16x16 kernel": (lambda s: s.set_kernel(np.ones((16, 16))), ValueError, "16×16"),
    "1x16 kernel": (lambda s: s.set_kernel(np.ones((1, 16))), ValueError, "1×16"),
    "empty kernel": (lambda s: s.set_kernel(np.ones((0, 3))), ValueError, "shape"),
    "3-D kernel": (lambda s: s.set_kernel(np.ones((3, 3, 3))), ValueError, "2-D"),
    "NaN kernel": (lambda s: s.set_kernel([[1, np.nan], [0, 0]]), ValueError, "finite"),
    "inf kernel": (lambda s: s.set_kernel([[1, np.inf]]), ValueError, "finite"),
    "NaN in set_all": (
        lambda s: s.set_all([[np.nan]], LayerParams(), "x"),
        ValueError,
        "finite",
    ),
    "NaN block": (lambda s: s.set_kernel_block(0, 0, [[np.nan]]), ValueError, "finite"),
    "resize to 16": (lambda s: s.resize_kernel(16, 3), ValueError, "16×3"),
    "resize to 0": (lambda s: s.resize_kernel(3, 0), ValueError, "3×0"),
    "divisor 0": (lambda s: s.set_params(divisor=0), ValueError, "divisor"),
    "stride 0": (lambda s: s.set_params(stride=0), ValueError, "stride"),
    "dilation -1": (lambda s: s.set_params(dilation=(1, -1)), ValueError, "dilation"),
    "unknown boundary": (lambda s: s.set_params(boundary="bogus"), ValueError, "bogus"),
    "unknown activation": (lambda s: s.set_params(activation="gelu"), ValueError, "gelu"),
    "NaN bias": (lambda s: s.set_params(bias=float("nan")), ValueError, "bias"),
    "unknown param": (lambda s: s.set_params(colour="red"), TypeError, "colour"),
    "unknown preset": (lambda s: s.apply_preset("blurry"), ValueError, "blurry"),
    "normalize zero-sum": (lambda s: s.normalize(), ValueError, "sum"),
    "unknown display mode": (lambda s: s.set_display_mode("sepia"), ValueError, "sepia"),
    "unknown colour mode": (lambda s: s.set_color_mode("cmyk"), ValueError, "cmyk"),
    "unknown value scale": (lambda s: s.set_value_scale("0-100"), ValueError, "0-100"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_input_raises_and_changes_nothing(loaded: ExplorerState, case: str) -> None:
    do, exc_type, quoted = INVALID[case]
    loaded.set_kernel(get_preset("sobel_x") if case == "normalize zero-sum" else np.eye(3))
    kernel, params, result = loaded.kernel, loaded.params, loaded.result
    mode = (loaded.display_mode, loaded.color_mode, loaded.value_scale)
    undo_depth = len(loaded._undo)
    rec = Recorder(loaded)
    with pytest.raises(exc_type, match=quoted):
        do(loaded)
    assert loaded.kernel is kernel
    assert loaded.params is params
    assert loaded.result is result
    assert (loaded.display_mode, loaded.color_mode, loaded.value_scale) == mode
    assert len(loaded._undo) == undo_depth
    assert rec.fired() == {}


def test_kernel_is_read_only_and_copied(loaded: ExplorerState) -> None:
    mine = np.ones((3, 3))
    loaded.set_kernel(mine)
    mine[0, 0] = 99
    assert loaded.kernel[0, 0] == 1
    with pytest.raises(ValueError, match="read-only"):
        loaded.kernel[0, 0] = 5
    with pytest.raises(ValueError, match="read-only"):
        loaded.result.activated[0, 0] = 5


# --- undo and redo --------------------------------------------------------------------------


def test_undo_redo_restore_kernel_and_params(loaded: ExplorerState) -> None:
    k0, p0 = loaded.kernel, loaded.params
    loaded.apply_preset("gaussian_3")
    k1 = loaded.kernel
    loaded.set_params(padding="valid", stride=2)
    p2 = loaded.params
    loaded.set_kernel_cell(0, 0, "-1")
    k3 = loaded.kernel
    assert loaded.undo_label == "Edit kernel cell"

    assert loaded.undo()
    assert np.array_equal(loaded.kernel, k1)
    assert loaded.params == p2
    assert loaded.undo()
    assert np.array_equal(loaded.kernel, k1)
    assert loaded.params == p0
    assert loaded.undo()
    assert np.array_equal(loaded.kernel, k0)
    assert not loaded.can_undo
    assert not loaded.undo()
    assert np.array_equal(loaded.result.activated, expected(loaded))

    assert loaded.redo()
    assert loaded.redo()
    assert loaded.redo()
    assert np.array_equal(loaded.kernel, k3)
    assert loaded.params == p2
    assert not loaded.can_redo
    assert np.array_equal(loaded.result.activated, expected(loaded))


def test_a_new_edit_clears_redo(loaded: ExplorerState) -> None:
    loaded.apply_preset("sharpen")
    loaded.apply_preset("laplacian")
    loaded.undo()
    assert loaded.can_redo
    assert loaded.redo_label == "Preset laplacian"
    loaded.set_params(activation="relu")
    assert not loaded.can_redo
    assert not loaded.redo()
    assert loaded.params.activation == "relu"
    assert np.array_equal(loaded.kernel, get_preset("sharpen"))


def test_undo_after_layer_error_restores_output(loaded: ExplorerState) -> None:
    loaded.set_params(padding="valid")
    loaded.resize_kernel(15, 15)
    loaded.set_params(dilation=2)
    assert loaded.layer_error is not None
    loaded.undo()
    loaded.undo()
    assert loaded.layer_error is None
    assert np.array_equal(loaded.result.activated, expected(loaded))


# --- which stages are recomputed ------------------------------------------------------------


def test_pooling_change_reuses_the_convolution(loaded: ExplorerState) -> None:
    loaded.apply_preset("sobel_x")
    first = loaded.result
    loaded.set_params(pool="max")
    second = loaded.result
    assert second is not first
    assert second.conv is first.conv
    assert second.activated is first.activated
    assert np.array_equal(second.pooled, pool2d(first.activated, 2, stride=2, op="max"))
    loaded.set_params(pool_size=3, pool_stride=1)
    third = loaded.result
    assert third.conv is first.conv
    assert np.array_equal(third.pooled, pool2d(first.activated, 3, stride=1, op="max"))


def test_activation_change_reuses_the_convolution(loaded: ExplorerState) -> None:
    loaded.apply_preset("sobel_x")
    loaded.set_params(pool="avg")
    first = loaded.result
    loaded.set_params(activation="relu")
    second = loaded.result
    assert second.conv is first.conv
    assert second.activated is not first.activated
    assert np.array_equal(second.activated, np.maximum(first.conv, 0))
    assert np.array_equal(second.pooled, pool2d(second.activated, 2, stride=2, op="avg"))
    loaded.set_params(divisor=4, bias=1)
    third = loaded.result
    assert third.conv is first.conv
    assert np.array_equal(third.activated, np.maximum(first.conv / np.float32(4) + 1, 0))


def test_kernel_change_recomputes_everything(loaded: ExplorerState) -> None:
    loaded.set_params(pool="max")
    first = loaded.result
    loaded.set_kernel_cell(0, 0, "1")
    second = loaded.result
    assert second.conv is not first.conv
    assert second.generation > first.generation
    assert np.array_equal(second.conv, expected(loaded))


# --- latest wins with a real worker thread --------------------------------------------------


@pytest.fixture
def threaded(qapp: Any) -> Iterator[ExplorerState]:
    ex = ThreadPoolExecutor(max_workers=1, thread_name_prefix="convgui-test-recompute")
    s = ExplorerState(ex, sync_work_limit=0)
    yield s
    s.close()
    ex.shutdown(wait=True)


def test_latest_wins_with_a_worker_thread(threaded: ExplorerState, qtbot: Any) -> None:
    s = threaded
    img = np.random.default_rng(7).integers(0, 256, (512, 512), dtype=np.uint8)
    published: list[int] = []
    busy: list[bool] = []
    s.result_changed.connect(lambda: published.append(s.result.generation))
    s.busy_changed.connect(busy.append)
    s.set_image(ImageDoc(img))
    s.resize_kernel(5, 5)
    edits = 0
    rng = np.random.default_rng(3)
    for burst in range(4):
        for _ in range(12):
            r, c = rng.integers(0, 5, 2)
            s.set_kernel_cell(int(r), int(c), f"{rng.integers(-9, 10)}/{rng.integers(1, 5)}")
            edits += 1
        if burst % 2:
            QCoreApplication.processEvents()  # let some results arrive between bursts
    final_kernel = s.kernel
    assert s.wait_idle(30)
    qtbot.waitUntil(lambda: busy and busy[-1] is False, timeout=5000)
    assert s.result is not None
    assert s.result.kernel is final_kernel
    assert np.array_equal(s.result.activated, correlate2d(s.engine_image(), final_kernel))
    assert published, "nothing was published"
    assert published == sorted(set(published)), f"stale result published: {published}"
    assert published[-1] == s.result.generation
    assert len(published) < edits, "every request was computed: nothing was skipped"


def test_wait_idle_reports_success_when_nothing_runs(threaded: ExplorerState) -> None:
    assert threaded.wait_idle(0.01) is True
    assert threaded.busy is False


def test_closed_state_publishes_nothing(threaded: ExplorerState) -> None:
    img = np.zeros((256, 256), dtype=np.uint8)
    threaded.set_image(ImageDoc(img))
    threaded.close()
    seen: list[int] = []
    threaded.result_changed.connect(lambda: seen.append(1))
    threaded.apply_preset("box_blur")
    QCoreApplication.processEvents()
    assert seen == []


def test_failed_computation_keeps_the_previous_result(
    loaded: ExplorerState, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import convgui.state as st

    before = loaded.result

    def boom(*a: Any, **k: Any) -> Any:
        raise MemoryError("no room")

    monkeypatch.setattr(st, "conv_stage", boom)
    with qtbot.waitSignal(loaded.message, timeout=1000) as blocker:
        loaded.apply_preset("box_blur")
    level, text = blocker.args
    assert level == "error"
    assert "MemoryError" in text and "previous result is kept" in text
    assert loaded.result is before


# --- layer errors ---------------------------------------------------------------------------


def test_window_larger_than_image_sets_layer_error(loaded: ExplorerState, qtbot: Any) -> None:
    loaded.set_params(padding="valid")
    with qtbot.waitSignal(loaded.result_changed, timeout=1000):
        loaded.set_all(np.ones((15, 15)), loaded.params.evolve(dilation=2), "big")
    assert loaded.result is None
    assert loaded.layer_error
    assert "29" in loaded.layer_error  # the dilated window's size is quoted
    assert loaded.shapes() is None
    with qtbot.waitSignal(loaded.result_changed, timeout=1000):
        loaded.set_params(padding="same")
    assert loaded.layer_error is None
    assert np.array_equal(loaded.result.activated, expected(loaded))
    assert loaded.shapes() == ((20, 24), None)


def test_pooling_larger_than_output_sets_layer_error(loaded: ExplorerState) -> None:
    loaded.set_params(pool="max", pool_size=8, stride=4)
    assert loaded.result is None
    assert loaded.layer_error
    loaded.set_params(pool_size=2)
    assert loaded.layer_error is None
    assert loaded.result.pooled is not None


# --- colour and value scale -----------------------------------------------------------------


def test_rgb_mode_filters_each_channel(state: ExplorerState) -> None:
    state.set_image(ImageDoc(RGB, name="rgb"))
    state.apply_preset("sharpen")
    state.set_color_mode("rgb")
    out = state.result.activated
    assert out.shape == RGB.shape
    for ch in range(3):
        want = correlate2d(RGB[..., ch].astype(np.float32), get_preset("sharpen"))
        assert np.array_equal(out[..., ch], want)


def test_gray_mode_is_bt601_luma_as_pillow(state: ExplorerState) -> None:
    state.set_image(ImageDoc(RGB, name="rgb"))
    luma = np.asarray(Image.fromarray(RGB).convert("L"))
    assert state.color_mode == "gray"
    assert np.array_equal(state.engine_image(), luma.astype(np.float32))
    state.apply_preset("box_blur")
    assert state.result.activated.shape == luma.shape
    assert np.array_equal(
        state.result.activated, correlate2d(luma.astype(np.float32), get_preset("box_blur"))
    )


def test_value_scale_0_1_divides_by_255(loaded: ExplorerState) -> None:
    loaded.apply_preset("lesson")
    at_255 = loaded.result.activated
    loaded.set_value_scale("0-1")
    assert loaded.value_max == 1.0
    np.testing.assert_allclose(loaded.engine_image(), GRAY / 255.0, rtol=1e-6)
    np.testing.assert_allclose(loaded.result.activated, at_255 / 255.0, rtol=1e-5, atol=1e-6)
    loaded.set_value_scale("0-255")
    assert np.array_equal(loaded.engine_image(), GRAY.astype(np.float32))


def test_16_bit_image_on_both_scales(state: ExplorerState) -> None:
    px = np.array([[0, 257, 65535]], dtype=np.uint16)
    state.set_image(ImageDoc(px, bit_depth=16))
    np.testing.assert_allclose(state.engine_image(), [[0, 1, 255]], rtol=1e-6)
    state.set_value_scale("0-1")
    np.testing.assert_allclose(state.engine_image(), [[0, 1 / 255, 1]], rtol=1e-6)


def test_no_image_no_result(state: ExplorerState) -> None:
    assert state.result is None
    assert state.engine_image() is None
    assert state.shapes() is None
    assert state.apply_preset("box_blur") is True
    assert state.result is None
    state.set_image(ImageDoc(GRAY))
    assert np.array_equal(state.result.activated, expected(state))


def test_sync_executor_delivers_exceptions_through_the_future() -> None:
    fut = SyncExecutor().submit(lambda: 1 / 0)
    assert isinstance(fut.exception(), ZeroDivisionError)
    assert SyncExecutor().submit(lambda x: x + 1, 1).result() == 2


def test_emitting_a_signal_does_not_steal_a_reference(qapp: Any) -> None:
    """PySide6 6.12.0's ``SignalInstance.emit`` returns ``True`` without a new reference.

    Every ``emit()`` from Python then lowers ``True``'s reference count by one, and after a
    few hundred user actions the interpreter aborts ("Fatal Python error: bool_dealloc").
    The state emits from Python on every action, so convgui cannot run on such a PySide6.
    """
    import sys

    s = ExplorerState(SyncExecutor())
    try:
        before = sys.getrefcount(True)
        for _ in range(20):
            s.view_changed.emit()
        after = sys.getrefcount(True)
    finally:
        s.close()
    assert after >= before, (
        f"emit() stole {before - after} references to True: this PySide6 is broken "
        "(6.12.0 is; 6.11.3 is not); pin PySide6-Essentials!=6.12.0"
    )
