"""How much a set of learned filters looks like localised, oriented edge detectors (Gabor-like), in numbers.

:func:`edge_stats` summarises p x p filters (rows of ``W1``) by medians over the filters of:

- ``gabor_r2``: share of the (zero-mean) filter's variance explained by the best-fitting Gabor
  ``A exp(-u^2/2sa^2 - v^2/2sb^2) cos(2 pi k u + phase) + c`` (u across the stripes, v along them),
  found by a bank search and a least-squares refinement. Edge and bar detectors ~0.9-1, noise ~0.25;
- ``orientation``: orientation concentration of the filter's power spectrum,
  ``|sum P(f) e^(2i angle(f))| / sum P(f)`` over non-zero frequencies (zero-padded to 32 x 32):
  0 for an isotropic blob, 1 for a single orientation; noise ~0.1, a round Gaussian derivative 0.5;
- ``localisation``: share of the zero-mean filter's energy in its best 4 x 4 window (for 8 x 8
  filters; p/2 x p/2 in general): noise ~0.38, a whole-patch grating ~0.25, a small blob -> 1;
- ``sigma_across``, ``sigma_along`` (pixels): the fitted Gabor's envelope across / along its stripes;
- ``frequency`` (cycles/pixel): the fitted Gabor's carrier (near 0 for a single-edge Gaussian derivative,
  ~0.15 for the 1-1.5 cycle Gabors the exercise's ``IMAGES`` give).

Measured with the exercise defaults (10000 8x8 patches, exercise normalisation, 25 hidden units,
lambda 1e-4, beta 3, rho 0.01, 400 L-BFGS iterations): ``IMAGES.mat`` gives about r2 0.93,
orientation 0.62, localisation 0.50, sigma 2.4 x 3.9 px, frequency 0.15. numpy and scipy only.
"""
from __future__ import annotations

import numpy as np

from .errors import DataError

__all__ = ["edge_stats", "gabor_fits"]

_BANKS: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _gabor(q, yy, xx):
    A, y0, x0, th, sa, sb, k, ph, c = q
    u = (xx - x0) * np.cos(th) + (yy - y0) * np.sin(th)  # across the stripes
    v = (yy - y0) * np.cos(th) - (xx - x0) * np.sin(th)  # along them
    return A * np.exp(-0.5 * ((u / sa) ** 2 + (v / sb) ** 2)) * np.cos(2 * np.pi * k * u + ph) + c


def _bank(p: int):
    """Orthonormal (even, odd) Gabor pairs, zero-mean, over a coarse grid of the parameters."""
    if p not in _BANKS:
        yy, xx = np.mgrid[0:p, 0:p].astype(np.float64)
        s = p / 8.0
        centres = np.linspace(0.0, p - 1.0, min(p, 8))
        grid = np.array(np.meshgrid(centres, centres, np.arange(8) * np.pi / 8,
                                    np.array([1.2, 2.0, 3.2]) * s, np.array([1.2, 2.0, 3.2]) * s,
                                    np.array([0.02, 0.1, 0.18, 0.26]) / s, indexing="ij")).reshape(6, -1)
        y0, x0, th, sa, sb, k = (g[:, None] for g in grid)
        Y, X = yy.ravel()[None, :], xx.ravel()[None, :]
        u = (X - x0) * np.cos(th) + (Y - y0) * np.sin(th)
        v = (Y - y0) * np.cos(th) - (X - x0) * np.sin(th)
        env = np.exp(-0.5 * ((u / sa) ** 2 + (v / sb) ** 2))
        even, odd = env * np.cos(2 * np.pi * k * u), env * np.sin(2 * np.pi * k * u)
        even -= even.mean(axis=1, keepdims=True)
        odd -= odd.mean(axis=1, keepdims=True)
        even /= np.linalg.norm(even, axis=1, keepdims=True)
        odd -= (odd * even).sum(axis=1, keepdims=True) * even
        odd /= np.maximum(np.linalg.norm(odd, axis=1, keepdims=True), 1e-12)
        _BANKS[p] = (even, odd, grid.T)
    return _BANKS[p]


