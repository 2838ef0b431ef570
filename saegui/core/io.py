"""Versioned ``.npz`` model files, written atomically and read without pickle.

Layout (format ``saegui-model``, version 1): the weights ``W1, b1, W2, b2``; hyperparameters as
0-d arrays; ``input_shape``; the training history as ``history/<key>``; and the preprocessing
state, opaque to the core, as ``pre/<key>``.  Writing goes to a temporary file in the target's
folder, then ``os.replace``: a crash mid-save leaves any previous file intact.
"""
from __future__ import annotations

import os
import tempfile
import zipfile

import numpy as np

FORMAT = "saegui-model"
VERSION = 1
_HYPER = ("hidden_size", "lambda_", "beta", "sparsity", "activation", "decoder", "optimizer",
          "max_iter", "learning_rate", "lbfgs_memory", "dtype")


def atomic_write(path, write):
    """Call ``write(fileobj)`` on a temporary file beside ``path``, then rename it over ``path``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".saegui-", suffix=".tmp", dir=folder)
    except OSError as exc:     # no such folder, no permission: name the target, not a temp name
        raise OSError(exc.errno, exc.strerror or str(exc), path) from None
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and exc.filename in (None, tmp):
            # Name the file the user asked for, not our temporary (a full disk says which file).
            raise OSError(exc.errno, exc.strerror or str(exc), path) from None
        raise


def model_arrays(model):
    """Everything a model file holds, as a flat dict of numpy arrays."""
    arrays = {"format": np.array(FORMAT), "version": np.array(VERSION)}
    for name in ("W1", "b1", "W2", "b2"):
        arrays[name] = np.asarray(getattr(model, name))
    params = model.get_params()
    for key in _HYPER:
        value = params[key]
        arrays[f"hyper/{key}"] = np.array(np.dtype(value).name if key == "dtype" else value)
    arrays["input_shape"] = np.asarray(model.input_shape or (), dtype=np.int64)
    for key, value in (model.history_ or {}).items():
        arrays[f"history/{key}"] = np.asarray(value, dtype=np.float64)
    for key, value in (model.preprocessing or {}).items():
        arrays[f"pre/{key}"] = np.asarray(value)
    return arrays


def save_model(model, path):
    arrays = model_arrays(model)
    atomic_write(path, lambda fh: np.savez(fh, **arrays))


def read_model_file(path):
    """Read and validate a model file; return ``(hyper, weights, input_shape, history, pre)``.

    Raises ``ValueError`` naming the file for anything that is not a valid saegui model.
    """
    name = os.fspath(path)
    try:
        _check_array_sizes(name)
        with np.load(name, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise ValueError(f"{name}: no such file") from None
    except PermissionError:
        raise ValueError(f"{name}: permission denied") from None
    except IsADirectoryError:
        raise ValueError(f"{name}: is a folder, not a model file") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"{name}: not a readable saegui model file ({exc})") from None
    if arrays.get("format", np.array("")).item() != FORMAT:
        raise ValueError(f"{name}: not a saegui model file (no '{FORMAT}' marker)")
    version = int(arrays.get("version", np.array(-1)))
    if version != VERSION:
        raise ValueError(f"{name}: model file version {version} is not supported "
                         f"(this saegui reads version {VERSION})")
    missing = [k for k in ("W1", "b1", "W2", "b2") + tuple(f"hyper/{h}" for h in _HYPER)
               if k not in arrays]
    if missing:
        raise ValueError(f"{name}: model file lacks {', '.join(missing)}")
    try:
        hyper = {h: arrays[f"hyper/{h}"].item() for h in _HYPER}
    except ValueError:
        bad = next(h for h in _HYPER if arrays[f"hyper/{h}"].size != 1)
        raise ValueError(f"{name}: hyperparameter {bad} is not a single value") from None
    W1, b1, W2, b2 = (arrays[k] for k in ("W1", "b1", "W2", "b2"))
    h = int(hyper["hidden_size"])
    if W1.ndim != 2 or W1.shape[0] != h:
        raise ValueError(f"{name}: W1 has shape {W1.shape}, expected ({h}, visible)")
    v = W1.shape[1]
    expected = {"W2": (v, h), "b1": (h,), "b2": (v,)}
    for key, arr in (("W2", W2), ("b1", b1), ("b2", b2)):
        if arr.shape != expected[key]:
            raise ValueError(f"{name}: {key} has shape {arr.shape}, expected {expected[key]}")
    for key, arr in (("W1", W1), ("W2", W2), ("b1", b1), ("b2", b2)):
        if not np.issubdtype(arr.dtype, np.floating) or not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}: {key} must hold finite floating-point numbers")
    input_shape = tuple(int(s) for s in arrays.get("input_shape", np.zeros(0, np.int64)))
    history = {k[8:]: arrays[k] for k in arrays if k.startswith("history/")}
    pre = {k[4:]: arrays[k] for k in arrays if k.startswith("pre/")}
    # With a dimension-reducing preprocessing (PCA) the raw patch has more values than inputs.
    if input_shape and not pre and int(np.prod(input_shape)) != v:
        raise ValueError(f"{name}: input_shape {input_shape} does not match {v} inputs")
    return hyper, (W1, b1, W2, b2), input_shape, history, pre


def _check_array_sizes(name):
    """Read every member's .npy header (not its data) and refuse, with ``ValueError``, an array
    that announces more bytes than its member holds or than memory allows: np.load would allocate
    the announced size before reading a byte of it."""
    from ._memory import format_bytes, memory_budget
    with open(name, "rb") as fh:          # missing, folder, no permission: np.load's errors
        if not zipfile.is_zipfile(fh):
            raise ValueError("not a .npz archive")
    total = 0.0
    with zipfile.ZipFile(name) as zf:
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                continue
            key = info.filename[:-4]
            with zf.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
                else:
                    raise ValueError(f"unsupported .npy version {version} for {key}")
                header = fh.tell()
            nbytes = float(np.prod(shape, dtype=float)) * dtype.itemsize
            if not dtype.hasobject and nbytes > info.file_size - header:
                raise ValueError(f"{key} announces {'x'.join(map(str, shape))} {dtype} "
                                 f"({format_bytes(nbytes)}) but holds {format_bytes(info.file_size - header)}")
            total += nbytes
    if total > memory_budget():
        raise ValueError(f"its arrays would need {format_bytes(total)} of memory, more than the "
                         f"{format_bytes(memory_budget())} available")


def write_png(path, image, scale=1):
    """Write ``image`` to a PNG file atomically, with the standard library's zlib only.

    ``image`` is (H, W) gray or (H, W, 3) RGB, float in [-1, 1] (a mosaic: -1 black, 1 white)
    or uint8; ``scale`` repeats each pixel that many times in both directions.
    """
    import struct
    import zlib

    img = np.asarray(image)
    if img.dtype != np.uint8:
        img = np.round((np.clip(img.astype(np.float64), -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] != 3):
        raise ValueError(f"image must be (H, W) or (H, W, 3), got shape {img.shape}")
    scale = int(scale)
    if scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale}")
    from ._memory import format_bytes, memory_budget
    need = 3.0 * img.size * scale * scale       # the scaled image, its rows and the compressed copy
    if need > memory_budget():
        raise ValueError(f"{os.fspath(path)}: a {img.shape[1] * scale}x{img.shape[0] * scale} PNG "
                         f"(scale {scale}) would need {format_bytes(need)} of memory, more than the "
                         f"{format_bytes(memory_budget())} available; use a smaller scale")
    if scale > 1:
        img = np.repeat(np.repeat(img, scale, axis=0), scale, axis=1)
    h, w = img.shape[:2]
    color_type = 2 if img.ndim == 3 else 0
    raw = np.concatenate([np.zeros((h, 1), np.uint8), img.reshape(h, -1)], axis=1).tobytes()

    def chunk(tag, data):
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    atomic_write(path, lambda fh: fh.write(png))
