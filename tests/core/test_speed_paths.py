"""The fast paths of the core compute the notes' cost and gradient exactly (to rounding).

Correctness only, never timing: the in-memory blocked path against a plain transcription of the
notes, chunked (streaming) against in-memory, memory-mapped training, float32 against float64,
and the memory of the streaming path not growing with the number of examples.
"""
import numpy as np
import pytest

from saegui.core import Objective, SparseAutoencoder, estimator, initialize_theta, unpack

COMBOS = [(a, d) for a in ("sigmoid", "tanh") for d in ("sigmoid", "tanh", "linear")]


def _f(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    return np.tanh(z) if name == "tanh" else z


def _fprime(name, a):
    if name == "sigmoid":
        return a * (1.0 - a)
    return 1.0 - a * a if name == "tanh" else np.ones_like(a)


def reference(X, theta, h, act, dec, lam=1e-4, beta=3.0, rho=0.01):
    """The notes, literally (full arrays, float64), erratum fixed, tanh rho_hat mapped."""
    m, n = X.shape
    W1, b1, W2, b2 = unpack(theta, n, h)
    a2 = _f(act, X @ W1.T + b1)
    a3 = _f(dec, a2 @ W2.T + b2)
    mean = a2.mean(axis=0)
    rh = (mean + 1) / 2 if act == "tanh" else mean
    kl = rho * np.log(rho / rh) + (1 - rho) * np.log((1 - rho) / (1 - rh))
    cost = 0.5 * np.sum((a3 - X) ** 2) / m + lam / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2)) \
        + beta * kl.sum()
    d3 = (a3 - X) * _fprime(dec, a3)
    sg = beta * (-rho / rh + (1 - rho) / (1 - rh)) * (0.5 if act == "tanh" else 1.0)
    d2 = (d3 @ W2 + sg) * _fprime(act, a2)
    grad = np.concatenate([(d2.T @ X / m + lam * W1).ravel(), (d3.T @ a2 / m + lam * W2).ravel(),
                           d2.mean(axis=0), d3.mean(axis=0)])
    return cost, grad


def _data(m, n, seed=0):
    return np.random.default_rng(seed).uniform(0.05, 0.95, (m, n))


def _theta(h, n, seed=1, order="C"):
    rng = np.random.default_rng(seed)
    return initialize_theta(h, n, seed, order=order) + rng.normal(0, 0.05, 2 * h * n + h + n)


def _close(a, b, tol):
    (ca, ga), (cb, gb) = a, b
    assert abs(ca - cb) <= tol * abs(cb)
    assert np.linalg.norm(ga - gb) <= tol * np.linalg.norm(gb)


@pytest.mark.parametrize("act,dec", COMBOS)
def test_blocked_path_equals_the_notes(act, dec):
    X, h = _data(1300, 20), 7
    theta = _theta(h, 20)
    ref = reference(X, theta, h, act, dec)
    for block in (None, 1, 64, 5000):
        _close(Objective(X, h, activation=act, decoder=dec, block_size=block)(theta), ref, 1e-12)


@pytest.mark.parametrize("act,dec", COMBOS)
def test_chunked_equals_in_memory(act, dec):
    X, h = _data(1000, 16), 5
    theta = _theta(h, 16)
    full = Objective(X, h, activation=act, decoder=dec)
    expected = full(theta)
    for chunk, block in ((1, None), (7, 3), (333, None), (999, 100)):
        obj = Objective(X, h, activation=act, decoder=dec, chunk_size=chunk, block_size=block)
        assert obj.streaming
        _close(obj(theta), expected, 1e-12)
        np.testing.assert_allclose(obj.rho_hat, full.rho_hat, rtol=1e-12)
        for key, value in full.parts.items():
            assert obj.parts[key] == pytest.approx(value, rel=1e-12, abs=1e-15)
        np.testing.assert_allclose(obj.hidden_mean(theta), full.rho_hat, rtol=1e-12)


def test_evaluations_are_repeatable_with_reused_buffers():
    X, h = _data(700, 12), 4
    obj = Objective(X, h, chunk_size=300)
    t1, t2 = _theta(h, 12, 1), _theta(h, 12, 2)
    c1, g1 = obj(t1)
    obj(t2)
    c1b, g1b = obj(t1)
    assert c1 == c1b and np.array_equal(g1, g1b)


def test_column_major_layout_and_fortran_data():
    """The starter code's layout: theta unrolled column-major, data a transposed view."""
    X, h = _data(500, 12), 6
    theta_c = _theta(h, 12)
    W1, b1, W2, b2 = unpack(theta_c, 12, h)
    theta_f = np.concatenate([W1.ravel(order="F"), W2.ravel(order="F"), b1, b2])
    Xf = np.asfortranarray(X)
    for dec in ("sigmoid", "tanh", "linear"):
        cost, grad = Objective(Xf, h, decoder=dec, order="F")(theta_f)
        ref_cost, ref_grad = reference(X, theta_c, h, "sigmoid", dec)
        gW1, gb1, gW2, gb2 = unpack(grad, 12, h, order="F")
        assert cost == pytest.approx(ref_cost, rel=1e-12)
        np.testing.assert_allclose(np.concatenate([gW1.ravel(), gW2.ravel(), gb1, gb2]), ref_grad,
                                   rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.int64])
