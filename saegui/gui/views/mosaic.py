"""Mosaic geometry and images for the views.

The filter picture itself comes from ``saegui.core.filter_mosaic`` (the notes' normalisation and the
exercise's ``display_network``); this module only chooses the grid, finds which tile a pixel belongs
to, and builds the simple per-tile mosaics of data patches and reconstructions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Grid:
    n: int
    rows: int
    cols: int
    tile_h: int
    tile_w: int
    border: int

    def tile_at(self, x: float, y: float) -> int | None:
        """Index of the tile under image pixel (x, y) (column, row), or None on a border or outside."""
        if x < 0 or y < 0:
            return None
        px, py = int(math.floor(x)), int(math.floor(y))
        b = self.border
        c, rx = divmod(px - b, self.tile_w + b)
        r, ry = divmod(py - b, self.tile_h + b)
        if px < b or py < b or rx >= self.tile_w or ry >= self.tile_h or c >= self.cols or r >= self.rows:
            return None
        i = r * self.cols + c
        return i if i < self.n else None

    def tile_rect(self, i: int) -> tuple[int, int, int, int]:
        """(x, y, w, h) of tile i in image pixels."""
        r, c = divmod(i, self.cols)
        b = self.border
        return (b + c * (self.tile_w + b), b + r * (self.tile_h + b), self.tile_w, self.tile_h)


def default_cols(n: int) -> int:
    return max(1, int(math.ceil(math.sqrt(n))))


def grid_for_image(n: int, tile_shape, cols: int, image_shape) -> Grid:
    """Infer the border width of a mosaic image of ``n`` tiles in ``cols`` columns."""
    th, tw = int(tile_shape[0]), int(tile_shape[1])
    rows = int(math.ceil(n / cols))
    H, W = int(image_shape[0]), int(image_shape[1])
    bx = (W - cols * tw) / (cols + 1)
    by = (H - rows * th) / (rows + 1)
    border = int(round(bx)) if bx >= 0 else 0
    if by >= 0 and int(round(by)) != border:
        border = int(round(by))
    return Grid(n=n, rows=rows, cols=cols, tile_h=th, tile_w=tw, border=max(border, 0))


def _tiles(W, tile_shape):
    W = np.asarray(W, dtype=np.float64)
    return W.reshape((W.shape[0],) + tuple(tile_shape))


def local_mosaic(W, tile_shape, normalization="common", cols=None, border=1):
    """Fallback with the same conventions as ``core.filter_mosaic`` (values in [-1, 1], border -1)."""
    T = _tiles(W, tile_shape)
    n = T.shape[0]
    cols = cols or default_cols(n)
    if normalization == "common":
        norms = np.sqrt((T.reshape(n, -1) ** 2).sum(1))
        T = T / np.maximum(norms, 1e-12).reshape((n,) + (1,) * (T.ndim - 1))
        T = T / max(np.abs(T).max(), 1e-12)
    else:
        T = T - T.reshape(n, -1).mean(1).reshape((n,) + (1,) * (T.ndim - 1))
        m = np.abs(T.reshape(n, -1)).max(1)
        T = T / np.maximum(m, 1e-12).reshape((n,) + (1,) * (T.ndim - 1))
    return assemble(T, cols, border)


def assemble(T, cols, border=1, fill=-1.0):
    """Place tiles (n, h, w[, 3]) on a grid separated by ``border`` pixels of ``fill``."""
    n, th, tw = T.shape[:3]
    rows = int(math.ceil(n / cols))
    shape = (border + rows * (th + border), border + cols * (tw + border)) + T.shape[3:]
    img = np.full(shape, fill, dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, cols)
        y, x = border + r * (th + border), border + c * (tw + border)
        img[y:y + th, x:x + tw] = T[i]
    return img


def filter_image(W, tile_shape, normalization="common", cols=None):
    """The filter mosaic and its grid. Uses the core's ``filter_mosaic`` when present."""
    n = int(np.asarray(W).shape[0])
    cols = cols or default_cols(n)
    img = None
    try:
        from saegui.core import filter_mosaic  # noqa: PLC0415
    except ImportError:
        filter_mosaic = None
    if filter_mosaic is not None:
        img = np.asarray(filter_mosaic(W, tuple(tile_shape), normalization=normalization, cols=cols), dtype=np.float32)
    if img is None:
        img = local_mosaic(W, tile_shape, normalization, cols)
    return img, grid_for_image(n, tile_shape, cols, img.shape)


def patch_image(X, tile_shape, cols=None, border=1):
    """Data patches, each stretched to its own contrast (like display_network)."""
    T = _tiles(X, tile_shape).copy()
    n = T.shape[0]
    cols = cols or default_cols(n)
    flat = T.reshape(n, -1)
    lo, hi = flat.min(1), flat.max(1)
    span = np.maximum(hi - lo, 1e-12)
    flat[:] = (flat - lo[:, None]) / span[:, None] * 2 - 1
    return assemble(T, cols, border), Grid(n, int(math.ceil(n / cols)), cols, T.shape[1], T.shape[2], border)


def pair_image(X, R, tile_shape, pairs_per_row=4, border=1):
    """Inputs beside their reconstructions; each pair shares the input's scale so errors stay visible."""
    Xt, Rt = _tiles(X, tile_shape), _tiles(R, tile_shape)
    n = Xt.shape[0]
    lo = Xt.reshape(n, -1).min(1)
    hi = Xt.reshape(n, -1).max(1)
    span = np.maximum(hi - lo, 1e-12)
    shp = (n,) + (1,) * (Xt.ndim - 1)
    a = (Xt - lo.reshape(shp)) / span.reshape(shp) * 2 - 1
    b = np.clip((Rt - lo.reshape(shp)) / span.reshape(shp) * 2 - 1, -1, 1)
    gap = np.full((n, Xt.shape[1], 1) + Xt.shape[3:], -1.0)
    T = np.concatenate([a, gap, b], axis=2).astype(np.float32)  # input | reconstruction
    return assemble(T, pairs_per_row, border + 2)
