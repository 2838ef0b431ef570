"""Array files: MATLAB ``.mat`` (v5 and older, via scipy.io), NumPy ``.npy``/``.npz`` and MNIST IDX.

Each reader looks at the header first (shape, type, announced size), refuses what cannot be right or
would not fit in memory, and only then reads the data. All return ``(images, names)`` where images is
a list of float64 arrays (H, W) or (H, W, 3) (see :mod:`saegui.data.imageset` for scaling rules).

Array layouts:
- ``.mat``: 2-D (H, W) one image; 3-D (H, W, N) N images (the exercise's ``IMAGES``) -- except an
  integer (H, W, 3), which is one RGB image as ``imread`` returns it; 4-D (H, W, 3, N) N RGB images.
- ``.npy``/``.npz``: 2-D (H, W) one image; 3-D (N, H, W) N images -- except (H, W, 3), one RGB image;
  4-D (N, H, W, 3) N RGB images.
- IDX: (N, H, W) N images (MNIST: 28x28 uint8, scaled by 1/255); (H, W) one image.
Variable choice in ``.mat``/``.npz``: the one named (``file.mat:VAR``), else ``IMAGES`` (or ``images``),
else the largest numeric array with 2 to 4 dimensions.
"""
from __future__ import annotations

import gzip
import os
import struct
import zipfile
import zlib

import numpy as np

from .errors import DataError
from .imageset import LUMA_WEIGHTS, scale_integers
from .memory import check_memory

__all__ = ["read_mat", "read_npy", "read_npz", "read_idx", "looks_like_idx", "IDX_TYPES"]

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_MAT_NUMERIC = {"double": 8, "single": 4, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2, "int32": 4,
                "uint32": 4, "int64": 8, "uint64": 8, "logical": 1}


def _split(block: np.ndarray, *, color: bool, where: str, label: str) -> tuple[list, list]:
    """(N, H, W) or (N, H, W, 3) raw block -> list of finished float64 images and their names."""
    if block.shape[0] == 0 or min(block.shape[1:3]) < 1:
        raise DataError(f"{where}: holds no image data (shape {block.shape})")
    data = scale_integers(block)
    finite = np.isfinite(data.reshape(data.shape[0], -1)).all(axis=1)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        raise DataError(f"{where}: image {bad} contains NaN or infinite values")
    if color:
        data = to_rgb_block(data)
    elif data.ndim == 4:
        data = data @ LUMA_WEIGHTS
    data = np.ascontiguousarray(data)
    names = [f"{label}[{i}]" for i in range(len(data))] if len(data) > 1 else [label]
    return list(data), names


def to_rgb_block(data: np.ndarray) -> np.ndarray:
    """(N, H, W) -> (N, H, W, 3) by repetition; (N, H, W, 3) unchanged."""
    return np.repeat(data[..., None], 3, axis=-1) if data.ndim == 3 else data


def _choose(where: str, found: dict, variable: str | None, is_candidate) -> str:
    """Pick the variable to load from ``found`` (name -> (shape, kind))."""
    listing = ", ".join(f"{k} ({'x'.join(map(str, s))} {c})" for k, (s, c) in found.items()) or "nothing"
    if variable is not None:
        if variable not in found:
            raise DataError(f"{where}: no variable {variable!r} (the file holds {listing})")
        if not is_candidate(*found[variable]):
            raise DataError(f"{where}:{variable}: not a numeric 2-D, 3-D or 4-D array "
                            f"({'x'.join(map(str, found[variable][0]))} {found[variable][1]})")
        return variable
    cands = [k for k, v in found.items() if is_candidate(*v)]
    if not cands:
        raise DataError(f"{where}: no numeric 2-D or 3-D variable to use as images (the file holds {listing})")
    for pref in ("IMAGES", "images"):
        if pref in cands:
            return pref
    return max(cands, key=lambda k: int(np.prod(found[k][0])))


