"""What the views paint must be the values, not one grey level off."""

import numpy as np
from PySide6.QtGui import QImage

from convgui.core import get_preset


def _painted_gray(view) -> np.ndarray:
    view.grab()  # ImageItem renders lazily, in paint()
    img = view.image_item.qimage.convertToFormat(QImage.Format.Format_RGB888)
    h, w = img.height(), img.width()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
    return buf.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3)[..., 0].copy()


def test_identity_output_paints_exactly_the_input_grey_levels(window) -> None:
    window.state.set_kernel(get_preset("identity"))
    window.state.set_display_mode("clip")
    want = window.state.engine_image().astype(np.uint8)
    assert np.array_equal(_painted_gray(window.output_view), want)
    assert np.array_equal(_painted_gray(window.input_view), want)


def test_choosing_an_edge_preset_switches_to_the_signed_colour_map(window) -> None:
    window.state.set_display_mode("clip")
    window.kernel_panel.preset_combo.activated.emit(
        window.kernel_panel.preset_combo.findData("sobel_x")
    )
    assert window.state.display_mode == "diverging"
    # A blur keeps whatever the user chose.
    window.state.set_display_mode("stretch")
    window.state.apply_preset("gaussian_3")
    assert window.state.display_mode == "stretch"
