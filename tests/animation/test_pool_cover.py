"""While the convolution plays, the pooled map shows only cells whose window is complete."""

from typing import Any

import numpy as np
import pytest

from convgui.core import get_preset, pool_padding


def _shown_pooled_cells(window: Any) -> np.ndarray:
    """Which pooled cells are not covered, read back from the cover rectangles."""
    cover = window.overlay.pool_cover
    hp, wp = window.state.result.pooled.shape[:2]
    rect = window.pooled_view.rect
    cw, ch = rect.width() / wp, rect.height() / hp
    shown = np.ones((hp, wp), bool)
    if not cover.rows_below.isVisible():
        return shown
    for item in (cover.rest_of_row, cover.rows_below):
        r = item.rect()
        if r.width() <= 0 or r.height() <= 0:
            continue
        i0 = round((r.top() - rect.top()) / ch)
        i1 = round((r.bottom() - rect.top()) / ch)
        j0 = round((r.left() - rect.left()) / cw)
        j1 = round((r.right() - rect.left()) / cw)
        shown[i0:i1, j0:j1] = False
    return shown


@pytest.mark.parametrize(
    ("size", "stride", "padding"), [(2, 2, "valid"), (3, 2, "same"), (2, 1, "valid")]
)
def test_pooled_cells_appear_once_their_window_is_computed(
    window: Any, size: int, stride: int, padding: str
) -> None:
    state = window.state
    state.set_kernel(get_preset("lesson"))
    state.set_params(
        pool="max", pool_size=(size, size), pool_stride=(stride, stride), pool_padding=padding
    )
    ho, wo = state.result.activated.shape
    hp, wp = state.result.pooled.shape
    pads = pool_padding((ho, wo), size, stride=stride, padding=padding)
    for pos in range(ho * wo):
        window.anim.seek(pos)
        r, c = divmod(pos, wo)
        want = np.zeros((hp, wp), bool)
        for i in range(hp):
            for j in range(wp):
                rows = [i * stride - pads[0] + k for k in range(size)]
                cols = [j * stride - pads[2] + k for k in range(size)]
                last = (min(max(rows), ho - 1), min(max(cols), wo - 1))
                want[i, j] = last[0] * wo + last[1] <= pos
        assert np.array_equal(_shown_pooled_cells(window), want), (pos, r, c)
