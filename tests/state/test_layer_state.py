"""The layer mode's state: follows the explorer's image, recomputes only what an edit changes,
validates, undoes, loads and saves banks; numbers against loops written here and scipy."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import ndimage

from convgui.core import CellParseError
from convgui.imageio import ImageDoc
from convgui.layer_state import LayerSettings, LayerState, map_levels, short_reads_text
from convgui.safeio import NeedsConfirmationError
from convgui.state import ExplorerState, SyncExecutor

RNG = np.random.default_rng(42)
COLOUR = RNG.integers(0, 256, (12, 17, 3)).astype(np.uint8)
GREY = RNG.integers(0, 256, (9, 11)).astype(np.uint8)


class ManualExecutor(Executor):
    """Holds submitted work until the test runs it (to see latest-wins at work)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Future[Any], Callable[[], Any]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        self.jobs.append((fut, lambda: fn(*args, **kwargs)))
        return fut

    def run_next(self) -> None:
        fut, fn = self.jobs.pop(0)
        fut.set_result(fn())


@pytest.fixture
def explorer(qapp: Any) -> Iterator[ExplorerState]:
    e = ExplorerState(SyncExecutor())
    e.set_color_mode("rgb")
    e.set_image(ImageDoc(COLOUR, name="colour"))
    yield e
    e.close()


@pytest.fixture
def layer(explorer: ExplorerState) -> Iterator[LayerState]:
    s = LayerState(explorer, SyncExecutor())
    yield s
    s.close()


def scipy_layer(x: np.ndarray, w: np.ndarray, b: np.ndarray, groups: int = 1) -> np.ndarray:
    """'same' zero padding, stride 1, odd kernels: per-channel scipy.ndimage.correlate sums."""
    x = x.astype(np.float64)
    c_in, c_out = x.shape[2], w.shape[3]
    cg, per = c_in // groups, c_out // groups
    out = np.zeros(x.shape[:2] + (c_out,))
    for o in range(c_out):
        g = o // per
        for j in range(cg):
            out[..., o] += ndimage.correlate(x[..., g * cg + j], w[:, :, j, o], mode="constant")
        out[..., o] += b[o]
    return out


def naive_transposed(x: np.ndarray, wt: np.ndarray, stride: int) -> np.ndarray:
    """Keras Conv2DTranspose, padding 'valid': every input pixel stamps value × kernel."""
    h, w, c_in = x.shape
    kh, kw, c_out, _ = wt.shape
    out = np.zeros(((h - 1) * stride + kh, (w - 1) * stride + kw, c_out))
    for i in range(h):
        for j in range(w):
            for c in range(c_in):
                for o in range(c_out):
                    out[i * stride : i * stride + kh, j * stride : j * stride + kw, o] += (
                        x[i, j, c] * wt[:, :, o, c]
                    )
    # Keras 'valid' with output_padding None: n·s + max(k − s, 0)
    return out[: h * stride + max(kh - stride, 0), : w * stride + max(kw - stride, 0)]


def maps(layer: LayerState) -> np.ndarray:
    r = layer.result
    assert r is not None
    return r.stacked()


# --- the image ------------------------------------------------------------------------------


def bt601_u8(rgb: np.ndarray) -> np.ndarray:
    """Pillow's convert("L") on uint8 R, G, B, written out (the reference for the grey input)."""
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    return ((19595 * r + 38470 * g + 7471 * b + 2**15) >> 16).astype(np.float32)


def test_follows_the_explorer_image_with_its_own_input_choice(
    explorer: ExplorerState, layer: LayerState
) -> None:
    assert layer.input_mode == "rgb"
    assert layer.c_in == 3 and layer.channel_names == ("R", "G", "B")
    np.testing.assert_array_equal(layer.image, COLOUR.astype(np.float32))
    assert layer.set_input_mode("grey")
    assert layer.c_in == 1 and layer.channel_names == ("grey",)
    assert layer.weights.shape[2] == 1
    np.testing.assert_array_equal(layer.image[..., 0], bt601_u8(COLOUR))
    assert layer.set_input_mode("rgb") and layer.c_in == 3
    explorer.set_value_scale("0-1")
    np.testing.assert_allclose(layer.image, COLOUR / 255.0, rtol=1e-6)
    explorer.set_image(ImageDoc(GREY, name="grey"))
    assert layer.c_in == 1 and layer.result is not None and layer.result.out_shape == (9, 11)
    assert layer.input_mode == "rgb"  # a grey image is one channel whatever the choice


