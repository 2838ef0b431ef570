"""Presets, sessions and what QSettings remembers between runs (window geometry, splitters, settings)."""
from __future__ import annotations

import json
import os

from PySide6.QtCore import QByteArray

from saegui.data import PRESETS

from .settings import DataSettings, ModelSettings, Session, replace


class SessionMixin:
    # -- presets and sessions ---------------------------------------------------------------------
    def apply_preset(self, name: str):
        p = PRESETS.get(name)
        if p is None:
            return
        cur = self.data_panel.settings()
        source = p.get("data") or cur.source
        if not str(source).startswith("builtin:") and not os.path.exists(str(source)):
            source = cur.source
            self.statusBar().showMessage(f"Preset '{name}': open the matching data (File ▸ Open data…)", 10000)
        ms = ModelSettings(hidden_size=int(p["hidden_size"]), activation=p.get("activation", "sigmoid"),
                           decoder=p.get("decoder", "sigmoid"), lambda_=float(p["lambda_"]), beta=float(p["beta"]),
                           sparsity=float(p["sparsity"]))
        eps = p.get("zca_epsilon", (p.get("preprocessing_kw") or {}).get("epsilon", cur.zca_epsilon))
        ds = DataSettings(source=source, patch_size=int(p["patch_size"]), num_patches=int(p["num_patches"]),
                          preprocessing=p.get("preprocessing", "exercise"), zca_epsilon=float(eps),
                          color=bool(p.get("color", False)), seed=cur.seed)
        ts = self.training_panel.settings()
        if "max_iter" in p:
            ts = replace(ts, max_iter=int(p["max_iter"]))
        self.apply_session(Session(ds, ms, ts), preset=name)
        if p.get("description") and source == p.get("data"):
            self.statusBar().showMessage(f"Preset: {p['description']}", 10000)

    def apply_session(self, s: Session, preset: str = ""):
        self.model_panel.set_settings(s.model, preset=preset)
        self.training_panel.set_settings(s.training)
        self.data_panel.set_settings(s.data)
        self.sparsity_view.set_target(s.model.sparsity)
        if self.images is None and not self.data_busy:
            self._pending_source = s.data.source  # loaded at start-up / when first needed
        else:
            self.resample()  # reloads if the source or colour changed (in the background)

    # -- persistence ------------------------------------------------------------------------------
    def _restore_state(self):
        qs = self.qsettings
        geo = qs.value("window/geometry")
        if isinstance(geo, (QByteArray, bytes)):  # a hand-edited ini may hold anything
            self.restoreGeometry(geo)
        for key, split in (("main", self.main_split), ("center", self.center)):
            st = qs.value(f"window/{key}Splitter")
            if isinstance(st, (QByteArray, bytes)):
                split.restoreState(st)
        text = qs.value("session")
        if text:
            try:
                s = Session.from_dict(json.loads(str(text)))
            except (ValueError, TypeError, RecursionError):
                return
            src = s.data.source
            if not (src.startswith("builtin:") or os.path.exists(src.split(".mat:")[0])):
                s = Session(DataSettings(**{**s.data.__dict__, "source": "builtin:natural"}), s.model, s.training)
            self.model_panel.set_settings(s.model)
            self.training_panel.set_settings(s.training)
            self.data_panel.set_settings(s.data)
            self._resample_timer.stop()

    def save_state(self):
        qs = self.qsettings
        qs.setValue("window/geometry", self.saveGeometry())
        for key, split in (("main", self.main_split), ("center", self.center)):
            qs.setValue(f"window/{key}Splitter", split.saveState())
        try:
            qs.setValue("session", json.dumps(self.session().to_dict()))
        except ValueError:
            pass
        qs.sync()

