"""Background work: training and the gradient check, each a ``QThread`` subclass driving the core.

The thread objects live in the GUI thread (they are created there and never moved), so their signals
reach GUI slots as queued calls. ``run()`` is the only code that executes in the worker thread; it runs
no event loop. Pause and stop are ``threading.Event``s checked by the core's ``interrupt`` hook, which
the core calls before every function evaluation (also inside line searches): pausing blocks in that
hook, so Pause and Stop act within one function evaluation.

Drawing is pulled, not pushed: the training thread stores the latest snapshot (copies) under a lock and
the window's timer fetches it with :meth:`TrainWorker.snapshot`. The ``progressed`` signal is throttled
(``min_interval`` seconds) and carries only numbers.
"""
from __future__ import annotations

import threading
import time
import traceback
import weakref
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QThread, Signal


_STARTED: "weakref.WeakSet[QThread]" = weakref.WeakSet()


def live_threads() -> list:
    """Every worker thread started in this process that is still running (tests join them)."""
    return [t for t in list(_STARTED) if _running(t)]


def _running(t: QThread) -> bool:
    try:
        return t.isRunning()
    except RuntimeError:  # its C++ object is already deleted (deleteLater): not running
        return False


class _Tracked(QThread):
    def start(self, *args):
        _STARTED.add(self)
        super().start(*args)


@dataclass
class Snapshot:
    """What the views need from a running fit. Arrays are copies owned by the snapshot."""
    version: int = 0
    iteration: int = 0
    max_iter: int = 0
    elapsed: float = 0.0
    cost: float = float("nan")
    W1: np.ndarray | None = None
    b1: np.ndarray | None = None
    history: dict = field(default_factory=lambda: {k: [] for k in
                                                   ("iteration", "cost", "reconstruction", "weight_decay", "sparsity")})


class _Controls:
    """Pause/stop flags shared with the core's ``interrupt`` hook."""

    def __init__(self):
        self.stop_event = threading.Event()
        self.run_event = threading.Event()  # set = running, clear = paused
        self.run_event.set()

    def interrupt(self) -> bool:
        while not self.run_event.is_set():
            if self.stop_event.is_set():
                return True
            self.run_event.wait(0.02)
        return self.stop_event.is_set()

    def pause(self):
        self.run_event.clear()

    def resume(self):
        self.run_event.set()

    def stop(self):
        self.stop_event.set()
        self.run_event.set()

    @property
    def paused(self) -> bool:
        return not self.run_event.is_set()


class TrainWorker(_Tracked):
    """Runs ``model.fit(X, callback, interrupt)``.

    Signals: ``progressed(iteration, max_iter, cost, elapsed)`` (throttled), ``failed(message)`` if the
    core raised (the model keeps its last good parameters), and QThread's ``finished``.
    """

    progressed = Signal(int, int, float, float)
    failed = Signal(str)

    def __init__(self, model, X, *, max_iter=None, min_interval=0.05, parent=None):
        super().__init__(parent)
        self.model = model
        self.X = X
        self.max_iter = int(max_iter if max_iter is not None else getattr(model, "max_iter", 0))
        self.min_interval = min_interval
        self.controls = _Controls()
        self._lock = threading.Lock()
        self._snap = Snapshot(max_iter=self.max_iter)
        self._last_emit = 0.0
        self.error: str | None = None
        self.n_callbacks = 0

    # -- control (GUI thread) -------------------------------------------------------------------
    def pause(self):
        self.controls.pause()

    def resume(self):
        self.controls.resume()

    def stop(self):
        self.controls.stop()

    @property
    def paused(self) -> bool:
        return self.controls.paused

    def snapshot(self, history: bool = True) -> Snapshot:
        """A consistent copy of the latest state (cheap: arrays are replaced, never mutated).

        ``history=False`` leaves the per-iteration history out (empty lists): a frame that draws no cost
        curve need not copy a list that grows with the run."""
        with self._lock:
            s = self._snap
            h = {k: list(v) if history else [] for k, v in s.history.items()}
            return Snapshot(version=s.version, iteration=s.iteration, max_iter=s.max_iter, elapsed=s.elapsed,
                            cost=s.cost, W1=s.W1, b1=s.b1, history=h)

    # -- worker thread ---------------------------------------------------------------------------
    def _callback(self, p) -> bool:
        self.n_callbacks += 1
        W1 = np.array(p.W1, copy=True)
        b1 = np.array(p.b1, copy=True)
        with self._lock:
            s = self._snap
            s.version += 1
            s.iteration = int(p.iteration)
            s.elapsed = float(p.elapsed)
            s.cost = float(p.cost)
            s.W1, s.b1 = W1, b1
            h = s.history
            h["iteration"].append(int(p.iteration))
            h["cost"].append(float(p.cost))
            h["reconstruction"].append(float(p.reconstruction))
            h["weight_decay"].append(float(p.weight_decay))
            h["sparsity"].append(float(p.sparsity))
        now = time.monotonic()
        if now - self._last_emit >= self.min_interval:
            self._last_emit = now
            self.progressed.emit(int(p.iteration), self.max_iter, float(p.cost), float(p.elapsed))
        return self.controls.stop_event.is_set()

    def run(self):
        try:
            self.model.fit(self.X, callback=self._callback, interrupt=self.controls.interrupt)
        except Exception as e:  # noqa: BLE001 -- reported to the window as a message
            self.error = str(e) if isinstance(e, (ValueError, MemoryError)) else f"{type(e).__name__}: {e}"
            if not isinstance(e, (ValueError, MemoryError)):
                traceback.print_exc()  # a bug in the core: keep the details for a report
            self.failed.emit(self.error)


class GradCheckWorker(_Tracked):
    """Runs ``model.check_gradient(X, mode, interrupt, progress)``; the result is in ``self.result``."""

    progressed = Signal(int, int)
    failed = Signal(str)

    def __init__(self, model, X, *, mode="fast", parent=None):
        super().__init__(parent)
        self.model = model
        self.X = X
        self.mode = mode
        self.controls = _Controls()
        self.result = None
        self.error: str | None = None
        self._last_emit = 0.0

    def stop(self):
        self.controls.stop()

    @property
    def cancelled(self) -> bool:
        return self.controls.stop_event.is_set()

    def _progress(self, *args):
        # The core reports (done, total) or an object with .done/.total; accept both.
        if len(args) == 1 and hasattr(args[0], "done"):
            done, total = args[0].done, args[0].total
        elif len(args) >= 2:
            done, total = args[0], args[1]
        else:
            return None
        now = time.monotonic()
        if now - self._last_emit >= 0.05 or done >= total:
            self._last_emit = now
            self.progressed.emit(int(done), int(total))
        return None

    def run(self):
        try:
            self.result = self.model.check_gradient(self.X, mode=self.mode, interrupt=self.controls.interrupt,
                                                    progress=self._progress)
        except Exception as e:  # noqa: BLE001
            if not self.cancelled:
                self.error = f"{type(e).__name__}: {e}"
                self.failed.emit(self.error)
