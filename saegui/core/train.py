"""Optimisers that drive an ``Objective``: L-BFGS and nonlinear CG (scipy), and the notes' batch
gradient descent.

Every optimiser reports each completed iteration to ``callback(progress)`` (return True to stop)
and polls ``interrupt()`` before *every* function evaluation, so a stop is honoured within one
evaluation even in the middle of a line search, and a pause (an ``interrupt`` that blocks) holds
the optimiser where it is.  On a stop, a non-finite cost, or an exception, the result carries the
last parameters that completed an iteration with a finite cost: nothing trained is lost.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from .model import Interrupted, unpack

OPTIMIZERS = ("lbfgs", "cg", "gd")
HISTORY_KEYS = ("iteration", "cost", "reconstruction", "weight_decay", "sparsity", "elapsed")


class _Stop(Exception):
    """Internal: unwinds scipy when the user stops."""


class _Diverged(Exception):
    """Internal: unwinds scipy on a non-finite cost or gradient."""


@dataclass
class Progress:
    """One completed iteration, as given to the callback.

    ``theta`` is the optimiser's live parameter vector: read it now, copy what you keep.
    """

    iteration: int
    max_iter: int
    cost: float
    reconstruction: float
    weight_decay: float
    sparsity: float
    n_evals: int
    elapsed: float
    theta: np.ndarray
    shape: tuple = (0, 0)   # (visible_size, hidden_size)
    order: str = "C"

    def _views(self):
        return unpack(self.theta, self.shape[0], self.shape[1], self.order)

    @property
    def W1(self):
        return self._views()[0]

    @property
    def b1(self):
        return self._views()[1]

    @property
    def W2(self):
        return self._views()[2]

    @property
    def b2(self):
        return self._views()[3]


@dataclass
class TrainResult:
    theta: np.ndarray
    n_iter: int
    stop_reason: str            # "converged", "max_iter", "stopped", "diverged"
    message: str
    history: dict = field(default_factory=dict)


class _Driver:
    """Wraps the objective: polls ``interrupt``, checks finiteness, remembers the last good point."""

    def __init__(self, objective, theta0, max_iter, callback, interrupt):
        self.objective, self.max_iter = objective, max_iter
        self.callback, self.interrupt = callback, interrupt
        self.best = np.array(theta0, dtype=np.float64)
        self.iteration = 0
        self.history = {k: [] for k in HISTORY_KEYS}
        self.t0 = time.perf_counter()
        self._last = None      # (theta copy, parts) of the newest evaluation

    def fun(self, theta):
        if self.interrupt is not None and self.interrupt():
            raise _Stop()
        cost, grad = self.objective(theta)
        if not (np.isfinite(cost) and np.all(np.isfinite(grad))):
            raise _Diverged(f"the cost became non-finite ({cost}) after {self.iteration} iterations")
        self._last = (np.array(theta, dtype=np.float64), dict(self.objective.parts))
        return cost, grad

    def accept(self, theta):
        """Record a completed iteration at ``theta``; True when the caller asked to stop."""
        if self._last is not None and np.array_equal(self._last[0], theta):
            parts = self._last[1]
        else:
            self.fun(theta)
            parts = self._last[1]
        self.iteration += 1
        self.best[...] = theta
        elapsed = time.perf_counter() - self.t0
        row = dict(parts, iteration=self.iteration, elapsed=elapsed)
        for k in HISTORY_KEYS:
            self.history[k].append(float(row[k]))
        if self.callback is None:
            return False
        obj = self.objective
        progress = Progress(self.iteration, self.max_iter, parts["cost"], parts["reconstruction"],
                            parts["weight_decay"], parts["sparsity"], obj.n_evals, elapsed,
                            self.best, (obj.visible_size, obj.hidden_size), obj.order)
        return bool(self.callback(progress))

    def result(self, reason, message):
        history = {k: np.asarray(v, dtype=np.float64) for k, v in self.history.items()}
        return TrainResult(self.best.copy(), self.iteration, reason, message, history)


def _scipy(driver, theta0, method, max_iter, lbfgs_memory):
    def cb(intermediate_result):
        if driver.accept(intermediate_result.x):
            raise _Stop()

    if method == "lbfgs":
        options = {"maxiter": max_iter, "maxfun": 20 * max_iter + 100, "maxcor": lbfgs_memory,
                   "ftol": 1e-15, "gtol": 1e-10}
        res = optimize.minimize(driver.fun, theta0, jac=True, method="L-BFGS-B",
                                callback=cb, options=options)
    else:
        res = optimize.minimize(driver.fun, theta0, jac=True, method="CG", callback=cb,
                                options={"maxiter": max_iter, "gtol": 1e-10})
    if driver.iteration >= max_iter:
        return "max_iter", f"reached {max_iter} iterations"
    return "converged", str(res.message)


def _gradient_descent(driver, theta0, max_iter, learning_rate):
    """The notes' batch update: W := W - alpha (grad J + lambda W), b := b - alpha grad J."""
    theta = np.array(theta0, dtype=np.float64)
    _, grad = driver.fun(theta)
    for _ in range(max_iter):
        theta -= learning_rate * grad
        _, grad = driver.fun(theta)    # the new point's cost is this iteration's history entry
        if driver.accept(theta):
            raise _Stop()
    return "max_iter", f"reached {max_iter} iterations"


def minimize(objective, theta0, method="lbfgs", max_iter=400, callback=None, interrupt=None,
             lbfgs_memory=20, learning_rate=0.5):
    """Train ``objective`` from ``theta0``; return a ``TrainResult`` (never raises for a stop)."""
    if method not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {method!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"max_iter must be an integer >= 0, got {max_iter!r}")
    if method == "gd" and not (np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")
    if method == "lbfgs" and not (isinstance(lbfgs_memory, (int, np.integer)) and lbfgs_memory >= 1):
        raise ValueError(f"lbfgs_memory must be a positive integer, got {lbfgs_memory!r}")
    driver = _Driver(objective, theta0, max_iter, callback, interrupt)
    if max_iter == 0:
        return driver.result("max_iter", "0 iterations requested")
    objective.poll = interrupt        # also polled inside each evaluation, block by block
    try:
        if method == "gd":
            reason, message = _gradient_descent(driver, theta0, max_iter, learning_rate)
        else:
            reason, message = _scipy(driver, np.asarray(theta0, np.float64), method, max_iter,
                                     lbfgs_memory)
    except (_Stop, Interrupted):
        reason, message = "stopped", f"stopped after {driver.iteration} iterations"
    except _Diverged as exc:
        reason, message = "diverged", f"{exc}; kept the last finite parameters"
    finally:
        objective.poll = None
    return driver.result(reason, message)