def test_the_single_kernel_colour_switch_does_not_change_the_layer_input(
    explorer: ExplorerState, layer: LayerState
) -> None:
    version, result = layer.image_version, layer.result
    explorer.set_color_mode("gray")  # the single-kernel mode's switch (its default)
    assert layer.c_in == 3 and layer.image_version == version and layer.result is result
    np.testing.assert_array_equal(layer.image, COLOUR.astype(np.float32))
    layer.set_input_mode("grey")  # grey on both sides: the explorer's grey image, shared
    np.testing.assert_array_equal(layer.image[..., 0], explorer.engine_image())
    explorer.set_color_mode("rgb")
    assert layer.c_in == 1
    np.testing.assert_array_equal(layer.image[..., 0], bt601_u8(COLOUR))


def test_a_colour_image_is_three_channels_when_the_explorer_shows_grey(qapp: Any) -> None:
    e = ExplorerState(SyncExecutor())
    assert e.color_mode == "gray"
    e.set_image(ImageDoc(COLOUR, name="colour"))
    s = LayerState(e, SyncExecutor())
    try:
        assert s.c_in == 3 and s.weights.shape[2] == 3
        want = scipy_layer(COLOUR, np.array(s.weights), np.array(s.bias))
        np.testing.assert_allclose(maps(s), want, rtol=1e-5, atol=1e-3)
        g = LayerState(e, SyncExecutor(), input_mode="grey")
        assert g.c_in == 1
        g.close()
        with pytest.raises(ValueError, match="'gray'"):
            LayerState(e, SyncExecutor(), input_mode="gray")
        with pytest.raises(ValueError, match="None"):
            s.set_input_mode(None)  # type: ignore[arg-type]
        assert s.input_mode == "rgb"
    finally:
        s.close()
        e.close()


def test_maps_equal_per_channel_scipy_correlate(layer: LayerState) -> None:
    w = RNG.normal(size=(3, 3, 3, 5))
    b = RNG.normal(size=5)
    layer.set_bank(w, b)
    want = scipy_layer(COLOUR, w, b)
    np.testing.assert_allclose(maps(layer), want, rtol=1e-5, atol=1e-3)


def test_numeric_padding_pads_rows_and_columns(layer: LayerState) -> None:
    # padding (1, 2): one zero row above and below, two zero columns left and right.
    w = RNG.normal(size=(3, 3, 3, 2))
    b = RNG.normal(size=2)
    layer.set_bank(w, b)
    layer.set_settings(padding=(1, 2))
    r = layer.result
    assert r is not None, layer.summary()
    x = np.pad(COLOUR.astype(np.float64), ((1, 1), (2, 2), (0, 0)))
    h, wd = x.shape[0] - 2, x.shape[1] - 2
    want = np.zeros((h, wd, 2))
    for o in range(2):
        for i in range(h):
            for j in range(wd):
                want[i, j, o] = np.sum(x[i : i + 3, j : j + 3, :] * w[:, :, :, o]) + b[o]
    np.testing.assert_allclose(maps(layer), want, rtol=1e-5, atol=1e-3)


def test_depthwise_groups_read_only_their_channels(layer: LayerState) -> None:
    layer.apply_preset("each_colour")
    assert layer.settings.groups == 3
    np.testing.assert_array_equal(maps(layer), COLOUR.astype(np.float32))
    layer.set_weight(1, 0, 1, 1, "2")
    want = scipy_layer(COLOUR, np.array(layer.weights), np.zeros(3), groups=3)
    np.testing.assert_allclose(maps(layer), want, rtol=1e-6)
    assert layer.reads() == [(0,), (1,), (2,)]


