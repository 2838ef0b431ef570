"""Preprocessing: the exercise normalisation, ZCA, PCA, none, scale; state round trips through .npz."""
import numpy as np
import pytest

from saegui.data import DataError
from saegui.data.preprocess import exercise_normalize, make_preprocessor, preprocessor_from_state


@pytest.fixture
def X(rng):
    A = rng.normal(size=(20, 20))
    return rng.normal(size=(3000, 20)) @ A + 5.0


def test_exercise_matches_normalize_data(X):
    Y = make_preprocessor("exercise").fit_transform(X)
    # normalizeData written out as in the MATLAB code, one patch per column
    P = X.T
    P = P - P.mean(axis=0)
    pstd = 3 * P.ravel().std(ddof=1)
    P = (np.maximum(np.minimum(P, pstd), -pstd) / pstd + 1) * 0.4 + 0.1
    np.testing.assert_allclose(Y, P.T)
    assert Y.min() >= 0.1 and Y.max() <= 0.9
    np.testing.assert_allclose(exercise_normalize(X), Y)


@pytest.mark.parametrize("eps", [0.0, 1e-12])
def test_zca_identity_covariance(X, eps):
    Y = make_preprocessor("zca", epsilon=eps).fit_transform(X)
    np.testing.assert_allclose(Y.mean(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(Y.T @ Y / len(Y), np.eye(20), atol=1e-8)


def test_zca_epsilon_shrinks_and_inverts(X):
    z = make_preprocessor("zca", epsilon=0.1)
    Y = z.fit_transform(X)
    C = Y.T @ Y / len(Y)
    s = np.linalg.eigvalsh(C)
    assert s.max() < 1 and s.min() > 0
    np.testing.assert_allclose(z.inverse_transform(Y), X, atol=1e-9)
    W1 = np.random.default_rng(0).normal(size=(7, 20))
    np.testing.assert_allclose(z.effective_filters(W1) @ (X - X.mean(0)).T, W1 @ Y.T, atol=1e-9)


def test_zca_rank_deficient_is_stable(rng):
    B = rng.normal(size=(500, 5)) @ rng.normal(size=(5, 30))  # rank 5 in 30 dimensions
    B = B - B.mean(axis=1, keepdims=True)  # as after the exercise's per-patch mean removal
    Y = make_preprocessor("zca", epsilon=0.0).fit_transform(B)
    assert np.isfinite(Y).all()
    C = Y.T @ Y / len(Y)
    s = np.linalg.eigvalsh(C)
    np.testing.assert_allclose(np.sort(s)[-5:], 1, atol=1e-6)  # whitened in the data's subspace
    assert np.abs(np.sort(s)[:-5]).max() < 1e-6  # nothing blown up outside it
    Y2 = make_preprocessor("zca", epsilon=0.1).fit_transform(B)
    assert np.isfinite(Y2).all() and np.abs(Y2).max() < 100


def test_pca_k_and_whitening(X):
    p = make_preprocessor("pca", k=6)
    Y = p.fit_transform(X)
    assert Y.shape == (3000, 6)
    np.testing.assert_allclose(Y.T @ Y / len(Y), np.eye(6), atol=1e-8)
    full = make_preprocessor("pca", k=20)
    np.testing.assert_allclose(full.inverse_transform(full.fit_transform(X)), X, atol=1e-8)
    auto = make_preprocessor("pca").fit(X)
    assert 1 <= auto.k_fitted <= 20


def test_none_and_scale(X):
    np.testing.assert_array_equal(make_preprocessor("none").fit_transform(X), X)
    s = make_preprocessor("scale")
    Y = s.fit_transform(X)
    assert Y.min() == 0 and Y.max() == 1
    np.testing.assert_allclose(s.inverse_transform(Y), X)


@pytest.mark.parametrize("name,kw", [("exercise", {}), ("zca", {"epsilon": 0.1}), ("pca", {"k": 4}),
                                     ("pca", {}), ("none", {}), ("scale", {})])
def test_state_round_trip_through_npz(tmp_path, X, name, kw):
    pre = make_preprocessor(name, **kw).fit(X)
    state = pre.state()
    assert all(isinstance(v, np.ndarray) for v in state.values())
    np.savez(tmp_path / "s.npz", **state)
    with np.load(tmp_path / "s.npz", allow_pickle=False) as z:
        back = preprocessor_from_state(dict(z))
    new = X[:10] * 1.5
    np.testing.assert_allclose(back.transform(new), pre.transform(new))
    unfitted = preprocessor_from_state(make_preprocessor(name, **kw).state())
    assert not unfitted.fitted


def test_errors(X):
    with pytest.raises(DataError, match="unknown preprocessing"):
        make_preprocessor("whiten")
    with pytest.raises(DataError, match="before fit"):
        make_preprocessor("zca").transform(X)
    with pytest.raises(DataError):
        make_preprocessor("zca").fit(X).transform(X[:, :5])
    with pytest.raises(DataError, match="unknown step"):
        preprocessor_from_state({"name": np.array("magic")})
    with pytest.raises(DataError, match="NaN"):
        make_preprocessor("exercise").fit(np.full((3, 3), np.nan))
