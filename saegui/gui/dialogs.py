"""Every modal dialog of the window goes through one replaceable object.

Tests pass a ``RecordingDialogs`` (or any object with these methods) to ``MainWindow(dialogs=...)`` so
that no modal dialog can ever block them, and can then read what would have been shown.
"""
from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox


class QtDialogs:
    def __init__(self, parent=None):
        self.parent = parent

    def message(self, kind: str, title: str, text: str) -> None:
        box = {"error": QMessageBox.critical, "warning": QMessageBox.warning}.get(kind, QMessageBox.information)
        box(self.parent, title, text)

    def confirm(self, title: str, text: str) -> bool:
        r = QMessageBox.question(self.parent, title, text,
                                 QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                 QMessageBox.StandardButton.No)
        return r == QMessageBox.StandardButton.Yes

    def open_file(self, title: str, folder: str, filters: str) -> str:
        return QFileDialog.getOpenFileName(self.parent, title, folder, filters)[0]

    def open_folder(self, title: str, folder: str) -> str:
        return QFileDialog.getExistingDirectory(self.parent, title, folder)

    def save_file(self, title: str, path: str, filters: str) -> str:
        return QFileDialog.getSaveFileName(self.parent, title, path, filters)[0]

    def get_int(self, title: str, label: str, value: int, lo: int, hi: int):
        v, ok = QInputDialog.getInt(self.parent, title, label, value, lo, hi)
        return (v if ok else None)


class RecordingDialogs:
    """Answers from queues (or defaults) and records every message; never shows anything."""

    def __init__(self, confirm=True):
        self.messages: list[tuple[str, str, str]] = []
        self.confirm_answer = confirm
        self.confirms: list[str] = []
        self.files: list[str] = []     # answers for open_file/open_folder/save_file, in order
        self.ints: list[int] = []

    def message(self, kind, title, text):
        self.messages.append((kind, title, text))

    def confirm(self, title, text):
        self.confirms.append(text)
        return self.confirm_answer

    def _next_file(self):
        return self.files.pop(0) if self.files else ""

    def open_file(self, title, folder, filters):
        return self._next_file()

    def open_folder(self, title, folder):
        return self._next_file()

    def save_file(self, title, path, filters):
        return self._next_file()

    def get_int(self, title, label, value, lo, hi):
        return self.ints.pop(0) if self.ints else value
