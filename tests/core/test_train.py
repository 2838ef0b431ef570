"""Optimisers, callbacks, stopping and the estimator's outputs."""
import numpy as np
import pytest

from saegui.core import Objective, SparseAutoencoder, initialize_theta, minimize


def _data(m=200, n=16, seed=0):
    return np.random.default_rng(seed).uniform(0.1, 0.9, (m, n))


@pytest.mark.parametrize("optimizer", ["lbfgs", "cg", "gd"])
def test_training_lowers_the_cost_and_reports_every_iteration(optimizer):
    X = _data()
    seen = []
    model = SparseAutoencoder(8, optimizer=optimizer, max_iter=15, learning_rate=0.5,
                              random_state=0)
    model.fit(X, callback=lambda p: seen.append((p.iteration, p.cost, p.W1.copy())))
    start = SparseAutoencoder(8, random_state=0, max_iter=0).fit(X).cost_parts(X)["cost"]
    assert model.n_iter_ == len(seen) == len(model.history_["cost"]) > 0
    assert [s[0] for s in seen] == list(range(1, model.n_iter_ + 1))
    assert model.history_["cost"][-1] < start
    np.testing.assert_array_equal(seen[-1][2], model.W1)
    parts = model.cost_parts(X)
    assert parts["cost"] == pytest.approx(model.history_["cost"][-1], rel=1e-9)
    h = model.history_
    np.testing.assert_allclose(h["reconstruction"] + h["weight_decay"] + h["sparsity"], h["cost"])


def test_gradient_descent_follows_the_notes_update_rule():
    X = _data(m=50, n=6)
    alpha = 0.3
    obj = Objective(X, 3)
    theta = initialize_theta(3, 6, 0)
    expected = theta.copy()
    for _ in range(3):
        expected -= alpha * obj(expected)[1]
    result = minimize(Objective(X, 3), theta, "gd", max_iter=3, learning_rate=alpha)
    np.testing.assert_allclose(result.theta, expected, rtol=1e-13)
    assert result.n_iter == 3 and result.stop_reason == "max_iter"


def test_training_is_deterministic_for_a_fixed_random_state():
    X = _data()
    a = SparseAutoencoder(8, max_iter=20, random_state=7).fit(X)
    b = SparseAutoencoder(8, max_iter=20, random_state=7).fit(X)
    c = SparseAutoencoder(8, max_iter=20, random_state=8).fit(X)
    np.testing.assert_array_equal(a.W1, b.W1)
    np.testing.assert_array_equal(a.history_["cost"], b.history_["cost"])
    assert not np.array_equal(a.W1, c.W1)


def test_callback_returning_true_stops_and_keeps_that_iterate():
    X = _data()
    kept = {}

    def cb(p):
        kept[p.iteration] = p.theta.copy()
        return p.iteration == 4

    model = SparseAutoencoder(8, max_iter=50, random_state=0).fit(X, callback=cb)
    assert model.n_iter_ == 4 and model.stop_reason_ == "stopped"
    np.testing.assert_array_equal(model.theta(), kept[4])


def test_interrupt_stops_within_one_evaluation_even_inside_a_line_search():
    X = _data()
    calls = {"evals": 0, "after": 0, "stop": False}
    iterate = {}

    def interrupt():
        if calls["stop"]:
            calls["after"] += 1
            return True
        calls["evals"] += 1
        return False

    def cb(p):
        iterate["last"] = p.theta.copy()
        if p.iteration == 3:
            # Ask to stop from "another thread" at the next evaluation: the first evaluation of
            # iteration 4's line search.
            calls["stop"] = True

    model = SparseAutoencoder(8, max_iter=100, random_state=0)
    model.fit(X, callback=cb, interrupt=interrupt)
    assert calls["after"] == 1            # polled once more, then no evaluation at all
    assert model.stop_reason_ == "stopped" and model.n_iter_ == 3
    np.testing.assert_array_equal(model.theta(), iterate["last"])


