"""The starter-code-compatible functions: names, layouts, and agreement with the native path."""
import numpy as np
import pytest

from saegui.core import (Objective, compute_numerical_gradient, display_network, filter_mosaic,
                         initialize_parameters, sparse_autoencoder_cost, unpack)


def test_initialize_parameters_range_and_layout():
    theta = initialize_parameters(25, 64, rng=0)
    r = np.sqrt(6) / np.sqrt(25 + 64 + 1)
    assert theta.shape == (2 * 25 * 64 + 25 + 64,)
    assert np.all(np.abs(theta[:3200]) <= r) and np.abs(theta[:3200]).max() > 0.9 * r
    assert np.all(theta[3200:] == 0)


def test_starter_cost_agrees_with_the_native_objective():
    rng = np.random.default_rng(0)
    data = rng.uniform(0.1, 0.9, (16, 40))            # (visible, m): one example per column
    theta_f = initialize_parameters(5, 16, rng=1)
    cost, grad = sparse_autoencoder_cost(theta_f, 16, 5, 1e-4, 0.01, 3.0, data)
    W1, b1, W2, b2 = unpack(theta_f, 16, 5, order="F")   # MATLAB's W1(:) is column-major
    theta_c = np.concatenate([W1.ravel(), W2.ravel(), b1, b2])
    cost_c, grad_c = Objective(data.T.copy(), 5, 1e-4, 3.0, 0.01)(theta_c)
    assert cost == pytest.approx(cost_c, rel=1e-13)
    gW1, gb1, gW2, gb2 = unpack(grad, 16, 5, order="F")
    np.testing.assert_allclose(np.concatenate([gW1.ravel(), gW2.ravel(), gb1, gb2]), grad_c,
                               rtol=1e-11, atol=1e-16)
    # Called again with other data of the same shape: the reused objective must not go stale.
    cost2, _ = sparse_autoencoder_cost(theta_f, 16, 5, 1e-4, 0.01, 3.0, data[::-1].copy())
    cost3, _ = sparse_autoencoder_cost(theta_f, 16, 5, 1e-4, 0.01, 3.0, data * 0.5)
    assert cost3 != pytest.approx(cost2)
    # ...nor after the same array is changed in place between calls.
    data2 = data.copy()
    sparse_autoencoder_cost(theta_f, 16, 5, 1e-4, 0.01, 3.0, data2)
    data2 *= 0.5
    cost4, grad4 = sparse_autoencoder_cost(theta_f, 16, 5, 1e-4, 0.01, 3.0, data2)
    fresh = sparse_autoencoder_cost(theta_f, 16, 5, 1e-4, 0.01, 3.0, data2.copy())
    assert cost4 == fresh[0]
    np.testing.assert_array_equal(grad4, fresh[1])


def test_starter_gradient_checks_with_compute_numerical_gradient():
    data = np.random.default_rng(1).uniform(0.1, 0.9, (8, 10))
    theta = initialize_parameters(3, 8, rng=2)
    J = lambda t: sparse_autoencoder_cost(t, 8, 3, 1e-4, 0.01, 3.0, data)  # noqa: E731
    num = compute_numerical_gradient(J, theta)
    ana = J(theta)[1]
    assert np.linalg.norm(num - ana) / np.linalg.norm(num + ana) < 1e-9


def test_compute_numerical_gradient_on_a_known_function():
    theta = np.array([4.0, 10.0])
    J = lambda x: x[0] ** 2 + 3 * x[0] * x[1]  # noqa: E731
    np.testing.assert_allclose(compute_numerical_gradient(J, theta), [38.0, 12.0], rtol=1e-9)


def test_display_network_matches_the_exercise_layout():
    A = np.arange(4 * 6, dtype=float).reshape(4, 6)  # six 2x2 tiles
    img = display_network(A)
    rows, cols = 2, 3                                 # 6 is not square: 3 columns
    assert img.shape == (1 + rows * 3, 1 + cols * 3)
    assert img[0].tolist() == [-1.0] * img.shape[1]
    B = A - A.mean()
    tile = B[:, 4] / np.abs(B[:, 4]).max()
    # Tile k=4 sits in row 1, column 1; pixels column-major within the tile.
    np.testing.assert_allclose(img[4:6, 4:6], tile.reshape(2, 2, order="F"))


def test_filter_mosaic_common_scale_and_colour():
    W = np.random.default_rng(0).normal(size=(10, 12))
    img = filter_mosaic(W, (2, 2, 3))
    assert img.shape == (1 + 3 * 3, 1 + 4 * 3, 3) and img.dtype == np.float32
    assert np.abs(img).max() == pytest.approx(1.0)
    tiles = filter_mosaic(W[:, :4], (2, 2), normalization="tile")
    assert tiles.shape == (10, 13)
