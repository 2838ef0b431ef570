"""The cost curve: total J and its three parts per iteration, optional log scale.

While a run is live (:meth:`CostPlot.set_live`) the axes hold still between steps: x reaches to the next
1-2-5 step past the latest iteration (at most the run's length), y moves in decades on the log scale
(1-2-5 steps on the linear one), and the legend names the terms without their values.
Every change of range makes pyqtgraph lay out the axes' tick text again, about 4 ms each in the GUI
thread while it holds the GIL, and the training thread waits for the GIL after each of its NumPy calls:
a steady frame costs the training far less than a rescaled one.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QGraphicsItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

SERIES = (
    ("cost", "total J", "#1f4e9c", 2.5),
    ("reconstruction", "reconstruction", "#2a9d8f", 1.5),
    ("weight_decay", "weight decay", "#e9a23b", 1.5),
    ("sparsity", "sparsity", "#c0392b", 1.5),
)


LEFT_AXIS_WIDTH = 56   # px: "0.0001" and "10⁻¹⁰" fit, with the axis title beside them


def cache_axes(plot_item) -> None:
    """Keep each axis (its ticks, labels and grid lines) as a pixmap, drawn again only when its range or
    size changes. The grid lines span the plot, so without the cache any change of a curve repaints the
    axes, tick text and all."""
    for name in ("left", "bottom", "right", "top"):
        plot_item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


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
        cache_axes(pi)
        # A fixed width for the tick labels: when new labels were wider or narrower, the plot was
        # laid out again and both axes drawn twice for one change of range.
        pi.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
        self.legend = pi.addLegend(offset=(-10, 10), labelTextSize="8pt", brush=pg.mkBrush(255, 255, 255, 200))
        self.curves = {}
        for key, label, color, width in SERIES:
            self.curves[key] = pi.plot([], [], pen=pg.mkPen(color, width=width), name=label)
        self._data = {k: (np.empty(0), np.empty(0)) for k, *_ in SERIES}
        self._log = False
        self._live = 0          # max_iter of the live run, 0 when no run is live
        self._live_range = None  # the live (x, y) ranges last set, in view coordinates
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

    def set_live(self, max_iter: int | None):
        """Steady axes for a run of ``max_iter`` iterations; ``None`` (or 0) gives the view back to autorange."""
        self._live = int(max_iter or 0)
        self._live_range = None
        pi = self.getPlotItem()
        if self._live:
            pi.disableAutoRange()
        else:
            pi.enableAutoRange()
        self._relabel()

    def _relabel(self):
        """Legend entries carry the latest value of each term (names only while a run is live)."""
        names = {key: label for key, label, *_ in SERIES}
        for sample, label in self.legend.items:
            key = next((k for k, c in self.curves.items() if c is sample.item), None)
            if key is None:
                continue
            y = self._data[key][1]
            text = f"{names[key]}  {y[-1]:.4g}" if len(y) and not self._live else names[key]
            if label.text != text:
                label.setText(text)

    def detach_legend(self):
        """Take the legend out of the scene: its anchor to the view box would otherwise fire on a deleted
        view box when the window is destroyed while the process goes on (tests, embedding)."""
        if self.legend is not None and self.legend.scene() is not None:
            self.legend.scene().removeItem(self.legend)

    def curve_data(self, key="cost"):
        return self._data[key]

    def set_log(self, on: bool):
        self._log = bool(on)
        self._live_range = None
        self.getPlotItem().setLogMode(x=False, y=self._log)
        # The legend goes where the curves are not: the terms fall fast and then level off, high
        # on a log scale (empty below, on the right) and low on a linear one (empty above).
        self.legend.setOffset((-10, -10) if self._log else (-10, 10))
        self._redraw()

    def _redraw(self):
        shown = []
        for key, (x, y) in self._data.items():
            if self._log:
                y = np.where(y > 0, y, np.nan)
                keep = np.isfinite(y)
                x, y = x[keep], y[keep]
            self.curves[key].setData(x, y)
            shown.append(y[np.isfinite(y)])
        if self._live:
            y = np.concatenate(shown)
            if y.size:
                last = self._data["cost"][0][-1] if len(self._data["cost"][0]) else 1.0
                self._step_ranges(float(last), float(y.min()), float(y.max()))

    def _step_ranges(self, last: float, lo: float, hi: float):
        """Set the live ranges in steps around the data, and only when a step is crossed."""
        x = min(float(self._live), nice_ceil(last + 1))
        if self._log:
            y = (math.floor(math.log10(lo)), max(math.ceil(math.log10(hi)), math.floor(math.log10(lo)) + 1))
        else:
            y = (min(0.0, lo), nice_ceil(hi) or 1.0)   # the terms are >= 0: from 0 up
        if (x, y) != self._live_range:
            self._live_range = (x, y)
            self.getPlotItem().setRange(xRange=(0, x), yRange=y, padding=0.02)


def nice_ceil(v: float) -> float:
    """The smallest of 1, 2 or 5 times a power of ten that is >= v, for v > 0 (0 otherwise)."""
    if not (v > 0 and math.isfinite(v)):
        return 0.0
    e = 10.0 ** math.floor(math.log10(v))
    return next(f * e for f in (1, 2, 5, 10) if f * e >= v * (1 - 1e-12))


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

    def set_live(self, max_iter: int | None):
        self.plot.set_live(max_iter)

    def set_history(self, history: dict):
        self.plot.set_history(history)
        cost, it = history.get("cost", []), history.get("iteration", [])
        if len(cost) and len(it):
            self.summary.setText(f"<b>Cost</b>  J = {cost[-1]:.5g} at iteration {int(it[-1])}")
        else:
            self.summary.setText("<b>Cost</b>")
