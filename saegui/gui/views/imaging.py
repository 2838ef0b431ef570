"""numpy arrays -> QImage/QPixmap for the thumbnails (PNG files are written by the core's write_png)."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QPixmap


def to_uint8(a, lo=None, hi=None):
    a = np.asarray(a, dtype=np.float64)
    lo = np.nanmin(a) if lo is None else lo
    hi = np.nanmax(a) if hi is None else hi
    span = hi - lo if hi > lo else 1.0
    return np.clip(np.nan_to_num((a - lo) / span) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def to_qimage(a, lo=None, hi=None) -> QImage:
    """Gray (H, W) or RGB (H, W, 3) float array -> QImage (a deep copy)."""
    u = np.ascontiguousarray(to_uint8(a, lo, hi))
    h, w = u.shape[:2]
    if u.ndim == 2:
        img = QImage(u.data, w, h, w, QImage.Format.Format_Grayscale8)
    else:
        u = np.ascontiguousarray(u[..., :3])
        img = QImage(u.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return img.copy()


def thumbnail(a, size=96) -> QPixmap:
    a = np.asarray(a)
    step = max(1, int(np.ceil(max(a.shape[:2]) / (2 * size))))
    small = a[::step, ::step]
    pm = QPixmap.fromImage(to_qimage(small))
    from PySide6.QtCore import Qt
    return pm.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)

