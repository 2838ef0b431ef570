"""The cost curve: total J and its three parts per iteration, optional log scale."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

SERIES = (
    ("cost", "total J", "#1f4e9c", 2.5),
    ("reconstruction", "reconstruction", "#2a9d8f", 1.5),
    ("weight_decay", "weight decay", "#e9a23b", 1.5),
    ("sparsity", "sparsity", "#c0392b", 1.5),
)


class CostPlot(pg.PlotWidget):
    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.setObjectName("costPlot")
        self.setAccessibleName("Cost curve")
        self.setAccessibleDescription("Total cost and its reconstruction, weight-decay and sparsity terms per iteration")
        pi = self.getPlotItem()
        pi.showGrid(x=True, y=True, alpha=0.25)
        pi.setLabel("bottom", "iteration")
        pi.setLabel("left", "cost")
        pi.setMenuEnabled(False)
        self.legend = pi.addLegend(offset=(-10, 10), labelTextSize="8pt", brush=pg.mkBrush(255, 255, 255, 200))
        self.curves = {}
        for key, label, color, width in SERIES:
            self.curves[key] = pi.plot([], [], pen=pg.mkPen(color, width=width), name=label)
        self._data = {k: (np.empty(0), np.empty(0)) for k, *_ in SERIES}
        self._log = False
        self.setMinimumHeight(150)

    def set_history(self, history: dict):
        """``history`` maps iteration/cost/reconstruction/weight_decay/sparsity to equal-length sequences."""
        it = np.asarray(history.get("iteration", []), dtype=float)
        for key, *_ in SERIES:
            y = np.asarray(history.get(key, []), dtype=float)
            n = min(len(it), len(y))
            self._data[key] = (it[:n], y[:n])
        self._relabel()
        self._redraw()

    def _relabel(self):
        """Legend entries carry the latest value of each term."""
        names = {key: label for key, label, *_ in SERIES}
        for sample, label in self.legend.items:
            key = next((k for k, c in self.curves.items() if c is sample.item), None)
            if key is None:
                continue
            y = self._data[key][1]
            label.setText(f"{names[key]}  {y[-1]:.4g}" if len(y) else names[key])

    def detach_legend(self):
        """Take the legend out of the scene: its anchor to the view box would otherwise fire on a deleted
        view box when the window is destroyed while the process goes on (tests, embedding)."""
        if self.legend is not None and self.legend.scene() is not None:
            self.legend.scene().removeItem(self.legend)

    def curve_data(self, key="cost"):
        return self._data[key]

    def set_log(self, on: bool):
        self._log = bool(on)
        self.getPlotItem().setLogMode(x=False, y=self._log)
        self._redraw()

    def _redraw(self):
        for key, (x, y) in self._data.items():
            if self._log:
                y = np.where(y > 0, y, np.nan)
                keep = np.isfinite(y)
                x, y = x[keep], y[keep]
            self.curves[key].setData(x, y)


class CostView(QWidget):
    """The plot with a title line and the log-scale switch."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = CostPlot(self)
        self.log_check = QCheckBox("log scale", objectName="costLogCheck")
        self.log_check.setAccessibleName("Cost plot log scale")
        self.log_check.setToolTip("Show the cost on a logarithmic axis (non-positive terms are hidden)")
        self.log_check.toggled.connect(self.plot.set_log)
        self.log_check.setChecked(True)
        self.summary = QLabel("<b>Cost</b>")
        self.summary.setToolTip("J = ½‖h(x)−x‖² (reconstruction, mean over patches) + λ/2·ΣW² (weight decay) "
                                "+ β·Σⱼ KL(ρ‖ρ̂ⱼ) (sparsity)")
        self.summary.setWordWrap(True)
        head = QHBoxLayout()
        head.setContentsMargins(4, 2, 4, 2)
        head.addWidget(self.summary, 1)
        head.addWidget(self.log_check)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(head)
        lay.addWidget(self.plot, 1)

    def set_history(self, history: dict):
        self.plot.set_history(history)
        cost, it = history.get("cost", []), history.get("iteration", [])
        if len(cost) and len(it):
            self.summary.setText(f"<b>Cost</b>  J = {cost[-1]:.5g} at iteration {int(it[-1])}")
        else:
            self.summary.setText("<b>Cost</b>")
