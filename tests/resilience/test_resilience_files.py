"""Issue 6, item 4: saving is atomic whatever fails where; loading anything that is not this
version's model of a valid architecture gives one clear ValueError naming the file; nothing is ever
unpickled; a model file announcing huge arrays is refused before allocating them."""
import errno
import io
import os
import pickle
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

from resilience_corpus import FullDisk
from saegui.core import SparseAutoencoder
from saegui.core import io as core_io


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    X = 0.1 + 0.8 * rng.random((100, 16))
    m = SparseAutoencoder(hidden_size=5, max_iter=5, random_state=0).fit(X)
    m.input_shape = (4, 4)
    m.preprocessing = {"name": np.array("exercise"), "mean": np.arange(3.0)}
    return m


@pytest.fixture
def previous(tmp_path, trained):
    """A good model file already on disk, and its bytes."""
    path = tmp_path / "model.npz"
    trained.save(path)
    return path, path.read_bytes()


def _assert_intact(path, data):
    assert path.read_bytes() == data
    SparseAutoencoder.load(path)
    left = [p.name for p in path.parent.iterdir() if p.name != path.name]
    assert not left, f"temporary files left behind: {left}"


class Boom(Exception):
    pass


def test_failure_in_the_middle_of_writing(previous, trained, monkeypatch):
    """The writer dies after half of the bytes: the old file is untouched, no temporary left."""
    path, data = previous
    real_savez = np.savez

    def half_then_fail(fh, **arrays):
        buf = io.BytesIO()
        real_savez(buf, **arrays)
        fh.write(buf.getvalue()[: len(buf.getvalue()) // 2])
        raise Boom("disk pulled out")

    trained2 = SparseAutoencoder.load(path)
    trained2.W1 = trained2.W1 + 1.0
    monkeypatch.setattr(np, "savez", half_then_fail)
    with pytest.raises(Boom):
        trained2.save(path)
    _assert_intact(path, data)


@pytest.mark.parametrize("where", ["fsync", "replace", "write"])
def test_os_level_failures(previous, trained, monkeypatch, where):
    path, data = previous
    if where == "fsync":
        monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    elif where == "replace":
        monkeypatch.setattr(os, "replace", lambda a, b: (_ for _ in ()).throw(OSError(errno.EXDEV, "cross-device")))
    else:   # the disk fills up after 1000 bytes
        real_fdopen = os.fdopen
        monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: FullDisk(real_fdopen(fd, mode, *a, **k), 1000))
    with pytest.raises(OSError) as info:
        trained.save(path)
    monkeypatch.undo()
    _assert_intact(path, data)
    assert str(path) in str(info.value), str(info.value)     # the user's file, not the temporary


def test_keyboard_interrupt_mid_save(previous, trained, monkeypatch):
    path, data = previous
    monkeypatch.setattr(np, "savez", lambda fh, **a: (fh.write(b"PK\x03\x04partial"), (_ for _ in ()).throw(KeyboardInterrupt()))[1])
    with pytest.raises(KeyboardInterrupt):
        trained.save(path)
    monkeypatch.undo()
    _assert_intact(path, data)


def test_png_export_is_atomic_too(tmp_path, monkeypatch):
    path = tmp_path / "filters.png"
    core_io.write_png(path, np.zeros((4, 4)))
    data = path.read_bytes()
    monkeypatch.setattr(os, "replace", lambda a, b: (_ for _ in ()).throw(OSError(errno.EIO, "I/O")))
    with pytest.raises(OSError):
        core_io.write_png(path, np.ones((8, 8)))
    monkeypatch.undo()
    assert path.read_bytes() == data and [p.name for p in tmp_path.iterdir()] == ["filters.png"]


def test_saving_into_a_missing_or_readonly_place_is_an_oserror(trained, tmp_path):
    with pytest.raises(OSError):
        trained.save(tmp_path / "no" / "such" / "folder" / "m.npz")
    with pytest.raises(OSError):
        trained.save(tmp_path)      # a folder


# -- loading -------------------------------------------------------------------------------------------
def _rewrite(path, dest, **changes):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    for k, v in changes.items():
        if v is None:
            arrays.pop(k)
        else:
            arrays[k] = v
    np.savez(dest, **arrays)
    return dest


def _load_error(path):
    with pytest.raises(ValueError) as info:
        SparseAutoencoder.load(path)
    msg = str(info.value)
    assert str(path) in msg and "\n" not in msg, msg
    return msg


def test_other_architecture_version_and_corruption(previous, tmp_path):
    path, data = previous
    rng = np.random.default_rng(0)
    cases = {
        "v2.npz": dict(version=np.array(2)),
        "v0.npz": dict(version=np.array(0)),
        "noformat.npz": dict(format=None),
        "otherformat.npz": dict(format=np.array("keras-model")),
        "w1shape.npz": dict(W1=np.zeros((7, 16))),            # hidden 5 in the hyperparameters
        "w2shape.npz": dict(W2=np.zeros((16, 4))),
        "b1shape.npz": dict(b1=np.zeros(6)),
        "b2shape.npz": dict(b2=np.zeros((16, 1))),
        "w1int.npz": dict(W1=np.zeros((5, 16), np.int64)),
        "w1nan.npz": dict(W1=np.full((5, 16), np.nan)),
        "nohyper.npz": {"hyper/beta": None},
        "badrho.npz": {"hyper/sparsity": np.array(2.0)},
        "badact.npz": {"hyper/activation": np.array("relu")},
        "badhidden.npz": {"hyper/hidden_size": np.array(-5)},
        "inputshape.npz": dict(input_shape=np.array([5, 5])),
        "hyper2d.npz": {"hyper/beta": np.ones((2, 2))},
    }
    for name, change in cases.items():
        dest = _rewrite(path, tmp_path / name, **change)
        if name == "inputshape.npz":
            _rewrite(dest, dest, **{k: None for k in ("pre/name", "pre/mean")})
        _load_error(dest)
    corrupt = {
        "empty.npz": b"", "half.npz": data[: len(data) // 2], "text.npz": b"hello\n" * 10,
        "flipped.npz": data[:200] + bytes(rng.integers(0, 256, 200, dtype=np.uint8)) + data[400:],
        "png.npz": b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        "npy.npz": _npy(np.zeros(3)),
    }
    for name, content in corrupt.items():
        p = tmp_path / name
        p.write_bytes(content)
        _load_error(p)
    _load_error(tmp_path / "missing.npz")
    _load_error(tmp_path)


def _npy(a):
    b = io.BytesIO()
    np.save(b, a)
    return b.getvalue()


class _Marker:
    """Unpickling this writes a file: proof that something was unpickled."""

    path = None

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_nothing_is_ever_unpickled(previous, tmp_path):
    path, _ = previous
    marker = tmp_path / "UNPICKLED"
    _Marker.path = str(marker)
    obj = np.empty(1, dtype=object)
    obj[0] = _Marker()
    # An object array inside an otherwise valid model file...
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    for key in ("W1", "hyper/activation", "pre/name", "history/cost", "extra"):
        a = dict(arrays)
        a[key] = obj
        dest = tmp_path / f"pickled_{key.replace('/', '_')}.npz"
        np.savez(dest, **a)     # np.savez pickles object arrays
        _load_error(dest)
    # ...a bare pickle, and a pickle inside a zip member named like an array.
    (tmp_path / "bare.npz").write_bytes(pickle.dumps(_Marker()))
    _load_error(tmp_path / "bare.npz")
    with zipfile.ZipFile(tmp_path / "member.npz", "w") as zf:
        zf.writestr("W1.npy", pickle.dumps(_Marker()))
    _load_error(tmp_path / "member.npz")
    assert not marker.exists(), "a model file was unpickled"


def _npy_header_only(shape, dtype="<f8"):
    text = repr({"descr": dtype, "fortran_order": False, "shape": shape}).encode()
    pad = 64 - (10 + len(text) + 1) % 64
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text) + pad + 1) + text + b" " * pad + b"\n"


