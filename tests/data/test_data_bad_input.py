"""Every bad input of issue 3 raises DataError (a ValueError) whose message names the file."""
import builtins
import gzip
import os
import warnings

import numpy as np
import pytest
import scipy.io

from datafiles import idx_bytes, png_with_size, qimage_from_array, save_qimage, write_gif, write_idx
from saegui.data import DataError, DataWarning, load_images, load_source
from saegui.data.patches import grid_patches, sample_patches
from saegui.data.preprocess import make_preprocessor


def raises_naming(path, call, *args, match=None, **kw):
    with pytest.raises(DataError) as info:
        call(*args, **kw)
    msg = str(info.value)
    assert str(path) in msg, msg
    assert "\n" not in msg
    if match:
        assert match in msg, msg
    return msg


def test_data_error_is_value_error():
    assert issubclass(DataError, ValueError)


def test_missing_path(tmp_path):
    raises_naming(tmp_path / "nope.png", load_images, tmp_path / "nope.png", match="no such file")
    raises_naming(tmp_path / "nope.mat", load_source, str(tmp_path / "nope.mat:IMAGES"), match="no such file")


def test_no_source():
    for spec in (None, "", "  "):
        with pytest.raises(DataError, match="no data source"):
            load_source(spec)


def test_permission_denied(tmp_path, monkeypatch):
    path = tmp_path / "locked.png"
    save_qimage(qimage_from_array(np.zeros((4, 4), np.uint8), "Grayscale8"), path)
    if os.geteuid() == 0:  # root reads anything: simulate the refusal
        real_open = builtins.open

        def fake_open(file, *a, **kw):
            if os.fspath(file) == str(path):
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *a, **kw)

        monkeypatch.setattr(builtins, "open", fake_open)
    else:
        path.chmod(0)
    raises_naming(path, load_images, path, match="permission denied")