def test_divergence_stops_and_restores_the_last_finite_parameters():
    X = _data(m=50, n=6)
    model = SparseAutoencoder(3, optimizer="gd", learning_rate=1e6, max_iter=50, random_state=0)
    with np.errstate(all="ignore"):
        model.fit(X)
    assert model.stop_reason_ in ("diverged", "max_iter")
    assert np.all(np.isfinite(model.W1)) and np.isfinite(model.cost_parts(X)["cost"])
    if model.stop_reason_ == "diverged":
        assert "non-finite" in model.message_


def test_divergence_is_detected_when_the_cost_overflows():
    X = _data(m=20, n=4)

    class Exploding(Objective):
        def __call__(self, theta):
            cost, grad = super().__call__(theta)
            return (float("inf"), grad) if self.n_evals > 5 else (cost, grad)

    result = minimize(Exploding(X, 2), initialize_theta(2, 4, 0), "gd", max_iter=20)
    assert result.stop_reason == "diverged" and result.n_iter == 4
    assert np.all(np.isfinite(result.theta))


def test_zero_iterations_keeps_the_initialisation():
    X = _data(m=20, n=4)
    model = SparseAutoencoder(2, max_iter=0, random_state=0).fit(X)
    np.testing.assert_array_equal(model.theta(), initialize_theta(2, 4, 0))
    assert model.n_iter_ == 0


def test_transform_reconstruct_filters_and_rho_hat():
    X = _data(m=100, n=9)
    model = SparseAutoencoder(4, max_iter=30, random_state=0, sparsity=0.1).fit(X)
    a2 = model.transform(X)
    assert a2.shape == (100, 4) and np.all((a2 > 0) & (a2 < 1))
    assert model.reconstruct(X).shape == X.shape
    np.testing.assert_allclose(np.linalg.norm(model.filters(), axis=1), 1.0)
    np.testing.assert_allclose(model.rho_hat(X), a2.mean(0), rtol=1e-12)


def test_warm_start_continues_from_the_current_parameters():
    X = _data()
    model = SparseAutoencoder(8, max_iter=10, random_state=0).fit(X)
    first = model.history_["cost"][-1]
    model.fit(X, warm_start=True)
    assert model.history_["cost"][0] <= first + 1e-12


def test_a_stop_during_a_long_evaluation_takes_effect_within_a_block_of_rows():
    # 40 blocks of rows per evaluation: the stop is raised inside the first evaluation after
    # the request, not after it completes, and the model keeps the last completed iterate.
    X = _data(m=40 * 512, n=16)
    polls = {"n": 0, "stop_at": None}

    def interrupt():
        polls["n"] += 1
        return polls["stop_at"] is not None and polls["n"] >= polls["stop_at"]

    def cb(p):
        if p.iteration == 2:
            polls["stop_at"] = polls["n"] + 5       # five blocks into the next evaluation

    model = SparseAutoencoder(8, max_iter=50, random_state=0)
    model.fit(X, callback=cb, interrupt=interrupt)
    assert model.stop_reason_ == "stopped" and model.n_iter_ == 2
    assert polls["n"] == polls["stop_at"]          # nothing polled (or computed) after the stop


def test_a_blocking_interrupt_pauses_inside_an_evaluation_and_resumes_exactly():
    import threading
    X = _data(m=8 * 512, n=16)
    reference = SparseAutoencoder(8, max_iter=5, random_state=0).fit(X)
    gate, paused = threading.Event(), threading.Event()
    calls = {"n": 0}

    def interrupt():
        calls["n"] += 1
        if calls["n"] == 20:                        # mid-evaluation: pause until released
            paused.set()
            gate.wait()
        return False

    model = SparseAutoencoder(8, max_iter=5, random_state=0)
    t = threading.Thread(target=model.fit, args=(X,), kwargs={"interrupt": interrupt})
    t.start()
    assert paused.wait(10)
    assert t.is_alive()
    gate.set()
    t.join(30)
    np.testing.assert_array_equal(model.W1, reference.W1)
