"""The main window driven by clicks: training, pause/stop, gradient check, files, presets, closing."""
import json
import re

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt, QTimer

from saegui.gui.settings import ModelSettings


def click(qtbot, button):
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def train(qtbot, w, timeout=30000):
    click(qtbot, w.training_panel.start_button)
    qtbot.waitUntil(lambda: w.worker is None and w.training_panel.start_button.isEnabled(), timeout=timeout)


def test_main_window_builds_without_arguments(qtbot):
    from saegui.gui import MainWindow
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.findChild(object, "startButton") is not None
    w.close()


def test_full_training_by_clicks(qtbot, window, dialogs):
    w = window
    before = w.filter_view.image()
    assert before is None
    train(qtbot, w)
    bar = w.training_panel.progress_bar
    assert bar.value() == bar.maximum() == 30
    assert w.training_panel.start_button.isEnabled()
    assert not w.training_panel.stop_button.isEnabled()
    assert w.model is not None and w.model.n_iter_ > 0
    img = w.filter_view.image()
    assert img is not None and img.shape == (5 * 9 + 1, 5 * 9 + 1)
    x, y = w.cost_plot.curve_data("cost")
    assert len(x) == w.model.n_iter_ == len(w.model.history_["cost"])
    assert np.all(np.diff(x) == 1)
    assert w.sparsity_view.rho_hat.shape == (25,)
    assert not dialogs.messages
    # a second run changes the picture
    first = img.copy()
    w.model_panel.hidden_spin.setValue(16)
    train(qtbot, w)
    assert w.filter_view.image().shape == (4 * 9 + 1, 4 * 9 + 1)
    assert not np.array_equal(first.shape, w.filter_view.image().shape)


def test_live_views_update_during_training(qtbot, window):
    w = window
    w.training_panel.max_iter_spin.setValue(400)
    w.data_panel.num_patches_spin.setValue(4000)
    click(qtbot, w.training_panel.start_button)
    qtbot.waitUntil(lambda: w.filter_view.image() is not None, timeout=10000)
    gaps, last = [], [None]
    import time

    def tick():
        now = time.monotonic()
        if last[0] is not None:
            gaps.append(now - last[0])
        last[0] = now

    draws = []
    real = w.filter_view.set_filters
    w.filter_view.set_filters = lambda *a, **k: (draws.append(time.monotonic()), real(*a, **k))
    t = QTimer(interval=10)
    t.timeout.connect(tick)
    t.start()
    qtbot.wait(1000)
    t.stop()
    assert 3 <= len(draws) <= 13, f"{len(draws)} filter redraws in 1 s"  # pulled at most 10 times a second
    t0 = time.monotonic()
    click(qtbot, w.training_panel.stop_button)
    qtbot.waitUntil(lambda: w.worker is None, timeout=5000)
    assert time.monotonic() - t0 < 0.5
    # The window's own work never blocks the loop for long; the max is loose because other processes on a
    # loaded 2-core machine can delay any thread (benchmark: max ~80 ms on an idle machine).
    gaps.sort()
    p90 = gaps[int(0.9 * len(gaps))]
    assert p90 < 0.1 and gaps[-1] < 0.5, f"event loop stalled: p90 {p90 * 1000:.0f} ms, max {gaps[-1] * 1000:.0f} ms"
    assert w.model.stop_reason_ in ("stopped", "converged")


def test_pause_resume_stop(qtbot, window):
    w = window
    tp = w.training_panel
    w.training_panel.max_iter_spin.setValue(100000)
    click(qtbot, tp.start_button)
    qtbot.waitUntil(lambda: w.worker is not None and w.worker.snapshot().iteration >= 2, timeout=10000)
    click(qtbot, tp.pause_button)
    assert tp.pause_button.text() == "Resume"
    qtbot.wait(200)
    it = w.worker.snapshot().iteration
    qtbot.wait(300)
    assert w.worker.snapshot().iteration == it
    click(qtbot, tp.pause_button)
    assert tp.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: w.worker.snapshot().iteration > it, timeout=5000)
    click(qtbot, tp.stop_button)
    qtbot.waitUntil(lambda: w.worker is None, timeout=2000)
    assert w.model.stop_reason_ == "stopped"
    assert tp.start_button.isEnabled()
    assert tp.progress_bar.value() == tp.progress_bar.maximum()
    assert w.filter_view.image() is not None


def test_gradient_check_button(qtbot, window, dialogs):
    w = window
    tp = w.training_panel
    click(qtbot, tp.grad_button)
    qtbot.waitUntil(lambda: w.grad_worker is None, timeout=30000)
    text = tp.grad_result.text()
    m = re.search(r"(\d\.\d+e[-+]\d+)", text)
    assert m, text
    assert float(m.group(1)) < 1e-9
    assert "PASS" in text
    assert not dialogs.messages