# ----------------------------------------------------------------------------------------------- .mat
def read_mat(path, *, color: bool = False, variable: str | None = None) -> tuple[list, list]:
    """Read a MATLAB v4/v5/v7 ``.mat`` file; v7.3 (HDF5) gets a message to re-save with ``-v7``."""
    import scipy.io

    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(520)
    if b"MATLAB 7.3" in head[:116] or head[512:520] == b"\x89HDF\r\n\x1a\n":
        raise DataError(f"{path}: MATLAB v7.3 (HDF5) file; re-save it in MATLAB with "
                        f"save('{os.path.basename(path)}', ..., '-v7') to load it here")
    try:
        info = scipy.io.whosmat(path)
    except Exception as e:  # scipy raises many types for broken files
        raise DataError(f"{path}: not a readable MATLAB .mat file ({type(e).__name__}: {e})") from None
    found = {name: (tuple(shape), cls) for name, shape, cls in info}

    def is_candidate(shape, cls):
        return cls in _MAT_NUMERIC and 2 <= len(shape) <= 4 and min(shape[:2]) >= 2

    name = _choose(path, found, variable, is_candidate)
    shape, cls = found[name]
    where = f"{path}:{name}"
    check_memory(np.prod(shape, dtype=float) * (_MAT_NUMERIC[cls] + 16), where, f"array {'x'.join(map(str, shape))}")
    try:
        arr = scipy.io.loadmat(path, variable_names=[name])[name]
    except Exception as e:
        raise DataError(f"{where}: cannot read the variable, the file is truncated or corrupt "
                        f"({type(e).__name__}: {e})") from None
    if cls == "logical":
        arr = arr.astype(bool)
    if arr.ndim == 2:
        block = arr[None]
    elif arr.ndim == 3 and arr.shape[2] == 3 and np.issubdtype(arr.dtype, np.integer):
        block = arr[None]
    elif arr.ndim == 3:
        block = np.moveaxis(arr, 2, 0)
    elif arr.shape[2] == 3:
        block = np.moveaxis(arr, 3, 0)
    else:
        raise DataError(f"{where}: a 4-D array must be (H, W, 3, N), got {arr.shape}")
    return _split(block, color=color, where=where, label=f"{os.path.basename(path)}:{name}")


