"""Look: Fusion with a light palette, a few accents, pyqtgraph in antialiased light mode."""
from __future__ import annotations

import pyqtgraph as pg

STYLE = """
QGroupBox { font-weight: 600; border: 1px solid #c9ced6; border-radius: 6px; margin-top: 10px;
            padding-top: 4px; background: #fbfbfc; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; color: #1f4e9c; }
QPushButton#startButton { background: #1f6fd1; color: white; font-weight: 600; border-radius: 4px;
                          padding: 4px 10px; border: 1px solid #1a5db0; }
QPushButton#startButton:hover { background: #2a7de0; }
QPushButton#startButton:disabled { background: #9db7da; border-color: #9db7da; }
QProgressBar { border: 1px solid #b8bec8; border-radius: 4px; text-align: center; background: #eef0f3;
               min-height: 20px; }
QProgressBar::chunk { background: #6fa8e8; border-radius: 3px; }
QLabel#gradCheckResult { padding: 2px; }
QProgressBar#gradCheckProgress { min-height: 5px; max-height: 5px; border: none; background: #e3e6ea; }
QProgressBar#gradCheckProgress::chunk { background: #2a9d8f; }
QTabWidget::pane { border-top: 1px solid #c9ced6; }
"""


def apply(app) -> None:
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE)
    pg.setConfigOptions(antialias=True, imageAxisOrder="row-major", foreground="#333")
