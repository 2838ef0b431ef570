"""Issue 6, item 5: property tests (hypothesis).  Example counts are kept modest and the examples
fixed (derandomized) so the folder runs in well under a minute on two cores, the same every time;
``HYPOTHESIS_PROFILE=thorough`` runs 25 times more, freshly drawn."""
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import resilience_corpus as rc
from saegui.core import SparseAutoencoder
from saegui.data import DataError, DataWarning, load_images
from saegui.data.patches import grid_patches, sample_patches

# Local settings (no global profile: other test folders keep theirs).  HYPOTHESIS_PROFILE=thorough
# multiplies the example counts by 25 and draws new random examples on each run.
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"


def props(n):
    return settings(deadline=None, max_examples=n * (25 if THOROUGH else 1), derandomize=not THOROUGH,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


EXTENSIONS = ["png", "jpg", "bmp", "tif", "pgm", "ppm", "gif", "mat", "npy", "npz", "idx3-ubyte",
              "gz", "bin", ""]
_VALID = {}


def _valid(kind):
    if kind not in _VALID:
        _VALID[kind] = rc.valid_bytes(kind)
    return _VALID[kind]


def _check_loader_outcome(path, color):
    try:
        s = load_images(path, color=color)
    except DataError as e:
        msg = str(e)
        assert str(path) in msg and "\n" not in msg, msg
        return
    # Whatever loads is a proper image set.
    assert len(s.images) == len(s.names) >= 1
    for im in s.images:
        assert im.dtype == np.float64 and np.isfinite(im).all()
        assert im.ndim == (3 if color else 2) and min(im.shape[:2]) >= 1


@props(200)
@given(data=st.binary(min_size=0, max_size=600), ext=st.sampled_from(EXTENSIONS),
       color=st.booleans())
def test_arbitrary_bytes_give_data_error_or_images(tmp_path, data, ext, color):
    path = tmp_path / (f"f.{ext}" if ext else "f")
    path.write_bytes(data)
    _check_loader_outcome(path, color)


@st.composite
def mutated_file(draw):
    """A valid file of some type, then truncated, bit-flipped, spliced or with bytes inserted."""
    kind = draw(st.sampled_from(rc.ALL_TYPES))
    data = bytearray(_valid(kind))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "flip", "set", "insert", "delete"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "truncate":
            del data[i:]
        elif op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            data[i] = draw(st.sampled_from([0, 0xFF, 0x7F, 0x80]))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[i:i + draw(st.integers(1, 16))]
    return kind, bytes(data)


@props(400)
@given(case=mutated_file(), color=st.booleans())
def test_mutated_valid_files_give_data_error_or_images(tmp_path, case, color):
    kind, data = case
    path = tmp_path / rc.FILE_NAMES[kind]
    path.write_bytes(data)
    _check_loader_outcome(path, color)


# -- the cost and its gradient -------------------------------------------------------------------------
@props(100)
@given(visible=st.integers(1, 6), hidden=st.integers(1, 5), m=st.integers(1, 8),
       lambda_=st.sampled_from([0.0, 1e-4, 3e-3, 0.1, 1.0, 10.0]),
       beta=st.sampled_from([0.0, 0.5, 3.0, 10.0]),
       rho=st.floats(0.01, 0.99),
       act=st.sampled_from([("sigmoid", "sigmoid"), ("sigmoid", "linear"), ("tanh", "tanh"),
                            ("tanh", "linear"), ("sigmoid", "tanh")]),
       seed=st.integers(0, 2**31 - 1), scale=st.sampled_from([0.1, 1.0, 3.0]))
def test_cost_finite_and_gradient_matches_numerical(visible, hidden, m, lambda_, beta, rho, act,
                                                    seed, scale):
    rng = np.random.default_rng(seed)
    X = rng.random((m, visible)) if act[1] == "sigmoid" else scale * rng.standard_normal((m, visible))
    model = SparseAutoencoder(hidden, lambda_, beta, rho, activation=act[0], decoder=act[1],
                              random_state=seed)
    r = model.check_gradient(X, mode="full")
    assert np.isfinite(r.relative_difference)
    if r.relative_difference >= 1e-7:
        # Near-saturated units make the numerical reference itself unreliable: steep KL terms give
        # central differences a truncation error ~ eps^2, and rho_hat within 1e-9 of 0 or 1 loses
        # digits to cancellation.  Then the analytic gradient must be as close to the numerical
        # one (eps 1e-5) as two numerical ones (eps 1e-4 and 1e-5) are to each other -- a wrong
        # gradient is off by far more than that.
        from saegui.core import compute_numerical_gradient
        from saegui.core.model import initialize_theta
        obj = model._objective(X, np.float64)
        theta0 = initialize_theta(hidden, visible, np.random.default_rng(seed))
        analytic = obj(theta0)[1]
        g4 = compute_numerical_gradient(obj, theta0, 1e-4)
        g5 = compute_numerical_gradient(obj, theta0, 1e-5)
        spread = np.linalg.norm(g4 - g5)
        error = np.linalg.norm(analytic - g5)
        assert error <= max(1e-7 * np.linalg.norm(analytic + g5), 3 * spread), \
            (r.summary(), error, spread)
    theta = rng.normal(0, scale, 2 * hidden * visible + hidden + visible)
    model.set_theta(theta, visible)
    parts = model.cost_parts(X)
    # (KL >= 0 exactly; in floating point a term at rho_hat == rho can round to -1e-28)
    assert all(np.isfinite(v) and v >= -1e-12 for v in parts.values()), parts
    assert np.isclose(parts["cost"], parts["reconstruction"] + parts["weight_decay"]
                      + parts["sparsity"])


@props(60)
@given(visible=st.integers(1, 6), hidden=st.integers(1, 5), m=st.integers(2, 12),
       chunk=st.integers(1, 11), beta=st.sampled_from([0.0, 3.0]), rho=st.floats(0.01, 0.5),
       act=st.sampled_from([("sigmoid", "sigmoid"), ("tanh", "linear"), ("sigmoid", "tanh")]),
       dtype=st.sampled_from([np.float64, np.float32]), seed=st.integers(0, 2**31 - 1))
def test_streamed_evaluation_matches_in_memory(visible, hidden, m, chunk, beta, rho, act, dtype,
                                               seed):
    """The chunked (streaming) evaluation used for big or memory-mapped data gives the in-memory
    cost and gradient, and its gradient matches the numerical one."""
    from saegui.core import Objective
    rng = np.random.default_rng(seed)
    X = rng.random((m, visible))
    theta = rng.normal(0, 0.5, 2 * hidden * visible + hidden + visible)
    args = (X, hidden, 1e-3, beta, rho, act[0], act[1])
    full = Objective(*args, dtype=np.float64)
    streamed = Objective(*args, dtype=np.float64, chunk_size=min(chunk, m - 1))
    c1, g1 = full(theta)
    c2, g2 = streamed(theta)
    assert np.isclose(c1, c2, rtol=1e-12, atol=1e-14) and np.allclose(g1, g2, rtol=1e-10, atol=1e-13)
    assert streamed.parts.keys() == full.parts.keys()
    model = SparseAutoencoder(hidden, 1e-3, beta, rho, act[0], act[1], chunk_size=min(chunk, m - 1),
                              random_state=seed)
    assert model.check_gradient(X, mode="full").relative_difference < 1e-7
    low = Objective(*args, dtype=dtype, chunk_size=min(chunk, m - 1))(theta)
    assert np.isfinite(low[0]) and np.isfinite(low[1]).all()


@props(60)
@given(visible=st.integers(1, 10), hidden=st.integers(1, 6), m=st.integers(1, 30),
       seed=st.integers(0, 2**31 - 1), magnitude=st.sampled_from([1.0, 30.0, 1e3]))
def test_cost_finite_for_saturated_units_float32_and_float64(visible, hidden, m, seed, magnitude):
    """Huge weights saturate the sigmoid (rho_hat at 0 or 1): the KL term stays finite."""
    rng = np.random.default_rng(seed)
    X = rng.random((m, visible))
    for dtype in (np.float32, np.float64):
        model = SparseAutoencoder(hidden, 1e-4, 3.0, 0.01, dtype=dtype, random_state=seed)
        model.set_theta(rng.normal(0, magnitude, 2 * hidden * visible + hidden + visible), visible)
        obj = model._objective(X, dtype)
        cost, grad = obj(model.theta())
        assert np.isfinite(cost) and np.isfinite(grad).all()


# -- patches -------------------------------------------------------------------------------------------
@st.composite
def image_list(draw):
    color = draw(st.booleans())
    n = draw(st.integers(1, 4))
    shapes = [(draw(st.integers(1, 14)), draw(st.integers(1, 14))) for _ in range(n)]
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    # Distinct values everywhere, so a patch identifies its position.
    images, start = [], 0
    for h, w in shapes:
        size = h * w * (3 if color else 1)
        a = (start + rng.permutation(size)).astype(np.float64) / 1e4
        images.append(a.reshape((h, w, 3) if color else (h, w)))
        start += size
    return images


def _windows(images, p):
    found = set()
    for im in images:
        for r in range(im.shape[0] - p + 1):
            for c in range(im.shape[1] - p + 1):
                found.add(im[r:r + p, c:c + p].ravel().tobytes())
    return found


@props(150)
@given(images=image_list(), p=st.integers(1, 15), frac=st.floats(0.0, 1.0),
       seed=st.integers(0, 2**31 - 1), stride=st.integers(1, 5))
def test_sampled_patches_never_cross_a_border(images, p, frac, seed, stride):
    positions = sum(max(0, im.shape[0] - p + 1) * max(0, im.shape[1] - p + 1) for im in images)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        if positions == 0:
            with pytest.raises(DataError):
                sample_patches(images, p, 1, seed=seed)
            with pytest.raises(DataError):
                grid_patches(images, p, stride)
            return
        num = max(1, int(frac * positions))
        X = sample_patches(images, p, num, seed=seed)
        with pytest.raises(DataError):
            sample_patches(images, p, positions + 1, seed=seed)
        G = grid_patches(images, p, stride)
    dim = p * p * (3 if images[0].ndim == 3 else 1)
    assert X.shape == (num, dim) and G.shape[1] == dim
    windows = _windows(images, p)
    rows = [row.tobytes() for row in X]
    assert all(r in windows for r in rows), "a sampled patch is not a window of any image"
    assert len(set(rows)) == num, "a position was drawn twice"
    assert all(row.tobytes() in windows for row in G)


# -- files ---------------------------------------------------------------------------------------------
@props(60)
@given(visible=st.integers(1, 12), hidden=st.integers(1, 8),
       act=st.sampled_from(["sigmoid", "tanh"]), dec=st.sampled_from(["sigmoid", "tanh", "linear"]),
       opt=st.sampled_from(["lbfgs", "cg", "gd"]), dtype=st.sampled_from([np.float32, np.float64]),
       lambda_=st.floats(0, 100, allow_subnormal=True), beta=st.floats(0, 100),
       rho=st.floats(1e-9, 1 - 1e-9), max_iter=st.integers(0, 10**6),
       lr=st.floats(1e-12, 1e6), memory=st.integers(1, 100),
       shape=st.sampled_from([None, "square", "colour"]), n_hist=st.integers(0, 20),
       pre=st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
                           st.sampled_from(["f64", "i8", "str", "bool", "empty", "2d"]),
                           max_size=4),
       seed=st.integers(0, 2**31 - 1))
