"""The window's training side: start/pause/stop a fit, draw it live, run the gradient check."""
from __future__ import annotations

import time

import numpy as np

from .panels.training_panel import format_eta
from .views.sparsity_view import activation_stats
from .worker import GradCheckWorker, TrainWorker

# Live views are drawn in the GUI thread while it holds the GIL (pyqtgraph paints from Python), and the
# training thread waits for the GIL after each NumPy call: every frame costs the training about as much
# time as it takes to draw. With 10 filter frames a second a 3 s run in the window cost 1.05-1.09x
# headless here; 15 cost about 2 points more (benchmarks/run.py, "GUI overhead").
REDRAW_MS = 100         # live filters and progress: at most 10 redraws per second
COST_EVERY_S = 0.5      # the cost curve (its axes are drawn again only when their range steps)
SPARSITY_EVERY_S = 0.5  # rho_hat bars during training
LIVE_ROWS = 2000        # examples used for the live rho_hat


def hidden_activations(activation, X, W1, b1):
    """Hidden activations in (0, 1) from any (W1, b1), also a live snapshot that is no model yet.

    sigmoid(z); for tanh the core's mapping (tanh(z)+1)/2, which equals sigmoid(2z).
    """
    from scipy.special import expit
    z = np.asarray(X, np.float64) @ np.asarray(W1, np.float64).T + np.asarray(b1, np.float64)
    if activation == "tanh":
        z *= 2.0
    return expit(z, out=z)


