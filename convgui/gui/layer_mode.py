"""The convolution-layer mode: the input's channels, a filter bank, one feature map per filter.

The page is built the first time the user switches to it (View ▸ Convolution Layer, or File ▸
Open Filter Bank…) and added to the window with ``window.add_mode("layer", page, keys=...)``;
its :class:`~convgui.layer_state.LayerState` reads the single-kernel state's image, so opening
an image in either mode updates both. The page and its state are kept on the window as
``window.layer_mode`` (a :class:`LayerMode`).

Room for the layer animation (what the page exposes for it)
------------------------------------------------------------
``page.input_view`` : ImageView
    The large input (R, G, B shown as colour, or grey), in input pixel coordinates.
``page.map_view`` : ImageView
    The selected filter's feature map, large, with its own colour bar.
``page.selected_filter`` : int
    The filter whose kernels are edited and whose map is shown large (``layer.select(i)``
    changes it).
``page.bottom_layout`` : QVBoxLayout
    Below the maps, empty: the place for the layer animation bar and its arithmetic panel.
``page.focus_changed`` : Signal()
    Emitted when the selected filter or the results change (read ``page.layer.result``:
    :class:`~convgui.layer_state.LayerResult`, its ``maps[i].data`` and ``levels``).
``page.handle_key(key) -> bool``
    The window's animation keys in this mode (Space, arrows, Home, End); it takes none yet
    (returns False): the animation replaces it with :meth:`LayerModePage.set_key_handler`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..core.banks import BANK_PRESETS, BANK_TITLES
from ..layer_state import INPUT_MODES, LayerState, short_reads_text
from ..safeio import NeedsConfirmationError, SaveError
from .actions import ActionSpec, Entry, Separator
from .feature_maps import TILE_MIN, MapGrid
from .filter_bank import FilterBankPanel
from .image_view import ImageView, make_lut_cmap
from .layer_animation import LayerAnimation
from .panels import ElidedLabel
from .util import mode_undo_actions, show_history, signals_blocked

MODE = "layer"
#: Where ``window.settings`` remembers the layer's input choice (``"rgb"`` or ``"grey"``).
INPUT_SETTING = "layer/input"
#: The radio group of View ▸ Single Kernel / Convolution Layer.
MODE_GROUP = "convgui_mode"
MENU_FILE, MENU_EDIT, MENU_VIEW, MENU_LAYER = "&File", "&Edit", "&View", "&Layer"
PRESETS_MENU = f"{MENU_LAYER}/Filter Bank &Presets"

TEXTS = {
    "input": "Input",
    "maps": "Feature maps (click one)",
    "map": "Feature map {o} ← {reads}",
    "map_tip": "Feature map {o}: the output of filter {o}, which reads {reads}.\n{shape}, "
    "colour scale {lo:.4g} … {hi:.4g}{signed}",
    "input_choice": "Input",
    "input_rgb": "R, G, B (3 channels)",
    "input_grey": "grey (BT.601, 1 channel)",
    "input_tip": "What the layer reads of a colour image: its three channels R, G, B (as a CNN "
    "does), or one grey channel (0.299 R + 0.587 G + 0.114 B). Independent of the single-kernel "
    "mode's Colour switch; a grey image is one channel either way.",
    "input_channel": "{title}: {h}×{w}×{c}, {name} shown large (click a channel)",
    "input_external_tip": "The layer reads {title}, shown from the network mode. Pick R, G, B "
    "or grey to read the image again (Edit ▸ Undo brings this input back).",
    "no_map": "Feature map: no output",
    "open_title": "Open Filter Bank",
    "save_title": "Save Filter Bank",
    "filter": "Filter banks (*.npz *.npy *.json);;All files (*)",
    "save_filter": "Keras weights (*.npz);;Kernel only (*.npy);;Bank and layer settings (*.json)",
    "replace_title": "Replace file?",
    "replace_text": "“{name}” already exists. Replace it with the filter bank?",
    "replace_opened": "“{name}” is a file convgui is using (the opened image or its settings). "
    "Replace it with the filter bank anyway?",
    "not_saved": "The filter bank was not saved to “{name}”.",
    "saved": "Filter bank saved to {name}",
    "opened": "Filter bank {name}: {n} filter(s) {kh}×{kw}",
    "open_failed": "Could not open the filter bank: {exc}",
}


#: The channel tiles' height for R, G, B or grey (one row), and each row's for more channels.
CHANNEL_GRID_HEIGHT = 84
#: The map's height in a small channel tile (its caption adds a line of text).
CHANNEL_PICTURE = 42
#: A widget's default maximum height (QWIDGETSIZE_MAX).
TILE_MAX_HEIGHT = 16777215
#: The Input choice's value while the layer reads an external input (a network layer's).
EXTERNAL = "external"


class ChannelGrid(MapGrid):
    """The input channels' tiles: one row of three for R, G, B; rows of small tiles for many.

    With more than three channels the tiles are :meth:`row_height` pixels tall (a caption and
    :data:`CHANNEL_PICTURE` pixels of map), as many per row as the width holds (rows evenly
    filled); the page shows two rows and scrolls the rest.

    Signals
    -------
    rows_changed(int)
        The number of rows changed (a new channel count or width).
    """

    rows_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(columns=3, parent=parent)  # fixed columns: the page sets the height
        self._rows = 1

    def columns_for(self, width: int) -> int:
        """Three columns for up to three channels; else as many as fit, rows evenly filled."""
        n = len(self.tiles)
        if n <= 3:
            return 3
        fit = max(3, (width + 4) // (TILE_MIN + 4))
        rows = -(-n // fit)
        return -(-n // rows)

    def rows(self) -> int:
        """The rows of tiles at the current width."""
        n = len(self.tiles)
        return max(1, -(-n // self.columns_for(self.width())))

    def row_height(self) -> int:
        """A small tile's height: its caption (View ▸ Text Size) and the map."""
        return self.fontMetrics().height() + CHANNEL_PICTURE

    def minimumSizeHint(self) -> QSize:
        """Many channels: three tiles wide (the columns follow the width given)."""
        if len(self.tiles) <= 3:
            return super().minimumSizeHint()
        return QSize(3 * (TILE_MIN + 4), self.rows() * (self.row_height() + 4))

    def sizeHint(self) -> QSize:
        """Many channels: as wide as the minimum (the scroll area gives the width)."""
        return self.minimumSizeHint() if len(self.tiles) > 3 else super().sizeHint()

    def set_count(self, captions: Any) -> bool:
        """One tile per caption (see :meth:`MapGrid.set_count`); small tiles for many."""
        changed = super().set_count(captions)
        self._fit_rows()
        return changed

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_rows()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # View ▸ Text Size: taller captions
            self._rows = 0
            self._fit_rows()

    def _fit_rows(self) -> None:
        many = len(self.tiles) > 3
        row = self.row_height()
        for t in self.tiles:
            if many and (t.minimumHeight(), t.maximumHeight()) != (row, row):
                t.setFixedHeight(row)
            elif not many and t.maximumHeight() < TILE_MAX_HEIGHT:
                t.setMinimumHeight(TILE_MIN)
                t.setMaximumHeight(TILE_MAX_HEIGHT)
        rows = self.rows()
        self.setMinimumHeight(rows * (row + 4) if many else 0)
        if rows != self._rows:
            self._rows = rows
            self.rows_changed.emit(rows)


