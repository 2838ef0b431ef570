"""Presets for the exercises: training data, patch size, preprocessing and model settings together.

``PRESETS[name]`` is a plain dict with the keys of the shared contract -- ``patch_size``,
``num_patches``, ``hidden_size``, ``lambda_``, ``beta``, ``sparsity``, ``decoder``, ``preprocessing``,
``color``, ``data`` -- plus ``preprocessing_kw`` (arguments of :func:`make_preprocessor`),
``activation``, ``max_iter``, a one-line ``description`` and, for ZCA, ``zca_epsilon`` (the same
epsilon, for callers that keep it as a separate setting). ``data`` is a source for
:func:`load_source`, or None when the preset needs the user's files (MNIST is not shipped).

- ``natural``: the sparse autoencoder exercise (8x8 patches of whitened natural images, 64-25-64,
  lambda 1e-4, beta 3, rho 0.01, the exercise's normalisation), on ``builtin:natural`` by default;
- ``mnist``: whole 28x28 digits, 196 hidden, lambda 3e-3, beta 3, rho 0.1, pixels in [0, 1] as they are;
- ``bars``: Foldiak's bars (8x8), 24 hidden (more than the 16 bars), rho 0.1 (about 2 of 16 bars are on);
- ``color``: the linear-decoder exercise's colour features (8x8x3, 400 hidden, linear decoder, ZCA
  with epsilon 0.1, lambda 3e-3, beta 5, rho 0.035), here on colour ``builtin:leaves`` images: raw
  pixels in [0, 1] like the exercise's STL-10 patches (whitening twice gives pixel-sized features).
"""
from __future__ import annotations

import copy

from .errors import DataError

__all__ = ["PRESETS", "DEFAULT_PRESET", "get_preset"]

DEFAULT_PRESET = "natural"

PRESETS = {
    "natural": dict(
        description="Natural-image edge detectors (the sparse autoencoder exercise)",
        data="builtin:natural", color=False, patch_size=8, num_patches=10000,
        preprocessing="exercise", preprocessing_kw={},
        hidden_size=25, lambda_=1e-4, beta=3.0, sparsity=0.01,
        activation="sigmoid", decoder="sigmoid", max_iter=400,
    ),
    "mnist": dict(
        description="MNIST pen strokes: whole 28x28 digits (needs an IDX file, e.g. t10k-images-idx3-ubyte.gz)",
        data=None, color=False, patch_size=28, num_patches=10000,
        preprocessing="none", preprocessing_kw={},
        hidden_size=196, lambda_=3e-3, beta=3.0, sparsity=0.1,
        activation="sigmoid", decoder="sigmoid", max_iter=400,
    ),
    "bars": dict(
        description="Foldiak's bars: 16 bars on 8x8, recovered as 16 filters (scored)",
        data="builtin:bars", color=False, patch_size=8, num_patches=5000,
        preprocessing="none", preprocessing_kw={},
        hidden_size=24, lambda_=1e-4, beta=3.0, sparsity=0.1,
        activation="sigmoid", decoder="sigmoid", max_iter=400,
    ),
    "color": dict(
        description="Colour features with a linear decoder and ZCA whitening (the linear-decoder exercise)",
        data="builtin:leaves", color=True, patch_size=8, num_patches=20000,
        preprocessing="zca", preprocessing_kw={"epsilon": 0.1}, zca_epsilon=0.1,
        hidden_size=400, lambda_=3e-3, beta=5.0, sparsity=0.035,
        activation="sigmoid", decoder="linear", max_iter=400,
    ),
}


def get_preset(name: str) -> dict:
    """A deep copy of ``PRESETS[name]`` (safe to modify); DataError for an unknown name."""
    key = (name or "").strip().lower()
    if key not in PRESETS:
        raise DataError(f"unknown preset {name!r} (available: {', '.join(PRESETS)})")
    return copy.deepcopy(PRESETS[key])
