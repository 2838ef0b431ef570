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


class Interrupted(Exception):
    """Raised inside long core computations when the caller's ``interrupt()`` asks to stop."""


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
# Rows per block: small enough for a block's (rows, visible) intermediates to stay in cache, large enough for efficient products (measured: 512 rows is
# best at both 64-25 and 784-196, float32 and float64; see benchmarks/).
_BLOCK_ROWS = 512
_BLOCK_MAX_BYTES = 8 * 2**20
# The bias unit's pre-activation: tanh of it is exactly 1.0 in float32 and float64.
_BIAS_UNIT = 64.0


def _aligned(shape, dtype, skew=0):
    """An uninitialised C-ordered array starting on a 64-byte boundary (a cache line, an
    AVX-512 vector); numpy's own allocations here start 16 bytes off, which costs the vectorised
    loops 5-12 %.  ``skew`` cache lines past a 4096-byte boundary: buffers used together in one
    loop get different skews, so their elements i are not 4 KiB apart (4K aliasing)."""
    dtype = np.dtype(dtype)
    size = int(np.prod(shape)) * dtype.itemsize
    raw = np.empty(size + 8192, np.uint8)
    start = (-raw.ctypes.data % 4096) + 64 * skew
    return raw[start:start + size].view(dtype).reshape(shape)


