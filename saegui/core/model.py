"""The notes' sparse autoencoder: parameters, forward pass, cost and gradient.

Examples are rows: ``X`` has shape ``(m, n)``.  The network is

    a2 = f(X W1^T + b1)          hidden layer, f = sigmoid (the notes) or tanh
    a3 = g(a2 W2^T + b2)         output layer, g = f (the notes) or identity ("linear decoder")

and the cost is the notes' J_sparse:

    J = 1/(2m) sum ||a3 - x||^2  +  lambda_/2 (sum W1^2 + sum W2^2)  +  beta sum_j KL(rho || rho_hat_j)

Backpropagation follows the notes with their erratum fixed: the sparsity term sits *inside* the
f'(z2) factor,

    delta3 = (a3 - x) * g'(z3)
    delta2 = (delta3 W2 + beta * (-rho/rho_hat + (1-rho)/(1-rho_hat))) * f'(z2)

For tanh a unit is "inactive" near -1 (the notes' footnote), so the KL term uses the mean
activation mapped into (0, 1): rho_hat = (mean(a2) + 1) / 2, which halves its derivative.

``Objective`` evaluates cost and gradient over a flat parameter vector ``theta`` laid out as
``[W1, W2, b1, b2]`` (the exercise's order), either C-ordered (native) or column-major (the
starter code's ``theta``).  It keeps its work buffers between evaluations and can walk the
examples in chunks, with the notes' two passes (rho_hat first, then backpropagation), so memory
stays bounded for any number of examples and the data may be a memory-mapped array.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit

ACTIVATIONS = ("sigmoid", "tanh")
DECODERS = ("sigmoid", "tanh", "linear")
# Keeps rho_hat strictly inside (0, 1) so the KL logs stay finite for dead or saturated units.
_RHO_EPS = 1e-12


def validate_hyperparameters(hidden_size, lambda_, beta, sparsity, activation="sigmoid",
                             decoder="sigmoid"):
    """Raise ``ValueError`` naming the first argument that is out of range."""
    if isinstance(hidden_size, bool) or not isinstance(hidden_size, (int, np.integer)) \
            or hidden_size < 1:
        raise ValueError(f"hidden_size must be a positive integer, got {hidden_size!r}")
    for name, value in (("lambda_", lambda_), ("beta", beta)):
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if not (np.isfinite(sparsity) and 0.0 < sparsity < 1.0):
        raise ValueError(f"sparsity (rho) must lie strictly between 0 and 1, got {sparsity!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {DECODERS}, got {decoder!r}")


def validate_data(X, name="X"):
    """Return ``X`` as a 2-D float array (no copy when possible); raise on bad shape or values."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{name} must be a non-empty 2-D array (examples as rows), got shape {X.shape}")
    if not np.issubdtype(X.dtype, np.number) or np.iscomplexobj(X):
        raise ValueError(f"{name} must hold real numbers, got dtype {X.dtype}")
    return X


def n_params(visible_size, hidden_size):
    return 2 * hidden_size * visible_size + hidden_size + visible_size


def initialize_theta(hidden_size, visible_size, rng=None, order="C"):
    """The exercise's initialisation: W uniform in [-r, r], r = sqrt(6)/sqrt(h+v+1), biases 0."""
    rng = np.random.default_rng(rng)
    r = np.sqrt(6.0) / np.sqrt(hidden_size + visible_size + 1.0)
    theta = np.zeros(n_params(visible_size, hidden_size))
    hv = hidden_size * visible_size
    # Draw in C order, then lay out as asked, so both layouts hold the same W1 and W2.
    W1 = rng.uniform(-r, r, (hidden_size, visible_size))
    W2 = rng.uniform(-r, r, (visible_size, hidden_size))
    theta[:hv] = W1.ravel(order=order)
    theta[hv:2 * hv] = W2.ravel(order=order)
    return theta


