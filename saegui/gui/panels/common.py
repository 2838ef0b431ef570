"""Small helpers shared by the panels."""
from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QSpinBox, QWidget


def named(widget: QWidget, object_name: str, accessible: str, tooltip: str | None = None) -> QWidget:
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible)
    if tooltip:
        widget.setToolTip(tooltip)
        widget.setAccessibleDescription(_strip(tooltip))
    return widget


def _strip(html: str) -> str:
    import re
    return re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ").strip()


def int_spin(lo: int, hi: int, value: int, step: int = 1) -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setSingleStep(step)
    s.setValue(value)
    s.setKeyboardTracking(False)
    s.setAccelerated(True)
    return s


def combo(items) -> QComboBox:
    """items: iterable of (data, label)."""
    c = QComboBox()
    c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    c.setMinimumContentsLength(8)
    for data, label in items:
        c.addItem(label, data)
    return c


def set_combo(c: QComboBox, data) -> None:
    i = c.findData(data)
    if i < 0:
        raise ValueError(f"{c.objectName()}: no item {data!r}")
    c.setCurrentIndex(i)


def group(title: str) -> tuple[QGroupBox, QFormLayout]:
    g = QGroupBox(title)
    f = QFormLayout(g)
    f.setContentsMargins(8, 6, 8, 8)
    f.setHorizontalSpacing(8)
    f.setVerticalSpacing(5)
    f.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return g, f


@contextmanager
def signals_blocked(*widgets):
    """Set several widgets at once without each change emitting (the panel emits one ``changed`` after)."""
    for w in widgets:
        w.blockSignals(True)
    try:
        yield
    finally:
        for w in widgets:
            w.blockSignals(False)
