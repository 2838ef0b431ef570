"""Source -> images -> patches -> preprocessed rows: the one data path the CLI and the window share.

No Qt here (image files are decoded by the data layer, which imports QtGui lazily).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import ImageSet, load_source
from .data.patches import grid_patches, sample_patches
from .data.preprocess import Preprocessor, make_preprocessor


@dataclass
class Prepared:
    """What training needs: ``X`` (m, n) rows, the fitted ``preprocessor`` and the tile shape."""

    images: ImageSet
    raw: np.ndarray            # patches before preprocessing (for thumbnails and reconstructions)
    X: np.ndarray
    preprocessor: Preprocessor
    input_shape: tuple

    def summary(self):
        shape = "x".join(str(s) for s in self.input_shape)
        return (f"{len(self.images.images)} images, {self.X.shape[0]} patches of {shape} "
                f"({self.X.shape[1]} inputs), preprocessing {self.preprocessor.name}")


def preprocessor_options(name, zca_epsilon=0.1, pca_components=None):
    if name == "zca":
        return {"epsilon": zca_epsilon}
    if name == "pca":
        return {"k": pca_components}
    return {}


def prepare(source="builtin:natural", patch_size=8, num_patches=10000, preprocessing="exercise",
            color=False, seed=0, zca_epsilon=0.1, pca_components=None, sampling="random",
            images=None):
    """Load ``source`` (unless ``images`` is given), cut patches and preprocess them.

    ``sampling="random"`` draws ``num_patches`` random positions; ``"grid"`` takes every
    non-overlapping patch (e.g. whole MNIST digits with ``patch_size=28``), at most
    ``num_patches`` of them in order.  Raises ``DataError`` (a ``ValueError``) naming the
    source for anything wrong.
    """
    if images is None:
        images = load_source(source, color=color, seed=seed)
    if sampling == "grid":
        raw = grid_patches(images, patch_size)[:num_patches]
    elif sampling == "random":
        raw = sample_patches(images, patch_size, num_patches, seed=seed)
    else:
        raise ValueError(f"sampling must be 'random' or 'grid', got {sampling!r}")
    pre = make_preprocessor(preprocessing, **preprocessor_options(preprocessing, zca_epsilon,
                                                                  pca_components))
    X = pre.fit_transform(raw, source=images.source)
    shape = (patch_size, patch_size, 3) if raw.shape[1] == 3 * patch_size**2 else (patch_size, patch_size)
    return Prepared(images, raw, X, pre, shape)
