"""The window's model side: show the current model (filters, cost, sparsity, reconstructions) and
inspect one unit.

The model shown is either the last finished run or a model file; its statistics are computed on the
data in use (when the numbers of inputs match) from at most ``STATS_ROWS`` patches, so a large data
set never stalls the window. A running fit is inspected from the training worker's latest snapshot.
"""
from __future__ import annotations

import numpy as np

from saegui.pipeline import tile_shape

from .train_actions import hidden_activations
from .views.sparsity_view import activation_stats

RECON_PAIRS = 24
STATS_ROWS = 10000


class ModelMixin:
    model = None
    model_saved = True
    model_pre = None          # the preprocessor the model was trained after (for pixel-space filters)
    _activations = None       # (A, model id) cache for the inspector

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
        return tile_shape(n)

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