@pytest.mark.parametrize("name", ["e.png", "e.mat", "e.npy", "e-idx3-ubyte", "e.jpg"])
def test_empty_file(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    raises_naming(tmp_path / name, load_images, tmp_path / name, match="empty file")


@pytest.mark.parametrize("ext", ["png", "jpg", "bmp", "tif", "pgm"])
def test_truncated_image(tmp_path, rng, ext):
    a = rng.integers(0, 256, size=(40, 50), dtype=np.uint8)
    full = save_qimage(qimage_from_array(a, "Grayscale8"), tmp_path / f"full.{ext}")
    data = full.read_bytes()
    bad = tmp_path / f"trunc.{ext}"
    bad.write_bytes(data[: len(data) // 2])
    raises_naming(bad, load_images, bad)


def test_truncated_gif(tmp_path, rng):
    idx = rng.integers(0, 4, size=(30, 40), dtype=np.uint8)
    full = write_gif(tmp_path / "full.gif", [idx], np.zeros((256, 3), np.uint8) + 7)
    data = full.read_bytes()
    bad = tmp_path / "trunc.gif"
    bad.write_bytes(data[:900])
    raises_naming(bad, load_images, bad)


def test_corrupt_and_non_image(tmp_path):
    bad = tmp_path / "noise.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    raises_naming(bad, load_images, bad)
    txt = tmp_path / "readme.txt"
    txt.write_text("hello")
    raises_naming(txt, load_images, txt, match="not an image")


def test_huge_image_header_refused_before_decoding(tmp_path):
    path = png_with_size(tmp_path / "huge.png", 200_000, 200_000)
    raises_naming(path, load_images, path, match="memory")


def test_mat_truncated(tmp_path, rng):
    full = tmp_path / "full.mat"
    scipy.io.savemat(full, {"IMAGES": rng.normal(size=(32, 32, 4))})
    bad = tmp_path / "trunc.mat"
    bad.write_bytes(full.read_bytes()[:3000])
    raises_naming(bad, load_images, bad)


def test_mat_without_numeric_images(tmp_path):
    path = tmp_path / "strings.mat"
    scipy.io.savemat(path, {"name": "hello", "scalar": 3.0, "vec": np.arange(5.0)})
    msg = raises_naming(path, load_images, path, match="no numeric 2-D or 3-D variable")
    assert "name" in msg
    raises_naming(path, load_images, f"{path}:vec", match="vec")
    raises_naming(path, load_images, f"{path}:missing", match="missing")


def test_mat_v73_message(tmp_path):
    path = tmp_path / "v73.mat"
    head = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    path.write_bytes(head.ljust(512, b" ") + b"\x89HDF\r\n\x1a\n" + bytes(64))
    raises_naming(path, load_images, path, match="-v7")


def test_not_a_mat_file(tmp_path):
    path = tmp_path / "junk.mat"
    path.write_bytes(b"this is not matlab" * 20)
    raises_naming(path, load_images, path)


def test_npy_object_dtype(tmp_path):
    path = tmp_path / "obj.npy"
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    raises_naming(path, load_images, path, match="object")


def test_npy_header_announces_more_than_file(tmp_path, rng):
    path = tmp_path / "big.npy"
    np.save(path, rng.random((4, 10, 10)))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    raises_naming(path, load_images, path, match="truncated")
    liar = tmp_path / "liar.npy"
    liar.write_bytes(data.replace(b"(4, 10, 10)", b"(400000, 10, 10)".ljust(11)[:16]))
    raises_naming(liar, load_images, liar)


def test_npz_corrupt(tmp_path, rng):
    path = tmp_path / "z.npz"
    np.savez_compressed(path, images=rng.random((3, 20, 20)))
    data = path.read_bytes()
    (tmp_path / "t.npz").write_bytes(data[: len(data) // 2])
    raises_naming(tmp_path / "t.npz", load_images, tmp_path / "t.npz")


def test_idx_wrong_magic(tmp_path, rng):
    path = tmp_path / "bad-idx3-ubyte"
    path.write_bytes(b"\x01\x02\x08\x03" + bytes(100))
    raises_naming(path, load_images, path, match="magic")


@pytest.mark.parametrize("gz", [False, True])
def test_idx_truncated(tmp_path, rng, gz):
    data = idx_bytes(rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8))
    path = tmp_path / ("t-idx3-ubyte" + (".gz" if gz else ""))
    cut = data[: len(data) - 300]
    path.write_bytes(gzip.compress(cut) if gz else cut)
    raises_naming(path, load_images, path, match="truncated")


def test_idx_truncated_gzip_stream(tmp_path, rng):
    data = gzip.compress(idx_bytes(rng.integers(0, 256, size=(50, 28, 28), dtype=np.uint8)))
    path = tmp_path / "cut-idx3-ubyte.gz"
    path.write_bytes(data[: len(data) // 2])
    raises_naming(path, load_images, path, match="truncated")


def test_idx_header_announces_huge(tmp_path):
    path = tmp_path / "huge-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 8, 3]) + (4_000_000).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + bytes(784))
    raises_naming(path, load_images, path, match="announces")
    gz = tmp_path / "huge-idx3-ubyte.gz"
    gz.write_bytes(gzip.compress(bytes([0, 0, 8, 3]) + (0xFFFFFFFF).to_bytes(4, "big") * 3))
    raises_naming(gz, load_images, gz, match="memory")


def test_idx_labels_file(tmp_path):
    path = write_idx(tmp_path / "labels-idx1-ubyte", np.arange(10, dtype=np.uint8))
    raises_naming(path, load_images, path, match="labels")


@pytest.mark.parametrize("kind", ["npy", "mat", "idx"])
def test_nan_inf(tmp_path, rng, kind):
    a = rng.random((3, 8, 8))
    a[1, 2, 3] = np.nan if kind != "mat" else np.inf
    if kind == "npy":
        path = tmp_path / "n.npy"
        np.save(path, a)
    elif kind == "mat":
        path = tmp_path / "n.mat"
        scipy.io.savemat(path, {"IMAGES": np.moveaxis(a, 0, 2)})
    else:
        path = write_idx(tmp_path / "n-idx3-ubyte", a, type_code=0x0E, dtype=">f8")
    raises_naming(path, load_images, path, match="NaN or infinite")


@pytest.mark.parametrize("name", ["exercise", "zca", "scale", "pca"])
def test_constant_images_need_variance(name):
    X = sample_patches([np.full((20, 20), 0.5)], 8, 50)
    with pytest.raises(DataError, match="const.mat"):
        make_preprocessor(name).fit(X, source="const.mat")


def test_images_smaller_than_patch(tmp_path, rng):
    np.save(tmp_path / "big.npy", rng.random((16, 16)))
    np.save(tmp_path / "small.npy", rng.random((5, 5)))
    s = load_images(tmp_path)
    with pytest.warns(DataWarning, match="small.npy"):
        X = sample_patches(s, 8, 10)
    assert X.shape == (10, 64)
    only_small = load_images(tmp_path / "small.npy")
    raises_naming(only_small.source, sample_patches, only_small, 8, 10, match="smaller")
    raises_naming(only_small.source, grid_patches, only_small, 8, 1, match="smaller")


def test_more_patches_than_positions(tmp_path, rng):
    np.save(tmp_path / "a.npy", rng.random((10, 10)))
    s = load_images(tmp_path / "a.npy")
    assert sample_patches(s, 8, 9).shape == (9, 64)
    raises_naming(s.source, sample_patches, s, 8, 10, match="positions")


def test_memory_budget(tmp_path, rng, monkeypatch):
    path = tmp_path / "m.npy"
    np.save(path, rng.random((4, 64, 64)))
    monkeypatch.setenv("SAEGUI_MEMORY_LIMIT", "10K")
    raises_naming(path, load_images, path, match="memory")
    monkeypatch.setenv("SAEGUI_MEMORY_LIMIT", "100M")
    s = load_images(path)
    monkeypatch.setenv("SAEGUI_MEMORY_LIMIT", "1M")
    raises_naming(s.source, sample_patches, s, 8, 3000, match="memory")


def test_bad_variable_on_non_mat(tmp_path, rng):
    np.save(tmp_path / "a.npy", rng.random((10, 10)))
    raises_naming(tmp_path / "a.npy", load_images, f"{tmp_path / 'a.npy'}:X")


def test_folder_without_images(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    raises_naming(tmp_path, load_images, tmp_path, match="no images")
    empty = tmp_path / "empty"
    empty.mkdir()
    raises_naming(empty, load_images, empty, match="no images")


def test_bad_images_print_nothing(tmp_path, rng):
    """Qt's image plugins warn on stderr about broken files; the decoder keeps them out of the output
    (the error message quotes the reason), so the command line prints a single line."""
    import subprocess
    import sys

    a = rng.integers(0, 256, size=(40, 50), dtype=np.uint8)
    paths = []
    for ext in ("png", "jpg", "tif"):
        full = save_qimage(qimage_from_array(a, "Grayscale8"), tmp_path / f"full.{ext}")
        bad = tmp_path / f"bad.{ext}"
        bad.write_bytes(full.read_bytes()[:300])
        paths.append(str(bad))
    code = ("import sys\nfrom saegui.data import load_images, DataError\n"
            f"for p in {paths!r}:\n"
            "    try:\n        load_images(p)\n    except DataError as e:\n        print(e)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert len(res.stdout.splitlines()) == 3