class Objective:
    """Cost and gradient of the sparse autoencoder on fixed data, with reusable buffers.

    ``objective(theta) -> (cost, grad)``; after each call ``parts`` holds the cost split into
    reconstruction, weight decay and sparsity, and ``rho_hat`` the hidden units' mean activation.
    ``chunk_size`` bounds the rows held at once: when it is smaller than ``m`` the data (which
    may be a memory map) are read and converted chunk by chunk and nothing of size ``m`` is
    kept, so memory does not grow with ``m``.

    How it is fast (same math as the notes, rearranged; see benchmarks/):

    * In memory, the notes' two passes: the hidden activations of all rows first (rho_hat),
      then the output layer and backpropagation.  Streaming, one pass: the sparsity term s =
      beta dKL/d rho_hat sits inside delta2 = (delta3 W2 + s) * f'(z2) but enters linearly, so
      sum_i delta2_i x_i^T = sum_i (delta3 W2 * f')_i x_i^T + diag(s) sum_i f'(z2)_i x_i^T;
      both sums are accumulated in the same pass (one stacked product) and s is applied at the
      end, when rho_hat is known.  Streamed data are then read and converted once per
      evaluation, not twice, and the hidden layer is not recomputed (measured 20-25 % faster
      than two streamed passes; in memory the two passes are faster: no extra product).
    * Both activations are written in tanh form, f(z) = alpha tanh(gamma z) + shift (the sigmoid
      is 0.5 tanh(z/2) + 0.5).  The work arrays hold t = tanh(gamma z); alpha, gamma and shift
      are folded into small copies of the weights and biases, so the big arrays see no scaling
      passes, f'(z) = alpha gamma (1 - t^2) takes two passes, and numpy's vectorised tanh
      replaces the much slower ``scipy.special.expit``.
    * For a sigmoid decoder the data are kept as x~ = (x - 0.5) / 0.5 in the compute dtype
      (made once, or per chunk when streaming), so the error a3 - x = 0.5 (t3 - x~) is one
      subtraction; products with x~ are mapped back exactly (x = 0.5 x~ + 0.5).
    * Rows are processed in blocks (``block_size``, 512) small enough for a block's
      intermediates to stay in cache; rows stay rows in every product.  The hidden layer has
      one more unit, the notes' +1 bias unit (zero weights, a bias whose tanh is exactly 1),
      so the output bias rides in the decoder's product and its gradient in the W2
      gradient's product.  Sums over examples are matrix-vector products; the gradient sums
      are accumulated in float64 across blocks.
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
        self.block_size = s = int(min(block_size, c))
        # The data as the evaluation uses them: x~ = (x - shift) / alpha of the decoder, in dtype.
        _, _, shift = _TANH_FORM[decoder]
        self._x_shift = shift
        self._x_scale = 1.0 / _TANH_FORM[decoder][0]
        same = (shift == 0.0 and X.dtype == self.dtype)
        self.X = X
        self._Xt = self._Xc = None
        if self.streaming:
            self._Xc = None if same else _aligned((c, n), self.dtype, 13)
        elif same:
            self._Xt = X
        else:
            self._Xt = _aligned((self.m, n), self.dtype, 13)
            for start in range(0, self.m, 65536):
                self._prepare(X[start:start + 65536], self._Xt[start:start + 65536])
        # Rows stay rows in every product: the (rows, hidden) output of the hidden layer's product
        # took 30 % less time than its transpose.  The hidden layer has one more unit, the notes'
        # "+1" bias unit, computed like the others with zero weights and a bias whose tanh is
        # exactly 1: the output bias then rides in the decoder's product and its gradient in the
        # W2 gradient's product, with no extra pass.  Its column of R is kept at zero.
        # _T2[i]: t2 = tanh(gamma z2) of block i, (rows, hidden + 1); every block in memory (two
        # passes), one when streaming.  _S[0]: delta3 W2, then R = -delta2 / (alpha gamma);
        # streaming, _S[1]: D = t2^2 - 1.  The hidden bias and the sparsity term are repeated per
        # row: adding a same-shaped array runs 2-3x faster than broadcasting a row.
        nb = 1 if self.streaming else -(-c // s)
        h1 = h + 1
        self._T2 = _aligned((nb, s, h1), self.dtype, 3)
        self._S = _aligned((2 if self.streaming else 1, s, h1), self.dtype, 5)
        self._B1 = _aligned((s, h1), self.dtype, 9)        # hidden bias per row; the bias unit's
        self._B1[:, h] = _BIAS_UNIT                        # tanh(_BIAS_UNIT) == 1 exactly
        self._SG = np.zeros((s, h1), self.dtype)           # sparsity term per row (0: bias unit)
        self._W1fT = np.zeros((n, h1), self.dtype)         # folded weights (0: bias unit)
        self._W2fT = np.empty((h1, n), self.dtype)         # folded weights, last row the bias
        self._W2b = np.zeros((n, h1), self.dtype)          # delta3 W2 (0: bias unit)
        self._T3 = _aligned((s, n), self.dtype, 7)
        self._E = _aligned((s, n), self.dtype, 11)
        self._ones = np.ones(s, self.dtype)
        self._views = {}    # (block, rows) -> that block's views of the buffers, made once
        self._plan = None   # in memory: (rows, views) of every block
        self._gW1_b = np.empty((len(self._S), h1, n), self.dtype)
        self._gW2_b = np.empty((h1, n), self.dtype)      # transposed: t2^T P ran 11-26 % faster
        self.parts = None
        self.rho_hat = None
        self.n_evals = 0
        # Optional ``poll() -> bool`` called before every block of rows: True raises Interrupted,
        # and a poll that blocks pauses the evaluation where it is.  On large data one
        # evaluation takes long (0.3 s at 10000 x 784-196); this keeps stop and pause prompt.
        self.poll = None

    # -- helpers ----------------------------------------------------------------------------
    def unpack(self, theta):
        return unpack(theta, self.visible_size, self.hidden_size, self.order)

    def refresh_data(self):
        """Re-read the data after a change in place (in memory, the converted copy is remade)."""
        if not self.streaming and self._Xt is not self.X:
            for start in range(0, self.m, 65536):
                self._prepare(self.X[start:start + 65536], self._Xt[start:start + 65536])

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

    def _blocks(self):
        """(x~ rows, that block's views) block by block; when streaming, chunks are converted
        into ``_Xc`` first and every block uses the one block buffer."""
        s, poll = self.block_size, self.poll
        if not self.streaming:
            if self._plan is None:     # rows and views of every block, made once
                self._plan = [(self._Xt[b:b + s], self._block(i, min(s, self.m - b)))
                              for i, b in enumerate(range(0, self.m, s))]
            for block in self._plan:
                if poll is not None and poll():
                    raise Interrupted("evaluation interrupted")
                yield block
            return
        for start in range(0, self.m, self.chunk_size):
            X = self.X[start:start + self.chunk_size]
            if self._Xc is not None:
                X = self._prepare(X, self._Xc[:len(X)])
            for b in range(0, len(X), s):
                if poll is not None and poll():
                    raise Interrupted("evaluation interrupted")
                Xb = X[b:b + s]
                yield Xb, self._block(0, len(Xb))

    def _folded(self, W1, b1, W2, b2):
        """Weights with the tanh-form constants folded in, into the (visible, hidden + 1) and
        (hidden + 1, visible) buffers of the row-major products and the hidden bias's rows."""
        ah, gh, sh = _TANH_FORM[self.activation]
        ad, gd, sd = _TANH_FORM[self.decoder]
        h = self.hidden_size
        # gamma_h z2 = x~ (gamma_h alpha_d W1)^T + gamma_h (b1 + shift_d W1 1)
        self._W1fT[:, :h] = (gh * ad * W1).T
        self._B1[:, :h] = gh * (b1 + sd * W1.sum(axis=1))
        # gamma_d z3 = t2 (gamma_d alpha_h W2)^T + gamma_d (b2 + shift_h W2 1)
        self._W2fT[:h] = (gd * ah * W2).T
        self._W2fT[h] = gd * (b2 + sh * W2.sum(axis=1))
        return self._W1fT, self._W2fT

    def _block(self, i, k):
        """The views block ``i`` of ``k`` rows works on: (t2, t2^T, t3, error, S, S^T, ones,
        sparsity term, hidden bias, R, R^T).  Made once and kept: slicing them anew costs
        more than the Python work of a small block's arithmetic."""
        v = self._views.get((i, k))
        if v is None:
            T2, S = self._T2[i, :k], self._S[:, :k]
            v = self._views[(i, k)] = (T2, T2.T, self._T3[:k], self._E[:k], S, S.transpose(0, 2, 1),
                                       self._ones[:k], self._SG[:k], self._B1[:k], S[0], S[0].T)
        return v

    def _hidden_t(self, Xb, W1fT, v):
        """t2 = tanh(gamma_h z2) of the block ``Xb`` (rows of x~) into its view of ``_T2``;
        ``v`` is the block's views (``_block``)."""
        out = v[0]
        np.matmul(Xb, W1fT, out=out)
        out += v[8]
        np.tanh(out, out=out)
        return out

    def _hidden_sum(self, W1fT):
        """t2 of every block (kept in ``_T2`` when in memory) and its sum over the rows (float64,
        hidden + 1 values: the last is the bias unit's), summed block by block while the block is
        in cache (one product over all blocks afterwards was 2 % slower in float64)."""
        t_sum = np.zeros(self.hidden_size + 1)
        for Xb, v in self._blocks():
            t_sum += v[6] @ self._hidden_t(Xb, W1fT, v)
        return t_sum

    def _rho_from_t(self, t_sum):
        ah, _, sh = _TANH_FORM[self.activation]
        mean = ah * (t_sum / self.m) + sh                 # mean activation a2
        return (mean + 1.0) / 2.0 if self.activation == "tanh" else mean

    # -- the evaluation ---------------------------------------------------------------------
    def hidden_mean(self, theta):
        """rho_hat in (0, 1) for the KL term (float64): the hidden units' mean activation."""
        W1fT, _ = self._folded(*self._params(theta))
        return self._rho_from_t(self._hidden_sum(W1fT)[:-1])

    def __call__(self, theta):
        W1, b1, W2, b2 = self._params(theta)
        m, n, h = self.m, self.visible_size, self.hidden_size
        self.n_evals += 1
        W1fT, W2fT = self._folded(W1, b1, W2, b2)
        ah, gh, sh = _TANH_FORM[self.activation]
        ad, gd, sd = _TANH_FORM[self.decoder]
        linear = self.decoder == "linear"
        # delta3 = c3 * P with P = (t3 - x~) * (t3^2 - 1)   (linear decoder: P = a3 - x, c3 = 1)
        c3 = 1.0 if linear else -ad * ad * gd
        W2b = self._W2b                                    # delta3 W2 = P W2b
        W2b[:, :h] = c3 * W2

        sparse = self.beta * (0.5 if self.activation == "tanh" else 1.0)  # s = sparse * dKL
        L, h1 = len(self._S), h + 1
        G2 = np.zeros((h1, n))         # [sum t2^T P ; sum P]
        G1 = np.zeros((L, h1, n))      # sum R^T x~  (streaming: and sum D^T x~)
        sums = np.zeros((L, h1))       # sum R       (streaming: and sum D)
        sq = 0.0
        gW1_b, gW2_b = self._gW1_b, self._gW2_b
        gW1_r = gW1_b[0]
        if self.streaming:
            t_sum = np.zeros(h1)       # summed in the one pass below
        else:
            # Pass 1: t2 of every row, and rho_hat.
            t_sum = self._hidden_sum(W1fT)
            rho_hat = self._rho_from_t(t_sum[:h])
            kl, dkl = kl_terms(self.sparsity, rho_hat)
            self._SG[:, :h] = sparse * dkl
        # Pass 2 (streaming: the only pass): output layer and backpropagation, block by block.
        for Xb, v in self._blocks():
            T2, T2T, T3, E, S, ST, ones, s_rows, _, R, RT = v
            if self.streaming:
                t_sum += ones @ self._hidden_t(Xb, W1fT, v)
            np.matmul(T2, W2fT, out=T3)                    # gamma_d z3, bias included
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
            np.matmul(T2T, E, out=gW2_b)                   # [t2^T P ; 1^T P]
            G2 += gW2_b
            np.matmul(E, W2b, out=R)                       # delta3 W2
            if self.streaming:
                D = S[1]
                np.multiply(T2, T2, out=D)
                D -= 1.0                                   # t2^2 - 1
                R *= D                                     # the sparsity term comes at the end
                np.matmul(ST, Xb, out=gW1_b)               # [R^T x~ ; D^T x~]
            else:
                R += s_rows                                # + beta dKL, inside f'(z2) (erratum)
                T2 *= T2                                   # (t2 is not needed after this block)
                T2 -= 1.0
                R *= T2                                    # R = -delta2 / (alpha_h gamma_h)
                np.matmul(RT, Xb, out=gW1_r)
            G1 += gW1_b
            sums += ones @ S

        if self.streaming:
            rho_hat = self._rho_from_t(t_sum[:h])
            kl, dkl = kl_terms(self.sparsity, rho_hat)
            # delta2 = -alpha_h gamma_h (R + s D): the sparsity term (inside f'(z2), the
            # erratum), applied now that rho_hat is known.
            s_vec = sparse * dkl
            G1[0, :h] += s_vec[:, None] * G1[1, :h]
            sums[0, :h] += s_vec * sums[1, :h]
        r_sum = sums[0, :h]
        G1 = G1[0, :h]
        p_sum = G2[h]
        G2 = G2[:h].T

        lam = self.lambda_
        recon = 0.5 * (1.0 if linear else ad * ad) * sq / m
        decay = 0.5 * lam * (float(np.vdot(W1, W1)) + float(np.vdot(W2, W2)))
        sparsity = self.beta * float(kl.sum())
        cost = recon + decay + sparsity
        # gW2 = delta3^T a2 / m with a2 = alpha_h t2 + shift_h ; gb2 = sum delta3 / m
        gb2 = (c3 / m) * p_sum
        gW2 = (c3 * ah / m) * G2
        if sh:
            gW2 += sh * gb2[:, None]
        gW2 += lam * W2
        # delta2 = -alpha_h gamma_h R ; gW1 = delta2^T x / m with x = alpha_d x~ + shift_d
        k2 = -ah * gh / m
        gb1 = k2 * r_sum
        gW1 = (k2 * ad) * G1
        if sd:
            gW1 += sd * gb1[:, None]
        gW1 += lam * W1

        grad = np.empty(self.n_params)
        gv = unpack(grad, n, h, self.order)
        for dst, src in zip(gv, (gW1, gb1, gW2, gb2)):
            dst[...] = src
        self.rho_hat = rho_hat
        self.parts = {"cost": cost, "reconstruction": recon, "weight_decay": decay,
                      "sparsity": sparsity}
        return cost, grad
