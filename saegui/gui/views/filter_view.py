"""The filter grid: every hidden unit's weights W1_i as one tile, all in ONE pyqtgraph ImageItem.

Two normalisations: "common" -- the notes' W1_i/||W1_i|| (the input that maximally activates unit i)
on one scale shared by all tiles, so weak filters look weak; "tile" -- every tile stretched to its own
contrast like the exercise's display_network. Mouse wheel zooms, drag pans, double-click fits; a click
on a tile emits ``tileClicked(index)``.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout,
                               QWidget)

from .mosaic import Grid, filter_image

NORMALIZATIONS = (("common", "Common scale"), ("tile", "Per-tile contrast"))


class MosaicViewBox(pg.ViewBox):
    """A view box that reports clicks (in view coordinates) and fits on double-click."""

    clicked = Signal(float, float)

    def mouseClickEvent(self, ev):
        if ev.button() == Qt.MouseButton.LeftButton:
            p = self.mapSceneToView(ev.scenePos())
            self.clicked.emit(p.x(), p.y())
            ev.accept()
        else:
            super().mouseClickEvent(ev)

    def mouseDoubleClickEvent(self, ev):
        self.autoRange(padding=0.02)
        ev.accept()


class FastImageItem(pg.ImageItem):
    """An ImageItem whose rendered QImage is 32-bit premultiplied ARGB, the raster engine's own format.

    pyqtgraph renders a gray image as Grayscale8 (colour as RGB888), which Qt converts on every paint:
    a 46x46 mosaic scaled to 470x470 px took 0.52 ms a paint here against 0.10 ms once converted. The
    conversion is done once per new image, on an image the size of the mosaic.
    """

    def render(self):
        super().render()
        q = self.qimage
        if q is not None and q.format() != QImage.Format.Format_ARGB32_Premultiplied:
            self.qimage = q.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


class ImageCanvas(pg.GraphicsLayoutWidget):
    """One zoomable, aspect-locked, y-down image."""

    def __init__(self, parent=None, background="#1e1f22"):
        super().__init__(parent)
        self.setBackground(background)
        self.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.view = MosaicViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.addItem(self.view)
        self.image_item = FastImageItem(axisOrder="row-major")
        self.view.addItem(self.image_item)
        self.setMinimumSize(160, 160)
        self.placeholder = QLabel(self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: #b8bcc4; font-size: 13px; background: transparent;")
        self.placeholder.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.placeholder.hide()

    def set_placeholder(self, text: str | None):
        """A hint shown over the empty canvas (hidden once an image is shown)."""
        self.placeholder.setText(text or "")
        self.placeholder.setVisible(bool(text) and self.image_item.image is None)
        self._place_placeholder()

    def _place_placeholder(self):
        if getattr(self, "placeholder", None) is None:  # pyqtgraph resizes during construction
            return
        r = self.rect().adjusted(20, 20, -20, -20)
        self.placeholder.setGeometry(r)

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._place_placeholder()

    def show_image(self, img, levels=(-1.0, 1.0), fit=False):
        img = np.ascontiguousarray(img, dtype=np.float32)
        first = self.image_item.image is None
        shape_changed = not first and self.image_item.image.shape != img.shape
        self.image_item.setImage(img, autoLevels=False, levels=levels)
        self.placeholder.hide()
        if fit or first or shape_changed:
            self.view.autoRange(padding=0.02)

    def clear_image(self):
        self.image_item.clear()
        self.image_item.image = None
        self.placeholder.setVisible(bool(self.placeholder.text()))


class FilterView(QWidget):
    tileClicked = Signal(int)
    exportRequested = Signal()
    normalizationChanged = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("filterView")
        self.setAccessibleName("Filter grid")
        self.setAccessibleDescription("One tile per hidden unit: the input image that maximally activates it")
        self._W = None
        self._transform = None
        self._tile_shape = None
        self._grid: Grid | None = None
        self._selected: int | None = None

        self.title = QLabel("<b>Filters</b> — no model yet")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # may be clipped
        self.norm_combo = QComboBox(objectName="normalizationCombo")
        self.norm_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.norm_combo.setMinimumContentsLength(12)
        self.norm_combo.setAccessibleName("Filter normalisation")
        for key, label in NORMALIZATIONS:
            self.norm_combo.addItem(label, key)
        self.norm_combo.setToolTip(
            "<b>Common scale</b>: each tile is W₁ᵢ/‖W₁ᵢ‖ (the notes' maximally activating input), all tiles on "
            "one grey scale — weak or dead units look flat.<br><b>Per-tile contrast</b>: each tile stretched "
            "to its own range, like the exercise's display_network.")
        self.norm_combo.currentIndexChanged.connect(self._on_norm)
        self.pixel_check = QCheckBox("pixel space", objectName="pixelSpaceCheck")
        self.pixel_check.setAccessibleName("Show filters in pixel space")
        self.pixel_check.setToolTip("Show W₁·ZCA: each filter as it acts on the un-whitened pixels (the linear-decoder "
                                    "exercise's display). Off: the raw weights on the whitened inputs.")
        self.pixel_check.setChecked(True)
        self.pixel_check.hide()
        self.pixel_check.toggled.connect(self._rerender)
        fit = QToolButton(text="Fit", objectName="filterFitButton")
        fit.setToolTip("Zoom to show all tiles (or double-click the picture)")
        fit.setAccessibleName("Fit filter grid")
        fit.clicked.connect(lambda: self.canvas.view.autoRange(padding=0.02))

        head = QHBoxLayout()
        head.setContentsMargins(4, 2, 4, 2)
        head.addWidget(self.title, 1)
        head.addWidget(self.pixel_check)
        head.addWidget(self.norm_combo)
        head.addWidget(fit)
        png = QToolButton(text="PNG…", objectName="filterExportButton")
        png.setToolTip("Export the filter picture as a PNG file (Ctrl+E)")
        png.setAccessibleName("Export filters as PNG")
        png.clicked.connect(self.exportRequested)
        head.addWidget(png)

        self.canvas = ImageCanvas(self)
        self.canvas.view.clicked.connect(self._on_click)
        self.canvas.scene().sigMouseMoved.connect(self._on_hover)
        self.canvas.setToolTip("Click a tile to inspect that unit; wheel to zoom, drag to pan, double-click to fit")
        self.highlight = pg.QtWidgets.QGraphicsRectItem()
        self.highlight.setPen(pg.mkPen("#ffb000", width=2, cosmetic=True))
        self.highlight.setZValue(10)
        self.highlight.hide()
        self.canvas.view.addItem(self.highlight)
        self.canvas.set_placeholder("Press <b>Train</b> (Ctrl+Return) and watch each hidden unit's filter form here."
                                    "<br><br>Click a tile to inspect that unit.")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(head)
        lay.addWidget(self.canvas, 1)

    # -- API ---------------------------------------------------------------------------------------
    @property
    def image_item(self) -> pg.ImageItem:
        return self.canvas.image_item

    @property
    def normalization(self) -> str:
        return self.norm_combo.currentData()

    def set_normalization(self, key: str):
        i = self.norm_combo.findData(key)
        if i >= 0:
            self.norm_combo.setCurrentIndex(i)

    @property
    def grid(self) -> Grid | None:
        return self._grid

    def image(self):
        """The mosaic currently shown (float32, values in [-1, 1]) or None."""
        return self.image_item.image

    def set_filters(self, W, tile_shape, title=None, transform=None):
        """Show the rows of W (hidden, inputs) as tiles of ``tile_shape`` ((p, p) or (p, p, 3)).

        ``transform(W)`` (e.g. the ZCA matrix's effective filters) is applied when "pixel space" is on.
        """
        self._W = np.asarray(W)
        self._transform = transform
        self._tile_shape = tuple(tile_shape)
        self.pixel_check.setVisible(transform is not None)
        img, self._grid = filter_image(self.shown_weights(), self._tile_shape, self.normalization)
        self.canvas.show_image(img)
        if title is not None:
            self.title.setText(title)
        self._place_highlight()

    def shown_weights(self):
        """The weights as drawn: W, or transform(W) in pixel space."""
        if self._W is None:
            return None
        if self._transform is not None and self.pixel_check.isChecked():
            return np.asarray(self._transform(self._W))
        return self._W

    def _rerender(self):
        if self._W is not None:
            self.set_filters(self._W, self._tile_shape, transform=self._transform)

    def clear(self, title="<b>Filters</b> — no model yet"):
        self._W = None
        self._transform = None
        self._grid = None
        self.canvas.clear_image()
        self.highlight.hide()
        self.title.setText(title)

    def select(self, index: int | None):
        self._selected = index
        self._place_highlight()

    # -- internals -------------------------------------------------------------------------------
    def _place_highlight(self):
        if self._grid is None or self._selected is None or self._selected >= self._grid.n:
            self.highlight.hide()
            return
        x, y, w, h = self._grid.tile_rect(self._selected)
        self.highlight.setRect(x - 0.5, y - 0.5, w + 1, h + 1)
        self.highlight.show()

    def _on_norm(self):
        self._rerender()
        self.normalizationChanged.emit(self.normalization)

    def _on_hover(self, scene_pos):
        if self._grid is None:
            return
        p = self.canvas.view.mapSceneToView(scene_pos)
        i = self._grid.tile_at(p.x(), p.y())
        tip = f"unit {i} — click to inspect" if i is not None else \
            "Click a tile to inspect that unit; wheel to zoom, drag to pan, double-click to fit"
        if self.canvas.toolTip() != tip:
            self.canvas.setToolTip(tip)

    def _on_click(self, x, y):
        if self._grid is None:
            return
        i = self._grid.tile_at(x, y)
        if i is not None:
            self.select(i)
            self.tileClicked.emit(i)
