"""Filter tiles: one image holding every hidden unit's weights as a grid.

Two normalisations, both from the exercise:
- ``"common"``: the notes' norm-bounded maximal input x = W1_i / ||W1_i|| of each unit, all tiles
  on one scale (divided by the largest |x| over the grid), so tiles are comparable;
- ``"tile"``: ``display_network``'s contrast: the global mean removed, each tile divided by its own
  largest |value|, so every tile uses the full range.
Values lie in [-1, 1]; borders are -1 (black).
"""
from __future__ import annotations

import math

import numpy as np


def grid_shape(count, cols=None):
    """(rows, cols) of tiles: a square when ``count`` is a square, else display_network's rule."""
    if cols is None:
        root = math.isqrt(count)
        if root * root == count:
            return root, root
        cols = math.ceil(math.sqrt(count))
        while count % cols and cols < 1.2 * math.sqrt(count):
            cols += 1
    cols = max(1, int(cols))
    return math.ceil(count / cols), cols


def tile_image(tiles, cols=None, border=1, fill=-1.0):
    """Lay out ``tiles`` (count, th, tw[, c]) row by row in one array with ``border`` pixels."""
    count, th, tw = tiles.shape[:3]
    rows, cols = grid_shape(count, cols)
    extra = tiles.shape[3:]
    out = np.full((border + rows * (th + border), border + cols * (tw + border)) + extra, fill,
                  dtype=np.float32)
    for k in range(count):
        i, j = divmod(k, cols)
        y, x = border + i * (th + border), border + j * (tw + border)
        out[y:y + th, x:x + tw] = tiles[k]
    return out


def unit_norm_rows(W):
    """The notes' maximal inputs: each row divided by its Euclidean norm (zero rows stay zero)."""
    W = np.asarray(W, dtype=np.float64)
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    return W / np.where(norms > 0, norms, 1.0)


def _safe_div(a, b):
    return a / np.where(b > 0, b, 1.0)


def filter_mosaic(W, tile_shape, normalization="common", cols=None):
    """Mosaic of the rows of ``W`` (hidden, pixels), each reshaped (C order) to ``tile_shape``.

    ``tile_shape`` is (p, q) for gray or (p, q, 3) for colour tiles; returns float32 (H, W) or
    (H, W, 3) in [-1, 1].
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.shape[1] != int(np.prod(tile_shape)):
        raise ValueError(f"W of shape {W.shape} does not hold tiles of shape {tuple(tile_shape)}")
    if normalization == "common":
        X = unit_norm_rows(W)
        X = _safe_div(X, np.abs(X).max())
    elif normalization == "tile":
        X = W - W.mean()
        X = _safe_div(X, np.abs(X).max(axis=1, keepdims=True))
    else:
        raise ValueError(f"normalization must be 'common' or 'tile', got {normalization!r}")
    return tile_image(X.reshape((W.shape[0],) + tuple(tile_shape)), cols)


def display_network(A, cols=None):
    """The exercise's ``display_network``: A is (pixels, tiles), one square tile per column.

    The global mean is removed, each tile divided by its own max |value|, tiles reshaped in
    column-major order, and laid out with a 1-pixel border of -1.
    """
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"A must be 2-D (pixels, tiles), got shape {A.shape}")
    side = math.isqrt(A.shape[0])
    if side * side != A.shape[0]:
        raise ValueError(f"A must have a square number of rows (pixels), got {A.shape[0]}")
    A = A - A.mean()
    A = _safe_div(A, np.abs(A).max(axis=0, keepdims=True))
    tiles = A.T.reshape(-1, side, side).transpose(0, 2, 1)  # column-major tiles
    return tile_image(tiles, cols).astype(np.float64)
