"""Data loading and resampling run in a background thread: the window stays responsive, Train waits for
the data, the previous data stays until new data succeeds, and closing during a load joins cleanly."""
import time

import numpy as np
from PySide6.QtCore import QTimer, qInstallMessageHandler


class StallMeter:
    """Largest gap between ticks of a 5 ms timer: how long the event loop was blocked."""

    def __init__(self):
        self.last, self.max = time.monotonic(), 0.0
        self.timer = QTimer(interval=5)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self):
        now = time.monotonic()
        self.max = max(self.max, now - self.last)
        self.last = now


def test_start_up_load_is_in_the_background(qtbot, dialogs):
    from saegui.gui.main_window import MainWindow
    w = MainWindow(dialogs=dialogs, restore=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.data_busy, timeout=2000)           # the first load goes through the thread
    tp = w.training_panel
    assert not tp.start_button.isEnabled() and not tp.grad_button.isEnabled()
    assert w.data_busy_bar.isVisible() and "Loading" in w.statusBar().currentMessage()
    assert "Loading" in w.data_panel.summary.text()
    meter = StallMeter()
    qtbot.waitUntil(lambda: not w.data_busy, timeout=20000)
    meter.timer.stop()
    assert w.X is not None and w.X.shape == (10000, 64) and w.data_ok
    assert tp.start_button.isEnabled() and tp.grad_button.isEnabled() and not w.data_busy_bar.isVisible()
    assert meter.max < 0.3, f"event loop blocked {meter.max * 1000:.0f} ms during the load"
    assert not dialogs.messages
    w.close()


def test_train_pressed_during_a_load_starts_when_it_is_ready(qtbot, window, wait_data):
    w = window
    w.training_panel.max_iter_spin.setValue(5)
    X = w.X
    w.data_panel.patch_size_spin.setValue(6)    # resample pending (debounced)
    assert not w.start_training()               # flushes it into the thread; the run waits for it
    assert w.data_busy and not w.training_panel.start_button.isEnabled()
    assert w.X is X                             # the previous patches stay until the new ones are ready
    qtbot.waitUntil(lambda: w.model is not None and w.worker is None, timeout=20000)
    assert w.model.W1.shape == (25, 36) and w.X.shape == (500, 36)
    assert w.training_panel.start_button.isEnabled()


def test_stop_cancels_a_start_waiting_for_data(qtbot, window, wait_data):
    w = window
    w.data_panel.patch_size_spin.setValue(6)
    assert not w.start_training()
    w.stop_training()
    assert wait_data(w) and w.X.shape[1] == 36
    qtbot.wait(100)
    assert w.worker is None and w.model is None


def test_a_newer_request_replaces_the_running_one(qtbot, window, dialogs, wait_data, tiny_images):
    w = window
    w.load_source("builtin:bars")
    w.data_panel.patch_size_spin.setValue(6)    # during the load: the loaded images are reused
    w.resample()
    w.load_source(tiny_images)                  # and then back to the first data
    w.data_panel.num_patches_spin.setValue(300)
    assert wait_data(w), dialogs.messages
    assert w.data_settings.source == tiny_images and w.X.shape == (300, 36)
    assert w.data_panel.settings() == w.data_settings and not dialogs.messages


def test_failed_load_keeps_everything_and_forgets_the_file(qtbot, window, dialogs, wait_data, tmp_path):
    w = window
    before = (w.images, w.X_raw, w.X, w.data_settings)
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    assert w.load_source(str(bad))
    assert w.data_panel.source == str(bad)     # the panel shows what is being loaded
    assert not wait_data(w)
    assert (w.images, w.X_raw, w.X, w.data_settings) == before
    assert len(dialogs.messages) == 1 and "broken.png" in dialogs.messages[0][2]
    assert w.data_panel.source == before[3].source
    assert w.data_panel.source_combo.findData(str(bad)) < 0
    assert w.training_panel.start_button.isEnabled()


def test_close_during_a_load_joins_the_thread(qtbot, dialogs, tmp_path):
    from saegui.gui.main_window import MainWindow
    from saegui.gui.worker import live_threads
    folder = tmp_path / "many"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(20):
        np.save(folder / f"img{i}.npy", rng.random((400, 400)))
    msgs = []
    previous = qInstallMessageHandler(lambda mode, ctx, text: msgs.append(text))
    try:
        for delay in (0, 30):
            w = MainWindow(dialogs=dialogs, restore=False, initial_source=None)
            w.show()
            assert w.load_source(str(folder))
            assert w.data_job.isRunning()
            qtbot.wait(delay)                   # (the job may end and be deleted meanwhile)
            assert w.close()
            assert w.data_job is None and not live_threads()
            w.deleteLater()
            qtbot.wait(20)
    finally:
        qInstallMessageHandler(previous)
    assert not [m for m in msgs if "Destroyed while thread" in m], msgs
    assert not dialogs.messages


def test_builtin_leaves_has_a_label(qtbot):
    from saegui.gui.panels.data_panel import DataPanel
    p = DataPanel()
    qtbot.addWidget(p)
    i = p.source_combo.findData("builtin:leaves")
    assert i >= 0 and "leaves" in p.source_combo.itemText(i).lower()
    p.set_source("builtin:leaves")
    assert p.source_combo.count() == 3 and p.source_combo.currentIndex() == i


def test_colour_preset_loads_the_leaves(qtbot, window, wait_data):
    w = window
    w.apply_preset("color")
    w.data_panel.num_patches_spin.setValue(500)
    assert wait_data(w)
    assert w.data_settings.source == "builtin:leaves" and w.data_settings.color
    assert "leaves" in w.data_panel.source_combo.currentText().lower()
    assert w.training_panel.start_button.isEnabled()


def test_an_empty_source_is_refused_at_once(qtbot, window, dialogs):
    w = window
    before = (w.X, w.data_settings, w.data_panel.settings())
    assert not w.load_source("  ")
    assert not w.data_busy and (w.X, w.data_settings, w.data_panel.settings()) == before
    assert len(dialogs.messages) == 1 and "No data source" in dialogs.messages[0][2]
