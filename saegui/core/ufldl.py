"""Functions with the exercise starter code's names and layouts, for people porting it.

``theta`` is ``[W1(:); W2(:); b1; b2]`` unrolled column-major as MATLAB does, ``data`` is
(visible_size, m) with one example per column.  They are thin wrappers over the native core:
the column-major ``theta`` and the transposed ``data`` are used as views, and the objective
with its work buffers is kept between calls, so ``sparse_autoencoder_cost`` in a loop runs as
fast as ``Objective`` on rows.
"""
from __future__ import annotations

import numpy as np

from .gradcheck import compute_numerical_gradient  # noqa: F401  (re-exported, same signature)
from .model import Objective, initialize_theta
from .mosaic import display_network  # noqa: F401  (re-exported)

_cache = {}


def initialize_parameters(hidden_size, visible_size, rng=None):
    """r = sqrt(6)/sqrt(hidden+visible+1); W uniform in [-r, r]; biases 0 (column-major theta)."""
    return initialize_theta(hidden_size, visible_size, rng, order="F")


def sparse_autoencoder_cost(theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data):
    """``(cost, grad)`` of the sparse autoencoder with sigmoid units, exercise layout.

    The objective (and its work buffers) is reused while the same ``data`` array and
    hyperparameters come back, as they do when this is called in a loop; the data are
    re-read on every call (one pass), so changes made to ``data`` in place are seen.
    """
    data = np.asarray(data)
    if data.ndim != 2 or data.shape[0] != visible_size:
        raise ValueError(f"data must have shape (visible_size={visible_size}, m), got {data.shape}")
    key = (id(data), data.shape, data.dtype.str, visible_size, hidden_size, float(lambda_),
           float(sparsity_param), float(beta))
    entry = _cache.get("last")
    if entry is None or entry[0] != key:
        X = data.T if data.dtype == np.float64 else data.T.astype(np.float64)
        entry = (key, Objective(X, hidden_size, lambda_, beta, sparsity_param, order="F"), data)
        _cache["last"] = entry   # holding `data` keeps its id from being reused
    else:
        entry[1].refresh_data()
    return entry[1](theta)


def sample_images(images, patch_size=8, num_patches=10000, rng=None):
    """Random normalised patches of ``images`` (H, W, N), one per column (patch_size**2, m).

    Pixels are column-major within a patch; normalisation as the exercise's: each patch's mean
    removed, clipped to +-3 global standard deviations, mapped to [0.1, 0.9].
    """
    from saegui.data.patches import sample_images_exercise  # lazy: core does not need data
    return sample_images_exercise(images, patch_size, num_patches, rng)
