"""The main window: settings on the left, pictures in the middle, run controls and the cost on the right.

It only arranges, starts, stops and draws; the work is in the core (training, gradient check) and the
data layer (files, patches). See data_actions, train_actions, file_actions and
session_actions for the parts.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from .data_actions import DataMixin
from .dialogs import QtDialogs
from .file_actions import FileMixin
from .menus import build_menus
from .panels import DataPanel, ModelPanel, TrainingPanel
from .session_actions import SessionMixin
from .train_actions import TrainMixin, hidden_activations
from .views.cost_plot import CostView
from .views.data_view import DataView
from .views.filter_view import FilterView
from .views.recon_view import ReconView
from .views.sparsity_view import SparsityView, activation_stats

RECON_PAIRS = 24
STATS_ROWS = 10000


def default_qsettings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "saegui", "saegui")


class MainWindow(QMainWindow, DataMixin, TrainMixin, FileMixin, SessionMixin):
    """``restore``: read the remembered geometry and settings at start and write them on close. By default
    only inside the saegui application itself (``run_app``), so that windows built by tests or scripts all
    start from the exercise defaults and leave the user's settings alone."""

    def __init__(self, dialogs=None, qsettings: QSettings | None = None, restore: bool | None = None,
                 initial_source: str | None = "builtin:natural"):
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("saegui — sparse autoencoder workbench")
        self.dialogs = dialogs if dialogs is not None else QtDialogs(self)
        self.qsettings = qsettings if qsettings is not None else default_qsettings()
        self.inspector = None
        self.model_pre = None
        self._activations = None  # (A, model id) cache for the inspector
        self._closing = False

        self.data_panel, self.model_panel, self.training_panel = DataPanel(), ModelPanel(), TrainingPanel()
        self.filter_view, self.cost_view = FilterView(), CostView()
        self.sparsity_view, self.recon_view, self.data_view = SparsityView(), ReconView(), DataView()
        self.cost_plot = self.cost_view.plot
        self._build_layout()

        self._init_data()
        self._redraw_timer = QTimer(self, interval=66)
        self._redraw_timer.timeout.connect(self._redraw)
        self._wire()
        build_menus(self)
        self.setAcceptDrops(True)
        self.model_label = QLabel("no model", objectName="modelStatus")
        self.model_label.setContentsMargins(6, 0, 6, 0)
        self.statusBar().addPermanentWidget(self.model_label)
        self.statusBar().showMessage("Ready")

        self.resize(1280, 800)
        if restore is None:
            restore = QCoreApplication.applicationName() == "saegui"
        self.persist = bool(restore)
        if self.persist:
            self._restore_state()
        self._pending_source = initial_source if self.images is None else None
        if self._pending_source:
            QTimer.singleShot(0, self, self._initial_load)  # context: dropped if the window is deleted

    # -- layout -----------------------------------------------------------------------------------
    def _build_layout(self):
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(6, 6, 6, 6)
        ll.addWidget(self.data_panel)
        ll.addWidget(self.model_panel)
        ll.addWidget(self.training_panel.grad_box)
        ll.addStretch(1)
        scroll = QScrollArea(objectName="settingsScroll")
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(300)

        self.tabs = QTabWidget(objectName="viewTabs")
        self.tabs.addTab(self.sparsity_view, "Sparsity")
        self.tabs.addTab(self.recon_view, "Reconstructions")
        self.tabs.addTab(self.data_view, "Data")
        self.center = QSplitter(Qt.Orientation.Vertical, objectName="centerSplitter")
        self.center.addWidget(self.filter_view)
        self.center.addWidget(self.tabs)
        self.center.setStretchFactor(0, 3)
        self.center.setStretchFactor(1, 2)

        self.right = QWidget(objectName="rightColumn")
        rl = QVBoxLayout(self.right)
        rl.setContentsMargins(6, 6, 0, 0)
        rl.addWidget(self.training_panel)
        rl.addWidget(self.cost_view, 1)
        self.right.setMinimumWidth(330)

        self.main_split = QSplitter(Qt.Orientation.Horizontal, objectName="mainSplitter")
        for w in (scroll, self.center, self.right):
            self.main_split.addWidget(w)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([320, 600, 360])
        self.center.setSizes([470, 300])
        self.setCentralWidget(self.main_split)

    def _wire(self):
        dp, mp, tp = self.data_panel, self.model_panel, self.training_panel
        dp.sourceRequested.connect(self.load_source)
        dp.openFileRequested.connect(self.open_data_dialog)
        dp.openFolderRequested.connect(self.open_folder_dialog)
        dp.changed.connect(self._schedule_resample)
        mp.presetRequested.connect(self.apply_preset)
        mp.rho_spin.valueChanged.connect(self.sparsity_view.set_target)
        tp.start_button.clicked.connect(self.start_training)
        tp.pause_button.clicked.connect(self.toggle_pause)
        tp.stop_button.clicked.connect(self.stop_training)
        tp.grad_button.clicked.connect(self.start_gradcheck)
        tp.grad_cancel_button.clicked.connect(self.cancel_gradcheck)
        self.filter_view.tileClicked.connect(self.inspect_unit)
        self.filter_view.exportRequested.connect(self.export_filters_dialog)
        self.sparsity_view.unitClicked.connect(self.inspect_unit)

    # -- data hooks -------------------------------------------------------------------------------
    def _initial_load(self):
        if self._closing:
            return
        spec, self._pending_source = self._pending_source, None
        if spec and self.images is None and not self.data_busy:
            natural = "builtin:natural"  # another start-up source that fails falls back to it, silently
            self.load_source(spec, quiet=spec != natural, fallback=None if spec == natural else natural)

    def ensure_data(self) -> bool:
        if self.images is None and self._pending_source and not self.data_busy:
            self._initial_load()
        return DataMixin.ensure_data(self)

    def on_data_changed(self):
        self._update_model_stats()

    # -- model ------------------------------------------------------------------------------------
    def set_model(self, model, saved: bool, preprocessor=None):
        self.model = model
        self.model_saved = saved
        self.model_pre = preprocessor if preprocessor is not None else preprocessor_of(model)
        self.show_model()

    def model_tile_shape(self, model=None):
        model = model or self.model
        shape = getattr(model, "input_shape", None)
        n = model.W1.shape[1]
        if shape and int(np.prod(shape)) == n:
            return tuple(shape)
        if self.data_shape and int(np.prod(self.data_shape)) == n:
            return self.data_shape
        return infer_tile_shape(n)

    def update_model_label(self):
        m = self.model
        if m is None:
            self.model_label.setText("no model")
            return
        n, h = m.W1.shape[1], m.W1.shape[0]
        state = "saved" if self.model_saved else "<span style='color:#b3261e'>not saved</span>"
        self.model_label.setText(f"model {n}-{h}-{n} · {m.n_iter_} iterations · {state}")

    def show_model(self):
        self.update_model_label()
        m = self.model
        if m is None:
            self.filter_view.clear()
            return
        reason = getattr(m, "stop_reason_", None) or "loaded"
        self.filter_view.set_filters(m.W1, self.model_tile_shape(), transform=filter_transform(self.model_pre),
                                     title=f"<b>Filters</b> — {m.W1.shape[0]} units · {m.n_iter_} iterations ({reason})")
        self.cost_view.set_history(m.history_ or {})
        self._update_model_stats()

    def _update_model_stats(self):
        m, X = self.model, self.X
        self._activations = None
        if m is None or X is None or self.training:
            return
        self.sparsity_view.set_target(m.sparsity)
        if X.shape[1] != m.W1.shape[1]:
            self.sparsity_view.clear()
            self.recon_view.clear()
            self.sparsity_view.summary.setText("<b>Sparsity</b> — the model expects "
                                               f"{m.W1.shape[1]} inputs, the data has {X.shape[1]}")
            return
        Xs = X[:stats_rows(m.W1.shape[0])]
        try:
            A = hidden_activations(m.activation, Xs, m.W1, m.b1)
        except MemoryError:
            self.statusBar().showMessage("Not enough memory for the activation statistics", 8000)
            return
        self._activations = (A, id(m))
        rho, dead, active = activation_stats(A)
        self.sparsity_view.set_values(rho, m.sparsity, dead, active)
        R = m.reconstruct(Xs[:RECON_PAIRS])
        err = float(0.5 * ((R - Xs[:RECON_PAIRS]) ** 2).sum(1).mean())
        self.recon_view.set_pairs(Xs[:RECON_PAIRS], R, self.model_tile_shape(), error=err)

    def inspect_unit(self, index: int):
        from .inspector import UnitInspector
        if self.training:
            snap = self.worker.snapshot()
            if snap.W1 is None:
                return
            W1, b1, act, tile = snap.W1, snap.b1, self._train_settings[0].activation, self._train_tile
            X, X_raw, rows, pre = self.worker.X, self._train_raw, 2000, self._train_pre
        elif self.model is not None:
            W1, b1, act, tile, rows = self.model.W1, self.model.b1, self.model.activation, self.model_tile_shape(), None
            X, X_raw, pre = self.X, self.X_raw, self.model_pre
        else:
            return
        if X is None or X.shape[1] != W1.shape[1]:
            self.statusBar().showMessage("Load data with as many inputs as the model to inspect a unit", 8000)
            return
        if rows is None and self._activations is not None and self._activations[1] == id(self.model):
            A = self._activations[0]
        else:
            A = hidden_activations(act, X[:rows or stats_rows(W1.shape[0])], W1, b1)
        patches = X_raw if X_raw is not None and len(X_raw) == len(X) else X
        if self.inspector is None:
            self.inspector = UnitInspector(self)
            self.inspector.unitChanged.connect(self.filter_view.select)
        tf = filter_transform(pre) if self.filter_view.pixel_check.isChecked() else None
        self.inspector.show_unit(index, W1 if tf is None else tf(W1), A, patches[:len(A)], tile,
                                 pixel_space=tf is not None)
        self.inspector.show()
        self.inspector.raise_()

    def confirm_discard(self) -> bool:
        if self.model is None or self.model_saved:
            return True
        return self.dialogs.confirm("Discard the trained model?",
                                    "The trained model has not been saved. Discard it?")

    # -- closing ----------------------------------------------------------------------------------
    def shutdown(self):
        """Stop and join every thread this window started (safe to call twice)."""
        self._redraw_timer.stop()
        self._resample_timer.stop()
        self.stop_data()
        for attr in ("worker", "grad_worker"):
            w = getattr(self, attr)
            if w is not None:
                w.stop()
                w.wait()
                setattr(self, attr, None)
        self.training_panel.set_running(False)
        self.training_panel.set_grad_running(False)

    def closeEvent(self, ev):
        if not self._closing:
            if self.training and not self.dialogs.confirm("Stop the training?",
                                                          "Training is running. Stop it and quit?"):
                ev.ignore()
                return
            if not self.training and not self.confirm_discard():
                ev.ignore()
                return
        self._closing = True
        self._pending_source = None
        self.shutdown()
        self.cost_view.plot.detach_legend()
        if self.persist:
            self.save_state()
        if self.inspector is not None:
            self.inspector.close()
        ev.accept()

    # -- drag and drop ----------------------------------------------------------------------------
    def dragEnterEvent(self, ev):
        if ev.mimeData().hasUrls() and any(u.isLocalFile() for u in ev.mimeData().urls()):
            ev.acceptProposedAction()

    def dropEvent(self, ev):
        paths = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
        if paths:
            ev.acceptProposedAction()
            QTimer.singleShot(0, self, lambda: self.open_path(paths[0]))

    def open_path(self, path: str):
        """Open whatever ``path`` is: a saved model (.npz written by saegui), a session, or data."""
        low = path.lower()
        if low.endswith(".json"):
            return self.load_session(path)
        if low.endswith(".npz") and _looks_like_model(path):
            return self.open_model(path)
        return self.load_source(path)


