"""Loading and preparing data off the GUI thread.

Building the built-in images takes most of a second and a folder of photos several seconds; done in
the GUI thread, that froze the window. A :class:`DataWorker` runs the shared data path
(:func:`saegui.pipeline.prepare`: load, sample, preprocess) in ``run()``. Like the training worker it
is a ``QThread`` subclass that lives in the GUI thread, so its ``finished`` signal reaches the window as
a queued call; ``run()`` touches no widget. The result (or the exception) is left in attributes for
the window to pick up: nothing is applied from the worker thread.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from saegui.pipeline import Prepared, prepare

from .settings import DataSettings
from .worker import _Tracked


@dataclass(eq=False)
class DataRequest:
    """What the window asked for: the settings to prepare and whether the images must be (re)loaded.

    ``images``: already loaded images to reuse (skips loading); ``quiet``: no message on failure;
    ``fallback``: a source to load instead if this one fails (the start-up source).
    """
    settings: DataSettings
    load: bool
    images: object = None
    quiet: bool = False
    fallback: str | None = None


def prepare_data(settings: DataSettings, images=None) -> Prepared:
    """Patches for ``settings`` (loading ``settings.source`` unless ``images`` are given), as float64
    rows ready for the core. Raises ``DataError``/``ValueError`` naming the source for bad data."""
    s = settings
    p = prepare(s.source, s.patch_size, s.num_patches, s.preprocessing, s.color, s.seed,
                zca_epsilon=s.zca_epsilon, images=images)
    p.X = np.ascontiguousarray(p.X, dtype=np.float64)
    if not np.isfinite(p.X).all():
        raise ValueError(f"{p.images.source}: preprocessing produced NaN or infinite values")
    return p


class DataWorker(_Tracked):
    """Runs :func:`prepare_data` for one :class:`DataRequest`; then ``result`` or ``error`` is set.

    A load cannot be interrupted inside the data layer; ``stop()`` only marks the result as unwanted
    (the window joins the thread when it closes: at most the rest of one load).
    """

    def __init__(self, request: DataRequest, parent=None):
        super().__init__(parent)
        self.request = request
        self.result: Prepared | None = None
        self.error: BaseException | None = None
        self.cancelled = False

    def stop(self):
        self.cancelled = True

    def run(self):
        try:
            self.result = prepare_data(self.request.settings, self.request.images)
        except Exception as e:  # noqa: BLE001 -- any failure (MemoryError too) becomes a message in the window
            # Keep no frames alive: they hold arrays, and this thread object (a cycle through run()'s frame).
            e.__context__ = e.__cause__ = None
            self.error = e.with_traceback(None)
