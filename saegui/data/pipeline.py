"""One call from a source to training rows: load, sample patches, fit the preprocessing.

Shared by the command line and the GUI so both prepare data the same way (and record the same
preprocessing state in the model file).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .imageset import ImageSet
from .loaders import load_source
from .patches import sample_patches
from .preprocess import Preprocessor, make_preprocessor

__all__ = ["TrainingData", "prepare_training_data"]


@dataclass
class TrainingData:
    """``X`` preprocessed rows (m, n); ``raw`` the patches before preprocessing; ``input_shape``
    (p, p) or (p, p, 3); ``preprocessor`` fitted (its ``state()`` goes into the model file)."""

    X: np.ndarray
    raw: np.ndarray
    input_shape: tuple
    preprocessor: Preprocessor
    images: ImageSet

    def description(self) -> str:
        shape = "x".join(map(str, self.input_shape))
        return (f"{len(self.X)} patches {shape} from {self.images.description()}; "
                f"preprocessing {self.preprocessor!r}")


def prepare_training_data(source="builtin:natural", *, patch_size: int = 8, num_patches: int = 10000,
                          preprocessing: str = "exercise", preprocessing_kw: dict | None = None,
                          color: bool = False, seed: int = 0, images: ImageSet | None = None) -> TrainingData:
    """Load ``source`` (unless ``images`` is given), sample patches with ``seed``, fit and apply
    ``preprocessing``. Raises :class:`DataError` for any problem with the data."""
    if images is None:
        images = load_source(source, color=color, seed=seed)
    raw = sample_patches(images, patch_size, num_patches, seed=seed)
    pre = make_preprocessor(preprocessing, **(preprocessing_kw or {}))
    X = pre.fit_transform(raw, source=images.source)
    shape = (patch_size, patch_size, 3) if images.color else (patch_size, patch_size)
    return TrainingData(X=X, raw=raw, input_shape=shape, preprocessor=pre, images=images)