def test_other_input_dtypes_are_converted(dtype):
    X = (np.random.default_rng(3).uniform(0, 1, (300, 10)) * (200 if dtype != np.float32 else 1))
    X = X.astype(dtype)
    theta = _theta(4, 10)
    ref = reference(X.astype(np.float64), theta, 4, "sigmoid", "linear")
    _close(Objective(X, 4, decoder="linear")(theta), ref, 1e-12)
    _close(Objective(X, 4, decoder="linear", chunk_size=77)(theta), ref, 1e-12)


@pytest.mark.parametrize("act,dec", COMBOS)
def test_float32_matches_float64(act, dec):
    X, h = _data(2000, 30), 8
    theta = _theta(h, 30)
    c64, g64 = Objective(X, h, activation=act, decoder=dec)(theta)
    for chunk in (None, 300):
        c32, g32 = Objective(X, h, activation=act, decoder=dec, dtype=np.float32, chunk_size=chunk)(theta)
        assert g32.dtype == np.float64
        assert c32 == pytest.approx(c64, rel=1e-5)
        assert np.linalg.norm(g32 - g64) <= 1e-4 * np.linalg.norm(g64)


def test_float32_training_reaches_the_float64_cost():
    X = _data(3000, 36, seed=5)
    costs = {}
    for dtype in (np.float64, np.float32):
        model = SparseAutoencoder(hidden_size=9, max_iter=150, dtype=dtype, random_state=0).fit(X)
        costs[dtype] = model.history_["cost"][-1]
    assert costs[np.float32] == pytest.approx(costs[np.float64], rel=0.01)


def test_memmap_training_streams_and_equals_in_memory(tmp_path, monkeypatch):
    X = _data(5000, 25, seed=7)
    path = tmp_path / "patches.npy"
    np.save(path, X)
    mapped = np.load(path, mmap_mode="r")
    # A memory map is streamed automatically once it is larger than one chunk.
    monkeypatch.setattr(estimator, "_STREAM_CHUNK_BYTES", 1000 * (25 + 6 + 1) * 8)
    monkeypatch.setattr(estimator, "_MIN_CHUNK", 64)
    objective = SparseAutoencoder(hidden_size=6)._objective(mapped)
    assert objective.streaming and objective.chunk_size == 1000
    assert not SparseAutoencoder(hidden_size=6)._objective(X).streaming
    in_memory = SparseAutoencoder(hidden_size=6, max_iter=25, random_state=0).fit(X)
    streamed = SparseAutoencoder(hidden_size=6, max_iter=25, random_state=0).fit(mapped)
    assert streamed.n_iter_ == in_memory.n_iter_ == 25
    np.testing.assert_allclose(streamed.history_["cost"], in_memory.history_["cost"], rtol=1e-9)
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(getattr(streamed, name), getattr(in_memory, name),
                                   rtol=1e-6, atol=1e-9)


def test_large_data_streams_automatically(monkeypatch):
    X = _data(3000, 20)
    monkeypatch.setattr(estimator, "_MEMORY_BUDGET", 3000 * 10 * 8)
    monkeypatch.setattr(estimator, "_STREAM_CHUNK_BYTES", 700 * (20 + 5 + 1) * 8)
    monkeypatch.setattr(estimator, "_MIN_CHUNK", 64)
    model = SparseAutoencoder(hidden_size=5, max_iter=5, random_state=0)
    assert model._objective(X).chunk_size == 700
    assert SparseAutoencoder(hidden_size=5, chunk_size=123)._objective(X).chunk_size == 123
    streamed = model.fit(X)
    monkeypatch.setattr(estimator, "_MEMORY_BUDGET", 2**40)
    assert not model._objective(X).streaming
    in_memory = SparseAutoencoder(hidden_size=5, max_iter=5, random_state=0).fit(X)
    np.testing.assert_allclose(streamed.history_["cost"], in_memory.history_["cost"], rtol=1e-9)


def test_memmap_float32_file_trains_in_float64(tmp_path):
    X = _data(2000, 16, seed=8).astype(np.float32)
    path = tmp_path / "p32.npy"
    np.save(path, X)
    mapped = np.load(path, mmap_mode="r")
    a = SparseAutoencoder(hidden_size=4, max_iter=10, random_state=0).fit(mapped)
    b = SparseAutoencoder(hidden_size=4, max_iter=10, random_state=0).fit(X.astype(np.float64))
    np.testing.assert_allclose(a.history_["cost"], b.history_["cost"], rtol=1e-9)


def test_streaming_buffers_do_not_grow_with_m():
    n, h = 64, 25

    def buffers(m):
        X = np.lib.stride_tricks.as_strided(np.zeros(n), (m, n), (0, 8))   # m rows, no memory
        obj = Objective(X, h, chunk_size=4096)
        return sum(v.nbytes for v in vars(obj).values()
                   if isinstance(v, np.ndarray) and v is not obj.X)

    assert buffers(10**5) == buffers(10**7)
