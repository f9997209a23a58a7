"""Qt widgets of the convgui window (thin views over the state).

pyqtgraph is configured here, once, before any of its items exist: images are row-major
(``data[row, col]``, as numpy and convgui.core use them). PySide6 is imported first so that
pyqtgraph binds to it.
"""

import pyqtgraph as pg
import PySide6.QtCore  # noqa: F401  (binds pyqtgraph to PySide6)

pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
