"""The notes' math: cost, backpropagation (with the erratum fixed), activations, validation."""
import math

import numpy as np
import pytest

from saegui.core import Objective, SparseAutoencoder, initialize_theta, unpack
from saegui.core.gradcheck import check

COMBOS = [(a, d) for a in ("sigmoid", "tanh") for d in ("sigmoid", "tanh", "linear")]


def _data(m=30, n=12, seed=0):
    return np.random.default_rng(seed).uniform(0.1, 0.9, (m, n))


@pytest.mark.parametrize("activation,decoder", COMBOS)
def test_gradient_check_passes_for_every_activation_and_decoder(activation, decoder):
    model = SparseAutoencoder(hidden_size=5, lambda_=1e-3, beta=3.0, sparsity=0.1,
                              activation=activation, decoder=decoder, random_state=3)
    result = model.check_gradient(_data(), mode="full")
    assert result.n_checked == result.n_params == 2 * 5 * 12 + 5 + 12
    assert result.relative_difference < 1e-9, result.summary()
    assert result.passed
    assert set(result.max_abs_error) == {"W1", "W2", "b1", "b2"}


def test_fast_gradient_check_subsamples_and_passes():
    X = _data(m=2000, n=64)
    result = SparseAutoencoder(hidden_size=25, random_state=0).check_gradient(
        X, mode="fast", max_examples=50, max_coords=120)
    assert result.n_examples == 50
    assert 120 <= result.n_checked < result.n_params
    assert result.passed, result.summary()
    assert all(v > 0 for v in result.max_abs_error.values())  # every block was sampled


def _literal_notes_objective(X, h, lambda_, beta, rho):
    """The notes' backpropagation coded literally as printed: sparsity term outside f'(z2)."""
    def J(theta):
        W1, b1, W2, b2 = unpack(theta, X.shape[1], h)
        m = len(X)
        a2 = 1 / (1 + np.exp(-(X @ W1.T + b1)))
        a3 = 1 / (1 + np.exp(-(a2 @ W2.T + b2)))
        rho_hat = a2.mean(0)
        kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
        cost = 0.5 * np.sum((a3 - X) ** 2) / m + 0.5 * lambda_ * (np.sum(W1**2) + np.sum(W2**2)) \
            + beta * kl.sum()
        d3 = (a3 - X) * a3 * (1 - a3)
        d2 = (d3 @ W2) * a2 * (1 - a2) + beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
        grad = np.concatenate([(d2.T @ X / m + lambda_ * W1).ravel(),
                               (d3.T @ a2 / m + lambda_ * W2).ravel(), d2.mean(0), d3.mean(0)])
        return cost, grad
    return J


def test_gradient_check_flags_the_notes_literal_erratum():
    X, h = _data(m=40, n=8), 4
    theta = initialize_theta(h, 8, 1)
    blocks = {"W1": slice(0, 32), "W2": slice(32, 64), "b1": slice(64, 68), "b2": slice(68, 76)}
    wrong = check(_literal_notes_objective(X, h, 1e-4, 3.0, 0.01), theta, blocks)
    right = check(Objective(X, h, 1e-4, 3.0, 0.01), theta, blocks)
    assert not wrong.passed and wrong.relative_difference > 0.1
    assert right.passed
    # The error sits in the hidden layer's blocks; the output layer's gradient is unaffected.
    assert wrong.max_abs_error["W1"] > 1e-3 and wrong.max_abs_error["W2"] < 1e-8


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


def test_cost_of_a_tiny_net_computed_by_hand():
    # One input, one hidden unit, two examples; every quantity written out with math.
    x = [0.2, 0.7]
    w1, b1, w2, b2 = 0.5, -0.3, -1.2, 0.4
    lam, beta, rho = 0.1, 2.0, 0.2
    a2 = [_sigmoid(w1 * xi + b1) for xi in x]
    a3 = [_sigmoid(w2 * a + b2) for a in a2]
    recon = sum((o - xi) ** 2 for o, xi in zip(a3, x)) / (2 * 2)
    decay = lam / 2 * (w1**2 + w2**2)
    r = sum(a2) / 2
    kl = rho * math.log(rho / r) + (1 - rho) * math.log((1 - rho) / (1 - r))
    obj = Objective(np.array([[0.2], [0.7]]), 1, lam, beta, rho)
    cost, _ = obj(np.array([w1, w2, b1, b2]))
    assert obj.parts["reconstruction"] == pytest.approx(recon, rel=1e-14)
    assert obj.parts["weight_decay"] == pytest.approx(decay, rel=1e-14)
    assert obj.parts["sparsity"] == pytest.approx(beta * kl, rel=1e-14)
    assert cost == pytest.approx(recon + decay + beta * kl, rel=1e-14)
    assert obj.rho_hat[0] == pytest.approx(r, rel=1e-14)