def test_save_load_round_trips_exactly(tmp_path, visible, hidden, act, dec, opt, dtype, lambda_,
                                       beta, rho, max_iter, lr, memory, shape, n_hist, pre, seed):
    rng = np.random.default_rng(seed)
    m = SparseAutoencoder(hidden, lambda_, beta, rho, act, dec, opt, max_iter, lr, memory, dtype)
    m.set_theta(rng.standard_normal(2 * hidden * visible + hidden + visible) * 10.0 ** rng.integers(-300, 300), visible)
    if shape == "square" and int(np.sqrt(visible)) ** 2 == visible:
        m.input_shape = (int(np.sqrt(visible)),) * 2
    elif shape == "colour" and visible % 3 == 0:
        m.input_shape = (1, visible // 3, 3)
    m.history_ = {k: rng.standard_normal(n_hist) for k in
                  ("iteration", "cost", "reconstruction", "weight_decay", "sparsity", "elapsed")}
    values = {"f64": rng.standard_normal(5), "i8": rng.integers(-128, 127, 7).astype(np.int8),
              "str": np.array("zca é 日本"), "bool": np.array(True), "empty": np.zeros(0),
              "2d": rng.standard_normal((3, 4))}
    m.preprocessing = {k: values[v] for k, v in pre.items()} or None
    path = tmp_path / "m.npz"
    m.save(path)
    r = SparseAutoencoder.load(path)
    assert r.get_params() == {**m.get_params(), "random_state": None, "chunk_size": None}
    for name in ("W1", "b1", "W2", "b2"):
        assert np.array_equal(getattr(r, name), getattr(m, name))
        assert getattr(r, name).tobytes() == getattr(m, name).tobytes()
    assert r.input_shape == m.input_shape
    assert set(r.history_) == set(m.history_)
    assert all(np.array_equal(r.history_[k], m.history_[k]) for k in m.history_)
    assert (r.preprocessing is None) == (m.preprocessing is None)
    for k, v in (m.preprocessing or {}).items():
        assert r.preprocessing[k].dtype == v.dtype and np.array_equal(r.preprocessing[k], v)
    r.save(tmp_path / "again.npz")       # and what was loaded saves again
    assert SparseAutoencoder.load(tmp_path / "again.npz").get_params() == r.get_params()
