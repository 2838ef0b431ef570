"""Training panel: optimiser, iterations, run controls, progress, and the gradient check."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QStyle, QVBoxLayout,
                               QWidget)

from ..sci_spin import SciSpinBox
from ..settings import DTYPES, OPTIMIZER_LABELS, OPTIMIZERS, TrainSettings
from .common import combo, group, int_spin, named, set_combo


def format_eta(seconds: float) -> str:
    if seconds != seconds or seconds < 0:  # nan
        return "–"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    m, s = divmod(seconds, 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


WAITING_TEXT = "Train waits for the data being prepared."


class TrainingPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        st = self.style()
        box, form = group("Training")
        self.optimizer_combo = named(combo([(k, OPTIMIZER_LABELS[k]) for k in OPTIMIZERS]), "optimizerCombo",
                                     "Optimiser",
                                     "L-BFGS (the exercise's minFunc choice) converges fastest; conjugate gradient "
                                     "is an alternative; gradient descent takes fixed steps of size α.")
        self.lr_spin = named(SciSpinBox(minimum=0.0, maximum=1e3, value=0.5, open_min=True, log_step=True),
                             "learningRateSpin", "Learning rate alpha",
                             "Step size α of batch gradient descent: W := W − α·∂J/∂W. Typical 0.1–1.")
        self.max_iter_spin = named(int_spin(1, 1_000_000, 400, 50), "maxIterSpin", "Maximum iterations",
                                   "Stop after this many optimiser iterations (the exercise: 400).")
        self.dtype_combo = named(combo([(d, d) for d in DTYPES]), "dtypeCombo", "Floating-point type",
                                 "float64 is exact enough for the gradient check; float32 is about twice as fast.")
        form.addRow("Optimiser", self.optimizer_combo)
        form.addRow("α  step size", self.lr_spin)
        form.addRow("Iterations", self.max_iter_spin)
        form.addRow("Precision", self.dtype_combo)

        self.start_button = named(QPushButton(st.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "Train"),
                                  "startButton", "Train", "Train a new model on the current data (Ctrl+Return)")
        self.start_button.setDefault(True)
        self.pause_button = named(QPushButton(st.standardIcon(QStyle.StandardPixmap.SP_MediaPause), "Pause"),
                                  "pauseButton", "Pause", "Pause or resume the training (Ctrl+P)")
        self.stop_button = named(QPushButton(st.standardIcon(QStyle.StandardPixmap.SP_MediaStop), "Stop"),
                                 "stopButton", "Stop", "Stop the training and keep the model as it is (Esc)")
        self.start_button.setMinimumHeight(30)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.start_button, 2)
        row.addWidget(self.pause_button, 1)
        row.addWidget(self.stop_button, 1)
        form.addRow(row)

        self.progress_bar = named(QProgressBar(), "progressBar", "Training progress")
        self.progress_bar.setRange(0, 400)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("ready")
        self.progress_bar.setAlignment(Qt.AlignmentFlag.AlignCenter)
        form.addRow(self.progress_bar)
        self.status_label = QLabel("Press Train to start.")
        self.status_label.setObjectName("trainStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setStyleSheet("color: #444;")
        form.addRow(self.status_label)

        gbox, gform = group("Gradient check")
        self.grad_button = named(QPushButton("Check gradient"), "gradCheckButton", "Check gradient",
                                 "Compare backpropagation's gradient with the numerical gradient "
                                 "(J(θ+ε)−J(θ−ε))/2ε on the current data and architecture. "
                                 "The exercise's relative difference ‖num−grad‖/‖num+grad‖ should be below 1e-9.")
        self.grad_cancel_button = named(QPushButton("Cancel"), "gradCancelButton", "Cancel gradient check")
        self.grad_cancel_button.setEnabled(False)
        self.grad_progress = named(QProgressBar(), "gradCheckProgress", "Gradient check progress")
        self.grad_progress.setRange(0, 1)
        self.grad_progress.setValue(0)
        self.grad_progress.setTextVisible(False)
        self.grad_progress.setMaximumHeight(8)
        self.grad_result = named(QLabel("Compares backpropagation with the numerical gradient."),
                                 "gradCheckResult", "Gradient check result")
        self.grad_result.setWordWrap(True)
        self.grad_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grow = QGridLayout()
        grow.setContentsMargins(0, 0, 0, 0)
        grow.addWidget(self.grad_button, 0, 0)
        grow.addWidget(self.grad_cancel_button, 0, 1)
        grow.setColumnStretch(0, 2)
        grow.setColumnStretch(1, 1)
        gform.addRow(grow)
        gform.addRow(self.grad_progress)
        gform.addRow(self.grad_result)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(box)
        self.grad_box = gbox  # placed by the window (under the model settings)

        self.optimizer_combo.currentIndexChanged.connect(self._update_enabled)
        self._running = self._grad_running = self._data_busy = False
        self.set_running(False)
        self._update_enabled()

    # -- settings ---------------------------------------------------------------------------------
    def settings(self) -> TrainSettings:
        for w in (self.lr_spin, self.max_iter_spin):
            w.interpretText()  # take text typed but not yet confirmed
        return TrainSettings(optimizer=self.optimizer_combo.currentData(), max_iter=self.max_iter_spin.value(),
                             learning_rate=self.lr_spin.value(), dtype=self.dtype_combo.currentData())

    def set_settings(self, s: TrainSettings) -> None:
        set_combo(self.optimizer_combo, s.optimizer)
        self.max_iter_spin.setValue(s.max_iter)
        self.lr_spin.setValue(s.learning_rate)
        set_combo(self.dtype_combo, s.dtype)
        self._update_enabled()

    # -- state --------------------------------------------------------------------------------------
    def set_running(self, running: bool, paused: bool = False) -> None:
        self._running = running
        self._update_buttons()
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setAccessibleName("Resume" if paused else "Pause")
        self.pause_button.setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaPlay if paused else QStyle.StandardPixmap.SP_MediaPause))
        for w in (self.optimizer_combo, self.lr_spin, self.max_iter_spin, self.dtype_combo):
            w.setEnabled(not running)
        if not running:
            self._update_enabled()

    def set_grad_running(self, running: bool) -> None:
        self._grad_running = running
        self._update_buttons()
        self.grad_cancel_button.setEnabled(running)
        if running:
            self.grad_progress.setRange(0, 0)  # busy until the first progress report

    def set_data_busy(self, busy: bool) -> None:
        """While the window prepares data, Train and Check gradient wait for it (and say so)."""
        bar = self.progress_bar
        if busy and not self._data_busy and not self._running:
            self._idle = self.status_label.text(), bar.format()
            self.status_label.setText(WAITING_TEXT)
            bar.setFormat("preparing data…")
        elif not busy and self.status_label.text() == WAITING_TEXT:
            self.status_label.setText(self._idle[0])
            bar.setFormat(self._idle[1])
        self._data_busy = busy
        self._update_buttons()

    def _update_buttons(self):
        self.start_button.setEnabled(not self._running and not self._data_busy)
        self.grad_button.setEnabled(not self._grad_running and not self._data_busy)

    def show_progress(self, iteration: int, max_iter: int, cost: float, elapsed: float, paused: bool = False) -> None:
        """Value and text of the bar. QProgressBar.setValue repaints at once, inside this Python call and so
        holding the GIL the training thread needs; with updates held off, the one repaint comes later from
        the event loop, in C++ without the GIL."""
        bar = self.progress_bar
        eta = elapsed / iteration * (max_iter - iteration) if iteration > 0 else float("nan")
        bar.setUpdatesEnabled(False)
        try:
            bar.setRange(0, max(max_iter, 1))
            bar.setValue(min(iteration, max_iter))
            if paused:
                bar.setFormat(f"Paused · {iteration} / {max_iter}   J = {cost:.4g}")
            else:
                bar.setFormat(f"{iteration} / {max_iter}   J = {cost:.4g}   ETA {format_eta(eta)}")
        finally:
            bar.setUpdatesEnabled(True)

    def _update_enabled(self):
        self.lr_spin.setEnabled(self.optimizer_combo.currentData() == "gd" and self.optimizer_combo.isEnabled())
