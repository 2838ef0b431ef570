"""`saegui train` and `saegui gradcheck`: outputs, exit codes, and no tracebacks on bad input."""
import subprocess
import sys

import numpy as np
import pytest

from saegui.cli import main
from saegui.core import SparseAutoencoder


@pytest.fixture
def images_npy(tmp_path):
    path = tmp_path / "imgs.npy"
    np.save(path, np.random.default_rng(0).random((3, 32, 32)))
    return path


def test_train_writes_model_and_png_and_reports(images_npy, tmp_path, capsys):
    out, png = tmp_path / "m.npz", tmp_path / "f.png"
    code = main(["train", "--data", str(images_npy), "--patch-size", "5", "--num-patches", "300",
                 "--hidden-size", "9", "--max-iter", "15", "--out", str(out), "--png", str(png)])
    assert code == 0
    text = capsys.readouterr().out
    assert "trained 15 iterations" in text and "300 patches of 5x5" in text
    model = SparseAutoencoder.load(out)
    assert model.W1.shape == (9, 25) and model.input_shape == (5, 5) and model.n_iter_ == 15
    assert str(model.preprocessing["name"]) == "exercise"
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_train_options_reach_the_model(images_npy, tmp_path):
    out = tmp_path / "m.npz"
    assert main(["train", "--data", str(images_npy), "--patch-size", "4", "--num-patches", "200",
                 "--hidden-size", "3", "--lambda", "3e-3", "--beta", "5", "--rho", "0.035",
                 "--activation", "tanh", "--decoder", "linear", "--optimizer", "cg",
                 "--max-iter", "3", "--dtype", "float32", "--out", str(out), "--png", ""]) == 0
    m = SparseAutoencoder.load(out)
    assert (m.lambda_, m.beta, m.sparsity, m.activation, m.decoder, m.optimizer) == \
        (3e-3, 5.0, 0.035, "tanh", "linear", "cg")
    assert m.dtype == np.float32


def test_gradcheck_passes_and_exits_zero(images_npy, capsys):
    assert main(["gradcheck", "--data", str(images_npy), "--patch-size", "4",
                 "--num-patches", "60", "--hidden-size", "3", "--mode", "full"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("PASS: relative difference") and "W1" in text and "b2" in text


@pytest.mark.parametrize("args,needle", [
    (["train", "--data", "/no/such/file.png"], "/no/such/file.png"),
    (["train", "--rho", "1.5"], "sparsity"),
    (["train", "--lambda", "-1"], "lambda_"),
    (["train", "--max-iter", "-3"], "max-iter"),
])
def test_bad_input_gives_one_line_and_exit_2(args, needle, capsys):
    assert main(args + ["--png", ""]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("saegui: error:") and needle in err[0]


def test_corrupt_data_file_in_a_subprocess_has_no_traceback(tmp_path):
    bad = tmp_path / "broken image.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    proc = subprocess.run([sys.executable, "-m", "saegui", "train", "--data", str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "broken image.png" in proc.stderr


def test_help_lists_the_commands():
    proc = subprocess.run([sys.executable, "-m", "saegui", "train", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    for option in ("--data", "--preset", "--hidden-size", "--lambda", "--beta", "--rho",
                   "--optimizer", "--dtype", "--out", "--png", "--chunk-size"):
        assert option in proc.stdout


def test_train_on_a_memory_mapped_matrix_of_rows_in_chunks(tmp_path, capsys):
    rows = tmp_path / "rows.npy"
    X = np.lib.format.open_memmap(rows, mode="w+", dtype=np.float32, shape=(5000, 16))
    X[:] = np.random.default_rng(0).uniform(0.1, 0.9, X.shape)
    X.flush()
    del X
    out = tmp_path / "m.npz"
    assert main(["train", "--patches", str(rows), "--hidden-size", "4", "--max-iter", "5",
                 "--chunk-size", "700", "--out", str(out), "--png", str(tmp_path / "f.png")]) == 0
    text = capsys.readouterr().out
    assert "5000 rows of 16 inputs (tiles 4x4), memory-mapped" in text
    model = SparseAutoencoder.load(out)
    assert model.input_shape == (4, 4) and model.n_iter_ == 5
    # The same training in memory, unchunked, gives the same model to rounding.
    ref = SparseAutoencoder(4, max_iter=5, random_state=0).fit(np.load(rows).astype(np.float64))
    np.testing.assert_allclose(model.W1, ref.W1, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("content,needle", [
    (None, "no such file"), (b"not an npy", "not a readable"), ("3d", "2-D"), ("int", "floating"),
])
def test_bad_patch_matrices_are_one_line_errors(tmp_path, capsys, content, needle):
    path = tmp_path / "rows.npy"
    if content == "3d":
        np.save(path, np.zeros((2, 3, 4)))
    elif content == "int":
        np.save(path, np.zeros((5, 4), dtype=np.int32))
    elif content is not None:
        path.write_bytes(content)
    assert main(["train", "--patches", str(path), "--png", ""]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and "rows.npy" in err[0]