def test_transposed_layer_matches_a_naive_scatter(layer: LayerState) -> None:
    w = RNG.normal(size=(3, 3, 3, 2))
    layer.set_bank(w, np.zeros(2))
    layer.set_settings(layer_type="transposed", stride=2, padding="valid")
    wt = w.transpose(0, 1, 3, 2)
    np.testing.assert_array_equal(layer.keras_kernel, wt)
    want = naive_transposed(COLOUR.astype(np.float64), wt, 2)
    np.testing.assert_allclose(maps(layer), want, rtol=1e-5, atol=1e-2)
    assert "Conv2DTranspose" in layer.summary()
    # one filter edited: only its map is recomputed, still exact
    layer.set_weight(1, 2, 0, 0, "5")
    assert layer.result is not None and layer.result.changed == (1,)
    want = naive_transposed(COLOUR.astype(np.float64), layer.keras_kernel, 2)
    np.testing.assert_allclose(maps(layer), want, rtol=1e-5, atol=1e-2)


def test_activation_and_bias_apply_per_map(layer: LayerState) -> None:
    w = np.zeros((1, 1, 3, 2))
    w[0, 0, 0, 0] = 1.0
    w[0, 0, 0, 1] = -1.0
    layer.set_bank(w, [10.0, 5.0])
    layer.set_settings(activation="relu")
    m = maps(layer)
    r = COLOUR[..., 0].astype(np.float32)
    np.testing.assert_array_equal(m[..., 0], r + 10)
    np.testing.assert_array_equal(m[..., 1], np.maximum(5 - r, 0))


# --- only what changed is recomputed ------------------------------------------------------------


def test_a_weight_edit_recomputes_only_its_filter(layer: LayerState) -> None:
    layer.apply_preset("random", seed=3)
    before = layer.result
    assert before is not None and before.changed == tuple(range(layer.n_filters))
    layer.set_weight(2, 1, 0, 2, "1/9")
    after = layer.result
    assert after is not None and after.changed == (2,)
    for o, m in enumerate(after.maps):
        assert (m is before.maps[o]) == (o != 2)
    assert layer.weights[0, 2, 1, 2] == 1 / 9
    want = scipy_layer(COLOUR, np.array(layer.weights), np.array(layer.bias))
    np.testing.assert_allclose(maps(layer), want, rtol=1e-5, atol=1e-3)
    layer.set_bias(3, "-4")
    assert layer.result is not None and layer.result.changed == (3,)


def test_a_settings_change_recomputes_every_map(layer: LayerState) -> None:
    before = layer.result
    layer.set_settings(stride=2)
    after = layer.result
    assert before is not None and after is not None
    assert after.changed == tuple(range(layer.n_filters))
    assert after.out_shape == (6, 9)
    assert all(m is not p for m, p in zip(after.maps, before.maps, strict=True))


def test_each_map_has_its_own_levels(layer: LayerState) -> None:
    layer.apply_preset("edges")
    r = layer.result
    assert r is not None
    sobel, ident = r.maps[0], r.maps[3]
    assert sobel.signed and sobel.levels[0] == -sobel.levels[1]
    assert sobel.levels[1] == float(np.abs(sobel.data).max())
    assert not ident.signed
    assert ident.levels == (float(ident.data.min()), float(ident.data.max()))
    assert map_levels(np.full((2, 2), 7.0)) == ((6.5, 7.5), False)


# --- signals, validation, undo ----------------------------------------------------------------


def test_one_signal_per_action_and_none_for_no_change(qtbot: Any, layer: LayerState) -> None:
    seen: list[str] = []
    for name in ("bank_changed", "settings_changed", "result_changed", "history_changed"):
        getattr(layer, name).connect(lambda n=name: seen.append(n))
    layer.set_weight(0, 0, 0, 0, "3")
    assert seen == ["bank_changed", "result_changed", "history_changed"]
    seen.clear()
    assert layer.set_weight(0, 0, 0, 0, "3") is False
    assert seen == []
    layer.set_settings(dilation=2)
    assert seen == ["settings_changed", "result_changed", "history_changed"]


