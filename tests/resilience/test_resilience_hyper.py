"""Issue 6, item 2: hyperparameter edges are refused with a message (core, pipeline, command line);
extreme but legal values train without NaN."""
import time
import tracemalloc

import numpy as np
import pytest

from saegui.cli import main
from saegui.core import SparseAutoencoder
from saegui.data import DataError
from saegui.pipeline import prepare


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    return 0.1 + 0.8 * rng.random((200, 16))


BAD_MODEL_ARGS = [
    dict(sparsity=0.0), dict(sparsity=1.0), dict(sparsity=-0.05), dict(sparsity=1.5),
    dict(sparsity=float("nan")), dict(sparsity=float("inf")),
    dict(lambda_=-1e-4), dict(lambda_=float("nan")), dict(lambda_=float("inf")),
    dict(beta=-3.0), dict(beta=float("nan")), dict(beta=float("-inf")),
    dict(hidden_size=0), dict(hidden_size=-5), dict(hidden_size=2.5), dict(hidden_size=True),
    dict(activation="relu"), dict(decoder="softmax"), dict(optimizer="adam"),
    dict(dtype=np.int32), dict(max_iter=-1), dict(optimizer="gd", learning_rate=float("nan")),
    dict(optimizer="gd", learning_rate=0.0), dict(optimizer="gd", learning_rate=-0.5),
    dict(lbfgs_memory=0),
]


def _ids(kw):
    return ",".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("kw", BAD_MODEL_ARGS, ids=_ids)
def test_core_refuses_bad_hyperparameters_at_construction(kw):
    """Refused when the model is made, before any data is loaded or any training starts."""
    with pytest.raises(ValueError) as info:
        SparseAutoencoder(**kw)
    name = next(iter(kw)) if next(iter(kw)) != "optimizer" or len(kw) == 1 else list(kw)[1]
    assert name.rstrip("_") in str(info.value) or "rho" in str(info.value), str(info.value)


def test_absurd_hidden_size_refused_before_allocating(X):
    """hidden_size=10**9 is a clear ValueError before any large allocation, not a MemoryError
    (or the kernel's OOM killer); so is a size that fits in virtual memory but not in RAM."""
    for h in (10**9, 10**7):
        model = SparseAutoencoder(hidden_size=h)
        tracemalloc.start()
        t0 = time.perf_counter()
        try:
            with pytest.raises(ValueError, match="memory") as info:
                model.fit(X)
            with pytest.raises(ValueError, match="memory"):
                model.check_gradient(X)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 16 << 20, peak
        assert time.perf_counter() - t0 < 5
        assert f"hidden_size={h}" in str(info.value) and not model.is_fitted


def test_memory_limit_env_applies_to_training(X, monkeypatch):
    monkeypatch.setenv("SAEGUI_MEMORY_LIMIT", "1K")
    with pytest.raises(ValueError, match="SAEGUI_MEMORY_LIMIT"):
        SparseAutoencoder(hidden_size=4, max_iter=2).fit(X)
    monkeypatch.setenv("SAEGUI_MEMORY_LIMIT", "1G")
    assert SparseAutoencoder(hidden_size=4, max_iter=2).fit(X).n_iter_ == 2


def test_zero_iterations_keeps_the_initialisation(X):
    m = SparseAutoencoder(hidden_size=4, max_iter=0, random_state=0).fit(X)
    assert m.n_iter_ == 0 and m.stop_reason_ == "max_iter" and m.is_fitted
    assert all(np.isfinite(w).all() for w in (m.W1, m.b1, m.W2, m.b2))
    assert len(m.history_["cost"]) == 0
    assert np.isfinite(m.cost_parts(X)["cost"])


@pytest.mark.parametrize("optimizer", ["lbfgs", "cg", "gd"])
@pytest.mark.parametrize("activation,decoder", [("sigmoid", "sigmoid"), ("tanh", "linear"),
                                                ("sigmoid", "tanh")])
@pytest.mark.parametrize("extreme", [dict(sparsity=1e-6), dict(beta=100.0), dict(lambda_=10.0),
                                     dict(sparsity=1 - 1e-6, beta=100.0),
                                     dict(sparsity=1e-6, beta=100.0, lambda_=10.0)], ids=_ids)
def test_extreme_but_legal_values_train_without_nan(X, optimizer, activation, decoder, extreme):
    m = SparseAutoencoder(hidden_size=5, optimizer=optimizer, activation=activation,
                          decoder=decoder, max_iter=40, learning_rate=0.05, random_state=1,
                          **extreme).fit(X)
    assert m.stop_reason_ != "diverged", m.message_
    assert all(np.isfinite(w).all() for w in (m.W1, m.b1, m.W2, m.b2))
    for key, values in m.history_.items():
        assert np.isfinite(values).all(), key
    assert np.isfinite(m.transform(X)).all() and np.isfinite(m.rho_hat(X)).all()
    assert np.isfinite(list(m.cost_parts(X).values())).all()


def test_extreme_values_in_float32(X):
    m = SparseAutoencoder(hidden_size=5, sparsity=1e-6, beta=100.0, lambda_=10.0,
                          dtype=np.float32, max_iter=40, random_state=0).fit(X)
    assert m.stop_reason_ != "diverged" and np.isfinite(m.history_["cost"]).all()


