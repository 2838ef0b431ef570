"""Versioned .npz model files and PNG export."""
import zlib

import numpy as np
import pytest

from saegui.core import SparseAutoencoder
from saegui.core.io import write_png


@pytest.fixture
def trained():
    X = np.random.default_rng(0).uniform(0.1, 0.9, (60, 9))
    model = SparseAutoencoder(4, lambda_=3e-3, beta=5.0, sparsity=0.035, decoder="linear",
                              max_iter=5, random_state=0).fit(X)
    model.input_shape = (3, 3)
    model.preprocessing = {"kind": np.array("zca"), "mean": np.arange(9.0)}
    return model


def test_save_load_round_trip_is_exact(trained, tmp_path):
    path = tmp_path / "model with spaces é.npz"
    trained.save(path)
    loaded = SparseAutoencoder.load(path)
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(trained, name))
    assert loaded.get_params() == {**trained.get_params(), "random_state": None}
    assert loaded.input_shape == (3, 3) and loaded.n_iter_ == trained.n_iter_
    for key in trained.history_:
        np.testing.assert_array_equal(loaded.history_[key], trained.history_[key])
    assert str(loaded.preprocessing["kind"]) == "zca"
    np.testing.assert_array_equal(loaded.preprocessing["mean"], np.arange(9.0))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".saegui-")]


def test_saved_files_get_the_usual_permissions_not_private_ones(trained, tmp_path):
    import os
    import stat
    umask = os.umask(0o022)
    try:
        trained.save(tmp_path / "m.npz")
        write_png(tmp_path / "f.png", np.zeros((2, 2)))
    finally:
        os.umask(umask)
    for name in ("m.npz", "f.png"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_failed_save_leaves_the_previous_file_intact(trained, tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    trained.save(path)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError):
        trained.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


@pytest.mark.parametrize("content,message", [
    (b"", "not a readable"), (b"garbage" * 10, "not a readable"),
])
def test_loading_a_corrupt_file_names_it(tmp_path, content, message):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        SparseAutoencoder.load(path)
    assert "bad.npz" in str(info.value)


def test_loading_rejects_foreign_npz_other_versions_and_bad_shapes(trained, tmp_path):
    np.savez(tmp_path / "other.npz", a=np.arange(3))
    with pytest.raises(ValueError, match="not a saegui model"):
        SparseAutoencoder.load(tmp_path / "other.npz")
    from saegui.core.io import model_arrays
    arrays = model_arrays(trained)
    np.savez(tmp_path / "v9.npz", **{**arrays, "version": np.array(9)})
    with pytest.raises(ValueError, match="version 9"):
        SparseAutoencoder.load(tmp_path / "v9.npz")
    np.savez(tmp_path / "shape.npz", **{**arrays, "W2": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="W2 has shape"):
        SparseAutoencoder.load(tmp_path / "shape.npz")
    np.savez(tmp_path / "pickle.npz", **{**arrays, "W1": np.array([{"x": 1}], dtype=object)})
    with pytest.raises(ValueError, match="pickle.npz"):
        SparseAutoencoder.load(tmp_path / "pickle.npz")
    with pytest.raises(ValueError, match="no such file"):
        SparseAutoencoder.load(tmp_path / "missing.npz")


def test_saving_an_untrained_model_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not trained"):
        SparseAutoencoder().save(tmp_path / "x.npz")


def test_write_png_produces_a_decodable_image(tmp_path):
    img = np.linspace(-1, 1, 12).reshape(3, 4)
    write_png(tmp_path / "a.png", img, scale=2)
    data = (tmp_path / "a.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (8, 6)
    start = data.index(b"IDAT") + 4
    length = int.from_bytes(data[start - 8:start - 4], "big")
    raw = np.frombuffer(zlib.decompress(data[start:start + length]), np.uint8).reshape(6, 9)
    assert raw[0, 1] == 0 and raw[-1, -1] == 255   # -1 -> black, 1 -> white