# ------------------------------------------------------------------------------------------ .npy/.npz
def _npy_header(f, where: str):
    """Read a .npy header from an open binary file: (shape, dtype, header length)."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(f)
        else:
            raise ValueError(f"unsupported .npy format version {version[0]}.{version[1]}")
    except Exception as e:
        raise DataError(f"{where}: not a valid .npy array header ({e})") from None
    if dtype.hasobject:
        raise DataError(f"{where}: array of Python objects (dtype {dtype}); only numeric arrays are "
                        "loaded (allow_pickle=False)")
    return tuple(shape), dtype, f.tell()


def _npy_layout(arr: np.ndarray, where: str) -> np.ndarray:
    if arr.dtype.kind not in "biuf":
        raise DataError(f"{where}: dtype {arr.dtype} is not a real number type")
    if arr.ndim == 2:
        return arr[None]
    if arr.ndim == 3:
        return arr[None] if arr.shape[2] == 3 else arr
    if arr.ndim == 4 and arr.shape[3] == 3:
        return arr
    raise DataError(f"{where}: expected (H, W), (N, H, W), (H, W, 3) or (N, H, W, 3), got shape {arr.shape}")


def read_npy(path, *, color: bool = False) -> tuple[list, list]:
    """Read a ``.npy`` file (``allow_pickle=False``), checking its header against the file length."""
    path = os.fspath(path)
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        shape, dtype, offset = _npy_header(f, path)
    need = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if need > size - offset:
        raise DataError(f"{path}: truncated; the header announces {'x'.join(map(str, shape))} {dtype} "
                        f"({need} bytes) but the file holds {size - offset} bytes of data")
    check_memory(np.prod(shape, dtype=float) * (dtype.itemsize + 16), path, f"array {shape}")
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as e:
        raise DataError(f"{path}: cannot read the array ({type(e).__name__}: {e})") from None
    block = _npy_layout(arr, path)
    return _split(block, color=color, where=path, label=os.path.basename(path))


def read_npz(path, *, color: bool = False, variable: str | None = None) -> tuple[list, list]:
    """Read one array of a ``.npz`` archive (see the module docstring for which one)."""
    path = os.fspath(path)
    found = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                with zf.open(info) as f:
                    shape, dtype, _ = _npy_header(f, f"{path}:{info.filename[:-4]}")
                found[info.filename[:-4]] = (shape, str(dtype))
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise DataError(f"{path}: not a readable .npz archive ({e})") from None

    def is_candidate(shape, dtype):
        return np.dtype(dtype).kind in "biuf" and 2 <= len(shape) <= 4 and min(shape[:2]) >= 1

    name = _choose(path, found, variable, is_candidate)
    where = f"{path}:{name}"
    shape, dtype = found[name]
    check_memory(np.prod(shape, dtype=float) * (np.dtype(dtype).itemsize + 16), where, f"array {shape}")
    try:
        with np.load(path, allow_pickle=False) as z:
            arr = z[name]
    except Exception as e:
        raise DataError(f"{where}: cannot read the array, the archive is truncated or corrupt "
                        f"({type(e).__name__}: {e})") from None
    return _split(_npy_layout(arr, where), color=color, where=where, label=f"{os.path.basename(path)}:{name}")


# ------------------------------------------------------------------------------------------------ IDX
def looks_like_idx(head: bytes) -> bool:
    """True if the first 4 bytes are an IDX magic number (0, 0, type, ndim)."""
    return len(head) >= 4 and head[:2] == b"\0\0" and head[2] in IDX_TYPES and 1 <= head[3] <= 4


def read_idx(path, *, color: bool = False) -> tuple[list, list]:
    """Read an IDX file (MNIST ``*-idx3-ubyte``), raw or gzip-compressed (detected by content)."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    size = os.path.getsize(path)
    opener = gzip.open if gz else open
    try:
        with opener(path, "rb") as f:
            magic = f.read(4)
            if not looks_like_idx(magic):
                raise DataError(f"{path}: wrong IDX magic number 0x{magic.hex() or '(none)'} "
                                "(expected 0x00000803 for an image file)")
            dtype, ndim = np.dtype(IDX_TYPES[magic[2]]), magic[3]
            head = f.read(4 * ndim)
            if len(head) < 4 * ndim:
                raise DataError(f"{path}: truncated IDX header")
            dims = struct.unpack(f">{ndim}I", head)
            if ndim == 1:
                raise DataError(f"{path}: IDX file holds a 1-D array of {dims[0]} values (labels?), not images")
            if ndim == 4 and dims[3] != 3:
                raise DataError(f"{path}: a 4-D IDX array must be (N, H, W, 3), got {dims}")
            need = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
            shape_text = "x".join(map(str, dims))
            if not gz and need > size - 4 - 4 * ndim:
                raise DataError(f"{path}: truncated; the IDX header announces {shape_text} ({need} bytes) "
                                f"but the file holds {size - 4 - 4 * ndim} bytes of data")
            check_memory(float(need) + np.prod(dims, dtype=float) * 16, path, f"IDX array {shape_text}")
            data = f.read(need)
    except DataError:
        raise
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as e:  # zlib: a broken deflate stream
        raise DataError(f"{path}: truncated or corrupt IDX file ({type(e).__name__}: {e})") from None
    if len(data) < need:
        raise DataError(f"{path}: truncated; the IDX header announces {shape_text} ({need} bytes) "
                        f"but the file holds {len(data)} bytes of data")
    arr = np.frombuffer(data, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))
    block = arr[None] if ndim == 2 else arr
    return _split(block, color=color, where=path, label=os.path.basename(path))
