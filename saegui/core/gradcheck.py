"""Numerical gradients and the exercise's gradient check.

The check compares the analytic gradient with central differences
(J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps) and reports the exercise's measure
``||num - ana|| / ||num + ana||`` (a correct implementation gives about 1e-9 or less in float64),
plus the largest absolute error of each parameter block.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .model import Interrupted

THRESHOLD = 1e-9


def _scalar(J, theta):
    value = J(theta)
    return float(value[0] if isinstance(value, tuple) else value)


def compute_numerical_gradient(J, theta, epsilon=1e-4, indices=None, interrupt=None,
                               progress=None):
    """Central-difference gradient of ``J`` at ``theta``.

    ``J`` returns a scalar or a ``(cost, grad)`` tuple.  With ``indices`` only those coordinates
    are computed (the others stay 0).  ``interrupt()`` is polled before each coordinate and raises
    ``Interrupted`` when it returns True; ``progress(done, total)`` is called after each one.
    """
    theta = np.array(theta, dtype=np.float64)
    grad = np.zeros_like(theta)
    idx = np.arange(theta.size) if indices is None else np.asarray(indices)
    for done, i in enumerate(idx, 1):
        if interrupt is not None and interrupt():
            raise Interrupted("gradient check cancelled")
        old = theta[i]
        theta[i] = old + epsilon
        plus = _scalar(J, theta)
        theta[i] = old - epsilon
        minus = _scalar(J, theta)
        theta[i] = old
        grad[i] = (plus - minus) / (2.0 * epsilon)
        if progress is not None:
            progress(done, len(idx))
    return grad


@dataclass(frozen=True)
class GradCheckResult:
    """Outcome of a gradient check; ``passed`` is ``relative_difference < threshold``."""

    relative_difference: float
    max_abs_error: dict = field(default_factory=dict)
    n_checked: int = 0
    n_params: int = 0
    n_examples: int = 0
    mode: str = "full"
    threshold: float = THRESHOLD

    @property
    def passed(self):
        return bool(np.isfinite(self.relative_difference)
                    and self.relative_difference < self.threshold)

    def summary(self):
        verdict = "PASS" if self.passed else "FAIL"
        blocks = ", ".join(f"{k} {v:.1e}" for k, v in self.max_abs_error.items())
        return (f"{verdict}: relative difference {self.relative_difference:.3e} "
                f"(threshold {self.threshold:.0e}); max |error| {blocks}; "
                f"{self.n_checked} of {self.n_params} coordinates on {self.n_examples} examples")


def check(J, theta, blocks, indices=None, epsilon=1e-4, interrupt=None, progress=None,
          mode="full", n_examples=0):
    """Compare ``J``'s analytic gradient with the numerical one on ``indices`` (all by default).

    ``blocks`` maps a block name to a slice of ``theta`` (e.g. W1, W2, b1, b2) for the per-block
    maximum absolute error.
    """
    theta = np.asarray(theta, dtype=np.float64)
    _, analytic = J(theta)
    idx = np.arange(theta.size) if indices is None else np.sort(np.asarray(indices))
    numeric = compute_numerical_gradient(J, theta, epsilon, idx, interrupt, progress)[idx]
    analytic = np.asarray(analytic, dtype=np.float64)[idx]
    denom = np.linalg.norm(numeric + analytic)
    diff = np.linalg.norm(numeric - analytic)
    rel = 0.0 if diff == 0 else (diff / denom if denom > 0 else float("inf"))
    err = np.abs(numeric - analytic)
    per_block = {}
    for name, sl in blocks.items():
        mask = (idx >= sl.start) & (idx < sl.stop)
        per_block[name] = float(err[mask].max()) if mask.any() else 0.0
    return GradCheckResult(float(rel), per_block, int(idx.size), int(theta.size), n_examples, mode)


def sample_indices(blocks, budget, rng):
    """Up to ``budget`` coordinates spread over every block (each gets a fair share)."""
    sizes = {k: s.stop - s.start for k, s in blocks.items()}
    total = sum(sizes.values())
    if budget >= total:
        return np.arange(total)
    picks = []
    for name, sl in blocks.items():
        k = min(sizes[name], max(10, int(round(budget * sizes[name] / total))))
        picks.append(sl.start + rng.choice(sizes[name], size=k, replace=False))
    return np.sort(np.concatenate(picks))