@pytest.mark.parametrize(
    ("action", "match"),
    [
        (lambda s: s.set_weight(0, 0, 0, 0, "abc"), "abc"),
        (lambda s: s.set_settings(groups=2), r"groups \(2\) must divide"),
        (lambda s: s.set_settings(layer_type="transposed", output_padding=2), "output padding 2"),
        (lambda s: s.set_settings(padding="full"), "'full'"),
        (lambda s: s.set_settings(activation="gelu"), "'gelu'"),
        (lambda s: s.set_filter_count(65), "1 to 64"),
        (lambda s: s.set_filter_size(16, 3), "16×3"),
        (lambda s: s.set_bank(np.ones((3, 3, 2, 4))), "each filter reads 3"),
        (lambda s: s.apply_preset("blur"), "'blur'"),
    ],
)
def test_bad_values_raise_and_change_nothing(
    layer: LayerState, action: Callable[[LayerState], Any], match: str
) -> None:
    w, b, st, r = layer.weights, layer.bias, layer.settings, layer.result
    with pytest.raises(ValueError, match=match):
        action(layer)
    assert layer.weights is w and layer.bias is b and layer.settings == st
    assert layer.result is r and not layer.can_undo


def test_bad_cell_text_is_a_cell_parse_error(layer: LayerState) -> None:
    with pytest.raises(CellParseError):
        layer.set_bias(0, "1/0")


def test_too_large_an_output_is_refused(explorer: ExplorerState, layer: LayerState) -> None:
    import convgui.layer_state as mod

    old = mod.MAX_OUTPUT_VALUES
    mod.MAX_OUTPUT_VALUES = 12 * 17 * 4
    try:
        with pytest.raises(ValueError, match="more than the 816"):
            layer.set_filter_count(5)
        assert layer.n_filters == 4
    finally:
        mod.MAX_OUTPUT_VALUES = old


def test_undo_redo_every_change(layer: LayerState) -> None:
    w0 = np.array(layer.weights)
    layer.set_weight(0, 0, 1, 1, "7")
    layer.set_settings(padding="valid")
    layer.add_filter()
    assert layer.n_filters == 5 and layer.undo_label == "Add filter"
    assert layer.undo() and layer.n_filters == 4
    assert layer.undo() and layer.settings.padding == "same"
    assert layer.undo()
    np.testing.assert_array_equal(layer.weights, w0)
    assert not layer.undo()
    assert layer.redo() and layer.weights[1, 1, 0, 0] == 7
    want = scipy_layer(COLOUR, np.array(layer.weights), np.zeros(4))
    np.testing.assert_allclose(maps(layer), want, rtol=1e-5, atol=1e-3)


def test_filters_added_removed_and_resized(layer: LayerState) -> None:
    layer.add_filter()
    assert layer.n_filters == 5
    np.testing.assert_allclose(layer.weights[1, 1, :, 4], [1 / 3] * 3)
    layer.select(4)
    layer.remove_filter()
    assert layer.n_filters == 4 and layer.selected == 3
    layer.set_filter_size(5, 5)
    assert layer.filter_size == (5, 5)
    assert layer.weights[2, 2, 0, 3] == pytest.approx(1 / 3)  # identity still centred
    while layer.n_filters > 1:
        layer.remove_filter(0)
    with pytest.raises(ValueError, match="at least one filter"):
        layer.remove_filter(0)


def test_regrouping_to_one_group_keeps_the_output(layer: LayerState) -> None:
    layer.apply_preset("random", seed=1)  # 4 filters on 3 channels
    layer.set_filter_count(3)
    layer.set_settings(groups=3)
    depthwise = maps(layer).copy()
    layer.set_settings(groups=1)
    assert layer.weights.shape == (3, 3, 3, 3)
    np.testing.assert_allclose(maps(layer), depthwise, rtol=1e-5, atol=1e-4)


def test_grey_colour_switch_adapts_bank_and_history(
    explorer: ExplorerState, layer: LayerState
) -> None:
    layer.set_weight(0, 0, 0, 0, "3")
    layer.set_input_mode("grey")
    assert layer.weights.shape == (3, 3, 1, 4)
    assert layer.undo()  # the history was adapted too: undo works on one channel
    assert layer.weights.shape == (3, 3, 1, 4)
    np.testing.assert_allclose(layer.weights[..., 0, 0], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])


def test_inactive_state_computes_nothing_until_shown(
    explorer: ExplorerState, layer: LayerState
) -> None:
    layer.set_active(False)
    r = layer.result
    explorer.set_image(ImageDoc(GREY, name="grey"))
    assert layer.result is r
    layer.set_active(True)
    assert layer.result is not None and layer.result.out_shape == (9, 11)


