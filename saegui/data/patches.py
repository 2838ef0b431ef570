"""Patches: images -> rows of pixels (pure numpy, headless).

A patch of size p from a gray image is a row of p*p pixels in C (row-major) order of (p, p); from a
colour image p*p*3 values in C order of (p, p, 3). Patches never cross an image border.

- :func:`sample_patches`: random positions, each position of each image equally likely (so images are
  weighted by their number of positions), drawn without repetition, deterministic for a seed.
- :func:`grid_patches`: every position on a grid with a stride.
- :func:`sample_images_exercise`: the exercise's ``sampleIMAGES`` for the starter-code API -- columns,
  pixels column-major, the exercise's normalisation.
"""
from __future__ import annotations

import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .errors import DataError, DataWarning
from .imageset import ImageSet
from .memory import check_memory

_STACK_BYTES = 256 << 20

__all__ = ["sample_patches", "grid_patches", "sample_images_exercise", "usable_images", "as_generator"]


def as_generator(rng) -> np.random.Generator:
    """None / int seed / Generator / legacy RandomState -> numpy Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.RandomState):
        return np.random.default_rng(rng.randint(0, 2**31 - 1))
    return np.random.default_rng(rng)


def _unpack(images) -> tuple[list, list, str]:
    if isinstance(images, ImageSet):
        return list(images.images), list(images.names), images.source or "images"
    if isinstance(images, np.ndarray):
        images = [images]
    images = [np.asarray(im, dtype=np.float64) for im in images]
    return images, [f"image {i}" for i in range(len(images))], "images"


def usable_images(images, patch_size: int) -> tuple[list, list, list, str]:
    """Images at least ``patch_size`` in both dimensions: (images, names, skipped, source).

    Smaller ones are skipped with a :class:`DataWarning`; :class:`DataError` if none remain, if the
    images mix gray and colour, or if the patch size is not a positive integer.
    """
    if int(patch_size) != patch_size or patch_size < 1:
        raise DataError(f"patch size must be a positive integer, got {patch_size!r}")
    p = int(patch_size)
    imgs, names, source = _unpack(images)
    if not imgs:
        raise DataError(f"{source}: no images")
    if len({(im.ndim, im.shape[2:]) for im in imgs}) > 1:
        raise DataError(f"{source}: images mix gray and colour")
    keep, keep_names, skipped = [], [], []
    for im, name in zip(imgs, names):
        if im.shape[0] >= p and im.shape[1] >= p:
            keep.append(im)
            keep_names.append(name)
        else:
            skipped.append((name, f"{im.shape[1]}x{im.shape[0]} is smaller than the {p}x{p} patch"))
    if not keep:
        raise DataError(f"{source}: every image is smaller than the {p}x{p} patch "
                        f"(e.g. {skipped[0][0]}: {skipped[0][1]})")
    if skipped:
        warnings.warn(f"{source}: {len(skipped)} image(s) smaller than the {p}x{p} patch skipped "
                      f"(e.g. {skipped[0][0]})", DataWarning, stacklevel=3)
    return keep, keep_names, skipped, source


def _windows(im: np.ndarray, p: int) -> np.ndarray:
    """View (H-p+1, W-p+1, p, p[, 3]) of all patches of ``im``."""
    if im.ndim == 2:
        return sliding_window_view(im, (p, p))
    return sliding_window_view(im, (p, p, im.shape[2]))[:, :, 0]


def _gather(imgs: list, p: int, which: np.ndarray, counts: np.ndarray, ncols: np.ndarray) -> np.ndarray:
    """Rows for flat position indices ``which`` (into the concatenated positions of all images)."""
    dim = p * p * (imgs[0].shape[2] if imgs[0].ndim == 3 else 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    img_of = np.searchsorted(starts, which, side="right") - 1
    r, c = np.divmod(which - starts[img_of], ncols[img_of])
    uniq, inv = np.unique(img_of, return_inverse=True)
    if len(uniq) > 16 and len({im.shape for im in imgs}) == 1 and len(uniq) * imgs[0].nbytes < _STACK_BYTES:
        # many small images of one size (MNIST, bars): one stacked view, one fancy index
        stack = np.stack([imgs[k] for k in uniq])
        win = sliding_window_view(stack, (p, p), axis=(1, 2))  # (n, rows, cols[, 3], p, p)
        sel = win[inv, r, c]
        if stack.ndim == 4:
            sel = np.moveaxis(sel, 1, -1)
        return sel.reshape(len(which), dim)
    out = np.empty((len(which), dim))
    order = np.argsort(img_of, kind="stable")
    for group in np.split(order, np.flatnonzero(np.diff(img_of[order])) + 1):
        out[group] = _windows(imgs[img_of[group[0]]], p)[r[group], c[group]].reshape(len(group), dim)
    return out


def sample_patches(images, patch_size: int, num_patches: int, seed=0) -> np.ndarray:
    """``num_patches`` random p x p patches as float64 rows (m, p*p) or (m, p*p*3).

    ``images``: an :class:`ImageSet`, a list of arrays, or one array. Every position of every image is
    equally likely and none is drawn twice; ``seed`` (int, Generator or None) makes it reproducible.
    Raises :class:`DataError` when more patches are asked than positions exist, or when the result
    would not fit in memory.
    """
    imgs, _, _, source = usable_images(images, patch_size)
    p, m = int(patch_size), int(num_patches)
    if m < 1:
        raise DataError(f"number of patches must be at least 1, got {num_patches!r}")
    nrows = np.array([im.shape[0] - p + 1 for im in imgs], dtype=np.int64)
    ncols = np.array([im.shape[1] - p + 1 for im in imgs], dtype=np.int64)
    counts = nrows * ncols
    total = int(counts.sum())
    if m > total:
        raise DataError(f"{source}: {m} patches of {p}x{p} requested but the images have only "
                        f"{total} distinct positions")
    dim = p * p * (imgs[0].shape[2] if imgs[0].ndim == 3 else 1)
    check_memory(8.0 * m * dim, source, f"{m} patches of {dim} values")
    which = as_generator(seed).choice(total, size=m, replace=False)
    return _gather(imgs, p, which, counts, ncols)


def grid_patches(images, patch_size: int, stride: int | None = None) -> np.ndarray:
    """All patches at positions (r, c) with r, c multiples of ``stride`` (default: the patch size),
    image by image in order, row-major within an image."""
    imgs, _, _, source = usable_images(images, patch_size)
    p = int(patch_size)
    s = p if stride is None else int(stride)
    if s < 1:
        raise DataError(f"stride must be a positive integer, got {stride!r}")
    dim = p * p * (imgs[0].shape[2] if imgs[0].ndim == 3 else 1)
    m = sum(len(range(0, im.shape[0] - p + 1, s)) * len(range(0, im.shape[1] - p + 1, s)) for im in imgs)
    check_memory(8.0 * m * dim, source, f"{m} patches of {dim} values")
    rows = [_windows(im, p)[::s, ::s].reshape(-1, dim) for im in imgs]
    return np.concatenate(rows, axis=0)


def sample_images_exercise(images_hwn, patch_size: int = 8, num_patches: int = 10000, rng=None) -> np.ndarray:
    """The exercise's ``sampleIMAGES``: (patch_size**2, num_patches), one patch per column.

    ``images_hwn`` is (H, W, N) like ``IMAGES``. Each patch comes from an image chosen uniformly and a
    position chosen uniformly (with repetition, as the MATLAB code); its pixels are stacked
    column-major (MATLAB's ``patch(:)``). The result is normalised as ``normalizeData`` does: each
    patch's mean removed, clipped at +-3 standard deviations of all values, mapped to [0.1, 0.9].
    """
    from .preprocess import exercise_normalize

    a = np.asarray(images_hwn, dtype=np.float64)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3:
        raise DataError(f"images must be (H, W, N), got shape {a.shape}")
    p, m = int(patch_size), int(num_patches)
    h, w, n = a.shape
    if h < p or w < p:
        raise DataError(f"images {w}x{h} are smaller than the {p}x{p} patch")
    gen = as_generator(rng)
    k = gen.integers(0, n, size=m)
    r = gen.integers(0, h - p + 1, size=m)
    c = gen.integers(0, w - p + 1, size=m)
    win = sliding_window_view(a, (p, p), axis=(0, 1))  # (h-p+1, w-p+1, n, p, p)
    patches = win[r, c, k]  # (m, p, p) with [i, y, x]
    cols = patches.transpose(0, 2, 1).reshape(m, p * p)  # column-major pixels
    return exercise_normalize(cols).T.copy()
