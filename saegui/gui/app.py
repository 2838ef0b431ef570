"""Application start-up: ``run_app(argv)`` creates the QApplication, shows the window and runs it."""
from __future__ import annotations

import sys
import traceback


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
    previous = sys.excepthook

    def hook(etype, value, tb):
        """A bug in a slot: print the traceback for a report, tell the user, keep the window running."""
        traceback.print_exception(etype, value, tb)
        try:
            win.statusBar().showMessage(f"Unexpected error: {etype.__name__}: {value} (details on the console)", 20000)
        except RuntimeError:  # the window is gone
            pass

    sys.excepthook = hook
    try:
        return int(app.exec())
    finally:
        sys.excepthook = previous