# --- latest wins ------------------------------------------------------------------------------


def test_latest_wins_and_a_dropped_edit_is_not_lost(explorer: ExplorerState) -> None:
    ex = ManualExecutor()
    s = LayerState(explorer, ex, sync_work_limit=0)
    try:
        ex.run_next()  # the first result
        first = s.result
        assert first is not None
        s.set_weight(0, 0, 0, 0, "9")  # starts at once
        s.set_weight(1, 0, 0, 0, "8")  # waits
        s.set_weight(2, 0, 0, 0, "7")  # replaces the waiting one
        ex.run_next()  # the first edit's job: stale, not published
        assert s.result is first
        assert len(ex.jobs) == 1
        ex.run_next()
        r = s.result
        assert r is not None and set(r.changed) == {1, 2}  # filter 0 came from the stale job
        assert r.maps[3] is first.maps[3]
        want = scipy_layer(COLOUR, np.array(s.weights), np.array(s.bias))
        np.testing.assert_allclose(r.stacked(), want, rtol=1e-5, atol=1e-3)
        assert not s.busy
    finally:
        s.close()


def test_a_real_worker_publishes_the_exact_result(qtbot: Any, explorer: ExplorerState) -> None:
    s = LayerState(explorer, sync_work_limit=0)
    try:
        assert s.wait_idle()
        with qtbot.waitSignal(s.result_changed, timeout=5000):
            s.set_weight(1, 2, 2, 2, "4")
        assert s.result is not None and s.result.changed == (1,)
        want = scipy_layer(COLOUR, np.array(s.weights), np.array(s.bias))
        np.testing.assert_allclose(s.result.stacked(), want, rtol=1e-5, atol=1e-3)
    finally:
        s.close()


# --- files --------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".npz", ".npy", ".json"])
def test_save_and_load_round_trip(tmp_path: Path, layer: LayerState, suffix: str) -> None:
    layer.apply_preset("random", seed=5)
    layer.set_bias(1, "2.5")
    if suffix == ".json":
        layer.set_settings(stride=2, activation="tanh")
    path = tmp_path / f"bank{suffix}"
    layer.save_bank(path)
    w, b, st = np.array(layer.weights), np.array(layer.bias), layer.settings
    layer.apply_preset("edges")
    layer.set_settings(stride=1, activation="none")
    assert layer.load_bank(path)
    np.testing.assert_array_equal(layer.weights, w)
    if suffix != ".npy":
        np.testing.assert_array_equal(layer.bias, b)
    if suffix == ".json":
        assert layer.settings == st
    assert layer.undo_label.startswith("Open bank")


def test_npz_is_the_keras_layout(tmp_path: Path, layer: LayerState) -> None:
    layer.apply_preset("random", seed=2)
    layer.save_bank(tmp_path / "conv.npz")
    with np.load(tmp_path / "conv.npz") as f:
        assert f["kernel"].shape == (3, 3, 3, 4) and f["bias"].shape == (4,)
        np.testing.assert_array_equal(f["kernel"], layer.weights)
    layer.set_settings(layer_type="transposed")
    layer.save_bank(tmp_path / "tr.npz")
    with np.load(tmp_path / "tr.npz") as f:
        np.testing.assert_array_equal(f["kernel"], np.array(layer.weights).transpose(0, 1, 3, 2))
    # a Keras DepthwiseConv2D-like kernel (one channel per filter) loads as groups = C_in
    layer.set_settings(layer_type="conv")
    np.savez(tmp_path / "dw.npz", kernel=np.ones((3, 3, 1, 6)), bias=np.arange(6.0))
    layer.load_bank(tmp_path / "dw.npz")
    assert layer.settings.groups == 3 and layer.n_filters == 6


