"""Drag & drop, shortcuts, remembered settings, the screenshot script, start-up."""
import os
import subprocess
import sys

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from saegui.gui.settings import ModelSettings


def test_drop_a_file_loads_it(qtbot, window, tmp_path):
    import numpy as np
    w = window
    f = tmp_path / "dropped.npy"
    np.save(f, np.random.default_rng(2).random((2, 40, 40)))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f))])
    ev = QDropEvent(QPointF(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                    Qt.KeyboardModifier.NoModifier)
    w.dropEvent(ev)
    qtbot.waitUntil(lambda: w.data_settings.source == str(f), timeout=3000)
    assert len(w.images.images) == 2


def test_ctrl_return_trains_and_escape_stops(qtbot, window):
    w = window
    w.training_panel.max_iter_spin.setValue(100000)
    w.action_train.trigger()
    qtbot.waitUntil(lambda: w.worker is not None and w.worker.snapshot().iteration >= 1, timeout=10000)
    stop = w.findChild(type(w.action_train), "actionStop")
    assert stop.shortcut().toString() == "Esc"
    stop.trigger()
    qtbot.waitUntil(lambda: w.worker is None, timeout=2000)
    assert w.model.stop_reason_ == "stopped"


def test_settings_are_remembered(qtbot, dialogs):
    from saegui.gui.main_window import MainWindow
    w = MainWindow(dialogs=dialogs, initial_source=None, restore=True)
    qtbot.addWidget(w)
    w.model_panel.set_settings(ModelSettings(hidden_size=49, lambda_=1e-4, sparsity=0.05))
    w.resize(1000, 700)
    w.close()
    w2 = MainWindow(dialogs=dialogs, initial_source=None, restore=True)
    qtbot.addWidget(w2)
    assert w2.model_panel.settings() == ModelSettings(hidden_size=49, lambda_=1e-4, sparsity=0.05)
    assert w2.qsettings.value("window/geometry") is not None  # (offscreen screens are too small to compare)
    w2.model_panel.set_settings(ModelSettings())
    w2.close()
    w3 = MainWindow(dialogs=dialogs, initial_source=None)  # not the saegui application: defaults, nothing saved
    qtbot.addWidget(w3)
    assert not w3.persist and w3.model_panel.settings() == ModelSettings()
    w3.close()


def test_screenshot_script(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, os.path.join(root, "scripts", "screenshots.py"), "--iterations", "5",
                        "--out", str(tmp_path)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    from PySide6.QtGui import QImage
    main = QImage(str(tmp_path / "main_window.png"))
    assert (main.width(), main.height()) == (1280, 800)
    assert not QImage(str(tmp_path / "unit_inspector.png")).isNull()


def test_run_app_starts_and_quits(tmp_path):
    code = ("import sys; from PySide6.QtCore import QTimer, QSettings;"
            f"QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, {str(tmp_path)!r});"
            "from PySide6.QtWidgets import QApplication;"
            "import saegui.gui.app as a; app = a.make_app([]);"
            "QTimer.singleShot(1500, app.quit);"
            "sys.exit(a.run_app([]))")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr


def test_file_menu_dialog_paths(qtbot, window, dialogs, tmp_path):
    """The *_dialog variants take their answers from the injected dialogs (no modal dialog in tests)."""
    w = window
    w.training_panel.max_iter_spin.setValue(5)
    w.start_training()
    qtbot.waitUntil(lambda: w.worker is None, timeout=20000)
    dialogs.files += [str(tmp_path / "model"), str(tmp_path / "filters"), str(tmp_path / "cost.csv"),
                      str(tmp_path / "s.json")]
    dialogs.ints.append(3)
    assert w.save_model_dialog() and (tmp_path / "model.npz").exists()
    assert w.export_filters_dialog() and (tmp_path / "filters.png").exists()
    assert w.export_history_dialog() and (tmp_path / "cost.csv").exists()
    assert w.save_session_dialog() and (tmp_path / "s.json").exists()
    assert not w.save_session_dialog()  # cancelled: empty answer
    # a dropped model file opens as a model
    w.model = None
    w.open_path(str(tmp_path / "model.npz"))
    assert w.model is not None and w.model_saved
    assert [k for k, _ in w.recent()][:2] == ["model", "session"]
    assert not dialogs.messages


def test_menu_export_without_model_says_so(qtbot, window, dialogs):
    assert not window.export_filters_dialog()
    assert not window.save_model_dialog()
    assert [k for k, *_ in dialogs.messages] == ["information", "information"]


def test_ctrl_return_from_a_spin_box(qtbot, window):
    w = window
    w.activateWindow()
    qtbot.waitUntil(lambda: w.isActiveWindow(), timeout=2000)
    w.model_panel.lambda_spin.setFocus()
    qtbot.keyClick(w.model_panel.lambda_spin, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert w.worker is not None or w.model is not None
    qtbot.waitUntil(lambda: w.worker is None, timeout=20000)
    assert w.model is not None and w.model_panel.lambda_spin.value() == 1e-4