def stats_rows(hidden: int) -> int:
    """Patches used for the activation statistics: up to 10000, at most ~5 million activations."""
    return int(min(STATS_ROWS, max(500, 5_000_000 // max(hidden, 1))))


def preprocessor_of(model):
    """The preprocessing step saved with a model (None if absent or unreadable)."""
    state = getattr(model, "preprocessing", None)
    if not state:
        return None
    try:
        from saegui.data import preprocessor_from_state
        return preprocessor_from_state(state)
    except Exception:  # noqa: BLE001 -- display metadata only
        return None


def filter_transform(pre):
    """W -> W·ZCA for whitened data (filters shown on the pixels), else None."""
    if pre is None or getattr(pre, "name", "") != "zca" or not getattr(pre, "fitted", False):
        return None
    return pre.effective_filters


def infer_tile_shape(n: int) -> tuple:
    """A tile shape for a model file without ``input_shape``: square gray, square colour, else a row."""
    r = int(round(np.sqrt(n)))
    if r * r == n:
        return (r, r)
    r = int(round(np.sqrt(n / 3)))
    if 3 * r * r == n:
        return (r, r, 3)
    return (1, n)


def _looks_like_model(path: str) -> bool:
    try:
        with np.load(path, allow_pickle=False) as z:
            return "W1" in z.files or any("format" in f for f in z.files)
    except Exception:  # noqa: BLE001
        return False
