"""The live views draw little while a run goes on: steady cost axes, stepped ranges, deferred repaints."""
import math

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QImage

from saegui.gui.panels.training_panel import TrainingPanel
from saegui.gui.views.cost_plot import CostPlot, nice_ceil
from saegui.gui.views.filter_view import ImageCanvas
from saegui.gui.views.sparsity_view import SparsityView


def history(n, start=40.0, end=0.5):
    it = np.arange(1, n + 1)
    cost = start * (end / start) ** (it / 400)
    return {"iteration": list(it), "cost": list(cost), "reconstruction": list(0.8 * cost),
            "weight_decay": [1e-3] * n, "sparsity": list(0.2 * cost)}


def legend_texts(plot):
    return [label.text for _, label in plot.legend.items]


@pytest.mark.parametrize("v, expected", [(0.3, 0.5), (1.0, 1.0), (1.01, 2.0), (7, 10.0), (0.012, 0.02), (0, 0.0),
                                         (-3, 0.0), (float("nan"), 0.0)])
def test_nice_ceil(v, expected):
    assert nice_ceil(v) == pytest.approx(expected)


def test_live_cost_axes_hold_still_then_autorange(qtbot):
    plot = CostPlot()
    qtbot.addWidget(plot)
    plot.set_log(True)
    plot.set_live(400)
    vb = plot.getPlotItem().vb
    plot.set_history(history(50))
    (x0, x1), (y0, y1) = vb.viewRange()
    assert x0 <= 0 and 100 <= x1 < 105, "x reaches the 1-2-5 step past the latest iteration"
    lo, hi = 1e-3, 40 * (0.5 / 40) ** (1 / 400)   # weight decay .. first cost
    assert y0 <= math.floor(math.log10(lo)) + 0.1 and y1 >= math.ceil(math.log10(hi)) - 0.1
    first = vb.viewRange()
    plot.set_history(history(90))                # same steps: the view does not move
    assert vb.viewRange() == first
    plot.set_history(history(390))
    assert 400 <= vb.viewRange()[0][1] < 410, "x never passes the run's length"
    assert all(not any(c.isdigit() for c in t) for t in legend_texts(plot)), "no values while live"

    plot.set_live(None)
    plot.set_history(history(400))
    assert vb.viewRange()[0][1] < 420
    assert any("0.5" in t for t in legend_texts(plot)), "the final values are in the legend"


def test_live_cost_linear_scale_steps(qtbot):
    plot = CostPlot()
    qtbot.addWidget(plot)
    plot.set_log(False)
    plot.set_live(400)
    plot.set_history(history(10))
    y0, y1 = plot.getPlotItem().vb.viewRange()[1]
    assert y0 <= 0 and 50 <= y1 <= 52, "from 0 to the 1-2-5 step above 40"


def test_sparsity_axis_steps(qtbot):
    view = SparsityView()
    qtbot.addWidget(view)
    vb = view.plot.getPlotItem().vb
    view.set_values(np.full(25, 0.011), 0.01)
    first = vb.viewRange()
    assert first[1][1] == pytest.approx(0.02)
    view.set_values(np.full(25, 0.013), 0.01)   # still under the step: the axis stays
    assert vb.viewRange() == first
    view.set_values(np.full(25, 0.3), 0.01)
    assert vb.viewRange()[1][1] == pytest.approx(0.5)


class PaintCounter(QObject):
    def __init__(self):
        super().__init__()
        self.n = 0

    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint:
            self.n += 1
        return False


def test_progress_bar_repaints_later_not_inside_the_call(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    bar = panel.progress_bar
    counter = PaintCounter()
    bar.installEventFilter(counter)
    for i in range(1, 30):
        panel.show_progress(i, 400, 1.0 / i, 0.01 * i)
    assert counter.n == 0, "QProgressBar.setValue painted synchronously"
    qtbot.waitUntil(lambda: counter.n >= 1, timeout=2000)
    assert bar.value() == 29 and bar.text().startswith("29 / 400")


def test_canvas_image_is_argb32_premultiplied_with_the_right_grays(qtbot):
    canvas = ImageCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(300, 300)
    canvas.show()
    img = np.array([[-1.0, 0.0], [1.0, -1.0]], np.float32)
    canvas.show_image(img)
    item = canvas.image_item
    item.render()
    q = item.qimage
    assert q.format() == QImage.Format.Format_ARGB32_Premultiplied
    grays = [[QImage.pixelColor(q, x, y).red() for x in range(2)] for y in range(2)]
    assert grays[0][0] == 0 and grays[1][0] == 255 and grays[1][1] == 0
    assert 120 <= grays[0][1] <= 135


def test_legend_sits_where_the_curves_are_not(qtbot):
    plot = CostPlot()
    qtbot.addWidget(plot)
    plot.resize(360, 480)
    plot.show()
    qtbot.waitExposed(plot)
    vb = plot.getPlotItem().vb

    def legend_in_lower_half():
        qtbot.wait(20)
        box = plot.legend.sceneBoundingRect()
        return box.center().y() > vb.sceneBoundingRect().center().y()

    plot.set_log(True)       # log scale: the terms level off high up, the legend goes low
    plot.set_history(history(400))
    assert legend_in_lower_half()
    plot.set_log(False)      # linear: they fall to the bottom, the legend goes up
    assert not legend_in_lower_half()
