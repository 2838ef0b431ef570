"""Application start-up: ``run_app(argv)`` creates the QApplication, shows the window and runs it."""
from __future__ import annotations

import sys


def make_app(argv=None):
    from PySide6.QtWidgets import QApplication

    from . import style
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName("saegui")
    app.setOrganizationName("saegui")
    app.setApplicationDisplayName("saegui")
    style.apply(app)
    return app


def run_app(argv=None) -> int:
    """Open the main window on the built-in natural images; returns the exit code."""
    app = make_app(argv)
    from .main_window import MainWindow
    win = MainWindow()
    win.show()
    return int(app.exec())
