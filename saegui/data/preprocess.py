"""Preprocessing of patch rows, recorded as data so a saved model applies the same steps to new images.

Steps (``make_preprocessor(name, **kw)``):
- ``"exercise"``: the sparse autoencoder exercise's ``normalizeData``: each patch's own mean removed,
  values clipped at +-3 standard deviations (of all values, MATLAB's ``std(x(:))``, fitted once), and
  mapped linearly to [0.1, 0.9] so a sigmoid decoder can reproduce them;
- ``"zca"`` (``epsilon``, default 0.1 as in the linear-decoder exercise): per-pixel mean removed and
  ZCA whitening ``U diag(1/sqrt(s + eps)) U^T`` from the eigendecomposition of the covariance;
  eigenvalues are clipped at 0 and, when ``epsilon`` is 0, directions with (numerically) zero variance
  are dropped instead of divided by zero, so rank-deficient data is stable;
- ``"pca"`` (``k``, default: enough components for 99% of the variance; ``epsilon`` default 0):
  per-pixel mean removed, projection on the top k eigenvectors, each divided by sqrt(s + eps);
- ``"none"``: identity; ``"scale"``: (x - min) / (max - min) with the min and max of the fitted data.

``state()`` returns a dict of numpy arrays only (the name as a 0-d unicode array) so it can be stored
in an ``.npz`` with ``allow_pickle=False``; :func:`preprocessor_from_state` rebuilds the step.
``effective_filters(W1)`` maps first-layer weights back to filters on raw (mean-removed) pixels, which
is what the filter mosaic should show after whitening.
"""
from __future__ import annotations

import numpy as np

from .errors import DataError

__all__ = ["make_preprocessor", "preprocessor_from_state", "exercise_normalize", "PREPROCESSORS",
           "Preprocessor"]

STATE_VERSION = 1


