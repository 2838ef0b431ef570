"""GUI tests: offscreen, private QSettings, no modal dialogs, every started thread joined."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _private_settings(tmp_path_factory):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path_factory.mktemp("qsettings")))


@pytest.fixture(scope="session", autouse=True)
def _style(qapp):
    from saegui.gui import style
    style.apply(qapp)


@pytest.fixture(autouse=True)
def join_threads():
    """Stop and join every worker thread a test started, and fail the test if one was left running."""
    yield
    from saegui.gui.worker import live_threads
    left = live_threads()
    for t in left:
        t.stop()
        t.resume() if hasattr(t, "resume") else None
        assert t.wait(10_000), "a worker thread did not stop"
    assert not left, f"test left {len(left)} thread(s) running"


@pytest.fixture(scope="session")
def tiny_images(tmp_path_factory):
    """Ten 64x64 images with a 1/f spectrum (natural-image-like), as a .npy file."""
    rng = np.random.default_rng(0)
    n = 64
    f = np.fft.fftfreq(n)
    F = np.sqrt(f[:, None] ** 2 + f[None, :] ** 2)
    F[0, 0] = 1
    imgs = []
    for _ in range(10):
        z = np.fft.ifft2(np.fft.fft2(rng.standard_normal((n, n))) / F).real
        imgs.append((z - z.mean()) / z.std())
    path = tmp_path_factory.mktemp("data") / "tiny.npy"
    np.save(path, np.array(imgs))
    return str(path)


@pytest.fixture
def dialogs():
    from saegui.gui.dialogs import RecordingDialogs
    return RecordingDialogs()


@pytest.fixture
def wait_data(qtbot):
    """``wait_data(w)``: wait until the window's data requests (background loads and resamples, pending
    panel edits) are done; returns whether the last one succeeded."""
    def wait(w, timeout=20000):
        qtbot.waitUntil(lambda: not w.data_pending, timeout=timeout)
        return w.data_ok
    return wait


@pytest.fixture
def window(qtbot, dialogs, tiny_images, wait_data):
    """A main window on tiny data: 500 patches, 30 iterations."""
    from saegui.gui.main_window import MainWindow
    from saegui.gui.settings import DataSettings, Session, TrainSettings
    w = MainWindow(dialogs=dialogs, restore=False, initial_source=None)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    w.apply_session(Session(DataSettings(source=tiny_images, num_patches=500), training=TrainSettings(max_iter=30)))
    assert w.load_source(tiny_images), dialogs.messages
    assert wait_data(w), dialogs.messages
    assert w.X is not None and w.X.shape == (500, 64)
    yield w
    w.shutdown()
    w.model_saved = True
    w.close()
