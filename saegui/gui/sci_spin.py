"""A spin box that shows and accepts scientific notation and never rounds a value away.

``QDoubleSpinBox`` rounds every value to ``decimals()`` places (2 by default), so λ = 1e-4 becomes 0.
Here decimals is the maximum Qt allows (323, i.e. no rounding of any double), the text is formatted
as the shortest text that reads back exactly (``1e-4`` shows as ``0.0001``, ``3e-7`` as ``3e-07``), and text is
validated as typed: anything that is not a number inside the allowed range is refused (or "intermediate"
while it could still become valid). The range may be open at either end (``open_min``/``open_max``):
ρ must be *strictly* inside (0, 1).

Arrow keys and the wheel step multiplicatively when ``log_step`` is set (×/÷ ``step_factor``), which is
what one wants for λ; otherwise by ``singleStep()``.
"""
from __future__ import annotations

import math
import re

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox

_FLOAT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_PARTIAL_RE = re.compile(r"^[+-]?(\d*\.?\d*)([eE][+-]?\d*)?$")


def format_sci(value: float, digits: int | None = None) -> str:
    """The shortest text that reads back as exactly ``value``: 0.0001, 3e-07, 2.5, 10000, 1.5e+16.

    (Python's ``repr`` of a float is the shortest round-tripping form, so editing the text and leaving
    the field never changes the number.) ``digits`` limits the significant digits if given.
    """
    value = float(value)
    if digits is not None:
        value = float(f"{value:.{digits}g}")
    text = repr(value)
    if text.endswith(".0"):
        text = text[:-2]
    return text


class SciSpinBox(QDoubleSpinBox):
    def __init__(self, parent=None, *, minimum=0.0, maximum=1e6, value=0.0, open_min=False, open_max=False,
                 log_step=False, step_factor=10.0 ** 0.5, single_step=0.1):
        super().__init__(parent)
        self._open_min = open_min
        self._open_max = open_max
        self._log_step = log_step
        self._step_factor = step_factor
        self._digits = None
        self.setDecimals(1000)  # Qt clamps to 323: no rounding of any double
        self.setKeyboardTracking(False)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
        self.setRange(minimum, maximum)
        self.setSingleStep(single_step)
        self.setValue(value)

    # -- validation ------------------------------------------------------------------------------
    def accepts(self, v: float) -> bool:
        if not math.isfinite(v):
            return False
        lo, hi = self.minimum(), self.maximum()
        if v < lo or v > hi:
            return False
        if self._open_min and v == lo:
            return False
        if self._open_max and v == hi:
            return False
        return True

    def validate(self, text, pos):
        t = text.strip()
        if t == "":
            return QValidator.State.Intermediate, text, pos
        if _FLOAT_RE.match(t):
            try:
                v = float(t)
            except ValueError:
                return QValidator.State.Invalid, text, pos
            if self.accepts(v):
                return QValidator.State.Acceptable, text, pos
            return QValidator.State.Intermediate, text, pos
        if _PARTIAL_RE.match(t):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Invalid, text, pos

    def fixup(self, text):
        return format_sci(self.value(), self._digits)

    def valueFromText(self, text):
        try:
            v = float(text.strip())
        except ValueError:
            return self.value()
        return v if self.accepts(v) else self.value()

    def textFromValue(self, value):
        return format_sci(value, self._digits)

    def setValue(self, value):
        value = float(value)
        if not self.accepts(value):
            lo, hi = self.minimum(), self.maximum()
            value = min(max(value, lo), hi)
            if self._open_min and value == lo:
                value = lo + (hi - lo) * 1e-12
            if self._open_max and value == hi:
                value = hi - (hi - lo) * 1e-12
        super().setValue(value)

    # -- stepping --------------------------------------------------------------------------------
    def stepBy(self, steps):
        v = self.value()
        if self._log_step and v > 0:
            new = v * self._step_factor ** steps
            # snap to 1, 3 decades (1e-4, 3e-4, 1e-3, ...) when the factor is sqrt(10)
            exp = math.floor(math.log10(new) + 1e-9)
            for cand in (10.0 ** exp, 3 * 10.0 ** exp, 10.0 ** (exp + 1)):
                if abs(cand - new) / new < 0.06:
                    new = float(f"{cand:.1e}")
                    break
        else:
            new = v + steps * self.singleStep()
        lo, hi = self.minimum(), self.maximum()
        if new <= lo and self._open_min:
            return
        if new >= hi and self._open_max:
            return
        self.setValue(min(max(new, lo), hi))
        self.selectAll()

    def stepEnabled(self):
        return QAbstractSpinBox.StepEnabledFlag.StepUpEnabled | QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