def _check_rows(X, where: str | None) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise DataError(f"{where or 'data'}: expected a 2-D (examples, features) array, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise DataError(f"{where or 'data'}: contains NaN or infinite values")
    return X


class Preprocessor:
    """Base class: ``fit``/``transform``/``fit_transform``/``inverse_transform``/``state``."""

    name = "none"
    #: (low, high) bounds of the output, or None when unbounded (decides whether a sigmoid decoder fits).
    output_range: tuple | None = None

    def __init__(self):
        self.fitted = False
        self.n_features = None

    # -- the public protocol ---------------------------------------------------------------------
    def fit(self, X, source: str | None = None):
        """Learn the step's parameters from rows ``X`` (m, n). ``source`` names the data in errors."""
        X = _check_rows(X, source)
        self._fit(X, source or "data")
        self.n_features = X.shape[1]
        self.fitted = True
        return self

    def transform(self, X) -> np.ndarray:
        self._require_fitted()
        X = _check_rows(X, None)
        if X.shape[1] != self.n_features:
            raise DataError(f"{self.name} preprocessing was fitted on {self.n_features} values per example, "
                            f"got {X.shape[1]}")
        return self._transform(X)

    def fit_transform(self, X, source: str | None = None) -> np.ndarray:
        return self.fit(X, source).transform(X)

    def inverse_transform(self, Y) -> np.ndarray:
        self._require_fitted()
        return self._inverse(np.asarray(Y, dtype=np.float64))

    def effective_filters(self, W1) -> np.ndarray:
        """First-layer weights (hidden, n_out) as linear filters on input pixels (hidden, n_features)."""
        return np.asarray(W1, dtype=np.float64)

    def state(self) -> dict:
        out = {"name": np.array(self.name), "version": np.array(STATE_VERSION), "fitted": np.array(self.fitted)}
        out.update({k: np.asarray(v) for k, v in self._params().items()})
        if self.fitted:
            out["n_features"] = np.array(self.n_features)
            out.update({k: np.array(v) for k, v in self._fitted_state().items()})
        return out

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({params}){'' if self.fitted else ' (not fitted)'}"

    # -- for subclasses ----------------------------------------------------------------------------
    def _require_fitted(self):
        if not self.fitted:
            raise DataError(f"{self.name} preprocessing used before fit()")

    def _params(self) -> dict:
        return {}

    def _fitted_state(self) -> dict:
        return {}

    def _load(self, state: dict) -> None:
        pass

    def _fit(self, X, where):
        pass

    def _transform(self, X):
        return X.copy()

    def _inverse(self, Y):
        return Y.copy()


class NoPreprocessing(Preprocessor):
    name = "none"


class Scale(Preprocessor):
    """(x - min) / (max - min), min and max over all fitted values; output in [0, 1] on the fitted data."""

    name = "scale"
    output_range = (0.0, 1.0)

    def _fit(self, X, where):
        self.low, self.high = float(X.min()), float(X.max())
        if not self.high > self.low:
            raise DataError(f"{where}: all values are equal ({self.low:g}); scaling needs variation "
                            "(constant images?)")

    def _transform(self, X):
        return (X - self.low) / (self.high - self.low)

    def _inverse(self, Y):
        return Y * (self.high - self.low) + self.low

    def _fitted_state(self):
        return {"low": self.low, "high": self.high}

    def _load(self, s):
        self.low, self.high = float(s["low"]), float(s["high"])


class Exercise(Preprocessor):
    """The exercise's normalisation (see the module docstring); ``inverse_transform`` cannot restore
    the patch means or clipped values, it maps [0.1, 0.9] back to mean-free pixel values."""

    name = "exercise"
    output_range = (0.1, 0.9)

    def _fit(self, X, where):
        centred = X - X.mean(axis=1, keepdims=True)
        std = float(centred.std(ddof=1)) if centred.size > 1 else 0.0
        if not std > 1e-12 * max(1.0, float(np.abs(X).max())):
            raise DataError(f"{where}: the patches have no variance after removing their means (constant "
                            "images?); the exercise normalisation needs some")
        self.pstd = 3.0 * std

    def _transform(self, X):
        centred = X - X.mean(axis=1, keepdims=True)
        return (np.clip(centred, -self.pstd, self.pstd) / self.pstd + 1.0) * 0.4 + 0.1

    def _inverse(self, Y):
        return ((Y - 0.1) / 0.4 - 1.0) * self.pstd

    def _fitted_state(self):
        return {"pstd": self.pstd}

    def _load(self, s):
        self.pstd = float(s["pstd"])


#: Whitening needs an n x n eigendecomposition, O(n^3): about 1 s at n = 768 (colour 16x16) and 20 s at
#: 3072 here; beyond this many inputs per patch it would run for many minutes, so it is refused.
MAX_WHITENING_INPUTS = 4096


def _eig(X, where):
    n = X.shape[1]
    if n > MAX_WHITENING_INPUTS:
        raise DataError(f"{where}: whitening {n} inputs per patch needs a {n}x{n} eigendecomposition "
                        f"that would run for many minutes (the limit is {MAX_WHITENING_INPUTS}); use "
                        "smaller patches (the exercise used 8x8x3 = 192) or another preprocessing")
    with np.errstate(over="ignore", invalid="ignore"):
        mean = X.mean(axis=0)
        centred = X - mean
        cov = centred.T @ centred / X.shape[0]
    if not np.isfinite(cov).all():
        raise DataError(f"{where}: values too large for whitening (max |x| = {np.abs(X).max():.3g}); "
                        "rescale the data")
    try:
        s, U = np.linalg.eigh(cov)
    except np.linalg.LinAlgError as e:
        raise DataError(f"{where}: whitening failed, the covariance has no eigendecomposition ({e})") from None
    s, U = np.clip(s[::-1], 0.0, None), U[:, ::-1]  # descending
    if not s[0] > 0:
        raise DataError(f"{where}: the data has no variance (constant images?); whitening needs some")
    tol = s[0] * len(s) * np.finfo(np.float64).eps * 10
    return mean, s, U, tol


class ZCA(Preprocessor):
    name = "zca"

    def __init__(self, epsilon: float = 0.1):
        super().__init__()
        if not epsilon >= 0:
            raise DataError(f"ZCA epsilon must be >= 0, got {epsilon!r}")
        self.epsilon = float(epsilon)

    def _params(self):
        return {"epsilon": self.epsilon}

    def _fit(self, X, where):
        self.mean, s, U, tol = _eig(X, where)
        keep = (s > tol) if self.epsilon == 0 else np.ones(len(s), bool)
        d = np.where(keep, s + self.epsilon, 1.0)
        self.matrix = (U * np.where(keep, 1.0 / np.sqrt(d), 0.0)) @ U.T
        self.inverse_matrix = (U * np.where(keep, np.sqrt(d), 0.0)) @ U.T

    def _transform(self, X):
        return (X - self.mean) @ self.matrix

    def _inverse(self, Y):
        return Y @ self.inverse_matrix + self.mean

    def effective_filters(self, W1):
        return np.asarray(W1, dtype=np.float64) @ self.matrix

    def _fitted_state(self):
        return {"mean": self.mean, "matrix": self.matrix, "inverse_matrix": self.inverse_matrix}

    def _load(self, s):
        self.mean, self.matrix, self.inverse_matrix = (np.array(s[k], dtype=np.float64)
                                                      for k in ("mean", "matrix", "inverse_matrix"))


class PCA(Preprocessor):
    name = "pca"

    def __init__(self, k: int | None = None, epsilon: float = 0.0, retain: float = 0.99):
        super().__init__()
        if k is not None and (int(k) != k or k < 1):
            raise DataError(f"PCA k must be a positive integer, got {k!r}")
        if not epsilon >= 0 or not 0 < retain <= 1:
            raise DataError(f"PCA needs epsilon >= 0 and 0 < retain <= 1, got {epsilon!r}, {retain!r}")
        self.k, self.epsilon, self.retain = (None if k is None else int(k)), float(epsilon), float(retain)

    def _params(self):
        return {"k": -1 if self.k is None else self.k, "epsilon": self.epsilon, "retain": self.retain}

    def _fit(self, X, where):
        self.mean, s, U, tol = _eig(X, where)
        rank = int((s > tol).sum())
        if self.k is None:
            k = int(np.searchsorted(np.cumsum(s) / s.sum(), self.retain - 1e-12) + 1)
        else:
            k = self.k
        self.k_fitted = max(1, min(k, rank if self.epsilon == 0 else len(s)))
        self.components = U[:, : self.k_fitted]
        self.scale = 1.0 / np.sqrt(s[: self.k_fitted] + self.epsilon)

    def _transform(self, X):
        return (X - self.mean) @ self.components * self.scale

    def _inverse(self, Y):
        return (Y / self.scale) @ self.components.T + self.mean

    def effective_filters(self, W1):
        return np.asarray(W1, dtype=np.float64) @ (self.components * self.scale).T

    def _fitted_state(self):
        return {"mean": self.mean, "components": self.components, "scale": self.scale}

    def _load(self, s):
        self.mean, self.components, self.scale = (np.array(s[k], dtype=np.float64)
                                                  for k in ("mean", "components", "scale"))
        self.k_fitted = self.components.shape[1]


PREPROCESSORS = {"none": NoPreprocessing, "scale": Scale, "exercise": Exercise, "zca": ZCA, "pca": PCA}


def make_preprocessor(name: str, **kw) -> Preprocessor:
    """A new, unfitted preprocessing step: ``"exercise"``, ``"zca"`` (epsilon), ``"pca"`` (k, epsilon,
    retain), ``"none"`` or ``"scale"``."""
    key = (name or "none").strip().lower()
    if key not in PREPROCESSORS:
        raise DataError(f"unknown preprocessing {name!r} (available: {', '.join(PREPROCESSORS)})")
    try:
        return PREPROCESSORS[key](**kw)
    except TypeError as e:
        raise DataError(f"preprocessing {key!r}: {e}") from None


def preprocessor_from_state(state: dict) -> Preprocessor:
    """Rebuild a step from :meth:`Preprocessor.state` (e.g. read back from a model file)."""
    try:
        name = str(np.asarray(state["name"])[()])
        version = int(np.asarray(state.get("version", 1)))
    except (KeyError, TypeError, ValueError):
        raise DataError("preprocessing record has no valid 'name'") from None
    if version > STATE_VERSION:
        raise DataError(f"preprocessing record version {version} is newer than this saegui ({STATE_VERSION})")
    if name not in PREPROCESSORS:
        raise DataError(f"preprocessing record names an unknown step {name!r}")
    cls = PREPROCESSORS[name]
    try:
        if cls is ZCA:
            pre = ZCA(float(state["epsilon"]))
        elif cls is PCA:
            k = int(state["k"])
            pre = PCA(None if k < 0 else k, float(state["epsilon"]), float(state["retain"]))
        else:
            pre = cls()
        if bool(np.asarray(state.get("fitted", False))):
            pre._load(state)
            pre.n_features = int(state["n_features"])
            pre.fitted = True
    except (KeyError, TypeError, ValueError) as e:
        raise DataError(f"{name} preprocessing record is incomplete or invalid ({e})") from None
    return pre


def exercise_normalize(X) -> np.ndarray:
    """The exercise's ``normalizeData`` on rows (one patch per row): returns values in [0.1, 0.9]."""
    return Exercise().fit_transform(X)
