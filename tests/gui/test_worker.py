"""Worker threads: many signals, pause/stop latency, snapshots -- with fake models (no numerics)."""
import threading
import time
from types import SimpleNamespace

import numpy as np
from PySide6.QtCore import QObject, Slot

from saegui.gui.worker import GradCheckWorker, TrainWorker


def _progress(i, n=4):
    theta = np.full(2 * n * 3 + n + 3, float(i))
    return SimpleNamespace(iteration=i, max_iter=0, cost=1.0 / i, reconstruction=0.5 / i, weight_decay=0.1,
                           sparsity=0.2, n_evals=i, elapsed=i * 1e-3, theta=theta,
                           W1=theta[:n * 3].reshape(n, 3), b1=theta[-n - 3:-3])


class FakeModel:
    """fit() calls interrupt before each 'evaluation' and callback after each 'iteration'."""

    def __init__(self, iterations, delay=0.0):
        self.max_iter = iterations
        self.delay = delay
        self.stopped_at = None

    def fit(self, X, callback=None, interrupt=None):
        for i in range(1, self.max_iter + 1):
            for _ in range(3):  # e.g. a line search
                if interrupt():
                    self.stopped_at = i
                    return self
                if self.delay:
                    time.sleep(self.delay)
            if callback(_progress(i)):
                self.stopped_at = i
                return self
        return self


class Receiver(QObject):
    """A GUI-thread object: its slots run in the GUI thread."""

    def __init__(self):
        super().__init__()
        self.calls = []
        self.threads = set()

    @Slot(int, int, float, float)
    def on_progress(self, it, n, cost, elapsed):
        self.calls.append(it)
        self.threads.add(threading.get_ident())


def test_two_thousand_progress_signals(qtbot):
    r = Receiver()
    w = TrainWorker(FakeModel(2000), np.zeros((2, 3)), min_interval=0.0)
    w.progressed.connect(r.on_progress)
    with qtbot.waitSignal(w.finished, timeout=20000):
        w.start()
    qtbot.waitUntil(lambda: len(r.calls) == 2000, timeout=10000)
    assert r.calls == list(range(1, 2001))
    assert r.threads == {threading.get_ident()}
    snap = w.snapshot()
    assert snap.iteration == 2000 and len(snap.history["cost"]) == 2000
    assert snap.W1.shape == (4, 3) and snap.W1[0, 0] == 2000.0


def test_signals_are_throttled(qtbot):
    r = Receiver()
    w = TrainWorker(FakeModel(3000), np.zeros((2, 3)), min_interval=0.05)
    w.progressed.connect(r.on_progress)
    with qtbot.waitSignal(w.finished, timeout=20000):
        w.start()
    qtbot.wait(50)
    assert len(r.calls) < 200
    assert w.snapshot().iteration == 3000


def test_pause_resume_stop_act_quickly(qtbot):
    w = TrainWorker(FakeModel(100000, delay=0.002), np.zeros((2, 3)))
    w.start()
    qtbot.waitUntil(lambda: w.snapshot().iteration > 3, timeout=5000)
    w.pause()
    qtbot.wait(60)
    it = w.snapshot().iteration
    qtbot.wait(250)
    assert w.snapshot().iteration == it, "still iterating while paused"
    w.resume()
    qtbot.waitUntil(lambda: w.snapshot().iteration > it, timeout=2000)
    w.pause()
    t0 = time.monotonic()
    w.stop()  # stop while paused
    assert w.wait(2000)
    assert time.monotonic() - t0 < 0.2
    assert w.model.stopped_at is not None


def test_training_error_is_reported_not_raised(qtbot):
    class Broken(FakeModel):
        def fit(self, X, callback=None, interrupt=None):
            raise ValueError("X has 3 inputs, expected 64")

    w = TrainWorker(Broken(1), np.zeros((2, 3)))
    with qtbot.waitSignal(w.failed, timeout=5000) as blocker:
        w.start()
    w.wait()
    assert "expected 64" in blocker.args[0]


def test_gradcheck_worker_progress_and_cancel(qtbot):
    class Checker:
        def check_gradient(self, X, mode="fast", interrupt=None, progress=None):
            for i in range(1, 100001):
                if interrupt():
                    raise RuntimeError("gradient check cancelled")
                time.sleep(0.001)
                progress(i, 100000)
            return "never"

    w = GradCheckWorker(Checker(), np.zeros((2, 3)))
    seen = []
    r = Receiver()
    w.progressed.connect(lambda d, t: seen.append(d))  # noqa -- a lambda of a GUI-thread connection is fine here
    w.start()
    qtbot.waitUntil(lambda: len(seen) > 1, timeout=5000)
    t0 = time.monotonic()
    w.stop()
    assert w.wait(2000)
    assert time.monotonic() - t0 < 0.2
    assert w.result is None and w.cancelled and w.error is None
    del r
