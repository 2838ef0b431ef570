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
        if not self.images.images:      # rows read from a matrix file (load_patch_rows)
            return (f"{self.X.shape[0]} rows of {self.X.shape[1]} inputs (tiles {shape}), "
                    f"memory-mapped, used as they are")
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


def tile_shape(n):
    """A tile shape for rows of ``n`` values: square gray (p, p), square colour (p, p, 3), else a
    single row (1, n).  Used where no ``input_shape`` is recorded."""
    for channels in (1, 3):
        p = int(round((n / channels) ** 0.5))
        if p * p * channels == n:
            return (p, p) if channels == 1 else (p, p, 3)
    return (1, n)


def load_patch_rows(path, patch_shape=None):
    """A ``.npy`` matrix of training rows (m, n), memory-mapped: no copy, so m can exceed RAM.

    The rows are used as they are (no preprocessing): the core streams them in chunks.
    ``patch_shape`` gives the tile shape for pictures; by default a square (p, p), or
    (p, p, 3) when n is three times a square.  Raises ``DataError`` naming the file.
    """
    from .data import DataError
    from .data.imageset import ImageSet as _ImageSet
    from .data.preprocess import make_preprocessor as _make

    name = str(path)
    try:
        X = np.load(name, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise DataError(f"{name}: no such file") from None
    except (OSError, ValueError) as exc:
        raise DataError(f"{name}: not a readable .npy matrix ({exc})".replace("\n", " ")) from None
    if not isinstance(X, np.ndarray) or X.ndim != 2 or min(X.shape) < 1:
        raise DataError(f"{name}: expected a 2-D (examples, inputs) array, got shape "
                        f"{getattr(X, 'shape', '?')}")
    if X.dtype.kind != "f":
        raise DataError(f"{name}: expected floating-point rows, got dtype {X.dtype}")
    n = X.shape[1]
    if patch_shape is None:
        patch_shape = tile_shape(n)
    if int(np.prod(patch_shape)) != n:
        raise DataError(f"{name}: rows of {n} values are not patches of shape {patch_shape}")
    images = _ImageSet(images=[], names=[], source=name, color=len(patch_shape) == 3)
    pre = _make("none").fit(X[:1])
    return Prepared(images, X, X, pre, tuple(patch_shape))