# -- patch size ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def images_npy(tmp_path_factory):
    path = tmp_path_factory.mktemp("img") / "imgs.npy"
    rng = np.random.default_rng(0)
    np.save(path, rng.random((3, 20, 24)))
    return str(path)


@pytest.mark.parametrize("p", [0, -3, 21, 1000])
def test_patch_size_refused(images_npy, p):
    with pytest.raises(DataError) as info:
        prepare(images_npy, p, 10)
    assert ("patch" in str(info.value)) and "\n" not in str(info.value)


def test_patch_size_one(images_npy):
    """1x1 patches: the exercise's per-patch mean removal leaves nothing (refused with a message);
    without it they are legal and train."""
    with pytest.raises(DataError, match="variance"):
        prepare(images_npy, 1, 100, "exercise")
    prep = prepare(images_npy, 1, 100, "scale")
    assert prep.X.shape == (100, 1)
    m = SparseAutoencoder(hidden_size=2, max_iter=5).fit(prep.X)
    assert np.isfinite(m.W1).all()


def test_patch_equal_to_image_size(images_npy):
    prep = prepare(images_npy, 20, 3, "scale")
    assert prep.X.shape == (3, 400)
    with pytest.raises(DataError, match="positions"):
        prepare(images_npy, 20, 16, "scale")      # 3 images x 5 positions = 15 distinct


# -- the command line ------------------------------------------------------------------------------------
CLI_BAD = [
    ["--rho", "0"], ["--rho", "1"], ["--rho", "-0.1"], ["--rho", "nan"], ["--lambda", "-1"],
    ["--beta", "-1"], ["--beta", "inf"], ["--hidden-size", "1000000000"],
    ["--patch-size", "1000"], ["--patch-size", "1"], ["--max-iter", "-1"],
    ["--optimizer", "gd", "--learning-rate", "nan"], ["--optimizer", "gd", "--learning-rate", "-1"],
    ["--preprocessing", "zca", "--zca-epsilon", "-1"], ["--num-patches", "100000000"],
]


@pytest.mark.parametrize("args", CLI_BAD, ids=" ".join)
def test_cli_refuses_with_one_line(images_npy, args, capsys):
    code = main(["train", "--data", images_npy, "--patch-size", "5", "--num-patches", "100",
                 "--hidden-size", "4", "--max-iter", "3", "--png", "", "--quiet"] + args)
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert err.count("\n") == 1 and err.startswith("saegui: error: "), err
    assert "Traceback" not in out + err
    # Refused before training started (and, for model settings, before the data was read).
    assert "trained" not in out


@pytest.mark.parametrize("args", [["--hidden-size", "0"], ["--patch-size", "0"],
                                  ["--num-patches", "0"], ["--hidden-size", "x"],
                                  ["--lambda", "abc"], ["--max-iter", "1.5"]], ids=" ".join)
def test_cli_option_type_errors(images_npy, args, capsys):
    """Malformed option values are argparse's: usage and one error line naming the option, exit 2."""
    with pytest.raises(SystemExit) as info:
        main(["train", "--data", images_npy] + args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and args[0] in err.strip().splitlines()[-1], err


def test_cli_zero_iterations_is_handled(images_npy, tmp_path, capsys):
    out_model, png = tmp_path / "m.npz", tmp_path / "f.png"
    assert main(["train", "--data", images_npy, "--patch-size", "5", "--num-patches", "100",
                 "--hidden-size", "4", "--max-iter", "0", "--out", str(out_model), "--png",
                 str(png), "--quiet"]) == 0
    assert "no iterations run" in capsys.readouterr().out
    assert SparseAutoencoder.load(out_model).n_iter_ == 0 and png.stat().st_size > 0


def test_cli_model_settings_refused_before_loading_data(tmp_path, capsys):
    """A bad rho with a missing data file: the rho is reported (cheap check first)."""
    assert main(["train", "--data", str(tmp_path / "missing.npy"), "--rho", "2", "--png", ""]) == 2
    assert "rho" in capsys.readouterr().err
    assert main(["train", "--data", str(tmp_path / "missing.npy"), "--optimizer", "gd",
                 "--learning-rate", "0", "--png", ""]) == 2
    assert "learning_rate" in capsys.readouterr().err


def test_whitening_huge_patches_is_refused_or_quick(tmp_path):
    """ZCA on 64x64 colour patches (12288 inputs: a 1.2 GB covariance and an eigendecomposition
    of minutes) must be refused with a DataError -- or finish -- within 20 s, not hang the caller
    (in the window: the GUI thread).  Run as a process so a hang fails only this test."""
    import os
    import subprocess
    import sys
    path = tmp_path / "colour.npy"
    np.save(path, np.random.default_rng(0).random((4, 128, 128, 3)).astype(np.float32))
    code = ("import sys\nfrom saegui.data import DataError\nfrom saegui.pipeline import prepare\n"
            "try:\n    prepare(sys.argv[1], 64, 2000, sys.argv[2], color=True); print('OK')\n"
            "except DataError as e:\n    print('DataError', e)\n")
    for pre in ("zca", "pca"):
        p = subprocess.Popen([sys.executable, "-c", code, str(path), pre], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        try:
            out, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            pytest.fail(f"{pre} on 12288-dimensional patches ran for more than 20 s")
        assert out.startswith(("OK", "DataError")), out + err
