"""The main window: settings on the left, pictures in the middle, run controls and the cost on the right.

It only arranges, starts, stops and draws; the work is in the core (training, gradient check) and the
data layer (files, patches). See data_actions, model_actions, train_actions, file_actions and
session_actions for the parts.
"""
from __future__ import annotations

import os
import zipfile

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from .data_actions import DataMixin
from .dialogs import QtDialogs
from .file_actions import FileMixin
from .menus import build_menus
from .model_actions import ModelMixin
from .panels import DataPanel, ModelPanel, TrainingPanel
from .session_actions import SessionMixin
from .train_actions import REDRAW_MS, TrainMixin
from .views.cost_plot import CostView
from .views.data_view import DataView
from .views.filter_view import FilterView
from .views.recon_view import ReconView
from .views.sparsity_view import SparsityView


def default_qsettings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "saegui", "saegui")


class MainWindow(QMainWindow, DataMixin, ModelMixin, TrainMixin, FileMixin, SessionMixin):
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
        self._redraw_timer = QTimer(self, interval=REDRAW_MS)
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
        if self.persist:
            self.save_state()
        if self.data_job is not None:
            self.hide()  # a load cannot be interrupted: the window goes at once, the thread is joined next
        self.shutdown()
        self.cost_view.plot.detach_legend()
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


def _looks_like_model(path: str) -> bool:
    """A saegui model file: an .npz holding W1 or a format entry. Read with zipfile, which closes its file
    also for a broken archive (np.load leaves it open then). Not a regular file (a pipe...): no."""
    if not os.path.isfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (OSError, ValueError, zipfile.BadZipFile):
        return False
    return "W1.npy" in names or any("format" in n for n in names)