def test_saving_never_overwrites_without_confirmation(tmp_path: Path, layer: LayerState) -> None:
    path = tmp_path / "mine.npz"
    path.write_bytes(b"the user's own file")
    with pytest.raises(NeedsConfirmationError):
        layer.save_bank(path)
    assert path.read_bytes() == b"the user's own file"
    layer.save_bank(path, confirmed=True)
    with np.load(path) as f:
        assert f["kernel"].shape == layer.weights.shape
    with pytest.raises(ValueError, match=r"\.txt"):
        layer.save_bank(tmp_path / "bank.txt")


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("a.npz", b"not a zip", "not a NumPy .npz"),
        ("b.json", b"{", "not a JSON filter bank"),
        ("c.json", json.dumps({"weights": 1}).encode(), "is not a convgui filter bank"),
        ("d.json", b'{"kernel": [[[[NaN]]]]}', "not a JSON filter bank"),
        ("e.json", json.dumps({"kernel": [[1, 2], [3]]}).encode(), "regular grid"),
        ("f.txt", b"1 2 3", "not a filter bank file"),
    ],
)
def test_bad_files_raise_and_keep_the_bank(
    tmp_path: Path, layer: LayerState, name: str, content: bytes, match: str
) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    w = layer.weights
    with pytest.raises(ValueError, match=match):
        layer.load_bank(p)
    assert layer.weights is w and not layer.can_undo


def test_a_bank_for_other_channels_is_refused(tmp_path: Path, layer: LayerState) -> None:
    np.savez(tmp_path / "two.npz", kernel=np.ones((3, 3, 2, 4)))
    with pytest.raises(ValueError, match="cannot be used with this image"):
        layer.load_bank(tmp_path / "two.npz")
    np.savez(tmp_path / "nobank.npz", weights=np.ones((3, 3, 3, 4)))
    with pytest.raises(ValueError, match="no “kernel” array"):
        layer.load_bank(tmp_path / "nobank.npz")
    with pytest.raises(ValueError, match=r"gone\.npz"):
        layer.load_bank(tmp_path / "gone.npz")


def test_settings_round_trip_and_refusals() -> None:
    s = LayerSettings(layer_type="transposed", padding=(1, 2), stride=2, output_padding=1)
    assert LayerSettings.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    with pytest.raises(ValueError, match="one group"):
        LayerSettings(layer_type="transposed", groups=3)
    with pytest.raises(ValueError, match="transposed layer only"):
        LayerSettings(output_padding=1)


# --- values the engine's float32 cannot hold, bad types and indices ---------------------------


def test_weights_that_would_overflow_float32_are_refused_as_the_pipeline_says_it(
    explorer: ExplorerState, layer: LayerState
) -> None:
    before = np.array(layer.weights)
    with pytest.raises(ValueError, match=r"too large to compute\. Use smaller kernel values"):
        layer.set_weight(0, 0, 1, 1, "1e38")  # × pixel values up to 255: beyond 3.4e38
    with pytest.raises(ValueError, match="too large to compute"):
        layer.set_bias(0, 1e300)
    np.testing.assert_array_equal(layer.weights, before)
    explorer.set_value_scale("0-1")  # pixels up to 1: 1e38 fits float32
    assert layer.set_weight(0, 0, 1, 1, "1e38")
    r = layer.result
    assert layer.layer_error is None and r is not None
    assert np.all(np.isfinite(r.stacked()))
    # Against float64: the centre tap times R, plus Sobel x's other R taps on the 0-1 scale.
    x = COLOUR.astype(np.float64) / 255.0
    want = scipy_layer(x, np.array(layer.weights), np.array(layer.bias))
    np.testing.assert_allclose(r.stacked()[..., 0], want[..., 0], rtol=1e-5)
    explorer.set_value_scale("0-255")  # the same bank now overflows: said, no maps of inf
    assert layer.result is None
    assert layer.layer_error is not None and "too large to compute" in layer.layer_error


def test_bank_files_beyond_float32_are_refused_naming_the_file(
    layer: LayerState, tmp_path: Path
) -> None:
    before = np.array(layer.weights)
    p = tmp_path / "huge.npz"
    np.savez(p, kernel=np.full((3, 3, 3, 1), 1e39))
    with pytest.raises(ValueError, match=r"huge\.npz.*too large to compute"):
        layer.load_bank(p)
    q = tmp_path / "big.json"
    q.write_text(json.dumps({"kernel": np.full((3, 3, 3, 1), 1e37).tolist()}))
    with pytest.raises(ValueError, match=r"big\.json.*too large to compute"):
        layer.load_bank(q)  # each value fits float32, their sum × 255 does not
    np.testing.assert_array_equal(layer.weights, before)


