"""Unit inspector: one hidden unit's weights large, its ρ̂, its activation histogram, its top patches."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from .text import RHO_HAT
from .views.filter_view import ImageCanvas
from .views.mosaic import patch_image
from .views.sparsity_view import ACTIVE_THRESHOLD

TOP_K = 16


class UnitInspector(QWidget):
    """A tool window. ``show_unit`` takes the activations A (m, hidden) in (0, 1) of the patches."""

    unitChanged = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent, Qt.WindowType.Tool)
        self.setObjectName("unitInspector")
        self.setAccessibleName("Unit inspector")
        self.setWindowTitle("Unit inspector")
        self.resize(720, 460)
        self._args = None
        self.index = None

        self.prev_button = QToolButton(text="◀", objectName="prevUnitButton")
        self.prev_button.setAccessibleName("Previous unit")
        self.next_button = QToolButton(text="▶", objectName="nextUnitButton")
        self.next_button.setAccessibleName("Next unit")
        self.prev_button.clicked.connect(lambda: self._step(-1))
        self.next_button.clicked.connect(lambda: self._step(1))
        self.title = QLabel("<b>Unit</b>")
        self.title.setObjectName("inspectorTitle")
        self.stats = QLabel("")
        self.stats.setObjectName("inspectorStats")
        self.stats.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(self.prev_button)
        head.addWidget(self.title, 1)
        head.addWidget(self.next_button)

        self.weights = ImageCanvas(self)
        self.weights.setAccessibleName("Unit weights")
        self.weights.view.setMouseEnabled(False, False)
        self.top = ImageCanvas(self)
        self.top.setAccessibleName("Most activating patches")
        self.top.view.setMouseEnabled(False, False)
        self.hist = pg.PlotWidget(background="w")
        self.hist.setAccessibleName("Activation histogram")
        hp = self.hist.getPlotItem()
        hp.setMenuEnabled(False)
        hp.setLabel("bottom", "activation a₂")
        hp.getAxis("bottom").enableAutoSIPrefix(False)
        hp.setLabel("left", "patches")
        hp.showGrid(y=True, alpha=0.25)
        self.hist_curve = hp.plot([], [], stepMode="center", fillLevel=0, brush="#4a78c288", pen=pg.mkPen("#1f4e9c"))
        self.rho_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#c0392b", width=2), label="mean",
                                        labelOpts={"position": 0.9, "color": "#c0392b"})
        self.threshold_line = pg.InfiniteLine(pos=ACTIVE_THRESHOLD, angle=90,
                                              pen=pg.mkPen("#888", style=Qt.PenStyle.DotLine), label="active →",
                                              labelOpts={"position": 0.9, "color": "#666",
                                                         "anchors": [(0, 0.5), (0, 0.5)]})
        hp.addItem(self.rho_line)
        hp.addItem(self.threshold_line)

        grid = QGridLayout()
        self.weights_caption = _cap("<b>Weights</b> W₁ᵢ, scaled by max |w|")
        grid.addWidget(self.weights_caption, 0, 0)
        grid.addWidget(_cap(f"<b>Top {TOP_K} patches</b> (largest activation)"), 0, 1)
        grid.addWidget(self.weights, 1, 0)
        grid.addWidget(self.top, 1, 1)
        grid.addWidget(_cap("<b>Activation over the patches</b> (log count)"), 2, 0, 1, 2)
        grid.addWidget(self.hist, 3, 0, 1, 2)
        grid.setRowStretch(1, 3)
        grid.setRowStretch(3, 2)

        lay = QVBoxLayout(self)
        lay.addLayout(head)
        lay.addWidget(self.stats)
        lay.addLayout(grid, 1)

    def show_unit(self, index, W1, A, patches, tile_shape, pixel_space=False):
        """W1 (hidden, n); A (m, hidden) activations in (0, 1); patches (m, n) rows matching A."""
        self._args = (W1, A, patches, tile_shape, pixel_space)
        self.weights_caption.setText("<b>Weights</b> " + ("W₁ᵢ·ZCA (pixel space)" if pixel_space else "W₁ᵢ")
                                     + ", scaled by max |w|")
        n_units = W1.shape[0]
        index = int(index) % n_units
        self.index = index
        w = np.asarray(W1[index], dtype=np.float64)
        norm = np.linalg.norm(w)
        tile = (w / (np.abs(w).max() or 1.0)).reshape(tile_shape)
        self.weights.show_image(tile.astype(np.float32), fit=True)
        a = np.asarray(A[:, index], dtype=np.float64)
        rho = float(a.mean())
        order = np.argsort(a)[::-1][:TOP_K]
        img, _ = patch_image(np.asarray(patches)[order], tile_shape, cols=4)
        self.top.show_image(img, fit=True)
        top = max(float(a.max()) * 1.02, 1e-6)
        counts, edges = np.histogram(a, bins=40, range=(0.0, top))
        self.threshold_line.setVisible(top >= ACTIVE_THRESHOLD)
        self.hist_curve.setData(edges, np.log10(counts + 1.0))
        self.hist.getPlotItem().setLabel("left", "log₁₀(1 + patches)")
        self.rho_line.setPos(rho)
        active = float((a > ACTIVE_THRESHOLD).mean())
        self.title.setText(f"<b>Unit {index}</b> of {n_units}")
        self.stats.setText(f"{RHO_HAT} = <b>{rho:.4g}</b>  ·  max activation {a.max():.3g}  ·  active (a > {ACTIVE_THRESHOLD}) "
                           f"on {100 * active:.2f}% of {len(a)} patches  ·  ‖W₁ᵢ‖ = {norm:.3g}")
        self.setWindowTitle(f"Unit inspector — unit {index}")
        self.unitChanged.emit(index)

    def _step(self, d):
        if self._args is not None and self.index is not None:
            self.show_unit(self.index + d, *self._args)


def _cap(text):
    label = QLabel(text)
    label.setContentsMargins(2, 4, 2, 0)
    return label
