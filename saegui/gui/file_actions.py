"""The File menu: data, models, pictures, cost history, sessions, recent files.

Each action has a dialog-free method taking a path (``open_model(path)`` …) used by tests and drag & drop,
and a ``*_dialog`` variant that asks for the path through ``self.dialogs``. Errors become messages.
"""
from __future__ import annotations

import csv
import io
import json
import os

import numpy as np

from saegui.core.io import atomic_write, write_png

from .settings import Session

DATA_FILTERS = ("Data (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.gif *.pgm *.ppm *.mat *.npy *.npz *.idx *-ubyte "
                "*.idx3-ubyte *.gz);;All files (*)")
MODEL_FILTERS = "saegui model (*.npz);;All files (*)"
SESSION_FILTERS = "saegui session (*.json);;All files (*)"
MAX_RECENT = 8


class FileMixin:
    def ask_path(self, mode: str, kind: str, title: str, filters: str = "", name: str = "") -> str:
        """Ask ``self.dialogs`` for a path to ``mode`` ("open", "save" or "folder"), starting in the folder
        last used for ``kind`` (data, model, export, session), which is then remembered. "" if cancelled."""
        folder = self.last_folder(kind)
        if mode == "folder":
            path = self.dialogs.open_folder(title, folder)
        elif mode == "save":
            path = self.dialogs.save_file(title, os.path.join(folder, name), filters)
        else:
            path = self.dialogs.open_file(title, folder, filters)
        if path:
            self.remember_folder(kind, path, is_dir=mode == "folder")
        return path

    # -- data -----------------------------------------------------------------------------------
    def open_data_dialog(self) -> bool:
        path = self.ask_path("open", "data", "Open data", DATA_FILTERS)
        return bool(path) and self.load_source(path)

    def open_folder_dialog(self) -> bool:
        path = self.ask_path("folder", "data", "Open a folder of images")
        return bool(path) and self.load_source(path)

    # -- models ---------------------------------------------------------------------------------
    def open_model_dialog(self) -> bool:
        path = self.ask_path("open", "model", "Open model", MODEL_FILTERS)
        return bool(path) and self.open_model(path)

    def open_model(self, path) -> bool:
        from saegui.core import SparseAutoencoder
        if self.training:
            self.dialogs.message("warning", "Training in progress", "Stop the training before opening a model.")
            return False
        if not self.confirm_discard():
            return False
        try:
            model = SparseAutoencoder.load(path)
        except (ValueError, OSError, KeyError, EOFError) as e:
            self.dialogs.message("error", "Could not open model", str(e) or type(e).__name__)
            return False
        self.set_model(model, saved=True)
        self.add_recent("model", str(path))
        self.statusBar().showMessage(f"Opened model {os.path.basename(str(path))}", 8000)
        return True

    def save_model_dialog(self) -> bool:
        if self.model is None:
            self.dialogs.message("information", "No model", "Train or open a model first.")
            return False
        path = self.ask_path("save", "model", "Save model", MODEL_FILTERS, "sae_model.npz")
        return bool(path) and self.save_model(path)

    def save_model(self, path) -> bool:
        if self.model is None:
            return False
        path = str(path)
        if not path.endswith(".npz"):
            path += ".npz"
        try:
            self.model.save(path)
        except (ValueError, OSError) as e:
            self.dialogs.message("error", "Could not save model", str(e))
            return False
        self.model_saved = True
        self.update_model_label()
        self.add_recent("model", path)
        self.statusBar().showMessage(f"Saved {path}", 8000)
        return True

    # -- pictures and numbers ---------------------------------------------------------------------
    def export_filters_dialog(self) -> bool:
        if self.filter_view.image() is None:
            self.dialogs.message("information", "No filters", "Train or open a model first.")
            return False
        scale = self.dialogs.get_int("Export filters", "Scale factor (pixels per weight):", 8, 1, 64)
        if scale is None:
            return False
        path = self.ask_path("save", "export", "Export filters as PNG", "PNG image (*.png)", "filters.png")
        return bool(path) and self.export_filters(path, scale)

    def export_filters(self, path, scale=8) -> bool:
        img = self.filter_view.image()
        if img is None:
            return False
        path = str(path)
        if not path.lower().endswith(".png"):
            path += ".png"
        try:
            write_png(path, img, scale)  # atomic: a failed write keeps the previous file
        except (OSError, ValueError) as e:
            detail = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            self.dialogs.message("error", "Could not export filters",
                                 detail if path in detail else f"{path}: {detail}")
            return False
        self.statusBar().showMessage(f"Wrote {path}", 8000)
        return True

    def export_history_dialog(self) -> bool:
        if not self.current_history():
            self.dialogs.message("information", "No cost history", "Train a model first.")
            return False
        path = self.ask_path("save", "export", "Export cost history", "CSV (*.csv)", "cost.csv")
        return bool(path) and self.export_history(path)

    def current_history(self) -> dict:
        h = getattr(self.model, "history_", None) or {}
        return h if len(h.get("iteration", ())) else {}

    def export_history(self, path) -> bool:
        h = self.current_history()
        keys = [k for k in ("iteration", "cost", "reconstruction", "weight_decay", "sparsity", "elapsed") if k in h]
        text = io.StringIO(newline="")
        wr = csv.writer(text)
        wr.writerow(keys)
        for row in zip(*(np.asarray(h[k]) for k in keys)):
            wr.writerow([int(v) if k == "iteration" else repr(float(v)) for k, v in zip(keys, row)])
        try:
            _write_text(path, text.getvalue())
        except OSError as e:
            self.dialogs.message("error", "Could not export cost history", f"{path}: {e.strerror or e}")
            return False
        self.statusBar().showMessage(f"Wrote {path}", 8000)
        return True

    # -- sessions ---------------------------------------------------------------------------------
    def session(self) -> Session:
        return Session(self.data_panel.settings(), self.model_panel.settings(), self.training_panel.settings())

    def save_session_dialog(self) -> bool:
        path = self.ask_path("save", "session", "Save session", SESSION_FILTERS, "session.json")
        return bool(path) and self.save_session(path)

    def save_session(self, path) -> bool:
        try:
            text = json.dumps(self.session().to_dict(), indent=2) + "\n"
            _write_text(path, text)
        except (OSError, ValueError) as e:
            self.dialogs.message("error", "Could not save session", f"{path}: {e}")
            return False
        self.add_recent("session", str(path))
        self.statusBar().showMessage(f"Saved session {path}", 8000)
        return True

    def load_session_dialog(self) -> bool:
        path = self.ask_path("open", "session", "Load session", SESSION_FILTERS)
        return bool(path) and self.load_session(path)

    def load_session(self, path) -> bool:
        try:
            with open(path, encoding="utf-8") as f:
                session = Session.from_dict(json.load(f))
        except RecursionError:
            self.dialogs.message("error", "Could not load session", f"{path}: nested too deeply to be a session")
            return False
        except (OSError, ValueError, TypeError, UnicodeDecodeError) as e:
            self.dialogs.message("error", "Could not load session", f"{path}: {e}")
            return False
        self.apply_session(session)
        self.add_recent("session", str(path))
        return True

    # -- recent files and folders -----------------------------------------------------------------
    def recent(self) -> list[tuple[str, str]]:
        try:
            items = json.loads(str(self.qsettings.value("recentFiles", "[]") or "[]"))
            return [(it[0], it[1]) for it in items
                    if isinstance(it, list) and len(it) == 2 and all(isinstance(x, str) for x in it)]
        except (ValueError, TypeError, RecursionError):
            return []

    def add_recent(self, kind: str, path: str):
        items = [(k, p) for k, p in self.recent() if p != path]
        items.insert(0, (kind, path))
        self.qsettings.setValue("recentFiles", json.dumps(items[:MAX_RECENT]))
        self.rebuild_recent_menu()

    def open_recent(self, kind: str, path: str):
        if kind == "model":
            self.open_model(path)
        elif kind == "session":
            self.load_session(path)
        else:
            self.load_source(path)

    def last_folder(self, kind: str) -> str:
        value = self.qsettings.value(f"folders/{kind}", None)
        return value if isinstance(value, str) and value else os.path.expanduser("~")

    def remember_folder(self, kind: str, path: str, is_dir: bool = False):
        self.qsettings.setValue(f"folders/{kind}", path if is_dir else os.path.dirname(path))


def _write_text(path, text: str) -> None:
    """UTF-8 text through the core's atomic writer: a failed write keeps the previous file."""
    data = text.encode("utf-8")
    atomic_write(path, lambda fh: fh.write(data))
