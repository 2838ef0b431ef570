"""Some input patches beside their reconstructions (each pair on the input's grey scale)."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .filter_view import ImageCanvas
from .mosaic import pair_image


class ReconView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("reconView")
        self.setAccessibleName("Reconstructions")
        self.title = QLabel("<b>Reconstructions</b> — input | reconstruction")
        self.title.setContentsMargins(4, 2, 4, 2)
        self.canvas = ImageCanvas(self)
        self.canvas.set_placeholder("After training: some patches beside the network's reconstructions h(x).")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.title)
        lay.addWidget(self.canvas, 1)

    def set_pairs(self, X, R, tile_shape, error=None):
        self.canvas.show_image(pair_image(X, R, tile_shape, pairs_per_row=4))
        t = f"<b>Reconstructions</b> — input | reconstruction ({len(X)} patches)"
        if error is not None:
            t += f"  ·  mean ½‖h(x)−x‖² = {error:.3g}"
        self.title.setText(t)

    def clear(self):
        self.canvas.clear_image()
        self.title.setText("<b>Reconstructions</b> — input | reconstruction")
