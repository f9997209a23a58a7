"""View ▸ Kernel Analysis: the dock follows the table; numbers checked against numpy here."""

from __future__ import annotations

from typing import Any

import numpy as np
from gui_helpers import type_into_cell
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction

from convgui.gui.kernel_lab import ANALYSIS_OPEN_KEY, lab, restore
from convgui.gui.lab_analysis import AnalysisDock, AnalysisPanel
from convgui.gui.window import MainWindow


def open_dock(window: MainWindow) -> AnalysisPanel:
    act = window.findChild(QAction, "kernelAnalysisAction")
    assert act is not None and act.shortcut().toString() == "Ctrl+Alt+A"
    act.trigger()
    assert act.isChecked()
    dock = lab(window).analysis
    assert isinstance(dock, AnalysisDock) and dock.isVisible()
    return dock.panel


def text(panel: AnalysisPanel, key: str) -> str:
    return panel.labels[key].text()


def test_sobel_factors_and_an_edit_updates_them(window: MainWindow, qtbot: Any) -> None:
    panel = open_dock(window)
    window.state.apply_preset("sobel_x")
    assert "Rank 1, separable" in text(panel, "rank")
    assert "exact integers: [1 2 1]ᵀ × [−1 0 1]" in text(panel, "rank")
    assert text(panel, "sum").startswith("Sum 0: a flat region becomes 0")
    # −(1+2+1)·255 … +(1+2+1)·255, and it clips in the Clip display.
    assert "Output from −1020 to 1020 for an input of 0–255. It clips" in text(panel, "range")
    assert text(panel, "symmetry").startswith("Antisymmetric")
    assert "Flip matters." in text(panel, "symmetry")
    assert panel.kind == "band-pass" and text(panel, "kind").startswith("Band-pass")
    # The user types into the table: no longer a row × column product.
    type_into_cell(qtbot, window, 0, 0, "5")
    assert window.state.kernel[0, 0] == 5
    assert text(panel, "rank").startswith("Rank 2: not separable")
    assert text(panel, "sum").startswith("Sum 6:")
    assert "Output from −765 to 2295" in text(panel, "range")  # −3·255 … (5+2+1+1)·255
    assert text(panel, "symmetry").startswith("No symmetry")


def test_the_response_image_is_the_centred_dft(window: MainWindow, qtbot: Any) -> None:
    panel = open_dock(window)
    window.state.apply_preset("gaussian_3")
    k = window.state.kernel
    want = np.abs(np.fft.fftshift(np.fft.fft2(k, s=(64, 64))))
    shown = panel.response_image.image
    np.testing.assert_allclose(shown, want, atol=1e-12)
    assert shown[32, 32] == np.max(shown) and abs(shown[32, 32] - 1) < 1e-12  # DC: the sum
    # Axes in cycles per pixel: the image spans −0.5 … 0.5 (cell centres on the frequencies).
    rect = panel.response_image.mapRectToParent(panel.response_image.boundingRect())
    assert abs(rect.left() + 0.5 + 1 / 128) < 1e-9 and abs(rect.width() - 1) < 1e-9
    fx, hx = panel.profile_x.getData()
    np.testing.assert_allclose(fx, np.fft.fftshift(np.fft.fftfreq(64)))
    np.testing.assert_allclose(hx, want[32, :], atol=1e-12)
    # Gaussian 3×3 = [1 2 1]/4 per axis: |H(fx)| = (1 + cos 2πfx) / 2, 0 at Nyquist.
    np.testing.assert_allclose(hx, (1 + np.cos(2 * np.pi * fx)) / 2, atol=1e-12)
    assert panel.kind == "low-pass"
    assert "/ 16" in text(panel, "rank")


def test_open_closed_is_remembered(window: MainWindow, qtbot: Any, settings_path: Any) -> None:
    open_dock(window)
    st = QSettings(str(settings_path), QSettings.Format.IniFormat)
    assert st.value(ANALYSIS_OPEN_KEY) in (True, "true")
    dock = lab(window).analysis
    dock.close()  # the dock's own close button
    act = window.findChild(QAction, "kernelAnalysisAction")
    assert not act.isChecked()
    st.sync()
    assert QSettings(str(settings_path), QSettings.Format.IniFormat).value(
        ANALYSIS_OPEN_KEY
    ) in (False, "false")
    # Remembered open: restore() (after the window's settings) opens it again.
    window.settings.setValue(ANALYSIS_OPEN_KEY, True)
    restore(window)
    assert dock.isVisible() and act.isChecked()


def test_follows_the_text_size(window: MainWindow, qtbot: Any) -> None:
    panel = open_dock(window)
    before = panel.response_plot.getAxis("bottom").style["tickFont"].pointSizeF()
    with qtbot.waitSignal(window.text_scale_changed, timeout=2000):
        window.text_size.larger()
    after = panel.response_plot.getAxis("bottom").style["tickFont"].pointSizeF()
    assert after > before
    assert panel.labels["sum"].font().pointSizeF() > 0


def test_any_kernel(window: MainWindow, qtbot: Any) -> None:
    panel = open_dock(window)
    s = window.state
    for k in (
        np.zeros((3, 3)),
        np.array([[7.0]]),
        np.full((15, 15), 1e6),
        np.arange(15.0).reshape(1, 15),
        np.random.default_rng(2).normal(size=(15, 15)),
    ):
        s.set_kernel(k)
        assert text(panel, "sum") and text(panel, "rank")
        assert np.all(np.isfinite(panel.response_image.image))
    s.set_kernel(np.zeros((3, 3)))
    assert text(panel, "rank") == "Rank 0: every weight is 0."


# --- the layer mode, the divisor and bias, high-boost -------------------------------------------