@pytest.mark.parametrize("shape", [(10**6, 10**6), (10**5, 10**5), (3 * 10**4, 10**4)])
def test_model_file_announcing_huge_arrays(previous, tmp_path, shape):
    """A model file whose W1 header announces 8 TB, 80 GB or 2.4 GB with a few bytes behind it: a
    ValueError naming the file, never a MemoryError, and no large allocation."""
    path, _ = previous
    dest = tmp_path / "huge.npz"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(dest, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "W1.npy":
                data = _npy_header_only(shape) + b"\0" * 64
            out.writestr(info.filename, data)
    tracemalloc.start()
    try:
        _load_error(dest)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, peak


def test_round_trip_through_odd_paths(trained, tmp_path):
    folder = tmp_path / "modèles été" / "日本"
    folder.mkdir(parents=True)
    p = folder / "mon modèle.npz"
    trained.save(p)
    m = SparseAutoencoder.load(p)
    assert np.array_equal(m.W1, trained.W1) and m.input_shape == (4, 4)


def test_png_scale_that_cannot_fit_is_refused_before_allocating(tmp_path, capsys):
    from saegui.cli import main
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="smaller scale"):
            core_io.write_png(tmp_path / "big.png", np.zeros((41, 41)), 100000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20 and not (tmp_path / "big.png").exists()
    rng = np.random.default_rng(0)
    np.save(tmp_path / "imgs.npy", rng.random((2, 16, 16)))
    assert main(["train", "--data", str(tmp_path / "imgs.npy"), "--patch-size", "4",
                 "--num-patches", "50", "--hidden-size", "4", "--max-iter", "1", "--quiet",
                 "--png", str(tmp_path / "f.png"), "--png-scale", "1000000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "smaller scale" in err and "f.png" in err, err


def test_unwritable_outputs_are_refused_before_training(tmp_path, capsys, trained):
    """`saegui train --out/--png` into a missing folder or onto a folder: one line naming it,
    exit 2, before any data is read or any training is done (nothing trained is thrown away)."""
    from saegui.cli import main
    for option, target in (("--out", tmp_path / "missing" / "m.npz"), ("--png", tmp_path / "no" / "f.png"),
                           ("--out", tmp_path), ("--png", tmp_path)):
        args = ["train", "--max-iter", "1", "--quiet", option, str(target)]
        if option == "--out":
            args += ["--png", ""]
        assert main(args) == 2
        out, err = capsys.readouterr()
        assert "data:" not in out and err.count("\n") == 1 and str(target) in err, (out, err)
    # And the core names the target file (not its temporary) when the folder is missing.
    with pytest.raises(OSError) as info:
        trained.save(tmp_path / "missing" / "m.npz")
    assert str(tmp_path / "missing" / "m.npz") in str(info.value) and ".tmp" not in str(info.value)
