"""The block-averaged preview and the rule that decides which recomputes leave the GUI thread.

The preview is checked against the block average of a full result computed independently
(``scipy.ndimage.correlate`` on a numpy-padded image, then a numpy reshape mean).
"""

from __future__ import annotations

from concurrent.futures import Executor, Future
from typing import Any

import numpy as np
import pytest
from scipy import ndimage

from convgui import state as state_mod
from convgui.core import LayerParams, resolve_padding
from convgui.imageio import ImageDoc
from convgui.preview import block_mean_preview, preview_supported
from convgui.state import ExplorerState, SyncExecutor, layer_work, preview_factor

_NP_MODES = {
    "zero": "constant",
    "constant": "constant",
    "replicate": "edge",
    "reflect": "symmetric",
    "mirror": "reflect",
    "wrap": "wrap",
}


def reference_block_mean(img: np.ndarray, kernel: np.ndarray, p: LayerParams, f: int) -> np.ndarray:
    """Full output with numpy padding + scipy, then the mean of each f×f block (top-left)."""
    k = kernel[::-1, ::-1] if p.flip else kernel
    dr, dc = p.dilation
    kd = np.zeros(((k.shape[0] - 1) * dr + 1, (k.shape[1] - 1) * dc + 1))
    kd[::dr, ::dc] = k
    t, b, left, right = resolve_padding(img.shape, k.shape, p.padding, dilation=p.dilation)
    mode = _NP_MODES[p.boundary]
    kwargs: dict[str, Any] = {"constant_values": p.cval} if p.boundary == "constant" else {}
    x = np.pad(img.astype(np.float64), ((t, b), (left, right)), mode=mode, **kwargs)
    full = ndimage.correlate(
        x, kd, mode="constant", origin=(-(kd.shape[0] // 2), -(kd.shape[1] // 2))
    )
    out = full[: x.shape[0] - kd.shape[0] + 1, : x.shape[1] - kd.shape[1] + 1]
    out = out / p.divisor + p.bias
    hb, wb = out.shape[0] // f, out.shape[1] // f
    return out[: hb * f, : wb * f].reshape(hb, f, wb, f).mean(axis=(1, 3))


CASES = [
    ((3, 3), LayerParams(), 4),
    ((3, 3), LayerParams(padding="valid"), 3),
    ((5, 4), LayerParams(padding="full", boundary="reflect"), 5),
    ((2, 2), LayerParams(boundary="constant", cval=7.0, divisor=3.0, bias=-2.0), 2),
    ((3, 3), LayerParams(boundary="wrap", dilation=(2, 1), flip=True), 6),
    ((7, 7), LayerParams(boundary="mirror", padding=(1, 4, 0, 2)), 3),  # several taps a phase
    ((1, 1), LayerParams(), 8),
]


@pytest.mark.parametrize(("kshape", "params", "f"), CASES)
def test_preview_is_the_block_mean_of_the_full_result(
    kshape: tuple[int, int], params: LayerParams, f: int
) -> None:
    rng = np.random.default_rng(sum(kshape) + f)
    img = rng.integers(0, 256, (45, 52)).astype(np.float32)
    kernel = rng.standard_normal(kshape)
    got = block_mean_preview(img, kernel, params, f)
    want = reference_block_mean(img, kernel, params, f)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * np.abs(want).max())


def test_preview_of_a_colour_image_filters_each_channel() -> None:
    rng = np.random.default_rng(3)
    img = rng.random((30, 33, 3)).astype(np.float32)
    kernel = rng.standard_normal((3, 3))
    got = block_mean_preview(img, kernel, LayerParams(), 4)
    for c in range(3):
        want = reference_block_mean(img[..., c], kernel, LayerParams(), 4)
        np.testing.assert_allclose(got[..., c], want, rtol=1e-6, atol=1e-6)


def test_preview_refuses_what_is_not_a_block_mean_of_a_correlation() -> None:
    img = np.ones((20, 20), np.float32)
    assert not preview_supported(LayerParams(activation="relu"))
    assert not preview_supported(LayerParams(stride=2))
    with pytest.raises(ValueError, match="activation 'relu'"):
        block_mean_preview(img, np.ones((3, 3)), LayerParams(activation="relu"), 2)
    with pytest.raises(ValueError, match="factor must be 1 to 20, got 21"):
        block_mean_preview(img, np.ones((3, 3)), LayerParams(), 21)


# --- which recomputes run on the GUI thread: decided by the work ---------------------------


class CountingExecutor(Executor):
    """Runs jobs at once (like SyncExecutor) but counts them: they were sent to the worker."""

    def __init__(self) -> None:
        self.jobs = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.jobs += 1
        return SyncExecutor().submit(fn, *args, **kwargs)


def _state(shape: tuple[int, ...]) -> tuple[ExplorerState, CountingExecutor]:
    ex = CountingExecutor()
    st = ExplorerState(ex)
    st.set_image(ImageDoc(np.zeros(shape, np.uint8), 8, "test"))
    ex.jobs = 0
    return st, ex


def test_small_image_with_much_work_goes_to_the_worker(qapp: Any) -> None:
    st, ex = _state((128, 128))  # 16 k pixels
    st.set_kernel(np.ones((15, 15)))  # 16 k outputs × 225 taps = 3.7 M > the sync limit
    assert ex.jobs == 1
    st.close()


def test_large_image_with_little_work_stays_on_the_gui_thread(qapp: Any) -> None:
    st, ex = _state((1024, 1024))  # 1 M pixels, 9.4 M input pixels × taps
    st.set_all(np.ones((3, 3)), LayerParams(stride=4), "stride 4")  # 256² × 9 = 0.6 M
    assert ex.jobs == 0 and st.result is not None
    st.close()


def test_pooling_counts_in_the_work(qapp: Any) -> None:
    st, ex = _state((400, 400))
    st.set_all(np.ones((3, 3)), LayerParams(stride=3), "stride")  # 134² × 9 = 0.16 M
    assert ex.jobs == 0
    work = layer_work((400, 400), (134, 134), (1, 1), np.ones((3, 3)), LayerParams())
    assert work == 134 * 134 * 9 + 1 * 4
    big = layer_work((400, 400), (400, 400), (100, 100), np.ones((1, 1)), LayerParams(pool_size=4))
    assert big == 400 * 400 + 100 * 100 * 16
    st.close()


# --- the preview in the state: published first, never over a newer result -----------------


def test_worker_publishes_the_preview_before_the_exact_result(
    qapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_mod, "PREVIEW_MIN_VALUES", 1)
    monkeypatch.setattr(state_mod, "PREVIEW_SIDE", 16)
    st = ExplorerState(sync_work_limit=0)  # every recompute on the real worker thread
    rng = np.random.default_rng(5)
    st.set_image(ImageDoc(rng.integers(0, 256, (64, 80), dtype=np.uint8), 8, "t"))
    assert st.wait_idle(10)
    seen: list[str] = []
    st.preview_changed.connect(lambda: seen.append("preview"))
    st.result_changed.connect(lambda: seen.append("result"))
    kernel = rng.standard_normal((3, 3))
    previews: list[Any] = []
    st.preview_changed.connect(lambda: previews.append(st.preview))
    st.set_kernel(kernel)
    assert st.wait_idle(10)
    qapp.processEvents()
    assert seen == ["preview", "result"]
    p = previews[0]
    assert p.factor == preview_factor((64, 80), kernel, st.params) == 5
    want = reference_block_mean(st.engine_image(), kernel, st.params, 5)
    np.testing.assert_allclose(p.output, want, rtol=1e-5, atol=1e-3)
    assert st.preview is None  # the exact result replaced it
    r = st.result
    assert r is not None and r.generation == p.generation
    np.testing.assert_allclose(
        r.activated[:60, :80].reshape(12, 5, 16, 5).mean(axis=(1, 3)), p.output, atol=1e-3
    )
    st.close()


def test_stale_preview_is_never_published(qapp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_mod, "PREVIEW_MIN_VALUES", 1)
    monkeypatch.setattr(state_mod, "PREVIEW_SIDE", 16)
    st = ExplorerState(sync_work_limit=0)
    st.set_image(ImageDoc(np.zeros((64, 64), np.uint8), 8, "t"))
    assert st.wait_idle(10)
    seen: list[int] = []
    st.preview_changed.connect(lambda: seen.append(st.preview.generation))  # type: ignore[union-attr]
    for v in (1.0, 2.0, 3.0):
        st.set_kernel(np.full((3, 3), v))
    assert st.wait_idle(10)
    qapp.processEvents()
    r = st.result
    assert r is not None and float(r.kernel[0, 0]) == 3.0
    assert st.preview is None
    # Any preview shown belonged to the newest request at the time, in order, and none
    # came after the last result.
    assert seen == sorted(seen)
    st._on_preview(  # a late preview of an old generation is dropped
        state_mod._Job(1, 0, np.zeros((1, 1), np.float32), np.ones((1, 1)), LayerParams(), None),
        object(),  # type: ignore[arg-type]
    )
    assert st.preview is None
    st.close()


def test_no_preview_is_computed_when_nothing_shows_it(
    qapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_mod, "PREVIEW_MIN_VALUES", 1)
    monkeypatch.setattr(state_mod, "PREVIEW_SIDE", 16)
    calls: list[int] = []
    real = state_mod._Job.preview
    monkeypatch.setattr(state_mod._Job, "preview", lambda job: calls.append(1) or real(job))
    st = ExplorerState(sync_work_limit=0)
    st.set_image(ImageDoc(np.zeros((64, 64), np.uint8), 8, "t"))
    st.set_kernel(np.ones((3, 3)))
    assert st.wait_idle(10)
    assert calls == [] and st.result is not None
    st.close()