def _as_filters(W, p):
    W = np.asarray(W, dtype=np.float64)
    if not 2 <= p <= 16 or W.ndim != 2 or W.shape[1] != p * p or not np.all(np.isfinite(W)):
        raise DataError(f"edge_stats: filters must be finite, (n, {p * p}) for {p}x{p} patches (p 2..16), "
                        f"got {W.shape}")
    W = W - W.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(W, axis=1, keepdims=True)
    return W / np.where(norm > 0, norm, 1.0), norm[:, 0] > 0


def gabor_fits(W, p: int = 8) -> dict[str, np.ndarray]:
    """Best-fitting Gabor of each filter (row of ``W``, p*p weights in C order).

    Returns arrays (one value per filter): ``r2`` (share of the zero-mean filter's variance explained),
    ``sigma_across``, ``sigma_along`` (pixels), ``frequency`` (cycles/pixel), ``theta`` (radians,
    direction across the stripes, in [0, pi)), ``y0``, ``x0`` (centre, pixels). A zero filter gets r2 0.
    """
    from scipy.optimize import least_squares

    F, nonzero = _as_filters(W, p)
    even, odd, grid = _bank(p)
    ce, co = F @ even.T, F @ odd.T
    yy, xx = np.mgrid[0:p, 0:p].astype(np.float64)
    lo = [-np.inf, -2.0, -2.0, -np.inf, 0.5, 0.5, 0.0, -np.inf, -np.inf]
    hi = [np.inf, p + 1.0, p + 1.0, np.inf, 2.0 * p, 2.0 * p, 0.5, np.inf, np.inf]
    keys = ("r2", "sigma_across", "sigma_along", "frequency", "theta", "y0", "x0")
    out = {key: np.zeros(len(F)) for key in keys}
    for i, f in enumerate(F):
        if not nonzero[i]:
            continue
        j = int(np.argmax(ce[i] ** 2 + co[i] ** 2))
        y0, x0, th, sa, sb, k = grid[j]
        best = None
        for ph in (np.arctan2(-co[i, j], ce[i, j]), np.arctan2(co[i, j], ce[i, j])):  # sign conventions
            q0 = [np.abs(f).max(), y0, x0, th, sa, sb, k, ph, 0.0]
            r = least_squares(lambda q: (_gabor(q, yy, xx) - f.reshape(p, p)).ravel(), q0, bounds=(lo, hi),
                              max_nfev=100)
            if best is None or r.cost < best.cost:
                best = r
        q = best.x
        # the fit may swap the roles of the axes only through theta; report theta in [0, pi)
        for key, value in zip(keys, (1.0 - 2.0 * best.cost, q[4], q[5], q[6], q[3] % np.pi, q[1], q[2])):
            out[key][i] = value
    return out


def spectral_orientation(W, p: int = 8, n: int = 32) -> np.ndarray:
    """Per filter: orientation concentration of its power spectrum (0 isotropic .. 1 one orientation)."""
    F, _ = _as_filters(W, p)
    P = np.abs(np.fft.fft2(F.reshape(-1, p, p), (n, n))) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(n), np.fft.fftfreq(n), indexing="ij")
    phasor = np.exp(2j * np.arctan2(fy, fx))
    total = P.sum(axis=(1, 2))
    return np.abs((P * phasor).sum(axis=(1, 2))) / np.where(total > 0, total, np.inf)


def localisation(W, p: int = 8) -> np.ndarray:
    """Per filter: share of its zero-mean energy in the best (p/2 x p/2) window."""
    from numpy.lib.stride_tricks import sliding_window_view

    F, _ = _as_filters(W, p)
    w = max(p // 2, 1)
    return sliding_window_view(F.reshape(-1, p, p) ** 2, (w, w), axis=(1, 2)).sum(axis=(3, 4)).max(axis=(1, 2))


def edge_stats(W, p: int = 8) -> dict[str, float]:
    """Medians over the filters: gabor_r2, orientation, localisation, sigma_across, sigma_along,
    frequency (see the module docstring for what each means and typical values)."""
    g = gabor_fits(W, p)
    return {
        "gabor_r2": float(np.median(g["r2"])),
        "orientation": float(np.median(spectral_orientation(W, p))),
        "localisation": float(np.median(localisation(W, p))),
        "sigma_across": float(np.median(g["sigma_across"])),
        "sigma_along": float(np.median(g["sigma_along"])),
        "frequency": float(np.median(g["frequency"])),
    }
