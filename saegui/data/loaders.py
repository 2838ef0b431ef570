"""``load_images`` and ``load_source``: any supported path (or built-in name) -> :class:`ImageSet`.

The kind of a file is decided by its content first (NumPy, MATLAB, gzip/IDX magic numbers), then by
its name (``.mat``, ``.npy``, ``.npz``, ``*idx*``/``*ubyte*``), and anything else goes to Qt's image
readers. A folder loads every file in it (sorted by name, optionally recursive); files that are not
images are skipped and listed in ``ImageSet.skipped``, and at least one image is required.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import DataError
from .formats import looks_like_idx, read_idx, read_mat, read_npy, read_npz
from .imageset import ImageSet
from .memory import check_memory

__all__ = ["load_images", "load_source", "split_spec", "BUILTIN_NAMES"]

BUILTIN_NAMES = ("natural", "leaves", "bars")


def _check_readable(path: Path) -> int:
    """Raise DataError for a missing, unreadable or empty file; return its size."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file or folder") from None
    except OSError as e:
        raise DataError(f"{path}: cannot access ({e.strerror or e})") from None
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        # Opening a pipe would wait forever for a writer; a device never ends.
        raise DataError(f"{path}: not a regular file (a pipe, socket or device)")
    try:
        with open(path, "rb"):
            pass
    except PermissionError:
        raise DataError(f"{path}: permission denied") from None
    except IsADirectoryError:
        return -1
    except OSError as e:
        raise DataError(f"{path}: cannot open ({e.strerror or e})") from None
    if st.st_size == 0:
        raise DataError(f"{path}: empty file")
    return st.st_size


def _kind(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(128)
    name = path.name.lower()
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"MATLAB") or name.endswith(".mat"):
        return "mat"
    if head.startswith(b"PK\x03\x04") and name.endswith(".npz") or name.endswith(".npz"):
        return "npz"
    if name.endswith(".npy"):
        return "npy"
    if looks_like_idx(head) or "idx" in name or "ubyte" in name or head.startswith(b"\x1f\x8b"):
        return "idx"
    return "image"


def _load_file(path: Path, *, color: bool, variable: str | None) -> tuple[list, list]:
    _check_readable(path)
    kind = _kind(path)
    if variable is not None and kind not in ("mat", "npz"):
        raise DataError(f"{path}: ':{variable}' selects a variable, but this is not a .mat or .npz file")
    if kind == "mat":
        return read_mat(path, color=color, variable=variable)
    if kind == "npz":
        return read_npz(path, color=color, variable=variable)
    if kind == "npy":
        return read_npy(path, color=color)
    if kind == "idx":
        return read_idx(path, color=color)
    from .qtimage import read_image_file

    return [read_image_file(path, color=color)], [path.name]


def _load_folder(folder: Path, *, color: bool, recursive: bool) -> ImageSet:
    files = sorted(p for p in (folder.rglob("*") if recursive else folder.iterdir()) if not p.is_dir())
    out = ImageSet(source=str(folder), color=color)
    total = 0
    for p in files:
        rel = str(p.relative_to(folder))
        try:
            images, names = _load_file(p, color=color, variable=None)
        except DataError as e:
            reason = str(e)
            prefix = f"{p}: "
            out.skipped.append((rel, reason[len(prefix):] if reason.startswith(prefix) else reason))
            continue
        total += sum(im.nbytes for im in images)
        check_memory(total, str(folder), f"the images read so far ({len(out.images) + len(images)})")
        out.images.extend(images)
        out.names.extend(names if len(names) > 1 else [rel])
    if not out.images:
        detail = f" ({len(out.skipped)} files skipped, e.g. {out.skipped[0][0]}: {out.skipped[0][1]})" \
            if out.skipped else ""
        raise DataError(f"{folder}: no images found in the folder{detail}")
    return out


def split_spec(spec) -> tuple[Path, str | None]:
    """Split ``'file.mat:VAR'`` into (path, 'VAR'); a path that exists as given is never split."""
    text = os.fspath(spec)
    if os.path.exists(text) or ":" not in text:
        return Path(text), None
    head, _, var = text.rpartition(":")
    if head and var and var.replace("_", "a").isalnum() and not any(c in var for c in "/\\"):
        return Path(head), var
    return Path(text), None


def load_images(path, *, color: bool = False, recursive: bool = False, variable: str | None = None) -> ImageSet:
    """Load a file or folder of images as an :class:`ImageSet`.

    ``path`` may be an image file, a folder, a ``.mat`` (optionally ``file.mat:VAR``), ``.npy``,
    ``.npz`` (optionally ``file.npz:NAME``) or an MNIST IDX file (raw or ``.gz``). ``color=True`` gives
    (H, W, 3) RGB images (gray sources repeated), otherwise (H, W) Rec. 601 luma. Raises
    :class:`DataError` naming the file for anything missing, unreadable, truncated or corrupt.
    """
    p, var = split_spec(path) if variable is None else (Path(os.fspath(path)), variable)
    if _check_readable(p) < 0 or p.is_dir():
        if var is not None:
            raise DataError(f"{p}: is a folder, ':{var}' needs a .mat or .npz file")
        return _load_folder(p, color=color, recursive=recursive)
    images, names = _load_file(p, color=color, variable=var)
    return ImageSet(images=images, names=names, source=os.fspath(path), color=color)


def load_source(spec, *, color: bool = False, seed: int = 0, recursive: bool = False) -> ImageSet:
    """Load a path (see :func:`load_images`) or a built-in data set: ``builtin:natural`` (whitened
    dead-leaves images, like IMAGES.mat), ``builtin:leaves`` (the same images unwhitened, in [0, 1], for
    pipelines that whiten themselves, e.g. ZCA) or ``builtin:bars`` (Foldiak's bars).

    Built-ins are generated deterministically from ``seed``.
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        raise DataError("no data source given (a file, a folder, or builtin:natural / builtin:leaves / builtin:bars)")
    text = os.fspath(spec)
    if text.startswith("builtin:"):
        name = text[len("builtin:"):].strip().lower()
        if name not in BUILTIN_NAMES:
            raise DataError(f"{text}: unknown built-in data set (available: "
                            + ", ".join("builtin:" + n for n in BUILTIN_NAMES) + ")")
        from . import synthetic

        if name == "natural":
            return synthetic.natural_images(seed=seed, color=color)
        if name == "leaves":
            return synthetic.leaves_images(seed=seed, color=color)
        return synthetic.bars_images(seed=seed, color=color)
    return load_images(text, color=color, recursive=recursive)