def test_gradient_check_cancel(qtbot, window):
    w = window
    w.data_panel.patch_size_spin.setValue(12)
    w.model_panel.hidden_spin.setValue(100)
    click(qtbot, w.training_panel.grad_button)
    qtbot.wait(50)
    click(qtbot, w.training_panel.grad_cancel_button)
    qtbot.waitUntil(lambda: w.grad_worker is None, timeout=2000)
    assert "Cancelled" in w.training_panel.grad_result.text() or "PASS" in w.training_panel.grad_result.text()


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n broken"])
def test_bad_file_gives_message_and_keeps_data(qtbot, window, dialogs, wait_data, tmp_path, content):
    w = window
    train(qtbot, w)
    model, X = w.model, w.X
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    w.load_source(str(bad))
    assert not wait_data(w)
    assert dialogs.messages and dialogs.messages[-1][0] == "error"
    assert "bad.png" in dialogs.messages[-1][2]
    assert w.model is model and w.X is X
    assert w.data_panel.source == w.data_settings.source != str(bad)


def test_bad_model_and_session_files(qtbot, window, dialogs, tmp_path):
    w = window
    bad = tmp_path / "model.npz"
    bad.write_bytes(b"garbage")
    assert not w.open_model(str(bad))
    sess = tmp_path / "s.json"
    sess.write_text(json.dumps({"model": {"sparsity": 5}}))
    before = w.model_panel.settings()
    assert not w.load_session(str(sess))
    assert w.model_panel.settings() == before
    assert len(dialogs.messages) == 2 and all(k == "error" for k, *_ in dialogs.messages)


def test_impossible_patch_size_keeps_patches(qtbot, window, dialogs, wait_data, tmp_path):
    w = window
    small = tmp_path / "small.npy"
    np.save(small, np.random.default_rng(1).random((3, 20, 20)))
    assert w.load_source(str(small)) and wait_data(w)
    X = w.X
    w.data_panel.patch_size_spin.setValue(30)  # does not fit into 20x20 images
    w.resample()
    assert not wait_data(w)
    assert dialogs.messages and dialogs.messages[-1][0] == "error"
    assert w.X is X and w.data_panel.settings().patch_size == 8


def test_presets(qtbot, window):
    w = window
    mp = w.model_panel
    i = mp.preset_combo.findData("mnist")
    mp.preset_combo.setCurrentIndex(i)
    mp.preset_combo.activated.emit(i)
    assert w.model_panel.hidden_spin.value() == 196
    assert w.data_panel.patch_size_spin.value() == 28
    i = mp.preset_combo.findData("natural")
    mp.preset_combo.setCurrentIndex(i)
    mp.preset_combo.activated.emit(i)
    s = w.model_panel.settings()
    assert (s.hidden_size, s.lambda_, s.beta, s.sparsity) == (25, 1e-4, 3.0, 0.01)
    assert w.data_panel.patch_size_spin.value() == 8


def test_session_round_trip(qtbot, window, tmp_path):
    w = window
    w.model_panel.set_settings(ModelSettings(hidden_size=36, lambda_=1e-4, beta=0.5, sparsity=0.035))
    w.training_panel.max_iter_spin.setValue(77)
    path = tmp_path / "session.json"
    assert w.save_session(path)
    saved = w.session()
    w.model_panel.set_settings(ModelSettings())
    w.training_panel.max_iter_spin.setValue(5)
    assert w.load_session(path)
    assert w.session() == saved
    assert w.model_panel.lambda_spin.value() == 1e-4
    assert json.loads(path.read_text())["model"]["lambda_"] == 1e-4


def test_save_open_model_and_exports(qtbot, window, dialogs, tmp_path):
    w = window
    train(qtbot, w)
    assert not w.model_saved
    assert w.save_model(tmp_path / "m.npz") and w.model_saved
    W1 = w.model.W1.copy()
    w.model = None
    assert w.open_model(str(tmp_path / "m.npz"))
    np.testing.assert_array_equal(w.model.W1, W1)
    assert w.export_filters(tmp_path / "f.png", scale=4)
    from PySide6.QtGui import QImage
    img = QImage(str(tmp_path / "f.png"))
    assert img.width() == 4 * w.filter_view.image().shape[1]
    assert w.export_history(tmp_path / "c.csv")
    lines = (tmp_path / "c.csv").read_text().splitlines()
    assert lines[0].startswith("iteration,cost") and len(lines) == 1 + w.model.n_iter_
    assert not dialogs.messages
    assert w.recent()[0] == ("model", str(tmp_path / "m.npz"))


def test_click_on_tile_opens_inspector(qtbot, window):
    w = window
    train(qtbot, w)
    fv = w.filter_view
    x, y, tw, th = fv.grid.tile_rect(7)
    scene = fv.canvas.view.mapViewToScene(QPointF(x + tw / 2, y + th / 2))
    pos = fv.canvas.mapFromScene(scene)
    qtbot.mouseClick(fv.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: w.inspector is not None and w.inspector.isVisible(), timeout=2000)
    assert w.inspector.index == 7
    assert "Unit 7" in w.inspector.title.text()
    w.inspector.next_button.click()
    assert w.inspector.index == 8


