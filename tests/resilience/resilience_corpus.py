"""The bad-input corpus of issue 6, built on the fly (no binary fixtures are committed).

``valid_files(folder)`` writes one small valid file of every supported type; ``write_corpus(folder)``
derives from them every bad input the loaders must refuse with a ``DataError`` naming the file:
zero-byte, truncated and corrupt files of every type, wrong extensions, headers announcing huge
sizes, NaN/Inf data, ``.mat`` files with only text or struct variables, and the same under paths with
spaces and non-ASCII characters.  Imported by the tests as ``resilience_corpus`` (pytest puts
tests/resilience on sys.path).
"""
from __future__ import annotations

import gzip
import sys
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# One encoder for every hand-written file format the tests need: the data tests' module.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from datafiles import gif_bytes as _gif_bytes, idx_bytes  # noqa: E402,F401

# Types whose files are made by Qt (QImage.save), by extension.
QT_TYPES = ("png", "jpg", "bmp", "tif", "pgm")
ALL_TYPES = QT_TYPES + ("gif", "mat", "npy", "npz", "idx", "idx.gz")
# The file name used for each type (IDX files are recognised by name or content).
FILE_NAMES = {t: f"img.{t}" for t in QT_TYPES + ("gif", "mat", "npy", "npz")}
FILE_NAMES.update({"idx": "img-idx3-ubyte", "idx.gz": "img-idx3-ubyte.gz"})


@dataclass(frozen=True)
class Case:
    """One bad input: ``spec`` is what is passed to the loader, ``path`` what the message must name."""

    id: str
    spec: str
    path: str


def image_array(seed=0, h=24, w=20):
    """A textured uint8 gray image (varied enough for every preprocessing)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:h, :w]
    a = 127 + 60 * np.sin(x / 3.0) * np.cos(y / 4.0) + rng.normal(0, 20, (h, w))
    return np.clip(a, 0, 255).astype(np.uint8)


def qt_image_bytes(ext, a=None):
    """The bytes of a gray image file written by Qt's own writer for ``ext``."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage

    a = np.ascontiguousarray(image_array() if a is None else a)
    h, w = a.shape
    img = QImage(a.tobytes(), w, h, w, QImage.Format.Format_Grayscale8).copy()
    ba = QByteArray()
    buf = QBuffer(ba)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    fmt = {"jpg": "JPEG", "tif": "TIFF"}.get(ext, ext.upper())
    assert img.save(buf, fmt), f"Qt cannot write {fmt}"
    buf.close()
    return bytes(ba.data())


def gif_bytes(a=None):
    """A GIF89a with a gray palette (the data tests' encoder)."""
    idx = image_array() if a is None else a
    return _gif_bytes([idx], np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1))


def npy_bytes(arr):
    import io
    bio = io.BytesIO()
    np.save(bio, arr)
    return bio.getvalue()


def npz_bytes(**arrays):
    import io
    bio = io.BytesIO()
    np.savez(bio, **arrays)
    return bio.getvalue()


def mat_bytes(mdict):
    import io

    import scipy.io
    bio = io.BytesIO()
    scipy.io.savemat(bio, mdict)
    return bio.getvalue()


def valid_bytes(kind):
    """The content of a small valid file of ``kind`` (one of ALL_TYPES)."""
    if kind in QT_TYPES:
        return qt_image_bytes(kind)
    if kind == "gif":
        return gif_bytes()
    stack = np.stack([image_array(s) for s in range(3)])           # (3, 24, 20) uint8
    if kind == "mat":
        return mat_bytes({"IMAGES": np.moveaxis(stack, 0, 2).astype(np.float64) / 255})
    if kind == "npy":
        return npy_bytes(stack.astype(np.float64) / 255)
    if kind == "npz":
        return npz_bytes(images=stack.astype(np.float64) / 255)
    if kind == "idx":
        return idx_bytes(stack)
    if kind == "idx.gz":
        return gzip.compress(idx_bytes(stack))
    raise ValueError(kind)


