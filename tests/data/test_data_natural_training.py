"""Training on builtin:natural with the exercise defaults gives localised, oriented edge detectors.

Slow (about 6 s of L-BFGS): run with ``-m slow``. Measures, per unit-norm filter, the coherence of its
structure tensor (1 for a straight edge, about 0.15 for noise) and the share of its energy in the best
4x4 window (localisation; about 0.39 for noise). On IMAGES.mat the same training gives medians of about
0.80 and 0.49; on builtin:natural about 0.76 and 0.69.
"""
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from saegui.data import load_source, make_preprocessor, sample_patches


def edge_metrics(W1, p=8):
    F = (W1 / np.linalg.norm(W1, axis=1, keepdims=True)).reshape(-1, p, p)
    coherence, local = [], []
    for f in F:
        gy, gx = np.gradient(f)
        jxx, jyy, jxy = (gx * gx).sum(), (gy * gy).sum(), (gx * gy).sum()
        coherence.append(np.hypot(jxx - jyy, 2 * jxy) / (jxx + jyy))
        local.append(sliding_window_view(f * f, (4, 4)).sum(axis=(2, 3)).max())
    return float(np.median(coherence)), float(np.median(local))


def test_metrics_reject_noise():
    c, loc = edge_metrics(np.random.default_rng(0).normal(size=(25, 64)))
    assert c < 0.3 and loc < 0.45


@pytest.mark.slow
def test_builtin_natural_gives_edge_detectors():
    core = pytest.importorskip("saegui.core")
    X = make_preprocessor("exercise").fit_transform(sample_patches(load_source("builtin:natural"), 8, 10000, seed=0))
    model = core.SparseAutoencoder(hidden_size=25, lambda_=1e-4, beta=3.0, sparsity=0.01, max_iter=400,
                                   random_state=0).fit(X)
    assert model.history_["cost"][-1] < 0.5
    coherence, local = edge_metrics(model.W1)
    assert coherence > 0.6 and local > 0.55, (coherence, local)
