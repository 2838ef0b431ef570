"""saegui.gui: the Qt window (panels, views, worker threads) over saegui.core and saegui.data."""
from __future__ import annotations

__all__ = ["MainWindow", "run_app"]


def run_app(argv=None) -> int:
    from .app import run_app as _run
    return _run(argv)


def __getattr__(name):
    if name == "MainWindow":
        from .main_window import MainWindow
        return MainWindow
    raise AttributeError(name)
