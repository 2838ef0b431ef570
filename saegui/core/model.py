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


# Tanh form of the activations: f(z) = alpha * tanh(gamma * z) + shift, so f'(z) = alpha*gamma*(1 - t^2)
# with t = tanh(gamma * z).  The sigmoid is 0.5 * tanh(z / 2) + 0.5.
_TANH_FORM = {"sigmoid": (0.5, 0.5, 0.5), "tanh": (1.0, 1.0, 0.0), "linear": (1.0, 1.0, 0.0)}
# Rows per block of the output-layer work: small enough for the block's (rows, visible)
# intermediates to stay in cache, large enough for efficient products (measured: 512 rows is
# best at both 64-25 and 784-196, float32 and float64; see benchmarks/).
_BLOCK_ROWS = 512
_BLOCK_MAX_BYTES = 8 * 2**20


class Objective:
    """Cost and gradient of the sparse autoencoder on fixed data, with reusable buffers.

    ``objective(theta) -> (cost, grad)``; after each call ``parts`` holds the cost split into
    reconstruction, weight decay and sparsity, and ``rho_hat`` the hidden units' mean activation.
    ``chunk_size`` bounds the rows held at once; when it is smaller than ``m`` the hidden
    activations are recomputed in the second pass instead of stored, so memory does not grow
    with ``m`` (the data itself may be a memory map).

    How it is fast (same math as the notes, rearranged; see benchmarks/):

    * Both activations are written in tanh form, f(z) = alpha tanh(gamma z) + shift (the sigmoid
      is 0.5 tanh(z/2) + 0.5).  The work arrays hold t = tanh(gamma z) and the constants
      alpha, gamma and shift are folded into small copies of the weights and biases, so the
      big arrays see no scaling passes, f'(z) = alpha gamma (1 - t^2) needs two passes, and
      numpy's vectorised tanh replaces the much slower ``scipy.special.expit``.
    * For a sigmoid decoder the data are kept as x~ = (x - 0.5) / 0.5 (in the compute dtype,
      made once), so the error a3 - x = 0.5 (t3 - x~) is one subtraction.  Gradients with
      respect to W1 come out of x~ and are mapped back exactly (x = 0.5 x~ + 0.5).
    * The output-layer work (the (rows, visible) arrays) runs in blocks of rows small enough to
      stay in cache; the hidden activations of all rows are kept (the notes need rho_hat before
      backpropagation) unless ``chunk_size`` asks for streaming.
    * Sums over examples (bias gradients, rho_hat) are matrix-vector products; the per-block
      gradient products are accumulated in float64.
    """

    def __init__(self, X, hidden_size, lambda_=1e-4, beta=3.0, sparsity=0.01,
                 activation="sigmoid", decoder="sigmoid", dtype=np.float64, chunk_size=None,
                 order="C", block_size=None):
        validate_hyperparameters(hidden_size, lambda_, beta, sparsity, activation, decoder)
        X = validate_data(X)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
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
        c, n, h = self.chunk_size, self.visible_size, self.hidden_size
        if block_size is None:
            block_size = max(64, min(_BLOCK_ROWS, _BLOCK_MAX_BYTES // (n * self.dtype.itemsize)))
        if block_size < 1:
            raise ValueError(f"block_size must be >= 1, got {block_size!r}")
        self.block_size = int(min(block_size, c))
        # The data as the evaluation uses them: x~ = (x - shift) / alpha of the decoder, in dtype.
        _, _, shift = _TANH_FORM[decoder]
        self._x_shift = shift
        self._x_scale = 1.0 / _TANH_FORM[decoder][0]
        same = (shift == 0.0 and X.dtype == self.dtype)
        if self.streaming:
            self.X = X
            self._Xt = None
            self._Xc = None if same else np.empty((c, n), self.dtype)
        else:
            if same:
                self._Xt = X
            else:
                self._Xt = np.empty((self.m, n), self.dtype)
                for start in range(0, self.m, 65536):
                    self._prepare(X[start:start + 65536], self._Xt[start:start + 65536])
            self.X = X
            self._Xc = None
        # Hidden activations (tanh form) of every row, or of one chunk when streaming, stored
        # block by block, each block transposed (hidden units as rows, contiguous) with a last
        # row of ones: the output bias then rides in the decoder's product and its gradient in
        # the W2 gradient's product.
        s = self.block_size
        self._T2 = np.empty((-(-c // s), h + 1, s), self.dtype)
        self._T2[:, h, :] = 1.0
        # Per-block buffers for the output layer.
        self._T3 = np.empty((s, n), self.dtype)
        self._E = np.empty((s, n), self.dtype)
        self._QT = np.empty((h, s), self.dtype)
        self._ones = np.ones(s, self.dtype)
        self._W2aug = np.empty((n, h + 1), self.dtype)
        self._gW1_b = np.empty((h, n), self.dtype)
        self._gW2_b = np.empty((n, h + 1), self.dtype)
        self.parts = None
        self.rho_hat = None
        self.n_evals = 0

    # -- helpers ----------------------------------------------------------------------------
    def unpack(self, theta):
        return unpack(theta, self.visible_size, self.hidden_size, self.order)

    def _prepare(self, X, out):
        """out = (X - shift) * scale in the compute dtype (the same operations on every path)."""
        out[...] = X
        if self._x_shift:
            out -= self._x_shift
            out *= self._x_scale
        return out

    def _params(self, theta):
        theta = np.asarray(theta)
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},), got {theta.shape}")
        return self.unpack(theta.astype(np.float64, copy=False))

    def _chunks(self):
        """(start, x~ rows) for each chunk of the data; one chunk holding all rows in memory."""
        if not self.streaming:
            yield 0, self._Xt
            return
        for start in range(0, self.m, self.chunk_size):
            X = self.X[start:start + self.chunk_size]
            if self._Xc is not None:
                X = self._prepare(X, self._Xc[:len(X)])
            yield start, X

    def _folded(self, W1, b1, W2, b2):
        """Weights with the tanh-form constants folded in (small arrays, in the compute dtype)."""
        ah, gh, sh = _TANH_FORM[self.activation]
        ad, gd, sd = _TANH_FORM[self.decoder]
        dt = self.dtype
        # gamma_h z2 = x~ (gamma_h alpha_d W1)^T + gamma_h (b1 + shift_d W1 1)
        W1f = (gh * ad * W1).astype(dt)
        b1f = (gh * (b1 + sd * W1.sum(axis=1))).astype(dt)
        # gamma_d z3 = t2 (gamma_d alpha_h W2)^T + gamma_d (b2 + shift_h W2 1)
        W2f = (gd * ah * W2).astype(dt)
        b2f = (gd * (b2 + sh * W2.sum(axis=1))).astype(dt)
        return W1f, b1f, W2f, b2f

    def _hidden_t(self, X, W1f, b1f):
        """t2 = tanh(gamma_h z2) of the rows of x~ ``X`` into the blocks of ``_T2``; returns the
        sums over the rows (float64), for rho_hat."""
        h, s = self.hidden_size, self.block_size
        total = np.zeros(h)
        for i, b in enumerate(range(0, len(X), s)):
            Xb = X[b:b + s]
            out = self._T2[i, :h, :len(Xb)]
            np.matmul(W1f, Xb.T, out=out)
            out += b1f[:, None]
            np.tanh(out, out=out)
            total += out @ self._ones[:len(Xb)]
        return total

    def _rho_from_t(self, t_sum):
        ah, _, sh = _TANH_FORM[self.activation]
        mean = ah * (t_sum / self.m) + sh                 # mean activation a2
        return (mean + 1.0) / 2.0 if self.activation == "tanh" else mean

    # -- the evaluation ---------------------------------------------------------------------
    def hidden_mean(self, theta):
        """rho_hat in (0, 1) for the KL term (float64); the first of the notes' two passes."""
        W1f, b1f, _, _ = self._folded(*self._params(theta))
        t_sum = np.zeros(self.hidden_size)
        for _, X in self._chunks():
            t_sum += self._hidden_t(X, W1f, b1f)
        return self._rho_from_t(t_sum)

    def __call__(self, theta):
        W1, b1, W2, b2 = self._params(theta)
        m, n, h = self.m, self.visible_size, self.hidden_size
        self.n_evals += 1
        W1f, b1f, W2f, b2f = self._folded(W1, b1, W2, b2)
        ah, gh, _ = _TANH_FORM[self.activation]
        ad, gd, sd = _TANH_FORM[self.decoder]
        linear = self.decoder == "linear"
        # delta3 = c3 * P with P = (t3 - x~) * (t3^2 - 1)   (linear decoder: P = a3 - x, c3 = 1)
        c3 = 1.0 if linear else -ad * ad * gd
        W2b = (c3 * W2).astype(self.dtype)

        # Pass 1: rho_hat (t2 of all rows kept when in memory).
        if self.streaming:
            rho_hat = self.hidden_mean(theta)
        else:
            rho_hat = self._rho_from_t(self._hidden_t(self._Xt, W1f, b1f))
        kl, dkl = kl_terms(self.sparsity, rho_hat)
        sparse_grad = (self.beta * dkl * (0.5 if self.activation == "tanh" else 1.0)).astype(self.dtype)
        sparse_grad = sparse_grad[:, None]
        W2aug = self._W2aug
        W2aug[:, :h] = W2f
        W2aug[:, h] = b2f

        # Pass 2: output layer and backpropagation, block by block.
        G1 = np.zeros((h, n))          # sum R^T x~
        G2 = np.zeros((n, h + 1))      # [sum P^T t2 | sum P]
        r_sum = np.zeros(h)            # sum R
        sq = 0.0
        s = self.block_size
        gW1_b, gW2_b = self._gW1_b, self._gW2_b
        for _, X in self._chunks():
            if self.streaming:
                self._hidden_t(X, W1f, b1f)
            for i, b in enumerate(range(0, len(X), s)):
                Xb = X[b:b + s]
                k = len(Xb)
                Tb = self._T2[i, :, :k]                        # [t2; 1] of the block, (h+1, k)
                T3, E, QT, ones = self._T3[:k], self._E[:k], self._QT[:, :k], self._ones[:k]
                np.matmul(Tb.T, W2aug.T, out=T3)               # gamma_d z3, bias included
                if linear:
                    np.subtract(T3, Xb, out=E)                 # E = a3 - x = P
                    sq += float(np.vdot(E, E))
                else:
                    np.tanh(T3, out=T3)                        # t3
                    np.subtract(T3, Xb, out=E)                 # t3 - x~ = (a3 - x) / alpha_d
                    sq += float(np.vdot(E, E))
                    T3 *= T3
                    T3 -= 1.0
                    E *= T3                                    # P
                np.matmul(E.T, Tb.T, out=gW2_b)
                G2 += gW2_b
                np.matmul(W2b.T, E.T, out=QT)                  # (delta3 W2)^T
                QT += sparse_grad                              # + beta dKL, inside f'(z2) (erratum)
                Th = Tb[:h]                                    # (t2 is not needed after this block)
                Th *= Th
                Th -= 1.0
                QT *= Th                                       # R^T = -delta2^T / (alpha_h gamma_h)
                np.matmul(QT, Xb, out=gW1_b)
                G1 += gW1_b
                r_sum += QT @ ones
        p_sum = G2[:, h]
        G2 = G2[:, :h]

        lam = self.lambda_
        recon = 0.5 * (1.0 if linear else ad * ad) * sq / m
        decay = 0.5 * lam * (float(np.vdot(W1, W1)) + float(np.vdot(W2, W2)))
        sparsity = self.beta * float(kl.sum())
        cost = recon + decay + sparsity
        # gW2 = delta3^T a2 / m with a2 = alpha_h t2 + shift_h ; gb2 = sum delta3 / m
        _, _, sh = _TANH_FORM[self.activation]
        gb2 = (c3 / m) * p_sum
        gW2 = (c3 * ah / m) * G2
        gW2 += np.outer(gb2, np.full(h, sh)) if sh else 0.0
        gW2 += lam * W2
        # delta2 = -alpha_h gamma_h R ; gW1 = delta2^T x / m with x = alpha_d x~ + shift_d
        k2 = -ah * gh / m
        gb1 = k2 * r_sum
        gW1 = (k2 * ad) * G1
        if sd:
            gW1 += np.outer(gb1, np.full(n, sd))
        gW1 += lam * W1

        grad = np.empty(self.n_params)
        gv = unpack(grad, n, h, self.order)
        for dst, src in zip(gv, (gW1, gb1, gW2, gb2)):
            dst[...] = src
        self.rho_hat = rho_hat
        self.parts = {"cost": cost, "reconstruction": recon, "weight_decay": decay,
                      "sparsity": sparsity}
        return cost, grad
