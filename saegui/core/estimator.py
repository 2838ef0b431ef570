"""``SparseAutoencoder``: the scikit-learn-style face of the core (fit, transform, save, load)."""
from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from . import gradcheck, io
from ._memory import format_bytes as _format_bytes
from ._memory import memory_budget as _memory_budget
from .model import (Objective, activate, initialize_theta, n_params, unpack,
                    validate_data, validate_hyperparameters)
from .train import OPTIMIZERS, minimize

# Above this many bytes of per-evaluation work buffers, fit() walks the data in chunks.
_MEMORY_BUDGET = 512 * 2**20
# Streaming: the data are read in chunks of about this many bytes of work buffers (the chunk of
# converted data and its hidden activations), at least _MIN_CHUNK rows.
_STREAM_CHUNK_BYTES = 32 * 2**20
_MIN_CHUNK = 4096


class SparseAutoencoder:
    """The notes' sparse autoencoder, trained by L-BFGS, nonlinear CG or gradient descent.

    ``X`` holds one example per row.  After ``fit``: ``W1`` (hidden, visible), ``b1``, ``W2``
    (visible, hidden), ``b2``, ``history_`` (per-iteration cost and its three parts),
    ``n_iter_`` and ``stop_reason_``.  ``input_shape`` (e.g. (8, 8) or (8, 8, 3)) and
    ``preprocessing`` (a dict of arrays) are metadata kept with the model and saved with it.
    """

    def __init__(self, hidden_size=25, lambda_=1e-4, beta=3.0, sparsity=0.01,
                 activation="sigmoid", decoder="sigmoid", optimizer="lbfgs", max_iter=400,
                 learning_rate=0.5, lbfgs_memory=20, dtype=np.float64, random_state=None,
                 chunk_size=None):
        validate_hyperparameters(hidden_size, lambda_, beta, sparsity, activation, decoder)
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
        # The optimiser's settings are checked here too, so a bad one is refused before any data
        # is loaded, not after (minimize() checks them again for direct callers).
        if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
            raise ValueError(f"max_iter must be an integer >= 0, got {max_iter!r}")
        if optimizer == "gd" and not (isinstance(learning_rate, (int, float, np.number))
                                      and np.isfinite(learning_rate) and learning_rate > 0):
            raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")
        if isinstance(lbfgs_memory, bool) or not isinstance(lbfgs_memory, (int, np.integer)) \
                or lbfgs_memory < 1:
            raise ValueError(f"lbfgs_memory must be a positive integer, got {lbfgs_memory!r}")
        self.hidden_size, self.lambda_, self.beta = int(hidden_size), float(lambda_), float(beta)
        self.sparsity, self.activation, self.decoder = float(sparsity), activation, decoder
        self.optimizer, self.max_iter, self.learning_rate = optimizer, int(max_iter), learning_rate
        self.lbfgs_memory, self.dtype = int(lbfgs_memory), np.dtype(dtype)
        self.random_state, self.chunk_size = random_state, chunk_size
        self.W1 = self.b1 = self.W2 = self.b2 = None
        self.history_, self.n_iter_, self.stop_reason_, self.message_ = {}, 0, None, ""
        self.input_shape, self.preprocessing = None, None

    # -- parameters -------------------------------------------------------------------------
    def get_params(self):
        return {k: getattr(self, k) for k in (
            "hidden_size", "lambda_", "beta", "sparsity", "activation", "decoder", "optimizer",
            "max_iter", "learning_rate", "lbfgs_memory", "dtype", "random_state", "chunk_size")}

    @property
    def is_fitted(self):
        return self.W1 is not None

    @property
    def visible_size(self):
        return None if self.W1 is None else self.W1.shape[1]

    def theta(self):
        """The parameters as one flat float64 vector ``[W1, W2, b1, b2]`` (C order)."""
        return np.concatenate([self.W1.ravel(), self.W2.ravel(), self.b1, self.b2]).astype(np.float64)

    def set_theta(self, theta, visible_size):
        W1, b1, W2, b2 = unpack(np.asarray(theta, np.float64), visible_size, self.hidden_size)
        self.W1, self.b1, self.W2, self.b2 = (a.copy() for a in (W1, b1, W2, b2))

    def _chunk(self, X, dtype=None):
        """Rows per chunk for the objective, or None to keep everything in memory.

        In memory the objective holds the hidden activations of every row, (hidden+1) x m, plus
        a copy of the data when it must convert them (sigmoid decoder: x~ = 2x - 1; another
        dtype).  Above ``_MEMORY_BUDGET`` of those, or for a memory-mapped file, it streams the
        data in chunks of ``_STREAM_CHUNK_BYTES``: memory then no longer grows with m."""
        chunk = self.chunk_size
        if chunk is None:
            m, n = X.shape
            item = np.dtype(dtype or self.dtype).itemsize
            copy = self.decoder == "sigmoid" or X.dtype != np.dtype(dtype or self.dtype)
            need = m * ((n if copy else 0) + self.hidden_size + 1) * item
            if _is_memory_mapped(X) or need > _MEMORY_BUDGET:
                rows = _STREAM_CHUNK_BYTES // ((n + self.hidden_size + 1) * item)
                chunk = max(_MIN_CHUNK, int(rows))
                if chunk >= m:
                    chunk = None
        return chunk

    def _objective(self, X, dtype=None):
        X = validate_data(X)
        return Objective(X, self.hidden_size, self.lambda_, self.beta, self.sparsity,
                         self.activation, self.decoder, dtype or self.dtype, self._chunk(X, dtype))

    def _check_memory(self, X, dtype=None, vectors=None, what="train"):
        """Refuse (ValueError) an architecture whose parameters and work buffers would not fit in
        memory, before anything is allocated (an absurd hidden_size must not crash the process)."""
        m, n = X.shape
        h, item = self.hidden_size, np.dtype(dtype or self.dtype).itemsize
        if vectors is None:      # parameter-sized float64 vectors the optimiser keeps
            vectors = {"lbfgs": 2 * self.lbfgs_memory + 10, "cg": 10}.get(self.optimizer, 8)
        chunk = min(m, self._chunk(X, dtype) or m)
        need = (float(n_params(n, h)) * 8 * vectors + 2.0 * h * n * item
                + float(chunk) * (2 * n + 2 * h) * item)
        budget = _memory_budget()
        if need > budget:
            raise ValueError(
                f"hidden_size={h} with {n} inputs would need about {_format_bytes(need)} of memory "
                f"to {what}, more than the {_format_bytes(budget)} available (half of the free RAM; "
                "set SAEGUI_MEMORY_LIMIT to change); use fewer hidden units")

    def _check_fitted(self, X=None):
        if not self.is_fitted:
            raise ValueError("the model is not trained yet: call fit() or load() first")
        if X is not None:
            X = validate_data(X)
            if X.shape[1] != self.visible_size:
                raise ValueError(f"X has {X.shape[1]} inputs per example, the model expects "
                                 f"{self.visible_size}")
            return X

    # -- training ---------------------------------------------------------------------------
    def fit(self, X, callback=None, interrupt=None, warm_start=False):
        """Train on ``X`` (m, n).  ``callback(progress)`` after each iteration (True stops);
        ``interrupt()`` before each function evaluation (True stops at once; may block to
        pause).  Stops and divergence keep the last good parameters; see ``stop_reason_``."""
        X = validate_data(X)
        _check_finite(X)
        self._check_memory(X)
        objective = self._objective(X)
        n = X.shape[1]
        if warm_start and self.is_fitted and self.visible_size == n:
            theta0 = self.theta()
        else:
            theta0 = initialize_theta(self.hidden_size, n, self.random_state)
        # The optimiser alternates small GEMMs with serial work; a second BLAS thread costs more
        # in wake-ups than it gains (measured: 400 L-BFGS iterations 13.6 s -> 5.4 s at 64-25).
        # Overflow on the way to divergence is expected and handled (a non-finite cost stops the
        # run and keeps the last finite parameters): no RuntimeWarnings on the console for it.
        with threadpool_limits(limits=1, user_api="blas"), \
                np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = minimize(objective, theta0, self.optimizer, self.max_iter, callback,
                              interrupt, self.lbfgs_memory, self.learning_rate)
        self.set_theta(result.theta, n)
        self.history_, self.n_iter_ = result.history, result.n_iter
        self.stop_reason_, self.message_ = result.stop_reason, result.message
        return self

    # -- using a trained model --------------------------------------------------------------
    def transform(self, X):
        """Hidden activations a2 (m, hidden) of the examples in ``X``."""
        X = self._check_fitted(X)
        z = np.asarray(X, np.float64) @ self.W1.T + self.b1
        return activate(self.activation, z, out=z)

    def reconstruct(self, X):
        """The network's output h(x) (m, n) for the examples in ``X``."""
        a2 = self.transform(X)
        z = a2 @ self.W2.T + self.b2
        return activate(self.decoder, z, out=z)

    def filters(self):
        """The notes' norm-bounded maximal inputs x = W1_i / ||W1_i||, one row per hidden unit."""
        self._check_fitted()
        from .mosaic import unit_norm_rows
        return unit_norm_rows(self.W1)

    def rho_hat(self, X):
        """Mean activation of each hidden unit over ``X``, in (0, 1) (tanh mapped by (a+1)/2)."""
        self._check_fitted(X)
        return self._objective(X, np.float64).hidden_mean(self.theta())

    def cost_parts(self, X):
        """The cost on ``X`` at the current parameters, and its three parts."""
        X = self._check_fitted(X)
        objective = self._objective(X, np.float64)
        objective(self.theta())
        return dict(objective.parts)

    def check_gradient(self, X, mode="fast", max_examples=100, max_coords=300, epsilon=1e-4,
                       interrupt=None, progress=None):
        """Compare backpropagation with central differences (always in float64).

        ``mode="full"`` checks every parameter on all of ``X``.  ``mode="fast"`` checks the same
        objective on a random subset of at most ``max_examples`` examples and at most
        ``max_coords`` coordinates spread over W1, W2, b1 and b2 (every block gets some), so it
        finishes in seconds on any architecture; the relative difference is then measured on
        those coordinates.  The check runs at the trained parameters if there are any, else at a
        fresh initialisation.  ``interrupt()`` returning True raises ``gradcheck.Interrupted``.
        """
        if mode not in ("fast", "full"):
            raise ValueError(f"mode must be 'fast' or 'full', got {mode!r}")
        X = validate_data(X)
        _check_finite(X)
        self._check_memory(X[:max_examples] if mode == "fast" else X, np.float64, 6,
                           "check the gradient")
        n = X.shape[1]
        rng = np.random.default_rng(self.random_state)
        if self.is_fitted and self.visible_size == n:
            theta = self.theta()
        else:
            theta = initialize_theta(self.hidden_size, n, rng)
        if mode == "fast" and X.shape[0] > max_examples:
            X = X[np.sort(rng.choice(X.shape[0], max_examples, replace=False))]
        objective = self._objective(np.asarray(X, np.float64), np.float64)
        h, hv = self.hidden_size, self.hidden_size * n
        blocks = {"W1": slice(0, hv), "W2": slice(hv, 2 * hv), "b1": slice(2 * hv, 2 * hv + h),
                  "b2": slice(2 * hv + h, n_params(n, h))}
        idx = gradcheck.sample_indices(blocks, max_coords, rng) if mode == "fast" else None
        return gradcheck.check(objective, theta, blocks, idx, epsilon, interrupt, progress,
                               mode, X.shape[0])

    # -- files ------------------------------------------------------------------------------
    def save(self, path):
        """Write a versioned ``.npz`` atomically (temporary file, then rename)."""
        self._check_fitted()
        io.save_model(self, path)

    @classmethod
    def load(cls, path):
        """Read a model written by ``save``; ``ValueError`` naming the file for anything else."""
        hyper, weights, input_shape, history, pre = io.read_model_file(path)
        try:
            model = cls(**hyper)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: invalid hyperparameters in model file ({exc})") from None
        model.W1, model.b1, model.W2, model.b2 = (np.array(w, np.float64) for w in weights)
        model.input_shape = input_shape or None
        model.history_ = history
        model.n_iter_ = len(history.get("iteration", ()))
        model.preprocessing = pre or None
        return model


def _is_memory_mapped(X):
    """True for a memory map or a view of one (``np.asarray`` drops the ``np.memmap`` class)."""
    import mmap
    while X is not None:
        if isinstance(X, (np.memmap, mmap.mmap)):
            return True
        X = getattr(X, "base", None)
    return False


def _check_finite(X, rows=65536):
    """Raise ``ValueError`` if ``X`` holds NaN or inf (checked in blocks: no full-size temporary)."""
    for start in range(0, X.shape[0], rows):
        if not np.isfinite(X[start:start + rows]).all():
            raise ValueError("X contains NaN or infinite values")