def unpack(theta, visible_size, hidden_size, order="C"):
    """Views ``(W1, b1, W2, b2)`` into a flat ``theta`` laid out ``[W1, W2, b1, b2]``."""
    hv = hidden_size * visible_size
    W1 = theta[:hv].reshape((hidden_size, visible_size), order=order)
    W2 = theta[hv:2 * hv].reshape((visible_size, hidden_size), order=order)
    b1 = theta[2 * hv:2 * hv + hidden_size]
    b2 = theta[2 * hv + hidden_size:]
    return W1, b1, W2, b2


def activate(name, z, out=None):
    """f(z) in place when ``out`` is ``z``."""
    if name == "sigmoid":
        return expit(z, out=out)
    if name == "tanh":
        return np.tanh(z, out=out)
    if out is not None and out is not z:
        out[...] = z
        return out
    return z


def kl_terms(rho, rho_hat):
    """KL(rho || rho_hat_j) per unit and its derivative d/d rho_hat (float64, logs kept finite)."""
    r = np.clip(rho_hat.astype(np.float64), _RHO_EPS, 1.0 - _RHO_EPS)
    kl = rho * np.log(rho / r) + (1.0 - rho) * np.log((1.0 - rho) / (1.0 - r))
    dkl = -rho / r + (1.0 - rho) / (1.0 - r)
    return kl, dkl


