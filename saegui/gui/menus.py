"""Menus, shortcuts and the recent-files submenu of the main window."""
from __future__ import annotations

import os

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

SHORTCUTS_HELP = """<table>
<tr><td><b>Ctrl+O</b></td><td>Open data</td></tr>
<tr><td><b>Ctrl+Shift+O</b></td><td>Open folder of images</td></tr>
<tr><td><b>Ctrl+M</b></td><td>Open model</td></tr>
<tr><td><b>Ctrl+S</b></td><td>Save model</td></tr>
<tr><td><b>Ctrl+E</b></td><td>Export filters as PNG</td></tr>
<tr><td><b>Ctrl+Return</b></td><td>Train</td></tr>
<tr><td><b>Ctrl+P</b></td><td>Pause / resume</td></tr>
<tr><td><b>Esc</b></td><td>Stop training / cancel the gradient check</td></tr>
<tr><td><b>Ctrl+G</b></td><td>Check gradient</td></tr>
<tr><td><b>Ctrl+L</b></td><td>Log-scale cost</td></tr>
<tr><td><b>Ctrl+Q</b></td><td>Quit</td></tr></table>"""


def _action(win, menu, text, slot, shortcut=None, name=None, tip=None):
    a = QAction(text, win)
    if shortcut:
        a.setShortcut(QKeySequence(shortcut))
    if name:
        a.setObjectName(name)
    if tip:
        a.setStatusTip(tip)
    a.triggered.connect(slot)
    menu.addAction(a)
    return a


def build_menus(win):
    mb = win.menuBar()
    f = mb.addMenu("&File")
    _action(win, f, "Open &data…", win.open_data_dialog, "Ctrl+O", "actionOpenData",
            "Images, a folder, .mat, .npy or IDX")
    _action(win, f, "Open &folder of images…", win.open_folder_dialog, "Ctrl+Shift+O", "actionOpenFolder")
    win.recent_menu = QMenu("Open &recent", win)
    f.addMenu(win.recent_menu)
    f.addSeparator()
    _action(win, f, "Open &model…", win.open_model_dialog, "Ctrl+M", "actionOpenModel")
    _action(win, f, "&Save model…", win.save_model_dialog, QKeySequence.StandardKey.Save, "actionSaveModel")
    f.addSeparator()
    _action(win, f, "&Export filters as PNG…", win.export_filters_dialog, "Ctrl+E", "actionExportFilters")
    _action(win, f, "Export cost &history as CSV…", win.export_history_dialog, None, "actionExportHistory")
    f.addSeparator()
    _action(win, f, "&Load session…", win.load_session_dialog, None, "actionLoadSession")
    _action(win, f, "Save session…", win.save_session_dialog, None, "actionSaveSession")
    f.addSeparator()
    _action(win, f, "&Quit", win.close, QKeySequence.StandardKey.Quit, "actionQuit")

    t = mb.addMenu("&Train")
    win.action_train = _action(win, t, "&Train", win.start_training, "Ctrl+Return", "actionTrain")
    win.action_train.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    _action(win, t, "&Pause / resume", win.toggle_pause, "Ctrl+P", "actionPause")
    _action(win, t, "&Stop", win.stop_training, "Esc", "actionStop")
    t.addSeparator()
    _action(win, t, "Check &gradient", win.start_gradcheck, "Ctrl+G", "actionGradCheck")

    v = mb.addMenu("&View")
    log = _action(win, v, "&Log-scale cost", lambda on: win.cost_view.log_check.setChecked(on), "Ctrl+L", "actionLog")
    log.setCheckable(True)
    win.cost_view.log_check.toggled.connect(log.setChecked)
    per_tile = _action(win, v, "Per-tile &contrast filters",
                       lambda on: win.filter_view.set_normalization("tile" if on else "common"), None, "actionPerTile")
    per_tile.setCheckable(True)
    win.filter_view.normalizationChanged.connect(lambda key: per_tile.setChecked(key == "tile"))

    h = mb.addMenu("&Help")
    _action(win, h, "&Keyboard shortcuts", lambda: win.dialogs.message("information", "Keyboard shortcuts",
                                                                       SHORTCUTS_HELP), "F1")
    _action(win, h, "&About saegui", lambda: win.dialogs.message(
        "information", "About saegui",
        "<b>saegui</b> — a workbench for the sparse autoencoder of the lecture notes.<br>"
        "Train, check the gradient and look at what each hidden unit learned."))
    win.rebuild_recent_menu = lambda: _rebuild_recent(win)
    _rebuild_recent(win)


def _rebuild_recent(win):
    m = win.recent_menu
    m.clear()
    items = win.recent()
    if not items:
        a = m.addAction("(none)")
        a.setEnabled(False)
        return
    for kind, path in items:
        label = {"model": "Model", "session": "Session"}.get(kind, "Data")
        a = m.addAction(f"{label}: {os.path.basename(path.rstrip('/')) or path}")
        a.setToolTip(path)
        a.setData((kind, path))
        a.triggered.connect(lambda _=False, k=kind, p=path: win.open_recent(k, p))
    m.addSeparator()
    m.addAction("Clear list").triggered.connect(lambda: (win.qsettings.setValue("recentFiles", "[]"),
                                                         _rebuild_recent(win)))