class TrainMixin:
    worker: TrainWorker | None = None
    grad_worker: GradCheckWorker | None = None
    _drawn_version = -1
    _last_sparsity = 0.0
    _last_cost = 0.0

    # -- training ---------------------------------------------------------------------------------
    @property
    def training(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def build_model(self):
        from saegui.core import SparseAutoencoder
        ms, ts, ds = self.model_panel.settings(), self.training_panel.settings(), self.data_settings
        return SparseAutoencoder(hidden_size=ms.hidden_size, lambda_=ms.lambda_, beta=ms.beta, sparsity=ms.sparsity,
                                 activation=ms.activation, decoder=ms.decoder, optimizer=ts.optimizer,
                                 max_iter=ts.max_iter, learning_rate=ts.learning_rate, dtype=np.dtype(ts.dtype),
                                 random_state=ds.seed if ds else 0)

    def new_model(self, retry):
        """A model for the panels' settings on data matching the Data panel, or None (said why).

        If the data is still being prepared, ``retry`` runs once it is ready (Train or Check gradient
        pressed during a load starts when the load ends; a failed load says why and cancels it).
        """
        if not self.ensure_data():
            if self.data_busy:
                self._after_data = retry
                self.statusBar().showMessage("Preparing the data; starts when it is ready…")
            elif self.images is None:
                self.dialogs.message("warning", "No data", "Load some images first (File ▸ Open data…).")
            return None
        try:
            return self.build_model()
        except (ValueError, MemoryError) as e:
            self.dialogs.message("error", "Invalid settings", str(e) or "not enough memory for this model")
            return None

    def start_training(self) -> bool:
        """Start a run now (True), or once the data being prepared is ready, or say why not (False)."""
        if self.worker is not None:
            return False
        model = self.new_model(self.start_training)
        if model is None:
            return False
        tile = self.data_shape
        model.input_shape = tile
        if self.preprocessor is not None and hasattr(self.preprocessor, "state"):
            try:
                model.preprocessing = self.preprocessor.state()
            except Exception:  # noqa: BLE001 -- metadata only
                model.preprocessing = None
        self._train_tile = tile
        self._train_raw = self.X_raw  # the patches of this run, even if the data changes meanwhile
        self._train_pre = self.preprocessor
        self._train_settings = (self.model_panel.settings(), self.training_panel.settings())
        w = TrainWorker(model, self.X, max_iter=model.max_iter)
        # Progress is pulled by the redraw timer with the filters (one repaint of the bar per
        # frame); the worker's throttled ``progressed`` signal is not needed here.
        w.failed.connect(self._on_train_failed)
        w.finished.connect(self._on_train_finished)
        self.worker = w
        self._drawn_version = -1
        self._last_sparsity = self._last_cost = 0.0
        self._train_started = time.monotonic()
        self.training_panel.set_running(True)
        self.training_panel.show_progress(0, model.max_iter, float("nan"), 0.0)
        self.training_panel.progress_bar.setFormat(f"0 / {model.max_iter}   starting…")
        self.training_panel.status_label.setText(
            f"Training {model.hidden_size} hidden units on {self.X.shape[0]} patches "
            f"({self.X.shape[1]} inputs) with {self.training_panel.optimizer_combo.currentText()}…")
        self.cost_view.set_live(model.max_iter)   # first: clearing then moves no axis
        self.cost_view.set_history({})
        self.sparsity_view.set_target(model.sparsity)
        self.statusBar().showMessage("Training…")
        w.start()
        self._redraw_timer.start()
        return True

    def toggle_pause(self):
        w = self.worker
        if w is None:
            return
        if w.paused:
            w.resume()
            self.statusBar().showMessage("Training…")
        else:
            w.pause()
            self.statusBar().showMessage("Paused — press Resume to continue")
        self.training_panel.set_running(True, paused=w.paused)
        snap = w.snapshot()
        if snap.history["cost"]:
            self.training_panel.show_progress(snap.iteration, snap.max_iter, snap.cost, snap.elapsed, w.paused)
            self.cost_view.set_history(snap.history)  # complete while paused (live updates are throttled)

    def stop_training(self):
        self._after_data = None  # Stop also cancels a start waiting for the data
        if self.worker is not None:
            self.worker.stop()
            self.statusBar().showMessage("Stopping…")
        if self.grad_worker is not None:
            self.cancel_gradcheck()

    def _redraw(self):
        w = self.worker
        if w is None:
            return
        now = time.monotonic()
        cost_due = now - self._last_cost >= COST_EVERY_S
        snap = w.snapshot(history=cost_due)
        if snap.version == self._drawn_version or snap.W1 is None:
            return
        self._drawn_version = snap.version
        self.training_panel.show_progress(snap.iteration, snap.max_iter, snap.cost, snap.elapsed, w.paused)
        from .model_actions import filter_transform
        self.filter_view.set_filters(snap.W1, self._train_tile, transform=filter_transform(self._train_pre),
                                     title=f"<b>Filters</b> — iteration {snap.iteration} (training)")
        if cost_due:
            self._last_cost = now
            self.cost_view.set_history(snap.history)
        if now - self._last_sparsity >= SPARSITY_EVERY_S:
            self._last_sparsity = now
            ms = self._train_settings[0]
            A = hidden_activations(ms.activation, w.X[:LIVE_ROWS], snap.W1, snap.b1)  # the run's own data
            rho, dead, active = activation_stats(A)
            self.sparsity_view.set_values(rho, ms.sparsity, dead, active)

    def _on_train_failed(self, message):
        self.dialogs.message("error", "Training failed", message)

    def _on_train_finished(self):
        w = self.worker
        if w is None:
            return
        self._redraw_timer.stop()
        w.wait()
        self.worker = None
        self.cost_view.set_live(None)
        model = w.model
        panel = self.training_panel
        if w.error is None and getattr(model, "W1", None) is not None:
            self.set_model(model, saved=False, preprocessor=self._train_pre)
            reason = getattr(model, "stop_reason_", "") or "done"
            h = model.history_ or {}
            cost = h.get("cost", [])
            j = f"{cost[-1]:.5g}" if len(cost) else "–"
            words = {"converged": "Converged", "max_iter": "Reached the iteration limit", "stopped": "Stopped",
                     "diverged": "Diverged (kept the last good parameters)"}
            took = format_eta(time.monotonic() - self._train_started)
            panel.status_label.setText(f"{words.get(reason, reason)} after {model.n_iter_} iterations in {took}; "
                                       f"J = {j}.")
            panel.progress_bar.setRange(0, max(model.max_iter, 1))
            panel.progress_bar.setValue(panel.progress_bar.maximum())
            short = {"converged": "Converged", "max_iter": "Done", "stopped": "Stopped", "diverged": "Diverged"}
            panel.progress_bar.setFormat(f"{short.get(reason, reason)} · {model.n_iter_} / {model.max_iter} · J = {j}")
            self.statusBar().showMessage(f"Training finished — {words.get(reason, reason).lower()}", 8000)
        else:
            panel.progress_bar.setValue(panel.progress_bar.maximum())
            panel.progress_bar.setFormat("failed")
            panel.status_label.setText("Training failed; the previous model is kept.")
            self.show_model()
        panel.set_running(False)
        w.deleteLater()

    # -- gradient check ---------------------------------------------------------------------------
    def start_gradcheck(self) -> bool:
        if self.grad_worker is not None:
            return False
        model = self.new_model(self.start_gradcheck)
        if model is None:
            return False
        w = GradCheckWorker(model, self.X, mode="fast")
        w.progressed.connect(self._on_grad_progress)
        w.failed.connect(self._on_grad_failed)
        w.finished.connect(self._on_grad_finished)
        self.grad_worker = w
        self.training_panel.set_grad_running(True)
        self.training_panel.grad_result.setText("Checking the gradient…")
        w.start()
        return True

    def cancel_gradcheck(self):
        self._after_data = None
        if self.grad_worker is not None:
            self.grad_worker.stop()

    def _on_grad_progress(self, done, total):
        bar = self.training_panel.grad_progress
        bar.setRange(0, max(total, 1))
        bar.setValue(done)

    def _on_grad_failed(self, message):
        self.dialogs.message("error", "Gradient check failed", message)

    def _on_grad_finished(self):
        w = self.grad_worker
        if w is None:
            return
        w.wait()
        self.grad_worker = None
        panel = self.training_panel
        panel.set_grad_running(False)
        panel.grad_progress.setRange(0, 1)
        r = w.result
        if r is None:
            panel.grad_progress.setValue(0)
            panel.grad_result.setText("Cancelled." if w.cancelled else "Failed: " + (w.error or "unknown error"))
        else:
            panel.grad_progress.setValue(1)
            panel.grad_result.setText(format_gradcheck(r))
        w.deleteLater()


def format_gradcheck(r) -> str:
    ok = r.passed
    color = "#1e7b34" if ok else "#b3261e"
    verdict = "PASS" if ok else "FAIL"
    blocks = " · ".join(f"{k} {v:.1e}" for k, v in r.max_abs_error.items())
    return (f"relative difference <b>{r.relative_difference:.3e}</b> "
            f"<b style='color:{color}'>{verdict}</b> (&lt; {r.threshold:.0e})<br>"
            f"<span style='color:#555; font-size:small'>max |error| {blocks}<br>"
            f"{r.n_checked} of {r.n_params} parameters, {r.n_examples} patches</span>")