def test_close_during_training_joins_thread(qtbot, window, dialogs):
    w = window
    w.training_panel.max_iter_spin.setValue(100000)
    click(qtbot, w.training_panel.start_button)
    qtbot.waitUntil(lambda: w.worker is not None and w.worker.snapshot().iteration >= 1, timeout=10000)
    worker = w.worker
    dialogs.confirm_answer = False
    w.close()
    assert w.isVisible() and worker.isRunning()  # the user said no
    dialogs.confirm_answer = True
    assert w.close()
    assert not worker.isRunning() and w.worker is None


def test_close_asks_before_discarding_unsaved_model(qtbot, window, dialogs):
    w = window
    train(qtbot, w)
    dialogs.confirm_answer = False
    assert not w.close()
    assert any("not been saved" in c for c in dialogs.confirms)
    dialogs.confirm_answer = True
    assert w.close()


def test_changing_data_while_training_is_safe(qtbot, window, dialogs, wait_data):
    w = window
    w.training_panel.max_iter_spin.setValue(100000)
    click(qtbot, w.training_panel.start_button)
    qtbot.waitUntil(lambda: w.worker is not None and w.worker.snapshot().iteration >= 1, timeout=10000)
    w.data_panel.patch_size_spin.setValue(6)
    assert w.resample() and wait_data(w) and w.X.shape[1] == 36
    qtbot.wait(700)  # live redraws with the run's own 64-input patches
    w.inspect_unit(0)
    assert w.inspector.index == 0
    click(qtbot, w.training_panel.stop_button)
    qtbot.waitUntil(lambda: w.worker is None, timeout=3000)
    assert w.model.W1.shape == (25, 64)
    assert "expects 64 inputs" in w.sparsity_view.summary.text()
    assert not dialogs.messages


def test_colour_zca_filters_in_pixel_space(qtbot, window, dialogs, wait_data):
    w = window
    w.apply_preset("color")
    w.data_panel.num_patches_spin.setValue(500)
    w.model_panel.hidden_spin.setValue(16)
    w.training_panel.max_iter_spin.setValue(10)
    w.ensure_data()
    assert wait_data(w) and w.ensure_data() and w.X.shape == (500, 192)
    train(qtbot, w)
    fv = w.filter_view
    assert fv.pixel_check.isVisible() and fv.pixel_check.isChecked()
    img = fv.image().copy()
    assert img.shape == (4 * 9 + 1, 4 * 9 + 1, 3)
    fv.pixel_check.setChecked(False)
    assert not np.array_equal(img, fv.image())
    fv.set_normalization("tile")
    assert fv.image().shape == img.shape
    assert not dialogs.messages


def test_mnist_idx_file_with_the_mnist_preset(qtbot, window, dialogs, wait_data, tmp_path):
    import struct
    rng = np.random.default_rng(3)
    n = 10000  # as many as MNIST's test set: the preset samples 10000 whole digits
    digits = np.zeros((n, 28, 28), np.uint8)
    rows, cols = rng.integers(4, 24, n), rng.integers(4, 24, n)
    digits[np.arange(n), rows, 4:24] = 255  # a stroke across and one down per "digit"
    digits[np.arange(n), 4:24, cols] = 200
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(struct.pack(">IIII", 0x803, n, 28, 28) + digits.tobytes())
    w = window
    assert w.load_source(str(path)) and wait_data(w), dialogs.messages
    i = w.model_panel.preset_combo.findData("mnist")
    w.model_panel.preset_combo.setCurrentIndex(i)
    w.model_panel.preset_combo.activated.emit(i)
    assert wait_data(w), dialogs.messages
    assert w.data_settings.source == str(path), dialogs.messages  # the preset keeps the loaded digits
    assert w.data_settings.patch_size == 28, dialogs.messages
    w.data_panel.num_patches_spin.setValue(200)
    w.model_panel.hidden_spin.setValue(16)
    w.training_panel.max_iter_spin.setValue(5)
    w.ensure_data()
    assert wait_data(w) and w.ensure_data() and w.X.shape == (200, 784)
    train(qtbot, w)
    assert w.filter_view.image().shape == (4 * 29 + 1, 4 * 29 + 1)
    assert not dialogs.messages


def test_train_with_an_impossible_pending_change_says_it_once(qtbot, window, dialogs, wait_data):
    w = window
    w.data_panel.patch_size_spin.setValue(100)  # larger than the 64x64 images; resample is pending
    assert not w.start_training()
    assert not wait_data(w) and w.worker is None
    assert len(dialogs.messages) == 1 and dialogs.messages[0][0] == "error"
    assert w.training_panel.start_button.isEnabled() and w.data_panel.settings().patch_size == 8