@pytest.mark.parametrize(
    ("call", "args", "error"),
    [
        ("select", ("1",), ValueError),
        ("select", (None,), ValueError),
        ("remove_filter", (2.5,), ValueError),
        ("remove_filter", (-1,), IndexError),
        ("set_bias", (-1, 1.0), IndexError),
        ("set_bias", (0.0, 1.0), ValueError),
        ("set_weight", (0, 0, -1, 0, 1.0), IndexError),
        ("set_weight", (0, 0, 0, 0, float("nan")), ValueError),
        ("set_weight", (0, 0, 0, 0, True), ValueError),
        ("set_kernel", (0, -1, np.ones((3, 3))), IndexError),
        ("set_kernel", (0, 0, [[1, 2], [3]]), ValueError),
        ("set_kernel", (0, 0, np.full((3, 3), np.inf)), ValueError),
        ("set_filter_size", (True, 3), ValueError),
        ("set_filter_size", (3, 16), ValueError),
        ("set_settings", (), ValueError),
        ("set_input_mode", ("colour",), ValueError),
    ],
)
def test_bad_arguments_raise_and_change_nothing(
    layer: LayerState, call: str, args: tuple[Any, ...], error: type[Exception]
) -> None:
    before = (np.array(layer.weights), np.array(layer.bias), layer.settings, layer.selected)
    kwargs = {"stride": "2"} if call == "set_settings" else {}
    with pytest.raises(error):
        getattr(layer, call)(*args, **kwargs)
    np.testing.assert_array_equal(layer.weights, before[0])
    np.testing.assert_array_equal(layer.bias, before[1])
    assert (layer.settings, layer.selected, layer.c_in) == (before[2], before[3], 3)
    assert not layer.can_undo


@pytest.mark.parametrize(
    ("settings", "quoted"),
    [
        ({"stride": 9}, "9"),
        ({"dilation": (1, 10**7)}, "10000000"),
        ({"padding": 16}, "16"),
        ({"layer_type": "transposed", "stride": 2, "output_padding": 8}, "8"),
        ({"cval": 1e39}, r"1e\+39"),
        ({"cval": 10**400}, "401 characters"),
    ],
)
def test_settings_beyond_the_controls_limits_are_refused(
    settings: dict[str, Any], quoted: str
) -> None:
    with pytest.raises(ValueError, match=quoted):
        LayerSettings(**settings)


def test_the_limits_are_accepted_at_their_ends() -> None:
    s = LayerSettings(padding=(0, 15), stride=8, dilation=8)
    assert (s.padding, s.stride, s.dilation) == ((0, 15), (8, 8), (8, 8))
    t = LayerSettings(layer_type="transposed", stride=8, output_padding=7)
    assert t.output_padding == (7, 7)


def test_closing_twice_is_harmless_and_the_explorer_is_no_longer_followed(
    explorer: ExplorerState,
) -> None:
    s = LayerState(explorer)  # its own worker thread, shut down by the first close
    assert s.wait_idle(5.0)
    before = s.image.copy()
    s.close()
    s.close()  # a window closed by the user, then by Qt: used to fail on the signal disconnect
    explorer.set_image(ImageDoc(255 - COLOUR, name="inverted"))
    assert np.array_equal(s.image, before), "a closed layer still followed the explorer's image"


@pytest.mark.parametrize("n", [1, 3, 4, 5, 16, 64])
def test_the_channels_a_filter_reads_in_a_few_words(n: int) -> None:
    names = tuple(f"ch{c + 1}" for c in range(n))
    text = short_reads_text(range(n), names)
    if n <= 4:
        assert text.split("+") == list(names)
    else:
        assert text == f"ch1 … ch{n} ({n} channels)"
    # A grouped filter reads a part; a channel beyond the names is written as its number.
    assert short_reads_text((1, 2), ("R", "G", "B")) == "G+B"
    assert short_reads_text((2, 40, 41, 42, 70), ("a", "b", "c")) == "c … 70 (5 channels)"