def test_tanh_maps_mean_activation_into_unit_interval():
    X = _data(m=50, n=6)
    obj = Objective(X, 3, activation="tanh")
    theta = initialize_theta(3, 6, 0)
    obj(theta)
    W1, b1, _, _ = unpack(theta, 6, 3)
    expected = (np.tanh(X @ W1.T + b1).mean(0) + 1) / 2
    np.testing.assert_allclose(obj.rho_hat, expected, rtol=1e-12)
    assert np.all((obj.rho_hat > 0) & (obj.rho_hat < 1))


def test_weight_decay_leaves_biases_alone():
    X = _data(m=10, n=4)
    theta = initialize_theta(2, 4, 0)
    _, g0 = Objective(X, 2, lambda_=0.0)(theta)
    _, g1 = Objective(X, 2, lambda_=0.5)(theta)
    np.testing.assert_allclose(g1[:16] - g0[:16], 0.5 * theta[:16], atol=1e-15)
    np.testing.assert_array_equal(g1[16:], g0[16:])


def test_float32_agrees_with_float64():
    X = _data(m=500, n=64)
    theta = initialize_theta(25, 64, 0)
    c64, g64 = Objective(X, 25)(theta)
    c32, g32 = Objective(X, 25, dtype=np.float32)(theta)
    assert c32 == pytest.approx(c64, rel=1e-5)
    assert np.linalg.norm(g32 - g64) / np.linalg.norm(g64) < 1e-5


def test_saturated_units_give_finite_cost_and_gradient():
    X = _data(m=20, n=5)
    theta = initialize_theta(3, 5, 0)
    theta[15 + 15:15 + 15 + 3] = [-800.0, 800.0, 0.0]   # b1: one dead, one saturated unit
    cost, grad = Objective(X, 3)(theta)
    assert np.isfinite(cost) and np.all(np.isfinite(grad))


def test_chunked_evaluation_equals_in_memory():
    X = _data(m=103, n=9)
    theta = initialize_theta(4, 9, 2)
    c1, g1 = Objective(X, 4)(theta)
    c2, g2 = Objective(X, 4, chunk_size=10)(theta)
    assert c2 == pytest.approx(c1, rel=1e-13)
    np.testing.assert_allclose(g2, g1, rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("kwargs,name", [
    ({"sparsity": 0.0}, "sparsity"), ({"sparsity": 1.0}, "sparsity"),
    ({"sparsity": float("nan")}, "sparsity"), ({"sparsity": -0.1}, "sparsity"),
    ({"lambda_": -1e-4}, "lambda_"), ({"beta": -3.0}, "beta"), ({"hidden_size": 0}, "hidden_size"),
    ({"activation": "relu"}, "activation"), ({"decoder": "softmax"}, "decoder"),
    ({"optimizer": "adam"}, "optimizer"), ({"dtype": np.int32}, "dtype"),
])
def test_bad_hyperparameters_raise_value_error_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        SparseAutoencoder(**kwargs)


def test_bad_data_raises_value_error():
    model = SparseAutoencoder(3, max_iter=2)
    with pytest.raises(ValueError, match="NaN"):
        model.fit(np.array([[0.1, np.nan], [0.2, 0.3]]))
    with pytest.raises(ValueError, match="2-D"):
        model.fit(np.zeros(5))
    model.fit(_data(m=10, n=4))
    with pytest.raises(ValueError, match="4"):
        model.transform(_data(m=3, n=5))
    with pytest.raises(ValueError, match="theta"):
        Objective(_data(m=5, n=4), 2)(np.zeros(7))
