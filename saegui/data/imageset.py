"""``ImageSet``: the images of one source as float arrays, their names, and what was skipped.

Conventions (the whole data layer):
- grayscale images are float64 arrays (H, W); colour images (H, W, 3) RGB;
- integer pixel data is scaled to [0, 1] by the largest value of its type (uint8 by 1/255, uint16 by
  1/65535); float data (e.g. the exercise's whitened ``IMAGES``) is kept as it is;
- colour becomes gray by the Rec. 601 luma weights 0.299 R + 0.587 G + 0.114 B (the weights of
  MATLAB's ``rgb2gray``, which the exercises used); gray becomes colour by repeating it in R, G and B.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import DataError

__all__ = ["ImageSet", "LUMA_WEIGHTS", "to_gray", "to_rgb", "scale_integers", "finish_image"]

#: Rec. 601 luma weights (R, G, B), as MATLAB's rgb2gray.
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])


def to_gray(a: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB -> (H, W) by Rec. 601 luma; (H, W) unchanged."""
    return a @ LUMA_WEIGHTS if a.ndim == 3 else a


def to_rgb(a: np.ndarray) -> np.ndarray:
    """(H, W) gray -> (H, W, 3) by repetition; (H, W, 3) unchanged."""
    return np.repeat(a[:, :, None], 3, axis=2) if a.ndim == 2 else a


def scale_integers(a: np.ndarray) -> np.ndarray:
    """Return float64 data: integers divided by their type's maximum, booleans 0/1, floats as is."""
    if a.dtype == np.bool_:
        return a.astype(np.float64)
    if np.issubdtype(a.dtype, np.integer):
        return a.astype(np.float64) / float(np.iinfo(a.dtype).max)
    if np.issubdtype(a.dtype, np.floating):
        return a.astype(np.float64)
    raise TypeError(a.dtype)


def finish_image(a: np.ndarray, *, color: bool, where: str) -> np.ndarray:
    """Check one decoded float image (finite, at least 1x1) and convert it to gray or RGB as asked."""
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] != 3) or min(a.shape[:2]) < 1:
        raise DataError(f"{where}: not an image array (shape {a.shape})")
    if not np.isfinite(a).all():
        raise DataError(f"{where}: contains NaN or infinite values")
    out = to_rgb(a) if color else to_gray(a)
    return np.ascontiguousarray(out, dtype=np.float64)


@dataclass
class ImageSet:
    """Images of one source.

    Attributes: ``images`` list of float64 arrays (H, W) or (H, W, 3); ``names`` one per image (file name,
    ``file.mat:VAR[i]``...); ``skipped`` list of ``(name, reason)`` for files or images left out;
    ``source`` the path or ``builtin:...`` spec; ``color`` whether images are RGB.
    """

    images: list = field(default_factory=list)
    names: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    source: str = ""
    color: bool = False

    def __len__(self) -> int:
        return len(self.images)

    def __iter__(self):
        return iter(self.images)

    def __getitem__(self, i):
        return self.images[i]

    @property
    def shapes(self) -> list:
        return [im.shape for im in self.images]

    @property
    def nbytes(self) -> int:
        return int(sum(im.nbytes for im in self.images))

    def value_range(self) -> tuple[float, float]:
        """(min, max) over all images."""
        if not self.images:
            return (0.0, 0.0)
        return (float(min(im.min() for im in self.images)), float(max(im.max() for im in self.images)))

    def description(self) -> str:
        """One line, e.g. ``'10 gray images 512x512 from IMAGES.mat, values -2.03..2.86'``."""
        n = len(self.images)
        kind = "colour" if self.color else "gray"
        sizes = sorted({im.shape[:2] for im in self.images})
        if len(sizes) == 1:
            size = f"{sizes[0][1]}x{sizes[0][0]}"
        elif sizes:
            size = f"{min(s[1] for s in sizes)}x{min(s[0] for s in sizes)} to " \
                   f"{max(s[1] for s in sizes)}x{max(s[0] for s in sizes)}"
        else:
            size = "-"
        lo, hi = self.value_range()
        text = f"{n} {kind} image{'s' if n != 1 else ''} {size} from {self.source}, values {lo:.3g}..{hi:.3g}"
        if self.skipped:
            text += f"; {len(self.skipped)} skipped"
        return text

    def stack(self) -> np.ndarray:
        """All images as one array (H, W, N) or (H, W, 3, N) -- the exercise's layout; sizes must agree."""
        if not self.images:
            raise DataError(f"{self.source}: no images")
        if len({im.shape for im in self.images}) != 1:
            raise DataError(f"{self.source}: images have different sizes and cannot be stacked")
        return np.stack(self.images, axis=-1)