class Objective:
    """Cost and gradient of the sparse autoencoder on fixed data, with reusable buffers.

    ``objective(theta) -> (cost, grad)``; after each call ``parts`` holds the cost split into
    reconstruction, weight decay and sparsity, and ``rho_hat`` the hidden units' mean activation.
    ``chunk_size`` bounds the rows processed at once; when it is smaller than ``m`` the hidden
    activations are recomputed in the second pass instead of stored, so memory does not grow
    with ``m`` (the data itself may be a memory map).
    """

    def __init__(self, X, hidden_size, lambda_=1e-4, beta=3.0, sparsity=0.01,
                 activation="sigmoid", decoder="sigmoid", dtype=np.float64, chunk_size=None,
                 order="C"):
        validate_hyperparameters(hidden_size, lambda_, beta, sparsity, activation, decoder)
        X = validate_data(X)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
        if X.dtype != self.dtype and not isinstance(X, np.memmap):
            X = X.astype(self.dtype)
        self.X = X
        self.m, self.visible_size = X.shape
        self.hidden_size = int(hidden_size)
        self.lambda_, self.beta, self.sparsity = float(lambda_), float(beta), float(sparsity)
        self.activation, self.decoder, self.order = activation, decoder, order
        if chunk_size is None or chunk_size >= self.m:
            chunk_size = self.m
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size!r}")
        self.chunk_size = int(chunk_size)
        self.streaming = self.chunk_size < self.m
        self.n_params = n_params(self.visible_size, self.hidden_size)
        # Buffers, allocated once.  When everything fits in one chunk the hidden activations of
        # the first pass are kept for the second; otherwise only a chunk's worth is kept.
        c, n, h = self.chunk_size, self.visible_size, self.hidden_size
        bo = "F" if (X.flags.f_contiguous and not X.flags.c_contiguous and not self.streaming) else "C"
        self._A2 = np.empty((c, h), self.dtype, order=bo)
        self._D2 = np.empty((c, h), self.dtype, order=bo)
        self._A3 = np.empty((c, n), self.dtype, order=bo)
        self._E = np.empty((c, n), self.dtype, order=bo)
        self._Xc = None if not self.streaming or X.dtype == self.dtype else np.empty((c, n), self.dtype)
        self.parts = None
        self.rho_hat = None
        self.n_evals = 0

    # -- helpers ----------------------------------------------------------------------------
    def unpack(self, theta):
        return unpack(theta, self.visible_size, self.hidden_size, self.order)

    def _params(self, theta):
        theta = np.asarray(theta)
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},), got {theta.shape}")
        if theta.dtype != self.dtype:
            theta = theta.astype(self.dtype)
        return self.unpack(theta)

    def _chunks(self):
        for start in range(0, self.m, self.chunk_size):
            stop = min(start + self.chunk_size, self.m)
            X = self.X[start:stop]
            if self._Xc is not None:
                Xc = self._Xc[:stop - start]
                Xc[...] = X
                X = Xc
            yield X

    def _hidden(self, X, W1, b1, out):
        np.matmul(X, W1.T, out=out)
        out += b1
        return activate(self.activation, out, out=out)

    # -- the evaluation ---------------------------------------------------------------------
    def hidden_mean(self, theta):
        """rho_hat in (0, 1) for the KL term (float64); the first of the notes' two passes."""
        W1, b1, _, _ = self._params(theta)
        total = np.zeros(self.hidden_size)
        for X in self._chunks():
            A2 = self._hidden(X, W1, b1, self._A2[:len(X)])
            total += A2.sum(axis=0, dtype=np.float64)
        mean = total / self.m
        return (mean + 1.0) / 2.0 if self.activation == "tanh" else mean

    def __call__(self, theta):
        W1, b1, W2, b2 = self._params(theta)
        m = self.m
        self.n_evals += 1
        if self.streaming:
            rho_hat = self.hidden_mean(theta)
        else:
            A2 = self._hidden(self.X, W1, b1, self._A2)
            mean = A2.sum(axis=0, dtype=np.float64) / m
            rho_hat = (mean + 1.0) / 2.0 if self.activation == "tanh" else mean
        kl, dkl = kl_terms(self.sparsity, rho_hat)
        # d(beta * KL)/d a2 for one example, times m (the 1/m of rho_hat is applied with the rest).
        sparse_grad = (self.beta * dkl * (0.5 if self.activation == "tanh" else 1.0)).astype(self.dtype)

        gW1 = np.zeros(W1.shape, np.float64)
        gW2 = np.zeros(W2.shape, np.float64)
        gb1 = np.zeros(self.hidden_size, np.float64)
        gb2 = np.zeros(self.visible_size, np.float64)
        sq = 0.0
        for X in self._chunks():
            k = len(X)
            A2 = self._A2[:k] if not self.streaming else self._hidden(X, W1, b1, self._A2[:k])
            A3, E, D2 = self._A3[:k], self._E[:k], self._D2[:k]
            np.matmul(A2, W2.T, out=A3)
            A3 += b2
            activate(self.decoder, A3, out=A3)
            np.subtract(A3, X, out=E)                      # E = a3 - x
            sq += float(np.vdot(E, E)) if E.flags.contiguous else float(np.sum(E * E))
            if self.decoder == "sigmoid":                  # delta3 = E * a3 (1 - a3)
                E *= A3
                A3 -= 1.0
                E *= A3
                np.negative(E, out=E)
            elif self.decoder == "tanh":                   # delta3 = E * (1 - a3^2)
                A3 *= A3
                np.subtract(1.0, A3, out=A3)
                E *= A3
            gW2 += E.T @ A2
            gb2 += E.sum(axis=0, dtype=np.float64)
            np.matmul(E, W2, out=D2)                       # delta3 W2
            D2 += sparse_grad                              # + beta * dKL, inside f'(z2) (erratum)
            if self.activation == "sigmoid":               # delta2 = D2 * a2 (1 - a2)
                D2 *= A2
                D2 -= D2 * A2
            else:                                          # delta2 = D2 * (1 - a2^2)
                D2 -= D2 * A2 * A2
            gW1 += D2.T @ X
            gb1 += D2.sum(axis=0, dtype=np.float64)

        W1d = W1.astype(np.float64, copy=False)
        W2d = W2.astype(np.float64, copy=False)
        lam = self.lambda_
        recon = 0.5 * sq / m
        decay = 0.5 * lam * (float(np.vdot(W1d, W1d)) + float(np.vdot(W2d, W2d)))
        sparsity = self.beta * float(kl.sum())
        cost = recon + decay + sparsity
        gW1 /= m
        gW1 += lam * W1d
        gW2 /= m
        gW2 += lam * W2d
        gb1 /= m
        gb2 /= m

        grad = np.empty(self.n_params)
        gv = unpack(grad, self.visible_size, self.hidden_size, self.order)
        for dst, src in zip(gv, (gW1, gb1, gW2, gb2)):
            dst[...] = src
        self.rho_hat = rho_hat
        self.parts = {"cost": cost, "reconstruction": recon, "weight_decay": decay,
                      "sparsity": sparsity}
        return cost, grad