def valid_files(folder):
    """Write one valid file of every type into ``folder``; return {kind: path}."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for kind in ALL_TYPES:
        p = folder / FILE_NAMES[kind]
        p.write_bytes(valid_bytes(kind))
        out[kind] = p
    return out


# -- headers announcing huge sizes -----------------------------------------------------------------
def _png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def huge_png(width=100000, height=100000):
    """A PNG whose (valid, CRC-checked) IHDR announces width x height, with one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _png_chunk(b"IEND", b""))


def huge_pgm(width=100000, height=100000):
    return f"P5\n{width} {height}\n255\n".encode() + b"\x80" * 64


def huge_bmp(width=100000, height=100000):
    """A BITMAPINFOHEADER BMP announcing width x height 24-bit pixels (file size field honest)."""
    pixels = b"\0" * 64
    header = struct.pack("<2sIHHI", b"BM", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return header + info + pixels


def huge_gif(width=65535, height=65535):
    """A GIF whose screen and first image both announce 65535x65535 (the format's maximum)."""
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff")
    out += b"," + struct.pack("<HHHHB", 0, 0, width, height, 0) + bytes([2])
    out += bytes([2, 0x44, 0x01]) + b"\0;"
    return bytes(out)


def huge_tiff(width=100000, height=100000):
    """A little-endian baseline TIFF announcing width x height 8-bit gray, one tiny strip."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1),
               (262, 3, 1, 1), (273, 4, 1, 8 + 2 + 9 * 12 + 4), (277, 3, 1, 1), (278, 4, 1, height),
               (279, 4, 1, 64)]
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        packed = struct.pack("<H", value) + b"\0\0" if typ == 3 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, typ, count) + packed
    ifd += struct.pack("<I", 0)
    return b"II*\0" + struct.pack("<I", 8) + ifd + b"\x80" * 64


def huge_jpeg(width=65000, height=65000):
    """A JPEG whose SOF0 announces width x height (then ends)."""
    soi = b"\xff\xd8"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\0" + bytes([1] * 64)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return soi + dqt + sof + b"\xff\xd9"


def huge_idx(n=10**9, gz=False):
    """An IDX image file claiming n images of 28x28, holding 10."""
    data = bytes([0, 0, 8, 3]) + struct.pack(">3I", n, 28, 28) + b"\0" * (10 * 784)
    return gzip.compress(data) if gz else data


def huge_npy(n=10**6):
    """A .npy whose header claims (n, 1000, 1000) float64, with a few bytes of data."""
    header = {"descr": "<f8", "fortran_order": False, "shape": (n, 1000, 1000)}
    text = repr(header).encode()
    pad = 64 - (10 + len(text) + 1) % 64
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text) + pad + 1) + text + b" " * pad + b"\n" + b"\0" * 64


HUGE = {
    "png": huge_png, "pgm": huge_pgm, "bmp": huge_bmp, "gif": huge_gif, "tif": huge_tiff,
    "jpg": huge_jpeg, "idx": huge_idx, "idx.gz": lambda: huge_idx(gz=True), "npy": huge_npy,
}


# -- the corpus ---------------------------------------------------------------------------------------
def _corrupt(kind, data):
    """Keep the magic number, replace what follows by deterministic garbage."""
    keep = {"png": 8, "jpg": 2, "bmp": 2, "tif": 4, "pgm": 2, "gif": 6, "mat": 0, "npy": 6,
            "npz": 4, "idx": 4, "idx.gz": 2}[kind]
    rng = np.random.default_rng(len(data))
    return data[:keep] + rng.integers(0, 256, len(data) - keep, dtype=np.uint8).tobytes()


def bad_inputs():
    """Every bad input as ``(id, relative path, bytes, spec suffix)``; nothing is written."""
    out = []

    def add(case_id, name, data, suffix=""):
        out.append((case_id, case_id.split("/")[0] + "/" + name, data, suffix))

    for kind in ALL_TYPES:
        data = valid_bytes(kind)
        name = FILE_NAMES[kind]
        add(f"zero/{kind}", name, b"")
        add(f"truncated-half/{kind}", name, data[:len(data) // 2])
        add(f"truncated-header/{kind}", name, data[:min(12, len(data) - 1)])
        add(f"corrupt/{kind}", name, _corrupt(kind, data))
        if kind in HUGE:
            add(f"huge/{kind}", name, HUGE[kind]())
    # A gzip header followed by a broken deflate stream (zlib.error, not OSError, from gzip).
    gz = valid_bytes("idx.gz")
    add("corrupt-deflate/idx.gz", FILE_NAMES["idx.gz"], gz[:10] + bytes([gz[10] ^ 0xFF]) + gz[11:])
    # Wrong extensions: content that is not what the name says (and cannot load as either).
    add("wrongext/text.png", "notes.png", b"these are my notes, not a picture\n" * 20)
    add("wrongext/png.mat", "img.mat", valid_bytes("png"))
    add("wrongext/png.npy", "img.npy", valid_bytes("png"))
    add("wrongext/png.npz", "img.npz", valid_bytes("png"))
    add("wrongext/png.idx", "img-idx3-ubyte", valid_bytes("png"))
    add("wrongext/html.jpg", "page.jpg", b"<!DOCTYPE html><html><body>404</body></html>")
    add("wrongext/labels.idx", "train-labels-idx1-ubyte", idx_bytes(np.arange(10, dtype=np.uint8)))
    # NaN / Inf values.
    a = np.random.default_rng(0).random((3, 16, 16))
    a[1, 3, 4] = np.nan
    add("nan/npy", "nan.npy", npy_bytes(a))
    add("nan/npz", "nan.npz", npz_bytes(images=a))
    add("nan/idx", "nan-idx3-ubyte", idx_bytes(a, 0x0E, ">f8"))
    b = np.moveaxis(a, 0, 2).copy()
    b[np.isnan(b)] = np.inf
    add("inf/mat", "inf.mat", mat_bytes({"IMAGES": b}))
    add("inf/npy", "inf.npy", npy_bytes(-np.abs(b)))
    # .mat files with nothing usable as images; a variable that is not there; pickled objects.
    add("mat-text/only-text", "text.mat", mat_bytes({"title": "hello", "notes": np.array(["a", "b"])}))
    add("mat-struct/only-struct", "struct.mat", mat_bytes({"s": {"a": np.ones((4, 4)), "name": "x"}}))
    add("mat-cell/only-cell", "cell.mat",
        mat_bytes({"c": np.array([np.ones((4, 4)), "x"], dtype=object)}))
    add("mat-var/missing-variable", "v.mat", mat_bytes({"IMAGES": np.ones((8, 8, 2))}), ":NOPE")
    add("npy-object/object", "obj.npy", b"\x93NUMPY\x01\x00" + _npy_object_header())
    # Paths with spaces and non-ASCII characters (truncated files, so the error must name them).
    for kind in ("png", "mat", "idx"):
        out.append((f"unicode-path/{kind}", f"odd names é ü 日本/mon fichier é {FILE_NAMES[kind]}",
                    valid_bytes(kind)[:40], ""))
    return out


def write_corpus(folder, which=None):
    """Write the bad inputs (all, or the ids in ``which``) under ``folder``; return ``Case``s."""
    folder = Path(folder)
    cases = []
    for case_id, rel, data, suffix in bad_inputs():
        if which is not None and case_id not in which:
            continue
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        cases.append(Case(case_id, str(p) + suffix, str(p)))
    return cases


def _npy_object_header():
    text = repr({"descr": "|O", "fortran_order": False, "shape": (2, 2)}).encode()
    pad = 64 - (10 + len(text) + 1) % 64
    return struct.pack("<H", len(text) + pad + 1) + text + b" " * pad + b"\n" + b"\x80\x04N." * 8


class FullDisk:
    """A real file whose writes fail like a full disk (ENOSPC) once more than ``limit`` bytes were
    asked for; with ``partial``, the failing write first lets 5 bytes through, as a real one may."""

    def __init__(self, fh, limit, partial=False):
        self.fh, self.n, self.limit, self.partial = fh, 0, limit, partial

    def write(self, data):
        import errno
        self.n += len(data)
        if self.n > self.limit:
            if self.partial:
                self.fh.write(data[:5])
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.fh.write(data)

    def __getattr__(self, name):
        return getattr(self.fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()

    def __iter__(self):
        return iter(self.fh)
