"""ρ̂_j per hidden unit as bars against the target ρ, with the dead-unit count and mean activity."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..text import RHO_HAT, RHO_HAT_J
from .cost_plot import cache_axes, nice_ceil

#: a unit counts as "active" on an example when its activation (mapped to (0, 1)) exceeds this
ACTIVE_THRESHOLD = 0.5


def activation_stats(A, threshold=ACTIVE_THRESHOLD):
    """From activations A (m, hidden) in (0, 1): (rho_hat, dead units, mean active units per example)."""
    A = np.asarray(A, dtype=np.float64)
    if A.size == 0:
        return np.zeros(A.shape[1] if A.ndim == 2 else 0), 0, 0.0
    active = A > threshold
    rho_hat = A.mean(0)
    dead = int((~active.any(0)).sum())
    mean_active = float(active.sum(1).mean())
    return rho_hat, dead, mean_active


class SparsityView(QWidget):
    unitClicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("sparsityView")
        self.setAccessibleName("Mean activation per unit")
        self.plot = pg.PlotWidget(background="w")
        pi = self.plot.getPlotItem()
        pi.setMenuEnabled(False)
        pi.showGrid(y=True, alpha=0.25)
        pi.setLabel("bottom", "hidden unit j")
        pi.setLabel("left", "mean activation " + RHO_HAT_J)
        pi.getAxis("left").enableAutoSIPrefix(False)
        cache_axes(pi)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush="#4a78c2", pen=None)
        pi.addItem(self.bars)
        self.target = pg.InfiniteLine(angle=0, pos=0.01,
                                      pen=pg.mkPen("#c0392b", width=2, style=pg.QtCore.Qt.PenStyle.DashLine))
        pi.addItem(self.target)
        self.summary = QLabel("<b>Sparsity</b>")
        self.summary.setObjectName("sparsitySummary")
        self.summary.setToolTip(
            f"{RHO_HAT_J} = mean activation of unit j over the training patches; the sparsity term pulls it towards ρ.<br>"
            f"A unit is <i>active</i> on an example when its activation exceeds {ACTIVE_THRESHOLD}; "
            f"<i>dead</i> units are never active on the data.")
        head = QHBoxLayout()
        head.setContentsMargins(4, 2, 4, 2)
        head.addWidget(self.summary, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(head)
        lay.addWidget(self.plot, 1)
        self.plot.getPlotItem().setRange(xRange=(-0.8, 24.8), yRange=(0, 0.02), padding=0)
        self.rho_hat = np.empty(0)
        self._range = None
        self.dead = 0
        self.mean_active = 0.0
        self.plot.scene().sigMouseClicked.connect(self._on_click)

    def set_values(self, rho_hat, target, dead=None, mean_active=None):
        self.rho_hat = np.asarray(rho_hat, dtype=float)
        n = len(self.rho_hat)
        self.bars.setOpts(x=np.arange(n), height=self.rho_hat, width=0.8)
        self.target.setPos(float(target))
        # The top moves in 1-2-5 steps: a steady axis is not laid out again on every live update.
        top = nice_ceil(max(float(self.rho_hat.max()) if n else 0.0, float(target)) * 1.1) or 1.0
        if (n, top) != self._range:
            self._range = (n, top)
            self.plot.getPlotItem().setRange(xRange=(-0.8, max(n, 1) - 0.2), yRange=(0, top), padding=0)
        text = f"<b>Sparsity</b>  mean {RHO_HAT} = {self.rho_hat.mean():.3g} (<span style='color:#c0392b'>target ρ = {target:.3g}</span>)" if n else "<b>Sparsity</b>"
        if dead is not None:
            self.dead, self.mean_active = int(dead), float(mean_active)
            text += f"  ·  dead units: <b>{dead}</b>/{n}  ·  active per example: <b>{mean_active:.2f}</b>"
        self.summary.setText(text)

    def set_target(self, target):
        self.target.setPos(float(target))

    def clear(self):
        self.rho_hat = np.empty(0)
        self.bars.setOpts(x=[], height=[])
        self.summary.setText("<b>Sparsity</b>")

    def _on_click(self, ev):
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        x = vb.mapSceneToView(ev.scenePos()).x()
        j = int(round(x))
        if 0 <= j < len(self.rho_hat) and abs(x - j) <= 0.4:
            self.unitClicked.emit(j)