class LayerModePage(QWidget):
    """The layer mode's page: channels, bank editor, the selected map large, all maps in a grid.

    Signals
    -------
    focus_changed()
        The selected filter or the results changed.
    input_choice_changed(str)
        The user chose the input: ``"rgb"`` or ``"grey"``.
    """

    focus_changed = Signal()
    #: The user chose what the layer reads of a colour image (``"rgb"`` or ``"grey"``).
    input_choice_changed = Signal(str)
    #: The layer animation (:class:`~convgui.gui.layer_animation.LayerAnimation`), set by its
    #: ``install`` when the mode is built.
    animation: Any

    def __init__(self, layer: LayerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerMode")
        self.layer = layer
        self._key_handler: Callable[[int], bool] | None = None

        # --- the input: its channels and the whole image large -------------------------
        self.input_combo = QComboBox(objectName="layerInputCombo")
        self.input_combo.addItem(TEXTS["input_rgb"], "rgb")
        self.input_combo.addItem(TEXTS["input_grey"], "grey")
        self.input_combo.setToolTip(TEXTS["input_tip"])
        self.input_combo.activated.connect(self._on_input_choice)
        self.channel_grid = ChannelGrid()
        self.channel_grid.setObjectName("channelGrid")
        self.channel_scroll = QScrollArea(objectName="channelScroll")
        self.channel_scroll.setWidget(self.channel_grid)
        self.channel_scroll.setWidgetResizable(True)
        self.channel_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.channel_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.channel_scroll.setFixedHeight(CHANNEL_GRID_HEIGHT)
        self.channel_grid.rows_changed.connect(lambda _rows: self._fit_channels())
        self.input_view = ImageView(colorbar=False)
        self.input_view.setObjectName("layerInputView")
        self.input_title = ElidedLabel(TEXTS["input"], objectName="layerInputTitle")

        # --- the selected map, large --------------------------------------------------------
        self.map_view = ImageView(colorbar=True)
        self.map_view.setObjectName("layerMapView")
        self.map_title = ElidedLabel(objectName="layerMapTitle")

        # --- the bank ---------------------------------------------------------------------
        self.bank = FilterBankPanel(layer)
        self.bank_scroll = QScrollArea(objectName="bankScroll")
        self.bank_scroll.setWidget(self.bank)
        self.bank_scroll.setWidgetResizable(True)
        self.bank_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.bank_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        # --- every map --------------------------------------------------------------------
        self.map_grid = MapGrid()
        self.map_grid.setObjectName("mapGrid")
        self.maps_scroll = QScrollArea(objectName="mapsScroll")
        self.maps_scroll.setWidget(self.map_grid)
        self.maps_scroll.setWidgetResizable(True)
        self.maps_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.maps_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.maps_title = QLabel(TEXTS["maps"], objectName="mapsTitle")
        self.maps_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.maps_title.setToolTip(
            "One feature map per filter, each with its own colour scale (blue < 0 < red when "
            "it has negative values). Click a map to show it large."
        )
        self.summary_label = QLabel(objectName="layerSummary")
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        f = self.summary_label.font()
        f.setFamily("monospace")
        f.setStyleHint(f.StyleHint.Monospace)
        self.summary_label.setFont(f)
        self.summary_label.setWordWrap(True)

        # --- layout -------------------------------------------------------------------------
        centre = QWidget(objectName="layerCentre")
        cl = QVBoxLayout(centre)
        cl.setContentsMargins(4, 2, 4, 2)
        cl.setSpacing(2)
        top = QHBoxLayout()
        top.addWidget(QLabel("Input channels", objectName="channelsTitle"))
        top.addStretch(1)
        choice_label = QLabel(TEXTS["input_choice"])
        choice_label.setBuddy(self.input_combo)
        top.addWidget(choice_label)
        top.addWidget(self.input_combo)
        cl.addLayout(top)
        cl.addWidget(self.channel_scroll)
        pair = QHBoxLayout()
        pair.setSpacing(4)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.input_title)
        left.addWidget(self.input_view, 1)
        right.addWidget(self.map_title)
        right.addWidget(self.map_view, 1)
        pair.addLayout(left, 1)
        pair.addLayout(right, 1)
        cl.addLayout(pair, 1)
        cl.addWidget(self.summary_label)
        maps = QWidget(objectName="layerMaps")
        # Room for two columns of the smallest tiles beside a scroll bar.
        maps.setMinimumWidth(2 * TILE_MIN + 40)
        ml = QVBoxLayout(maps)
        ml.setContentsMargins(4, 2, 4, 2)
        ml.addWidget(self.maps_title)
        ml.addWidget(self.maps_scroll, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="layerSplitter")
        self.splitter.addWidget(self.bank_scroll)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(maps)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setChildrenCollapsible(False)
        self.bottom = QWidget(objectName="layerAnimationArea")
        self.bottom_layout = QVBoxLayout(self.bottom)
        self.bottom_layout.setContentsMargins(0, 0, 0, 0)
        self.bottom_layout.setSpacing(0)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.splitter, 1)
        lay.addWidget(self.bottom)

        # --- wiring -------------------------------------------------------------------------
        self.map_grid.clicked.connect(layer.select)
        #: The channel shown large when the input is not one grey or R, G, B image.
        self.shown_channel = 0
        self.channel_grid.clicked.connect(self._on_channel_clicked)
        layer.image_changed.connect(self._update_input)
        layer.result_changed.connect(self._update_maps)
        layer.bank_changed.connect(self._update_captions)
        layer.settings_changed.connect(self._update_captions)
        layer.selected_changed.connect(self._on_selected)
        self._captions_key: tuple[Any, ...] | None = None
        self._fit_bank()
        self._user_split = False
        self.splitter.splitterMoved.connect(self._on_split_moved)
        self._update_input()
        self._update_captions()
        self._update_maps()

    # --- for the animation -------------------------------------------------------------------

    @property
    def selected_filter(self) -> int:
        """The filter shown large (and edited)."""
        return self.layer.selected

    def handle_key(self, key: int) -> bool:
        """The window's animation keys in this mode; True if taken."""
        return self._key_handler(key) if self._key_handler is not None else False

    def set_key_handler(self, handler: Callable[[int], bool] | None) -> None:
        """Give the animation keys (Space, arrows, Home, End) to ``handler``."""
        self._key_handler = handler

    # --- views ------------------------------------------------------------------------------

    def _fit_bank(self) -> None:
        bar = self.bank_scroll.verticalScrollBar().sizeHint().width()
        self.bank_scroll.setMinimumWidth(self.bank.minimumSizeHint().width() + bar + 2)

    def _on_split_moved(self, *_: object) -> None:
        self._user_split = True

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._balance()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._balance()

    def _balance(self) -> None:
        """The bank as wide as its controls; the rest 3:2 between the views and the maps."""
        if self._user_split:
            return
        total = sum(self.splitter.sizes()) or self.width()
        bank = max(self.bank_scroll.minimumWidth(), 300, total * 3 // 10)
        rest = max(0, total - bank)
        maps = max(2 * TILE_MIN + 40, rest * 2 // 5)
        self.splitter.setSizes([bank, rest - maps, maps])

    def set_text_scale(self, factor: float) -> None:
        """View ▸ Text Size reached this page."""
        for v in (self.input_view, self.map_view):
            v.set_text_scale(factor)
        self._fit_bank()

    def _on_input_choice(self) -> None:
        mode = str(self.input_combo.currentData())
        if mode == EXTERNAL:
            return  # already read (the choice is offered only while it is)
        self.layer.set_input_mode(mode)
        self.input_choice_changed.emit(mode)

    def _update_choices(self) -> None:
        """The Input choice: R, G, B / grey, and the external input while it is read."""
        layer = self.layer
        ext = layer.external
        combo = self.input_combo
        at = combo.findData(EXTERNAL)
        with signals_blocked(combo):
            if ext is None and at >= 0:
                combo.removeItem(at)
            elif ext is not None:
                if at < 0:
                    combo.addItem(ext.title, EXTERNAL)
                    at = combo.count() - 1
                combo.setItemText(at, ext.title)
                combo.setItemData(at, ext.title, Qt.ItemDataRole.ToolTipRole)
            combo.setCurrentIndex(max(0, combo.findData(layer.input_choice)))
        doc = layer.explorer.doc
        colour = doc is not None and doc.pixels.ndim == 3
        # While the external input is read, R, G, B / grey lead back to the image.
        combo.setEnabled(colour or ext is not None)
        combo.setToolTip(
            TEXTS["input_external_tip"].format(title=ext.title)
            if ext is not None
            else TEXTS["input_tip"]
        )

    def _update_input(self) -> None:
        layer = self.layer
        img = layer.image
        names = layer.channel_names
        self._update_choices()
        self.channel_grid.set_count(list(names))
        self._fit_channels()
        if img is None:
            self.input_view.set_image(None)
            for t in self.channel_grid.tiles:
                t.set_map(None)
            return
        vmax = layer.value_max
        lo, hi = (float(min(0.0, img.min())), float(max(vmax, img.max()))) if img.size else (0, 1)
        for c, t in enumerate(self.channel_grid.tiles):
            t.set_map(img[:, :, c], (lo, hi), "gray")
        h, w, n = img.shape
        one = self._one_channel_shown()
        if one:  # not a grey or colour image: one channel at a time, its values exact
            k = self.shown_channel = min(self.shown_channel, n - 1)
            shown = img[:, :, k]
            self.channel_grid.select(k)
            self.input_title.setText(
                TEXTS["input_channel"].format(title=TEXTS["input"], h=h, w=w, c=n, name=names[k])
            )
        else:
            shown = img[:, :, 0] if n == 1 else img[:, :, :3]
            self.channel_grid.select(-1)
            self.input_title.setText(f"{TEXTS['input']}: {h}×{w}×{n} ({'+'.join(names)})")
        self.input_view.set_image(shown, levels=(lo, hi), cmap=make_lut_cmap("gray"))
        self.input_view.fit()

    def _fit_channels(self) -> None:
        """The channels' room: one row for R, G, B or grey, up to two rows of small tiles."""
        grid = self.channel_grid
        if len(grid.tiles) <= 3:
            self.channel_scroll.setFixedHeight(CHANNEL_GRID_HEIGHT)
        else:
            self.channel_scroll.setFixedHeight(min(grid.rows(), 2) * (grid.row_height() + 4))

    def shown_input_channel(self) -> int | None:
        """The input channel shown large (a network layer's 2 or 4+), or None: all of them.

        None when the large input is the whole image, grey or R, G, B in colour.
        """
        if self.layer.image is None or not self._one_channel_shown():
            return None
        return max(0, min(self.shown_channel, self.layer.c_in - 1))

    def _one_channel_shown(self) -> bool:
        """True when the large input shows one channel (an external input of 2 or 4+)."""
        return self.layer.external is not None and self.layer.c_in not in (1, 3)

    def _on_channel_clicked(self, index: int) -> None:
        if self._one_channel_shown() and index != self.shown_channel:
            self.shown_channel = index
            self._update_input()

    def _update_captions(self) -> None:
        layer = self.layer
        # A weight edit changes none of this: skip the work (the summary reads the geometry).
        img = layer.image
        key = (
            None if img is None else img.shape,
            layer.weights.shape,
            layer.settings,
            layer.selected,
            layer.layer_error,
        )
        if key == self._captions_key:
            return
        self._captions_key = key
        reads = short_reads(layer)
        if layer.settings.groups == 1:  # every filter reads every channel: the index says it
            captions = [f"{o}" for o in range(len(reads))]
        else:
            captions = [f"{o} ← {r}" for o, r in enumerate(reads)]
        self.map_grid.set_count(captions)
        self.summary_label.setText(layer.summary())
        self.map_grid.select(layer.selected)

    def _update_maps(self) -> None:
        layer = self.layer
        r = layer.result
        self._update_captions()
        if r is None or len(r.maps) != len(self.map_grid.tiles):
            for t in self.map_grid.tiles:
                t.set_map(None)
            self._update_large()
            self.focus_changed.emit()
            return
        h, w = r.out_shape
        self.map_grid.set_aspect(h / max(1, w))
        changed = set(r.changed)
        for t in self.map_grid.tiles:
            m = r.maps[t.index]
            if t.index in changed or t.paint_count == 0 or getattr(t, "_shown", None) is not m:
                t.set_map(m.data, m.levels, "diverging" if m.signed else "gray")
                t._shown = m  # type: ignore[attr-defined]
        self._update_large()
        self.focus_changed.emit()

    def _update_large(self) -> None:
        layer = self.layer
        r = layer.result
        o = layer.selected
        if r is None or o >= len(r.maps):
            self.map_view.set_image(None)
            self.map_title.setText(
                TEXTS["no_map"] + (f": {layer.layer_error}" if layer.layer_error else "")
            )
            return
        m = r.maps[o]
        first = self.map_view.data is None
        cmap = make_lut_cmap("diverging" if m.signed else "gray")
        self.map_view.set_image(m.data, levels=m.levels, cmap=cmap)
        if first:
            self.map_view.fit()
        reads = short_reads(layer)
        what = reads[o] if o < len(reads) else "?"
        self.map_title.setText(TEXTS["map"].format(o=o, reads=what))
        self.map_title.setToolTip(
            TEXTS["map_tip"].format(
                o=o,
                reads=what,
                shape=f"{m.data.shape[0]}×{m.data.shape[1]}",
                lo=m.levels[0],
                hi=m.levels[1],
                signed=" (diverging: blue < 0 < red)" if m.signed else "",
            )
        )

    def _on_selected(self, index: int) -> None:
        self.map_grid.select(index)
        self._update_large()
        self.focus_changed.emit()


def short_reads(layer: LayerState) -> list[str]:
    """For each filter, the channels it reads: ``R+G+B``, or ``ch1 … ch16`` when many."""
    names = layer.channel_names
    return [short_reads_text(r, names) for r in layer.reads()]


class LayerMode(QObject):
    """The layer mode of a window: its state, page and undo actions (``window.layer_mode``)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.layer = LayerState(window.state, parent=None, input_mode=remembered_input(window))
        self.page = LayerModePage(self.layer)
        self.page.input_choice_changed.connect(
            lambda mode: window.settings.setValue(INPUT_SETTING, mode)
        )
        self.layer.message.connect(window.show_message)
        window.add_mode(
            MODE,
            self.page,
            keys=self.page.handle_key,
            # The bar, the sums and the keys (page.animation); what Animation ▸ drives here.
            animation=LayerAnimation.install(window, self.page),
        )
        window.mode_changed.connect(self._on_mode)
        window.text_scale_changed.connect(self.page.set_text_scale)
        window.installEventFilter(self)  # the state's worker stops when the window closes
        self.undo_action, self.redo_action = self._make_undo_actions()
        self.layer.history_changed.connect(self._update_history)
        self.layer.bank_changed.connect(self._update_history)
        self.layer.settings_changed.connect(self._update_history)
        self._update_history()

    # --- undo and redo in this mode -----------------------------------------------------------

    def _make_undo_actions(self) -> tuple[QAction, QAction]:
        return mode_undo_actions(self.window, self.layer, "layer")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.layer.close()
        return False

    def _update_history(self) -> None:
        show_history(self.undo_action, self.redo_action, self.layer)

    def _on_mode(self, name: str) -> None:
        # The window's own Undo/Redo and the View radio are touched only on a switch between
        # this mode and the single-kernel one: another mode (the network's) shows its own pair
        # and checks its own entry, whichever handler runs first.
        mine = name == MODE
        w = self.window
        for theirs, ours in ((w.undo_action, self.undo_action), (w.redo_action, self.redo_action)):
            ours.setVisible(mine)
            if mine or name == "kernel":
                theirs.setVisible(not mine)
        self.layer.set_active(mine)
        built = getattr(w, "actions_built", None)
        group = built.groups.get(MODE_GROUP) if built is not None else None
        if isinstance(group, QActionGroup) and name in (MODE, "kernel"):
            wanted = "modeLayerAction" if mine else "modeKernelAction"
            for act in group.actions():
                if act.objectName() == wanted:
                    act.setChecked(True)  # not triggered: the group stays exclusive


# --- the entries' callbacks ---------------------------------------------------------------------


def remembered_input(window: Any) -> str:
    """The layer's input choice remembered in ``window.settings`` (``"rgb"`` by default).

    A damaged or unknown remembered value gives the default.
    """
    try:
        value = window.settings.value(INPUT_SETTING, "rgb")
    except (TypeError, ValueError):  # pragma: no cover - QSettings returns what it holds
        return "rgb"
    return value if isinstance(value, str) and value in INPUT_MODES else "rgb"


def ensure(window: Any) -> LayerMode:
    """The window's layer mode, built on first use."""
    lm = getattr(window, "layer_mode", None)
    if lm is None:
        lm = LayerMode(window)
        window.layer_mode = lm
    return lm


def show_layer_mode(window: Any) -> LayerMode:
    """View ▸ Convolution Layer."""
    lm = ensure(window)
    window.show_mode(MODE)
    return lm


def show_kernel_mode(window: Any) -> None:
    """View ▸ Single Kernel."""
    window.show_mode("kernel")


def apply_bank_preset(window: Any, name: str) -> None:
    """Layer ▸ Filter Bank Presets ▸ name (switches to the layer mode)."""
    lm = show_layer_mode(window)
    try:
        lm.layer.apply_preset(name)
    except ValueError as exc:
        window.show_message("warning", f"{exc}. Nothing was changed.")


def open_bank_path(window: Any, path: str | Path) -> bool:
    """Load a bank file into the layer mode; on failure explain and keep the bank."""
    lm = show_layer_mode(window)
    try:
        lm.layer.load_bank(path)
    except ValueError as exc:
        window.show_message("error", TEXTS["open_failed"].format(exc=exc))
        return False
    kh, kw = lm.layer.filter_size
    window.show_message(
        "status",
        TEXTS["opened"].format(name=Path(path).name, n=lm.layer.n_filters, kh=kh, kw=kw),
    )
    return True


def open_bank_dialog(window: Any) -> None:
    """File ▸ Open Filter Bank…."""
    path, _ = QFileDialog.getOpenFileName(
        window, TEXTS["open_title"], window.files.dialog_dir(), TEXTS["filter"]
    )
    if path:
        open_bank_path(window, path)


def save_bank_path(
    window: Any, path: str | Path, *, confirm: bool = True, chosen_in_dialog: bool = False
) -> bool:
    """Save the bank (never replacing a file without asking); True when saved.

    ``confirm``: ask before replacing a file (False: refuse instead). ``chosen_in_dialog``:
    the save dialog asked already about an existing file.
    """
    lm = ensure(window)
    p = Path(path)
    protected = window.files.protected_files()
    try:
        try:
            lm.layer.save_bank(p, protected=protected)
        except NeedsConfirmationError as exc:
            if not (exc.reason == "exists" and chosen_in_dialog):
                if not confirm:
                    window.show_message("error", f"{exc} Nothing was saved.")
                    return False
                key = "replace_opened" if exc.reason == "protected" else "replace_text"
                if not window.files.ask(TEXTS["replace_title"], TEXTS[key].format(name=p.name)):
                    window.show_message("status", TEXTS["not_saved"].format(name=p.name))
                    return False
            lm.layer.save_bank(p, protected=protected, confirmed=True)
    except (SaveError, ValueError) as exc:
        window.show_message("error", f"{exc}")
        return False
    window.show_message("status", TEXTS["saved"].format(name=p.name))
    return True


def save_bank_dialog(window: Any) -> None:
    """File ▸ Save Filter Bank…."""
    ensure(window)
    path, chosen = QFileDialog.getSaveFileName(
        window,
        TEXTS["save_title"],
        str(Path(window.files.dialog_dir()) / "bank.npz"),
        TEXTS["save_filter"],
    )
    if path:
        if not Path(path).suffix:
            path += ".json" if "json" in chosen else ".npy" if ".npy" in chosen else ".npz"
        save_bank_path(window, path, chosen_in_dialog=True)


def entries() -> list[Entry]:
    """The layer mode's menu entries (View, File, Layer ▸ Filter Bank Presets)."""
    out: list[Entry] = [
        Separator(MENU_VIEW),
        ActionSpec(
            "modeKernelAction",
            "&Single Kernel",
            lambda w, _on=True: show_kernel_mode(w),
            MENU_VIEW,
            ("Ctrl+Alt+1",),
            "One kernel over one image, step by step (the lesson's picture)",
            checkable=True,
            checked=True,
            group=MODE_GROUP,
        ),
        ActionSpec(
            "modeLayerAction",
            "&Convolution Layer",
            lambda w, _on=True: show_layer_mode(w),
            MENU_VIEW,
            ("Ctrl+Alt+2",),
            "A layer: every input channel, a bank of filters, one feature map per filter",
            checkable=True,
            group=MODE_GROUP,
        ),
        Separator(MENU_FILE),
        ActionSpec(
            "openBankAction",
            "Open &Filter Bank…",
            lambda w: open_bank_dialog(w),
            MENU_FILE,
            (),
            "Load a layer's filters: Keras weights (.npz with kernel and bias, .npy) or a "
            "convgui bank (.json with the layer settings)",
        ),
        ActionSpec(
            "saveBankAction",
            "Save Filter &Bank…",
            lambda w: save_bank_dialog(w),
            MENU_FILE,
            (),
            "Save the layer's filters in the Keras layout (.npz, .npy) or with the layer "
            "settings (.json)",
        ),
    ]
    for name in BANK_PRESETS:
        out.append(
            ActionSpec(
                f"bankPreset_{name}",
                BANK_TITLES[name],
                lambda w, n=name: apply_bank_preset(w, n),
                PRESETS_MENU,
                (),
                "Load this bank into the convolution layer mode (Edit ▸ Undo brings yours back)",
            )
        )
    return out


__all__ = [
    "INPUT_SETTING",
    "TEXTS",
    "LayerMode",
    "LayerModePage",
    "apply_bank_preset",
    "ensure",
    "entries",
    "open_bank_path",
    "remembered_input",
    "save_bank_path",
    "show_kernel_mode",
    "show_layer_mode",
]
