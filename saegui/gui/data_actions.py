"""The window's data side: load a source, sample and preprocess patches, keep what works.

A failed load or sampling shows a message and keeps the previous images, patches and model; the
panel is put back to the settings of the patches actually in use.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from .settings import DataSettings


def tile_shape_for(data: DataSettings, n_inputs: int | None = None):
    p = data.patch_size
    shape = (p, p, 3) if data.color else (p, p)
    if n_inputs is not None and int(np.prod(shape)) != n_inputs:
        return infer_tile_shape(n_inputs)
    return shape


def infer_tile_shape(n: int):
    r = int(round(np.sqrt(n)))
    if r * r == n:
        return (r, r)
    r = int(round(np.sqrt(n / 3)))
    if 3 * r * r == n:
        return (r, r, 3)
    return (1, n)


class _WaitCursor:
    def __enter__(self):
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)

    def __exit__(self, *exc):
        QApplication.restoreOverrideCursor()


class DataMixin:
    images = None            # ImageSet
    X_raw = None             # sampled patches (m, n)
    X = None                 # preprocessed patches given to the core
    preprocessor = None
    data_settings: DataSettings | None = None  # what X was made with

    def load_source(self, spec: str, *, color: bool | None = None, quiet: bool = False) -> bool:
        """Load images from ``spec``; on success resample. Returns False (and keeps everything) on error."""
        from . import _api as sdata
        ds = self.data_panel.settings()
        color = ds.color if color is None else color
        try:
            with _WaitCursor():
                images = sdata.load_source(spec, color=color, seed=ds.seed)
            if not len(images.images):
                raise sdata.data_error()(f"{spec}: no usable images" + _skipped(images))
        except Exception as e:  # noqa: BLE001 -- whatever a file does, the window keeps going
            _log_unexpected(e)
            self.data_panel.set_source(self.data_settings.source if self.data_settings else self.data_panel.source)
            if self.data_settings is not None:
                self.data_panel.color_check.blockSignals(True)
                self.data_panel.color_check.setChecked(self.data_settings.color)
                self.data_panel.color_check.blockSignals(False)
            if not quiet:
                text = _clean(e)
                self.dialogs.message("error", "Could not load data", text if spec in text else f"{spec}: {text}")
            self.statusBar().showMessage(f"Could not load {spec}", 8000)
            return False
        old = (self.images, self.X_raw, self.X, self.preprocessor, self.data_settings)
        self.images = images
        self.data_panel.set_source(spec)
        self.data_view.set_images(images.images, images.names)
        if not self.resample(force=True):
            self.images, self.X_raw, self.X, self.preprocessor, self.data_settings = old
            if old[0] is not None:
                self.data_view.set_images(old[0].images, old[0].names)
                self.data_panel.set_source(old[4].source)
            return False
        if spec not in ("builtin:natural", "builtin:bars"):
            self.add_recent("data", spec)
        msg = images.description() if hasattr(images, "description") else f"{len(images.images)} images"
        if images.skipped:
            msg += f" — skipped {len(images.skipped)} file(s)"
        self.statusBar().showMessage(msg, 8000)
        return True

    def resample(self, force: bool = False) -> bool:
        """Sample and preprocess patches for the panel's settings (no-op if nothing changed)."""
        from . import _api as sdata
        self._resample_timer.stop()
        if self.images is None:
            return False
        ds = self.data_panel.settings()
        if ds.color != (self.images.color if hasattr(self.images, "color") else ds.color):
            return self.load_source(ds.source, color=ds.color)
        if not force and ds == self.data_settings:
            return True
        try:
            with _WaitCursor():
                X_raw = sdata.sample_patches(self.images, ds.patch_size, ds.num_patches, seed=ds.seed)
                kw = {"epsilon": ds.zca_epsilon} if ds.preprocessing == "zca" else {}
                pre = sdata.make_preprocessor(ds.preprocessing, **kw)
                X = np.ascontiguousarray(pre.fit_transform(X_raw), dtype=np.float64)
            if not np.isfinite(X).all():
                raise ValueError("preprocessing produced NaN or infinite values")
        except Exception as e:  # noqa: BLE001
            _log_unexpected(e)
            self.dialogs.message("error", "Could not sample patches", _clean(e))
            if self.data_settings is not None:
                self.data_panel.set_settings(self.data_settings)
            return False
        self.X_raw, self.X, self.preprocessor, self.data_settings = X_raw, X, pre, ds
        tile = tile_shape_for(ds, X.shape[1])
        self.data_view.set_patches(X_raw, X, tile)
        self.data_panel.set_summary(
            f"<b>{len(self.images.images)}</b> image(s) · <b>{X.shape[0]}</b> patches of "
            f"{'×'.join(map(str, tile))} · <b>{X.shape[1]}</b> inputs per patch")
        self.on_data_changed()
        return True

    def _schedule_resample(self):
        self._resample_timer.start()

    def ensure_data(self) -> bool:
        """Make sure X matches the panel (flushes a pending resample)."""
        if self.images is None:
            return False
        if self._resample_timer.isActive() or self.data_panel.settings() != self.data_settings:
            return self.resample()
        return self.X is not None

    def on_data_changed(self):  # overridden by the window
        pass


def _skipped(images) -> str:
    if not getattr(images, "skipped", None):
        return ""
    first = "; ".join(f"{n}: {r}" for n, r in images.skipped[:3])
    return f" (skipped: {first})"


def _log_unexpected(e: BaseException) -> None:
    """Expected failures (bad files: ValueError/OSError) are only shown; anything else is also noted on the
    console in one line (a data-layer bug to report), never as a traceback."""
    if not isinstance(e, (ValueError, OSError, MemoryError)):
        import sys
        print(f"saegui: unexpected {type(e).__module__}.{type(e).__name__} from the data layer: {e}", file=sys.stderr)


def _clean(e: BaseException) -> str:
    text = str(e) or type(e).__name__
    if not isinstance(e, (ValueError, OSError, MemoryError)):
        text = f"unexpected error ({type(e).__name__}): {text}"
    if isinstance(e, MemoryError):
        text = "not enough memory for this many patches"
    return text
