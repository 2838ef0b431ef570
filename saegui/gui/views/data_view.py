"""The data tab: thumbnails of the loaded images, and sampled patches before/after preprocessing."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QListView, QListWidget, QListWidgetItem, QSplitter, QVBoxLayout, QWidget

from .filter_view import ImageCanvas
from .imaging import thumbnail
from .mosaic import patch_image

MAX_THUMBS = 40
SHOW_PATCHES = 100


def _titled(title, widget):
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    label = QLabel(title)
    label.setContentsMargins(4, 2, 4, 2)
    lay.addWidget(label)
    lay.addWidget(widget, 1)
    return w, label


class DataView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("dataView")
        self.thumbs = QListWidget(objectName="imageThumbnails")
        self.thumbs.setAccessibleName("Loaded images")
        self.thumbs.setViewMode(QListView.ViewMode.IconMode)
        self.thumbs.setIconSize(QSize(72, 72))
        self.thumbs.setResizeMode(QListView.ResizeMode.Adjust)
        self.thumbs.setMovement(QListView.Movement.Static)
        self.thumbs.setSpacing(2)
        self.thumbs.setStyleSheet("QListWidget { background: #1e1f22; border: none; }")
        self.raw_canvas = ImageCanvas(self)
        self.raw_canvas.setAccessibleName("Sampled patches")
        self.pre_canvas = ImageCanvas(self)
        self.pre_canvas.setAccessibleName("Preprocessed patches")
        split = QSplitter()
        w1, self.thumb_label = _titled("<b>Images</b>", self.thumbs)
        w2, self.raw_label = _titled("<b>Sampled patches</b>", self.raw_canvas)
        w3, self.pre_label = _titled("<b>After preprocessing</b>", self.pre_canvas)
        for w in (w1, w2, w3):
            split.addWidget(w)
        split.setSizes([300, 220, 220])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

    def set_images(self, images, names):
        self.thumbs.clear()
        for img, name in list(zip(images, names))[:MAX_THUMBS]:
            item = QListWidgetItem(QIcon(thumbnail(img, 72)), "")
            shape = "×".join(str(s) for s in np.asarray(img).shape)
            item.setToolTip(f"{name}  ({shape})")
            self.thumbs.addItem(item)
        more = f", first {MAX_THUMBS} shown" if len(images) > MAX_THUMBS else ""
        self.thumb_label.setText(f"<b>Images</b> ({len(images)}{more})")

    def set_patches(self, raw, pre, tile_shape):
        k = min(SHOW_PATCHES, len(raw))
        img, _ = patch_image(raw[:k], tile_shape, cols=10)
        self.raw_canvas.show_image(img, fit=True)
        if pre is not None:
            img2, _ = patch_image(pre[:k], tile_shape, cols=10)
            self.pre_canvas.show_image(img2, fit=True)
        self.raw_label.setText(f"<b>Sampled patches</b> (first {k})")
