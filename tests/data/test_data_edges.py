"""saegui.data.edges: the numbers behind "localised, oriented edge detectors", on hand-made filters."""
import numpy as np
import pytest

from saegui.data import DataError
from saegui.data.edges import edge_stats, gabor_fits, localisation, spectral_orientation


def gabor(p=8, y0=3.5, x0=3.5, theta=0.6, sa=1.8, sb=3.0, k=0.18, phase=0.3):
    yy, xx = np.mgrid[0:p, 0:p].astype(float)
    u = (xx - x0) * np.cos(theta) + (yy - y0) * np.sin(theta)
    v = (yy - y0) * np.cos(theta) - (xx - x0) * np.sin(theta)
    return (np.exp(-0.5 * ((u / sa) ** 2 + (v / sb) ** 2)) * np.cos(2 * np.pi * k * u + phase)).ravel()


def test_gabor_patches_score_high_and_are_recovered():
    cases = [(0.6, 0.18, 3.5, 3.5, 0.3), (2.0, 0.12, 2.5, 4.0, 1.5), (0.0, 0.2, 4.0, 3.0, 0)]
    W = np.array([gabor(theta=t, k=k, y0=y, x0=x, phase=ph) for t, k, y, x, ph in cases])
    g = gabor_fits(3.7 * W + 0.2)  # scale and offset do not matter
    assert np.all(g["r2"] > 0.99)
    np.testing.assert_allclose(g["frequency"], [0.18, 0.12, 0.2], atol=0.02)
    np.testing.assert_allclose(np.cos(2 * (g["theta"] - [0.6, 2.0, 0.0])), 1, atol=0.02)  # orientation mod pi
    s = edge_stats(W)
    assert s["gabor_r2"] > 0.99 and s["orientation"] > 0.6 and s["localisation"] > 0.45


def test_noise_scores_low():
    s = edge_stats(np.random.default_rng(0).normal(size=(25, 64)))
    assert s["gabor_r2"] < 0.4 and s["orientation"] < 0.2 and s["localisation"] < 0.42, s


def test_orientation_and_localisation_extremes():
    yy, xx = np.mgrid[0:8, 0:8]
    blob = np.exp(-((yy - 3.5) ** 2 + (xx - 3.5) ** 2) / 4.0).ravel()  # isotropic
    grating = np.cos(2 * np.pi * 0.25 * xx).ravel().astype(float)  # one orientation, whole patch
    dot = np.zeros(64)
    dot[27] = 1
    o = spectral_orientation(np.array([blob, grating]))
    assert o[0] < 0.05 and o[1] > 0.8  # a cut-off grating leaks a little
    loc = localisation(np.array([grating, dot]))
    assert loc[0] < 0.3 and loc[1] > 0.95


def test_zero_filter_and_bad_input():
    g = gabor_fits(np.vstack([np.zeros(64), gabor()]))
    assert g["r2"][0] == 0 and g["r2"][1] > 0.99
    for bad in (np.zeros((3, 63)), np.full((2, 64), np.nan), np.zeros(64)):
        with pytest.raises(DataError, match="edge_stats"):
            edge_stats(bad)
