"""Issue 6, item 3 (core and command line): divergence is detected and the last finite parameters
kept; an error inside training leaves the previous model untouched; a stop anywhere -- also in
the middle of a line search -- is honoured at once and keeps the last completed iterate; a pause
changes nothing; Ctrl+C on `saegui train` stops and still saves."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import saegui.core.estimator as estimator
from saegui.core import Objective, SparseAutoencoder


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    return 0.1 + 0.8 * rng.random((150, 16))


def _recorder():
    seen = []

    def callback(p):
        seen.append(p.theta.copy())
        return False
    return seen, callback


@pytest.mark.parametrize("alpha", [1e8, 1e30, 1e300])
def test_gradient_descent_with_huge_alpha_is_caught(X, alpha):
    seen, cb = _recorder()
    m = SparseAutoencoder(hidden_size=4, optimizer="gd", learning_rate=alpha, max_iter=300,
                          random_state=0).fit(X, callback=cb)
    assert m.stop_reason_ == "diverged", (m.stop_reason_, m.message_)
    assert "non-finite" in m.message_ and "last finite" in m.message_
    assert all(np.isfinite(w).all() for w in (m.W1, m.b1, m.W2, m.b2))
    assert np.isfinite(m.history_["cost"]).all() and len(m.history_["cost"]) == m.n_iter_
    if seen:    # the kept parameters are exactly the last completed iterate
        assert np.array_equal(m.theta(), seen[-1])
    # ...and the model is still usable: save, load, transform.
    assert np.isfinite(m.transform(X)).all()


class _Faulty(Objective):
    """An Objective that turns bad on its ``k``-th evaluation: NaN cost, inf gradient, or raise."""

    k, mode = 10**9, "nan"

    def __call__(self, theta):
        cost, grad = super().__call__(theta)
        if self.n_evals >= type(self).k:
            if self.mode == "nan":
                return float("nan"), grad
            if self.mode == "inf-grad":
                grad = grad.copy()
                grad[3] = np.inf
                return cost, grad
            raise RuntimeError("worker exploded")
        return cost, grad


@pytest.mark.parametrize("optimizer", ["lbfgs", "cg", "gd"])
@pytest.mark.parametrize("mode", ["nan", "inf-grad"])
@pytest.mark.parametrize("k", [1, 2, 7, 20])
def test_non_finite_evaluation_anywhere_keeps_last_iterate(X, monkeypatch, optimizer, mode, k):
    monkeypatch.setattr(_Faulty, "k", k)
    monkeypatch.setattr(_Faulty, "mode", mode)
    monkeypatch.setattr(estimator, "Objective", _Faulty)
    seen, cb = _recorder()
    m = SparseAutoencoder(hidden_size=4, optimizer=optimizer, max_iter=50, random_state=3)
    m.fit(X, callback=cb)
    assert m.stop_reason_ == "diverged"
    assert m.n_iter_ == len(seen)
    theta0 = estimator.initialize_theta(4, X.shape[1], 3)
    assert np.array_equal(m.theta(), seen[-1] if seen else theta0)


@pytest.mark.parametrize("where", ["objective", "callback"])
def test_exception_during_training_leaves_the_previous_model(X, monkeypatch, where):
    m = SparseAutoencoder(hidden_size=4, max_iter=5, random_state=0).fit(X)
    before = [w.copy() for w in (m.W1, m.b1, m.W2, m.b2)]
    history = {k: v.copy() for k, v in m.history_.items()}
    if where == "objective":
        monkeypatch.setattr(_Faulty, "k", 4)
        monkeypatch.setattr(_Faulty, "mode", "raise")
        monkeypatch.setattr(estimator, "Objective", _Faulty)
        cb = None
    else:
        def cb(p):
            if p.iteration == 2:
                raise RuntimeError("worker exploded")
    with pytest.raises(RuntimeError, match="exploded"):
        m.fit(X, callback=cb)
    for a, b in zip(before, (m.W1, m.b1, m.W2, m.b2)):
        assert np.array_equal(a, b)
    assert all(np.array_equal(history[k], m.history_[k]) for k in history)


@pytest.mark.parametrize("optimizer", ["lbfgs", "cg", "gd"])
def test_stop_at_every_evaluation_including_line_searches(X, optimizer):
    """Stop on evaluation k for k = 1..25: no evaluation happens after the stop, the result is
    'stopped' and holds the last completed iterate (or the initialisation)."""
    total = SparseAutoencoder(hidden_size=4, optimizer=optimizer, max_iter=8, random_state=1).fit(X)
    n_evals_total = None
    for k in range(1, 26):
        calls = {"n": 0, "after": 0, "stopped": False}

        def interrupt():
            if calls["stopped"]:
                calls["after"] += 1
            calls["n"] += 1
            if calls["n"] >= k:
                calls["stopped"] = True
            return calls["stopped"]

        seen, cb = _recorder()
        m = SparseAutoencoder(hidden_size=4, optimizer=optimizer, max_iter=8, random_state=1)
        m.fit(X, callback=cb, interrupt=interrupt)
        if m.stop_reason_ != "stopped":            # finished before evaluation k
            assert m.n_iter_ == total.n_iter_
            n_evals_total = n_evals_total or k
            continue
        assert calls["after"] == 0, "the optimiser evaluated again after the stop"
        assert m.n_iter_ == len(seen)
        theta0 = estimator.initialize_theta(4, X.shape[1], 1)
        assert np.array_equal(m.theta(), seen[-1] if seen else theta0)
    # L-BFGS and CG take more evaluations than iterations: some stops were inside line searches.


def test_pause_changes_nothing(X):
    """An interrupt that blocks (the GUI's pause) in the middle of line searches gives exactly the
    same model as an uninterrupted run."""
    ref = SparseAutoencoder(hidden_size=4, max_iter=15, random_state=2).fit(X)
    count = {"n": 0}

    def pausing():
        count["n"] += 1
        if count["n"] % 5 == 0:
            time.sleep(0.02)
        return False

    m = SparseAutoencoder(hidden_size=4, max_iter=15, random_state=2).fit(X, interrupt=pausing)
    assert np.array_equal(m.theta(), ref.theta()) and m.n_iter_ == ref.n_iter_


def test_gradient_check_cancel(X):
    from saegui.core import Interrupted
    m = SparseAutoencoder(hidden_size=4)
    n = {"k": 0}

    def interrupt():
        n["k"] += 1
        return n["k"] > 10
    with pytest.raises(Interrupted):
        m.check_gradient(X, interrupt=interrupt)
    assert not m.is_fitted


def test_ctrl_c_on_the_command_line_stops_and_saves(tmp_path):
    """SIGINT during `saegui train`: exit code 0, the model trained so far is written, no
    traceback."""
    out = tmp_path / "m.npz"
    p = subprocess.Popen([sys.executable, "-m", "saegui", "train", "--num-patches", "3000",
                          "--max-iter", "1000000", "--hidden-size", "36", "--out", str(out),
                          "--png", str(tmp_path / "f.png")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    try:
        line = p.stdout.readline()              # "data: ..." once the data is ready
        assert line.startswith("data:"), line + p.stderr.read()
        time.sleep(1.5)
        p.send_signal(signal.SIGINT)
        rest, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    assert "Traceback" not in err and "(stopped)" in rest, rest + err
    m = SparseAutoencoder.load(out)
    assert m.n_iter_ > 0 and np.isfinite(m.W1).all()
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_reports_a_diverged_run_readably(tmp_path, capsys):
    """Gradient descent with alpha = 1e30: exit 0, a warning on stderr, and the cost printed in
    scientific notation (not a 200-digit number); the model written is finite."""
    from saegui.cli import main
    np.save(tmp_path / "imgs.npy", np.random.default_rng(0).random((3, 24, 24)))
    out = tmp_path / "m.npz"
    assert main(["train", "--data", str(tmp_path / "imgs.npy"), "--patch-size", "6",
                 "--num-patches", "300", "--hidden-size", "4", "--optimizer", "gd",
                 "--learning-rate", "1e30", "--max-iter", "200", "--out", str(out),
                 "--png", "", "--quiet"]) == 0
    o, e = capsys.readouterr()
    assert "(diverged)" in o and "non-finite" in e and "last finite" in e
    line = next(ln for ln in o.splitlines() if ln.startswith("trained"))
    assert max(len(w) for w in line.split()) < 20, line
    assert np.isfinite(SparseAutoencoder.load(out).W1).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_divergence_prints_no_runtime_warnings(X, dtype):
    """Overflow on the way to a non-finite cost is expected and handled: fit() raises no numpy
    RuntimeWarning (they would print on the console of `saegui train`)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        m = SparseAutoencoder(hidden_size=4, optimizer="gd", learning_rate=1e30, max_iter=100,
                              dtype=dtype, random_state=0).fit(X)
    assert m.stop_reason_ == "diverged" and np.isfinite(m.W1).all()


def test_ctrl_c_during_a_gradient_check(tmp_path):
    """SIGINT during `saegui gradcheck --mode full`: one line, exit code 130, no traceback."""
    p = subprocess.Popen([sys.executable, "-m", "saegui", "gradcheck", "--mode", "full",
                          "--num-patches", "5000"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    try:
        time.sleep(3)      # imports done (~1 s); data or the check running (the full check takes minutes)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines() == [err.strip()], err
    assert "interrupted" in err


def test_ctrl_c_while_data_is_read_is_one_line(monkeypatch, capsys):
    import saegui.pipeline
    from saegui.cli import main

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(saegui.pipeline, "prepare", interrupted)
    assert main(["train", "--png", "", "--quiet"]) == 130
    assert main(["gradcheck"]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "Traceback" not in err and "interrupted" in err