def test_in_layer_mode_it_analyses_the_selected_filters_kernel(
    window: MainWindow, qtbot: Any
) -> None:
    from PySide6.QtCore import Qt

    from convgui.gui import layer_mode
    from convgui.imageio import ImageDoc

    panel = open_dock(window)
    window.state.apply_preset("gaussian_3")
    assert panel.heading.text() == "Single kernel"
    window.set_document(ImageDoc(np.random.default_rng(1).integers(0, 256, (12, 14, 3))
                                 .astype(np.uint8), name="c"))
    lm = layer_mode.show_layer_mode(window)
    layer = lm.layer
    assert window.mode == "layer" and layer.c_in == 3
    sobel = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    laplace = np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]])
    layer.set_kernel(2, 1, sobel)  # filter 2, channel G
    layer.set_kernel(2, 2, laplace)  # filter 2, channel B
    layer.set_bias(2, 0.5)
    layer.select(2)
    # The first channel by default; the heading says which.
    assert panel.heading.text() == "Filter 2, channel R"
    np.testing.assert_allclose(
        panel.response_image.image,
        np.abs(np.fft.fftshift(np.fft.fft2(layer.weights[:, :, 0, 2], s=(64, 64)))),
        atol=1e-12,
    )
    # Clicking into the G table analyses G's kernel: Sobel's factors, Sobel's response.
    table_g = lm.page.bank.tables[1]
    qtbot.mouseClick(table_g.viewport(), Qt.MouseButton.LeftButton,
                     pos=table_g.visualRect(lm.page.bank.models[1].index(1, 1)).center())
    qtbot.waitUntil(lambda: panel.heading.text() == "Filter 2, channel G", timeout=2000)
    assert "exact integers: [1 2 1]ᵀ × [−1 0 1]" in text(panel, "rank")
    want = np.abs(np.fft.fftshift(np.fft.fft2(sobel, s=(64, 64))))
    np.testing.assert_allclose(panel.response_image.image, want, atol=1e-12)
    assert "Filter 2's bias 0.5 is added once" in text(panel, "settings")
    # The channel choice does the same; an edit of that kernel is followed.
    assert panel.channel_combo.isVisible()
    panel.channel_combo.setCurrentIndex(2)
    panel.channel_combo.activated.emit(2)
    assert panel.heading.text() == "Filter 2, channel B" and panel.kind == "high-pass"
    layer.set_kernel(2, 2, np.full((3, 3), 1 / 9))
    assert panel.kind == "low-pass" and text(panel, "sum").startswith("Sum 1")
    layer.select(0)
    assert panel.heading.text().startswith("Filter 0, channel")
    # Back in the single-kernel mode: the table's kernel again.
    layer_mode.show_kernel_mode(window)
    assert panel.heading.text() == "Single kernel"
    assert not panel.channel_combo.isVisible()
    np.testing.assert_allclose(
        panel.response_image.image,
        np.abs(np.fft.fftshift(np.fft.fft2(window.state.kernel, s=(64, 64)))),
        atol=1e-12,
    )


def test_the_divisor_and_bias_line(window: MainWindow, qtbot: Any) -> None:
    panel = open_dock(window)
    s = window.state
    s.apply_preset("box_blur")
    assert not panel.labels["settings"].isVisible()  # divisor 1, bias 0: nothing to add
    s.set_kernel(np.ones((3, 3)) * 2 / 9)  # sum 2
    s.set_params("Divisor", divisor=2.0, bias=3.5)
    line = text(panel, "settings")
    assert panel.labels["settings"].isVisible()
    # A flat region v: 2v / 2 + 3.5 = v + 3.5; the range 0…510 becomes 3.5…258.5 (clips).
    assert line.startswith("With divisor 2 and bias 3.5: a flat region v becomes v + 3.5;")
    assert "from 3.5 to 258.5. It clips" in line
    s.set_params("Divisor", divisor=-2.0, bias=0.0)
    assert "from −255 to 0" in text(panel, "settings")  # divided by −2: the ends swap


def test_unsharp_mask_is_a_high_boost(window: MainWindow, qtbot: Any) -> None:
    panel = open_dock(window)
    window.state.apply_preset("unsharp_5")
    assert panel.kind == "high-boost"
    assert text(panel, "kind").startswith("High-boost (sharpening)")
    _fx, hx = panel.profile_x.getData()
    assert abs(hx[32] - 1) < 1e-12 and abs(hx[0] - 2) < 1e-12  # 1 at DC, 2 at Nyquist


def test_titles_and_heading_grow_with_the_text(window: MainWindow, qtbot: Any) -> None:
    import re

    panel = open_dock(window)

    def title_pt() -> float:
        # The size the title is drawn at: its innermost span's (pyqtgraph writes one, 11pt by
        # default, whatever the item's font).
        html = panel.response_plot.titleLabel.item.toHtml()
        sizes = re.findall(r"font-size:\s*([\d.]+)pt", html)
        assert sizes
        return float(sizes[-1])

    dock = lab(window).analysis
    before = (title_pt(), panel.heading.font().pointSizeF(),
              panel.profile_plot.getAxis("left").label.font().pointSizeF(),
              dock.font().pointSizeF())  # the dock's title bar
    for _ in range(2):
        with qtbot.waitSignal(window.text_scale_changed, timeout=2000):
            window.text_size.larger()
    after = (title_pt(), panel.heading.font().pointSizeF(),
             panel.profile_plot.getAxis("left").label.font().pointSizeF(),
             dock.font().pointSizeF())
    assert all(a > 1.2 * b for a, b in zip(after, before)), (before, after)
    assert not panel.labels["sum"].font().bold()  # the title's bold stays in the title
