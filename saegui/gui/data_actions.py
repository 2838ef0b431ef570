"""The window's data side: load a source, sample and preprocess patches in a background thread, keep
what works.

The Data panel always shows the data the user asked for; ``images``/``X``/``data_settings`` are the data
in use. Any difference is turned into a :class:`DataRequest` run by one :class:`DataWorker` at a time
(the shared path :func:`saegui.pipeline.prepare`, off the GUI thread, so the window never freezes on a
large folder). ``_want`` is the request the data should become: a newer request replaces it while a job
runs, and when the job ends its result is applied only if it is still the wanted one; otherwise the
wanted one starts, reusing the images just loaded where it can. Until a request succeeds the previous
images, patches and model stay; a failure shows a message naming the file and puts the panel back to
the settings of the patches in use. Train and Check gradient are disabled while data is prepared; asked
for meanwhile (shortcut, or right after an edit) they start once it is ready, and Stop cancels that.
"""
from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressBar

from .data_worker import DataRequest, DataWorker
from .panels.data_panel import source_label
from .settings import DataSettings, replace

BUILTIN_PREFIX = "builtin:"


class DataMixin:
    images = None                          # ImageSet in use
    X_raw = None                           # sampled patches (m, n)
    X = None                               # preprocessed patches given to the core
    preprocessor = None
    data_settings: DataSettings | None = None  # what X was made with
    data_shape: tuple | None = None        # one patch: (p, p) or (p, p, 3)
    data_job: DataWorker | None = None     # the thread preparing data, if any
    data_ok: bool | None = None            # outcome of the last finished request (None while one is open)
    _want: DataRequest | None = None       # what the data should become (None: up to date)
    _after_data = None                     # run once the wanted data is in place (Train pressed meanwhile)

    def _init_data(self):
        self._resample_timer = QTimer(self, singleShot=True, interval=300)  # debounce panel edits
        self._resample_timer.timeout.connect(self.resample)
        self.data_busy_bar = QProgressBar(objectName="dataBusy", maximumWidth=120, maximumHeight=14)
        self.data_busy_bar.setAccessibleName("Preparing data")
        self.data_busy_bar.setRange(0, 0)  # busy indicator
        self.data_busy_bar.setTextVisible(False)
        self.data_busy_bar.hide()
        self.statusBar().addPermanentWidget(self.data_busy_bar)

    @property
    def data_busy(self) -> bool:
        """A data request is open (its thread runs or is about to)."""
        return self._want is not None

    @property
    def data_pending(self) -> bool:
        """Busy, or a panel edit waits for its (debounced) resample."""
        return self.data_busy or self._resample_timer.isActive()

    # -- requests ---------------------------------------------------------------------------------
    def load_source(self, spec, *, quiet: bool = False, fallback: str | None = None) -> bool:
        """Start (re)loading ``spec`` with the panel's sampling settings, in the background.

        False (with a message unless ``quiet``) if the request is refused at once; the outcome of a
        started load arrives later (``data_ok``, the panel, a message on failure).
        """
        self._pending_source = None
        spec = "" if spec is None else str(spec)
        if not spec.strip():  # refused at once: nothing changes (the panel cannot hold an empty source)
            if not quiet:
                self.dialogs.message("error", "Could not load data",
                                     "No data source given (a file, a folder, or a built-in data set).")
            self.data_ok = False
            return False
        ds = replace(self.data_panel.settings(), source=spec)
        self.data_panel.set_source(ds.source)
        self._submit(DataRequest(ds, load=True, quiet=quiet, fallback=fallback))
        return True

    def resample(self) -> bool:
        """Bring the patches in line with the panel (in the background; nothing to do if they match).
        False only if there is no data to sample from."""
        self._resample_timer.stop()
        want, current = self._want, self.data_settings
        target = want.settings if want is not None else current
        if target is None:
            return False
        ds = self.data_panel.settings()
        if ds == target:
            return True
        load = (want is not None and want.load) or current is None or \
            (ds.source, ds.color) != (current.source, current.color)
        same_load = want is not None and want.load and want.settings.source == ds.source
        self._submit(DataRequest(ds, load, quiet=same_load and want.quiet,
                                 fallback=want.fallback if same_load else None))
        return True

    def ensure_data(self) -> bool:
        """True if X matches the panel now; otherwise starts what is needed (see ``data_busy``)."""
        if self.images is not None or self._want is not None:
            self.resample()
        return not self.data_busy and self.X is not None

    def _schedule_resample(self):
        self._resample_timer.start()

    def _submit(self, req: DataRequest):
        if self._closing:
            return
        want = self._want
        if want is not None and want.load == req.load and want.settings == req.settings:
            return  # already on it
        if not req.load:
            req.images = self.images
        self._want, self.data_ok = req, None
        if self.data_job is None:
            self._start(req)
        self._show_busy(req)

    def _start(self, req: DataRequest):
        job = DataWorker(req)
        job.finished.connect(self._on_data_finished)
        self.data_job = job
        job.start()

    def _on_data_finished(self):
        job = self.data_job
        if job is None:  # joined by shutdown()
            return
        job.wait()
        self.data_job = None
        job.deleteLater()
        req, want = job.request, self._want
        if self._closing or want is None:
            return
        if want is not req and want.settings == req.settings and (req.load or not want.load):
            req = want  # asked again for what it just made
        if want is not req:  # superseded while it ran: start the wanted one, reusing fresh images
            if job.result is not None and req.load and want.load and want.images is None and \
                    (want.settings.source, want.settings.color) == (req.settings.source, req.settings.color):
                want.images = job.result.images
            self._start(want)
            self._show_busy(want)
            return
        self._want = None
        self._show_busy(None)
        if job.error is not None:
            self._report_failure(req, job.error, req.settings.source)
        else:
            self._apply(req, job.result)

    # -- outcomes ---------------------------------------------------------------------------------
    def _apply(self, req: DataRequest, p):
        new_images = p.images is not self.images
        self.images, self.X_raw, self.X, self.preprocessor = p.images, p.raw, p.X, p.preprocessor
        self.data_settings, self.data_shape, self.data_ok = req.settings, tuple(p.input_shape), True
        if new_images:
            self.data_view.set_images(p.images.images, p.images.names)
        self.data_view.set_patches(p.raw, p.X, self.data_shape)
        self.data_panel.set_summary(self._summary())
        if req.load:
            spec = req.settings.source
            if not spec.startswith(BUILTIN_PREFIX):
                self.add_recent("data", spec)
            msg = p.images.description()
            if p.images.skipped:
                msg += f" — skipped {len(p.images.skipped)} file(s)"
            self.statusBar().showMessage(msg, 8000)
        else:
            self.statusBar().showMessage(f"{p.X.shape[0]} new patches ready", 4000)
        self.on_data_changed()
        after, self._after_data = self._after_data, None
        if after is not None:
            after()

    def _report_failure(self, req: DataRequest, e: BaseException, spec: str):
        _log_unexpected(e)
        self.data_ok, self._after_data = False, None
        if self.data_settings is not None:  # back to the patches in use
            self.data_panel.set_settings(self.data_settings)
            self._resample_timer.stop()
        if spec != self.data_panel.source:
            self.data_panel.forget_source(spec)
        self.data_panel.set_summary(self._summary())
        if not req.quiet:
            text = _clean(e)
            title = "Could not load data" if req.load else "Could not sample patches"
            self.dialogs.message("error", title, text if spec in text else f"{spec}: {text}")
        self.statusBar().showMessage(f"Could not load {spec}" if req.load else
                                     "Could not sample patches; the previous ones are kept", 8000)
        if req.fallback and req.fallback != spec and self.images is None:
            self.load_source(req.fallback)

    def _show_busy(self, req: DataRequest | None):
        self.data_busy_bar.setVisible(req is not None)
        self.training_panel.set_data_busy(req is not None)
        if req is not None:
            what = f"Loading {source_label(req.settings.source)}…" if req.load and req.images is None \
                else "Sampling patches…"
            self.statusBar().showMessage(what)
            self.data_panel.set_summary(f"<i>{what}</i>")

    def _summary(self) -> str:
        if self.X is None:
            return "No data loaded"
        return (f"<b>{len(self.images.images)}</b> image(s) · <b>{self.X.shape[0]}</b> patches of "
                f"{'×'.join(map(str, self.data_shape))} · <b>{self.X.shape[1]}</b> inputs per patch")

    def stop_data(self):
        """Join the data thread (its result is dropped); for closing."""
        job, self.data_job, self._want, self._after_data = self.data_job, None, None, None
        if job is not None:
            job.stop()
            job.wait()
            job.deleteLater()

    def on_data_changed(self):  # overridden by the window
        pass


def _log_unexpected(e: BaseException) -> None:
    """Expected failures (bad files: ValueError/OSError) are only shown; anything else is also noted on the
    console in one line (a data-layer bug to report), never as a traceback."""
    if not isinstance(e, (ValueError, OSError, MemoryError)):
        print(f"saegui: unexpected {type(e).__module__}.{type(e).__name__} from the data layer: {e}", file=sys.stderr)


def _clean(e: BaseException) -> str:
    if isinstance(e, MemoryError):
        return "not enough memory for this many patches"
    text = str(e) or type(e).__name__
    if not isinstance(e, (ValueError, OSError)):
        text = f"unexpected error ({type(e).__name__}): {text}"
    return text
